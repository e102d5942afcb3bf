package agent

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// syncRecorder is a Reporter that numbers the reports and remembers how
// many were synced, and which first asked the task to stop.
type syncRecorder struct {
	mu      sync.Mutex
	seq     int // reports so far
	synced  int // reports synced
	stopSeq int // the first report with desired status STOPPED (0: none yet)
	last    Report
	changed chan struct{}
}

func (r *syncRecorder) Report(_ context.Context, steps ...Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range steps {
		r.seq++
		if r.stopSeq == 0 && s.State.Desired == taskstate.Stopped {
			r.stopSeq = r.seq
		}
	}
	r.last = steps[len(steps)-1]
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *syncRecorder) Sync(context.Context, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.synced = r.seq
}

// syncCheckingRuntime fails every stop made before the report that asked
// the task to stop (with its stop code and reason) was synced, and every
// removal made while any report is not synced (what is created and
// started, a restarted agent finds). Stops run in goroutines of their own,
// so the runner may report more (another container's exit) between its
// sync and the stop: those reports need no sync before it.
type syncCheckingRuntime struct {
	*fake.Runtime
	rec *syncRecorder

	mu         sync.Mutex
	violations []string
	changes    []string
}

func (c *syncCheckingRuntime) check(op string) {
	c.rec.mu.Lock()
	seq, synced, stopSeq := c.rec.seq, c.rec.synced, c.rec.stopSeq
	c.rec.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changes = append(c.changes, op)
	switch {
	case op == "stop" && (stopSeq == 0 || synced < stopSeq):
		c.violations = append(c.violations, fmt.Sprintf("stop before the stop report (%d) was synced (%d of %d synced)", stopSeq, synced, seq))
	case op == "remove" && synced < seq:
		c.violations = append(c.violations, fmt.Sprintf("remove with %d reports not synced", seq-synced))
	}
}

func (c *syncCheckingRuntime) Stop(ctx context.Context, id string, timeout time.Duration) error {
	c.check("stop")
	return c.Runtime.Stop(ctx, id, timeout)
}

func (c *syncCheckingRuntime) Remove(ctx context.Context, id string) error {
	c.check("remove")
	return c.Runtime.Remove(ctx, id)
}

func TestAgent_SyncsReportsBeforeStoppingOrRemoving(t *testing.T) {
	rec := &syncRecorder{changed: make(chan struct{})}
	rt := &syncCheckingRuntime{Runtime: fake.New(), rec: rec}
	ag := New(Options{Runtime: rt, Logs: &memLogs{}, Reporter: rec, Region: "us-east-1", Engine: "test"})
	t.Cleanup(ag.Close)
	spec := TaskSpec{ID: "task1", ARN: "arn:aws:ecs:us-east-1:000000000000:task/default/task1", Cluster: "default",
		Definition: def(cdef("app", "app", true), cdef("side", "side", false))}
	if err := ag.Check(&spec); err != nil {
		t.Fatal(err)
	}
	ag.Launch(spec)
	waitFor := func(st taskstate.Status) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			rec.mu.Lock()
			done, changed := rec.last.State.Status == st, rec.changed
			rec.mu.Unlock()
			if done {
				return
			}
			select {
			case <-changed:
			case <-deadline:
				t.Fatalf("timed out waiting for %s; last report %+v", st, rec.last.State)
			}
		}
	}
	waitFor(taskstate.Running)
	// The stop code and reason exist only in the reports: they must be
	// stored before the containers are stopped.
	if !ag.Stop("task1", taskstate.StopUserInitiated, "stopped by the test") {
		t.Fatal("Stop: the agent does not run the task")
	}
	waitFor(taskstate.Stopped)
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.violations) > 0 {
		t.Errorf("containers stopped or removed while reports were not synced: %v", rt.violations)
	}
	if len(rt.changes) < 2 {
		t.Errorf("runtime changes checked: %q; want both containers' stops", rt.changes)
	}
}
