package runtask

import (
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// ${VAR} left in a task definition file without ExpandEnv is warned about
// once, naming the variables; with ExpandEnv there is nothing to say.
func TestRun_WarnsOfVariablesLeftUnexpanded(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("ok", fake.Exits(0))
	def := h.file("vars.yaml", `family: vars
containerDefinitions:
  - name: app
    image: ok
    memory: 64
    environment:
      - {name: TAG, value: "${TAG}"}
      - {name: STAGE, value: "${STAGE:-dev}"}
      - {name: AGAIN, value: "${TAG}"}
      - {name: LITERAL, value: "$${NOT_THIS}"}
`)
	rep, o := h.run(testCtx(t), Options{TaskDefinition: def})
	info := o.Info()
	if len(rep.Warnings) != 1 || strings.Count(info, "Warning:") != 1 {
		t.Fatalf("warnings %q; want one\n%s", rep.Warnings, info)
	}
	if w := rep.Warnings[0]; !strings.Contains(w, "${TAG}, ${STAGE} left as written") || !strings.Contains(w, "--expand-env") || strings.Contains(w, "NOT_THIS") {
		t.Errorf("warning %q; want it to name ${TAG} and ${STAGE} (once each) and --expand-env", w)
	}
	env := map[string]string{"TAG": "v1"}
	rep, o = h.run(testCtx(t), Options{TaskDefinition: def, ExpandEnv: true, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if rep.ExitCode != 0 || len(rep.Warnings) != 0 {
		t.Errorf("with --expand-env: exit %d, warnings %q; want 0 and none\n%s", rep.ExitCode, rep.Warnings, o.Info())
	}
}
