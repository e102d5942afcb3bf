package flowgraph

import (
	"encoding/xml"
	"io"
	"regexp"
	"sort"
	"strconv"
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

// svgElement is a drawn element of an SVG document: its name, the layer
// group it is in, and its bounds.
type svgElement struct {
	name, layer    string
	x0, y0, x1, y1 float64
}

var svgNumber = regexp.MustCompile(`-?[0-9]+(?:\.[0-9]+)?`)

// svgElements reads the viewBox and the drawn elements (rects, paths,
// texts, whose width is estimated as the layout estimates it) of an SVG
// document.
func svgElements(t *testing.T, svg string) (viewBox [4]float64, els []svgElement) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	layer := ""
	attr := func(se xml.StartElement, name string) string {
		for _, a := range se.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	num := func(se xml.StartElement, name string) float64 {
		f, _ := strconv.ParseFloat(attr(se, name), 64)
		return f
	}
	inDefs := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return viewBox, els
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch se := tok.(type) {
		case xml.EndElement:
			if se.Name.Local == "defs" {
				inDefs = false
			}
		case xml.StartElement:
			switch se.Name.Local {
			case "svg":
				for i, f := range strings.Fields(attr(se, "viewBox")) {
					viewBox[i], _ = strconv.ParseFloat(f, 64)
				}
			case "defs":
				inDefs = true
			case "g":
				if c := attr(se, "class"); c != "" {
					layer = c
				}
			case "rect":
				x, y := num(se, "x"), num(se, "y")
				if attr(se, "width") == "100%" {
					continue
				}
				els = append(els, svgElement{"rect", layer, x, y, x + num(se, "width"), y + num(se, "height")})
			case "path":
				if inDefs {
					continue
				}
				e := svgElement{name: "path", layer: layer, x0: 1e9, y0: 1e9, x1: -1e9, y1: -1e9}
				ns := svgNumber.FindAllString(attr(se, "d"), -1)
				for i := 0; i+1 < len(ns); i += 2 {
					x, _ := strconv.ParseFloat(ns[i], 64)
					y, _ := strconv.ParseFloat(ns[i+1], 64)
					e.x0, e.y0, e.x1, e.y1 = min(e.x0, x), min(e.y0, y), max(e.x1, x), max(e.y1, y)
				}
				els = append(els, e)
			case "text":
				var text string
				if err := dec.DecodeElement(&text, &se); err != nil {
					t.Fatal(err)
				}
				size := 12.0
				if s := attr(se, "font-size"); s != "" {
					size, _ = strconv.ParseFloat(s, 64)
				}
				w := textWidth(text) * size / 12
				if attr(se, "font-weight") == "bold" {
					w *= 1.05
				}
				x, y := num(se, "x"), num(se, "y")
				if attr(se, "text-anchor") == "middle" {
					x -= w / 2
				}
				name := "text"
				if attr(se, "class") == "title" {
					name = "title"
				}
				els = append(els, svgElement{name, layer, x, y - size, x + w, y})
			}
		}
	}
}

// TestSVG_structure: containers, edges, states, labels in that order (no
// container hides an edge or a label); the viewBox holds every element,
// the title included however long.
func TestSVG_structure(t *testing.T) {
	long := `{"StartAt":"RunTask","States":{
	"RunTask":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"x"},
	  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Recover"}],"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":3,"Next":"Done"},{"Variable":"$.status","StringEquals":"a long status value, long enough to poke out","Next":"Both"}],"Default":"Check2"},
	"Check2":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"Check2"}],"Default":"RunTask"},
	"Recover":{"Type":"Pass","Next":"Both"},
	"Both":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"Boom"}}}],"Catch":[{"ErrorEquals":["Boom"],"Next":"Check"}],"Next":"Fan"},
	"Fan":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"x"},"End":true}}},"Next":"Done"},
	"Done":{"Type":"Succeed"}}}`
	for _, tc := range []struct{ name, def, title string }{
		{"retry-catch", retryCatch, "retry-catch"},
		{"long title", retryCatch, strings.Repeat("a-long-state-machine-name ", 8) + "· 0e4044e3-9cb5-460b-8a21-a520da753c16 · FAILED"},
		{"labels, loops, containers", long, "x"},
		{"no title", long, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := parse(t, tc.def)
			g.Color([]Event{{ID: 1, Type: "ExecutionStarted"}, {ID: 2, Prev: 1, Type: "TaskStateEntered", State: "RunTask"}, {ID: 3, Prev: 2, Type: "ExecutionFailed"}})
			vb, els := svgElements(t, g.SVG(tc.title))
			rank := map[string]int{"containers": 1, "edges": 2, "nodes": 3, "labels": 4}
			last := 0
			titled := false
			for _, e := range els {
				if e.name == "title" {
					titled = true
				}
				if r := rank[e.layer]; r != 0 {
					if r < last {
						t.Errorf("a %s of layer %s comes after layer rank %d", e.name, e.layer, last)
					}
					last = r
				}
				if e.x0 < vb[0]-0.5 || e.y0 < vb[1]-0.5 || e.x1 > vb[0]+vb[2]+0.5 || e.y1 > vb[1]+vb[3]+0.5 {
					t.Errorf("%s (layer %q) at [%.0f,%.0f]-[%.0f,%.0f] is outside the viewBox %v", e.name, e.layer, e.x0, e.y0, e.x1, e.y1, vb)
				}
			}
			if titled != (tc.title != "") {
				t.Errorf("title drawn: %v; want %v", titled, tc.title != "")
			}
			if last != 4 {
				t.Errorf("the layers end at rank %d; want the labels (4) last", last)
			}
			// The boxes of Parallel and Map states are containers, under
			// the edges: no box above the edges holds another.
			for _, a := range els {
				for _, b := range els {
					if a.name == "rect" && b.name == "rect" && a.layer == "nodes" && b.layer == "nodes" && a != b &&
						a.x0 <= b.x0 && a.y0 <= b.y0 && b.x1 <= a.x1 && b.y1 <= a.y1 {
						t.Errorf("a box drawn above the edges at [%.0f,%.0f]-[%.0f,%.0f] holds another", a.x0, a.y0, a.x1, a.y1)
					}
				}
			}
		})
	}
}

// TestColor_mapIterationsAndEnd: the states of a Map count iterations
// (retries apart), the Map its items; the End marker takes the
// execution's result.
func TestColor_mapIterationsAndEnd(t *testing.T) {
	def := `{"StartAt":"Fan","States":{"Fan":{"Type":"Map","ItemProcessor":{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"x"},"Retry":[{"ErrorEquals":["States.ALL"]}],"End":true}}},"End":true}}}`
	evs := []Event{
		{ID: 1, Type: "ExecutionStarted"},
		{ID: 2, Prev: 1, Type: "MapStateEntered", State: "Fan"},
		{ID: 3, Prev: 2, Type: "MapStateStarted"},
		{ID: 4, Prev: 3, Type: "MapIterationStarted"},
		{ID: 5, Prev: 3, Type: "MapIterationStarted"},
		{ID: 6, Prev: 4, Type: "TaskStateEntered", State: "Run"},
		{ID: 7, Prev: 5, Type: "TaskStateEntered", State: "Run"},
		{ID: 8, Prev: 6, Type: "TaskScheduled"},
		{ID: 9, Prev: 7, Type: "TaskScheduled"},
		{ID: 10, Prev: 8, Type: "TaskFailed"},
		{ID: 11, Prev: 10, Type: "TaskScheduled"},
		{ID: 12, Prev: 11, Type: "TaskSucceeded"},
		{ID: 13, Prev: 9, Type: "TaskSucceeded"},
		{ID: 14, Prev: 12, Type: "TaskStateExited", State: "Run"},
		{ID: 15, Prev: 13, Type: "TaskStateExited", State: "Run"},
		{ID: 16, Prev: 15, Type: "MapStateSucceeded"},
		{ID: 17, Prev: 16, Type: "MapStateExited", State: "Fan"},
	}
	for _, tc := range []struct {
		end  string
		want Status
	}{{"ExecutionSucceeded", Succeeded}, {"ExecutionFailed", Failed}, {"ExecutionAborted", Aborted}, {"ExecutionTimedOut", Failed}} {
		g := parse(t, def)
		g.Color(append(append([]Event(nil), evs...), Event{ID: 18, Prev: 17, Type: tc.end}))
		var run, fan *Node
		g.walk(func(_ *Graph, n *Node) {
			switch n.ID {
			case "Fan/items/Run":
				run = n
			case "Fan":
				fan = n
			}
		})
		if run.Iterations != 2 || run.Attempts != 3 || run.Visits != 2 {
			t.Errorf("Run: %d iterations, %d attempts, %d visits; want 2, 3, 2", run.Iterations, run.Attempts, run.Visits)
		}
		if got, want := run.typeLine(), "Task · 2 iterations · 1 retry · succeeded"; got != want {
			t.Errorf("Run.typeLine() = %q; want %q", got, want)
		}
		if got, want := fan.typeLine(), "Map · 2 items · succeeded"; got != want {
			t.Errorf("Fan.typeLine() = %q; want %q", got, want)
		}
		if g.end.Status != tc.want {
			t.Errorf("after %s the End marker is %q; want %q", tc.end, g.end.Status, tc.want)
		}
		if !strings.Contains(g.SVG(""), `fill="`+colours[tc.want][0]+`" stroke="`+colours[tc.want][1]+`"/><text x="`) {
			t.Errorf("after %s the End marker is not drawn in the colours of %q", tc.end, tc.want)
		}
	}
}
