package engine

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/broadcast"
	"github.com/ecsrun/ecsrun/internal/controlplane"
	"github.com/ecsrun/ecsrun/internal/ecs"
)

// stopReporter hands the agent's reports to the control plane, then
// signals, by task id, those that leave a task stopped: a workflow's .sync
// wait for its ECS task (sfnecs) describes it then instead of at its next
// poll, which by then comes a second apart. The control plane has the
// report in memory when Report returns, so the describe sees STOPPED.
type stopReporter struct {
	*controlplane.ControlPlane
	stops *broadcast.Keyed[string]
}

func (r stopReporter) Report(ctx context.Context, steps ...agent.Report) {
	r.ControlPlane.Report(ctx, steps...)
	if n := len(steps); n > 0 && steps[n-1].State.Status.Terminal() {
		r.stops.Notify(steps[n-1].TaskID)
	}
}

// taskStopped returns a channel closed once the agent reports the task of
// taskArn stopped, and what gives it up (sfnecs.Options.Stopped).
func (e *Engine) taskStopped(taskArn string) (<-chan struct{}, func()) {
	return e.stops.C(ecs.ResourceName(taskArn))
}
