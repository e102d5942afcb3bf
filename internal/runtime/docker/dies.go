package docker

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// A container's die event ends a follow of its log file sooner than the
// wait for its exit does.
//
// When a container's process ends, the engine closes its logger (the
// json-file holds all its output from then on), records the exit, and
// sends the die event, all under the container's lock. Docker 20.10 then
// tears down the container's mounts and network before it releases the
// lock, and only then answers waits (and inspections): about 10 ms after
// the die event on the project machine, 3% of a trivial run-task. Newer
// engines send the die event last, just before the lock is released, so
// there the two come together.
//
// The die event is a hint, never relied on: the wait for the exit goes on
// beside it, and a die event that does not come (an engine whose event
// buffer was overrun by other events, an events request that failed) only
// leaves the follow to end with the wait. The event gives the exit code; a
// run the OOM killer acted in (an oom event came first) or that SIGKILL
// ended is inspected as before, for Docker's OOMKilled flag.

// died is what a container's die event says about how its run ended.
type died struct {
	exitCode int
	// at is when the engine sent the event, shortly after the exit.
	at time.Time
	// oom is set when the engine's oom event for the run came before it:
	// the OOM killer acted in the container, which only an inspection
	// tells the whole of (Docker flags the container OOMKilled whatever
	// its exit code).
	oom bool
}

// runEnd follows the engine's die and oom events of one run of a
// container: the run that started at startedAt (a container started again
// after it exited has the events of its earlier runs too). The engine
// sends a run's oom events before its die event.
type runEnd struct {
	startedAt time.Time
	oom       bool
}

// see takes the container's next event, and returns how the run ended
// once its die event has come (false before, and for a die event without
// a readable exit code).
func (e *runEnd) see(m events.Message) (died, bool) {
	if m.Type != events.ContainerEventType || m.TimeNano < e.startedAt.UnixNano() {
		return died{}, false
	}
	switch m.Action {
	case events.ActionOOM:
		e.oom = true
	case events.ActionDie:
		code, err := strconv.Atoi(m.Actor.Attributes["exitCode"])
		if err == nil {
			return died{exitCode: code, at: time.Unix(0, m.TimeNano), oom: e.oom}, true
		}
	}
	return died{}, false
}

// watchDie asks the engine for the die event of container id's run that
// started at startedAt, including one sent before the request (the engine
// keeps its recent events), and sends what it says on the channel
// returned. Nothing is sent when the request fails or ctx ends first.
func (r *Runtime) watchDie(ctx context.Context, id string, startedAt time.Time) <-chan died {
	out := make(chan died, 1)
	msgs, errs := r.cli.Events(ctx, events.ListOptions{
		// The engine compares since with each event's time in nanoseconds
		// (the digits after the point are a fraction of a second).
		Since: fmt.Sprintf("%d.%09d", startedAt.Unix(), startedAt.Nanosecond()),
		Filters: filters.NewArgs(
			filters.Arg("type", string(events.ContainerEventType)),
			filters.Arg("container", id),
			filters.Arg("event", string(events.ActionOOM)),
			filters.Arg("event", string(events.ActionDie))),
	})
	end := &runEnd{startedAt: startedAt}
	go func() {
		for {
			select {
			case m := <-msgs:
				if d, ok := end.see(m); ok {
					out <- d
					return
				}
			case <-errs:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
