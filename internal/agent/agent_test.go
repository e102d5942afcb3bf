package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// recorder keeps every report, as the control plane would.
type recorder struct {
	mu      sync.Mutex
	reports []Report
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) Report(ctx context.Context, steps ...Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, steps...)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) Sync(context.Context, string) {}

func (r *recorder) last() (Report, chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reports) == 0 {
		return Report{}, r.changed
	}
	return r.reports[len(r.reports)-1], r.changed
}

// memLogs is a LogSink in memory.
type memLogs struct {
	mu     sync.Mutex
	events map[string][]LogEvent
	marks  map[string]string
}

func (m *memLogs) Mark(ctx context.Context, group, stream string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.marks[group+"|"+stream], nil
}

func (m *memLogs) Append(ctx context.Context, group, stream string, evs []LogEvent, mark string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events == nil {
		m.events = map[string][]LogEvent{}
		m.marks = map[string]string{}
	}
	m.marks[group+"|"+stream] = mark
	for _, e := range evs {
		if e.Message != "" { // dropped, as the log store does
			m.events[group+"|"+stream] = append(m.events[group+"|"+stream], e)
		}
	}
	return nil
}

func (m *memLogs) LastEventTime(ctx context.Context, group, stream string) (time.Time, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	evs := m.events[group+"|"+stream]
	if len(evs) == 0 {
		return time.Time{}, 0, nil
	}
	last := evs[len(evs)-1].Time.Truncate(time.Millisecond)
	n := 0
	for _, e := range evs {
		if e.Time.Truncate(time.Millisecond).Equal(last) {
			n++
		}
	}
	return last, n, nil
}

type agentHarness struct {
	t   *testing.T
	rt  *fake.Runtime
	rec *recorder
	ag  *Agent
}

func newAgentHarness(t *testing.T) *agentHarness {
	h := &agentHarness{t: t, rt: fake.New(), rec: newRecorder()}
	h.ag = New(Options{Runtime: h.rt, Logs: &memLogs{}, Reporter: h.rec, Region: "us-east-1", Engine: "test", HealthPoll: 10 * time.Millisecond})
	t.Cleanup(h.ag.Close)
	return h
}

func (h *agentHarness) launch(def *ecsmodel.TaskDefinition) {
	h.t.Helper()
	spec := TaskSpec{ID: "task1", ARN: "arn:aws:ecs:us-east-1:000000000000:task/default/task1", Cluster: "default", Definition: def}
	if err := h.ag.Check(&spec); err != nil {
		h.t.Fatal(err)
	}
	h.ag.Launch(spec)
}

// waitFor waits until the latest report satisfies cond.
func (h *agentHarness) waitFor(what string, cond func(Report) bool) Report {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		rep, changed := h.rec.last()
		if rep.TaskID != "" && cond(rep) {
			return rep
		}
		select {
		case <-changed:
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s; last report %+v", what, rep.State)
		}
	}
}

func ctr(rep Report, name string) taskstate.Container {
	for _, c := range rep.State.Containers {
		if c.Name == name {
			return c
		}
	}
	return taskstate.Container{}
}

func stopped(rep Report) bool { return rep.State.Status == taskstate.Stopped }

func running(name string) func(Report) bool {
	return func(r Report) bool { return ctr(r, name).Status == taskstate.ContainerRunning }
}

func def(cs ...ecsmodel.ContainerDefinition) *ecsmodel.TaskDefinition {
	return &ecsmodel.TaskDefinition{Family: "fam", Revision: 1, ContainerDefinitions: cs}
}

func cdef(name, image string, essential bool, deps ...ecsmodel.ContainerDependency) ecsmodel.ContainerDefinition {
	return ecsmodel.ContainerDefinition{Name: name, Image: image, Essential: &essential, DependsOn: deps}
}

func dep(name string, c ecsmodel.ContainerCondition) ecsmodel.ContainerDependency {
	return ecsmodel.ContainerDependency{ContainerName: name, Condition: c}
}

func (h *agentHarness) state(rep Report, name string) runtime.State {
	h.t.Helper()
	st, err := h.rt.Inspect(context.Background(), rep.Containers[name].RuntimeID)
	if err != nil {
		h.t.Fatalf("Inspect %s: %v", name, err)
	}
	return st
}

func TestAgent_SuccessDependencyStartsAfterExit(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("init", fake.Exits(0, "seeded").After(100*time.Millisecond))
	h.rt.OnImage("app", fake.Exits(0))
	h.launch(def(cdef("init", "init", false), cdef("app", "app", true, dep("init", ecsmodel.ContainerConditionSUCCESS))))
	rep := h.waitFor("STOPPED", stopped)
	initSt, appSt := h.state(rep, "init"), h.state(rep, "app")
	if appSt.StartedAt.Before(initSt.FinishedAt) {
		t.Errorf("app started at %v, before init finished at %v", appSt.StartedAt, initSt.FinishedAt)
	}
	if c := ctr(rep, "app"); c.ExitCode == nil || *c.ExitCode != 0 || c.Reason != "" {
		t.Errorf("app = %+v; want exit 0", c)
	}
	if rep.State.StopCode != taskstate.StopEssentialContainerExited {
		t.Errorf("stopCode = %s; want EssentialContainerExited", rep.State.StopCode)
	}
}

func TestAgent_FailedDependencyStopsWaitingContainerWith143(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("init", fake.Exits(3))
	h.launch(def(cdef("init", "init", false), cdef("app", "app", true, dep("init", ecsmodel.ContainerConditionSUCCESS))))
	rep := h.waitFor("STOPPED", stopped)
	app := ctr(rep, "app")
	if app.ExitCode == nil || *app.ExitCode != 143 || !strings.HasPrefix(app.Reason, `CannotStartContainerError: dependency graph: container "app" cannot start: "init" (condition SUCCESS) exited with code 3`) {
		t.Errorf("app = exit %v reason %q; want 143 and the dependency graph's reason", app.ExitCode, app.Reason)
	}
	if rep.Containers["app"].RuntimeID != "" {
		t.Errorf("app was created (%s); want it never created", rep.Containers["app"].RuntimeID)
	}
	if rep.State.StopCode != taskstate.StopEssentialContainerExited {
		t.Errorf("stopCode = %s; want EssentialContainerExited", rep.State.StopCode)
	}
}

func TestAgent_HealthyDependencyAndHealthStatus(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("app", fake.Exits(0).After(50*time.Millisecond))
	db := cdef("db", "db", true)
	db.HealthCheck = &ecsmodel.HealthCheck{Command: []string{"CMD", "check"}}
	h.launch(def(db, cdef("app", "app", false, dep("db", ecsmodel.ContainerConditionHEALTHY))))
	rep := h.waitFor("db running", running("db"))
	if ctr(rep, "app").Status != taskstate.ContainerPending || rep.State.Health() != taskstate.HealthUnknown {
		t.Fatalf("app %s, task health %s; want app pending while db's health is unknown", ctr(rep, "app").Status, rep.State.Health())
	}
	if err := h.rt.SetHealth(rep.Containers["db"].RuntimeID, runtime.HealthHealthy); err != nil {
		t.Fatal(err)
	}
	rep = h.waitFor("app exited", func(r Report) bool { return ctr(r, "app").Status == taskstate.ContainerStopped })
	if ctr(rep, "db").Health != taskstate.HealthHealthy || rep.State.Health() != taskstate.HealthHealthy {
		t.Errorf("db health %s, task health %s; want HEALTHY", ctr(rep, "db").Health, rep.State.Health())
	}
	// An unhealthy container does not stop a standalone task.
	h.rt.SetHealth(rep.Containers["db"].RuntimeID, runtime.HealthUnhealthy)
	rep = h.waitFor("db unhealthy", func(r Report) bool { return ctr(r, "db").Health == taskstate.HealthUnhealthy })
	if rep.State.Health() != taskstate.HealthUnhealthy || rep.State.Desired != taskstate.Running || rep.State.Status != taskstate.Running {
		t.Errorf("task %s/%s health %s; want RUNNING and UNHEALTHY", rep.State.Status, rep.State.Desired, rep.State.Health())
	}
}

func TestAgent_StartTimeoutBlocksTheWaitingContainer(t *testing.T) {
	h := newAgentHarness(t)
	db := cdef("db", "db", false)
	db.HealthCheck = &ecsmodel.HealthCheck{Command: []string{"CMD", "check"}}
	db.StartTimeout = i32(1)
	h.launch(def(db, cdef("app", "app", true, dep("db", ecsmodel.ContainerConditionHEALTHY))))
	start := time.Now()
	rep := h.waitFor("STOPPED", stopped)
	app := ctr(rep, "app")
	if app.ExitCode == nil || *app.ExitCode != 143 || !strings.Contains(app.Reason, "startTimeout of 1s") {
		t.Errorf("app = exit %v reason %q; want 143, timed out", app.ExitCode, app.Reason)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("gave up after %v; want the 1 s startTimeout first", d)
	}
	if c := ctr(rep, "db"); c.ExitCode == nil || *c.ExitCode != 143 {
		t.Errorf("db = %+v; want stopped (143) with the task", c)
	}
}

func TestAgent_StopsInReverseDependencyOrder(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("app", fake.RunsUntilStopped().StopsWith(0, 150*time.Millisecond))
	h.launch(def(cdef("envoy", "envoy", true), cdef("app", "app", true, dep("envoy", ecsmodel.ContainerConditionSTART))))
	h.waitFor("RUNNING", func(r Report) bool { return r.State.Status == taskstate.Running })
	if !h.ag.Stop("task1", taskstate.StopUserInitiated, "bye") {
		t.Fatal("Stop: the agent does not run task1")
	}
	rep := h.waitFor("STOPPED", stopped)
	envoy, app := h.state(rep, "envoy"), h.state(rep, "app")
	if envoy.FinishedAt.Before(app.FinishedAt) {
		t.Errorf("envoy stopped at %v, before app (which depends on it) at %v", envoy.FinishedAt, app.FinishedAt)
	}
	if rep.State.StopCode != taskstate.StopUserInitiated || rep.State.StoppedReason != "bye" {
		t.Errorf("stop = %s %q; want UserInitiated bye", rep.State.StopCode, rep.State.StoppedReason)
	}
}

func TestAgent_TaskVolumesAndPause(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("app", fake.Exits(0))
	d := def(cdef("app", "app", true))
	d.NetworkMode = ecsmodel.NetworkModeAwsvpc
	d.Volumes = []ecsmodel.Volume{{Name: "scratch", Host: &ecsmodel.HostVolumeProperties{}}}
	d.ContainerDefinitions[0].MountPoints = []ecsmodel.MountPoint{{SourceVolume: "scratch", ContainerPath: "/s"}}
	h.launch(d)
	rep := h.waitFor("STOPPED", stopped)
	res := rep.Resources
	if res.PauseID == "" || res.PrivateIPv4 != "10.0.0.2" || res.Volumes["scratch"] != VolumeName(d, "scratch", "task1") {
		t.Fatalf("resources = %+v; want a pause container, its address and the task volume", res)
	}
	spec, err := h.rt.Spec(rep.Containers["app"].RuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	if spec.NetworkMode != "container:"+res.PauseID || len(spec.Mounts) != 1 || spec.Mounts[0].Source != res.Volumes["scratch"] {
		t.Errorf("app spec: network %q mounts %+v; want the pause's network and the task volume", spec.NetworkMode, spec.Mounts)
	}
	if _, err := h.rt.Inspect(context.Background(), res.PauseID); err == nil {
		t.Errorf("the pause container outlived its task")
	}
	vols, _ := h.rt.ListVolumes(context.Background(), map[string]string{LabelTaskARN: "arn:aws:ecs:us-east-1:000000000000:task/default/task1"})
	if len(vols) != 1 {
		t.Fatalf("task volumes = %+v; want one until the containers are removed", vols)
	}
	if _, err := h.ag.RemoveExpired(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if vols, _ := h.rt.ListVolumes(context.Background(), map[string]string{LabelTaskARN: ""}); len(vols) != 0 {
		t.Errorf("task volumes after RemoveExpired = %+v; want none", vols)
	}
}

func TestAgent_SharedVolumeWithoutAutoprovisionMustExist(t *testing.T) {
	h := newAgentHarness(t)
	d := def(cdef("app", "app", true))
	d.Volumes = []ecsmodel.Volume{{Name: "cache", DockerVolumeConfiguration: &ecsmodel.DockerVolumeConfiguration{Scope: ecsmodel.ScopeShared}}}
	h.launch(d)
	rep := h.waitFor("STOPPED", stopped)
	if rep.State.StopCode != taskstate.StopTaskFailedToStart || !strings.HasPrefix(rep.State.StoppedReason, `ResourceInitializationError: shared volume "cache" does not exist`) {
		t.Errorf("stop = %s %q; want TaskFailedToStart with ResourceInitializationError", rep.State.StopCode, rep.State.StoppedReason)
	}
}

func TestAgent_AdoptsAContainerCreatedButNotRecorded(t *testing.T) {
	h := newAgentHarness(t)
	d := def(cdef("app", "app", true))
	spec := TaskSpec{ID: "task1", ARN: "arn:task1", Definition: d}
	// The engine died after Create, before it saved the id.
	name := RuntimeName(d, "app", "task1")
	id, err := h.rt.Create(context.Background(), runtime.ContainerSpec{Name: name, Image: "app"})
	if err != nil {
		t.Fatal(err)
	}
	h.rt.Start(context.Background(), id)
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}}, time.Now())
	st.Provisioned = true
	spec.State = &st
	spec.Containers = map[string]ContainerInfo{}
	spec.PullStartedAt, spec.PullStoppedAt = time.Now(), time.Now()
	h.ag.Adopt(spec)
	rep := h.waitFor("app running", running("app"))
	if rep.Containers["app"].RuntimeID != id {
		t.Fatalf("adopted id %q; want the existing container %q", rep.Containers["app"].RuntimeID, id)
	}
	h.rt.Exit(id, runtime.ExitStatus{ExitCode: 9})
	rep = h.waitFor("STOPPED", stopped)
	if c := ctr(rep, "app"); c.ExitCode == nil || *c.ExitCode != 9 {
		t.Errorf("app = %+v; want its real exit code 9", c)
	}
	if rep.PullStartedAt.IsZero() {
		t.Errorf("pullStartedAt lost on adoption")
	}
}

// brokenLogs is a fake runtime whose container output is script, and whose
// first Logs call breaks off after breakAfter lines as if the engine had
// gone away.
type brokenLogs struct {
	*fake.Runtime
	script     []runtime.LogLine
	breakAfter int

	mu    sync.Mutex
	calls int
}

func (b *brokenLogs) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine)) error {
	b.mu.Lock()
	first := b.calls == 0
	b.calls++
	b.mu.Unlock()
	for i, l := range b.script {
		if first && i == b.breakAfter {
			return fmt.Errorf("logs %s: %w", id, runtime.ErrUnavailable)
		}
		if !l.Time.Before(opts.Since) {
			fn(l)
		}
	}
	return nil
}

func TestAgent_ResumedOutputKeepsEveryLineOnce(t *testing.T) {
	t0 := time.Now().Truncate(time.Second)
	u := runtime.PositionGrain
	at := func(s runtime.Stream, d time.Duration, text string) runtime.LogLine {
		return runtime.LogLine{Stream: s, Time: t0.Add(d), Text: text}
	}
	// Stdout and stderr recorded out of time order, a line repeated, empty
	// lines (never stored).
	script := []runtime.LogLine{
		at(runtime.Stdout, 2*u, "a"), at(runtime.Stderr, 1*u, "e1"), at(runtime.Stdout, 2*u, ""),
		at(runtime.Stdout, 2*u, "a"), at(runtime.Stdout, 4*u, "b"), at(runtime.Stderr, 3*u, "e2"),
		at(runtime.Stderr, 3*u, "e2"), at(runtime.Stdout, 5*u, "c"), at(runtime.Stderr, 9*u, ""),
		at(runtime.Stdout, 9*u+1, "last"),
	}
	var want []string
	for _, l := range script {
		if l.Text != "" {
			want = append(want, l.Text)
		}
	}
	for brk := range len(script) + 1 {
		rt := &brokenLogs{Runtime: fake.New(), script: script, breakAfter: brk}
		rt.OnImage("app", fake.Exits(0))
		rec := newRecorder()
		logs := &memLogs{}
		ag := New(Options{Runtime: rt, Logs: logs, Reporter: rec, Region: "us-east-1", Engine: "test", HealthPoll: 10 * time.Millisecond})
		h := &agentHarness{t: t, rt: rt.Runtime, rec: rec, ag: ag}
		h.launch(def(cdef("app", "app", true)))
		rep := h.waitFor("STOPPED", stopped)
		ag.Close()
		// Each line once; the order may differ from the script's (lines
		// are stored in time order, see interleave), but not within a
		// stream (the texts tell the streams apart).
		var got []string
		ci := rep.Containers["app"]
		for _, e := range logs.events[ci.LogGroup+"|"+ci.LogStream] {
			got = append(got, e.Message)
		}
		isErr := func(s string) bool { return strings.HasPrefix(s, "e") }
		for _, f := range []func(string) bool{isErr, func(s string) bool { return !isErr(s) }} {
			if g, w := slices.DeleteFunc(slices.Clone(got), f), slices.DeleteFunc(slices.Clone(want), f); !slices.Equal(g, w) {
				t.Errorf("output broken off after %d lines: stored %q; want %q, each stream in order", brk, got, want)
			}
		}
	}
}

func TestAgent_AdoptionResumesOutputWithoutLossOrRepeat(t *testing.T) {
	h := newAgentHarness(t)
	d := def(cdef("app", "app", true))
	// Four lines (and an empty one, never stored) printed in the same
	// instant; an engine that stored no marks (an older version) stored two
	// of them before it died, and the container exited meanwhile.
	h.rt.OnImage("app", fake.Exits(3, "one", "", "two", "three", "four"))
	name := RuntimeName(d, "app", "task1")
	id, err := h.rt.Create(context.Background(), runtime.ContainerSpec{Name: name, Image: "app"})
	if err != nil {
		t.Fatal(err)
	}
	h.rt.Start(context.Background(), id)
	var stored []runtime.LogLine
	h.rt.Logs(context.Background(), id, runtime.LogOptions{}, func(l runtime.LogLine) { stored = append(stored, l) })
	logs := h.ag.opts.Logs.(*memLogs)
	logs.Append(context.Background(), "g", "s", []LogEvent{{Time: stored[0].Time, Message: "one"}, {Time: stored[2].Time, Message: "two"}}, "")

	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}}, time.Now())
	st.Provisioned = true
	st = st.ContainerStarted("app")
	h.ag.Adopt(TaskSpec{ID: "task1", ARN: "arn:task1", Definition: d, State: &st, PullStoppedAt: time.Now(),
		Containers: map[string]ContainerInfo{"app": {RuntimeName: name, RuntimeID: id, LogGroup: "g", LogStream: "s"}}})
	rep := h.waitFor("STOPPED", stopped)
	if c := ctr(rep, "app"); c.ExitCode == nil || *c.ExitCode != 3 {
		t.Errorf("app = %+v; want exit 3", c)
	}
	var got []string
	for _, e := range logs.events["g|s"] {
		got = append(got, e.Message)
	}
	if strings.Join(got, ",") != "one,two,three,four" {
		t.Errorf("stored output = %q; want each line once, in order", got)
	}
}

func TestAgent_RemoveExpiredKeepsTheContainersOfRunningTasks(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("init", fake.Exits(0))
	h.rt.OnImage("app", fake.RunsUntilStopped())
	h.launch(def(cdef("init", "init", false), cdef("app", "app", true)))
	rep := h.waitFor("init stopped while app runs", func(r Report) bool {
		return ctr(r, "init").Status == taskstate.ContainerStopped && ctr(r, "app").Status == taskstate.ContainerRunning
	})
	if _, err := h.ag.RemoveExpired(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	// ECS removes a task's containers once the task has stopped, never
	// those of a running task.
	if _, err := h.rt.Inspect(context.Background(), rep.Containers["init"].RuntimeID); err != nil {
		t.Errorf("init of the running task was removed: %v", err)
	}
	h.ag.Stop("task1", taskstate.StopUserInitiated, "done")
	h.waitFor("STOPPED", stopped)
	if n, err := h.ag.RemoveExpired(context.Background(), 0); err != nil || n != 2 {
		t.Errorf("RemoveExpired after the task stopped = %d, %v; want both containers removed", n, err)
	}
}

// flakyStop is the fake runtime whose first stops fail as if the runtime
// could not be reached.
type flakyStop struct {
	*fake.Runtime
	mu    sync.Mutex
	fails int
}

func (f *flakyStop) Stop(ctx context.Context, id string, timeout time.Duration) error {
	f.mu.Lock()
	fail := f.fails > 0
	f.fails--
	f.mu.Unlock()
	if fail {
		return fmt.Errorf("flaky: stop %s: %w", id, runtime.ErrUnavailable)
	}
	return f.Runtime.Stop(ctx, id, timeout)
}

func TestAgent_StopIsRetriedWhileTheRuntimeIsUnreachable(t *testing.T) {
	h := newAgentHarness(t)
	rt := &flakyStop{Runtime: h.rt, fails: 2}
	h.ag = New(Options{Runtime: rt, Logs: &memLogs{}, Reporter: h.rec, Region: "us-east-1", Engine: "test"})
	t.Cleanup(h.ag.Close)
	h.rt.OnImage("app", fake.RunsUntilStopped().StopsWith(0, 0))
	h.launch(def(cdef("app", "app", true)))
	h.waitFor("app running", running("app"))
	h.ag.Stop("task1", taskstate.StopUserInitiated, "done")
	rep := h.waitFor("STOPPED", stopped)
	if c := ctr(rep, "app"); c.ExitCode == nil || *c.ExitCode != 0 {
		t.Errorf("app = %+v; want it stopped by its stop signal (exit 0) once the runtime answered", c)
	}
}

func TestAgent_StopWhileAContainerWaitsForItsDependency(t *testing.T) {
	h := newAgentHarness(t)
	db := cdef("db", "db", true)
	db.HealthCheck = &ecsmodel.HealthCheck{Command: []string{"CMD", "check"}}
	h.rt.OnImage("db", fake.RunsUntilStopped().StopsWith(0, 0))
	h.launch(def(db, cdef("app", "app", true, dep("db", ecsmodel.ContainerConditionHEALTHY))))
	h.waitFor("db running, app waiting", func(r Report) bool {
		return ctr(r, "db").Status == taskstate.ContainerRunning && ctr(r, "app").Status == taskstate.ContainerPending
	})
	h.ag.Stop("task1", taskstate.StopUserInitiated, "not needed")
	rep := h.waitFor("STOPPED", stopped)
	if app := ctr(rep, "app"); app.ExitCode != nil || app.Reason != "" || rep.Containers["app"].RuntimeID != "" {
		t.Errorf("app = %+v, runtime id %q; want it stopped without ever being created", app, rep.Containers["app"].RuntimeID)
	}
	if c := ctr(rep, "db"); c.ExitCode == nil || *c.ExitCode != 0 {
		t.Errorf("db = %+v; want stopped by its stop signal", c)
	}
	if rep.State.StopCode != taskstate.StopUserInitiated || rep.State.StoppedReason != "not needed" || !rep.State.StartedAt.IsZero() {
		t.Errorf("task stop %s %q startedAt %v; want UserInitiated, the reason, never RUNNING", rep.State.StopCode, rep.State.StoppedReason, rep.State.StartedAt)
	}
}

// blockingLogs is a LogSink whose first Append waits for release.
type blockingLogs struct {
	memLogs
	once     sync.Once
	entered  chan struct{}
	release  chan struct{}
	returned atomic.Bool
}

func (b *blockingLogs) Append(ctx context.Context, group, stream string, evs []LogEvent, mark string) error {
	first := false
	b.once.Do(func() { first = true })
	if first {
		close(b.entered)
		<-b.release
		defer b.returned.Store(true)
	}
	return b.memLogs.Append(ctx, group, stream, evs, mark)
}

// TestAgent_CloseWaitsForTheLastLogWrite: Close returns only once the
// output's store write under way has returned (the engine closes the
// database right after: a write still going on then outlived it, and left
// files in a removed state directory).
func TestAgent_CloseWaitsForTheLastLogWrite(t *testing.T) {
	logs := &blockingLogs{entered: make(chan struct{}), release: make(chan struct{})}
	rt := fake.New()
	rt.OnImage("app", fake.RunsUntilStopped("serving"))
	ag := New(Options{Runtime: rt, Logs: logs, Reporter: newRecorder(), Region: "us-east-1", Engine: "test", HealthPoll: 10 * time.Millisecond})
	ag.Launch(TaskSpec{ID: "task1", ARN: "arn:aws:ecs:us-east-1:000000000000:task/default/task1", Cluster: "default",
		Definition: def(cdef("app", "app", true))})
	select {
	case <-logs.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the container's output was never stored")
	}
	closed := make(chan struct{})
	go func() { ag.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a store write was under way")
	case <-time.After(300 * time.Millisecond): // Close must still be waiting
	}
	close(logs.release)
	<-closed
	if !logs.returned.Load() {
		t.Error("Close returned before the store write did")
	}
}
