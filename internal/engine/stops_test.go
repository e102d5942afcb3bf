package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/runtime/process"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// TestEngine_TaskStoppedSignalsTheAgentsStop: the channel of taskStopped,
// taken while the task runs, closes when the agent reports it stopped, and
// DescribeTasks shows it STOPPED at that moment (a workflow's .sync wait
// relies on both).
func TestEngine_TaskStoppedSignalsTheAgentsStop(t *testing.T) {
	bin := testimage.HostBinary(t)
	dir := t.TempDir()
	eng, err := Open(context.Background(), Options{StateDir: dir, Runtime: process.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	h := &harness{t: t, dir: dir}
	h.connect(eng)
	app := container("app", "unused", true)
	app.EntryPoint = []string{bin}
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
