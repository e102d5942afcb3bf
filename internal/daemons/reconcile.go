package daemons

import (
	"math"
	"sort"
)

// Instance is a container instance as Reconcile sees it.
type Instance struct {
	ARN      string
	Provider string // capacity provider name ("" when none)
	// Active: ACTIVE or DRAINING (registered); daemons leave the others.
	Active bool
}

// Daemon is a daemon as Reconcile sees it.
type Daemon struct {
	Name string
	// Target is the revision the daemon's latest deployment deploys.
	Target string
	// Providers are the capacity providers the target revision covers.
	Providers []string
	// Deleting: DeleteDaemon was called; its tasks stop.
	Deleting bool
	// DrainPercent is the share of covered instances whose old-revision
	// task may be replaced at once (at least one).
	DrainPercent float64
}

// Task is a daemon task the control plane still wants running (desired
// status RUNNING).
type Task struct {
	ARN      string
	Daemon   string
	Revision string
	Instance string // the instance it was started for
	Running  bool   // lastStatus RUNNING
}

// Start asks for a daemon task of Revision on Instance.
type Start struct {
	Daemon, Revision, Instance, Provider string
}

// Stop asks to stop a daemon task, with the reason ECS records.
type Stop struct {
	Task, Reason string
}

// Status is what Reconcile found of one daemon.
type Status struct {
	// Covered counts the instances the daemon belongs on.
	Covered int
	// Done: every covered instance runs a task of the target revision
	// and no other revision's task is left.
	Done bool
	// Running counts RUNNING tasks by revision and provider.
	Running map[string]map[string]int
}

// Plan is what Reconcile decides.
type Plan struct {
	Stops  []Stop
	Starts []Start
	Status map[string]Status
}

// Reason strings of the stops.
const (
	ReasonDeleted   = "Daemon deleted"
	ReasonReplaced  = "Daemon deployment replaced the task with a new revision"
	ReasonNotCovers = "Container instance is no longer covered by the daemon's capacity providers"
	ReasonDuplicate = "More than one daemon task on the container instance"
)

// Reconcile decides which daemon tasks to start and stop so that each
// daemon runs exactly one task on each active instance of its capacity
// providers: it starts one where none runs (a new instance, or a task that
// stopped), stops tasks on instances the daemon no longer covers, and
// replaces tasks of older revisions a batch at a time (DrainPercent of
// the covered instances, at least one; a replacement counts until its new
// task is RUNNING). Stops come before the starts on the same instance.
func Reconcile(instances []Instance, daemons []Daemon, tasks []Task) Plan {
	plan := Plan{Status: map[string]Status{}}
	inst := map[string]Instance{}
	for _, in := range instances {
		inst[in.ARN] = in
	}
	byDaemon := map[string][]Task{}
	for _, t := range tasks {
		byDaemon[t.Daemon] = append(byDaemon[t.Daemon], t)
	}
	ds := append([]Daemon(nil), daemons...)
	sort.Slice(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
	known := map[string]bool{}
	for _, d := range ds {
		known[d.Name] = true
		reconcileOne(&plan, d, instances, inst, byDaemon[d.Name])
	}
	// Tasks of daemons that no longer exist.
	var orphans []string
	for name := range byDaemon {
		if !known[name] {
			orphans = append(orphans, name)
		}
	}
	sort.Strings(orphans)
	for _, name := range orphans {
		for _, t := range sortTasks(byDaemon[name]) {
			plan.Stops = append(plan.Stops, Stop{Task: t.ARN, Reason: ReasonDeleted})
		}
	}
	return plan
}

func sortTasks(ts []Task) []Task {
	ts = append([]Task(nil), ts...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].ARN < ts[j].ARN })
	return ts
}

func reconcileOne(plan *Plan, d Daemon, instances []Instance, inst map[string]Instance, tasks []Task) {
	st := Status{Running: map[string]map[string]int{}}
	tasks = sortTasks(tasks)
	if d.Deleting {
		for _, t := range tasks {
			plan.Stops = append(plan.Stops, Stop{Task: t.ARN, Reason: ReasonDeleted})
		}
		st.Done = true
		plan.Status[d.Name] = st
		return
	}
	providers := map[string]bool{}
	for _, p := range d.Providers {
		providers[p] = true
	}
	covers := func(arn string) (Instance, bool) {
		in, ok := inst[arn]
		return in, ok && in.Active && providers[in.Provider]
	}
	on := map[string][]Task{}
	for _, t := range tasks {
		in, ok := covers(t.Instance)
		if !ok {
			plan.Stops = append(plan.Stops, Stop{Task: t.ARN, Reason: ReasonNotCovers})
			continue
		}
		on[t.Instance] = append(on[t.Instance], t)
		if t.Running {
			m := st.Running[t.Revision]
			if m == nil {
				m = map[string]int{}
				st.Running[t.Revision] = m
			}
			m[in.Provider]++
		}
	}
	var covered []Instance
	for _, in := range instances {
		if _, ok := covers(in.ARN); ok {
			covered = append(covered, in)
		}
	}
	st.Covered = len(covered)
	budget := int(math.Floor(float64(len(covered)) * d.DrainPercent / 100))
	if budget < 1 {
		budget = 1
	}
	// Keep one task an instance: the target revision's first (a RUNNING
	// one first), else the oldest other.
	keep := map[string]Task{}
	for _, in := range covered {
		ts := on[in.ARN]
		if len(ts) == 0 {
			continue
		}
		best := -1
		for i, t := range ts {
			if best < 0 || rank(d, t) > rank(d, ts[best]) {
				best = i
			}
		}
		keep[in.ARN] = ts[best]
		for i, t := range ts {
			if i != best {
				plan.Stops = append(plan.Stops, Stop{Task: t.ARN, Reason: ReasonDuplicate})
			}
		}
		if t := ts[best]; t.Revision == d.Target && !t.Running {
			budget-- // a replacement (or a first start) still under way
		}
	}
	done := true
	for _, in := range covered {
		t, ok := keep[in.ARN]
		switch {
		case !ok:
			done = false
			plan.Starts = append(plan.Starts, Start{Daemon: d.Name, Revision: d.Target, Instance: in.ARN, Provider: in.Provider})
		case t.Revision != d.Target:
			done = false
			if budget > 0 {
				budget--
				plan.Stops = append(plan.Stops, Stop{Task: t.ARN, Reason: ReasonReplaced})
				plan.Starts = append(plan.Starts, Start{Daemon: d.Name, Revision: d.Target, Instance: in.ARN, Provider: in.Provider})
			}
		case !t.Running:
			done = false
		}
	}
	st.Done = done
	plan.Status[d.Name] = st
}

// rank orders the tasks on one instance: target revision first, RUNNING
// first.
func rank(d Daemon, t Task) int {
	r := 0
	if t.Revision == d.Target {
		r += 2
	}
	if t.Running {
		r++
	}
	return r
}
