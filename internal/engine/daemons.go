package engine

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/controlplane"
	"github.com/ecsrun/ecsrun/internal/daemons"
)

// daemonsFirst is the control plane as the capacity registry sees it:
// before the tasks waiting for capacity are placed (on the instances a
// scaling step has just registered), the managed daemons start their
// tasks, so a daemon task gets its instance first, as on ECS.
type daemonsFirst struct {
	*controlplane.ControlPlane
	daemons *daemons.Manager
}

// PlaceWaiting starts the daemons' tasks, then places the waiting tasks.
func (d daemonsFirst) PlaceWaiting(ctx context.Context) {
	d.daemons.Step(ctx)
	d.ControlPlane.PlaceWaiting(ctx)
}
