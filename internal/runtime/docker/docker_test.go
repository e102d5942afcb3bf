package docker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/runtime/runtimetest"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// harness is one test's runtime, toolbox image and deadline.
type harness struct {
	*runtimetest.Harness
	t     *testing.T
	rt    *docker.Runtime
	image string
	ctx   context.Context
	label string // unique value of the ecsrun.test label on its containers
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	img := testimage.Image(t)
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	rh := runtimetest.New(t, rt, 2*time.Minute)
	h := &harness{Harness: rh, t: t, rt: rt, image: img, ctx: rh.Ctx, label: randHex(8)}
	rh.Spec = h.spec
	return h
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// spec returns a spec running the toolbox with args, labelled for this test.
func (h *harness) spec(args ...string) runtime.ContainerSpec {
	return runtime.ContainerSpec{
		Name:    "ecsrun-test-" + randHex(10),
		Image:   h.image,
		Command: args,
		Labels:  map[string]string{"ecsrun.test": h.label},
	}
}

func TestRuntime_ExitCodeAndStreams(t *testing.T) {
	h := newHarness(t)
	// The sleeps inside the container keep the engine's per-stream copiers
	// from reordering lines written back to back on two pipes.
	id := h.Run(h.spec("out", "hello", "--", "sleep", "50ms", "--", "err", "oops", "--", "sleep", "50ms", "--", "out", "bye", "--", "exit", "7"))
	st := h.Wait(id)
	if st.ExitCode != 7 || st.OOMKilled {
		t.Fatalf("Wait = %+v; want exit 7, not OOM", st)
	}
	if st.FinishedAt.IsZero() {
		t.Errorf("FinishedAt is zero")
	}
	lines := h.Logs(id, runtime.LogOptions{})
	want := []string{"stdout:hello", "stderr:oops", "stdout:bye"}
	if got := runtimetest.Texts(lines); !slices.Equal(got, want) {
		t.Fatalf("Logs = %q; want %q", got, want)
	}
	// The engine stamps a line when its copier reads it, which can be a few
	// milliseconds after the process exited.
	for _, l := range lines {
		if l.Time.IsZero() || l.Time.After(st.FinishedAt.Add(time.Second)) {
			t.Errorf("line %q time %v; want non-zero, by FinishedAt %v (+1 s)", l.Text, l.Time, st.FinishedAt)
		}
	}
	// Wait again on the stopped container returns the same at once.
	again := h.Wait(id)
	if again.ExitCode != 7 {
		t.Fatalf("second Wait = %+v; want exit 7", again)
	}
	info, err := h.rt.Inspect(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Running || !info.Exited || info.ExitCode != 7 || info.Labels["ecsrun.test"] != h.label || info.ImageID == "" {
		t.Fatalf("Inspect = %+v; want exited with 7, our label and an image id", info)
	}
}

func TestRuntime_WaitAfterExit(t *testing.T) {
	h := newHarness(t)
	id := h.Run(h.spec("exit", "3"))
	// Make sure the container has exited before Wait is called.
	_, done := h.Follow(id, "")
	done()
	if st := h.Wait(id); st.ExitCode != 3 {
		t.Fatalf("Wait = %+v; want exit 3", st)
	}
}

// TestRuntime_WaitAfterARestartWaitsForTheNewRun: a follow that ended
// with the container's exit lets the next Wait answer at once; a Start
// between them makes Wait wait for the new run's exit instead.
func TestRuntime_WaitAfterARestartWaitsForTheNewRun(t *testing.T) {
	h := newHarness(t)
	id := h.Run(h.spec("sleep", "300ms", "--", "exit", "3"))
	_, done := h.Follow(id, "")
	done()
	st0, err := h.rt.Inspect(h.ctx, id)
	if err != nil || !st0.Exited {
		t.Fatalf("Inspect after the follow = %+v, %v; want exited", st0, err)
	}
	restarted := time.Now()
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	st := h.Wait(id)
	if st.ExitCode != 3 || !st.FinishedAt.After(restarted) {
		t.Fatalf("Wait after the restart = %+v; want exit 3 of the run started at %v", st, restarted)
	}
}

// TestRuntime_FollowAfterARestartEndsWithTheNewRun: a container started
// again has its earlier run's die event (which can end a follow sooner
// than the wait for its exit); the follow of the new run ends with the new
// run's exit, with all its output, and Wait gives how it ended.
func TestRuntime_FollowAfterARestartEndsWithTheNewRun(t *testing.T) {
	h := newHarness(t)
	id := h.Run(h.spec("out", "begin", "--", "sleep", "300ms", "--", "out", "end", "--", "exit", "3"))
	_, done := h.Follow(id, "")
	if got, want := runtimetest.Texts(done()), []string{"stdout:begin", "stdout:end"}; !slices.Equal(got, want) {
		t.Fatalf("the first run's follow delivered %q; want %q", got, want)
	}
	if st := h.Wait(id); st.ExitCode != 3 {
		t.Fatalf("Wait after the first run = %+v; want exit 3", st)
	}
	restarted := time.Now()
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	_, done = h.Follow(id, "")
	// The log holds both runs.
	if got, want := runtimetest.Texts(done()), []string{"stdout:begin", "stdout:end", "stdout:begin", "stdout:end"}; !slices.Equal(got, want) {
		t.Fatalf("the second run's follow delivered %q; want %q", got, want)
	}
	if st := h.Wait(id); st.ExitCode != 3 || !st.FinishedAt.After(restarted) {
		t.Fatalf("Wait after the second run = %+v; want exit 3 of the run started at %v", st, restarted)
	}
	t.Logf("follows ended by a die event in this process so far: %d", docker.DieEnds())
}

// TestRuntime_DieEventOfTheRunAskedFor: the die event watched for is the
// one of the run that started at the time given, also when it came before
// the watch; an earlier run's is not.
func TestRuntime_DieEventOfTheRunAskedFor(t *testing.T) {
	h := newHarness(t)
	id := h.Run(h.spec("exit", "4"))
	h.Wait(id)
	st, err := h.rt.Inspect(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	var first docker.Died
	select {
	case first = <-h.rt.WatchDie(ctx, id, st.StartedAt):
	case <-ctx.Done():
		t.Fatal("no die event for a run that has ended")
	}
	if first.ExitCode != 4 || first.At.Before(st.FinishedAt) {
		t.Fatalf("die event %+v; want exit code 4, after the run's end at %v", first, st.FinishedAt)
	}
	// Watched for a run that starts after it: the first run's event, in
	// the engine's recent events, is left out.
	dies := h.rt.WatchDie(ctx, id, first.At.Add(time.Nanosecond))
	restarted := time.Now()
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-dies:
		if d.ExitCode != 4 || !d.At.After(restarted) {
			t.Fatalf("die event %+v; want the second run's, after %v", d, restarted)
		}
	case <-ctx.Done():
		t.Fatal("no die event for the second run")
	}
}

func TestRuntime_FollowBeforeStart(t *testing.T) {
	h := newHarness(t)
	id := h.Create(h.spec("lines", "100", "line", "--", "sleep", "200ms", "--", "out", "last"))
	_, done := h.Follow(id, "")
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	lines := done()
	if len(lines) != 101 || lines[0].Text != "line 1" || lines[100].Text != "last" {
		t.Fatalf("Follow delivered %d lines (%q...); want 101 from \"line 1\" to \"last\"", len(lines), runtimetest.Texts(lines[:min(3, len(lines))]))
	}
}

func TestRuntime_LongAndPartialLines(t *testing.T) {
	h := newHarness(t)
	id := h.Run(h.spec("longline", "40000", "--", "longline", fmt.Sprint(docker.MaxLineBytes+1),
		"--", "outraw", "crlf\r\n", "--", "out", "short", "--", "outraw", "no newline"))
	h.Wait(id)
	lines := h.Logs(id, runtime.LogOptions{})
	// Lines longer than 16 KiB come in pieces that are joined again, up
	// to MaxLineBytes; a CR stays, as with the awslogs driver.
	var got []string
	for _, l := range lines {
		if len(l.Text) > 20 && strings.Trim(l.Text, "x") == "" {
			got = append(got, fmt.Sprintf("%d x", len(l.Text)))
		} else {
			got = append(got, l.Text)
		}
	}
	want := []string{"40000 x", fmt.Sprintf("%d x", docker.MaxLineBytes), "x", "crlf\r", "short", "no newline"}
	if !slices.Equal(got, want) {
		t.Fatalf("lines = %q; want %q", got, want)
	}
	if !lines[1].Time.Equal(lines[2].Time) {
		t.Errorf("the pieces of a cut line are stamped %v and %v; want the same time", lines[1].Time, lines[2].Time)
	}
}

// followAll creates the containers of specs, follows each from before it
// starts, starts them all at once, and returns each one's lines once its
// follow has returned (nil when it failed, which fails the test).
func (h *harness) followAll(specs []runtime.ContainerSpec) [][]runtime.LogLine {
	h.t.Helper()
	got := make([][]runtime.LogLine, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, spec := range specs {
		id := h.Create(spec)
		wg.Go(func() {
			errs[i] = h.rt.Logs(h.ctx, id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) { got[i] = append(got[i], l) })
		})
		if err := h.rt.Start(h.ctx, id); err != nil {
			h.t.Fatal(err)
		}
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			h.t.Errorf("container %d: Logs(Follow): %v", i, err)
			got[i] = nil
		}
	}
	return got
}

// TestRuntime_FollowDeliversTheLastLines follows many containers that each
// write a burst on both streams and a last line without a newline as they
// exit: a follow must deliver every line of each before it returns (the
// engine's own follow can end before the last ones).
func TestRuntime_FollowDeliversTheLastLines(t *testing.T) {
	h := newHarness(t)
	const containers, lines = 20, 20
	var specs []runtime.ContainerSpec
	for i := range containers {
		specs = append(specs, h.spec("burst", fmt.Sprint(lines), fmt.Sprintf("c%d", i)))
	}
	for i, got := range h.followAll(specs) {
		var stdout, stderr, wantOut, wantErr []string
		for _, l := range got {
			if l.Stream == runtime.Stderr {
				stderr = append(stderr, l.Text)
			} else {
				stdout = append(stdout, l.Text)
			}
		}
		for n := 1; n <= lines; n++ {
			wantOut = append(wantOut, fmt.Sprintf("c%d out %d", i, n))
			wantErr = append(wantErr, fmt.Sprintf("c%d err %d", i, n))
		}
		wantOut = append(wantOut, fmt.Sprintf("c%d end", i))
		if !slices.Equal(stdout, wantOut) || !slices.Equal(stderr, wantErr) {
			t.Errorf("container %d: Follow delivered %d lines, stdout ending %q, stderr ending %q; want %d, stdout ending %q",
				i, len(got), stdout[max(0, len(stdout)-2):], stderr[max(0, len(stderr)-2):], 2*lines+1, wantOut[lines-1:])
		}
	}
}

// TestRuntime_FollowJoinsTheLastLongLine follows containers whose last
// line, longer than the engine's 16 KiB messages, has no newline: the
// engine records its pieces as the container exits, and a follow must
// deliver them joined, even when it gets some pieces only by reading again.
func TestRuntime_FollowJoinsTheLastLongLine(t *testing.T) {
	h := newHarness(t)
	var specs []runtime.ContainerSpec
	for range 8 {
		specs = append(specs, h.spec("longline", "40000", "--", "longraw", "40000"))
	}
	for i, got := range h.followAll(specs) {
		var sizes []string
		for _, l := range got {
			sizes = append(sizes, fmt.Sprintf("%d %.1s", len(l.Text), l.Text))
		}
		if want := []string{"40000 x", "40000 y"}; !slices.Equal(sizes, want) {
			t.Errorf("container %d: Follow delivered lines of %q; want %q", i, sizes, want)
		}
	}
}

func TestRuntime_LogsSince(t *testing.T) {
	h := newHarness(t)
	id := h.Run(h.spec("out", "old", "--", "sleep", "300ms", "--", "out", "new"))
	h.Wait(id)
	all := h.Logs(id, runtime.LogOptions{})
	if got := runtimetest.Texts(all); !slices.Equal(got, []string{"stdout:old", "stdout:new"}) {
		t.Fatalf("Logs = %q; want old, new", got)
	}
	since := all[0].Time.Add(all[1].Time.Sub(all[0].Time) / 2)
	got := runtimetest.Texts(h.Logs(id, runtime.LogOptions{Since: since}))
	if !slices.Equal(got, []string{"stdout:new"}) {
		t.Fatalf("Logs(Since %v) = %q; want only new", since, got)
	}
}

func TestRuntime_StopDeliversSIGTERM(t *testing.T) {
	newHarness(t).CheckStopDeliversSIGTERM()
}

func TestRuntime_StopKillsAfterTimeout(t *testing.T) {
	newHarness(t).CheckStopKillsAfterTimeout(time.Second)
}

func TestRuntime_OOMKilled(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("waitfile", "/signal/go", "--", "allocchild", "256", "--", "out", "survived", "--", "exit", "0")
	spec.MemoryBytes = 16 << 20
	id := h.runThenSignal(spec)
	st := h.Wait(id)
	if !st.OOMKilled || st.ExitCode != 137 {
		t.Fatalf("Wait = %+v; want OOMKilled with exit 137", st)
	}
	info, err := h.rt.Inspect(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !info.OOMKilled {
		t.Fatalf("Inspect = %+v; want OOMKilled", info)
	}
}

// TestRuntime_OOMKilledWithItsOwnExitCode: a container whose child the
// OOM killer ended, and that then exits with a code of its own, is
// OOMKilled, as Docker (and so the ECS agent) says, also when the follow
// of its output ended with its die event.
func TestRuntime_OOMKilledWithItsOwnExitCode(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("waitfile", "/signal/go", "--", "allocchildthen", "256", "--", "out", "survived", "--", "exit", "3")
	spec.MemoryBytes = 16 << 20
	id := h.runThenSignal(spec)
	_, done := h.Follow(id, "")
	lines := done()
	st := h.Wait(id)
	if !st.OOMKilled || st.ExitCode != 3 || !slices.Contains(runtimetest.Texts(lines), "stdout:survived") {
		t.Fatalf("Wait = %+v after the output %q; want OOMKilled with exit 3 after \"survived\"", st, runtimetest.Texts(lines))
	}
}

func TestRuntime_SpecIsApplied(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("getenv", "GREETING", "--", "pwd", "--", "id", "--", "hostname")
	spec.Env = []string{"GREETING=hello world"}
	spec.WorkingDir = "/tmp"
	spec.User = "1234:5678"
	spec.Hostname = "toolbox-host"
	spec.Init = true
	spec.Mounts = []runtime.Mount{{Target: "/data"}}
	spec.Ulimits = []runtime.Ulimit{{Name: "nofile", Soft: 1000, Hard: 2000}}
	spec.CPUShares = 256
	spec.MemoryReservationBytes = 32 << 20
	spec.StopSignal = "SIGUSR1"
	id := h.Run(spec)
	st := h.Wait(id)
	got := runtimetest.Texts(h.Logs(id, runtime.LogOptions{}))
	want := []string{"stdout:hello world", "stdout:/tmp", "stdout:uid=1234 gid=5678", "stdout:toolbox-host"}
	if st.ExitCode != 0 || !slices.Equal(got, want) {
		t.Fatalf("Wait = %+v, Logs = %q; want 0 and %q", st, got, want)
	}
	info, err := h.rt.Client().ContainerInspect(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	hc := info.HostConfig
	if hc.CPUShares != 256 || hc.MemoryReservation != 32<<20 || hc.Init == nil || !*hc.Init ||
		len(hc.Ulimits) != 1 || hc.Ulimits[0].Soft != 1000 || info.Config.StopSignal != "SIGUSR1" {
		t.Fatalf("HostConfig = %+v, StopSignal %q; want the spec's resources, init, ulimits and stop signal", hc, info.Config.StopSignal)
	}
}

func TestRuntime_ReadonlyRootfs(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("write", "/tmp/f", "x")
	spec.ReadonlyRootfs = true
	id := h.Run(spec)
	if st := h.Wait(id); st.ExitCode != 125 {
		t.Fatalf("Wait = %+v; want 125 (write refused on a read-only root)", st)
	}
}

func TestRuntime_BindMount(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	spec := h.spec("write", "/data/f", "from", "container", "--", "cat", "/ro/f")
	spec.Mounts = []runtime.Mount{{Source: dir, Target: "/data"}, {Source: dir, Target: "/ro", ReadOnly: true}}
	id := h.Run(spec)
	st := h.Wait(id)
	got := runtimetest.Texts(h.Logs(id, runtime.LogOptions{}))
	if st.ExitCode != 0 || !slices.Equal(got, []string{"stdout:from container"}) {
		t.Fatalf("Wait = %+v, logs %q; want 0 and the file's text", st, got)
	}
	spec = h.spec("write", "/ro/g", "x")
	spec.Mounts = []runtime.Mount{{Source: dir, Target: "/ro", ReadOnly: true}}
	if st := h.Wait(h.Run(spec)); st.ExitCode != 125 {
		t.Fatalf("write to read-only mount: Wait = %+v; want 125", st)
	}
}

func TestRuntime_DynamicHostPort(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("serve", ":8080", "hi", "from", "toolbox", "--", "out", "ready", "--", "forever")
	spec.PortBindings = []runtime.PortBinding{{ContainerPort: 8080, Protocol: "tcp"}}
	id := h.Run(spec)
	ready, _ := h.Follow(id, "ready")
	h.Await(ready, "ready")
	info, err := h.rt.Inspect(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Ports) == 0 {
		t.Fatalf("Inspect Ports empty; want a resolved binding")
	}
	p := info.Ports[0]
	if p.ContainerPort != 8080 || p.Protocol != "tcp" || p.HostPort == 0 {
		t.Fatalf("Ports = %+v; want 8080/tcp with a host port", info.Ports)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", p.HostPort))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "hi from toolbox\n" {
		t.Fatalf("GET / = %q; want %q", b, "hi from toolbox\n")
	}
}

func TestRuntime_ListByLabel(t *testing.T) {
	h := newHarness(t)
	a := h.spec("exit", "0")
	b := h.spec("exit", "0")
	b.Labels["ecsrun.role"] = "b"
	idA := h.Create(a)
	idB := h.Run(b)
	h.Wait(idB)

	all, err := h.rt.List(h.ctx, map[string]string{"ecsrun.test": h.label})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range all {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	want := []string{idA, idB}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("List = %q; want %q", ids, want)
	}
	onlyB, err := h.rt.List(h.ctx, map[string]string{"ecsrun.test": h.label, "ecsrun.role": "b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(onlyB) != 1 || onlyB[0].ID != idB || !onlyB[0].Exited {
		t.Fatalf("List(both labels) = %+v; want only the exited %s", onlyB, idB)
	}
}

func TestRuntime_RemoveAndNotFound(t *testing.T) {
	h := newHarness(t)
	id := h.Run(h.spec("forever"))
	if err := h.rt.Remove(h.ctx, id); err != nil {
		t.Fatalf("Remove of a running container: %v", err)
	}
	if _, err := h.rt.Inspect(h.ctx, id); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("Inspect after Remove: %v; want ErrNotFound", err)
	}
	missing := "ecsrun-test-missing-" + randHex(6)
	checks := map[string]error{
		"Start":  h.rt.Start(h.ctx, missing),
		"Stop":   h.rt.Stop(h.ctx, missing, time.Second),
		"Remove": h.rt.Remove(h.ctx, missing),
		"Logs":   h.rt.Logs(h.ctx, missing, runtime.LogOptions{}, func(runtime.LogLine) {}),
	}
	_, checks["Wait"] = h.rt.Wait(h.ctx, missing)
	_, checks["Inspect"] = h.rt.Inspect(h.ctx, missing)
	for op, err := range checks {
		if !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("%s(missing) = %v; want ErrNotFound", op, err)
		}
	}
}

func TestRuntime_CreateMissingImage(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("exit", "0")
	spec.Image = "ecsrun-test/missing-" + randHex(6) + ":latest"
	_, err := h.rt.Create(h.ctx, spec)
	if !errors.Is(err, runtime.ErrImageNotFound) || !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("Create with a missing image = %v; want ErrImageNotFound and ErrCreate", err)
	}
}

func TestRuntime_CreateNameInUse(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("exit", "0")
	h.Create(spec)
	_, err := h.rt.Create(h.ctx, spec)
	if !errors.Is(err, runtime.ErrNameInUse) || !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("Create with a name in use = %v; want ErrNameInUse and ErrCreate", err)
	}
	spec.Image = "ecsrun-test/missing-" + randHex(6) + ":latest"
	spec.Name = "ecsrun-test-" + randHex(10)
	if _, err := h.rt.Create(h.ctx, spec); errors.Is(err, runtime.ErrNameInUse) {
		t.Errorf("Create with a missing image = %v; want no ErrNameInUse", err)
	}
}

// tagToolbox gives the toolbox image a second, never-pushed name.
func (h *harness) tagToolbox() (ref, id string) {
	h.t.Helper()
	ref = "ecsrun-test/pull-" + randHex(6) + ":latest"
	cli := h.rt.Client()
	if err := cli.ImageTag(h.ctx, h.image, ref); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		cli.ImageRemove(context.Background(), ref, image.RemoveOptions{})
	})
	img, err := cli.ImageInspect(h.ctx, ref)
	if err != nil {
		h.t.Fatal(err)
	}
	return ref, img.ID
}

func TestRuntime_PullFallsBackToCache(t *testing.T) {
	h := newHarness(t)
	ref, id := h.tagToolbox()
	for _, b := range []runtime.PullBehavior{runtime.PullDefault, "", runtime.PullOnce, runtime.PullPreferCached} {
		start := time.Now()
		res, err := h.rt.Pull(h.ctx, ref, b)
		d := time.Since(start)
		if err != nil {
			t.Fatalf("Pull(%q) = %v; want the cached image", b, err)
		}
		if res.ImageID != id || !res.Cached {
			t.Errorf("Pull(%q) = %+v; want cached %s", b, res, id)
		}
		if d > 5*time.Second {
			t.Errorf("Pull(%q) took %v; want a quick fallback", b, d)
		}
		t.Logf("Pull(%q) of a local-only image: %v", b, d)
	}
	if _, err := h.rt.Pull(h.ctx, ref, runtime.PullAlways); !errors.Is(err, runtime.ErrPull) {
		t.Fatalf("Pull(always) = %v; want ErrPull (no registry)", err)
	}
	if _, err := h.rt.Pull(h.ctx, ref, "sometimes"); err == nil {
		t.Fatalf("Pull with an unknown behaviour succeeded")
	}
}

func TestRuntime_PullMissingImage(t *testing.T) {
	h := newHarness(t)
	ref := "ecsrun-test/missing-" + randHex(6) + ":latest"
	for _, b := range []runtime.PullBehavior{runtime.PullDefault, runtime.PullOnce, runtime.PullPreferCached} {
		start := time.Now()
		_, err := h.rt.Pull(h.ctx, ref, b)
		d := time.Since(start)
		if !errors.Is(err, runtime.ErrImageNotFound) || !errors.Is(err, runtime.ErrPull) {
			t.Fatalf("Pull(%q) of a missing image = %v; want ErrImageNotFound and ErrPull", b, err)
		}
		if d > 6*time.Second {
			t.Errorf("Pull(%q) took %v; want a quick failure", b, d)
		}
		t.Logf("Pull(%q) of a missing image: %v (%v)", b, d, err)
	}
}

func TestRuntime_Unavailable(t *testing.T) {
	rt, err := docker.New(docker.Options{Host: "unix:///nonexistent/ecsrun/docker.sock"})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rt.Inspect(ctx, "x"); !errors.Is(err, runtime.ErrUnavailable) {
		t.Errorf("Inspect = %v; want ErrUnavailable", err)
	}
	if _, err := rt.Pull(ctx, "busybox", runtime.PullDefault); !errors.Is(err, runtime.ErrUnavailable) {
		t.Errorf("Pull = %v; want ErrUnavailable", err)
	}
	if err := rt.Ping(ctx); !errors.Is(err, runtime.ErrUnavailable) {
		t.Errorf("Ping = %v; want ErrUnavailable", err)
	}
}

// silentRegistry listens on loopback, accepts connections and never
// answers, and returns its host:port.
func silentRegistry(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String()
}

func TestRuntime_PullStartTimeout(t *testing.T) {
	testimage.RequireDocker(t)
	host := silentRegistry(t)
	rt, err := docker.New(docker.Options{PullStartTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ref := host + "/ecsrun-test/hang:latest"
	for i := range 2 { // the second attempt is not skipped: nothing is cached
		start := time.Now()
		_, err = rt.Pull(ctx, ref, runtime.PullDefault)
		d := time.Since(start)
		if !errors.Is(err, runtime.ErrImageNotFound) {
			t.Fatalf("Pull #%d = %v; want ErrImageNotFound", i, err)
		}
		if !strings.Contains(err.Error(), "no answer from the registry") {
			t.Errorf("Pull #%d = %v; want the start timeout's message", i, err)
		}
		if d > 5*time.Second {
			t.Fatalf("Pull #%d took %v; want the 500ms start timeout to end it", i, d)
		}
		t.Logf("Pull #%d from a silent registry: %v (%v)", i, d, err)
	}
}

func TestRuntime_PullRemembersUnreachableRegistry(t *testing.T) {
	h := newHarness(t)
	host := silentRegistry(t)
	ref := host + "/ecsrun-test/cached:latest"
	cli := h.rt.Client()
	if err := cli.ImageTag(h.ctx, h.image, ref); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.ImageRemove(context.Background(), ref, image.RemoveOptions{}) })

	for _, tc := range []struct {
		ttl        time.Duration
		secondFast bool
	}{{time.Minute, true}, {-1, false}} {
		rt, err := docker.New(docker.Options{PullStartTimeout: 500 * time.Millisecond, UnreachableTTL: tc.ttl})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		for i := range 2 {
			start := time.Now()
			res, err := rt.Pull(h.ctx, ref, runtime.PullDefault)
			d := time.Since(start)
			if err != nil || !res.Cached {
				t.Fatalf("TTL %v: Pull #%d = %+v, %v; want the cached image", tc.ttl, i, res, err)
			}
			fast := i == 1 && tc.secondFast
			if fast && d >= 400*time.Millisecond {
				t.Errorf("TTL %v: Pull #%d took %v; want the known-down registry skipped", tc.ttl, i, d)
			}
			if !fast && d < 500*time.Millisecond {
				t.Errorf("TTL %v: Pull #%d took %v; want a real attempt cut by the 500ms start timeout", tc.ttl, i, d)
			}
		}
		// PullAlways never skips the attempt.
		start := time.Now()
		if _, err := rt.Pull(h.ctx, ref, runtime.PullAlways); !errors.Is(err, runtime.ErrPull) {
			t.Fatalf("Pull(always) = %v; want ErrPull", err)
		}
		if d := time.Since(start); d < 500*time.Millisecond {
			t.Errorf("Pull(always) took %v; want a real attempt", d)
		}
	}
}

// BenchmarkRuntime_RunToCompletion measures what the agent does for one
// trivial container: pull (default behaviour, falling back to the cache),
// create, start, wait, read the logs, remove.
func BenchmarkRuntime_RunToCompletion(b *testing.B) {
	img := testimage.Image(b)
	rt, err := docker.New(docker.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	for b.Loop() {
		if _, err := rt.Pull(ctx, img, runtime.PullDefault); err != nil {
			b.Fatal(err)
		}
		id, err := rt.Create(ctx, runtime.ContainerSpec{Image: img, Command: []string{"out", "hi"}})
		if err != nil {
			b.Fatal(err)
		}
		if err := rt.Start(ctx, id); err != nil {
			b.Fatal(err)
		}
		if st, err := rt.Wait(ctx, id); err != nil || st.ExitCode != 0 {
			b.Fatal(st, err)
		}
		n := 0
		if err := rt.Logs(ctx, id, runtime.LogOptions{}, func(runtime.LogLine) { n++ }); err != nil || n != 1 {
			b.Fatal(n, err)
		}
		if err := rt.Remove(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// runThenSignal runs a container whose spec waits for /signal/go (toolbox
// waitfile) before it allocates, and creates that file once Start has
// returned. Docker learns of an OOM kill from containerd, whose shim starts
// watching the container's memory cgroup only as it starts the container:
// a program that outgrows its limit at once can be killed before that, and
// then Docker never sets OOMKilled (the ECS agent, which reads the same
// flag, has the same gap).
func (h *harness) runThenSignal(specs ...runtime.ContainerSpec) string {
	h.t.Helper()
	ids := h.runAllThenSignal(specs...)
	return ids[0]
}

// runAllThenSignal is runThenSignal for containers that share one signal.
func (h *harness) runAllThenSignal(specs ...runtime.ContainerSpec) []string {
	h.t.Helper()
	dir := h.t.TempDir()
	var ids []string
	for _, spec := range specs {
		spec.Mounts = append(spec.Mounts, runtime.Mount{Source: dir, Target: "/signal"})
		ids = append(ids, h.Run(spec))
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		h.t.Fatal(err)
	}
	return ids
}

func TestRuntime_PullAuthSendsTheCredentialsToTheRegistry(t *testing.T) {
	h := newHarness(t)
	reg := runtimetest.NewRegistry(t)
	ref := reg.Host + "/ecsrun-test/private:latest"
	if _, err := h.rt.Pull(h.ctx, ref, runtime.PullAlways); !errors.Is(err, runtime.ErrPull) {
		t.Fatalf("Pull without credentials = %v; want ErrPull", err)
	}
	if got := reg.Credentials(); len(got) != 0 {
		t.Fatalf("the registry got credentials %q from a pull without any", got)
	}
	_, err := h.rt.PullAuth(h.ctx, ref, runtime.PullAlways, runtime.RegistryAuth{Username: "robot", Password: "t0ken"})
	if !errors.Is(err, runtime.ErrPull) {
		t.Fatalf("PullAuth of an image the registry lacks = %v; want ErrPull", err)
	}
	got := reg.Credentials()
	if len(got) == 0 || slices.ContainsFunc(got, func(c string) bool { return c != "robot:t0ken" }) {
		t.Errorf("the registry got credentials %q; want robot:t0ken on every authenticated request", got)
	}
}
