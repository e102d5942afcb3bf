package agent

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// adoptPending re-adopts task1 of d as an engine killed while its
// containers were still PENDING (pulled, none recorded as created) left it.
func (h *agentHarness) adoptPending(d *ecsmodel.TaskDefinition) {
	var cs []taskstate.Container
	for _, cd := range d.ContainerDefinitions {
		cs = append(cs, taskstate.Container{Name: cd.Name, Essential: true})
	}
	st := taskstate.New(cs, time.Now())
	st.Provisioned = true
	h.ag.Adopt(TaskSpec{ID: "task1", ARN: "arn:task1", Definition: d, State: &st, Containers: map[string]ContainerInfo{},
		PullStartedAt: time.Now(), PullStoppedAt: time.Now()})
}

// reserveUntilMissed reserves the runtime name of task1's container app
// as the create of a killed engine still under way in the daemon would,
// and waits until the adopting agent's Create was refused and an Inspect
// then missed it.
func (h *agentHarness) reserveUntilMissed(d *ecsmodel.TaskDefinition) *fake.Reservation {
	h.t.Helper()
	v, err := h.rt.Reserve(runtime.ContainerSpec{Name: RuntimeName(d, "app", "task1"), Image: "app"})
	if err != nil {
		h.t.Fatal(err)
	}
	h.adoptPending(d)
	h.awaitMissed(v)
	return v
}

// awaitMissed waits until the agent's Create of v's name was refused and
// an Inspect then missed it; it fails the test if the task stops first.
func (h *agentHarness) awaitMissed(v *fake.Reservation) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		rep, changed := h.rec.last()
		if stopped(rep) {
			h.t.Fatalf("task stopped before the reserved name was missed: %s %q", rep.State.StopCode, rep.State.StoppedReason)
		}
		select {
		case <-v.Missed():
			return
		case <-changed:
		case <-deadline:
			h.t.Fatal("timed out waiting for the agent to miss the reserved name")
		}
	}
}

func (h *agentHarness) output(rep Report, name string) []string {
	ci := rep.Containers[name]
	logs := h.ag.opts.Logs.(*memLogs)
	logs.mu.Lock()
	defer logs.mu.Unlock()
	var out []string
	for _, e := range logs.events[ci.LogGroup+"|"+ci.LogStream] {
		out = append(out, e.Message)
	}
	return out
}

func runningOrStopped(name string) func(Report) bool {
	return func(r Report) bool { return running(name)(r) || stopped(r) }
}

func TestAgent_AdoptionWaitsForACreateStillUnderWay(t *testing.T) {
	h := newAgentHarness(t)
	d := def(cdef("app", "app", true))
	v := h.reserveUntilMissed(d)
	id, err := v.Create()
	if err != nil {
		t.Fatal(err)
	}
	rep := h.waitFor("app running", runningOrStopped("app"))
	if c := ctr(rep, "app"); c.Status != taskstate.ContainerRunning || rep.Containers["app"].RuntimeID != id {
		t.Fatalf("app = %s %q (task %s %q); want RUNNING in the container %s the killed engine created",
			c.Status, rep.Containers["app"].RuntimeID, rep.State.StopCode, rep.State.StoppedReason, id)
	}
	if got, want := h.rt.Started(), []string{RuntimeName(d, "app", "task1")}; !slices.Equal(got, want) {
		t.Errorf("started %q; want %q", got, want)
	}
}

func TestAgent_AdoptionFollowsAContainerTheKilledEngineStarted(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("app", fake.RunsUntilStopped("hello", "world"))
	d := def(cdef("app", "app", true))
	v := h.reserveUntilMissed(d)
	id, err := v.Run()
	if err != nil {
		t.Fatal(err)
	}
	rep := h.waitFor("app running", runningOrStopped("app"))
	if c := ctr(rep, "app"); c.Status != taskstate.ContainerRunning || rep.Containers["app"].RuntimeID != id {
		t.Fatalf("app = %s %q (task %s %q); want RUNNING in the container %s the killed engine started",
			c.Status, rep.Containers["app"].RuntimeID, rep.State.StopCode, rep.State.StoppedReason, id)
	}
	if rep.Containers["app"].StartedAt.IsZero() {
		t.Errorf("app has no startedAt")
	}
	if _, err := h.rt.Exit(id, runtime.ExitStatus{ExitCode: 7}); err != nil {
		t.Fatal(err)
	}
	rep = h.waitFor("STOPPED", stopped)
	if c := ctr(rep, "app"); c.ExitCode == nil || *c.ExitCode != 7 {
		t.Errorf("app = %+v; want its exit code 7", c)
	}
	if got, want := h.output(rep, "app"), []string{"hello", "world"}; !slices.Equal(got, want) {
		t.Errorf("stored output = %q; want %q, from the beginning", got, want)
	}
	if got, want := h.rt.Started(), []string{RuntimeName(d, "app", "task1")}; !slices.Equal(got, want) {
		t.Errorf("started %q; want %q (once, by the killed engine)", got, want)
	}
}

func TestAgent_AdoptionTakesTheExitOfAContainerTheKilledEngineStarted(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("app", fake.Exits(3, "one", "two"))
	d := def(cdef("app", "app", true))
	v := h.reserveUntilMissed(d)
	id, err := v.Run()
	if err != nil {
		t.Fatal(err)
	}
	rep := h.waitFor("STOPPED", stopped)
	if c := ctr(rep, "app"); c.ExitCode == nil || *c.ExitCode != 3 || c.Reason != "" || rep.Containers["app"].RuntimeID != id {
		t.Fatalf("app = %+v in %q (task %q); want exit code 3 of the container %s", c, rep.Containers["app"].RuntimeID, rep.State.StoppedReason, id)
	}
	if got, want := h.output(rep, "app"), []string{"one", "two"}; !slices.Equal(got, want) {
		t.Errorf("stored output = %q; want %q", got, want)
	}
	if got, want := h.rt.Started(), []string{RuntimeName(d, "app", "task1")}; !slices.Equal(got, want) {
		t.Errorf("started %q; want %q (once, by the killed engine)", got, want)
	}
}

// opsRecorder is a fake runtime that records the Create and Inspect calls.
type opsRecorder struct {
	*fake.Runtime
	mu  sync.Mutex
	ops []string
}

func (o *opsRecorder) record(op string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, op)
}

func (o *opsRecorder) Create(ctx context.Context, spec runtime.ContainerSpec) (string, error) {
	o.record("create")
	return o.Runtime.Create(ctx, spec)
}

func (o *opsRecorder) Inspect(ctx context.Context, id string) (runtime.State, error) {
	o.record("inspect")
	return o.Runtime.Inspect(ctx, id)
}

func TestAgent_AdoptionTakesOnlyANameConflictForALeftContainer(t *testing.T) {
	rt := &opsRecorder{Runtime: fake.New()}
	rt.OnImage("app", fake.Behavior{CreateErr: errors.New("invalid mount")})
	rec := newRecorder()
	h := &agentHarness{t: t, rt: rt.Runtime, rec: rec,
		ag: New(Options{Runtime: rt, Logs: &memLogs{}, Reporter: rec, Region: "us-east-1", Engine: "test", HealthPoll: time.Hour})}
	t.Cleanup(h.ag.Close)
	h.adoptPending(def(cdef("app", "app", true)))
	rep := h.waitFor("STOPPED", stopped)
	if c := ctr(rep, "app"); !strings.HasPrefix(c.Reason, "CannotCreateContainerError: ") || !strings.Contains(c.Reason, "invalid mount") {
		t.Errorf("app reason = %q; want the CannotCreateContainerError", c.Reason)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if i := slices.Index(rt.ops, "create"); i < 0 || slices.Contains(rt.ops[i:], "inspect") {
		t.Errorf("runtime calls %q; want no Inspect after a Create that failed for another reason than a name conflict", rt.ops)
	}
}

func TestAgent_AdoptionWaitsForAPauseContainerCreateStillUnderWay(t *testing.T) {
	h := newAgentHarness(t)
	d := def(cdef("app", "app", true))
	d.NetworkMode = ecsmodel.NetworkModeAwsvpc
	// Killed while it provisioned the task: the pause container's create
	// was still under way in the daemon.
	v, err := h.rt.Reserve(runtime.ContainerSpec{Name: RuntimeName(d, "internalecspause", "task1"), Image: fake.PauseImage, NetworkMode: "bridge"})
	if err != nil {
		t.Fatal(err)
	}
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}}, time.Now())
	h.ag.Adopt(TaskSpec{ID: "task1", ARN: "arn:task1", Definition: d, State: &st, Containers: map[string]ContainerInfo{}})
	h.awaitMissed(v)
	id, err := v.Create()
	if err != nil {
		t.Fatal(err)
	}
	rep := h.waitFor("app running", runningOrStopped("app"))
	if c := ctr(rep, "app"); c.Status != taskstate.ContainerRunning || rep.Resources.PauseID != id {
		t.Fatalf("app = %s, pause %q (task %q); want RUNNING with the pause container %s the killed engine created",
			c.Status, rep.Resources.PauseID, rep.State.StoppedReason, id)
	}
}
