package controlplane

import (
	"slices"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	running := func(id, dep string, seq int64) schedTask {
		return schedTask{ID: id, Deployment: dep, Seq: seq, Phase: phaseRunning, Running: true, StartedAt: ago(time.Minute)}
	}
	pending := func(id, dep string, seq int64) schedTask {
		return schedTask{ID: id, Deployment: dep, Seq: seq, Phase: phasePending}
	}
	failed := func(id, dep string, stopped time.Duration) schedTask {
		return schedTask{ID: id, Deployment: dep, Phase: phaseStopped, Failed: true, StoppedAt: ago(stopped)}
	}
	svc := func(desired int32, deps ...string) schedService {
		s := schedService{Desired: desired, MaxPercent: 200, MinHealthyPercent: 100, RetryBase: time.Second, RetryMax: time.Minute, Settle: time.Second}
		for i, d := range deps {
			r := "COMPLETED"
			if i == 0 {
				r = "IN_PROGRESS"
			}
			s.Deployments = append(s.Deployments, schedDeployment{ID: d, Rollout: r})
		}
		return s
	}
	type want struct {
		start     int
		stop      []string
		steady    bool
		completed bool
		failed    bool
		rollback  bool
		drop      []string
		inactive  bool
		retry     bool
	}
	tests := []struct {
		name  string
		svc   schedService
		tasks []schedTask
		want  want
	}{
		{"new service starts its tasks", svc(3, "d1"), nil, want{start: 3}},
		{"desired 0 and nothing running is steady", svc(0, "d1"), nil, want{steady: true, completed: true}},
		{"reaches the desired count", svc(2, "d1"), []schedTask{running("a", "d1", 1), running("b", "d1", 2)}, want{steady: true, completed: true}},
		{"just started tasks have not settled", svc(1, "d1"), []schedTask{{ID: "a", Deployment: "d1", Phase: phaseRunning, Running: true, StartedAt: ago(100 * time.Millisecond)}}, want{}},
		{"pending tasks are waited for", svc(2, "d1"), []schedTask{running("a", "d1", 1), pending("b", "d1", 2)}, want{}},
		{"a stopped task is replaced", svc(2, "d1"), []schedTask{running("a", "d1", 1), {ID: "b", Deployment: "d1", Phase: phaseStopped, StoppedAt: ago(time.Second)}}, want{start: 1}},
		{"a stopping task is replaced", svc(2, "d1"), []schedTask{running("a", "d1", 1), {ID: "b", Deployment: "d1", Phase: phaseStopping, Running: true}}, want{start: 1}},
		{"scale in stops pending, then the newest", svc(1, "d1"),
			[]schedTask{running("a", "d1", 1), running("b", "d1", 2), running("c", "d1", 3), pending("d", "d1", 4)},
			want{stop: []string{"d", "c", "b"}}},
		{"a failed task waits for the backoff", svc(1, "d1"), []schedTask{failed("a", "d1", 100*time.Millisecond)}, want{retry: true}},
		{"after the backoff it starts again", svc(1, "d1"), []schedTask{failed("a", "d1", 2*time.Second)}, want{start: 1}},
		{"the backoff doubles", svc(1, "d1"), []schedTask{failed("a", "d1", 10*time.Second), failed("b", "d1", 1500*time.Millisecond)}, want{retry: true}},
		{"rolling: start new within maximumPercent", svc(2, "d2", "d1"), []schedTask{running("a", "d1", 1), running("b", "d1", 2)}, want{start: 2}},
		{"rolling: old tasks stay until the new run", svc(2, "d2", "d1"),
			[]schedTask{running("a", "d1", 1), running("b", "d1", 2), pending("c", "d2", 3), pending("d", "d2", 4)}, want{}},
		{"rolling: old tasks go once the new run", svc(2, "d2", "d1"),
			[]schedTask{running("a", "d1", 1), running("b", "d1", 2), running("c", "d2", 3), running("d", "d2", 4)}, want{stop: []string{"a", "b"}}},
		{"rolling: old tasks stay until the new are healthy", svc(2, "d2", "d1"),
			[]schedTask{running("a", "d1", 1), running("b", "d1", 2),
				{ID: "c", Deployment: "d2", Seq: 3, Phase: phaseRunning, Running: true, AwaitingHealth: true, StartedAt: ago(time.Minute)},
				running("d", "d2", 4)}, want{stop: []string{"b"}}},
		{"a task awaiting its health checks has not settled", svc(1, "d1"),
			[]schedTask{{ID: "a", Deployment: "d1", Seq: 1, Phase: phaseRunning, Running: true, AwaitingHealth: true, StartedAt: ago(time.Minute)}}, want{}},
		{"rolling with maximumPercent 100 stops first", func() schedService {
			s := svc(2, "d2", "d1")
			s.MaxPercent, s.MinHealthyPercent = 100, 50
			return s
		}(), []schedTask{running("a", "d1", 1), running("b", "d1", 2)}, want{stop: []string{"b"}, start: 1}},
		{"rolling with 100/100 cannot move", func() schedService {
			s := svc(2, "d2", "d1")
			s.MaxPercent = 100
			return s
		}(), []schedTask{running("a", "d1", 1), running("b", "d1", 2)}, want{}},
		{"a task on a draining instance is replaced first", svc(1, "d1"),
			[]schedTask{{ID: "a", Deployment: "d1", Seq: 1, Phase: phaseRunning, Running: true, StartedAt: ago(time.Minute), OnDraining: true}},
			want{start: 1}},
		{"then stopped once its replacement runs", svc(1, "d1"),
			[]schedTask{{ID: "a", Deployment: "d1", Seq: 1, Phase: phaseRunning, Running: true, StartedAt: ago(time.Minute), OnDraining: true}, running("b", "d1", 2)},
			want{stop: []string{"a"}}},
		{"a drained deployment is dropped", svc(1, "d2", "d1"),
			[]schedTask{running("c", "d2", 3), {ID: "a", Deployment: "d1", Phase: phaseStopped}}, want{drop: []string{"d1"}, steady: true, completed: true}},
		{"unhealthy after the grace period is replaced", func() schedService {
			s := svc(1, "d1")
			s.Grace = 30 * time.Second
			return s
		}(), []schedTask{{ID: "a", Deployment: "d1", Seq: 1, Phase: phaseRunning, Running: true, Unhealthy: true, StartedAt: ago(time.Minute)}},
			want{stop: []string{"a"}, start: 1}},
		{"unhealthy within the grace period stays", func() schedService {
			s := svc(1, "d1")
			s.Grace = 5 * time.Minute
			return s
		}(), []schedTask{{ID: "a", Deployment: "d1", Seq: 1, Phase: phaseRunning, Running: true, Unhealthy: true, StartedAt: ago(time.Minute)}},
			want{}},
		{"circuit breaker trips at 3 failures", func() schedService {
			s := svc(1, "d2", "d1")
			s.CircuitBreaker = true
			return s
		}(), []schedTask{running("a", "d1", 1), failed("x", "d2", time.Hour), failed("y", "d2", time.Hour), failed("z", "d2", time.Hour)},
			want{failed: true}},
		{"circuit breaker rolls back", func() schedService {
			s := svc(1, "d2", "d1")
			s.CircuitBreaker, s.Rollback, s.CanRollBack = true, true, true
			return s
		}(), []schedTask{failed("x", "d2", time.Hour), failed("y", "d2", time.Hour), failed("z", "d2", time.Hour)},
			want{failed: true, rollback: true}},
		{"without the breaker failures only back off", svc(1, "d2", "d1"),
			[]schedTask{running("a", "d1", 1), failed("x", "d2", time.Hour), failed("y", "d2", time.Hour), failed("z", "d2", time.Hour)},
			want{start: 1}},
		{"a failed deployment starts nothing", func() schedService {
			s := svc(1, "d2", "d1")
			s.Deployments[0].Rollout = "FAILED"
			return s
		}(), []schedTask{running("a", "d1", 1)}, want{}},
		{"draining stops everything", func() schedService {
			s := svc(0, "d1")
			s.Draining = true
			return s
		}(), []schedTask{running("a", "d1", 1), pending("b", "d1", 2)}, want{stop: []string{"a", "b"}}},
		{"draining waits for stopping tasks", func() schedService {
			s := svc(0, "d1")
			s.Draining = true
			return s
		}(), []schedTask{{ID: "a", Deployment: "d1", Phase: phaseStopping}}, want{}},
		{"draining goes inactive once the tasks are STOPPING", func() schedService {
			s := svc(0, "d1")
			s.Draining = true
			return s
		}(), []schedTask{{ID: "a", Deployment: "d1", Phase: phaseStopping, Running: true, WindingDown: true}, {ID: "b", Deployment: "d1", Phase: phaseStopped}}, want{inactive: true}},
		{"drained is inactive", func() schedService {
			s := svc(0, "d1")
			s.Draining = true
			return s
		}(), []schedTask{{ID: "a", Deployment: "d1", Phase: phaseStopped}}, want{inactive: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(tt.svc, tt.tasks, now)
			var stops []string
			for _, s := range d.Stop {
				stops = append(stops, s.ID)
			}
			slices.Sort(stops)
			wantStops := slices.Clone(tt.want.stop)
			slices.Sort(wantStops)
			got := want{start: d.Start, stop: stops, steady: d.Steady, completed: d.Completed, failed: d.Failed,
				rollback: d.RollBack, drop: d.Drop, inactive: d.Inactive, retry: !d.RetryAt.IsZero()}
			tt.want.stop = wantStops
			if got.start != tt.want.start || !slices.Equal(got.stop, tt.want.stop) || got.steady != tt.want.steady ||
				got.completed != tt.want.completed || got.failed != tt.want.failed || got.rollback != tt.want.rollback ||
				!slices.Equal(got.drop, tt.want.drop) || got.inactive != tt.want.inactive || got.retry != tt.want.retry {
				t.Errorf("decide = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

func TestDecide_ScaleInPrefersPendingThenNewest(t *testing.T) {
	now := time.Now()
	s := schedService{Desired: 1, MaxPercent: 200, MinHealthyPercent: 100, Deployments: []schedDeployment{{ID: "d", Rollout: "COMPLETED"}}}
	tasks := []schedTask{
		{ID: "old", Deployment: "d", Seq: 1, Phase: phaseRunning, Running: true, StartedAt: now.Add(-time.Hour)},
		{ID: "new", Deployment: "d", Seq: 3, Phase: phaseRunning, Running: true, StartedAt: now.Add(-time.Minute)},
		{ID: "pend", Deployment: "d", Seq: 2, Phase: phasePending},
	}
	d := decide(s, tasks, now)
	if len(d.Stop) != 2 || d.Stop[0].ID != "pend" || d.Stop[1].ID != "new" {
		t.Errorf("scale in stops %+v; want pend, then new", d.Stop)
	}
}

func TestFailureThresholdAndRetryDelay(t *testing.T) {
	for _, tt := range []struct{ desired, want int32 }{{0, 3}, {1, 3}, {6, 3}, {7, 4}, {10, 5}, {1000, 200}} {
		if got := failureThreshold(tt.desired); got != tt.want {
			t.Errorf("failureThreshold(%d) = %d; want %d", tt.desired, got, tt.want)
		}
	}
	for _, tt := range []struct {
		streak int
		want   time.Duration
	}{{0, 0}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {20, time.Minute}} {
		if got := retryDelay(tt.streak, time.Second, time.Minute); got != tt.want {
			t.Errorf("retryDelay(%d) = %v; want %v", tt.streak, got, tt.want)
		}
	}
}

// TestPickStops: scaling in (and stopping an old deployment's tasks)
// follows the service's placement strategy, as ECS documents it.
func TestPickStops(t *testing.T) {
	zoneSpread := []schedStrategy{{"spread", "attribute:ecs.availability-zone"}, {"spread", "instanceId"}}
	on := func(id string, seq int64, zone, inst string) schedTask {
		return schedTask{ID: id, Seq: seq, Phase: phaseRunning, Running: true, Instance: inst,
			Attributes: map[string]string{"ecs.availability-zone": zone}}
	}
	pendingOn := func(id string, seq int64, zone, inst string) schedTask {
		t := on(id, seq, zone, inst)
		t.Phase, t.Running = phasePending, false
		return t
	}
	mem := func(t schedTask, free, uses int64) schedTask {
		t.FreeMemory, t.Memory = free, uses
		return t
	}
	tests := []struct {
		name     string
		tasks    []schedTask
		n        int
		strategy []schedStrategy
		want     []string
	}{
		{"6 over 3 zones to 3 leaves one a zone",
			[]schedTask{on("a1", 1, "a", "i1"), on("b1", 2, "b", "i2"), on("c1", 3, "c", "i3"), on("a2", 4, "a", "i4"), on("b2", 5, "b", "i5"), on("c2", 6, "c", "i6")},
			3, zoneSpread, []string{"c2", "b2", "a2"}},
		{"the fullest zone goes first, not the newest tasks",
			[]schedTask{on("a1", 1, "a", "i1"), on("a2", 2, "a", "i1"), on("a3", 3, "a", "i2"), on("b1", 4, "b", "i3"), on("c1", 5, "c", "i4")},
			2, zoneSpread, []string{"a2", "a3"}},
		{"within a zone, the instance with the most tasks",
			[]schedTask{on("a1", 1, "a", "i1"), on("a2", 2, "a", "i2"), on("a3", 3, "a", "i2"), on("b1", 4, "b", "i3"), on("b2", 5, "b", "i4")},
			1, zoneSpread, []string{"a3"}},
		{"balance before pending tasks",
			[]schedTask{pendingOn("a1", 9, "a", "i1"), on("b1", 1, "b", "i2"), on("b2", 2, "b", "i3")},
			1, zoneSpread, []string{"b2"}},
		{"pending first within the balance",
			[]schedTask{on("a1", 9, "a", "i1"), pendingOn("a2", 1, "a", "i2"), on("b1", 1, "b", "i3")},
			1, zoneSpread, []string{"a2"}},
		{"binpack stops on the instance with the most left",
			[]schedTask{mem(on("x", 1, "a", "full"), 100, 256), mem(on("y", 2, "a", "roomy"), 2000, 256), mem(on("z", 3, "a", "full"), 100, 256)},
			1, []schedStrategy{{"binpack", "memory"}}, []string{"y"}},
		{"binpack counts what the stops before freed",
			[]schedTask{mem(on("x", 1, "a", "full"), 100, 1024), mem(on("y", 2, "a", "roomy"), 600, 256), mem(on("z", 3, "a", "full"), 100, 1024)},
			2, []schedStrategy{{"binpack", "memory"}}, []string{"z", "x"}},
		{"no strategy: pending, then the newest",
			[]schedTask{on("a1", 1, "a", "i1"), on("a2", 3, "a", "i1"), pendingOn("b1", 2, "b", "i2")},
			2, nil, []string{"b1", "a2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range pickStops(tt.tasks, tt.tasks, tt.n, tt.strategy) {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("pickStops = %v; want %v", got, tt.want)
			}
		})
	}
}

// TestDecide_StopsFollowTheStrategy: decide scales in and rolls with
// pickStops.
func TestDecide_StopsFollowTheStrategy(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	on := func(id, dep string, seq int64, zone string) schedTask {
		return schedTask{ID: id, Deployment: dep, Seq: seq, Phase: phaseRunning, Running: true, StartedAt: now.Add(-time.Hour),
			Instance: "i-" + id, Attributes: map[string]string{"ecs.availability-zone": zone}}
	}
	strategy := []schedStrategy{{"spread", "attribute:ecs.availability-zone"}, {"spread", "instanceId"}}
	s := schedService{Desired: 3, MaxPercent: 200, MinHealthyPercent: 100, Settle: time.Second, Strategy: strategy,
		Deployments: []schedDeployment{{ID: "d1", Rollout: "COMPLETED"}}}
	d := decide(s, []schedTask{on("a1", "d1", 1, "a"), on("a2", "d1", 2, "a"), on("a3", "d1", 3, "a"), on("b1", "d1", 4, "b"), on("c1", "d1", 5, "c")}, now)
	var stops []string
	for _, o := range d.Stop {
		stops = append(stops, o.ID)
	}
	if !slices.Equal(stops, []string{"a3", "a2"}) {
		t.Errorf("scale in 5 -> 3 stops %v; want two of zone a's three (a3, a2)", stops)
	}

	// Rolling with maximumPercent 100 and minimumHealthyPercent 50: two of
	// the four old tasks go first, from the fullest zone, then the newest.
	s = schedService{Desired: 4, MaxPercent: 100, MinHealthyPercent: 50, Settle: time.Second, Strategy: strategy,
		Deployments: []schedDeployment{{ID: "d2", Rollout: "IN_PROGRESS"}, {ID: "d1", Rollout: "COMPLETED"}}}
	d = decide(s, []schedTask{on("o1", "d1", 1, "a"), on("o2", "d1", 2, "a"), on("o3", "d1", 4, "b"), on("o4", "d1", 3, "c")}, now)
	stops = nil
	for _, o := range d.Stop {
		stops = append(stops, o.ID)
	}
	if !slices.Equal(stops, []string{"o2", "o3"}) || d.Start != 2 {
		t.Errorf("rolling stops %v and starts %d; want o2 (zone a has two), then o3 (the newest), and 2 starts", stops, d.Start)
	}
}

// TestDecide_FailedTasksInARow: the circuit breaker counts failed tasks in
// a row; a task that ran healthily resets the count (ECS's failedTasks).
func TestDecide_FailedTasksInARow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	failedAt := func(id string, ago time.Duration) schedTask {
		return schedTask{ID: id, Deployment: "d2", Phase: phaseStopped, Failed: true, StoppedAt: now.Add(-ago)}
	}
	s := schedService{Desired: 2, MaxPercent: 200, MinHealthyPercent: 100, Settle: time.Second, CircuitBreaker: true,
		RetryBase: time.Millisecond, RetryMax: time.Millisecond,
		Deployments: []schedDeployment{{ID: "d2", Rollout: "IN_PROGRESS"}, {ID: "d1", Rollout: "COMPLETED"}}}
	healthy := schedTask{ID: "ok", Deployment: "d2", Seq: 5, Phase: phaseRunning, Running: true, StartedAt: now.Add(-30 * time.Minute)}
	tests := []struct {
		name   string
		tasks  []schedTask
		failed int32
		trips  bool
	}{
		{"three in a row trip", []schedTask{failedAt("x", time.Hour), failedAt("y", 50*time.Minute), failedAt("z", time.Minute)}, 3, true},
		{"a healthy task resets the count", []schedTask{failedAt("x", time.Hour), failedAt("y", 50*time.Minute), healthy, failedAt("z", time.Minute)}, 1, false},
		{"one that ran healthily and then stopped resets it too", []schedTask{failedAt("x", time.Hour), failedAt("y", 50*time.Minute),
			{ID: "was", Deployment: "d2", Phase: phaseStopped, StartedAt: now.Add(-40 * time.Minute), StoppedAt: now.Add(-20 * time.Minute)},
			failedAt("z", time.Minute)}, 1, false},
		{"one that crashed at once does not", []schedTask{failedAt("x", time.Hour), failedAt("y", 50*time.Minute),
			{ID: "z", Deployment: "d2", Phase: phaseStopped, Failed: true, StartedAt: now.Add(-time.Minute), StoppedAt: now.Add(-time.Minute + 100*time.Millisecond)}}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(s, tt.tasks, now)
			if d.Counts["d2"].Failed != tt.failed || d.Failed != tt.trips {
				t.Errorf("failed tasks %d, breaker tripped %v; want %d, %v", d.Counts["d2"].Failed, d.Failed, tt.failed, tt.trips)
			}
		})
	}
}

func TestBreakerThreshold(t *testing.T) {
	for _, tt := range []struct {
		typ            string
		value, desired int32
		want           int32
	}{
		{"", 50, 1, 3}, {"BOUNDED_PERCENT", 50, 25, 13}, {"BOUNDED_PERCENT", 50, 800, 200},
		{"BOUNDED_PERCENT", 20, 100, 20}, {"BOUNDED_PERCENT", 10, 5, 3},
		{"UNBOUNDED_PERCENT", 50, 800, 400}, {"UNBOUNDED_PERCENT", 10, 5, 1}, {"UNBOUNDED_PERCENT", 0, 5, 1},
		{"COUNT", 7, 100, 7}, {"COUNT", 0, 100, 1},
	} {
		if got := breakerThreshold(tt.typ, tt.value, tt.desired); got != tt.want {
			t.Errorf("breakerThreshold(%q, %d, %d) = %d; want %d", tt.typ, tt.value, tt.desired, got, tt.want)
		}
	}
}

// TestDecide_BreakerSettings: thresholdConfiguration sets the threshold;
// resetOnHealthyTask false counts every failed task of the deployment.
func TestDecide_BreakerSettings(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	failedAt := func(id string, ago time.Duration) schedTask {
		return schedTask{ID: id, Deployment: "d2", Phase: phaseStopped, Failed: true, StoppedAt: now.Add(-ago)}
	}
	healthy := schedTask{ID: "ok", Deployment: "d2", Seq: 5, Phase: phaseRunning, Running: true, StartedAt: now.Add(-30 * time.Minute)}
	tasks := []schedTask{failedAt("x", time.Hour), failedAt("y", 50*time.Minute), healthy, failedAt("z", time.Minute)}
	base := schedService{Desired: 2, MaxPercent: 200, MinHealthyPercent: 100, Settle: time.Second, CircuitBreaker: true,
		RetryBase: time.Millisecond, RetryMax: time.Millisecond,
		Deployments: []schedDeployment{{ID: "d2", Rollout: "IN_PROGRESS"}, {ID: "d1", Rollout: "COMPLETED"}}}
	cumulative := base
	cumulative.Cumulative = true
	if d := decide(cumulative, tasks, now); d.Counts["d2"].Failed != 3 || !d.Failed {
		t.Errorf("cumulative: failed %d, tripped %v; want 3, true", d.Counts["d2"].Failed, d.Failed)
	}
	count := base
	count.Threshold = 1
	if d := decide(count, tasks, now); d.Counts["d2"].Failed != 1 || !d.Failed {
		t.Errorf("threshold 1: failed %d, tripped %v; want 1, true", d.Counts["d2"].Failed, d.Failed)
	}
}
