package docker

import (
	"context"
	"time"
)

// EndpointFollows reads how many follows went on through the engine's
// logs endpoint (see endpointFollows).
func EndpointFollows() int64 { return endpointFollows.Load() }

// DieEnds reads how many follows a die event ended (see dieEnds).
func DieEnds() int64 { return dieEnds.Load() }

// Died is what watchDie sends.
type Died struct {
	ExitCode int
	At       time.Time
}

// WatchDie exposes watchDie.
func (r *Runtime) WatchDie(ctx context.Context, id string, startedAt time.Time) <-chan Died {
	out := make(chan Died, 1)
	in := r.watchDie(ctx, id, startedAt)
	go func() {
		select {
		case d := <-in:
			out <- Died{d.exitCode, d.at}
		case <-ctx.Done():
		}
	}()
	return out
}
