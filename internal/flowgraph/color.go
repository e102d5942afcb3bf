package flowgraph

import (
	"strings"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// Event is what the colouring needs of a history event.
type Event struct {
	ID, Prev int64
	Type     string // the HistoryEventType
	State    string // the state's name, for ...StateEntered / ...StateExited
}

// FromModel converts history events in their wire shapes.
func FromModel(evs []sfnmodel.HistoryEvent) []Event {
	out := make([]Event, len(evs))
	for i, ev := range evs {
		e := Event{ID: ev.Id, Type: string(ev.Type)}
		if ev.PreviousEventId != nil {
			e.Prev = *ev.PreviousEventId
		}
		if d := ev.StateEnteredEventDetails; d != nil {
			e.State = d.Name
		}
		if d := ev.StateExitedEventDetails; d != nil {
			e.State = d.Name
		}
		out[i] = e
	}
	return out
}

// Color marks what an execution did: the status of every state it
// entered, the task attempts, and the transitions it took.
func (g *Graph) Color(evs []Event) {
	byName := map[string][]*Node{}
	g.walk(func(_ *Graph, n *Node) {
		if n.Type != KindStart && n.Type != KindEnd {
			byName[n.Name] = append(byName[n.Name], n)
		}
	})
	// stateOf follows each lane: the state an event belongs to.
	stateOf := map[int64]string{}
	exited := map[int64]string{}
	mark := func(name string, f func(n *Node)) {
		for _, n := range byName[name] {
			f(n)
		}
	}
	startOf := map[string]string{} // node ID of a graph's first state -> its start node ID
	g.walkGraphs(func(sg *Graph) {
		for _, e := range sg.Edges {
			if e.From == sg.start.ID {
				startOf[e.To] = e.From
			}
		}
	})
	for _, ev := range evs {
		switch {
		case strings.HasSuffix(ev.Type, "StateEntered"):
			stateOf[ev.ID] = ev.State
			from, fromExit := exited[ev.Prev]
			mark(ev.State, func(n *Node) {
				n.Visits++
				n.Status, n.failed = Running, false
				if n.Type == "Fail" {
					n.Status = Failed
					g.take(n.ID, strings.TrimSuffix(n.ID, n.Name)+"#end")
				}
				if fromExit {
					for _, f := range byName[from] {
						g.take(f.ID, n.ID)
					}
				} else if s, ok := startOf[n.ID]; ok {
					g.take(s, n.ID)
				}
			})
		case strings.HasSuffix(ev.Type, "StateExited"):
			stateOf[ev.ID] = ev.State
			exited[ev.ID] = ev.State
			mark(ev.State, func(n *Node) {
				n.Status = Succeeded
				if n.failed {
					n.Status = Caught
				}
				if n.terminal && !n.failed { // after a Catch it goes on elsewhere
					g.take(n.ID, strings.TrimSuffix(n.ID, n.Name)+"#end")
				}
			})
		default:
			name := stateOf[ev.Prev]
			stateOf[ev.ID] = name
			switch ev.Type {
			case "TaskScheduled":
				mark(name, func(n *Node) { n.Attempts++ })
			case "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed", "MapStateFailed", "ParallelStateFailed":
				mark(name, func(n *Node) { n.Status, n.failed = Failed, true })
			case "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
				end := Failed
				if ev.Type == "ExecutionAborted" {
					end = Aborted
				}
				g.walk(func(_ *Graph, n *Node) {
					if n.Status == Running {
						n.Status = end
					}
				})
			}
		}
	}
}

func (g *Graph) take(from, to string) {
	if e := g.findEdge(from, to); e != nil {
		e.Taken = true
	}
}
