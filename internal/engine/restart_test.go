package engine

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
)

// engineDirEnv makes the test binary serve an engine on its state directory
// instead of running tests: the kill -9 test runs it as a subprocess.
const engineDirEnv = "ECSRUN_TEST_ENGINE_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(engineDirEnv); dir != "" {
		if err := serveEngine(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// serveEngine opens an engine on dir, serves its API on a loopback port
// written to dir/endpoint, and serves until killed.
func serveEngine(dir string) error {
	rt, err := docker.New(docker.Options{})
	if err != nil {
		return err
	}
	eng, err := Open(context.Background(), Options{StateDir: dir, Runtime: rt, PullBehavior: runtime.PullPreferCached})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "endpoint.tmp")
	if err := os.WriteFile(tmp, []byte("http://"+ln.Addr().String()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "endpoint")); err != nil {
		return err
	}
	return http.Serve(ln, eng.Handler())
}

// startEngineProcess runs the engine in a child process and returns its
// endpoint and the command.
func startEngineProcess(t *testing.T, dir string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), engineDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	c := ctx(t)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "endpoint")); err == nil {
			return string(b), cmd
		}
		select {
		case <-c.Done():
			t.Fatal("the engine process never wrote its endpoint")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// connectURL points the harness's SDK clients at an endpoint over HTTP.
func (h *harness) connectURL(url string) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}
	h.ecs = awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String(url) })
	h.logs = cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(url) })
}

func lines(prefix string, n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("%s %d", prefix, i))
	}
	return out
}

func TestEngine_KillNineMidTaskThenRestart(t *testing.T) {
	h, image := newHarness(t)
	h.close() // the engine runs in a child process first
	endpoint, cmd := startEngineProcess(t, h.dir)
	h.connectURL(endpoint)

	app := container("app", image, true, "lines", "200", "early", "--", "out", "ready", "--", "sleep", "2s", "--", "lines", "500", "late", "--", "exit", "7")
	sidecar := container("sidecar", image, false, "trap", "TERM", "0", "sidecar", "stopped", "--", "out", "sidecar", "up", "--", "forever")
	arn := h.run("killnine", app, sidecar)
	id := taskID(arn)
	task := h.waitFor(arn, "app ready and sidecar up", func(types.Task) bool {
		return slices.Contains(h.tryLogLines("/ecsrun/tasks", "killnine/app/"+id), "ready") &&
			slices.Contains(h.tryLogLines("/ecsrun/tasks", "killnine/sidecar/"+id), "sidecar up")
	})
	appID := aws.ToString(containerNamed(task, "app").RuntimeId)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	// While the engine is down the app writes 500 more lines and exits 7.
	if st, err := h.rt.Wait(ctx(t), appID); err != nil || st.ExitCode != 7 {
		t.Fatalf("app container: %+v, %v; want exit 7 while the engine is down", st, err)
	}
	h.open()
	task = h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 7 {
		t.Errorf("app exit code after the restart = %v; want its real exit code 7", got)
	}
	if got := exitCode(task, "sidecar"); got == nil || *got != 0 {
		t.Errorf("sidecar exit code = %v; want 0 (re-adopted, then stopped with SIGTERM)", got)
	}
	if task.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stopCode = %s; want EssentialContainerExited", task.StopCode)
	}
	want := append(append(lines("early", 200), "ready"), lines("late", 500)...)
	if got := h.allLogLines("/ecsrun/tasks", "killnine/app/"+id); !slices.Equal(got, want) {
		t.Errorf("app log has %d lines; want each of the %d exactly once, in order (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
	if got := h.logLines("/ecsrun/tasks", "killnine/sidecar/"+id); !slices.Equal(got, []string{"sidecar up", "sidecar stopped"}) {
		t.Errorf("sidecar log = %q; want its lines from before and after the restart", got)
	}
	cs, err := h.rt.List(ctx(t), map[string]string{"com.amazonaws.ecs.task-arn": arn})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Running {
			t.Errorf("container %s of the stopped task still runs (orphaned)", c.Name)
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// allLogLines reads a whole stream, page by page.
func (h *harness) allLogLines(group, stream string) []string {
	h.t.Helper()
	var lines []string
	in := &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)}
	for {
		out, err := h.logs.GetLogEvents(ctx(h.t), in)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, e := range out.Events {
			lines = append(lines, aws.ToString(e.Message))
		}
		if len(out.Events) == 0 || aws.ToString(out.NextForwardToken) == aws.ToString(in.NextToken) {
			return lines
		}
		in.NextToken = out.NextForwardToken
	}
}

func TestEngine_ContainerRemovedWhileTheEngineWasDownHasVanished(t *testing.T) {
	h, image := newHarness(t)
	app := container("app", image, true, "out", "up", "--", "forever")
	sidecar := container("sidecar", image, false, "trap", "TERM", "0", "sidecar stopped", "--", "out", "sidecar up", "--", "forever")
	arn := h.run("vanish", app, sidecar)
	task := h.waitFor(arn, "sidecar up", func(t types.Task) bool {
		return aws.ToString(t.LastStatus) == "RUNNING" && slices.Contains(h.tryLogLines("/ecsrun/tasks", "vanish/sidecar/"+taskID(arn)), "sidecar up")
	})
	h.close()
	if err := h.rt.Remove(ctx(t), aws.ToString(containerNamed(task, "app").RuntimeId)); err != nil {
		t.Fatal(err)
	}
	h.open()
	task = h.waitStopped(arn)
	c := containerNamed(task, "app")
	if aws.ToString(c.Reason) != "ContainerVanishedError: No container matching saved ID found" || c.ExitCode != nil {
		t.Errorf("app = exit %v reason %q; want no exit code and ContainerVanishedError", c.ExitCode, aws.ToString(c.Reason))
	}
	if task.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stopCode = %s; want EssentialContainerExited", task.StopCode)
	}
	if got := exitCode(task, "sidecar"); got == nil || *got != 0 {
		t.Errorf("sidecar exit code = %v; want 0 (re-adopted, then stopped with SIGTERM)", got)
	}
}
