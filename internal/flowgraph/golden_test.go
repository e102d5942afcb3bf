package flowgraph

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenCases are executions that between them give every status, every
// kind of edge (plain, taken, caught, out of a Fail state), labels,
// loops, containers and the Start and End markers their colours.
var goldenCases = []struct {
	name, def string
	evs       []Event
}{
	{"not-run", retryCatch, nil},
	{"caught-failed", retryCatch, []Event{
		{ID: 1, Type: "ExecutionStarted"},
		{ID: 2, Prev: 0, Type: "TaskStateEntered", State: "RunTask"},
		{ID: 3, Prev: 2, Type: "TaskScheduled"},
		{ID: 4, Prev: 3, Type: "TaskFailed"},
		{ID: 5, Prev: 4, Type: "TaskScheduled"},
		{ID: 6, Prev: 5, Type: "TaskFailed"},
		{ID: 7, Prev: 6, Type: "TaskStateExited", State: "RunTask"},
		{ID: 8, Prev: 7, Type: "PassStateEntered", State: "Recover"},
		{ID: 9, Prev: 8, Type: "PassStateExited", State: "Recover"},
		{ID: 10, Prev: 9, Type: "ParallelStateEntered", State: "Both"},
		{ID: 11, Prev: 10, Type: "ParallelStateStarted"},
		{ID: 12, Prev: 11, Type: "PassStateEntered", State: "A"},
		{ID: 13, Prev: 11, Type: "FailStateEntered", State: "B"},
		{ID: 14, Prev: 12, Type: "PassStateExited", State: "A"},
		{ID: 15, Prev: 11, Type: "ParallelStateFailed"},
		{ID: 16, Prev: 15, Type: "ExecutionFailed"},
	}},
	{"running-retry", retryCatch, []Event{
		{ID: 1, Type: "ExecutionStarted"},
		{ID: 2, Prev: 0, Type: "TaskStateEntered", State: "RunTask"},
		{ID: 3, Prev: 2, Type: "TaskScheduled"},
		{ID: 4, Prev: 3, Type: "TaskFailed"},
		{ID: 5, Prev: 4, Type: "TaskScheduled"},
	}},
	{"aborted", retryCatch, []Event{
		{ID: 1, Type: "ExecutionStarted"},
		{ID: 2, Prev: 0, Type: "TaskStateEntered", State: "RunTask"},
		{ID: 3, Prev: 2, Type: "TaskScheduled"},
		{ID: 4, Prev: 3, Type: "ExecutionAborted"},
	}},
}

// golden compares got with testdata/name (or rewrites it with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -args -update to write it)", err)
	}
	if got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		i := 0
		for i < min(len(g), len(w)) && g[i] == w[i] {
			i++
		}
		line := func(ls []string) string {
			if i < len(ls) {
				return ls[i]
			}
			return "(the end)"
		}
		t.Errorf("%s differs from %s at line %d (if the change is meant, go test -run Golden -args -update and look at the diff):\ngot:  %s\nwant: %s", name, p, i+1, line(g), line(w))
	}
}

// TestSVGGolden: the standalone SVG (what `ecsrun workflow graph` and
// `workflow run --graph` write) keeps its shapes and fixed colours.
func TestSVGGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			g := parse(t, tc.def)
			g.Color(tc.evs)
			golden(t, tc.name+".svg", g.SVG("retry-catch"))
		})
	}
}
