package flowgraph

import (
	"encoding/xml"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

const retryCatch = `{"StartAt":"RunTask","States":{
	"RunTask":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"x"},"TimeoutSeconds":300,
	  "Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":10,"MaxAttempts":3,"BackoffRate":2}],
	  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recover"}],"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":3,"Next":"Done"}],"Default":"Again"},
	"Again":{"Type":"Wait","Seconds":5,"Next":"RunTask"},
	"Recover":{"Type":"Pass","Next":"Both"},
	"Both":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"Boom"}}}],"Next":"Done"},
	"Done":{"Type":"Succeed"}}}`

func parse(t *testing.T, def string) *Graph {
	t.Helper()
	sm, err := workflow.Parse([]byte(def), workflow.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return New(sm)
}

func edges(g *Graph, taken bool) []string {
	var out []string
	g.walkGraphs(func(sg *Graph) {
		for _, e := range sg.Edges {
			if taken && !e.Taken {
				continue
			}
			s := e.From + "->" + e.To
			if !taken && e.Label != "" {
				s += " [" + e.Label + "]"
			}
			out = append(out, s)
		}
	})
	sort.Strings(out)
	return out
}

func TestNew_edges(t *testing.T) {
	g := parse(t, retryCatch)
	want := []string{
		"#start->RunTask",
		"Again->RunTask",
		"Both->Done",
		"Both/0/#start->Both/0/A",
		"Both/0/A->Both/0/#end",
		"Both/1/#start->Both/1/B",
		"Both/1/B->Both/1/#end",
		"Check->Again [default]",
		"Check->Done [$.n > 3]",
		"Done->#end",
		"Recover->Both",
		"RunTask->Check",
		"RunTask->Recover [catch States.ALL]",
	}
	if got := edges(g, false); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestColor(t *testing.T) {
	g := parse(t, retryCatch)
	g.Color([]Event{
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
	})
	status := map[string]Status{}
	attempts := map[string]int{}
	g.walk(func(_ *Graph, n *Node) { status[n.ID], attempts[n.ID] = n.Status, n.Attempts })
	want := map[string]Status{"RunTask": Caught, "Recover": Succeeded, "Both": Failed, "Both/0/A": Succeeded, "Both/1/B": Failed, "Check": NotRun, "Done": NotRun}
	for id, s := range want {
		if status[id] != s {
			t.Errorf("status of %s = %q; want %q", id, status[id], s)
		}
	}
	if attempts["RunTask"] != 2 {
		t.Errorf("RunTask attempts = %d; want 2", attempts["RunTask"])
	}
	wantTaken := []string{"#start->RunTask", "Both/0/#start->Both/0/A", "Both/0/A->Both/0/#end", "Both/1/#start->Both/1/B", "Both/1/B->Both/1/#end", "Recover->Both", "RunTask->Recover"}
	if got := edges(g, true); strings.Join(got, ",") != strings.Join(wantTaken, ",") {
		t.Errorf("taken edges %v; want %v", got, wantTaken)
	}
}

func TestSVG_wellFormed(t *testing.T) {
	for _, def := range []string{retryCatch,
		`{"StartAt":"L","States":{"L":{"Type":"Pass","Next":"L2"},"L2":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"L"}],"Default":"M"},"M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`,
	} {
		g := parse(t, def)
		svg := g.SVG("a <title> & more")
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
			}
		}
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("SVG has NaN or Inf coordinates:\n%s", svg)
		}
		for _, want := range []string{"<svg", "&lt;title&gt; &amp; more"} {
			if !strings.Contains(svg, want) {
				t.Errorf("SVG lacks %q", want)
			}
		}
	}
}

func TestLayout_layers(t *testing.T) {
	g := parse(t, retryCatch)
	l := computeLayout(g)
	y := func(id string) float64 { return l.boxes[id].y }
	// Top to bottom along the forward edges; the loop back from Again goes up.
	for _, pair := range [][2]string{{"#start", "RunTask"}, {"RunTask", "Check"}, {"Check", "Again"}, {"Recover", "Both"}, {"Both", "Done"}, {"Done", "#end"}} {
		if y(pair[0]) >= y(pair[1]) {
			t.Errorf("%s (y %.0f) is not above %s (y %.0f)", pair[0], y(pair[0]), pair[1], y(pair[1]))
		}
	}
	back := 0
	for e := range l.back {
		back++
		if e.From != "Again" || e.To != "RunTask" {
			t.Errorf("back edge %s->%s; want only Again->RunTask", e.From, e.To)
		}
	}
	if back != 1 {
		t.Errorf("%d back edges; want 1", back)
	}
	// No two boxes of a row overlap.
	for a, ba := range l.boxes {
		for b, bb := range l.boxes {
			if a < b && ba.y == bb.y && ba.x-ba.w/2 < bb.x+bb.w/2 && bb.x-bb.w/2 < ba.x+ba.w/2 {
				t.Errorf("%s and %s overlap", a, b)
			}
		}
	}
}

func TestDOT(t *testing.T) {
	g := parse(t, retryCatch)
	g.Color([]Event{{ID: 2, Type: "TaskStateEntered", State: "RunTask"}, {ID: 3, Prev: 2, Type: "TaskStateExited", State: "RunTask"}, {ID: 4, Prev: 3, Type: "ChoiceStateEntered", State: "Check"}})
	dot := g.DOT("wf")
	for _, want := range []string{
		"digraph workflow {",
		`"RunTask" -> "Check" [penwidth=2.5, color="#2e7d32"];`,
		`"RunTask" -> "Recover" [label="catch States.ALL", style=dashed];`,
		`subgraph "cluster_Both_0"`,
		`fillcolor="#e3f5e1"`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
}
