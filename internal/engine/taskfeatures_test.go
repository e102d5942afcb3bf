package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/docker/docker/api/types/image"

	"github.com/ecsrun/ecsrun/internal/hostports"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/runtime/runtimetest"
	"github.com/ecsrun/ecsrun/internal/secrets"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// featuresTag is the toolbox image of these tests: not testimage.DefaultTag,
// which worktrees with other versions of the toolbox (without the tty verb)
// retag while the tests run.
const featuresTag = "ecsrun-test/toolbox:task-features"

// newFeaturesHarness is newHarness with the toolbox under featuresTag, the
// given pull behaviour and the engine's log captured.
func newFeaturesHarness(t *testing.T, pull runtime.PullBehavior) (*harness, string, *syncBuffer) {
	t.Helper()
	return newFeaturesHarnessAt(t, pull, nil)
}

// newFeaturesHarnessAt is newFeaturesHarness with the engine's clock now
// (time.Now when nil).
func newFeaturesHarnessAt(t *testing.T, pull runtime.PullBehavior, now func() time.Time) (*harness, string, *syncBuffer) {
	t.Helper()
	testimage.RequireDocker(t)
	bctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := testimage.Build(bctx, featuresTag); err != nil {
		t.Fatal(err)
	}
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	h := &harness{t: t, dir: t.TempDir(), rt: rt}
	logs := &syncBuffer{}
	eng, err := Open(context.Background(), Options{
		StateDir: h.dir, Runtime: h.rt, PullBehavior: pull, Now: now,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	h.connect(eng)
	t.Cleanup(func() {
		if h.eng != nil {
			h.eng.Close()
		}
		h.removeContainers()
	})
	return h, featuresTag, logs
}

// TestEngine_InteractivePseudoTerminal runs the ECS agent's interactive-tty
// functional test (conformance e09) with the toolbox: the container sees a
// terminal on stdin (exit 42), and its output, one stream through the
// terminal, is captured.
func TestEngine_InteractivePseudoTerminal(t *testing.T) {
	h, image, _ := newFeaturesHarness(t, runtime.PullPreferCached)
	c := container("exit", image, true, "out", "before", "--", "tty")
	c.Cpu, c.Interactive, c.PseudoTerminal = 10, aws.Bool(true), aws.Bool(true)
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("ecsftest-interactive-tty"), ContainerDefinitions: []types.ContainerDefinition{c}}, nil)
	task := h.waitStopped(arn)
	if got := exitCode(task, "exit"); got == nil || *got != 42 {
		t.Fatalf("exit code = %v; want 42 (stdin is a terminal); task %+v", got, task)
	}
	want := []string{"before", "stdin is a terminal"}
	if got := h.logLines("/ecsrun/tasks", "ecsftest-interactive-tty/exit/"+taskID(arn)); !slices.Equal(got, want) {
		t.Errorf("log lines = %q; want %q", got, want)
	}
}

// TestEngine_RepositoryCredentials pulls (default pull behaviour) images of
// a registry that asks for credentials and has no images, so each pull
// falls back to the cached image: a container whose repositoryCredentials
// secret is stored pulls with it; one whose secret is missing pulls with
// the Docker daemon's own credentials, and the engine's log says so.
func TestEngine_RepositoryCredentials(t *testing.T) {
	h, toolbox, logs := newFeaturesHarness(t, runtime.PullDefault)
	reg := runtimetest.NewRegistry(t)
	cli := h.rt.(*docker.Runtime).Client()
	stored, missing := reg.Host+"/ecsrun-test/stored:latest", reg.Host+"/ecsrun-test/missing:latest"
	for _, ref := range []string{stored, missing} {
		if err := cli.ImageTag(ctx(t), toolbox, ref); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.ImageRemove(context.Background(), ref, image.RemoveOptions{}) })
	}
	if _, err := secrets.Open(h.dir).Put("registry/creds", `{"username":"robot","password":"t0ken"}`); err != nil {
		t.Fatal(err)
	}
	withCreds := func(c types.ContainerDefinition, secret string) types.ContainerDefinition {
		c.RepositoryCredentials = &types.RepositoryCredentials{CredentialsParameter: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:" + secret)}
		return c
	}
	// The essential container starts after the other has exited 0: were
	// they to run side by side, the essential one's exit could stop the
	// other before it had run.
	essential := withCreds(container("stored", stored, true, "out", "ran"), "registry/creds")
	essential.DependsOn = dependsOn("missing", types.ContainerConditionSuccess)
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("private"), ExecutionRoleArn: aws.String(execRole),
		ContainerDefinitions: []types.ContainerDefinition{
			essential,
			withCreds(container("missing", missing, false, "out", "ran"), "registry/absent"),
		},
	}, nil)
	task := h.waitStopped(arn)
	for _, name := range []string{"stored", "missing"} {
		if got := exitCode(task, name); got == nil || *got != 0 {
			t.Errorf("container %s exit code = %v; want 0 (the cached image); task %s %q", name, derefCode(got), task.StopCode, aws.ToString(task.StoppedReason))
		}
	}
	if got := reg.Credentials(); len(got) == 0 || slices.ContainsFunc(got, func(c string) bool { return c != "robot:t0ken" }) {
		t.Errorf("the registry got credentials %q; want robot:t0ken (the stored secret's), and no other", got)
	}
	if l := logs.String(); !strings.Contains(l, "repositoryCredentials") || !strings.Contains(l, "registry/absent") || strings.Contains(l, "t0ken") {
		t.Errorf("engine log lacks the warning for the missing secret (or shows a value):\n%s", l)
	}
}

// TestEngine_RestartPolicy: a container with a restart policy that exits
// after running the restartAttemptPeriod (by the engine's clock, moved
// forward) is started again, its output going on in the same stream; when
// it exits again before the period has passed, it is not, and the task
// stops with its exit code.
func TestEngine_RestartPolicy(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	h, image, logs := newFeaturesHarnessAt(t, runtime.PullPreferCached, now)
	dir := t.TempDir()
	app := container("app", image, true, "out", "started", "--", "waitfile", "/signal/go", "--", "exit", "3")
	app.RestartPolicy = &types.ContainerRestartPolicy{Enabled: aws.Bool(true), IgnoredExitCodes: []int32{0}, RestartAttemptPeriod: aws.Int32(60)}
	app.MountPoints = []types.MountPoint{{SourceVolume: aws.String("signal"), ContainerPath: aws.String("/signal")}}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("restarts"), ContainerDefinitions: []types.ContainerDefinition{app},
		Volumes: []types.Volume{{Name: aws.String("signal"), Host: &types.HostVolumeProperties{SourcePath: aws.String(dir)}}},
	}, nil)
	h.waitFor(arn, "app RUNNING", func(t types.Task) bool { return aws.ToString(containerNamed(t, "app").LastStatus) == "RUNNING" })
	offset.Store(int64(61 * time.Second))
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 3 {
		t.Errorf("exit code = %v; want 3 (the second exit, too early to restart)", got)
	}
	if task.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stop code %s; want EssentialContainerExited", task.StopCode)
	}
	if got := h.logLines("/ecsrun/tasks", "restarts/app/"+taskID(arn)); !slices.Equal(got, []string{"started", "started"}) {
		t.Errorf("log lines = %q; want started twice (one restart)", got)
	}
	if l := logs.String(); strings.Count(l, "restart policy: container restarted") != 1 {
		t.Errorf("engine log: want one restart:\n%s", l)
	}
}

// TestEngine_ContainerPortRange: a bridge container's containerPortRange is
// published on a contiguous run of host ports of the dynamic range, and
// reported as one network binding with its hostPortRange, as ECS does.
func TestEngine_ContainerPortRange(t *testing.T) {
	h, image, _ := newFeaturesHarness(t, runtime.PullPreferCached)
	app := container("app", image, true, "serve", ":18081", "in", "range", "--", "forever")
	app.PortMappings = []types.PortMapping{{ContainerPortRange: aws.String("18080-18082"), Protocol: types.TransportProtocolTcp}}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("ranges"), NetworkMode: types.NetworkModeBridge, ContainerDefinitions: []types.ContainerDefinition{app}}, nil)
	task := h.waitRunning(arn)
	bs := containerNamed(task, "app").NetworkBindings
	var hostRange string
	for _, b := range bs {
		if aws.ToString(b.ContainerPortRange) == "18080-18082" {
			hostRange = aws.ToString(b.HostPortRange)
		}
	}
	first, last, ok := hostports.ParseRange(hostRange)
	if !ok || last-first != 2 {
		t.Fatalf("network bindings %+v; want one with containerPortRange 18080-18082 and a hostPortRange of three ports", bs)
	}
	if got := getUntilAnswer(t, fmt.Sprintf("http://127.0.0.1:%d/", first+1)); got != "in range" {
		t.Errorf("GET host port %d (container port 18081) = %q; want %q", first+1, got, "in range")
	}
	h.stopTask(arn)
}
