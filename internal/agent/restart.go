package agent

import (
	"context"
	"slices"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// DefaultRestartAttemptPeriod is how long a container with a restart policy
// must have run since its last start before it is restarted, when the
// policy gives no restartAttemptPeriod (ECS's default).
const DefaultRestartAttemptPeriod = 300 * time.Second

// restartTrack is what the runner remembers of a container's restarts.
type restartTrack struct {
	count int
	last  time.Time // the last restart
}

// shouldRestart decides, as the ECS agent's restart tracker does, whether a
// container that exited is started again: its restart policy is enabled,
// the task (and the container) is not being stopped, its exit code is
// known and not one of ignoredExitCodes, and it ran at least
// restartAttemptPeriod since lastStart (its last restart, else its start).
func shouldRestart(p *ecsmodel.ContainerRestartPolicy, stopping bool, code *int, lastStart, now time.Time) bool {
	if p == nil || p.Enabled == nil || !*p.Enabled || stopping || code == nil {
		return false
	}
	if slices.Contains(p.IgnoredExitCodes, int32(*code)) {
		return false
	}
	period := DefaultRestartAttemptPeriod
	if p.RestartAttemptPeriod != nil {
		period = time.Duration(*p.RestartAttemptPeriod) * time.Second
	}
	return now.Sub(lastStart) >= period
}

// restart starts a container that exited again when its restart policy
// says so, and follows it as before; it reports whether it did. The
// container stays RUNNING: the task never sees the exit, as with the ECS
// agent.
func (r *runner) restart(ctx context.Context, ev exitEvent) bool {
	if ev.err != nil {
		return false
	}
	ci := r.info[ev.name]
	tr := r.restarts[ev.name]
	lastStart := ci.StartedAt
	if !tr.last.IsZero() {
		lastStart = tr.last
	}
	code := ev.status.ExitCode
	stopping := r.state.Desired == taskstate.Stopped || r.stopping[ev.name]
	if !shouldRestart(r.defs[ev.name].RestartPolicy, stopping, &code, lastStart, r.now()) {
		return false
	}
	// The earlier runs' output is stored: follow what comes from now on
	// (the runtime stamps lines with the real time).
	since := time.Now()
	if err := r.rt.Start(ctx, ci.RuntimeID); err != nil {
		r.a.opts.Log.Warn("restart policy: the container could not be restarted", "task", r.spec.ID, "container", ev.name, "exitCode", code, "err", err)
		return false
	}
	tr.count++
	tr.last = r.now()
	r.restarts[ev.name] = tr
	r.a.opts.Log.Info("restart policy: container restarted", "task", r.spec.ID, "container", ev.name, "exitCode", code, "restartCount", tr.count)
	r.follow(ctx, ev.name, ci.RuntimeID, runtime.NewLogPosition(since, 0))
	return true
}
