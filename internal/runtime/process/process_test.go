package process_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

type harness struct {
	t   *testing.T
	rt  *process.Runtime
	bin string
	ctx context.Context
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return &harness{t: t, rt: process.New(), bin: testimage.HostBinary(t), ctx: ctx}
}

func (h *harness) spec(args ...string) runtime.ContainerSpec {
	return runtime.ContainerSpec{Image: "ignored", EntryPoint: []string{h.bin}, Command: args}
}

func (h *harness) run(spec runtime.ContainerSpec) string {
	h.t.Helper()
	id, err := h.rt.Create(h.ctx, spec)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { h.rt.Remove(context.Background(), id) })
	if err := h.rt.Start(h.ctx, id); err != nil {
		h.t.Fatal(err)
	}
	return id
}

func (h *harness) wait(id string) runtime.ExitStatus {
	h.t.Helper()
	st, err := h.rt.Wait(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *harness) logs(id string, opts runtime.LogOptions) []runtime.LogLine {
	h.t.Helper()
	var lines []runtime.LogLine
	if err := h.rt.Logs(h.ctx, id, opts, func(l runtime.LogLine) { lines = append(lines, l) }); err != nil {
		h.t.Fatal(err)
	}
	return lines
}

// follow follows the logs in the background; ready closes when a line
// equal to readyText arrives; done waits for Logs to return.
func (h *harness) follow(id, readyText string) (ready <-chan struct{}, done func() []runtime.LogLine) {
	var (
		mu    sync.Mutex
		lines []runtime.LogLine
		once  sync.Once
		errC  = make(chan error, 1)
		r     = make(chan struct{})
	)
	go func() {
		errC <- h.rt.Logs(h.ctx, id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) {
			mu.Lock()
			lines = append(lines, l)
			mu.Unlock()
			if l.Text == readyText {
				once.Do(func() { close(r) })
			}
		})
	}()
	return r, func() []runtime.LogLine {
		if err := <-errC; err != nil {
			h.t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return lines
	}
}

func (h *harness) await(c <-chan struct{}, what string) {
	h.t.Helper()
	select {
	case <-c:
	case <-h.ctx.Done():
		h.t.Fatalf("timed out waiting for %s", what)
	}
}

func texts(lines []runtime.LogLine) []string {
	var out []string
	for _, l := range lines {
		out = append(out, string(l.Stream)+":"+l.Text)
	}
	return out
}

func TestRuntime_ExitCodeAndStreams(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("out", "hello", "--", "sleep", "20ms", "--", "err", "oops", "--", "sleep", "20ms", "--", "out", "bye", "--", "exit", "7")
	spec.Labels = map[string]string{"k": "v"}
	id := h.run(spec)
	st := h.wait(id)
	if st.ExitCode != 7 || st.FinishedAt.IsZero() {
		t.Fatalf("Wait = %+v; want exit 7 with FinishedAt", st)
	}
	want := []string{"stdout:hello", "stderr:oops", "stdout:bye"}
	if got := texts(h.logs(id, runtime.LogOptions{})); !slices.Equal(got, want) {
		t.Fatalf("Logs = %q; want %q", got, want)
	}
	info, err := h.rt.Inspect(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Running || !info.Exited || info.ExitCode != 7 || info.Image != "ignored" || info.Labels["k"] != "v" {
		t.Fatalf("Inspect = %+v", info)
	}
}

func TestRuntime_EnvAndWorkingDir(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	spec := h.spec("getenv", "GREETING", "--", "pwd", "--", "write", "f", "data", "--", "cat", "f")
	spec.Env = []string{"GREETING=hello world"}
	spec.WorkingDir = dir
	id := h.run(spec)
	if st := h.wait(id); st.ExitCode != 0 {
		t.Fatalf("Wait = %+v", st)
	}
	want := []string{"stdout:hello world", "stdout:" + dir, "stdout:data"}
	if got := texts(h.logs(id, runtime.LogOptions{})); !slices.Equal(got, want) {
		t.Fatalf("Logs = %q; want %q", got, want)
	}
}

func TestRuntime_FollowBeforeStartAndSince(t *testing.T) {
	h := newHarness(t)
	id, err := h.rt.Create(h.ctx, h.spec("out", "old", "--", "sleep", "50ms", "--", "lines", "3", "new"))
	if err != nil {
		t.Fatal(err)
	}
	_, done := h.follow(id, "")
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	all := done()
	if got := texts(all); !slices.Equal(got, []string{"stdout:old", "stdout:new 1", "stdout:new 2", "stdout:new 3"}) {
		t.Fatalf("Follow = %q", got)
	}
	got := texts(h.logs(id, runtime.LogOptions{Since: all[1].Time}))
	if !slices.Equal(got, []string{"stdout:new 1", "stdout:new 2", "stdout:new 3"}) {
		t.Fatalf("Logs(Since) = %q; want the new lines only", got)
	}
}

func TestRuntime_FollowDeliversTheLastLines(t *testing.T) {
	h := newHarness(t)
	id, err := h.rt.Create(h.ctx, h.spec("burst", "200", "p"))
	if err != nil {
		t.Fatal(err)
	}
	_, done := h.follow(id, "")
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr, wantOut, wantErr []string
	for _, l := range done() {
		if l.Stream == runtime.Stderr {
			stderr = append(stderr, l.Text)
		} else {
			stdout = append(stdout, l.Text)
		}
	}
	for n := 1; n <= 200; n++ {
		wantOut = append(wantOut, fmt.Sprintf("p out %d", n))
		wantErr = append(wantErr, fmt.Sprintf("p err %d", n))
	}
	wantOut = append(wantOut, "p end")
	if !slices.Equal(stdout, wantOut) || !slices.Equal(stderr, wantErr) {
		t.Fatalf("Follow delivered %d lines on stdout (last %q), %d on stderr; want 201 ending with \"p end\", 200",
			len(stdout), stdout[max(0, len(stdout)-1):], len(stderr))
	}
}

func TestRuntime_LongAndPartialLines(t *testing.T) {
	h := newHarness(t)
	id := h.run(h.spec("longline", "300000", "--", "outraw", "tail"))
	h.wait(id)
	lines := h.logs(id, runtime.LogOptions{})
	if len(lines) != 3 || len(lines[0].Text) != process.MaxLineBytes ||
		len(lines[1].Text) != 300000-process.MaxLineBytes || lines[2].Text != "tail" {
		t.Fatalf("got %d lines; want a cut long line and the unterminated tail", len(lines))
	}
}

func TestRuntime_StopDeliversSIGTERM(t *testing.T) {
	h := newHarness(t)
	id := h.run(h.spec("trap", "TERM", "3", "got", "SIGTERM", "--", "out", "ready", "--", "forever"))
	ready, done := h.follow(id, "ready")
	h.await(ready, "ready")
	start := time.Now()
	if err := h.rt.Stop(h.ctx, id, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Stop took %v; want well under the timeout", d)
	}
	if st := h.wait(id); st.ExitCode != 3 {
		t.Fatalf("Wait = %+v; want 3 from the trap", st)
	}
	if got := texts(done()); !slices.Equal(got, []string{"stdout:ready", "stdout:got SIGTERM"}) {
		t.Fatalf("Logs = %q", got)
	}
	if err := h.rt.Stop(h.ctx, id, time.Second); err != nil {
		t.Fatalf("Stop of a stopped container: %v", err)
	}
}

func TestRuntime_StopSignal(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("trap", "USR1", "4", "--", "out", "ready", "--", "forever")
	spec.StopSignal = "SIGUSR1"
	id := h.run(spec)
	ready, _ := h.follow(id, "ready")
	h.await(ready, "ready")
	if err := h.rt.Stop(h.ctx, id, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := h.wait(id); st.ExitCode != 4 {
		t.Fatalf("Wait = %+v; want 4 from the USR1 trap", st)
	}
}

func TestRuntime_StopKillsAfterTimeout(t *testing.T) {
	h := newHarness(t)
	id := h.run(h.spec("ignore", "TERM", "--", "out", "ready", "--", "forever"))
	ready, _ := h.follow(id, "ready")
	h.await(ready, "ready")
	start := time.Now()
	if err := h.rt.Stop(h.ctx, id, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Stop returned after %v; want the timeout to pass first", d)
	}
	if st := h.wait(id); st.ExitCode != 137 {
		t.Fatalf("Wait = %+v; want 137", st)
	}
}

func TestRuntime_ChildrenDieWithTheMainProcess(t *testing.T) {
	h := newHarness(t)
	// sh starts a child that holds stdout open and would outlive it.
	spec := runtime.ContainerSpec{EntryPoint: []string{"/bin/sh", "-c", h.bin + " forever & echo started"}}
	id := h.run(spec)
	st := h.wait(id)
	if st.ExitCode != 0 {
		t.Fatalf("Wait = %+v", st)
	}
	if got := texts(h.logs(id, runtime.LogOptions{})); !slices.Equal(got, []string{"stdout:started"}) {
		t.Fatalf("Logs = %q", got)
	}
}

func TestRuntime_StartFailure(t *testing.T) {
	h := newHarness(t)
	id, err := h.rt.Create(h.ctx, runtime.ContainerSpec{EntryPoint: []string{"/nonexistent/program"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.rt.Start(h.ctx, id); !errors.Is(err, runtime.ErrStart) {
		t.Fatalf("Start = %v; want ErrStart", err)
	}
	if st := h.wait(id); st.ExitCode != 127 || st.Error == "" {
		t.Fatalf("Wait = %+v; want 127 with an error", st)
	}
	if _, err := h.rt.Create(h.ctx, runtime.ContainerSpec{Image: "x"}); !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("Create without a command = %v; want ErrCreate", err)
	}
}

func TestRuntime_ListRemoveNotFound(t *testing.T) {
	h := newHarness(t)
	a := h.spec("pid", "--", "forever")
	a.Name, a.Labels = "a", map[string]string{"app": "x", "role": "a"}
	b := h.spec("exit", "0")
	b.Name, b.Labels = "b", map[string]string{"app": "x"}
	idA := h.run(a)
	idB := h.run(b)
	if _, err := h.rt.Create(h.ctx, b); !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("Create with a used name = %v; want ErrCreate", err)
	}
	h.wait(idB)
	list, err := h.rt.List(h.ctx, map[string]string{"app": "x"})
	if err != nil || len(list) != 2 {
		t.Fatalf("List(app=x) = %d, %v; want 2", len(list), err)
	}
	list, _ = h.rt.List(h.ctx, map[string]string{"app": "x", "role": "a"})
	if len(list) != 1 || list[0].ID != idA || !list[0].Running {
		t.Fatalf("List(app=x,role=a) = %+v; want the running a", list)
	}
	if st, err := h.rt.Inspect(h.ctx, "a"); err != nil || st.ID != idA {
		t.Fatalf("Inspect by name = %+v, %v", st, err)
	}
	var pid int
	gotPid := make(chan struct{})
	go h.rt.Logs(h.ctx, idA, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) {
		if pid == 0 {
			pid, _ = strconv.Atoi(l.Text)
			close(gotPid)
		}
	})
	h.await(gotPid, "the pid")
	if err := h.rt.Remove(h.ctx, idA); err != nil {
		t.Fatalf("Remove of a running container: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d after Remove: kill(0) = %v; want ESRCH (killed and reaped)", pid, err)
	}
	checks := map[string]error{
		"Start":  h.rt.Start(h.ctx, idA),
		"Stop":   h.rt.Stop(h.ctx, idA, time.Second),
		"Remove": h.rt.Remove(h.ctx, idA),
		"Logs":   h.rt.Logs(h.ctx, idA, runtime.LogOptions{}, func(runtime.LogLine) {}),
	}
	_, checks["Wait"] = h.rt.Wait(h.ctx, idA)
	_, checks["Inspect"] = h.rt.Inspect(h.ctx, "a")
	for op, err := range checks {
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("%s(removed) = %v; want ErrNotFound", op, err)
		}
	}
}

func TestRuntime_PortsAndPull(t *testing.T) {
	h := newHarness(t)
	if _, err := h.rt.Pull(h.ctx, "anything:latest", runtime.PullAlways); err != nil {
		t.Fatalf("Pull = %v; want a no-op success", err)
	}
	spec := h.spec("exit", "0")
	spec.PortBindings = []runtime.PortBinding{{ContainerPort: 8080}}
	id, err := h.rt.Create(h.ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := h.rt.Inspect(h.ctx, id)
	if len(st.Ports) != 1 || st.Ports[0].HostPort != 8080 || st.Ports[0].Protocol != "tcp" {
		t.Fatalf("Ports = %+v; want 8080/tcp on the host", st.Ports)
	}
	if strings.Contains(st.ID, "-") || len(st.ID) != 64 {
		t.Errorf("ID %q; want 64 hex digits", st.ID)
	}
	// Removing a container that never started ends waiters.
	if err := h.rt.Remove(h.ctx, id); err != nil {
		t.Fatal(err)
	}
}
