package engine

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// A container writes its two streams at once: Docker stamps each line when
// it reads it, and its copiers of stdout and stderr record a few lines out
// of the order of their times (a handful in 6000 here). The agent merges
// the streams by Docker's timestamps, holding a line back up to 50 ms for
// an earlier one of the other stream (the merge itself is tested
// deterministically on the fake runtime, in internal/agent). A line that
// reaches the agent later than that, on a loaded machine, is stored where
// it arrived, so this test checks what must hold whatever the timing: every
// line Docker recorded is stored once, each stream in its own order, and
// it reports how many lines are stored out of Docker's time order.
func TestEngine_OutputInDockersTimeOrder(t *testing.T) {
	h, image := newHarness(t)
	arn := h.run("order", container("app", image, true, "burst", "3000", "x"))
	task := h.waitStopped(arn)
	id := aws.ToString(task.Containers[0].RuntimeId)

	// Docker's record, with nanosecond times, ordered by them.
	var docker []runtime.LogLine
	if err := h.rt.Logs(context.Background(), id, runtime.LogOptions{}, func(l runtime.LogLine) {
		docker = append(docker, l)
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(docker, func(a, b runtime.LogLine) int { return a.Time.Compare(b.Time) })
	var want []string
	for _, l := range docker {
		want = append(want, l.Text)
	}
	var got []string
	in := &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(ecs.DefaultLogGroup),
		LogStreamName: aws.String("order/app/" + taskID(arn)), StartFromHead: aws.Bool(true)}
	for {
		out, err := h.logs.GetLogEvents(ctx(t), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			got = append(got, aws.ToString(e.Message))
		}
		if len(out.Events) == 0 {
			break
		}
		in.NextToken = out.NextForwardToken
	}
	// Every line once, each stream ("x out N", "x err N") in its order.
	stream := func(lines []string, kind string) []string {
		var out []string
		for _, l := range lines {
			if strings.HasPrefix(l, "x "+kind+" ") {
				out = append(out, l)
			}
		}
		return out
	}
	for _, kind := range []string{"out", "err"} {
		if g, w := stream(got, kind), stream(want, kind); !slices.Equal(g, w) {
			t.Errorf("std%s: stored %d lines; want Docker's %d, in order", kind, len(g), len(w))
		}
	}
	if len(got) != len(want) {
		t.Errorf("stored %d lines; Docker recorded %d", len(got), len(want))
	}
	misplaced := 0
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			misplaced++
		}
	}
	t.Logf("%d lines, %d stored away from their place in Docker's time order", len(want), misplaced)
}
