package tasksets

import (
	"slices"
	"testing"
	"time"
)

func TestPass(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	blue := TaskSet{ID: "blue", Status: Primary, Scale: 100, Stability: Stabilizing}
	green := TaskSet{ID: "green", Status: Active, Scale: 50, Stability: SteadyState}
	gone := TaskSet{ID: "gone", Status: Draining, Stability: Stabilizing}
	run := func(id, set string, seq int64) ServiceTask {
		return ServiceTask{Task: Task{ID: id, Seq: seq, Phase: Running}, TaskSet: set}
	}
	tasks := []ServiceTask{run("b1", "blue", 1), run("b2", "blue", 2), run("b3", "blue", 3),
		{Task: Task{ID: "g0", Phase: Stopped}, TaskSet: "gone"}}

	o := Pass(2, false, false, []TaskSet{blue, green, gone}, tasks, now)
	if len(o.TaskSets) != 2 || o.TaskSets[0].ID != "blue" || o.TaskSets[1].ID != "green" || !o.Changed || o.Inactive {
		t.Fatalf("task sets %+v changed %v", o.TaskSets, o.Changed)
	}
	if !slices.Equal(o.Stops, []Stop{{"b3", "blue"}}) || o.Starts["green"] != 1 || len(o.Starts) != 1 {
		t.Errorf("stops %v starts %v; want b3 stopped and one green task started", o.Stops, o.Starts)
	}
	if o.TaskSets[1].Stability != Stabilizing || !o.TaskSets[1].StabilityAt.Equal(now) {
		t.Errorf("green stability %s at %v", o.TaskSets[1].Stability, o.TaskSets[1].StabilityAt)
	}
	if held := Pass(2, false, true, []TaskSet{green}, nil, now); len(held.Starts) != 0 {
		t.Errorf("starts held back: %v", held.Starts)
	}

	// Draining: every running task stops, every task set drains (green,
	// without tasks, leaves at once); the service is inactive once all
	// tasks wind down.
	d := Pass(2, true, false, []TaskSet{blue, green}, tasks, now)
	if len(d.Stops) != 3 || d.Inactive || len(d.Starts) != 0 || len(d.TaskSets) != 1 || d.TaskSets[0].Status != Draining {
		t.Errorf("draining: %+v", d)
	}
	down := []ServiceTask{{Task: Task{ID: "b1", Phase: Stopping}, TaskSet: "blue", WindingDown: true}}
	if d := Pass(0, true, false, []TaskSet{{ID: "blue", Status: Draining}}, down, now); !d.Inactive || len(d.Stops) != 0 {
		t.Errorf("all winding down: %+v", d)
	}
	notYet := []ServiceTask{{Task: Task{ID: "b1", Phase: Stopping}, TaskSet: "blue"}}
	if d := Pass(0, true, false, nil, notYet, now); d.Inactive {
		t.Error("inactive while a task has not begun to stop")
	}
}
