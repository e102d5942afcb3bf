package daemons

import (
	"reflect"
	"testing"
)

func TestReconcile(t *testing.T) {
	i1 := Instance{ARN: "i1", Provider: "p", Active: true}
	i2 := Instance{ARN: "i2", Provider: "p", Active: true}
	i3 := Instance{ARN: "i3", Provider: "p", Active: true}
	q1 := Instance{ARN: "q1", Provider: "q", Active: true}
	gone := Instance{ARN: "i9", Provider: "p", Active: false}
	d := Daemon{Name: "d", Target: "r2", Providers: []string{"p"}, DrainPercent: 25}
	run := func(arn, rev, in string) Task {
		return Task{ARN: arn, Daemon: "d", Revision: rev, Instance: in, Running: true}
	}
	pend := func(arn, rev, in string) Task { return Task{ARN: arn, Daemon: "d", Revision: rev, Instance: in} }
	start := func(in string) Start { return Start{Daemon: "d", Revision: "r2", Instance: in, Provider: "p"} }

	tests := []struct {
		name      string
		instances []Instance
		daemons   []Daemon
		tasks     []Task
		stops     []Stop
		starts    []Start
		done      bool
	}{
		{name: "one task on each covered instance, none on other providers",
			instances: []Instance{i1, i2, q1}, daemons: []Daemon{d},
			starts: []Start{start("i1"), start("i2")}},
		{name: "steady: nothing to do",
			instances: []Instance{i1, i2}, daemons: []Daemon{d},
			tasks: []Task{run("t1", "r2", "i1"), run("t2", "r2", "i2")}, done: true},
		{name: "a new instance gets a task",
			instances: []Instance{i1, i2, i3}, daemons: []Daemon{d},
			tasks:  []Task{run("t1", "r2", "i1"), run("t2", "r2", "i2")},
			starts: []Start{start("i3")}},
		{name: "a stopped task (gone from the list) is replaced",
			instances: []Instance{i1, i2}, daemons: []Daemon{d},
			tasks:  []Task{run("t1", "r2", "i1")},
			starts: []Start{start("i2")}},
		{name: "pending task: wait, no second start",
			instances: []Instance{i1}, daemons: []Daemon{d},
			tasks: []Task{pend("t1", "r2", "i1")}},
		{name: "rolling update replaces one instance at a time at 25% of 3",
			instances: []Instance{i1, i2, i3}, daemons: []Daemon{d},
			tasks:  []Task{run("t1", "r1", "i1"), run("t2", "r1", "i2"), run("t3", "r1", "i3")},
			stops:  []Stop{{Task: "t1", Reason: ReasonReplaced}},
			starts: []Start{start("i1")}},
		{name: "rolling update waits for the replacement to run",
			instances: []Instance{i1, i2, i3}, daemons: []Daemon{d},
			tasks: []Task{pend("n1", "r2", "i1"), run("t2", "r1", "i2"), run("t3", "r1", "i3")}},
		{name: "rolling update goes on once the replacement runs",
			instances: []Instance{i1, i2, i3}, daemons: []Daemon{d},
			tasks:  []Task{run("n1", "r2", "i1"), run("t2", "r1", "i2"), run("t3", "r1", "i3")},
			stops:  []Stop{{Task: "t2", Reason: ReasonReplaced}},
			starts: []Start{start("i2")}},
		{name: "drain 100% replaces all at once",
			instances: []Instance{i1, i2}, daemons: []Daemon{{Name: "d", Target: "r2", Providers: []string{"p"}, DrainPercent: 100}},
			tasks:  []Task{run("t1", "r1", "i1"), run("t2", "r1", "i2")},
			stops:  []Stop{{Task: "t1", Reason: ReasonReplaced}, {Task: "t2", Reason: ReasonReplaced}},
			starts: []Start{start("i1"), start("i2")}},
		{name: "tasks on deregistered instances and uncovered providers stop",
			instances: []Instance{i1, gone, q1}, daemons: []Daemon{d},
			tasks: []Task{run("t1", "r2", "i1"), run("t9", "r2", "i9"), run("tq", "r2", "q1")},
			stops: []Stop{{Task: "t9", Reason: ReasonNotCovers}, {Task: "tq", Reason: ReasonNotCovers}}, done: true},
		{name: "duplicates on one instance: the target's RUNNING one stays",
			instances: []Instance{i1}, daemons: []Daemon{d},
			tasks: []Task{run("a", "r1", "i1"), run("b", "r2", "i1"), pend("c", "r2", "i1")},
			stops: []Stop{{Task: "a", Reason: ReasonDuplicate}, {Task: "c", Reason: ReasonDuplicate}}, done: true},
		{name: "a deleted daemon stops everything",
			instances: []Instance{i1, i2}, daemons: []Daemon{{Name: "d", Target: "r2", Providers: []string{"p"}, Deleting: true}},
			tasks: []Task{run("t1", "r2", "i1"), pend("t2", "r1", "i2")},
			stops: []Stop{{Task: "t1", Reason: ReasonDeleted}, {Task: "t2", Reason: ReasonDeleted}}, done: true},
		{name: "tasks of an unknown daemon stop",
			instances: []Instance{i1}, daemons: nil,
			tasks: []Task{run("t1", "r2", "i1")},
			stops: []Stop{{Task: "t1", Reason: ReasonDeleted}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Reconcile(tc.instances, tc.daemons, tc.tasks)
			if !reflect.DeepEqual(p.Stops, tc.stops) {
				t.Errorf("stops = %+v, want %+v", p.Stops, tc.stops)
			}
			if !reflect.DeepEqual(p.Starts, tc.starts) {
				t.Errorf("starts = %+v, want %+v", p.Starts, tc.starts)
			}
			if len(tc.daemons) > 0 && p.Status["d"].Done != tc.done {
				t.Errorf("done = %v, want %v", p.Status["d"].Done, tc.done)
			}
		})
	}
}

func TestReconcileCountsRunning(t *testing.T) {
	p := Reconcile(
		[]Instance{{ARN: "i1", Provider: "p", Active: true}, {ARN: "q1", Provider: "q", Active: true}},
		[]Daemon{{Name: "d", Target: "r1", Providers: []string{"p", "q"}}},
		[]Task{{ARN: "a", Daemon: "d", Revision: "r1", Instance: "i1", Running: true}, {ARN: "b", Daemon: "d", Revision: "r1", Instance: "q1", Running: true}})
	want := map[string]map[string]int{"r1": {"p": 1, "q": 1}}
	if got := p.Status["d"]; !reflect.DeepEqual(got.Running, want) || got.Covered != 2 || !got.Done {
		t.Errorf("status = %+v", got)
	}
}
