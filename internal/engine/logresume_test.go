package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// An engine stopped at any moment loses no line of either stream: the
// runtime records the two streams separately, so a stderr line may come
// after a stdout line stamped later; when the engine went away with that
// stdout line stored and the stderr line not, the restarted engine must
// still store the stderr line (and nothing twice).
func TestEngine_RestartResumesEachStreamWhereItWasStored(t *testing.T) {
	rt := fake.New()
	h := &harness{t: t, dir: t.TempDir(), rt: rt}
	open := func() {
		eng, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: rt})
		if err != nil {
			t.Fatal(err)
		}
		h.connect(eng)
	}
	open()
	t.Cleanup(func() {
		if h.eng != nil {
			h.eng.Close()
		}
	})
	arn := h.run("resume", container("app", "app", true))
	task := h.waitRunning(arn)
	id := aws.ToString(task.Containers[0].RuntimeId)
	group, stream := ecs.DefaultLogGroup, "resume/app/"+taskID(arn)

	t0 := time.Now().Truncate(time.Second)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	line := func(s runtime.Stream, ms int, text string) runtime.LogLine {
		return runtime.LogLine{Stream: s, Time: at(ms), Text: text}
	}
	// Stored before the engine goes: stdout up to 50 ms, stderr up to 20 ms.
	if err := rt.PrintLines(id, line(runtime.Stderr, 10, "err 1"), line(runtime.Stdout, 20, "out 1"),
		line(runtime.Stderr, 20, "err 2"), line(runtime.Stdout, 50, "out 2")); err != nil {
		t.Fatal(err)
	}
	want := []string{"err 1", "out 1", "err 2", "out 2"}
	h.waitStored(group, stream, want)
	h.close()

	// Recorded while the engine is away: stderr lines stamped before the
	// last stdout line stored (one in the same millisecond as a stored
	// line of its stream), and more of both.
	if err := rt.PrintLines(id, line(runtime.Stderr, 20, "err 3"), line(runtime.Stderr, 30, "err 4"),
		line(runtime.Stdout, 50, "out 3"), line(runtime.Stderr, 60, "err 5"), line(runtime.Stdout, 70, "out 4")); err != nil {
		t.Fatal(err)
	}
	open()
	if _, err := rt.Exit(id, runtime.ExitStatus{ExitCode: 0}); err != nil {
		t.Fatal(err)
	}
	h.waitStopped(arn)
	got := h.logLines(group, stream)
	want = append(want, "err 3", "err 4", "out 3", "err 5", "out 4")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("stored lines %q; want each of %q once", got, want)
	}
}

// waitStored waits until a log stream holds want, in any order.
func (h *harness) waitStored(group, stream string, want []string) {
	h.t.Helper()
	w := slices.Sorted(slices.Values(want))
	deadline := time.After(10 * time.Second)
	for {
		var got []string
		out, err := h.logs.GetLogEvents(ctx(h.t), &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true),
		})
		if err == nil {
			for _, e := range out.Events {
				got = append(got, aws.ToString(e.Message))
			}
		}
		slices.Sort(got)
		if slices.Equal(got, w) {
			return
		}
		select {
		case <-deadline:
			h.t.Fatalf("log stream %s %s holds %q; want %q", group, stream, got, w)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
