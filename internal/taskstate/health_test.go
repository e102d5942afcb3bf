package taskstate

import "testing"

func TestTask_Health(t *testing.T) {
	type ctr struct {
		essential, checked bool
		health             Health
	}
	tests := []struct {
		name string
		cs   []ctr
		want Health
	}{
		{"no health checks", []ctr{{true, false, ""}}, HealthUnknown},
		{"still evaluating", []ctr{{true, true, ""}}, HealthUnknown},
		{"all essential healthy", []ctr{{true, true, HealthHealthy}, {true, true, HealthHealthy}}, HealthHealthy},
		{"one essential unknown", []ctr{{true, true, HealthHealthy}, {true, true, HealthUnknown}}, HealthUnknown},
		{"unhealthy wins over unknown", []ctr{{true, true, HealthUnknown}, {true, true, HealthUnhealthy}}, HealthUnhealthy},
		{"unhealthy wins over healthy", []ctr{{true, true, HealthHealthy}, {true, true, HealthUnhealthy}}, HealthUnhealthy},
		{"non-essential ignored", []ctr{{true, true, HealthHealthy}, {false, true, HealthUnhealthy}}, HealthHealthy},
		{"essential without a check ignored", []ctr{{true, true, HealthHealthy}, {true, false, ""}}, HealthHealthy},
		{"only non-essential checked", []ctr{{true, false, ""}, {false, true, HealthHealthy}}, HealthUnknown},
	}
	for _, tt := range tests {
		var cs []Container
		for i, c := range tt.cs {
			cs = append(cs, Container{Name: string(rune('a' + i)), Essential: c.essential, HealthChecked: c.checked})
		}
		tk := New(cs, t0)
		for i, c := range tt.cs {
			if c.health != "" {
				tk = tk.ContainerHealth(string(rune('a'+i)), c.health)
			}
		}
		if got := tk.Health(); got != tt.want {
			t.Errorf("%s: Health() = %s; want %s", tt.name, got, tt.want)
		}
	}
}

func TestTask_UnhealthyDoesNotStopTheTask(t *testing.T) {
	tk := New([]Container{{Name: "app", Essential: true, HealthChecked: true}}, t0)
	tk.Provisioned = true
	tk, _ = walk(tk.ContainerStarted("app"))
	tk = tk.ContainerHealth("app", HealthUnhealthy)
	tk, _ = walk(tk)
	if tk.Status != Running || tk.Desired != Running || tk.Containers[0].Health != HealthUnhealthy {
		t.Errorf("task = %s/%s, container health %s; want RUNNING/RUNNING and UNHEALTHY", tk.Status, tk.Desired, tk.Containers[0].Health)
	}
}

func TestTask_FailedToStart(t *testing.T) {
	tk := twoContainers()
	tk.Provisioned = true
	tk, _ = walk(tk)
	tk = tk.FailedToStart("ResourceInitializationError: no such volume", t0)
	if tk.Desired != Stopped || tk.StopCode != StopTaskFailedToStart || tk.StoppedReason != "ResourceInitializationError: no such volume" {
		t.Errorf("task = %s %s %q; want STOPPED TaskFailedToStart with the reason", tk.Desired, tk.StopCode, tk.StoppedReason)
	}
	for _, c := range tk.Containers {
		if c.Status != ContainerStopped || c.Reason != tk.StoppedReason || c.ExitCode != nil {
			t.Errorf("container %s = %s %q exit %v; want STOPPED with the reason and no exit code", c.Name, c.Status, c.Reason, c.ExitCode)
		}
	}
	tk.Deprovisioned = true
	tk, _ = walk(tk)
	if tk.Status != Stopped || !tk.ExecutionStoppedAt.Equal(t0) {
		t.Errorf("task = %s, executionStoppedAt %v; want STOPPED at %v", tk.Status, tk.ExecutionStoppedAt, t0)
	}
}

func TestHealth_String(t *testing.T) {
	for h, want := range map[Health]string{"": "UNKNOWN", HealthUnknown: "UNKNOWN", HealthHealthy: "HEALTHY", HealthUnhealthy: "UNHEALTHY"} {
		if h.String() != want {
			t.Errorf("Health(%q).String() = %q; want %q", string(h), h.String(), want)
		}
	}
}
