package engine

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
)

func TestEngine_DockerVolumeConfigurationSharedAndTaskScope(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	vr := h.rt.(runtime.Volumes)
	shared := "ecsrun-test-shared-" + randomHex(6)
	t.Cleanup(func() {
		h.removeContainers()
		vr.RemoveVolume(context.Background(), shared)
	})
	app := container("app", image, true)
	app.MountPoints = []types.MountPoint{
		{SourceVolume: aws.String(shared), ContainerPath: aws.String("/shared")},
		{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/scratch")},
	}
	if _, err := h.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("dockervols"),
		Volumes: []types.Volume{
			{Name: aws.String(shared), DockerVolumeConfiguration: &types.DockerVolumeConfiguration{
				Scope: types.ScopeShared, Autoprovision: aws.Bool(true), Driver: aws.String("local"), Labels: map[string]string{"purpose": "test"},
			}},
			{Name: aws.String("scratch"), DockerVolumeConfiguration: &types.DockerVolumeConfiguration{
				Scope: types.ScopeTask, Driver: aws.String("local"), DriverOpts: map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=1m"},
			}},
		},
		ContainerDefinitions: []types.ContainerDefinition{app},
	}); err != nil {
		t.Fatal(err)
	}
	runWith := func(cmd ...string) types.Task {
		out, err := h.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{TaskDefinition: aws.String("dockervols"), Overrides: &types.TaskOverride{
			ContainerOverrides: []types.ContainerOverride{{Name: aws.String("app"), Command: cmd}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.Tasks[0].TaskArn)
		h.arns = append(h.arns, arn)
		return h.waitStopped(arn)
	}
	// The first task writes into both volumes; the shared one outlives it,
	// the task's own does not.
	first := runWith("write", "/shared/f", "kept", "--", "write", "/scratch/f", "gone")
	if got := exitCode(first, "app"); got == nil || *got != 0 {
		t.Fatalf("first task exit code = %v, reason %q; want 0", got, aws.ToString(first.StoppedReason))
	}
	second := runWith("cat", "/shared/f", "--", "exists", "/scratch/f")
	id := taskID(aws.ToString(second.TaskArn))
	if got := h.logLines("/ecsrun/tasks", "dockervols/app/"+id); !slices.Contains(got, "kept") {
		t.Errorf("second task read %q from the shared volume; want what the first wrote", got)
	}
	if got := exitCode(second, "app"); got == nil || *got == 0 {
		t.Errorf("second task found the first task's scratch file (exit %v); want a fresh task volume", got)
	}
	v, err := vr.InspectVolume(ctx(t), shared)
	if err != nil || v.Labels["purpose"] != "test" {
		t.Errorf("shared volume = %+v, %v; want it autoprovisioned with its labels", v, err)
	}
	scratch, err := vr.ListVolumes(ctx(t), map[string]string{"com.amazonaws.ecs.task-arn": aws.ToString(second.TaskArn)})
	if err != nil || len(scratch) != 1 || !strings.HasPrefix(scratch[0].Name, "ecs-dockervols-1-scratch-") || scratch[0].DriverOpts["type"] != "tmpfs" {
		t.Errorf("task volumes = %+v, %v; want one tmpfs volume named ecs-dockervols-1-scratch-<hex>", scratch, err)
	}

	// A shared volume that does not exist, without autoprovision, stops the
	// task before it starts.
	missing := "ecsrun-test-missing-" + randomHex(6)
	none := container("app", image, true, "out", "never")
	none.MountPoints = []types.MountPoint{{SourceVolume: aws.String(missing), ContainerPath: aws.String("/m")}}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("missingvol"),
		Volumes:              []types.Volume{{Name: aws.String(missing), DockerVolumeConfiguration: &types.DockerVolumeConfiguration{Scope: types.ScopeShared}}},
		ContainerDefinitions: []types.ContainerDefinition{none},
	}, nil)
	task := h.waitStopped(arn)
	if task.StopCode != types.TaskStopCodeTaskFailedToStart || !strings.HasPrefix(aws.ToString(task.StoppedReason), "ResourceInitializationError: shared volume \""+missing+"\" does not exist") {
		t.Errorf("stop %s %q; want TaskFailedToStart with ResourceInitializationError naming the volume", task.StopCode, aws.ToString(task.StoppedReason))
	}
}

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestEngine_HostAndNoneNetworkModes(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	port := freePort(t)
	web := container("web", image, true, "serve", fmt.Sprintf(":%d", port), "on", "the", "host", "--", "forever")
	web.PortMappings = []types.PortMapping{{ContainerPort: aws.Int32(int32(port))}}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("hostnet"), NetworkMode: types.NetworkModeHost, ContainerDefinitions: []types.ContainerDefinition{web},
	}, nil)
	task := h.waitRunning(arn)
	b := task.Containers[0].NetworkBindings
	if len(b) != 1 || aws.ToInt32(b[0].ContainerPort) != int32(port) || aws.ToInt32(b[0].HostPort) != int32(port) {
		t.Errorf("networkBindings = %+v; want container port %d bound to the same host port", b, port)
	}
	// The container listens in the host's own network.
	if body := getUntilAnswer(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); body != "on the host" {
		t.Errorf("body = %q; want the container's answer", body)
	}

	// With network mode none the container has loopback only: it serves
	// itself, and reaches nothing else (not the host's server above).
	alone := container("app", image, true, "serve", "127.0.0.1:8080", "loopback", "--", "fetchwait", "http://127.0.0.1:8080/", "30s", "--",
		"fetch", fmt.Sprintf("http://172.17.0.1:%d/", port))
	arn2 := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("nonet"), NetworkMode: types.NetworkModeNone, ContainerDefinitions: []types.ContainerDefinition{alone},
	}, nil)
	task = h.waitStopped(arn2)
	lines := h.logLines("/ecsrun/tasks", "nonet/app/"+taskID(arn2))
	if !slices.Contains(lines, "loopback") || exitCode(task, "app") == nil || *exitCode(task, "app") == 0 {
		t.Errorf("none: exit %v, output %q; want loopback answered and the host unreachable", exitCode(task, "app"), lines)
	}
	if len(task.Containers[0].NetworkBindings) != 0 {
		t.Errorf("none: networkBindings = %+v; want none", task.Containers[0].NetworkBindings)
	}
	h.stopTask(arn)
}

func TestEngine_CompleteDependencyAndStartTimeout(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	migrate := container("migrate", image, false, "exit", "3")
	after := container("after", image, false, "out", "after migrate")
	after.DependsOn = dependsOn("migrate", types.ContainerConditionComplete)
	slow := container("slow", image, false, "forever")
	slow.HealthCheck = healthCheck("/tmp/never")
	slow.StartTimeout = aws.Int32(6)
	web := container("web", image, true, "out", "never runs")
	web.DependsOn = dependsOn("slow", types.ContainerConditionHealthy)
	arn := h.run("deptimeout", migrate, after, slow, web)
	task := h.waitStopped(arn)
	// COMPLETE is met by any exit code.
	if got := exitCode(task, "after"); got == nil || *got != 0 {
		t.Errorf("after exit code = %v, reason %q; want 0 (it ran once migrate exited 3)", got, aws.ToString(containerNamed(task, "after").Reason))
	}
	c := containerNamed(task, "web")
	if c.ExitCode == nil || *c.ExitCode != 143 || !strings.HasPrefix(aws.ToString(c.Reason), "CannotStartContainerError: dependency graph: ") ||
		!strings.Contains(aws.ToString(c.Reason), "startTimeout") {
		t.Errorf("web = exit %v reason %q; want 143 and a dependency graph reason naming the startTimeout", c.ExitCode, aws.ToString(c.Reason))
	}
	if task.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("stopCode = %s; want EssentialContainerExited (web is essential)", task.StopCode)
	}
}

func TestEngine_StopsInReverseDependencyOrder(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	// Stopped together, db would stop at once and app 2 s later; in reverse
	// dependency order db gets its signal only once app has stopped.
	db := container("db", image, true, "trap", "TERM", "0", "db stopping", "--", "out", "db up", "--", "forever")
	app := container("app", image, true, "ignore", "TERM", "--", "out", "app up", "--", "forever")
	app.StopTimeout = aws.Int32(2)
	app.DependsOn = dependsOn("db", types.ContainerConditionStart)
	arn := h.run("revorder", db, app)
	id := taskID(arn)
	h.waitFor(arn, "both up", func(types.Task) bool {
		return slices.Contains(h.tryLogLines("/ecsrun/tasks", "revorder/app/"+id), "app up") &&
			slices.Contains(h.tryLogLines("/ecsrun/tasks", "revorder/db/"+id), "db up")
	})
	task := h.stopTask(arn)
	finished := map[string]time.Time{}
	for _, name := range []string{"db", "app"} {
		st, err := h.rt.Inspect(ctx(t), aws.ToString(containerNamed(task, name).RuntimeId))
		if err != nil {
			t.Fatal(err)
		}
		finished[name] = st.FinishedAt
	}
	if got := exitCode(task, "app"); got == nil || *got != 137 {
		t.Errorf("app exit code = %v; want 137 (killed after its stopTimeout)", got)
	}
	if got := exitCode(task, "db"); got == nil || *got != 0 {
		t.Errorf("db exit code = %v; want 0 from its trap", got)
	}
	if !finished["db"].After(finished["app"]) {
		t.Errorf("db finished at %v, app at %v; want db stopped after app, which depends on it", finished["db"], finished["app"])
	}
}

func TestEngine_ContainerAndTaskResourceLimits(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	app := container("app", image, true, "forever")
	app.Cpu, app.Memory, app.MemoryReservation = 128, aws.Int32(64), aws.Int32(32)
	side := container("side", image, false, "forever")
	side.Memory = nil
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("limits"), Cpu: aws.String("512"), Memory: aws.String("256"),
		ContainerDefinitions: []types.ContainerDefinition{app, side},
	}, nil)
	task := h.waitRunning(arn)
	defer func() {
		h.stopTask(arn)
		for _, dir := range []string{"memory/ecsrun", "cpu/ecsrun", "ecsrun"} {
			if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", dir, taskID(arn))); err == nil {
				t.Errorf("the task cgroup %s outlived its task", dir)
			}
		}
	}()
	cli := h.rt.(*docker.Runtime).Client()
	info, err := cli.ContainerInspect(ctx(t), aws.ToString(containerNamed(task, "app").RuntimeId))
	if err != nil {
		t.Fatal(err)
	}
	if hc := info.HostConfig; hc.CPUShares != 128 || hc.Memory != 64<<20 || hc.MemoryReservation != 32<<20 {
		t.Errorf("app: cpu shares %d, memory %d, reservation %d; want the definition's 128, 64 MiB, 32 MiB", hc.CPUShares, hc.Memory, hc.MemoryReservation)
	}
	sideInfo, err := cli.ContainerInspect(ctx(t), aws.ToString(containerNamed(task, "side").RuntimeId))
	if err != nil {
		t.Fatal(err)
	}
	// The task's 512 CPU units and 256 MiB hold for both containers: in
	// their common task cgroup where the host allows it, else each one.
	if parent := info.HostConfig.CgroupParent; parent != "" {
		if parent != "/ecsrun/"+taskID(arn) || sideInfo.HostConfig.CgroupParent != parent {
			t.Fatalf("cgroup parents %q and %q; want both /ecsrun/<task id>", parent, sideInfo.HostConfig.CgroupParent)
		}
		limits := map[string]string{"memory/ecsrun/%s/memory.limit_in_bytes": "268435456", "cpu/ecsrun/%s/cpu.cfs_quota_us": "50000"}
		if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
			limits = map[string]string{"ecsrun/%s/memory.max": "268435456", "ecsrun/%s/cpu.max": "50000 100000"}
		}
		for file, want := range limits {
			b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", fmt.Sprintf(file, taskID(arn))))
			if err != nil || strings.TrimSpace(string(b)) != want {
				t.Errorf("%s = %q, %v; want %s", file, b, err, want)
			}
		}
	} else if sideInfo.HostConfig.NanoCPUs != 5e8 || sideInfo.HostConfig.Memory != 256<<20 || info.HostConfig.NanoCPUs != 5e8 {
		t.Errorf("without a task cgroup: side %d nano CPUs, %d memory, app %d nano CPUs; want the task's 0.5 CPU and 256 MiB each",
			sideInfo.HostConfig.NanoCPUs, sideInfo.HostConfig.Memory, info.HostConfig.NanoCPUs)
	}
}
