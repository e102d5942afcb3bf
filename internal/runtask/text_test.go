package runtask

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteSummary_Containers(t *testing.T) {
	code := func(n int32) *int32 { return &n }
	tests := []struct {
		name string
		c    Container
		want string
	}{
		{"exited", Container{Name: "app", Essential: true, LastStatus: "STOPPED", ExitCode: code(3)}, "  container app: exit code 3\n"},
		{"still running", Container{Name: "app", Essential: true, LastStatus: "RUNNING"}, "  container app: RUNNING\n"},
		{"never ran", Container{Name: "app", Essential: true, LastStatus: "STOPPED", Reason: "CannotPullContainerError: no image"},
			"  container app: exit code - (CannotPullContainerError: no image)\n"},
		{"sidecar", Container{Name: "log", LastStatus: "STOPPED", ExitCode: code(0)}, "  container log (not essential): exit code 0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info bytes.Buffer
			WriteSummary(NewConsole(nil, &info, ColourNever), &Report{
				Attempts: []Attempt{{Task: 1, Attempt: 1, TaskArn: "arn:aws:ecs:us-east-1:000000000000:task/default/abc", Outcome: OutcomeRunning, Containers: []Container{tt.c}}},
				Tasks:    []TaskSummary{{Task: 1, Attempts: 1, Outcome: OutcomeRunning}},
			})
			if !strings.Contains(info.String(), tt.want) {
				t.Errorf("summary lacks %q:\n%s", tt.want, info.String())
			}
		})
	}
}
