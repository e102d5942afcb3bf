package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
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
		args := append([]string{"run-task", "--project", pf, "--dry-run", "--state-dir", t.TempDir()}, tc.args...)
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

// TestHelp_ExamplesNameFilesThatExist: every examples/... file that a
// command's help names is in the repository, so the help can be followed
// as written.
func TestHelp_ExamplesNameFilesThatExist(t *testing.T) {
	path := regexp.MustCompile(`examples/[A-Za-z0-9_./-]+\.(json|yaml|yml|sh)`)
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		for _, p := range path.FindAllString(c.Long+"\n"+c.Example, -1) {
			seen++
			if _, err := os.Stat(filepath.Join("..", "..", p)); err != nil {
				t.Errorf("%s --help names %s, which does not exist", c.CommandPath(), p)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&env{}))
	if seen == 0 {
		t.Fatal("no example file found in any help text")
	}
}

// TestExamples_WorkflowMocks runs examples/workflows/notify.json with its
// mock configuration, every Task state mocked (no container), as the
// README shows; the test cases with a real ECS task run in .ci/run.
func TestExamples_WorkflowMocks(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "workflows")
	code, out, errOut := run(t, "workflow", "run", filepath.Join(dir, "notify.json"), "--state-dir", t.TempDir(), "--runtime", "process",
		"--mock-config", filepath.Join(dir, "notify-mocks.json"), "--test-case", "NoContainers", "--input", `{"exitCode": "3"}`, "--time-scale", "0.001")
	if code != ExitWorkflowFailed || !strings.Contains(errOut, "NotifyFailure: sns:publish") || !strings.Contains(errOut, "execution FAILED: JobFailed") {
		t.Errorf("exit %d; want %d after the mocked notification\nstdout: %s\nstderr: %s", code, ExitWorkflowFailed, out, errOut)
	}
}
