package depgraph

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func code(i int) *int { return &i }

func on(target string, c Condition) []Dependency { return []Dependency{{target, c}} }

var (
	pending = State{}
	running = State{Status: Running, Ran: true, StartedAt: t0}
	healthy = State{Status: Running, Ran: true, StartedAt: t0, Health: HealthHealthy}
	sick    = State{Status: Running, Ran: true, StartedAt: t0, Health: HealthUnhealthy}
	exited0 = State{Status: Stopped, Ran: true, StartedAt: t0, ExitCode: code(0)}
	exited1 = State{Status: Stopped, Ran: true, StartedAt: t0, ExitCode: code(1)}
	// vanished: ran, then stopped with no exit code known.
	vanished = State{Status: Stopped, Ran: true, StartedAt: t0}
	// failed: stopped without ever running (could not be pulled, created,
	// started, or was itself blocked).
	failed = State{Status: Stopped}
)

func TestGraph_PlanOneDependency(t *testing.T) {
	tests := []struct {
		cond        Condition
		dep         State
		timeout     time.Duration
		now         time.Time
		wantStart   bool
		wantBlocked string // substring of the reason; "" = not blocked
		wantRecheck time.Time
	}{
		{Start, pending, 0, t0, false, "", time.Time{}},
		{Start, running, 0, t0, true, "", time.Time{}},
		{Start, exited1, 0, t0, true, "", time.Time{}},
		{Start, failed, 0, t0, false, "stopped without ever running", time.Time{}},
		// START is never bounded by startTimeout.
		{Start, pending, time.Second, t0.Add(time.Hour), false, "", time.Time{}},

		{Complete, pending, 0, t0, false, "", time.Time{}},
		{Complete, running, 0, t0, false, "", time.Time{}},
		{Complete, exited0, 0, t0, true, "", time.Time{}},
		{Complete, exited1, 0, t0, true, "", time.Time{}},
		{Complete, vanished, 0, t0, false, "stopped without an exit code", time.Time{}},
		{Complete, failed, 0, t0, false, "stopped without ever running", time.Time{}},
		{Complete, running, 10 * time.Second, t0.Add(5 * time.Second), false, "", t0.Add(10 * time.Second)},
		{Complete, running, 10 * time.Second, t0.Add(10 * time.Second), false, "startTimeout of 10s", time.Time{}},
		// A stopped dependency cannot time out.
		{Complete, exited1, 10 * time.Second, t0.Add(time.Hour), true, "", time.Time{}},

		{Success, running, 0, t0, false, "", time.Time{}},
		{Success, exited0, 0, t0, true, "", time.Time{}},
		{Success, exited1, 0, t0, false, "exited with code 1, not 0", time.Time{}},
		{Success, vanished, 0, t0, false, "stopped without an exit code", time.Time{}},
		{Success, failed, 0, t0, false, "stopped without ever running", time.Time{}},
		{Success, running, time.Minute, t0.Add(2 * time.Minute), false, "startTimeout of 1m0s", time.Time{}},
		// Not started yet: the timeout has not begun.
		{Success, pending, time.Minute, t0.Add(2 * time.Minute), false, "", time.Time{}},

		{Healthy, running, 0, t0, false, "", time.Time{}},
		{Healthy, sick, 0, t0, false, "", time.Time{}},
		{Healthy, healthy, 0, t0, true, "", time.Time{}},
		{Healthy, exited0, 0, t0, false, "stopped before it was healthy", time.Time{}},
		{Healthy, failed, 0, t0, false, "stopped without ever running", time.Time{}},
		{Healthy, sick, 30 * time.Second, t0.Add(29 * time.Second), false, "", t0.Add(30 * time.Second)},
		{Healthy, sick, 30 * time.Second, t0.Add(31 * time.Second), false, "startTimeout of 30s", time.Time{}},
		{Healthy, healthy, 30 * time.Second, t0.Add(31 * time.Second), true, "", time.Time{}},
	}
	for _, tt := range tests {
		g, err := New([]Container{
			{Name: "dep", StartTimeout: tt.timeout},
			{Name: "app", DependsOn: on("dep", tt.cond)},
		})
		if err != nil {
			t.Fatal(err)
		}
		p := g.Plan(map[string]State{"dep": tt.dep, "app": pending}, tt.now)
		start := slices.Contains(p.Start, "app")
		reason := ""
		for _, b := range p.Blocked {
			if b.Container == "app" {
				reason = b.Reason
			}
		}
		if start != tt.wantStart || (tt.wantBlocked == "") != (reason == "") || !strings.Contains(reason, tt.wantBlocked) || !p.Recheck.Equal(tt.wantRecheck) {
			t.Errorf("%s on dep %+v (timeout %v, now +%v): start %v, blocked %q, recheck %v; want start %v, blocked ~%q, recheck %v",
				tt.cond, tt.dep, tt.timeout, tt.now.Sub(t0), start, reason, p.Recheck, tt.wantStart, tt.wantBlocked, tt.wantRecheck)
		}
		if reason != "" && !strings.HasPrefix(reason, `dependency graph: container "app" cannot start: "dep" (condition `+string(tt.cond)+`)`) {
			t.Errorf("reason %q; want it to name the container, the dependency and the condition", reason)
		}
	}
}

func TestGraph_PlanOrdersAndPropagates(t *testing.T) {
	// init -> (SUCCESS) migrate -> (START) app; sidecar has no dependency;
	// proxy waits for app to be HEALTHY.
	g, err := New([]Container{
		{Name: "init"},
		{Name: "migrate", DependsOn: on("init", Success)},
		{Name: "app", DependsOn: []Dependency{{"migrate", Complete}, {"sidecar", Start}}},
		{Name: "sidecar"},
		{Name: "proxy", DependsOn: on("app", Healthy)},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		states      map[string]State
		wantStart   []string
		wantBlocked []string
	}{
		{"at first only the roots start", map[string]State{}, []string{"init", "sidecar"}, nil},
		{"init still running", map[string]State{"init": running, "sidecar": running}, nil, nil},
		{"init succeeded", map[string]State{"init": exited0, "sidecar": running}, []string{"migrate"}, nil},
		{"migrate done, sidecar not started", map[string]State{"init": exited0, "migrate": exited1}, []string{"sidecar"}, nil},
		{"migrate done", map[string]State{"init": exited0, "migrate": exited1, "sidecar": running}, []string{"app"}, nil},
		{"app healthy", map[string]State{"init": exited0, "migrate": exited0, "sidecar": running, "app": healthy}, []string{"proxy"}, nil},
		// init failing dooms migrate, then app (COMPLETE on a container that
		// never ran), then proxy, in one plan.
		{"init failed", map[string]State{"init": exited1, "sidecar": running}, nil, []string{"migrate", "app", "proxy"}},
		{"sidecar could not start", map[string]State{"init": exited0, "migrate": exited0, "sidecar": failed}, nil, []string{"app", "proxy"}},
	}
	for _, tt := range tests {
		p := g.Plan(tt.states, t0)
		var blocked []string
		for _, b := range p.Blocked {
			blocked = append(blocked, b.Container)
		}
		if !slices.Equal(p.Start, tt.wantStart) || !slices.Equal(blocked, tt.wantBlocked) {
			t.Errorf("%s: Plan = start %q, blocked %q; want start %q, blocked %q", tt.name, p.Start, blocked, tt.wantStart, tt.wantBlocked)
		}
	}
}

func TestGraph_StopBlockers(t *testing.T) {
	g, err := New([]Container{
		{Name: "envoy"},
		{Name: "app", DependsOn: on("envoy", Healthy)},
		{Name: "worker", DependsOn: on("envoy", Start)},
		{Name: "log", DependsOn: nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		target string
		states map[string]State
		want   []string
	}{
		{"dependents running", "envoy", map[string]State{"envoy": running, "app": running, "worker": running}, []string{"app", "worker"}},
		{"one dependent stopped", "envoy", map[string]State{"envoy": running, "app": exited0, "worker": running}, []string{"worker"}},
		{"all dependents stopped", "envoy", map[string]State{"envoy": running, "app": exited0, "worker": failed}, nil},
		{"no dependents", "app", map[string]State{"envoy": running, "app": running}, nil},
		{"unrelated", "log", map[string]State{"envoy": running, "log": running}, nil},
		{"unknown container", "nope", nil, nil},
	}
	for _, tt := range tests {
		if got := g.StopBlockers(tt.target, tt.states); !slices.Equal(got, tt.want) {
			t.Errorf("%s: StopBlockers(%q) = %q; want %q", tt.name, tt.target, got, tt.want)
		}
	}
}

func TestNew_RejectsBadGraphs(t *testing.T) {
	tests := []struct {
		name    string
		cs      []Container
		want    error
		wantMsg string
	}{
		{"unknown", []Container{{Name: "a", DependsOn: on("b", Start)}}, ErrUnknownContainer, `"b"`},
		{"self", []Container{{Name: "a", DependsOn: on("a", Start)}}, ErrInvalid, "itself"},
		{"bad condition", []Container{{Name: "a"}, {Name: "b", DependsOn: on("a", "READY")}}, ErrInvalid, "READY"},
		{"duplicate", []Container{{Name: "a"}, {Name: "a"}}, ErrInvalid, "twice"},
		{"cycle", []Container{
			{Name: "a", DependsOn: on("b", Start)},
			{Name: "b", DependsOn: on("c", Complete)},
			{Name: "c", DependsOn: on("a", Start)},
		}, ErrCycle, "a -> b -> c -> a"},
	}
	for _, tt := range tests {
		_, err := New(tt.cs)
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: New = %v; want %v mentioning %q", tt.name, err, tt.want, tt.wantMsg)
		}
	}
	if _, err := New([]Container{{Name: "a"}, {Name: "b", DependsOn: []Dependency{{"a", Start}, {"a", Healthy}}}}); err != nil {
		t.Errorf("New with two conditions on one container: %v", err)
	}
}

func TestCondition_Valid(t *testing.T) {
	for _, c := range []Condition{Start, Complete, Success, Healthy} {
		if !c.Valid() {
			t.Errorf("%s.Valid() = false", c)
		}
	}
	if Condition("start").Valid() {
		t.Error(`Condition("start").Valid() = true; conditions are upper case`)
	}
}

func TestCycle(t *testing.T) {
	type edges map[string][]string
	tests := []struct {
		name  string
		names []string
		deps  edges
		want  []string
	}{
		{"no nodes", nil, edges{}, nil},
		{"no edges", []string{"a", "b"}, edges{}, nil},
		{"chain", []string{"a", "b", "c"}, edges{"a": {"b"}, "b": {"c"}}, nil},
		{"diamond", []string{"a", "b", "c", "d"}, edges{"a": {"b", "c"}, "b": {"d"}, "c": {"d"}}, nil},
		{"self loop", []string{"a"}, edges{"a": {"a"}}, []string{"a", "a"}},
		{"two nodes", []string{"a", "b"}, edges{"a": {"b"}, "b": {"a"}}, []string{"a", "b", "a"}},
		{"three nodes from the first", []string{"a", "b", "c"}, edges{"a": {"b"}, "b": {"c"}, "c": {"a"}}, []string{"a", "b", "c", "a"}},
		{"cycle after a tail", []string{"a", "b", "c"}, edges{"a": {"b"}, "b": {"c"}, "c": {"b"}}, []string{"b", "c", "b"}},
		{"cycle among later nodes", []string{"a", "b", "c"}, edges{"b": {"c"}, "c": {"b"}}, []string{"b", "c", "b"}},
		{"start order decides", []string{"c", "b", "a"}, edges{"a": {"b"}, "b": {"c"}, "c": {"a"}}, []string{"c", "a", "b", "c"}},
		{"edge order decides", []string{"a", "b", "c"}, edges{"a": {"c", "b"}, "b": {"a"}, "c": {"a"}}, []string{"a", "c", "a"}},
		{"visited branch is not a cycle", []string{"a", "b", "c"}, edges{"a": {"c"}, "b": {"c"}}, nil},
		{"node outside names", []string{"a"}, edges{"a": {"x"}, "x": {"a"}}, []string{"a", "x", "a"}},
	}
	for _, tt := range tests {
		got := Cycle(tt.names, func(n string) []string { return tt.deps[n] })
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: Cycle = %q; want %q", tt.name, got, tt.want)
		}
	}
}
