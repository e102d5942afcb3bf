package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// harness is an engine on Docker with SDK clients talking to it in-process.
type harness struct {
	t    *testing.T
	dir  string
	rt   runtime.Runtime
	eng  *Engine
	ecs  *awsecs.Client
	logs *cloudwatchlogs.Client
	arns []string // tasks run, for clean-up
}

func newHarness(t *testing.T) (*harness, string) {
	t.Helper()
	return newHarnessOn(t, "")
}

// newHarnessOn is newHarness on the Docker engine at host ("" for the
// environment's).
func newHarnessOn(t *testing.T, host string) (*harness, string) {
	t.Helper()
	var image string
	if host == "" {
		image = testimage.Image(t)
	} else {
		image = testimage.ImageOn(t, host)
	}
	rt, err := docker.New(docker.Options{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	h := &harness{t: t, dir: t.TempDir(), rt: rt}
	h.open()
	t.Cleanup(func() {
		if h.eng != nil {
			h.eng.Close()
		}
		h.removeContainers()
	})
	return h, image
}

// removeContainers removes the containers of the tasks this harness ran
// (and only those: other test packages run tasks on the same engine).
func (h *harness) removeContainers() {
	ctx := context.Background()
	for _, arn := range h.arns {
		cs, _ := h.rt.List(ctx, map[string]string{"com.amazonaws.ecs.task-arn": arn})
		for _, c := range cs {
			h.rt.Remove(ctx, c.ID)
		}
		if vr, ok := h.rt.(runtime.Volumes); ok {
			vs, _ := vr.ListVolumes(ctx, map[string]string{"com.amazonaws.ecs.task-arn": arn})
			for _, v := range vs {
				vr.RemoveVolume(ctx, v.Name)
			}
		}
	}
}

func (h *harness) open() {
	h.t.Helper()
	eng, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: h.rt, PullBehavior: runtime.PullPreferCached})
	if err != nil {
		h.t.Fatal(err)
	}
	h.connect(eng)
}

// connect points the harness's SDK clients at eng, in-process.
func (h *harness) connect(eng *Engine) {
	h.eng = eng
	modelcheck.Attach(h.t, eng.Handler().(*awsjson.Server))
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}
	h.ecs = awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://engine") })
	h.logs = cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String("http://engine") })
}

func (h *harness) close() {
	h.t.Helper()
	if err := h.eng.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.eng = nil
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return c
}

// run registers containers as family and runs one task.
func (h *harness) run(family string, containers ...types.ContainerDefinition) string {
	h.t.Helper()
	return h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String(family), ContainerDefinitions: containers}, nil)
}

// stopTask stops the task with StopTask and returns it once STOPPED.
func (h *harness) stopTask(arn string) types.Task {
	h.t.Helper()
	if _, err := h.ecs.StopTask(ctx(h.t), &awsecs.StopTaskInput{Task: aws.String(arn)}); err != nil {
		h.t.Fatal(err)
	}
	return h.waitStopped(arn)
}

// waitFor polls the task until cond holds or the deadline passes.
func (h *harness) waitFor(arn string, what string, cond func(types.Task) bool) types.Task {
	h.t.Helper()
	c := ctx(h.t)
	for {
		out, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Tasks: []string{arn}})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(out.Tasks) == 1 && cond(out.Tasks[0]) {
			return out.Tasks[0]
		}
		select {
		case <-c.Done():
			h.t.Fatalf("task %s: timed out waiting for %s; last %+v", arn, what, out.Tasks)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (h *harness) waitStopped(arn string) types.Task {
	return h.waitFor(arn, "STOPPED", func(t types.Task) bool { return aws.ToString(t.LastStatus) == "STOPPED" })
}

func (h *harness) waitRunning(arn string) types.Task {
	return h.waitFor(arn, "RUNNING", func(t types.Task) bool { return aws.ToString(t.LastStatus) == "RUNNING" })
}

func (h *harness) logLines(group, stream string) []string {
	h.t.Helper()
	out, err := h.logs.GetLogEvents(ctx(h.t), &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true),
	})
	if err != nil {
		h.t.Fatalf("GetLogEvents(%s, %s): %v", group, stream, err)
	}
	var lines []string
	for _, e := range out.Events {
		lines = append(lines, aws.ToString(e.Message))
	}
	return lines
}

func container(name, image string, essential bool, cmd ...string) types.ContainerDefinition {
	return types.ContainerDefinition{
		Name: aws.String(name), Image: aws.String(image), Memory: aws.Int32(64),
		Essential: aws.Bool(essential), Command: cmd,
	}
}

func taskID(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

func exitCode(t types.Task, name string) *int32 {
	for _, c := range t.Containers {
		if aws.ToString(c.Name) == name {
			return c.ExitCode
		}
	}
	return nil
}

// derefCode shows an exit code for a test's message: the number, or "none".
func derefCode(c *int32) string {
	if c == nil {
		return "none"
	}
	return strconv.Itoa(int(*c))
}

func TestEngine_ExitCodeAndLogs(t *testing.T) {
	h, image := newHarness(t)
	app := container("app", image, true, "out", "to stdout", "--", "err", "to stderr", "--", "exit", "7")
	app.LogConfiguration = &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
		"awslogs-group": "/ecs/exit7", "awslogs-stream-prefix": "ecs", "awslogs-region": "us-east-1",
	}}
	arn := h.run("exit7", app)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 7 {
		t.Errorf("exit code = %v; want 7", got)
	}
	if task.StopCode != types.TaskStopCodeEssentialContainerExited || aws.ToString(task.StoppedReason) != "Essential container in task exited" {
		t.Errorf("stop = %s %q; want EssentialContainerExited", task.StopCode, aws.ToString(task.StoppedReason))
	}
	for _, ts := range []*time.Time{task.CreatedAt, task.PullStartedAt, task.PullStoppedAt, task.StartedAt, task.StoppingAt, task.ExecutionStoppedAt, task.StoppedAt} {
		if ts == nil {
			t.Fatalf("a lifecycle timestamp is missing: %+v", task)
		}
	}
	if task.StoppedAt.Before(*task.StartedAt) || task.StartedAt.Before(*task.CreatedAt) {
		t.Errorf("timestamps out of order: created %v started %v stopped %v", task.CreatedAt, task.StartedAt, task.StoppedAt)
	}
	lines := strings.Join(h.logLines("/ecs/exit7", "ecs/app/"+taskID(arn)), "\n")
	if !strings.Contains(lines, "to stdout") || !strings.Contains(lines, "to stderr") {
		t.Errorf("log stream = %q; want both stdout and stderr lines", lines)
	}
}

func TestEngine_DefaultLogGroup(t *testing.T) {
	h, image := newHarness(t)
	arn := h.run("plain", container("main", image, true, "out", "hi"))
	h.waitStopped(arn)
	if got := h.logLines("/ecsrun/tasks", "plain/main/"+taskID(arn)); len(got) != 1 || got[0] != "hi" {
		t.Errorf("default log stream = %q; want [hi]", got)
	}
}

func TestEngine_EssentialExitStopsOthers(t *testing.T) {
	h, image := newHarness(t)
	// app exits once the sidecar's trap is installed (a file in a task
	// volume says so): a SIGTERM before it would be ignored.
	sidecar := container("sidecar", image, false, "trap", "TERM", "0", "sidecar got SIGTERM", "--", "write", "/sync/ready", "x", "--", "forever")
	app := container("app", image, true, "waitfile", "/sync/ready", "--", "exit", "3")
	for _, c := range []*types.ContainerDefinition{&sidecar, &app} {
		c.MountPoints = []types.MountPoint{{SourceVolume: aws.String("sync"), ContainerPath: aws.String("/sync")}}
	}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("sidecars"), Volumes: []types.Volume{{Name: aws.String("sync")}},
		ContainerDefinitions: []types.ContainerDefinition{sidecar, app},
	}, nil)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 3 {
		t.Errorf("app exit code = %v; want 3", got)
	}
	if got := exitCode(task, "sidecar"); got == nil || *got != 0 {
		t.Errorf("sidecar exit code = %v; want 0 (it trapped SIGTERM)", got)
	}
	if task.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stopCode = %s; want EssentialContainerExited", task.StopCode)
	}
	if got := h.logLines("/ecsrun/tasks", "sidecars/sidecar/"+taskID(arn)); len(got) != 1 || got[0] != "sidecar got SIGTERM" {
		t.Errorf("sidecar log = %q; want the trap's line", got)
	}
}

func TestEngine_NonEssentialExitKeepsRunning(t *testing.T) {
	h, image := newHarness(t)
	arn := h.run("batch",
		container("init", image, false, "exit", "0"),
		container("app", image, true, "trap", "TERM", "143", "app stopping", "--", "out", "ready", "--", "forever"),
	)
	// RUNNING means started, not that the SIGTERM trap is installed yet.
	h.waitFor(arn, "init stopped while the task runs", func(t types.Task) bool {
		return aws.ToString(t.LastStatus) == "RUNNING" && exitCode(t, "init") != nil &&
			slices.Contains(h.tryLogLines("/ecsrun/tasks", "batch/app/"+taskID(arn)), "ready")
	})
	if _, err := h.ecs.StopTask(ctx(t), &awsecs.StopTaskInput{Task: aws.String(arn), Reason: aws.String("test done")}); err != nil {
		t.Fatal(err)
	}
	task := h.waitStopped(arn)
	if task.StopCode != types.TaskStopCodeUserInitiated || aws.ToString(task.StoppedReason) != "test done" {
		t.Errorf("stop = %s %q; want UserInitiated \"test done\"", task.StopCode, aws.ToString(task.StoppedReason))
	}
	if got := exitCode(task, "app"); got == nil || *got != 143 {
		t.Errorf("app exit code = %v; want 143 from its SIGTERM trap", got)
	}
}

func TestEngine_StopTaskKillsAfterStopTimeout(t *testing.T) {
	h, image := newHarness(t)
	app := container("stubborn", image, true, "ignore", "TERM", "--", "out", "ready", "--", "forever")
	app.StopTimeout = aws.Int32(2)
	arn := h.run("stubborn", app)
	// RUNNING means started, not that the SIGTERM handler is installed yet.
	h.waitFor(arn, "ready", func(types.Task) bool {
		return slices.Contains(h.tryLogLines("/ecsrun/tasks", "stubborn/stubborn/"+taskID(arn)), "ready")
	})
	start := time.Now()
	task := h.stopTask(arn)
	if got := exitCode(task, "stubborn"); got == nil || *got != 137 {
		t.Errorf("exit code = %v; want 137 (SIGKILL after the stop timeout)", got)
	}
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("stopped after %v; want at least the 2 s stopTimeout", d)
	}
	if aws.ToString(task.StoppedReason) != "Task stopped by user" {
		t.Errorf("stoppedReason = %q; want the default user reason", aws.ToString(task.StoppedReason))
	}
}

func TestEngine_RestartKeepsStoppedTasksAndAdoptsRunningOnes(t *testing.T) {
	h, image := newHarness(t)
	done := h.run("finished", container("app", image, true, "exit", "4"))
	h.waitStopped(done)
	running := h.run("longrun", container("app", image, true, "trap", "TERM", "42", "after restart", "--", "out", "before restart", "--", "forever"))
	// The line says the SIGTERM trap is installed.
	h.waitFor(running, "before restart", func(types.Task) bool {
		return slices.Contains(h.tryLogLines("/ecsrun/tasks", "longrun/app/"+taskID(running)), "before restart")
	})

	h.close()
	h.open()

	task := h.waitStopped(done)
	if got := exitCode(task, "app"); got == nil || *got != 4 {
		t.Errorf("stopped task after restart: exit code %v; want 4", got)
	}
	h.waitRunning(running)
	if _, err := h.ecs.StopTask(ctx(t), &awsecs.StopTaskInput{Task: aws.String(running)}); err != nil {
		t.Fatal(err)
	}
	task = h.waitStopped(running)
	if got := exitCode(task, "app"); got == nil || *got != 42 {
		t.Errorf("adopted task: exit code %v; want 42 from its trap", got)
	}
	if got := h.logLines("/ecsrun/tasks", "longrun/app/"+taskID(running)); strings.Join(got, "|") != "before restart|after restart" {
		t.Errorf("adopted task log = %q; want each line once, in order", got)
	}
}

func TestEngine_UnpullableImageFailsToStart(t *testing.T) {
	h, _ := newHarness(t)
	arn := h.run("ghost", container("app", "ecsrun-test/does-not-exist:never", true))
	task := h.waitStopped(arn)
	if task.StopCode != types.TaskStopCodeTaskFailedToStart {
		t.Errorf("stopCode = %s; want TaskFailedToStart", task.StopCode)
	}
	reason := aws.ToString(task.Containers[0].Reason)
	if !strings.HasPrefix(reason, "CannotPullContainerError: ") {
		t.Errorf("container reason = %q; want CannotPullContainerError", reason)
	}
	if task.Containers[0].ExitCode != nil {
		t.Errorf("exit code = %d; want none", *task.Containers[0].ExitCode)
	}
}

func TestEngine_SecondOpenIsLocked(t *testing.T) {
	h, _ := newHarness(t)
	_, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: h.rt})
	if err != ErrLocked {
		t.Fatalf("second Open error = %v; want ErrLocked", err)
	}
}

func TestEngine_PortMappingsReportNetworkBindings(t *testing.T) {
	h, image := newHarness(t)
	app := container("web", image, true, "serve", ":8080", "hello", "--", "forever")
	app.PortMappings = []types.PortMapping{{ContainerPort: aws.Int32(8080), HostPort: aws.Int32(0)}}
	arn := h.run("web", app)
	task := h.waitRunning(arn)
	// Docker binds IPv4 and, where enabled, IPv6 (bindIP "::").
	var v4 *types.NetworkBinding
	for i, b := range task.Containers[0].NetworkBindings {
		if aws.ToString(b.BindIP) == "0.0.0.0" {
			v4 = &task.Containers[0].NetworkBindings[i]
		}
	}
	if v4 == nil || aws.ToInt32(v4.ContainerPort) != 8080 || aws.ToInt32(v4.HostPort) == 0 || v4.Protocol != types.TransportProtocolTcp {
		t.Fatalf("networkBindings = %+v; want 8080 bound on 0.0.0.0 to a dynamic host port over tcp", task.Containers[0].NetworkBindings)
	}
	// RUNNING means started, not listening yet: retry until the server answers.
	if body := getUntilAnswer(t, fmt.Sprintf("http://127.0.0.1:%d/", aws.ToInt32(v4.HostPort))); body != "hello" {
		t.Errorf("body = %q; want hello", body)
	}
	h.stopTask(arn)
}

// newProcessHarness is a harness on the process runtime, and a container
// definition running the toolbox as a host process.
func newProcessHarness(t *testing.T) (*harness, types.ContainerDefinition) {
	t.Helper()
	bin := testimage.HostBinary(t)
	dir := t.TempDir()
	eng, err := Open(context.Background(), Options{StateDir: dir, Runtime: process.New()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h := &harness{t: t, dir: dir}
	h.connect(eng)
	app := container("app", "unused", true)
	app.EntryPoint = []string{bin}
	return h, app
}

func TestEngine_ProcessRuntime(t *testing.T) {
	h, app := newProcessHarness(t)
	app.Command = []string{"getenv", "GREETING", "--", "exit", "5"}
	app.Environment = []types.KeyValuePair{{Name: aws.String("GREETING"), Value: aws.String("from the host")}}
	arn := h.run("proc", app)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 5 {
		t.Errorf("exit code = %v; want 5", got)
	}
	if got := h.logLines("/ecsrun/tasks", "proc/app/"+taskID(arn)); len(got) != 1 || got[0] != "from the host" {
		t.Errorf("log = %q; want the environment variable's value", got)
	}
}

func TestEngine_RemovesExpiredContainers(t *testing.T) {
	h, image := newHarness(t)
	h.close()
	eng, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: h.rt, PullBehavior: runtime.PullPreferCached, ContainerRetention: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	h.connect(eng)
	arn := h.run("cleanup", container("app", image, true, "exit", "0"))
	task := h.waitStopped(arn)
	id := aws.ToString(task.Containers[0].RuntimeId)
	if _, err := h.rt.Inspect(ctx(t), id); err != nil {
		t.Fatalf("the stopped container is already gone: %v", err)
	}
	if _, err := eng.RemoveExpiredContainers(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rt.Inspect(ctx(t), id); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Inspect after the retention = %v; want ErrNotFound", err)
	}
	// The task itself stays describable.
	if got := h.waitStopped(arn); aws.ToString(got.LastStatus) != "STOPPED" {
		t.Errorf("task = %s; want STOPPED", aws.ToString(got.LastStatus))
	}
}

func TestEngine_OutOfMemory(t *testing.T) {
	h, image := newHarness(t)
	app := container("hog", image, true, "waitfile", "/signal/go", "--", "allocchild", "256", "--", "forever")
	app.Memory = aws.Int32(16)
	arn := h.runDefThenSignal(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("oom"), ContainerDefinitions: []types.ContainerDefinition{app}})
	task := h.waitStopped(arn)
	c := task.Containers[0]
	if aws.ToString(c.Reason) != "OutOfMemoryError: Container killed due to memory usage" {
		t.Errorf("reason = %q; want OutOfMemoryError", aws.ToString(c.Reason))
	}
	if c.ExitCode == nil || *c.ExitCode != 137 {
		t.Errorf("exit code = %v; want 137", c.ExitCode)
	}
}

// getUntilAnswer GETs url until a server answers (a container RUNNING has
// started, not necessarily begun to listen) and returns the body, trimmed;
// the test fails at its deadline.
func getUntilAnswer(t *testing.T, url string) string {
	t.Helper()
	c := ctx(t)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return strings.TrimSpace(string(body))
		}
		select {
		case <-c.Done():
			t.Fatalf("GET %s: %v", url, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
