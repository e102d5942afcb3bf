package runtask

import (
	"context"
	"time"
)

// LogFollower follows the container log streams of tasks that something
// else started and watches (the ECS tasks of a workflow's states), as
// run-task follows its own: GetLogEvents with forward tokens, each stream
// read every poll interval within a call budget, and drained when its
// container stops. Lines go to a Console, prefixed with a label, the task
// id and the container name ("RunJob 91c76b55 app | ..."). It is not safe
// for concurrent use: one goroutine follows a run.
type LogFollower struct {
	l *logs
}

// LogFollowerOptions tune a LogFollower; zero values take run-task's
// defaults for the local engine (see Options.LogPoll, LogRate, LogSettle).
type LogFollowerOptions struct {
	Poll   time.Duration
	Rate   float64
	Settle time.Duration
}

// NewLogFollower returns a follower reading api and writing to c.
func NewLogFollower(api Logs, c *Console, o LogFollowerOptions) *LogFollower {
	d := Options{LogPoll: o.Poll, LogRate: o.Rate, LogSettle: o.Settle}
	d.defaults()
	return &LogFollower{l: newLogs(api, c, d.LogPoll, d.LogSettle, d.LogRate)}
}

// Follow starts following a container's stream; later calls for the same
// task and container change nothing.
func (f *LogFollower) Follow(label, taskID, container, group, stream string) {
	f.l.follow(taskID, container, group, stream).label = label
}

// Stopped says the container stopped at now: its stream is read to its end
// at once, and read again until the settle time has passed. A container
// not followed is ignored.
func (f *LogFollower) Stopped(ctx context.Context, taskID, container string, now time.Time) {
	if fl := f.l.byKey[taskID+"/"+container]; fl != nil {
		f.l.stopped(ctx, fl, now)
	}
}

// Poll reads the streams whose turn it is.
func (f *LogFollower) Poll(ctx context.Context, now time.Time) { f.l.pollDue(ctx, now) }

// Drain reads every stream to its end (waiting out the settle time of
// stopped containers) and stops following them.
func (f *LogFollower) Drain(ctx context.Context) { f.l.drain(ctx) }
