package flowgraph

import (
	"fmt"
	"strings"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Status is what an execution did with a state.
type Status string

// Statuses.
const (
	NotRun    Status = ""
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
	Caught    Status = "caught" // failed, and a Catch went on
	Running   Status = "running"
	Aborted   Status = "aborted"
)

// Node kinds beyond the state types.
const (
	KindStart = "Start"
	KindEnd   = "End"
)

// Node is a state (or the Start and End markers).
type Node struct {
	ID     string // unique in the whole picture
	Name   string // the state's name
	Type   string // the state type, or KindStart / KindEnd
	Detail string // the resource, wait, error...
	Status Status
	// Attempts counts the task attempts an execution made (retries + 1).
	Attempts int
	// Visits counts how often an execution entered the state.
	Visits int
	// Iterations counts the Map iterations that entered the state (0
	// outside a Map), Items the iterations a Map state started.
	Iterations, Items int
	// Graphs are the branches of a Parallel state or the processor of a
	// Map state.
	Graphs []*Graph

	terminal bool            // End, Succeed or Fail: an edge to End
	failedIn map[string]bool // Map iteration ("" outside) -> its current visit failed
	iters    map[string]bool
}

// Edge is a transition.
type Edge struct {
	From, To string // node IDs
	Label    string
	Kind     string // "next", "choice", "default", "catch"
	Taken    bool
}

// Graph is a state machine (or a branch) as nodes and edges.
type Graph struct {
	Nodes []*Node
	Edges []*Edge
	start *Node
	end   *Node
	ids   map[string]*Node
}

// New builds the graph of a parsed state machine.
func New(sm *workflow.StateMachine) *Graph {
	return build(sm, "")
}

func build(sm *workflow.StateMachine, prefix string) *Graph {
	g := &Graph{ids: map[string]*Node{}}
	g.start = g.add(&Node{ID: prefix + "#start", Name: "Start", Type: KindStart})
	byName := map[string]*Node{}
	for _, name := range sm.Order {
		st := sm.States[name]
		if st == nil {
			continue
		}
		n := &Node{ID: prefix + name, Name: name, Type: st.Type, Detail: detail(st)}
		n.terminal = st.End || st.Type == workflow.TypeSucceed || st.Type == workflow.TypeFail
		for i, b := range st.Branches {
			n.Graphs = append(n.Graphs, build(b, fmt.Sprintf("%s%s/%d/", prefix, name, i)))
		}
		if st.Processor != nil {
			n.Graphs = append(n.Graphs, build(st.Processor, prefix+name+"/items/"))
		}
		g.add(n)
		byName[name] = n
	}
	g.end = g.add(&Node{ID: prefix + "#end", Name: "End", Type: KindEnd})
	if s := byName[sm.StartAt]; s != nil {
		g.edge(g.start, s, "next", "")
	}
	for _, name := range sm.Order {
		st, n := sm.States[name], byName[name]
		if n == nil {
			continue
		}
		if to := byName[st.Next]; to != nil {
			g.edge(n, to, "next", "")
		}
		for _, c := range st.Choices {
			if to := byName[c.Next]; to != nil {
				g.edge(n, to, "choice", c.String())
			}
		}
		if to := byName[st.Default]; to != nil {
			g.edge(n, to, "default", "default")
		}
		for _, c := range st.Catch {
			if to := byName[c.Next]; to != nil {
				g.edge(n, to, "catch", "catch "+strings.Join(c.ErrorEquals, ", "))
			}
		}
		if n.terminal {
			g.edge(n, g.end, "next", "")
		}
	}
	return g
}

func (g *Graph) add(n *Node) *Node {
	g.Nodes = append(g.Nodes, n)
	g.ids[n.ID] = n
	return n
}

func (g *Graph) edge(from, to *Node, kind, label string) {
	for _, e := range g.Edges {
		if e.From == from.ID && e.To == to.ID {
			// Several rules to the same state: one edge, labels joined.
			if label != "" {
				e.Label = strings.TrimPrefix(e.Label+" | "+label, " | ")
			}
			return
		}
	}
	g.Edges = append(g.Edges, &Edge{From: from.ID, To: to.ID, Kind: kind, Label: label})
}

// detail is the second line of a state's box.
func detail(st *workflow.State) string {
	switch st.Type {
	case workflow.TypeTask:
		s := strings.TrimPrefix(st.Resource, "arn:aws:states:::")
		if st.TimeoutSeconds > 0 {
			s += fmt.Sprintf(" (timeout %ds)", st.TimeoutSeconds)
		}
		if len(st.Retry) > 0 {
			r := st.Retry[0]
			s += fmt.Sprintf(", retry %d×", r.MaxAttempts)
		}
		return s
	case workflow.TypeWait:
		switch {
		case st.Seconds != nil:
			return fmt.Sprintf("%ds", *st.Seconds)
		case st.SecondsPath != nil:
			return st.SecondsPath.String()
		case st.TimestampPath != nil:
			return "until " + st.TimestampPath.String()
		case st.Timestamp != nil:
			return "until " + st.Timestamp.UTC().Format("2006-01-02T15:04:05Z")
		}
	case workflow.TypeFail:
		return st.Error
	case workflow.TypeMap:
		if st.MaxConcurrency > 0 {
			return fmt.Sprintf("max %d at once", st.MaxConcurrency)
		}
	}
	return ""
}

// walk calls f for every node of g and its nested graphs.
func (g *Graph) walk(f func(g *Graph, n *Node)) {
	for _, n := range g.Nodes {
		f(g, n)
		for _, sub := range n.Graphs {
			sub.walk(f)
		}
	}
}

func (g *Graph) findEdge(from, to string) *Edge {
	var found *Edge
	g.walkGraphs(func(sg *Graph) {
		for _, e := range sg.Edges {
			if found == nil && e.From == from && e.To == to {
				found = e
			}
		}
	})
	return found
}

func (g *Graph) walkGraphs(f func(*Graph)) {
	f(g)
	for _, n := range g.Nodes {
		for _, sub := range n.Graphs {
			sub.walkGraphs(f)
		}
	}
}
