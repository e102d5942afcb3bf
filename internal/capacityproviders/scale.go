package capacityproviders

import (
	"slices"
	"sort"
	"time"
)

// ScaleInAfter is how long the CapacityProviderReservation must stay below
// the target capacity before managed scaling removes instances: the low
// alarm of ECS's target tracking policy wants 15 one-minute datapoints.
const ScaleInAfter = 15 * time.Minute

// Resources is what a task needs, or what an instance offers: CPU units
// and MiB of memory.
type Resources struct{ CPU, Memory int64 }

// Instance is one instance of an Auto Scaling group as managed scaling
// sees it.
type Instance struct {
	ID         string
	Zone       string
	LaunchedAt time.Time
	// Busy: the instance runs at least one task that is not a daemon task.
	Busy bool
}

// Group is the state managed scaling decides from.
type Group struct {
	// MinSize and MaxSize bound the group.
	MinSize, MaxSize int
	// TargetCapacity is the target CapacityProviderReservation, 1..100.
	TargetCapacity int
	// MinStep and MaxStep bound how many instances one scale-out adds.
	MinStep, MaxStep int
	// Warmup is the instance warm-up period: while an instance launched
	// less than Warmup ago, the group does not scale again.
	Warmup time.Duration
	// Protected: managed termination protection, instances with
	// non-daemon tasks are never removed.
	Protected bool
	// Size is what each instance offers.
	Size Resources
	// Instances are the group's instances, oldest first.
	Instances []Instance
	// Waiting are the tasks waiting in PROVISIONING for this provider.
	Waiting []Resources
	// LowSince is when the reservation first fell below the target, zero
	// when it is not below.
	LowSince time.Time
}

// Decision is what managed scaling does now.
type Decision struct {
	// M is the number of instances the tasks need, N the number running.
	M, N int
	// Reservation is CapacityProviderReservation in percent.
	Reservation int
	// Desired is the number of instances the target asks for, within the
	// group's bounds.
	Desired int
	// Launch is how many instances to add now.
	Launch int
	// Terminate are the instances to remove now.
	Terminate []string
	// LowSince is what the caller keeps as Group.LowSince next time.
	LowSince time.Time
	// Why says what held a decision back, for logs ("" when nothing).
	Why string
}

// Scale computes CapacityProviderReservation as ECS does and decides what
// to add or remove:
//
//   - N is the number of instances; with tasks waiting in PROVISIONING,
//     M = N + the instances those tasks need (packed onto empty instances of
//     the group's size; at least MinStep, at most MaxStep); otherwise M is
//     the number of instances that run a non-daemon task;
//   - the reservation is 100·M/N (200 when N is 0 and M is not, 100 when
//     both are 0);
//   - the desired count is ceil(M·100/TargetCapacity) within
//     [MinSize, MaxSize];
//   - above N: launch the difference at once (the step sizes bound it);
//     below N: after the reservation has stayed below the target for
//     ScaleInAfter, remove instances (see pickVictims: with termination
//     protection only those without non-daemon tasks);
//   - nothing happens while an instance is warming up.
func Scale(g Group, now time.Time) Decision {
	n := len(g.Instances)
	d := Decision{N: n}
	busy := 0
	for _, in := range g.Instances {
		if in.Busy {
			busy++
		}
	}
	minStep, maxStep := max(g.MinStep, 1), g.MaxStep
	if maxStep <= 0 {
		maxStep = 10000
	}
	if len(g.Waiting) > 0 {
		need := instancesFor(g.Waiting, g.Size)
		if need > 0 {
			need = min(max(need, minStep), maxStep)
		}
		d.M = n + need
	} else {
		d.M = busy
	}
	switch {
	case n == 0 && d.M == 0:
		d.Reservation = 100
	case n == 0:
		d.Reservation = 200
	default:
		d.Reservation = d.M * 100 / n
	}
	target := g.TargetCapacity
	if target <= 0 || target > 100 {
		target = 100
	}
	d.Desired = (d.M*100 + target - 1) / target
	d.Desired = min(max(d.Desired, g.MinSize), g.MaxSize)
	if d.Reservation < target {
		d.LowSince = g.LowSince
		if d.LowSince.IsZero() {
			d.LowSince = now
		}
	}
	for _, in := range g.Instances {
		if g.Warmup > 0 && now.Sub(in.LaunchedAt) < g.Warmup {
			d.Why = "an instance is warming up"
			return d
		}
	}
	switch {
	case d.Desired > n:
		d.Launch = min(max(d.Desired-n, minStep), maxStep, g.MaxSize-n)
		d.LowSince = time.Time{}
	case d.Desired < n:
		if d.LowSince.IsZero() || now.Sub(d.LowSince) < ScaleInAfter {
			// Below the minimum size the group grows at once; otherwise
			// scale-in waits for the low alarm.
			d.Why = "the reservation has not been below the target long enough to scale in"
			return d
		}
		d.Terminate = pickVictims(g.Instances, n-d.Desired, g.Protected)
		if len(d.Terminate) < n-d.Desired {
			d.Why = "managed termination protection keeps instances that run tasks"
		}
	}
	return d
}

// pickVictims chooses k instances to remove. With managed termination
// protection ECS protects the instances that run non-daemon tasks, so only
// idle ones go, newest first. Without it the Auto Scaling group chooses by
// its default termination policy, which knows nothing of tasks: from the
// zone with the most instances, the oldest (the tasks on it are stopped).
func pickVictims(ins []Instance, k int, protected bool) []string {
	var out []string
	if protected {
		order := slices.Clone(ins)
		sort.SliceStable(order, func(i, j int) bool { return order[i].LaunchedAt.After(order[j].LaunchedAt) })
		for _, in := range order {
			if len(out) < k && !in.Busy {
				out = append(out, in.ID)
			}
		}
		return out
	}
	left := slices.Clone(ins)
	for len(out) < k && len(left) > 0 {
		perZone := map[string]int{}
		for _, in := range left {
			perZone[in.Zone]++
		}
		best := -1
		for i, in := range left {
			if best < 0 || perZone[in.Zone] > perZone[left[best].Zone] ||
				perZone[in.Zone] == perZone[left[best].Zone] && in.LaunchedAt.Before(left[best].LaunchedAt) {
				best = i
			}
		}
		out = append(out, left[best].ID)
		left = slices.Delete(left, best, best+1)
	}
	return out
}

// instancesFor packs tasks onto empty instances of size (first fit,
// largest first) and returns how many instances that takes; tasks larger
// than an instance are left out (no instance of the group can run them).
func instancesFor(tasks []Resources, size Resources) int {
	ts := slices.Clone(tasks)
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].CPU != ts[j].CPU {
			return ts[i].CPU > ts[j].CPU
		}
		return ts[i].Memory > ts[j].Memory
	})
	var bins []Resources // free space of each new instance
	for _, t := range ts {
		if t.CPU > size.CPU || t.Memory > size.Memory {
			continue
		}
		placed := false
		for i := range bins {
			if bins[i].CPU >= t.CPU && bins[i].Memory >= t.Memory {
				bins[i].CPU -= t.CPU
				bins[i].Memory -= t.Memory
				placed = true
				break
			}
		}
		if !placed {
			bins = append(bins, Resources{size.CPU - t.CPU, size.Memory - t.Memory})
		}
	}
	return len(bins)
}
