package workflow

import (
	"math"
	"time"
)

// maxWaitDelay is the longest a Wait state waits for a timestamp: AWS
// fails the execution with States.Runtime when the timestamp is further
// ahead (24,855 days ahead is accepted, 24,856 days fails: the delay in
// seconds must fit a signed 32-bit integer).
const maxWaitDelay = math.MaxInt32 * time.Second

// waitUntil checks the delay until a Wait state's timestamp.
func (r *stateRun) waitUntil(d time.Duration) (time.Duration, *StatesError) {
	if d > maxWaitDelay {
		return 0, r.runtimeError(ErrRuntime, "Wait state delay is too long.")
	}
	return d, nil
}
