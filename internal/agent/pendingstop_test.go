package agent

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// A task stopped while PENDING never starts a container that had not
// started: not while its image is pulled, not once its container is
// created, not while it waits for a dependency (ECS: desired STOPPED before
// RUNNING goes to STOPPED). Its containers end without an exit code and the
// task stops with UserInitiated, promptly.
func TestAgent_StopWhilePendingNeverStarts(t *testing.T) {
	cases := []struct {
		name string
		// setup scripts the runtime; it returns a channel that is closed
		// once the task is where the stop must find it, and what to do
		// after the stop (release a held call).
		setup func(h *agentHarness) (reached <-chan struct{}, after func())
		def   *ecsmodel.TaskDefinition
		// ran are the containers that started before the stop.
		ran []string
	}{
		{
			name: "image pull that never ends",
			setup: func(h *agentHarness) (<-chan struct{}, func()) {
				reached := make(chan struct{})
				var once sync.Once
				h.rt.On(func(s runtime.ContainerSpec) bool {
					once.Do(func() { close(reached) }) // Pull asks first
					return s.Image == "app"
				}, fake.Behavior{PullWait: make(chan struct{}), Exit: true})
				return reached, func() {}
			},
			def: def(cdef("app", "app", true)),
		},
		{
			name: "stop while the container is created",
			setup: func(h *agentHarness) (<-chan struct{}, func()) {
				reached, release := make(chan struct{}), make(chan struct{})
				var once sync.Once
				h.rt.On(func(s runtime.ContainerSpec) bool {
					if s.Name != "" { // Create, not Pull
						once.Do(func() { close(reached) })
					}
					return s.Image == "app"
				}, fake.Behavior{CreateWait: release, Exit: true})
				return reached, func() { close(release) }
			},
			def: def(cdef("app", "app", true)),
		},
		{
			name: "dependency that never gets healthy",
			setup: func(h *agentHarness) (<-chan struct{}, func()) {
				reached := make(chan struct{})
				go func() {
					h.waitFor("db running", running("db"))
					close(reached)
				}()
				return reached, func() {}
			},
			def: func() *ecsmodel.TaskDefinition {
				db := cdef("db", "db", true)
				db.HealthCheck = &ecsmodel.HealthCheck{Command: []string{"CMD", "check"}}
				return def(db, cdef("app", "app", true, dep("db", ecsmodel.ContainerConditionHEALTHY)))
			}(),
			ran: []string{"db"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newAgentHarness(t)
			reached, after := c.setup(h)
			h.launch(c.def)
			select {
			case <-reached:
			case <-time.After(10 * time.Second):
				t.Fatal("the task never got to the point of the stop")
			}
			if rep, _ := h.rec.last(); rep.State.Status != taskstate.Pending {
				t.Fatalf("task is %s when stopped; want PENDING", rep.State.Status)
			}
			asked := time.Now()
			if !h.ag.Stop("task1", taskstate.StopUserInitiated, "stopped by the test") {
				t.Fatal("Stop = false; want the agent to run the task")
			}
			after()
			rep := h.waitFor("STOPPED", stopped)
			if d := time.Since(asked); d > 5*time.Second {
				t.Errorf("the task took %v to stop; want it stopped at once", d)
			}
			started := h.rt.Started() // runtime names
			if len(started) != len(c.ran) {
				t.Errorf("containers started: %q; want only %q", started, c.ran)
			}
			if rep.State.StopCode != taskstate.StopUserInitiated || rep.State.StoppedReason != "stopped by the test" {
				t.Errorf("stop = %s %q; want UserInitiated and the reason given", rep.State.StopCode, rep.State.StoppedReason)
			}
			for _, ct := range rep.State.Containers {
				if slices.Contains(c.ran, ct.Name) {
					continue
				}
				if ct.ExitCode != nil || ct.Reason != "" {
					t.Errorf("container %s: exit code %v, reason %q; want none (it never ran)", ct.Name, ct.ExitCode, ct.Reason)
				}
			}
			states, err := h.rt.List(t.Context(), map[string]string{LabelTaskARN: ""})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range states {
				if !st.Running && !st.Exited {
					t.Errorf("container %s was created and left unstarted; want it removed", st.Name)
				}
			}
		})
	}
}
