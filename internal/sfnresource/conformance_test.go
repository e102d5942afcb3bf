package sfnresource_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/sfnresource"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// machinesDir holds real-world and statelint state machines with the
// verdict AWS (or statelint's spec) gives each.
const machinesDir = "../../../shared/conformance/statemachines"

type machine struct {
	ID       string   `json:"id"`
	File     string   `json:"file"`
	Expected string   `json:"expected"`
	Services []string `json:"services"`
}

// placeholderRe finds the template placeholders of real-world machines
// (Terraform and CloudFormation fill them in before AWS sees them).
var placeholderRe = regexp.MustCompile(`"\$\{([A-Za-z0-9_]+)\}"`)

// deployed returns the definition as AWS receives it: placeholders filled
// in with an ARN of the kind they name, and statelint's "foo:bar" (statelint
// checks only that a Resource is a URI; AWS refuses it, see
// TestParse) replaced by a Lambda function ARN.
func deployed(def string) string {
	def = placeholderRe.ReplaceAllStringFunc(def, func(m string) string {
		name := placeholderRe.FindStringSubmatch(m)[1]
		if strings.Contains(strings.ToLower(name), "activity") {
			return `"arn:aws:states:us-east-1:123456789012:activity:` + name + `"`
		}
		return `"arn:aws:lambda:us-east-1:123456789012:function:` + name + `"`
	})
	return strings.ReplaceAll(def, `"foo:bar"`, `"arn:aws:lambda:us-east-1:123456789012:function:foo-bar"`)
}

// knownGaps are machines AWS accepts that ecsrun refuses for reasons
// other than their resources (features the interpreter lacks).
var knownGaps = map[string]string{}

// TestConformance_machines validates every machine of the corpus as
// `ecsrun workflow validate` does and compares the verdict with AWS's.
func TestConformance_machines(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(machinesDir, "manifest.json"))
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("state machine corpus %s is absent (set CI to make this a failure)", machinesDir)
		}
		t.Fatal(err)
	}
	var manifest []machine
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	agree, gaps := 0, 0
	for _, m := range manifest {
		def, err := os.ReadFile(filepath.Join(machinesDir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		_, perr := workflow.Parse([]byte(deployed(string(def))), workflow.ParseOptions{Resources: sfnresource.Checker{}})
		got := "valid"
		if perr != nil {
			got = "invalid"
		}
		switch {
		case got == m.Expected:
			agree++
			if why, ok := knownGaps[m.ID]; ok {
				t.Errorf("%s: now %s as AWS says; remove it from knownGaps (%s)", m.ID, got, why)
			}
		case knownGaps[m.ID] != "":
			gaps++
			t.Logf("%s: known gap (%s): %v", m.ID, knownGaps[m.ID], perr)
		default:
			t.Errorf("%s (services %v): got %s, AWS says %s: %v", m.ID, m.Services, got, m.Expected, perr)
		}
	}
	t.Logf("state machines: %d of %d validate as AWS does; %d known gaps", agree, len(manifest), gaps)
}
