package tasksets

import "time"

// ServiceTask is a task of a service with task sets, as Pass sees it.
type ServiceTask struct {
	Task
	// TaskSet is the id of the task set that started it (its startedBy).
	TaskSet string
	// WindingDown: its lastStatus is STOPPING or later.
	WindingDown bool
}

// Stop is a task Pass stops, and the task set it belongs to.
type Stop struct{ ID, TaskSet string }

// Outcome is what one scheduler pass over a service does.
type Outcome struct {
	// TaskSets are the service's task sets from now on: DRAINING ones
	// whose tasks have all stopped are gone, statuses and stability are
	// brought up to date.
	TaskSets []TaskSet
	// Changed: TaskSets (or the service's status) differ from before.
	Changed bool
	// Starts says how many tasks to start, by task set id; Stops which
	// tasks to stop.
	Starts map[string]int
	Stops  []Stop
	// Inactive: the service is draining and every task is winding down.
	Inactive bool
}

// Pass plans one scheduler pass over a service whose desired count is
// desired, with task sets sets and tasks tasks: each task set is brought
// to its computed count (scale-in never stops a protected task), and a
// draining service (DeleteService) stops every task, drains every task set
// and is Inactive once all its tasks are winding down. holdStarts holds
// back starts (the backoff after a failure to place tasks).
func Pass(desired int32, draining, holdStarts bool, sets []TaskSet, tasks []ServiceTask, now time.Time) Outcome {
	out := Outcome{Starts: map[string]int{}}
	if draining {
		left := 0
		for _, t := range tasks {
			if t.Phase == Stopped || t.WindingDown {
				continue
			}
			left++
			if t.Phase == Pending || t.Phase == Running {
				out.Stops = append(out.Stops, Stop{ID: t.ID, TaskSet: t.TaskSet})
			}
		}
		out.Inactive = left == 0
		out.Changed = out.Inactive
	}
	for _, ts := range sets {
		if draining && ts.Status != Draining {
			ts.Status, ts.UpdatedAt, out.Changed = Draining, now, true
		}
		var mine []Task
		for _, t := range tasks {
			if t.TaskSet == ts.ID {
				mine = append(mine, t.Task)
			}
		}
		if Gone(&ts, mine) {
			out.Changed = true
			continue
		}
		computed := ComputedDesired(ts.Status, desired, ts.Scale)
		if !draining {
			start, stop := Plan(computed, mine)
			if start > 0 && !holdStarts {
				out.Starts[ts.ID] = start
			}
			for _, id := range stop {
				out.Stops = append(out.Stops, Stop{ID: id, TaskSet: ts.ID})
			}
		}
		if st := Stability(computed, Count(mine)); st != ts.Stability {
			ts.Stability, ts.StabilityAt, out.Changed = st, now, true
		}
		out.TaskSets = append(out.TaskSets, ts)
	}
	return out
}
