package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestExamples_RunTaskProject checks that the project file, task definition
// and request file under examples/run-task resolve for every task and
// environment (a dry run: no engine, nothing registered). .ci/run runs them
// for real.
func TestExamples_RunTaskProject(t *testing.T) {
	pf := filepath.Join("..", "..", "examples", "run-task", "ecsrun.yaml")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"migrate", "--expand-env", "--env", "MANAGE_PY_TASK=migrate --no-input"},
			[]string{"value: migrate --no-input", "value: the request file", "- manage.py", "startedBy: ci-pipeline", "family: hello-job"}},
		{[]string{"report"}, []string{"count: 12", "- 10\n- 2", "- report", "value: 200ms"}},
		{[]string{"flaky"}, []string{`value: "3"`}},
		{[]string{"migrate", "--environment", "staging", "--expand-env", "--reuse-if-unchanged=false"}, []string{"cluster: staging", "launchType: EC2", "key: environment"}},
	} {
		args := append([]string{"run-task", "--project", pf, "--dry-run"}, tc.args...)
		code, out, errOut := run(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d\n%s", tc.args, code, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: the dry run lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}
