package agent

import (
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func TestShouldRestart(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	on := func(period *int32, ignored ...int32) *ecsmodel.ContainerRestartPolicy {
		return &ecsmodel.ContainerRestartPolicy{Enabled: boolp(true), IgnoredExitCodes: ignored, RestartAttemptPeriod: period}
	}
	code := func(c int) *int { return &c }
	tests := []struct {
		name     string
		p        *ecsmodel.ContainerRestartPolicy
		stopping bool
		code     *int
		ran      time.Duration
		want     bool
	}{
		{"no policy", nil, false, code(1), time.Hour, false},
		{"disabled", &ecsmodel.ContainerRestartPolicy{Enabled: boolp(false)}, false, code(1), time.Hour, false},
		{"ran the period", on(i32(60)), false, code(1), 60 * time.Second, true},
		{"exit 0 restarts too", on(i32(60)), false, code(0), time.Minute, true},
		{"exited early", on(i32(60)), false, code(1), 59 * time.Second, false},
		{"default period is 300 s", on(nil), false, code(1), 299 * time.Second, false},
		{"default period passed", on(nil), false, code(1), 300 * time.Second, true},
		{"ignored exit code", on(i32(60), 0, 2), false, code(2), time.Hour, false},
		{"other exit code", on(i32(60), 0, 2), false, code(3), time.Hour, true},
		{"the task is stopping", on(i32(60)), true, code(1), time.Hour, false},
		{"no exit code", on(i32(60)), false, nil, time.Hour, false},
	}
	for _, tt := range tests {
		if got := shouldRestart(tt.p, tt.stopping, tt.code, t0, t0.Add(tt.ran)); got != tt.want {
			t.Errorf("%s: shouldRestart = %v; want %v", tt.name, got, tt.want)
		}
	}
}
