package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
)

// TestEngine_TaskStoppedSignalsTheAgentsStop: the channel of taskStopped,
// taken while the task runs, closes when the agent reports it stopped, and
// DescribeTasks shows it STOPPED at that moment (a workflow's .sync wait
// relies on both).
func TestEngine_TaskStoppedSignalsTheAgentsStop(t *testing.T) {
	h, app := newProcessHarness(t)
	eng := h.eng
	// The container ends once the test has taken the channel.
	release := filepath.Join(t.TempDir(), "release")
	app.Command = []string{"waitfile", release}
	arn := h.run("stops", app)
	stopped, unwatch := eng.taskStopped(arn)
	defer unwatch()
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the task's stop was not signalled within 30 s")
	}
	out, err := h.ecs.DescribeTasks(ctx(t), &awsecs.DescribeTasksInput{Tasks: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tasks) != 1 || *out.Tasks[0].LastStatus != "STOPPED" {
		t.Errorf("DescribeTasks when the stop was signalled: %+v; want the task STOPPED", out.Tasks)
	}
}
