//go:build linux

package engine

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime/docker"
)

// dockerRestartEnv forces (1) or skips (0) the test that restarts a
// private Docker daemon; by default it runs when this process may start
// dockerd (root, dockerd on PATH).
const dockerRestartEnv = "ECSRUN_TEST_DOCKER_RESTART"

// privateDocker is a Docker daemon of the test's own (own socket, data
// root, exec root, pid file and network namespace, no bridge network), so
// restarting it disturbs nobody.
type privateDocker struct {
	t    *testing.T
	dir  string
	host string
	cmd  *exec.Cmd
}

func startPrivateDocker(t *testing.T) *privateDocker {
	t.Helper()
	why := ""
	path, err := exec.LookPath("dockerd")
	switch {
	case os.Getenv(dockerRestartEnv) == "0":
		t.Skipf("%s=0", dockerRestartEnv)
	case err != nil:
		why = "no dockerd on PATH"
	case os.Geteuid() != 0:
		why = "starting dockerd needs root"
	}
	if why != "" {
		if os.Getenv(dockerRestartEnv) == "1" {
			t.Fatalf("%s (%s=1)", why, dockerRestartEnv)
		}
		t.Skipf("%s; set %s=1 to require this test", why, dockerRestartEnv)
	}
	dir, err := os.MkdirTemp("", "ecsrun-dockerd-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &privateDocker{t: t, dir: dir, host: "unix://" + filepath.Join(dir, "docker.sock")}
	t.Cleanup(func() {
		p.stop()
		// dockerd leaves its data root bind-mounted on itself.
		syscall.Unmount(filepath.Join(dir, "data"), syscall.MNT_DETACH)
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("remove the private dockerd's directory: %v", err)
		}
	})
	p.start(path)
	return p
}

func (p *privateDocker) start(path string) {
	p.t.Helper()
	log, err := os.OpenFile(filepath.Join(p.dir, "dockerd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	defer log.Close()
	p.cmd = exec.Command(path, "--config-file", filepath.Join(p.dir, "daemon.json"),
		"--host", p.host, "--data-root", filepath.Join(p.dir, "data"), "--exec-root", filepath.Join(p.dir, "exec"),
		"--pidfile", filepath.Join(p.dir, "docker.pid"), "--bridge", "none", "--iptables=false", "--ip-masq=false",
		"--live-restore")
	p.cmd.Stdout, p.cmd.Stderr = log, log
	// Its own network namespace: dockerd with --bridge=none deletes any
	// "docker0" it sees, which on the host is the shared daemon's bridge.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	rt, err := docker.New(docker.Options{Host: p.host})
	if err != nil {
		p.t.Fatal(err)
	}
	defer rt.Close()
	c := ctx(p.t)
	for rt.Ping(c) != nil {
		select {
		case <-c.Done():
			b, _ := os.ReadFile(filepath.Join(p.dir, "dockerd.log"))
			p.t.Fatalf("the private dockerd did not come up: %s", b)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop shuts the daemon down as a service manager would (SIGTERM) and
// waits for it to exit.
func (p *privateDocker) stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
}

func TestEngine_SurvivesADockerDaemonRestart(t *testing.T) {
	pd := startPrivateDocker(t)
	dockerd, _ := exec.LookPath("dockerd")
	h, image := newHarnessOn(t, pd.host)
	rt := h.rt.(*docker.Runtime)
	none := func(family string, cs ...types.ContainerDefinition) string {
		return h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String(family), NetworkMode: types.NetworkModeNone, ContainerDefinitions: cs}, nil)
	}
	// survivor keeps running through the restart (live-restore) and exits
	// after it; victim is killed while the daemon is down.
	survivor := none("survivor", container("app", image, true, "out", "before", "--", "sleep", "4s", "--", "out", "after", "--", "exit", "5"))
	victim := none("victim", container("app", image, true, "out", "up", "--", "forever"))
	h.waitFor(survivor, "before", func(types.Task) bool {
		return slices.Contains(h.tryLogLines("/ecsrun/tasks", "survivor/app/"+taskID(survivor)), "before")
	})
	vt := h.waitRunning(victim)
	info, err := rt.Client().ContainerInspect(ctx(t), aws.ToString(vt.Containers[0].RuntimeId))
	if err != nil {
		t.Fatal(err)
	}
	pid := info.State.Pid

	pd.stop()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the victim's process %d: %v", pid, err)
	}
	pd.start(dockerd)

	task := h.waitStopped(survivor)
	if got := exitCode(task, "app"); got == nil || *got != 5 {
		t.Errorf("survivor exit code = %v, reason %q; want 5", got, aws.ToString(task.Containers[0].Reason))
	}
	if got := h.logLines("/ecsrun/tasks", "survivor/app/"+taskID(survivor)); !slices.Equal(got, []string{"before", "after"}) {
		t.Errorf("survivor log = %q; want the lines from before and after the daemon restart", got)
	}
	task = h.waitStopped(victim)
	if got := exitCode(task, "app"); got == nil || *got != 137 {
		t.Errorf("victim exit code = %v, reason %q; want 137 (SIGKILL while the daemon was down)", got, aws.ToString(task.Containers[0].Reason))
	}
	// The engine keeps working with the restarted daemon.
	after := none("after", container("app", image, true, "exit", "3"))
	if got := exitCode(h.waitStopped(after), "app"); got == nil || *got != 3 {
		t.Errorf("a task run after the restart exited %v; want 3", got)
	}
}
