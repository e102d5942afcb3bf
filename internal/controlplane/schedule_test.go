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
		{"rolling with maximumPercent 100 stops first", func() schedService {
			s := svc(2, "d2", "d1")
			s.MaxPercent, s.MinHealthyPercent = 100, 50
			return s
		}(), []schedTask{running("a", "d1", 1), running("b", "d1", 2)}, want{stop: []string{"a"}, start: 1}},
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
