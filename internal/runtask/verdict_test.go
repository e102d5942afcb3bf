package runtask

import (
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

func code(n int32) *int32 { return &n }

func TestJudgeStopped(t *testing.T) {
	ess := func(name string, exit *int32, reason string) Container {
		return Container{Name: name, Essential: true, ExitCode: exit, Reason: reason}
	}
	side := func(name string, exit *int32) Container { return Container{Name: name, ExitCode: exit} }
	tests := []struct {
		name       string
		stopCode   string
		cs         []Container
		success    string
		want       Outcome
		wantCode   int
		wantErrors string
		wantReason string
	}{
		{"all zero", "EssentialContainerExited", []Container{ess("app", code(0), "")}, "", OutcomeSucceeded, 0, "", "every essential"},
		{"application code", "EssentialContainerExited", []Container{ess("app", code(42), "")}, "", OutcomeFailed, 42, "States.TaskFailed", "container app exited with code 42"},
		{"non-essential failure ignored", "EssentialContainerExited", []Container{side("log", code(1)), ess("app", code(0), "")}, "", OutcomeSucceeded, 0, "", ""},
		{"the cause beats the containers ECS stopped", "EssentialContainerExited",
			[]Container{ess("web", code(143), ""), ess("worker", code(5), ""), ess("db", code(137), "")}, "", OutcomeFailed, 5, "States.TaskFailed", "worker"},
		{"only stop-signal codes: the first one", "UserInitiated",
			[]Container{ess("web", code(143), ""), ess("worker", code(137), "")}, "", OutcomeFailed, 143, "States.TaskFailed", "web"},
		{"success container decides alone", "EssentialContainerExited",
			[]Container{side("migrate", code(0)), ess("app", code(1), "")}, "migrate", OutcomeSucceeded, 0, "", "container migrate"},
		{"success container failing", "EssentialContainerExited",
			[]Container{side("migrate", code(9)), ess("app", code(0), "")}, "migrate", OutcomeFailed, 9, "States.TaskFailed", "migrate"},
		{"TaskFailedToStart", "TaskFailedToStart",
			[]Container{ess("app", nil, "CannotPullContainerError: pull access denied")}, "", OutcomeNeverStarted, 125, "TaskFailedToStart,CannotPullContainerError", "pull access denied"},
		{"ResourceInitializationError without the stop code", "EssentialContainerExited",
			[]Container{ess("app", nil, "ResourceInitializationError: unable to pull secrets")}, "", OutcomeNeverStarted, 125, "TaskFailedToStart,ResourceInitializationError", "secrets"},
		{"no exit code", "UserInitiated", []Container{ess("app", nil, "")}, "", OutcomeNeverStarted, 125, "TaskFailedToStart", "no exit code"},
		{"spot interruption is named", "SpotInterruption", []Container{ess("app", code(143), "")}, "", OutcomeFailed, 143, "States.TaskFailed,SpotInterruption", ""},
		{"out-of-range codes map to 1", "EssentialContainerExited", []Container{ess("app", code(256), "")}, "", OutcomeFailed, 1, "States.TaskFailed", ""},
		{"OOM keeps its reason", "EssentialContainerExited", []Container{ess("app", code(137), "OutOfMemoryError: Container killed due to memory usage")}, "", OutcomeFailed, 137, "States.TaskFailed", "OutOfMemoryError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judgeStopped(tt.stopCode, "reason", tt.cs, tt.success)
			if v.outcome != tt.want || v.code != tt.wantCode || strings.Join(v.errors, ",") != tt.wantErrors || !strings.Contains(v.reason, tt.wantReason) {
				t.Errorf("judgeStopped = %s %d %v %q; want %s %d %s, reason mentioning %q", v.outcome, v.code, v.errors, v.reason, tt.want, tt.wantCode, tt.wantErrors, tt.wantReason)
			}
		})
	}
}

func TestJudgeRunTaskFailure(t *testing.T) {
	v := judgeRunTaskFailure(Failure{Arn: "arn:ci", Reason: "RESOURCE:MEMORY"}, false)
	if v.outcome != OutcomeNeverStarted || v.code != 125 || strings.Join(v.errors, ",") != "TaskFailedToStart,RESOURCE:MEMORY" || v.permanent {
		t.Errorf("placement failure: %+v", v)
	}
	if !retry.Default().Matches(v.errors) {
		t.Error("the default policy does not match a placement failure")
	}
	for code, permanent := range map[string]bool{"ClientException": true, "InvalidParameterException": true, "ThrottlingException": false, "ServerException": false, "RequestError": false} {
		if v := judgeRunTaskFailure(Failure{Reason: code, Detail: "x"}, true); v.permanent != permanent || !strings.HasPrefix(v.reason, "RunTask error: "+code) {
			t.Errorf("RunTask error %s: permanent %v, reason %q; want permanent %v", code, v.permanent, v.reason, permanent)
		}
	}
}

func TestReport_Summarise(t *testing.T) {
	ok := Attempt{Outcome: OutcomeSucceeded}
	at := func(task, n int, o Outcome, c int) Attempt {
		a := ok
		a.Task, a.Attempt, a.Outcome, a.ExitCode, a.Reason, a.TaskArn = task, n, o, c, string(o), "arn:aws:ecs:r:1:task/c/0123456789abcdef"
		return a
	}
	tests := []struct {
		name     string
		rep      Report
		want     int
		wantWhy  string
		wantLast []Outcome
	}{
		{"all succeeded", Report{Count: 2, Attempts: []Attempt{at(1, 1, OutcomeSucceeded, 0), at(2, 1, OutcomeSucceeded, 0)}}, 0, "2 of 2", nil},
		{"a retry that succeeded", Report{Count: 1, Attempts: []Attempt{at(1, 1, OutcomeNeverStarted, 125), at(1, 2, OutcomeSucceeded, 0)}}, 0, "", []Outcome{OutcomeSucceeded}},
		{"the first failing task in order", Report{Count: 3, Attempts: []Attempt{at(3, 1, OutcomeFailed, 4), at(1, 1, OutcomeSucceeded, 0), at(2, 1, OutcomeNeverStarted, 125)}}, 125, "task 2 (01234567)", nil},
		{"the run's timeout wins", Report{Count: 1, TimedOut: true, Attempts: []Attempt{at(1, 1, OutcomeFailed, 3)}}, 124, "--timeout", nil},
		{"running counts as success", Report{Count: 1, Attempts: []Attempt{at(1, 1, OutcomeRunning, 0)}}, 0, "", nil},
		{"a task never launched", Report{Count: 2, Attempts: []Attempt{at(1, 1, OutcomeSucceeded, 0)}}, 125, "not launched", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, why := tt.rep.Summarise()
			if code != tt.want || !strings.Contains(why, tt.wantWhy) {
				t.Errorf("Summarise = %d %q; want %d mentioning %q", code, why, tt.want, tt.wantWhy)
			}
			if len(tt.rep.Tasks) != max(tt.rep.Count, 1) {
				t.Errorf("%d task summaries; want %d", len(tt.rep.Tasks), tt.rep.Count)
			}
			for i, o := range tt.wantLast {
				if tt.rep.Tasks[i].Outcome != o {
					t.Errorf("task %d: %s; want %s", i+1, tt.rep.Tasks[i].Outcome, o)
				}
			}
		})
	}
}
