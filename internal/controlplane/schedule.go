package controlplane

import (
	"sort"
	"time"
)

// The service scheduler's decision core: decide looks at one service and
// its tasks as they are now and says what to do (tasks to start and stop,
// deployments that completed, failed or drained), without touching
// anything; scheduler.go applies it. Everything it needs is in the tasks
// the control plane keeps (stopped ones for the retention period), so a
// restarted engine decides as the stopped one would have.

// Task phases as the scheduler sees them.
const (
	phasePending  = iota // not running yet (PROVISIONING to ACTIVATING)
	phaseRunning         // RUNNING, desired RUNNING
	phaseStopping        // desired STOPPED, not stopped yet
	phaseStopped         // STOPPED
)

// schedTask is what decide needs to know about one task of a service.
type schedTask struct {
	ID         string
	Deployment string
	Seq        int64
	Phase      int
	// Running: lastStatus RUNNING (a stopping task may still be).
	Running   bool
	Unhealthy bool
	// OnDraining: the task runs on a DRAINING container instance, so the
	// scheduler replaces it as it replaces an old deployment's tasks.
	OnDraining bool
	StartedAt  time.Time // zero when it never ran
	StoppedAt  time.Time
	// Failed: it stopped on its own (an essential container exited, or it
	// failed to start) or the scheduler stopped it for failing its health
	// checks.
	Failed bool
}

// schedDeployment is one deployment of a service; the first of a
// service's is the PRIMARY.
type schedDeployment struct {
	ID      string
	Rollout string // IN_PROGRESS, COMPLETED or FAILED
}

// schedService is what decide needs to know about a service.
type schedService struct {
	Draining          bool
	Desired           int32
	MaxPercent        int32
	MinHealthyPercent int32
	CircuitBreaker    bool
	Rollback          bool
	CanRollBack       bool // a completed deployment to roll back to exists
	Grace             time.Duration
	// Settle is how long the primary's tasks must have been running for
	// the deployment to complete (a task that crashes at once is not a
	// success).
	Settle              time.Duration
	Deployments         []schedDeployment
	RetryBase, RetryMax time.Duration
}

// stopOrder is a task the scheduler stops, and why.
type stopOrder struct {
	ID, Deployment string
	// Health: stopped for failing its container health checks (otherwise
	// scaling activity).
	Health bool
}

// depCounts are a deployment's task counts.
type depCounts struct {
	Running, Pending, Failed int32
}

// decision is what decide says to do.
type decision struct {
	Start int
	Stop  []stopOrder
	// RetryAt: starts are held back until then (the backoff after failed
	// tasks); zero when nothing is held back.
	RetryAt time.Time
	// Completed: the primary deployment reached its desired count with
	// every other deployment drained; Steady: the service is in that state
	// (whether or not it just got there).
	Completed, Steady bool
	// Failed: the circuit breaker trips for the primary deployment;
	// RollBack: and the service rolls back to its last completed one.
	Failed, RollBack bool
	// Drop lists the non-primary deployments that have no task left.
	Drop []string
	// Inactive: a draining service has no task left.
	Inactive bool
	Counts   map[string]depCounts
}

// failureThreshold is how many failed tasks trip the circuit breaker of a
// deployment of desired tasks: half of them, at least 3 and at most 200.
func failureThreshold(desired int32) int32 {
	n := (desired + 1) / 2
	return min(max(n, 3), 200)
}

// retryDelay is the backoff before the next start after streak failed
// tasks in a row: base, doubling with each failure, up to most.
func retryDelay(streak int, base, most time.Duration) time.Duration {
	if streak <= 0 {
		return 0
	}
	d := base
	for i := 1; i < streak && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}

// decide plans one pass of the scheduler over service s with tasks at now.
func decide(s schedService, tasks []schedTask, now time.Time) decision {
	d := decision{Counts: map[string]depCounts{}}
	live := map[string][]schedTask{} // pending or running, desired RUNNING
	stopping := map[string]int{}
	for _, t := range tasks {
		c := d.Counts[t.Deployment]
		switch {
		case t.Phase == phaseStopped:
			if t.Failed {
				c.Failed++
			}
		case t.Running:
			c.Running++
		case t.Phase == phasePending:
			c.Pending++
		}
		d.Counts[t.Deployment] = c
		switch t.Phase {
		case phasePending, phaseRunning:
			live[t.Deployment] = append(live[t.Deployment], t)
		case phaseStopping:
			stopping[t.Deployment]++
		}
	}
	for _, ts := range live {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Seq < ts[j].Seq })
	}
	stop := func(t schedTask, health bool) {
		d.Stop = append(d.Stop, stopOrder{ID: t.ID, Deployment: t.Deployment, Health: health})
	}
	if s.Draining || len(s.Deployments) == 0 {
		left := 0
		for _, ts := range live {
			for _, t := range ts {
				stop(t, false)
				left++
			}
		}
		for _, n := range stopping {
			left += n
		}
		d.Inactive = left == 0
		return d
	}
	primary := s.Deployments[0]

	// Tasks that fail their health checks after the grace period go, and
	// count as failed.
	for dep, ts := range live {
		kept := ts[:0:0]
		for _, t := range ts {
			if t.Running && t.Unhealthy && !t.StartedAt.IsZero() && !now.Before(t.StartedAt.Add(s.Grace)) {
				stop(t, true)
				continue
			}
			kept = append(kept, t)
		}
		live[dep] = kept
	}

	// The circuit breaker.
	if s.CircuitBreaker && primary.Rollout == "IN_PROGRESS" && d.Counts[primary.ID].Failed >= failureThreshold(s.Desired) {
		d.Failed = true
		d.RollBack = s.Rollback && s.CanRollBack
		return d
	}
	if primary.Rollout == "FAILED" {
		// A failed deployment without rollback starts nothing more and
		// leaves the tasks of the others alone.
		return d
	}

	desired := int(s.Desired)
	upper := desired * int(s.MaxPercent) / 100
	lower := (desired*int(s.MinHealthyPercent) + 99) / 100
	if upper < desired {
		upper = desired
	}

	// Scale in the primary: pending tasks first, then the newest. Tasks on
	// draining instances are replaced as old deployments' are.
	var mine, drained []schedTask
	for _, t := range live[primary.ID] {
		if t.OnDraining {
			drained = append(drained, t)
		} else {
			mine = append(mine, t)
		}
	}
	if len(mine) > desired {
		excess := len(mine) - desired
		order := append([]schedTask(nil), mine...)
		sort.SliceStable(order, func(i, j int) bool {
			if order[i].Running != order[j].Running {
				return !order[i].Running
			}
			return order[i].Seq > order[j].Seq
		})
		gone := map[string]bool{}
		for _, t := range order[:excess] {
			stop(t, false)
			gone[t.ID] = true
		}
		kept := mine[:0:0]
		for _, t := range mine {
			if !gone[t.ID] {
				kept = append(kept, t)
			}
		}
		mine = kept
	}

	// Older deployments: their pending tasks go at once; their running
	// ones as long as the healthy running tasks stay at or above the
	// minimum.
	healthy := 0
	for _, t := range mine {
		if t.Running {
			healthy++
		}
	}
	var oldRunning []schedTask
	oldLive := 0
	replace := drained
	for _, dep := range s.Deployments[1:] {
		replace = append(replace, live[dep.ID]...)
	}
	for _, t := range replace {
		if !t.Running {
			stop(t, false)
			continue
		}
		oldRunning = append(oldRunning, t)
	}
	healthy += len(oldRunning)
	for _, t := range oldRunning {
		if healthy-1 >= lower || len(mine) >= desired && countRunning(mine) >= desired {
			stop(t, false)
			healthy--
			continue
		}
		oldLive++
	}

	// Start what the primary lacks, within the maximum.
	need := desired - len(mine)
	room := upper - len(mine) - oldLive
	start := min(need, room)
	if start > 0 {
		streak, last := failureStreak(primary.ID, tasks)
		if wait := retryDelay(streak, s.RetryBase, s.RetryMax); wait > 0 && now.Before(last.Add(wait)) {
			d.RetryAt = last.Add(wait)
			start = 0
		}
	}
	d.Start = max(start, 0)

	// Deployments with nothing left go.
	for _, dep := range s.Deployments[1:] {
		if len(live[dep.ID]) == 0 && stopping[dep.ID] == 0 && !stoppingIn(d.Stop, dep.ID) {
			d.Drop = append(d.Drop, dep.ID)
		}
	}
	d.Steady = len(d.Drop) == len(s.Deployments)-1 && len(d.Stop) == 0 && d.Start == 0 && oldLive == 0 &&
		d.Counts[primary.ID].Running == s.Desired && d.Counts[primary.ID].Pending == 0 &&
		stopping[primary.ID] == 0 && len(mine) == desired && settled(mine, now, s.Settle)
	d.Completed = d.Steady && primary.Rollout == "IN_PROGRESS"
	return d
}

// settled: every task has been running for at least d, and none fails its
// health checks.
func settled(ts []schedTask, now time.Time, d time.Duration) bool {
	for _, t := range ts {
		if !t.Running || t.Unhealthy || t.StartedAt.IsZero() || now.Sub(t.StartedAt) < d {
			return false
		}
	}
	return true
}

func countRunning(ts []schedTask) int {
	n := 0
	for _, t := range ts {
		if t.Running {
			n++
		}
	}
	return n
}

func stoppingIn(stops []stopOrder, dep string) bool {
	for _, s := range stops {
		if s.Deployment == dep {
			return true
		}
	}
	return false
}

// failureStreak counts the tasks of deployment dep that failed since the
// last of its tasks still running started, and when the last of them
// stopped.
func failureStreak(dep string, tasks []schedTask) (int, time.Time) {
	var good time.Time
	for _, t := range tasks {
		if t.Deployment == dep && t.Phase == phaseRunning && t.Running && t.StartedAt.After(good) {
			good = t.StartedAt
		}
	}
	n := 0
	var last time.Time
	for _, t := range tasks {
		if t.Deployment != dep || t.Phase != phaseStopped || !t.Failed || !t.StoppedAt.After(good) {
			continue
		}
		n++
		if t.StoppedAt.After(last) {
			last = t.StoppedAt
		}
	}
	return n, last
}
