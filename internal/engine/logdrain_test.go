package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// TestEngine_LogDrainKeepsTheLastLineOfShortTasks runs many tasks at once,
// each writing a burst on both streams and a last line without a newline in
// its final instant, and checks that once a task is STOPPED every line of it
// is in its log stream, once, each stream's lines in order.
func TestEngine_LogDrainKeepsTheLastLineOfShortTasks(t *testing.T) {
	h, image := newHarness(t)
	const tasks, lines = 30, 100
	app := container("app", image, true, "burst", "1", "x")
	app.LogConfiguration = &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
		"awslogs-group": "/ecs/drain", "awslogs-stream-prefix": "ecs", "awslogs-region": "us-east-1",
	}}
	c := ctx(t)
	if _, err := h.ecs.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("drain"), ContainerDefinitions: []types.ContainerDefinition{app}}); err != nil {
		t.Fatal(err)
	}
	arns := make([]string, tasks)
	for i := range arns {
		out, err := h.ecs.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("drain"), Overrides: &types.TaskOverride{
			ContainerOverrides: []types.ContainerOverride{{Name: aws.String("app"), Command: []string{"burst", fmt.Sprint(lines), fmt.Sprintf("task%d", i)}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Tasks) != 1 {
			t.Fatalf("RunTask started %d tasks, failures %+v", len(out.Tasks), out.Failures)
		}
		arns[i] = aws.ToString(out.Tasks[0].TaskArn)
		h.arns = append(h.arns, arns[i])
	}
	stopped := h.waitAllStopped(arns)
	for i, arn := range arns {
		prefix := fmt.Sprintf("task%d", i)
		if got := exitCode(stopped[arn], "app"); got == nil || *got != 0 {
			t.Errorf("%s: exit code %v; want 0", prefix, got)
			continue
		}
		got := h.allLogLines("/ecs/drain", "ecs/app/"+taskID(arn))
		var stdout, stderr []string
		for _, l := range got {
			if strings.HasPrefix(l, prefix+" err ") {
				stderr = append(stderr, l)
			} else {
				stdout = append(stdout, l)
			}
		}
		var wantOut, wantErr []string
		for n := 1; n <= lines; n++ {
			wantOut = append(wantOut, fmt.Sprintf("%s out %d", prefix, n))
			wantErr = append(wantErr, fmt.Sprintf("%s err %d", prefix, n))
		}
		wantOut = append(wantOut, prefix+" end")
		if !slices.Equal(stdout, wantOut) || !slices.Equal(stderr, wantErr) {
			var missing []string
			for _, l := range slices.Concat(wantOut, wantErr) {
				if !slices.Contains(got, l) {
					missing = append(missing, l)
				}
			}
			t.Errorf("%s: stored %d lines, missing %q; want %d: each line once, each stream in order, %q last on stdout",
				prefix, len(got), missing, 2*lines+1, prefix+" end")
		}
	}
}

// waitAllStopped polls until every task in arns is STOPPED and returns them
// by ARN.
func (h *harness) waitAllStopped(arns []string) map[string]types.Task {
	h.t.Helper()
	c := ctx(h.t)
	out := map[string]types.Task{}
	for {
		var pending []string
		for _, arn := range arns {
			if _, ok := out[arn]; !ok {
				pending = append(pending, arn)
			}
		}
		if len(pending) == 0 {
			return out
		}
		for chunk := range slices.Chunk(pending, 100) {
			res, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Tasks: chunk})
			if err != nil {
				h.t.Fatal(err)
			}
			for _, task := range res.Tasks {
				if aws.ToString(task.LastStatus) == "STOPPED" {
					out[aws.ToString(task.TaskArn)] = task
				}
			}
		}
		select {
		case <-c.Done():
			h.t.Fatalf("timed out waiting for %d of %d tasks to stop", len(arns)-len(out), len(arns))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestEngine_LongLinesAndCRLFAsAwslogs checks how lines are stored: as the
// awslogs driver sends them, a line longer than a CloudWatch event is cut
// into events of at most runtime.MaxLineBytes, a CR before the newline
// stays, and an empty line is no event.
func TestEngine_LongLinesAndCRLFAsAwslogs(t *testing.T) {
	h, image := newHarness(t)
	arn := h.run("lines", container("app", image, true,
		"longline", fmt.Sprint(runtime.MaxLineBytes+1), "--", "outraw", "crlf\r\n", "--", "out", "--", "longraw", "40000"))
	h.waitStopped(arn)
	var got []string
	for _, l := range h.allLogLines("/ecsrun/tasks", "lines/app/"+taskID(arn)) {
		if len(l) > 20 {
			l = fmt.Sprintf("%d %c", len(l), l[0])
		}
		got = append(got, l)
	}
	want := []string{fmt.Sprintf("%d x", runtime.MaxLineBytes), "x", "crlf\r", "40000 y"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q; want %q", got, want)
	}
}
