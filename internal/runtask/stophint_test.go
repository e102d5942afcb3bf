package runtask

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

func TestAWSStopCommand(t *testing.T) {
	task := StillRunning{Cluster: "default", TaskArn: "arn:aws:ecs:us-east-1:123456789012:task/default/abc", TaskID: "abc"}
	tests := []struct {
		name    string
		t       StillRunning
		globals []string
		want    string
	}{
		{"no globals", task, nil, "aws ecs stop-task --cluster default --task abc"},
		{"region and profile", task, []string{"--region", "eu-west-1", "--profile", "ci"}, "aws --region eu-west-1 --profile ci ecs stop-task --cluster default --task abc"},
		{"an endpoint", task, []string{"--endpoint-url", "http://127.0.0.1:4566"}, "aws --endpoint-url http://127.0.0.1:4566 ecs stop-task --cluster default --task abc"},
		{"a profile that needs quotes", task, []string{"--profile", "my team's"}, `aws --profile 'my team'\''s' ecs stop-task --cluster default --task abc`},
		{"no task id: the ARN", StillRunning{TaskArn: "arn:aws:ecs:us-east-1:1:task/c/x"}, nil, "aws ecs stop-task --task arn:aws:ecs:us-east-1:1:task/c/x"},
	}
	for _, tt := range tests {
		if got := AWSStopCommand(tt.t, tt.globals...); got != tt.want {
			t.Errorf("%s: AWSStopCommand = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// One task is "1 task", never "1 tasks", in everything run-task prints.
func TestRun_OneTaskIsSingular(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("ok", fake.Exits(0, "fine"))
	for _, opts := range []Options{{TaskDefinition: h.taskDef("one", "ok")}, {TaskDefinition: h.taskDef("one", "ok"), DryRun: true}} {
		rep, o := h.run(testCtx(t), opts)
		info := o.Info()
		if rep.ExitCode != 0 {
			t.Fatalf("exit %d\n%s", rep.ExitCode, info)
		}
		all := info + "\n" + rep.ExitReason
		for _, bad := range []string{"1 tasks", "1 RunTask calls", "1 failures", "1 tasks were"} {
			if strings.Contains(all, bad) {
				t.Errorf("%q in:\n%s", bad, all)
			}
		}
		if !opts.DryRun && !strings.Contains(info, "1 task was triggered successfully and 0 failures were received.") {
			t.Errorf("no singular trigger line:\n%s", info)
		}
	}
}

// While a --timeout stop waits out a container's stopTimeout, the run says
// so once, and an interrupt ends the wait and says what may still run.
func TestRun_InterruptDuringATimeoutStopEndsTheWait(t *testing.T) {
	h := newHarness(t, nil)
	h.rt.OnImage("stubborn", fake.IgnoresStop().Errors("up"))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	abort, abortNow := context.WithCancel(context.Background())
	defer abortNow()
	o := &output{}
	opts := Options{TaskDefinition: h.taskDef("stubborn", "stubborn"), Abort: abort, Timeout: 200 * time.Millisecond, StopGrace: time.Minute}
	opts.Console = o.console(nil)
	go func() {
		for !strings.Contains(o.Info(), "stopTimeout") {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		cancel() // one interrupt
	}()
	start := time.Now()
	rep, _ := h.run(ctx, opts)
	defer h.stopAll(rep)
	info := o.Info()
	if d := time.Since(start); d > 15*time.Second || rep.ExitCode != ExitTimeout {
		t.Fatalf("exit %d after %s; want 124 soon after the interrupt (the task ignores SIGTERM for 30 s)\n%s", rep.ExitCode, d, info)
	}
	for _, want := range []string{
		"did not exit on its stop signal; ECS kills it when its stopTimeout of 30s ends, in 2",
		"s. Ctrl-C stops waiting.",
		"Stopped waiting for the tasks to stop (interrupted): 1 task may still be running. Stop it with:",
		"  aws ecs stop-task --cluster default --task " + rep.Attempts[0].TaskArn[strings.LastIndex(rep.Attempts[0].TaskArn, "/")+1:],
	} {
		if !strings.Contains(info, want) {
			t.Errorf("the log lacks %q:\n%s", want, info)
		}
	}
	if strings.Count(info, "stopTimeout") != 1 {
		t.Errorf("the stopTimeout notice is not said once:\n%s", info)
	}
	if !strings.Contains(rep.ExitReason, "may still be running") {
		t.Errorf("exit reason %q", rep.ExitReason)
	}
}
