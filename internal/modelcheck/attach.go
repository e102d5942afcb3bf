package modelcheck

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/awsjson"
)

// serviceModels returns the models ecsrun serves, as paths under the
// models directory.
func serviceModels() []string {
	return []string{
		"ecs/2014-11-13/service-2.json",
		"logs/2014-03-28/service-2.json",
		"stepfunctions/2016-11-23/service-2.json",
	}
}

// ModelsDir returns ../shared/reference/aws-models beside the repository
// that contains the working directory.
func ModelsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "reference", "aws-models"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("modelcheck: no go.mod above the working directory")
		}
		dir = parent
	}
}

// LoadAll loads the ECS, CloudWatch Logs and Step Functions models from dir.
func LoadAll(dir string) ([]*Model, error) {
	var out []*Model
	for _, p := range serviceModels() {
		m, err := Load(filepath.Join(dir, p))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// ForTest returns a Checker over the service models. When the models are
// absent it returns nil after a log line, unless the CI environment
// variable is set: then the test fails.
func ForTest(t testing.TB) *Checker {
	t.Helper()
	dir, err := ModelsDir()
	if err != nil {
		t.Fatalf("cannot check answers against the service models: %v", err)
	}
	models, err := LoadAll(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
			t.Logf("answers are not checked against the service models (read from %s): %v", dir, err)
			return nil
		}
		t.Fatalf("cannot check answers against the service models (read from %s): %v", dir, err)
	}
	return NewChecker(models...)
}

// Attach makes srv check every answer against the service models for the
// rest of the test; the test fails at its end if any answer broke its
// model. Like ForTest, it checks nothing when the models are absent and CI
// is unset.
func Attach(t testing.TB, srv *awsjson.Server) *Checker {
	t.Helper()
	c := ForTest(t)
	if c == nil {
		return nil
	}
	srv.Inspect = c.Check
	t.Cleanup(func() {
		if v := c.Violations(); len(v) > 0 {
			t.Errorf("%d answers broke the service model:\n%s", len(v), strings.Join(v, "\n"))
		}
	})
	return c
}
