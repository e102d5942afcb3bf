package tasksets

import (
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// FuzzIDOf: the id a task set reference names is the reference itself or
// the end of a task set ARN; an ARN built from an id gives the id back.
func FuzzIDOf(f *testing.F) {
	a := ecs.Account{ID: "123456789012", Region: "us-east-1"}
	f.Add(ARN(a, "c", "s", "ecs-svc/1234567890123456789"))
	f.Add("ecs-svc/1234567890123456789")
	f.Add("arn:aws:ecs:us-east-1:1:task-set/c")
	f.Add("arn:aws:ecs:us-east-1:1:task-set/c/s/")
	f.Fuzz(func(t *testing.T, ref string) {
		id := IDOf(ref)
		if id != ref && !strings.HasSuffix(ref, "/"+id) {
			t.Fatalf("IDOf(%q) = %q: neither the reference nor its end", ref, id)
		}
		if !strings.Contains(ref, "/") || strings.Count(ref, "/") > 100 {
			return
		}
		if got := IDOf(ARN(a, "c", "s", ref)); got != ref {
			t.Fatalf("IDOf(ARN(%q)) = %q", ref, got)
		}
	})
}
