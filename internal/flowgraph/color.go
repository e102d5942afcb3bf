package flowgraph

import (
	"strconv"
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
	// iterOf follows the Map iterations an event runs in (the ids of their
	// MapIterationStarted events, outermost first).
	iterOf := map[int64]string{}
	for _, ev := range evs {
		iterOf[ev.ID] = iterOf[ev.Prev]
		if ev.Type == "MapIterationStarted" {
			iterOf[ev.ID] += "/" + strconv.FormatInt(ev.ID, 10)
			mark(stateOf[ev.Prev], func(n *Node) {
				if n.Type == "Map" {
					n.Items++
				}
			})
		}
		switch {
		case strings.HasSuffix(ev.Type, "StateEntered"):
			stateOf[ev.ID] = ev.State
			from, fromExit := exited[ev.Prev]
			iter := iterOf[ev.ID]
			mark(ev.State, func(n *Node) {
				n.Visits++
				if iter != "" {
					if n.iters == nil {
						n.iters = map[string]bool{}
					}
					n.iters[iter] = true
					n.Iterations = len(n.iters)
				}
				n.Status = Running
				n.setFailed(iter, false)
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
				if n.failedIn[iterOf[ev.ID]] {
					n.Status = Caught
				}
				if n.terminal && !n.failedIn[iterOf[ev.ID]] { // after a Catch it goes on elsewhere
					g.take(n.ID, strings.TrimSuffix(n.ID, n.Name)+"#end")
				}
			})
		default:
			name := stateOf[ev.Prev]
			stateOf[ev.ID] = name
			switch ev.Type {
			case "TaskScheduled":
				// A new attempt: a retry after a failure.
				mark(name, func(n *Node) {
					n.Attempts++
					n.Status = Running
					n.setFailed(iterOf[ev.ID], false)
				})
			case "TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed", "MapStateFailed", "ParallelStateFailed":
				mark(name, func(n *Node) {
					n.Status = Failed
					n.setFailed(iterOf[ev.ID], true)
				})
			case "ExecutionSucceeded":
				g.end.Status = Succeeded
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
				g.end.Status = end
			}
		}
	}
}

// take marks the edge from -> to as taken; reaching an End marker gives
// it a status (failed through a Fail state, which the execution's own end
// may change for the outermost graph).
func (g *Graph) take(from, to string) {
	e := g.findEdge(from, to)
	if e == nil {
		return
	}
	e.Taken = true
	var src, end *Node
	g.walk(func(_ *Graph, n *Node) {
		switch n.ID {
		case from:
			src = n
		case to:
			end = n
		}
	})
	if end == nil || end.Type != KindEnd {
		return
	}
	switch {
	case src != nil && src.Type == "Fail":
		if end.Status == NotRun {
			end.Status = Failed
		}
	default:
		end.Status = Succeeded // some run ended well here
	}
}

// setFailed records whether the current visit of the state in a Map
// iteration (or outside any: "") failed.
func (n *Node) setFailed(iter string, failed bool) {
	if n.failedIn == nil {
		n.failedIn = map[string]bool{}
	}
	n.failedIn[iter] = failed
}
