package controlplane

import (
	"slices"
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
	Running bool
	// AwaitingHealth: it has essential containers with health checks and
	// is not HEALTHY yet; it does not count as healthy (ECS waits for a
	// task's health checks before counting it towards the minimum).
	AwaitingHealth bool
	// WindingDown: lastStatus STOPPING or later (a draining service goes
	// INACTIVE once every task is).
	WindingDown bool
	Unhealthy   bool
	// OnDraining: the task runs on a DRAINING container instance, so the
	// scheduler replaces it as it replaces an old deployment's tasks.
	OnDraining bool
	// Protected: its scale-in protection is on; scaling in and
	// deployments leave it running (ECS does).
	Protected bool
	StartedAt time.Time // zero when it never ran
	StoppedAt time.Time
	// Failed: it stopped on its own (an essential container exited, or it
	// failed to start) or the scheduler stopped it for failing its health
	// checks (HealthStopped).
	Failed, HealthStopped bool
	// Where the task is, for choosing which tasks to stop: its container
	// instance ("" on the host's own capacity) and that instance's
	// attributes; FreeCPU and FreeMemory are what the instance has left,
	// CPU and Memory what the task holds (filled in for binpack only).
	Instance            string
	Attributes          map[string]string
	FreeCPU, FreeMemory int64
	CPU, Memory         int64
}

// schedStrategy is one placement strategy of a service (type spread,
// binpack or random, and its field).
type schedStrategy struct {
	Type, Field string
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
	// Threshold is how many failed tasks trip the circuit breaker (0:
	// failureThreshold of the desired count);
	// Cumulative: they count since the deployment started, not in a row
	// (resetOnHealthyTask false).
	Threshold   int32
	Cumulative  bool
	Rollback    bool
	CanRollBack bool // a completed deployment to roll back to exists
	Grace       time.Duration
	// Settle is how long the primary's tasks must have been running for
	// the deployment to complete (a task that crashes at once is not a
	// success).
	Settle              time.Duration
	Deployments         []schedDeployment
	RetryBase, RetryMax time.Duration
	// Strategy is the placement strategy the service's tasks are placed
	// with (its own, or the default for services); it also says which
	// tasks go when the service stops some (pickStops).
	Strategy []schedStrategy
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

// failureThreshold is how many failed tasks in a row trip the circuit
// breaker of a deployment of desired tasks: half of them rounded up, at
// least 3 and at most 200 (ECS's formula).
func failureThreshold(desired int32) int32 {
	return breakerThreshold("BOUNDED_PERCENT", 50, desired)
}

// breakerThreshold is the circuit breaker's threshold for a deployment of
// desired tasks under a thresholdConfiguration: BOUNDED_PERCENT (the
// default, 50) is value percent of them rounded up, at least 3 and at most
// 200; UNBOUNDED_PERCENT the same without the bounds; COUNT the value
// itself. It is at least 1.
func breakerThreshold(typ string, value, desired int32) int32 {
	pct := (int64(desired)*int64(value) + 99) / 100
	switch typ {
	case "COUNT":
		return max(value, 1)
	case "UNBOUNDED_PERCENT":
		return int32(max(min(pct, 1<<31-1), 1))
	case "", "BOUNDED_PERCENT":
		return int32(min(max(pct, 3), 200))
	}
	return failureThreshold(desired)
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
	windingDown := 0 // stopping tasks at STOPPING or later
	for _, t := range tasks {
		c := d.Counts[t.Deployment]
		switch {
		case t.Phase == phaseStopped:
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
			if t.WindingDown {
				windingDown++
			}
		}
	}
	for dep, c := range d.Counts {
		n, _ := failureStreak(dep, tasks, now, s.Settle)
		if s.Cumulative {
			n = 0
			for _, t := range tasks {
				if t.Deployment == dep && t.Phase == phaseStopped && t.Failed {
					n++
				}
			}
		}
		c.Failed = int32(n)
		d.Counts[dep] = c
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
		d.Inactive = left == windingDown
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
	threshold := s.Threshold
	if threshold <= 0 {
		threshold = failureThreshold(s.Desired)
	}
	if s.CircuitBreaker && primary.Rollout == "IN_PROGRESS" && d.Counts[primary.ID].Failed >= threshold {
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

	// Scale in the primary, choosing the tasks as the placement strategy
	// says (pickStops). Tasks on draining instances are replaced as old
	// deployments' are.
	var mine, drained []schedTask
	for _, t := range live[primary.ID] {
		if t.OnDraining {
			drained = append(drained, t)
		} else {
			mine = append(mine, t)
		}
	}
	if len(mine) > desired {
		gone := map[string]bool{}
		for _, t := range pickStops(unprotected(mine), mine, len(mine)-desired, s.Strategy) {
			stop(t, false)
			gone[t.ID] = true
		}
		mine = slices.DeleteFunc(mine, func(t schedTask) bool { return gone[t.ID] })
	}

	// Older deployments: their pending tasks go at once; their running
	// ones as long as the healthy running tasks stay at or above the
	// minimum.
	healthy := countHealthy(mine)
	var oldRunning []schedTask
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
	// As many old running tasks go as the minimum allows (all of them
	// once the primary runs its desired count); which ones, the
	// placement strategy says, over all the service's tasks.
	can := len(oldRunning)
	if !(len(mine) >= desired && countHealthy(mine) >= desired) {
		can = min(can, max(healthy-lower, 0))
	}
	picked := pickStops(unprotected(oldRunning), append(slices.Clone(mine), oldRunning...), can, s.Strategy)
	for _, t := range picked {
		stop(t, false)
	}
	oldLive := len(oldRunning) - len(picked)

	// Start what the primary lacks, within the maximum.
	need := desired - len(mine)
	room := upper - len(mine) - oldLive
	start := min(need, room)
	if start > 0 {
		streak, last := failureStreak(primary.ID, tasks, now, s.Settle)
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

// unprotected returns the tasks without scale-in protection.
func unprotected(ts []schedTask) []schedTask {
	return slices.DeleteFunc(slices.Clone(ts), func(t schedTask) bool { return t.Protected })
}

// settled: every task has been running for at least d, and is healthy
// (HEALTHY if it has health checks).
func settled(ts []schedTask, now time.Time, d time.Duration) bool {
	for _, t := range ts {
		if !t.Running || t.Unhealthy || t.AwaitingHealth || t.StartedAt.IsZero() || now.Sub(t.StartedAt) < d {
			return false
		}
	}
	return true
}

// countHealthy counts the tasks that are running and healthy: not failing
// their health checks, and HEALTHY if they have any.
func countHealthy(ts []schedTask) int {
	n := 0
	for _, t := range ts {
		if t.Running && !t.Unhealthy && !t.AwaitingHealth {
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

// failureStreak counts the failed tasks of deployment dep in a row: those
// that stopped since a task of dep last ran healthily (RUNNING for settle
// without failing its health checks; ECS resets its failedTasks count then),
// and says when the last of them stopped.
func failureStreak(dep string, tasks []schedTask, now time.Time, settle time.Duration) (int, time.Time) {
	var good time.Time
	for _, t := range tasks {
		if t.Deployment != dep || t.StartedAt.IsZero() || t.HealthStopped || t.Running && (t.Unhealthy || t.AwaitingHealth) {
			continue
		}
		end := now
		if t.Phase == phaseStopped {
			end = t.StoppedAt
		} else if !t.Running {
			continue
		}
		if at := t.StartedAt.Add(settle); !end.Before(at) && at.After(good) {
			good = at
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

// pickStops chooses n of the candidate tasks to stop, one at a time, the
// way ECS chooses tasks when a service scales in: each strategy in turn
// narrows the candidates, spread to those whose value of the field (an
// availability zone, an instance) has the most of the service's tasks
// that stay (all, the tasks counted), binpack to those on the instance
// with the most of the resource left once they stop, random not at all.
// Among the candidates left it takes pending tasks first, then unhealthy
// ones, then the newest (ECS picks at random there; ecsrun picks the tasks
// it loses least by stopping). With no strategy (tasks on the host's own
// capacity, Fargate) that last order is the whole choice.
func pickStops(cands, all []schedTask, n int, strategy []schedStrategy) []schedTask {
	if n >= len(cands) {
		return slices.Clone(cands) // all go: nothing to choose
	}
	left := slices.Clone(cands)
	staying := slices.Clone(all)
	type res struct{ cpu, mem int64 }
	freed := map[string]res{} // what the tasks chosen so far free, by instance
	var out []schedTask
	for ; n > 0 && len(left) > 0; n-- {
		pool := slices.Clone(left)
		for _, st := range strategy {
			if len(pool) < 2 {
				break
			}
			switch st.Type {
			case "spread":
				count := map[string]int{}
				for _, t := range staying {
					count[spreadValue(t, st.Field)]++
				}
				most := 0
				for _, t := range pool {
					most = max(most, count[spreadValue(t, st.Field)])
				}
				pool = slices.DeleteFunc(pool, func(t schedTask) bool { return count[spreadValue(t, st.Field)] < most })
			case "binpack":
				after := func(t schedTask) int64 {
					if st.Field == "cpu" {
						return t.FreeCPU + freed[t.Instance].cpu + t.CPU
					}
					return t.FreeMemory + freed[t.Instance].mem + t.Memory
				}
				most := int64(-1 << 62)
				for _, t := range pool {
					most = max(most, after(t))
				}
				pool = slices.DeleteFunc(pool, func(t schedTask) bool { return after(t) < most })
			}
		}
		slices.SortStableFunc(pool, func(a, b schedTask) int {
			switch {
			case a.Running != b.Running:
				if !a.Running {
					return -1
				}
				return 1
			case a.Unhealthy != b.Unhealthy:
				if a.Unhealthy {
					return -1
				}
				return 1
			case a.Seq != b.Seq:
				if a.Seq > b.Seq {
					return -1
				}
				return 1
			}
			return 0
		})
		t := pool[0]
		out = append(out, t)
		left = slices.DeleteFunc(left, func(c schedTask) bool { return c.ID == t.ID })
		staying = slices.DeleteFunc(staying, func(c schedTask) bool { return c.ID == t.ID })
		if t.Instance != "" {
			f := freed[t.Instance]
			freed[t.Instance] = res{f.cpu + t.CPU, f.mem + t.Memory}
		}
	}
	return out
}

// spreadValue is a task's value of a spread field: its instance for
// instanceId (or host), the instance's attribute for attribute:<name>;
// "" when it has none (a task on the host's own capacity).
func spreadValue(t schedTask, field string) string {
	switch {
	case field == "instanceId" || field == "host":
		return t.Instance
	case len(field) > len("attribute:") && field[:len("attribute:")] == "attribute:":
		return t.Attributes[field[len("attribute:"):]]
	}
	return ""
}
