package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// A container writes its two streams at once: Docker stamps each line when
// it reads it, and its copiers of stdout and stderr record a few lines out
// of the order of their times (a handful in 6000 here). The log stream
// holds the lines in the order of Docker's own timestamps.
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
	inversions := 0
	for i := 1; i < len(docker); i++ {
		if docker[i].Time.Before(docker[i-1].Time) {
			inversions++
		}
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
	if !slices.Equal(got, want) {
		first := 0
		for first < min(len(got), len(want)) && got[first] == want[first] {
			first++
		}
		t.Errorf("stored %d lines, first out of Docker's time order at %d: %q; want %q",
			len(got), first, got[first:min(first+4, len(got))], want[first:min(first+4, len(want))])
	}
	t.Logf("%d lines, %d recorded out of time order", len(docker), inversions)
}
