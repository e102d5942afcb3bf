//go:build unix

// The runtime's behaviour tests run on Unix, where stop signals, process
// groups and user switching exist (see process_other_test.go elsewhere).

package process_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
	"github.com/ecsrun/ecsrun/internal/runtime/runtimetest"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

type harness struct {
	*runtimetest.Harness
	t   *testing.T
	rt  *process.Runtime
	bin string
	ctx context.Context
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	rt := process.New()
	rh := runtimetest.New(t, rt, time.Minute)
	h := &harness{Harness: rh, t: t, rt: rt, bin: testimage.HostBinary(t), ctx: rh.Ctx}
	rh.Spec = h.spec
	return h
}

func (h *harness) spec(args ...string) runtime.ContainerSpec {
	return runtime.ContainerSpec{Image: "ignored", EntryPoint: []string{h.bin}, Command: args}
}

func TestRuntime_ExitCodeAndStreams(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("out", "hello", "--", "sleep", "20ms", "--", "err", "oops", "--", "sleep", "20ms", "--", "out", "bye", "--", "exit", "7")
	spec.Labels = map[string]string{"k": "v"}
	id := h.Run(spec)
	st := h.Wait(id)
	if st.ExitCode != 7 || st.FinishedAt.IsZero() {
		t.Fatalf("Wait = %+v; want exit 7 with FinishedAt", st)
	}
	want := []string{"stdout:hello", "stderr:oops", "stdout:bye"}
	if got := runtimetest.Texts(h.Logs(id, runtime.LogOptions{})); !slices.Equal(got, want) {
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
	id := h.Run(spec)
	if st := h.Wait(id); st.ExitCode != 0 {
		t.Fatalf("Wait = %+v", st)
	}
	want := []string{"stdout:hello world", "stdout:" + dir, "stdout:data"}
	if got := runtimetest.Texts(h.Logs(id, runtime.LogOptions{})); !slices.Equal(got, want) {
		t.Fatalf("Logs = %q; want %q", got, want)
	}
}

func TestRuntime_FollowBeforeStartAndSince(t *testing.T) {
	h := newHarness(t)
	id, err := h.rt.Create(h.ctx, h.spec("out", "old", "--", "sleep", "50ms", "--", "lines", "3", "new"))
	if err != nil {
		t.Fatal(err)
	}
	_, done := h.Follow(id, "")
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	all := done()
	if got := runtimetest.Texts(all); !slices.Equal(got, []string{"stdout:old", "stdout:new 1", "stdout:new 2", "stdout:new 3"}) {
		t.Fatalf("Follow = %q", got)
	}
	got := runtimetest.Texts(h.Logs(id, runtime.LogOptions{Since: all[1].Time}))
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
	_, done := h.Follow(id, "")
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
	id := h.Run(h.spec("longline", "300000", "--", "outraw", "tail"))
	h.Wait(id)
	lines := h.Logs(id, runtime.LogOptions{})
	if len(lines) != 3 || len(lines[0].Text) != process.MaxLineBytes ||
		len(lines[1].Text) != 300000-process.MaxLineBytes || lines[2].Text != "tail" {
		t.Fatalf("got %d lines; want a cut long line and the unterminated tail", len(lines))
	}
}

func TestRuntime_StopDeliversSIGTERM(t *testing.T) {
	newHarness(t).CheckStopDeliversSIGTERM()
}

func TestRuntime_StopSignal(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("trap", "USR1", "4", "--", "out", "ready", "--", "forever")
	spec.StopSignal = "SIGUSR1"
	id := h.Run(spec)
	ready, _ := h.Follow(id, "ready")
	h.Await(ready, "ready")
	if err := h.rt.Stop(h.ctx, id, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if st := h.Wait(id); st.ExitCode != 4 {
		t.Fatalf("Wait = %+v; want 4 from the USR1 trap", st)
	}
}

func TestRuntime_StopKillsAfterTimeout(t *testing.T) {
	newHarness(t).CheckStopKillsAfterTimeout(300 * time.Millisecond)
}

func TestRuntime_ChildrenDieWithTheMainProcess(t *testing.T) {
	h := newHarness(t)
	// sh starts a child that holds stdout open and would outlive it.
	spec := runtime.ContainerSpec{EntryPoint: []string{"/bin/sh", "-c", h.bin + " forever & echo started"}}
	id := h.Run(spec)
	st := h.Wait(id)
	if st.ExitCode != 0 {
		t.Fatalf("Wait = %+v", st)
	}
	if got := runtimetest.Texts(h.Logs(id, runtime.LogOptions{})); !slices.Equal(got, []string{"stdout:started"}) {
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
	if st := h.Wait(id); st.ExitCode != 127 || st.Error == "" {
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
	idA := h.Run(a)
	idB := h.Run(b)
	if _, err := h.rt.Create(h.ctx, b); !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("Create with a used name = %v; want ErrCreate", err)
	}
	h.Wait(idB)
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
	h.Await(gotPid, "the pid")
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
