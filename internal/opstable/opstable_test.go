package opstable

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

var update = flag.Bool("update", false, "rewrite docs/operations.md")

// modelOperations returns the operation names of a botocore model.
func modelOperations(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
			t.Skipf("the service models are absent (%v)", err)
		}
		t.Fatal(err)
	}
	var m struct {
		Operations map[string]json.RawMessage `json:"operations"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var ops []string
	for op := range m.Operations {
		ops = append(ops, op)
	}
	return ops
}

func service(t *testing.T, title, model string, svc *awsjson.Service) Service {
	t.Helper()
	dir, err := modelcheck.ModelsDir()
	if err != nil {
		t.Fatal(err)
	}
	s := Service{Title: title, Operations: modelOperations(t, filepath.Join(dir, model)),
		Implemented: map[string]bool{}, Refusals: svc.Refusals}
	for op := range svc.Handlers {
		s.Implemented[op] = true
	}
	return s
}

func TestOperationsTable(t *testing.T) {
	// The services as the engine wires them (on the fake runtime: nothing
	// runs), so that every handler and refusal it adds is seen.
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: t.TempDir(), Runtime: fake.New(), NoHostInstance: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	byPrefix := map[string]*awsjson.Service{}
	for _, svc := range eng.Handler().(*awsjson.Server).Services() {
		byPrefix[svc.TargetPrefix] = svc
	}
	services := []Service{
		service(t, "Amazon ECS", "ecs/2014-11-13/service-2.json", byPrefix[ecsmodel.TargetPrefix]),
		service(t, "Amazon CloudWatch Logs", "logs/2014-03-28/service-2.json", byPrefix[logsmodel.TargetPrefix]),
	}
	for _, s := range services {
		inModel := map[string]bool{}
		for _, op := range s.Operations {
			inModel[op] = true
			st, _ := s.StatusOf(op)
			if st == Missing {
				t.Errorf("%s: %s is neither implemented nor refused: implement it, or add it to the service's Refusals with the reason only AWS can do it", s.Title, op)
			}
			if s.Implemented[op] && s.Refusals[op] != "" {
				t.Errorf("%s: %s is both implemented and refused", s.Title, op)
			}
		}
		for op := range s.Refusals {
			if !inModel[op] {
				t.Errorf("%s: refusal of %s, which is not an operation of the model", s.Title, op)
			}
		}
	}
	page := Render(services)
	path := filepath.Join("..", "..", "docs", "operations.md")
	if *update {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil || string(have) != page {
		t.Errorf("%s is stale (or missing: %v): regenerate it with go test ./internal/opstable -update", path, err)
	}
}
