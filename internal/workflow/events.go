package workflow

import (
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// EventSink receives the history events of an execution, in id order.
// Emit is called from the execution's goroutines one at a time (never
// concurrently for one execution).
type EventSink interface {
	Emit(ev sfnmodel.HistoryEvent)
}

// EventSinkFunc adapts a function to EventSink.
type EventSinkFunc func(ev sfnmodel.HistoryEvent)

// Emit calls f.
func (f EventSinkFunc) Emit(ev sfnmodel.HistoryEvent) { f(ev) }

// History is an in-memory EventSink.
type History struct {
	mu     sync.Mutex
	events []sfnmodel.HistoryEvent
}

var _ EventSink = (*History)(nil)

// Emit appends ev.
func (h *History) Emit(ev sfnmodel.HistoryEvent) {
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
}

// Events returns a copy of the recorded events.
func (h *History) Events() []sfnmodel.HistoryEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sfnmodel.HistoryEvent(nil), h.events...)
}

// recorder numbers events and hands them to the sink.
type recorder struct {
	mu    sync.Mutex
	sink  EventSink
	clock Clock
	next  int64
	// full: the history holds MaxHistoryEvents; onFull stops the
	// execution when it fills up.
	full   bool
	onFull func()
	// replay, when set, holds the recorded events emit matches instead
	// of numbering new ones; frontier is called before a lane's first
	// event that is not recorded (see replay.go).
	replay   *replayLog
	frontier func()
}

// lane is one sequential strand of events (the execution, a branch or a
// map iteration); previousEventId links events within it.
type lane struct {
	prev int64
	// nested: a Parallel branch or a Map iteration, where a state that
	// ends the lane with an error (or is cut short) records
	// <Type>StateAborted.
	nested bool
	// fan: the Parallel or Map state whose branch or iteration this is.
	fan *fanout
	// at is the time of the lane's last event.
	at time.Time
}

func (r *recorder) emit(l *lane, ev sfnmodel.HistoryEvent) int64 {
	id, _ := r.record(l, ev)
	return id
}

// record is emit, also reporting whether ev was replayed (recorded
// before: it keeps its id and time, and the sink does not get it again).
func (r *recorder) record(l *lane, ev sfnmodel.HistoryEvent) (int64, bool) {
	if r.replay != nil && l != nil {
		if rec := r.replay.match(l.prev, &ev); rec != nil {
			l.prev = rec.Id
			if rec.Timestamp != nil {
				l.at = rec.Timestamp.Time
			}
			return rec.Id, true
		}
		if r.frontier != nil && ev.Type != sfnmodel.HistoryEventTypeExecutionRedriven {
			r.frontier()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.full {
		return r.next, false
	}
	if r.next+1 >= MaxHistoryEvents && !endsExecution(ev.Type) {
		ev, l = r.overflow(ev), &lane{prev: r.next}
	}
	r.next++
	ev.Id = r.next
	if l != nil {
		prev := l.prev
		ev.PreviousEventId = &prev
		l.prev = ev.Id
	}
	now := r.clock.Now()
	ev.Timestamp = wire.At(now)
	if l != nil {
		l.at = now
	}
	if r.sink != nil {
		r.sink.Emit(ev)
	}
	return ev.Id, false
}

func dataDetails() *sfnmodel.HistoryEventExecutionDataDetails {
	f := false
	return &sfnmodel.HistoryEventExecutionDataDetails{Truncated: &f}
}

func stateEntered(typ, name string, input any) sfnmodel.HistoryEvent {
	return sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventType(typ + "StateEntered"),
		StateEnteredEventDetails: &sfnmodel.StateEnteredEventDetails{
			Name: name, Input: EncodeJSON(input), InputDetails: dataDetails(),
		},
	}
}

func stateExited(typ, name string, output any) sfnmodel.HistoryEvent {
	return sfnmodel.HistoryEvent{
		Type: sfnmodel.HistoryEventType(typ + "StateExited"),
		StateExitedEventDetails: &sfnmodel.StateExitedEventDetails{
			Name: name, Output: EncodeJSON(output), OutputDetails: dataDetails(),
		},
	}
}

func plain(typ string) sfnmodel.HistoryEvent {
	return sfnmodel.HistoryEvent{Type: sfnmodel.HistoryEventType(typ)}
}

// splitResource splits "arn:aws:states:::ecs:runTask.sync" into the
// resourceType "ecs" and resource "runTask.sync" as Task events show them.
func splitResource(arn string) (string, string) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:states:::")
	if !ok {
		return "", arn
	}
	typ, res, ok := strings.Cut(rest, ":")
	if !ok {
		return rest, ""
	}
	return typ, res
}

func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func int32p(n int) *int32 {
	v := int32(n)
	return &v
}
