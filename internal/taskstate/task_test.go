package taskstate

import (
	"reflect"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func ptr(i int) *int { return &i }

// walk advances until nothing changes and returns the statuses passed.
func walk(tk Task) (Task, []Status) {
	var seen []Status
	for {
		var moved bool
		tk, moved = tk.Advance(t0)
		if !moved {
			return tk, seen
		}
		seen = append(seen, tk.Status)
	}
}

func twoContainers() Task {
	return New([]Container{{Name: "app", Essential: true}, {Name: "sidecar"}}, t0)
}

func TestTask_Lifecycle(t *testing.T) {
	tests := []struct {
		name       string
		events     func(Task) Task
		wantPath   []Status
		wantStatus Status
		wantCode   string
		wantReason string
	}{
		{
			name:       "not provisioned stays provisioning",
			events:     func(tk Task) Task { return tk },
			wantStatus: Provisioning,
		},
		{
			name:       "provisioned waits for containers in pending",
			events:     func(tk Task) Task { tk.Provisioned = true; return tk },
			wantPath:   []Status{Pending},
			wantStatus: Pending,
		},
		{
			name: "one container started is still pending",
			events: func(tk Task) Task {
				tk.Provisioned = true
				return tk.ContainerStarted("app")
			},
			wantPath:   []Status{Pending},
			wantStatus: Pending,
		},
		{
			name: "all started runs through activating",
			events: func(tk Task) Task {
				tk.Provisioned = true
				return tk.ContainerStarted("app").ContainerStarted("sidecar")
			},
			wantPath:   []Status{Pending, Activating, Running},
			wantStatus: Running,
		},
		{
			name: "non-essential exit keeps the task running",
			events: func(tk Task) Task {
				tk.Provisioned = true
				tk = tk.ContainerStarted("app").ContainerStarted("sidecar")
				return tk.ContainerStopped("sidecar", ptr(0), "", t0)
			},
			wantPath:   []Status{Pending, Activating, Running},
			wantStatus: Running,
		},
		{
			name: "essential exit stops the task, waiting for the sidecar",
			events: func(tk Task) Task {
				tk.Provisioned = true
				tk = tk.ContainerStarted("app").ContainerStarted("sidecar")
				tk, _ = walk(tk)
				return tk.ContainerStopped("app", ptr(7), "", t0)
			},
			wantPath:   []Status{Deactivating, Stopping},
			wantStatus: Stopping,
			wantCode:   StopEssentialContainerExited,
			wantReason: ReasonEssentialExited,
		},
		{
			name: "all stopped deprovisions, then stops",
			events: func(tk Task) Task {
				tk.Provisioned = true
				tk = tk.ContainerStarted("app").ContainerStarted("sidecar")
				tk, _ = walk(tk)
				tk = tk.ContainerStopped("app", ptr(7), "", t0).ContainerStopped("sidecar", ptr(143), "", t0)
				tk.Deprovisioned = true
				return tk
			},
			wantPath:   []Status{Deactivating, Stopping, Deprovisioning, Stopped},
			wantStatus: Stopped,
			wantCode:   StopEssentialContainerExited,
			wantReason: ReasonEssentialExited,
		},
		{
			name: "failure to start stops from pending",
			events: func(tk Task) Task {
				tk.Provisioned = true
				tk, _ = walk(tk)
				tk = tk.ContainerFailedToStart("app", "CannotPullContainerError: no such image", t0)
				tk = tk.ContainerStopped("sidecar", nil, "", t0)
				tk.Deprovisioned = true
				return tk
			},
			wantPath:   []Status{Stopping, Deprovisioning, Stopped},
			wantStatus: Stopped,
			wantCode:   StopTaskFailedToStart,
			wantReason: "CannotPullContainerError: no such image",
		},
		{
			name: "user stop wins over a later essential exit",
			events: func(tk Task) Task {
				tk.Provisioned = true
				tk = tk.ContainerStarted("app").ContainerStarted("sidecar")
				tk, _ = walk(tk)
				tk = tk.RequestStop(StopUserInitiated, "deploy", t0)
				return tk.ContainerStopped("app", ptr(143), "", t0)
			},
			wantPath:   []Status{Deactivating, Stopping},
			wantStatus: Stopping,
			wantCode:   StopUserInitiated,
			wantReason: "deploy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := tt.events(twoContainers())
			got, path := walk(tk)
			if got.Status != tt.wantStatus {
				t.Errorf("status = %v; want %v", got.Status, tt.wantStatus)
			}
			if tt.wantPath != nil && !reflect.DeepEqual(path, tt.wantPath) {
				t.Errorf("path = %v; want %v", path, tt.wantPath)
			}
			if got.StopCode != tt.wantCode || got.StoppedReason != tt.wantReason {
				t.Errorf("stop = %q/%q; want %q/%q", got.StopCode, got.StoppedReason, tt.wantCode, tt.wantReason)
			}
		})
	}
}

func TestTask_Timestamps(t *testing.T) {
	tk := twoContainers()
	tk.Provisioned = true
	tk = tk.ContainerStarted("app").ContainerStarted("sidecar")
	tk, _ = walk(tk)
	if !tk.StartedAt.Equal(t0) {
		t.Errorf("StartedAt = %v; want %v", tk.StartedAt, t0)
	}
	t1 := t0.Add(time.Second)
	tk = tk.ContainerStopped("app", ptr(0), "", t1)
	if !tk.ExecutionStoppedAt.Equal(t1) || !tk.StoppingAt.Equal(t1) {
		t.Errorf("ExecutionStoppedAt, StoppingAt = %v, %v; want %v", tk.ExecutionStoppedAt, tk.StoppingAt, t1)
	}
	if !tk.StoppedAt.IsZero() {
		t.Errorf("StoppedAt set before the task stopped")
	}
}

func TestTask_ContainerStoppedTwiceKeepsFirstExit(t *testing.T) {
	tk := twoContainers().ContainerStarted("app")
	tk = tk.ContainerStopped("app", ptr(3), "", t0)
	tk = tk.ContainerStopped("app", ptr(9), "late", t0)
	if c := tk.Containers[0]; *c.ExitCode != 3 || c.Reason != "" {
		t.Errorf("container = exit %d reason %q; want exit 3 and no reason", *c.ExitCode, c.Reason)
	}
}

func TestTask_CopiesDoNotAlias(t *testing.T) {
	a := twoContainers()
	b := a.ContainerStarted("app")
	if a.Containers[0].Status != ContainerPending {
		t.Errorf("ContainerStarted changed its receiver")
	}
	if b.Containers[0].Status != ContainerRunning {
		t.Errorf("ContainerStarted result = %v; want RUNNING", b.Containers[0].Status)
	}
}

func TestStatus_StringsRoundTrip(t *testing.T) {
	for s := None; s <= Stopped; s++ {
		got, err := ParseStatus(s.String())
		if err != nil || got != s {
			t.Errorf("ParseStatus(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	for s := ContainerPending; s <= ContainerStopped; s++ {
		got, err := ParseContainerStatus(s.String())
		if err != nil || got != s {
			t.Errorf("ParseContainerStatus(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	if _, err := ParseStatus("BOGUS"); err == nil {
		t.Error("ParseStatus(BOGUS) succeeded")
	}
}
