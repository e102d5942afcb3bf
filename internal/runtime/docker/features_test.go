package docker_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/runtimetest"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// pollState inspects id until cond holds or the harness deadline passes.
func (h *harness) pollState(id, what string, cond func(runtime.State) bool) runtime.State {
	h.t.Helper()
	for {
		st, err := h.rt.Inspect(h.ctx, id)
		if err != nil {
			h.t.Fatalf("Inspect: %v", err)
		}
		if cond(st) {
			return st
		}
		select {
		case <-h.ctx.Done():
			h.t.Fatalf("timed out waiting for %s; last %+v", what, st)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (h *harness) output(id string) []string {
	h.t.Helper()
	h.Wait(id)
	return runtimetest.Texts(h.Logs(id, runtime.LogOptions{}))
}

func TestRuntime_Volumes(t *testing.T) {
	h := newHarness(t)
	name := "ecsrun-test-vol-" + randHex(6)
	dir := t.TempDir()
	spec := runtime.VolumeSpec{Name: name, Driver: "local", DriverOpts: map[string]string{"type": "none", "o": "bind", "device": dir}, Labels: map[string]string{"ecsrun.test": h.label}}
	if err := h.rt.CreateVolume(h.ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.rt.RemoveVolume(h.ctx, name) })
	got, err := h.rt.InspectVolume(h.ctx, name)
	if err != nil || got.Driver != "local" || got.DriverOpts["device"] != dir || got.Labels["ecsrun.test"] != h.label {
		t.Fatalf("InspectVolume = %+v, %v; want the driver, options and labels given", got, err)
	}
	list, err := h.rt.ListVolumes(h.ctx, map[string]string{"ecsrun.test": h.label})
	if err != nil || len(list) != 1 || list[0].Name != name {
		t.Fatalf("ListVolumes = %+v, %v; want just %s", list, err, name)
	}
	w := h.spec("write", "/data/f", "shared", "text")
	w.Mounts = []runtime.Mount{{Source: name, Target: "/data", Volume: true}}
	wid := h.Run(w)
	if st := h.Wait(wid); st.ExitCode != 0 {
		t.Fatalf("writer exited %d", st.ExitCode)
	}
	r := h.spec("cat", "/data/f")
	r.Mounts = []runtime.Mount{{Source: name, Target: "/data", Volume: true, ReadOnly: true}}
	rid := h.Run(r)
	if got := h.output(rid); !slices.Equal(got, []string{"stdout:shared text"}) {
		t.Fatalf("reader output = %q; want the writer's text", got)
	}
	if err := h.rt.RemoveVolume(h.ctx, name); !errors.Is(err, runtime.ErrInUse) {
		t.Fatalf("RemoveVolume while mounted = %v; want ErrInUse", err)
	}
	for _, id := range []string{wid, rid} {
		if err := h.rt.Remove(h.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.rt.RemoveVolume(h.ctx, name); err != nil {
		t.Fatalf("RemoveVolume: %v", err)
	}
	if _, err := h.rt.InspectVolume(h.ctx, name); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("InspectVolume after removal = %v; want ErrNotFound", err)
	}
}

func TestRuntime_HealthCheck(t *testing.T) {
	h := newHarness(t)
	check := &runtime.HealthCheck{Test: []string{"CMD", "/toolbox", "exists", "/tmp/ok"}, Interval: 200 * time.Millisecond, Timeout: 2 * time.Second, Retries: 2}
	good := h.spec("sleep", "300ms", "--", "write", "/tmp/ok", "x", "--", "forever")
	good.HealthCheck = check
	bad := h.spec("forever")
	bad.HealthCheck = check
	gid, bid := h.Run(good), h.Run(bad)
	h.pollState(gid, "healthy", func(s runtime.State) bool { return s.Health == runtime.HealthHealthy })
	h.pollState(bid, "unhealthy", func(s runtime.State) bool { return s.Health == runtime.HealthUnhealthy })
	plain := h.Run(h.spec("forever"))
	if st, err := h.rt.Inspect(h.ctx, plain); err != nil || st.Health != runtime.HealthNone {
		t.Fatalf("Inspect without a health check = %q, %v; want none", st.Health, err)
	}
}

func TestRuntime_PauseContainerSharesItsNetwork(t *testing.T) {
	h := newHarness(t)
	img, err := h.rt.PauseImage(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := h.rt.PauseImage(h.ctx); err != nil || again != img {
		t.Fatalf("second PauseImage = %q, %v; want %q", again, err, img)
	}
	pause := h.spec()
	pause.Image, pause.NetworkMode = img, "bridge"
	pid := h.Run(pause)
	st := h.pollState(pid, "running", func(s runtime.State) bool { return s.Running })
	if st.IPAddress == "" || st.MACAddress == "" {
		t.Errorf("pause container has IP %q MAC %q; want its bridge address", st.IPAddress, st.MACAddress)
	}
	server := h.spec("serve", "127.0.0.1:8080", "over", "localhost", "--", "forever")
	server.NetworkMode = "container:" + pid
	h.Run(server)
	client := h.spec("fetch", "http://127.0.0.1:8080/")
	client.NetworkMode = "container:" + pid
	var out []string
	// The server may need a moment to listen: retry the client.
	for try := 0; ; try++ {
		c := h.Run(client)
		if st := h.Wait(c); st.ExitCode == 0 {
			out = runtimetest.Texts(h.Logs(c, runtime.LogOptions{}))
			break
		}
		if try == 50 {
			t.Fatalf("the client never reached the server over localhost")
		}
		client.Name = "ecsrun-test-" + randHex(10)
		time.Sleep(100 * time.Millisecond)
	}
	if !slices.Equal(out, []string{"stdout:over localhost"}) {
		t.Fatalf("client output = %q; want the server's answer", out)
	}
	// The pause process ignores SIGTERM (it is PID 1) but dies with the container.
	if err := h.rt.Remove(h.ctx, pid); err != nil {
		t.Fatal(err)
	}
}

func TestRuntime_LinksAndVolumesFrom(t *testing.T) {
	h := newHarness(t)
	db := h.spec("write", "/data/f", "from", "db", "--", "serve", ":8080", "db", "answers", "--", "forever")
	db.Mounts = []runtime.Mount{{Target: "/data"}}
	h.Run(db)
	h.pollState(db.Name, "running", func(s runtime.State) bool { return s.Running })
	app := h.spec("cat", "/data/f", "--", "fetch", "http://db:8080/")
	app.Links = []string{db.Name + ":db"}
	app.VolumesFrom = []string{db.Name + ":ro"}
	for try := 0; ; try++ {
		id := h.Run(app)
		got := h.output(id)
		if slices.Equal(got, []string{"stdout:from db", "stdout:db answers"}) {
			break
		}
		if try == 50 {
			t.Fatalf("app output = %q; want the file from db's volume and db's answer through the link", got)
		}
		app.Name = "ecsrun-test-" + randHex(10)
		time.Sleep(100 * time.Millisecond)
	}
	ro := h.spec("write", "/data/g", "x")
	ro.VolumesFrom = []string{db.Name + ":ro"}
	if st := h.Wait(h.Run(ro)); st.ExitCode != 125 {
		t.Fatalf("write through a read-only volumesFrom exited %d; want 125", st.ExitCode)
	}
}

func TestRuntime_TaskCgroupLimitsAllContainersTogether(t *testing.T) {
	h := newHarness(t)
	name := "ecsrun-test-" + randHex(6)
	parent, err := h.rt.TaskCgroup(h.ctx, name, runtime.TaskLimits{MemoryBytes: 48 << 20, NanoCPUs: 5e8})
	if errors.Is(err, runtime.ErrNotSupported) {
		t.Skipf("task cgroups are not available here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.rt.RemoveTaskCgroup(h.ctx, name) })
	if parent != "/ecsrun/"+name {
		t.Fatalf("parent = %q; want /ecsrun/%s", parent, name)
	}
	// Each container alone fits in the task's 48 MiB; together they do not.
	var specs []runtime.ContainerSpec
	for range 2 {
		s := h.spec("waitfile", "/signal/go", "--", "alloc", "30", "--", "out", "allocated", "--", "forever")
		s.CgroupParent = parent
		specs = append(specs, s)
	}
	ids := h.runAllThenSignal(specs...)
	for _, id := range ids {
		info, err := h.rt.Client().ContainerInspect(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if info.HostConfig.CgroupParent != parent {
			t.Fatalf("CgroupParent = %q; want %q", info.HostConfig.CgroupParent, parent)
		}
	}
	// Without the task limit neither would be killed; with it one is (or
	// both, when the OOM killer takes a second before the first is gone).
	killed := 0
	deadline := time.Now().Add(30 * time.Second)
	for killed == 0 && time.Now().Before(deadline) {
		for _, id := range ids {
			st, err := h.rt.Inspect(h.ctx, id)
			if err == nil && st.Exited && st.ExitCode == 137 {
				killed++
			}
		}
		if killed == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if killed == 0 {
		t.Fatalf("no container was killed; want the task's memory limit to hold for both together")
	}
	if b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/memory/ecsrun", name, "memory.limit_in_bytes")); err == nil {
		if strings.TrimSpace(string(b)) != "50331648" {
			t.Errorf("memory.limit_in_bytes = %s; want 50331648", b)
		}
	}
	for _, id := range ids {
		h.rt.Remove(h.ctx, id)
	}
	if err := h.rt.RemoveTaskCgroup(h.ctx, name); err != nil {
		t.Fatalf("RemoveTaskCgroup: %v", err)
	}
	if _, err := os.Stat(filepath.Join("/sys/fs/cgroup/memory/ecsrun", name)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("task cgroup still there after RemoveTaskCgroup: %v", err)
	}
}

func TestRuntime_OOMKillInATaskCgroupMarksOnlyTheKilledContainer(t *testing.T) {
	h := newHarness(t)
	// The kernel picks the hog (oom_score_adj 1000, and by far the most
	// memory), but on a busy machine it may take the bystander too while
	// the hog's memory is still being freed; the bystander then really died
	// of an OOM kill and its flag is right, so that round proves nothing and
	// runs again.
	for round := 1; ; round++ {
		killed, bystander := oomRound(h)
		if !killed {
			if st := bystander; st.OOMKilled || st.ExitCode != 0 {
				t.Fatalf("bystander: Wait = %+v; want exit 0, not OOMKilled (Docker flags every container under the cgroup)", st)
			}
			return
		}
		t.Logf("round %d: the OOM killer took the bystander as well (%+v); again", round, bystander)
		if round == 10 {
			t.Fatalf("the OOM killer took the bystander in all %d rounds", round)
		}
	}
}

// oomRound runs a bystander and a hog in one task cgroup that only the
// bystander fits in, and returns whether the bystander was killed before
// it was stopped, and how it ended.
func oomRound(h *harness) (killed bool, bystander runtime.ExitStatus) {
	t := h.t
	t.Helper()
	name := "ecsrun-test-" + randHex(6)
	parent, err := h.rt.TaskCgroup(h.ctx, name, runtime.TaskLimits{MemoryBytes: 48 << 20})
	if errors.Is(err, runtime.ErrNotSupported) {
		t.Skipf("task cgroups are not available here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	// The bystander sleeps (allocating nothing, so it rarely needs a page
	// while the task is out of memory) while the hog outgrows the task's
	// memory, then exits 0 when stopped.
	spec := h.spec("trap", "TERM", "0", "--", "out", "ready", "--", "forever")
	spec.CgroupParent = parent
	bid := h.Run(spec)
	ready, _ := h.Follow(bid, "ready")
	h.Await(ready, "the bystander")
	hog := h.spec("oomadj", "1000", "--", "waitfile", "/signal/go", "--", "alloc", "256", "--", "forever")
	hog.CgroupParent = parent
	hid := h.runThenSignal(hog)
	if st := h.Wait(hid); !st.OOMKilled || st.ExitCode != 137 {
		t.Fatalf("hog: Wait = %+v; want OOMKilled with exit 137", st)
	}
	if err := h.rt.Stop(h.ctx, bid, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	bystander = h.Wait(bid)
	insp, err := h.rt.Inspect(h.ctx, bid)
	if err != nil {
		t.Fatal(err)
	}
	if insp.OOMKilled != bystander.OOMKilled {
		t.Errorf("bystander: Inspect OOMKilled = %v, Wait OOMKilled = %v; want them to agree", insp.OOMKilled, bystander.OOMKilled)
	}
	h.rt.Remove(h.ctx, bid)
	h.rt.Remove(h.ctx, hid)
	if err := h.rt.RemoveTaskCgroup(h.ctx, name); err != nil {
		t.Errorf("RemoveTaskCgroup: %v", err)
	}
	return bystander.ExitCode == 137, bystander
}

// A container killed after its stop timeout exits 137 like one the OOM
// killer ended; Wait looks for an OOM kill only briefly when it was stopped.
func TestRuntime_StoppedContainerWithAMemoryLimitIsReportedPromptly(t *testing.T) {
	h := newHarness(t)
	spec := h.spec("ignore", "TERM", "--", "out", "ready", "--", "forever")
	spec.MemoryBytes = 64 << 20
	id := h.Run(spec)
	ready, _ := h.Follow(id, "ready")
	h.Await(ready, "ready")
	start := time.Now()
	if err := h.rt.Stop(h.ctx, id, time.Second); err != nil {
		t.Fatal(err)
	}
	st := h.Wait(id)
	if st.ExitCode != 137 || st.OOMKilled {
		t.Fatalf("Wait = %+v; want 137, not OOMKilled", st)
	}
	// 1 s of stop timeout, then 3 s more if Wait looked for an OOM kill as
	// long as for a container that died by itself.
	if d := time.Since(start); d > 3500*time.Millisecond {
		t.Errorf("Stop and Wait took %v; want the exit reported soon after the 1 s stop timeout", d)
	}
}

func TestRuntime_TerminalAndOpenStdin(t *testing.T) {
	h := newHarness(t)
	// Not testimage.DefaultTag, which worktrees with other versions of the
	// toolbox (without the tty verb) retag while the tests run.
	const tag = "ecsrun-test/toolbox:runtime-tty"
	if err := testimage.Build(h.ctx, tag); err != nil {
		t.Fatal(err)
	}
	tty := h.spec("out", "to stdout", "--", "err", "to stderr", "--", "tty")
	tty.Image, tty.Tty, tty.OpenStdin = tag, true, true
	id := h.Run(tty)
	if st := h.Wait(id); st.ExitCode != 42 {
		t.Fatalf("exit code with a terminal = %d; want 42 (stdin is a terminal)", st.ExitCode)
	}
	// One stream, no carriage returns; followed as the agent follows it.
	var lines []runtime.LogLine
	if err := h.rt.Logs(h.ctx, id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) { lines = append(lines, l) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"stdout:to stdout", "stdout:to stderr", "stdout:stdin is a terminal"}
	if got := runtimetest.Texts(lines); !slices.Equal(got, want) {
		t.Errorf("Logs with a terminal = %q; want %q", got, want)
	}
	spec := h.spec("tty")
	spec.Image = tag
	plain := h.Run(spec)
	if st := h.Wait(plain); st.ExitCode != 1 {
		t.Errorf("exit code without a terminal = %d; want 1", st.ExitCode)
	}
}
