package capacityproviders

import (
	"slices"
	"testing"
	"time"
)

func TestScale(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := t0.Add(-time.Hour)
	size := Resources{CPU: 1024, Memory: 2048}
	inst := func(id string, busy bool) Instance { return Instance{ID: id, LaunchedAt: old, Busy: busy} }
	task := Resources{CPU: 512, Memory: 512}
	for _, tc := range []struct {
		name   string
		g      Group
		now    time.Time
		m, n   int
		res    int
		launch int
		term   []string
		low    bool
	}{
		{name: "empty group, nothing to do", g: Group{MaxSize: 5, TargetCapacity: 100, Size: size}, now: t0, m: 0, n: 0, res: 100},
		{name: "no instance, tasks waiting: 200 and scale out",
			g: Group{MaxSize: 5, TargetCapacity: 100, Size: size, Waiting: []Resources{task, task, task}}, now: t0, m: 2, n: 0, res: 200, launch: 2},
		{name: "min step raises the launch",
			g: Group{MaxSize: 5, TargetCapacity: 100, MinStep: 3, Size: size, Waiting: []Resources{task}}, now: t0, m: 3, n: 0, res: 200, launch: 3},
		{name: "max step caps it",
			g: Group{MaxSize: 10, TargetCapacity: 100, MaxStep: 2, Size: size, Waiting: slices.Repeat([]Resources{task}, 10)}, now: t0, m: 2, n: 0, res: 200, launch: 2},
		{name: "max size caps it",
			g: Group{MaxSize: 1, TargetCapacity: 100, Size: size, Waiting: slices.Repeat([]Resources{task}, 10)}, now: t0, m: 5, n: 0, res: 200, launch: 1},
		{name: "target 50 keeps a spare instance",
			g: Group{MaxSize: 5, TargetCapacity: 50, Size: size, Instances: []Instance{inst("a", true)}}, now: t0, m: 1, n: 1, res: 100, launch: 1},
		{name: "all busy at target: steady",
			g: Group{MaxSize: 5, TargetCapacity: 100, Size: size, Instances: []Instance{inst("a", true), inst("b", true)}}, now: t0, m: 2, n: 2, res: 100},
		{name: "idle instance: low, waits for the alarm",
			g: Group{MaxSize: 5, TargetCapacity: 100, Size: size, Instances: []Instance{inst("a", true), inst("b", false)}}, now: t0, m: 1, n: 2, res: 50, low: true},
		{name: "idle long enough: scale in the idle one",
			g: Group{MaxSize: 5, TargetCapacity: 100, Size: size, Instances: []Instance{inst("a", false), inst("b", true)}, LowSince: t0.Add(-ScaleInAfter), Protected: true}, now: t0, m: 1, n: 2, res: 50, term: []string{"a"}, low: true},
		{name: "min size holds",
			g: Group{MinSize: 2, MaxSize: 5, TargetCapacity: 100, Size: size, Instances: []Instance{inst("a", false), inst("b", false)}, LowSince: t0.Add(-time.Hour)}, now: t0, m: 0, n: 2, res: 0, low: true},
		{name: "warming instance holds everything",
			g: Group{MaxSize: 5, TargetCapacity: 100, Warmup: 5 * time.Minute, Size: size, Instances: []Instance{{ID: "a", LaunchedAt: t0.Add(-time.Minute)}}, Waiting: []Resources{task}}, now: t0, m: 2, n: 1, res: 200},
		{name: "task larger than an instance needs nothing",
			g: Group{MaxSize: 5, TargetCapacity: 100, Size: size, Waiting: []Resources{{CPU: 4096, Memory: 1}}}, now: t0, m: 0, n: 0, res: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Scale(tc.g, tc.now)
			if d.M != tc.m || d.N != tc.n || d.Reservation != tc.res || d.Launch != tc.launch || !slices.Equal(d.Terminate, tc.term) || d.LowSince.IsZero() == tc.low {
				t.Errorf("Scale = M %d N %d reservation %d launch %d terminate %v lowSince %v; want M %d N %d reservation %d launch %d terminate %v low %v",
					d.M, d.N, d.Reservation, d.Launch, d.Terminate, d.LowSince, tc.m, tc.n, tc.res, tc.launch, tc.term, tc.low)
			}
		})
	}
}

func TestPickVictims(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ins := []Instance{
		{"a", "z1", t0, true},
		{"b", "z1", t0.Add(time.Minute), false},
		{"c", "z2", t0.Add(2 * time.Minute), true},
		{"d", "z1", t0.Add(3 * time.Minute), false},
	}
	for _, tc := range []struct {
		k         int
		protected bool
		want      []string
	}{
		{3, true, []string{"d", "b"}},       // idle only, newest first
		{1, false, []string{"a"}},           // z1 has most; its oldest, busy or not
		{3, false, []string{"a", "b", "c"}}, // z1 (3) a; z1 (2) vs z2 (1): b; then z1 d vs z2 c tie: older c
	} {
		if got := pickVictims(ins, tc.k, tc.protected); !slices.Equal(got, tc.want) {
			t.Errorf("pickVictims(k=%d, protected=%v) = %v; want %v", tc.k, tc.protected, got, tc.want)
		}
	}
}
