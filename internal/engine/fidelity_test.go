package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// runDefThenSignal runs one task of def with the host directory of a new
// volume "signal" mounted at /signal in every container, waits until every
// container is RUNNING, and then creates /signal/go, which the containers'
// commands wait for (toolbox waitfile) before they allocate. Docker learns
// of an OOM kill from containerd, whose shim watches a container's memory
// cgroup only once it has started it: a program that outgrows its limit at
// once can be killed before that, and Docker then never sets OOMKilled
// (the ECS agent reads the same flag and has the same gap).
func (h *harness) runDefThenSignal(def *awsecs.RegisterTaskDefinitionInput) string {
	h.t.Helper()
	dir := h.t.TempDir()
	def.Volumes = append(def.Volumes, types.Volume{Name: aws.String("signal"), Host: &types.HostVolumeProperties{SourcePath: aws.String(dir)}})
	for i := range def.ContainerDefinitions {
		c := &def.ContainerDefinitions[i]
		c.MountPoints = append(c.MountPoints, types.MountPoint{SourceVolume: aws.String("signal"), ContainerPath: aws.String("/signal")})
	}
	arn := h.runDef(def, nil)
	h.waitFor(arn, "every container RUNNING", func(t types.Task) bool {
		for _, c := range t.Containers {
			if aws.ToString(c.LastStatus) != "RUNNING" {
				return false
			}
		}
		return len(t.Containers) > 0
	})
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		h.t.Fatal(err)
	}
	return arn
}

// runDef registers def and runs one task of it with in (its task
// definition is set here).
func (h *harness) runDef(def *awsecs.RegisterTaskDefinitionInput, in *awsecs.RunTaskInput) string {
	h.t.Helper()
	c := ctx(h.t)
	if _, err := h.ecs.RegisterTaskDefinition(c, def); err != nil {
		h.t.Fatal(err)
	}
	if in == nil {
		in = &awsecs.RunTaskInput{}
	}
	in.TaskDefinition = def.Family
	out, err := h.ecs.RunTask(c, in)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(out.Tasks) != 1 {
		h.t.Fatalf("RunTask started %d tasks, failures %+v", len(out.Tasks), out.Failures)
	}
	arn := aws.ToString(out.Tasks[0].TaskArn)
	h.arns = append(h.arns, arn)
	return arn
}

// tryLogLines returns a stream's lines, or none while it does not exist.
func (h *harness) tryLogLines(group, stream string) []string {
	out, err := h.logs.GetLogEvents(ctx(h.t), &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: aws.String(group), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true),
	})
	if err != nil {
		return nil
	}
	var lines []string
	for _, e := range out.Events {
		lines = append(lines, aws.ToString(e.Message))
	}
	return lines
}

func containerNamed(t types.Task, name string) types.Container {
	for _, c := range t.Containers {
		if aws.ToString(c.Name) == name {
			return c
		}
	}
	return types.Container{}
}

func dependsOn(name string, cond types.ContainerCondition) []types.ContainerDependency {
	return []types.ContainerDependency{{ContainerName: aws.String(name), Condition: cond}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func TestEngine_InitContainerFillsATaskVolume(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	initC := container("init", image, false, "write", "/shared/greeting", "seeded", "by", "init")
	initC.MountPoints = []types.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/shared")}}
	app := container("app", image, true, "cat", "/data/greeting")
	app.MountPoints = []types.MountPoint{{SourceVolume: aws.String("shared"), ContainerPath: aws.String("/data"), ReadOnly: aws.Bool(true)}}
	app.DependsOn = dependsOn("init", types.ContainerConditionSuccess)
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("initvol"),
		Volumes:              []types.Volume{{Name: aws.String("shared")}},
		ContainerDefinitions: []types.ContainerDefinition{initC, app},
	}, nil)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 0 {
		t.Fatalf("app exit code = %v, reason %q; want 0", aws.ToInt32(got), aws.ToString(containerNamed(task, "app").Reason))
	}
	if got := h.logLines("/ecsrun/tasks", "initvol/app/"+taskID(arn)); !slices.Equal(got, []string{"seeded by init"}) {
		t.Errorf("app read %q from the task volume; want what init wrote", got)
	}
	// The volume belongs to the task: removed with its containers.
	vols, err := h.rt.(runtime.Volumes).ListVolumes(ctx(t), map[string]string{"com.amazonaws.ecs.task-arn": arn})
	if err != nil || len(vols) != 1 || !strings.HasPrefix(vols[0].Name, "ecs-initvol-1-shared-") {
		t.Fatalf("task volumes = %+v, %v; want one named ecs-initvol-1-shared-<hex>", vols, err)
	}
	h.close()
	eng, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: h.rt, PullBehavior: runtime.PullPreferCached, ContainerRetention: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	h.connect(eng)
	if _, err := eng.RemoveExpiredContainers(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if vols, _ := h.rt.(runtime.Volumes).ListVolumes(ctx(t), map[string]string{"com.amazonaws.ecs.task-arn": arn}); len(vols) != 0 {
		t.Errorf("task volumes after the containers were removed = %+v; want none", vols)
	}
}

func TestEngine_DependencyThatFailsStopsTheWaitingContainer(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	app := container("app", image, true, "out", "never runs")
	app.DependsOn = dependsOn("migrate", types.ContainerConditionSuccess)
	arn := h.run("baddep", container("migrate", image, false, "exit", "4"), app)
	task := h.waitStopped(arn)
	c := containerNamed(task, "app")
	if c.ExitCode == nil || *c.ExitCode != 143 || !strings.HasPrefix(aws.ToString(c.Reason), "CannotStartContainerError: dependency graph: ") {
		t.Errorf("app = exit %v reason %q; want 143 and CannotStartContainerError: dependency graph: ...", c.ExitCode, aws.ToString(c.Reason))
	}
	if aws.ToString(c.RuntimeId) != "" {
		t.Errorf("app has runtime id %q; want it never created", aws.ToString(c.RuntimeId))
	}
	if got := exitCode(task, "migrate"); got == nil || *got != 4 {
		t.Errorf("migrate exit code = %v; want 4", got)
	}
}

func TestEngine_StopTaskDeliversSIGTERMBeforeTheStopTimeout(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	app := container("app", image, true, "trap", "TERM", "0", "trapped", "SIGTERM", "--", "out", "ready", "--", "forever")
	app.StopTimeout = aws.Int32(30)
	arn := h.run("sigterm", app)
	h.waitFor(arn, "ready", func(types.Task) bool {
		return slices.Contains(h.tryLogLines("/ecsrun/tasks", "sigterm/app/"+taskID(arn)), "ready")
	})
	start := time.Now()
	task := h.stopTask(arn)
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the task took %v to stop; want the trap to end it well before the 30 s stopTimeout", d)
	}
	if got := exitCode(task, "app"); got == nil || *got != 0 {
		t.Errorf("exit code = %v; want 0 from the trap", got)
	}
	if got := h.logLines("/ecsrun/tasks", "sigterm/app/"+taskID(arn)); !slices.Equal(got, []string{"ready", "trapped SIGTERM"}) {
		t.Errorf("log = %q; want the trap's line after ready", got)
	}
	if task.StopCode != types.TaskStopCodeUserInitiated || task.StoppingAt == nil || task.ExecutionStoppedAt == nil {
		t.Errorf("stopCode %s stoppingAt %v executionStoppedAt %v; want UserInitiated with both timestamps", task.StopCode, task.StoppingAt, task.ExecutionStoppedAt)
	}
}

func healthCheck(path string) *types.HealthCheck {
	return &types.HealthCheck{Command: []string{"CMD", "/toolbox", "exists", path}, Interval: aws.Int32(5), Retries: aws.Int32(1), Timeout: aws.Int32(2)}
}

func TestEngine_HealthChecksAndHealthyDependency(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	db := container("db", image, true, "write", "/tmp/ready", "ok", "--", "forever")
	db.HealthCheck = healthCheck("/tmp/ready")
	sick := container("sick", image, false, "forever")
	sick.HealthCheck = healthCheck("/tmp/never")
	app := container("app", image, false, "out", "db is healthy", "--", "forever")
	app.DependsOn = dependsOn("db", types.ContainerConditionHealthy)
	arn := h.run("health", db, sick, app)
	task := h.waitFor(arn, "app running after db became healthy", func(t types.Task) bool {
		return aws.ToString(containerNamed(t, "app").LastStatus) == "RUNNING"
	})
	if got := containerNamed(task, "db").HealthStatus; got != types.HealthStatusHealthy {
		t.Errorf("db health = %s when app started; want HEALTHY", got)
	}
	task = h.waitFor(arn, "sick UNHEALTHY", func(t types.Task) bool {
		return containerNamed(t, "sick").HealthStatus == types.HealthStatusUnhealthy
	})
	// The task's health counts its essential containers only; an unhealthy
	// container does not stop a standalone task.
	if task.HealthStatus != types.HealthStatusHealthy || aws.ToString(task.LastStatus) != "RUNNING" || aws.ToString(task.DesiredStatus) != "RUNNING" {
		t.Errorf("task = %s/%s health %s; want RUNNING and HEALTHY (sick is not essential)", aws.ToString(task.LastStatus), aws.ToString(task.DesiredStatus), task.HealthStatus)
	}
	if got := containerNamed(task, "app").HealthStatus; got != types.HealthStatusUnknown {
		t.Errorf("app (no health check) health = %s; want UNKNOWN", got)
	}
	h.stopTask(arn)
}

func TestEngine_AwsvpcContainersShareLocalhost(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	server := container("server", image, false, "serve", "127.0.0.1:8080", "hello", "over", "localhost", "--", "forever")
	client := container("client", image, true, "fetchwait", "http://localhost:8080/", "30s")
	client.DependsOn = dependsOn("server", types.ContainerConditionStart)
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("vpc"), NetworkMode: types.NetworkModeAwsvpc,
		ContainerDefinitions: []types.ContainerDefinition{server, client},
	}, &awsecs.RunTaskInput{NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-12345678"}}}})
	running := h.waitFor(arn, "ENI attached", func(t types.Task) bool {
		return len(t.Attachments) == 1 && aws.ToString(t.Attachments[0].Status) == "ATTACHED"
	})
	task := h.waitStopped(arn)
	if got := exitCode(task, "client"); got == nil || *got != 0 {
		t.Fatalf("client exit code = %v; want 0 (it reached the server on localhost)", got)
	}
	if got := h.logLines("/ecsrun/tasks", "vpc/client/"+taskID(arn)); !slices.Equal(got, []string{"hello over localhost"}) {
		t.Errorf("client output = %q; want the server's answer", got)
	}
	a := running.Attachments[0]
	details := map[string]string{}
	for _, d := range a.Details {
		details[aws.ToString(d.Name)] = aws.ToString(d.Value)
	}
	ip := details["privateIPv4Address"]
	if aws.ToString(a.Type) != "ElasticNetworkInterface" || details["subnetId"] != "subnet-12345678" || ip == "" ||
		!strings.HasPrefix(details["networkInterfaceId"], "eni-") || details["macAddress"] == "" || !strings.HasPrefix(details["privateDnsName"], "ip-") {
		t.Errorf("attachment = %s %v; want an ElasticNetworkInterface with subnet, eni id, MAC, DNS name and IP", aws.ToString(a.Type), details)
	}
	for _, c := range running.Containers {
		if len(c.NetworkInterfaces) != 1 || aws.ToString(c.NetworkInterfaces[0].PrivateIpv4Address) != ip || aws.ToString(c.NetworkInterfaces[0].AttachmentId) != aws.ToString(a.Id) {
			t.Errorf("container %s networkInterfaces = %+v; want the task's ENI (%s)", aws.ToString(c.Name), c.NetworkInterfaces, ip)
		}
	}
	if got := aws.ToString(task.Attachments[0].Status); got != "DELETED" {
		t.Errorf("attachment status after STOPPED = %s; want DELETED", got)
	}
}

func TestEngine_BridgeContainersReachEachOtherThroughLinks(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	db := container("db", image, false, "serve", ":8080", "db", "answers", "--", "forever")
	app := container("app", image, true, "fetchwait", "http://database:8080/", "30s")
	app.Links = []string{"db:database"}
	arn := h.run("links", db, app)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 0 {
		t.Fatalf("app exit code = %v; want 0", got)
	}
	if got := h.logLines("/ecsrun/tasks", "links/app/"+taskID(arn)); !slices.Equal(got, []string{"db answers"}) {
		t.Errorf("app output = %q; want db's answer through the link", got)
	}
}

func TestEngine_HostVolumesReadOnlyAndVolumesFrom(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writer := container("writer", image, false, "cat", "/host/in", "--", "write", "/host/out", "written", "--", "write", "/scratch/f", "scratch", "data", "--", "forever")
	writer.MountPoints = []types.MountPoint{
		{SourceVolume: aws.String("hostdir"), ContainerPath: aws.String("/host")},
		{SourceVolume: aws.String("scratch"), ContainerPath: aws.String("/scratch")},
	}
	reader := container("reader", image, false, "cat", "/host/in", "--", "write", "/host/nope", "x")
	reader.MountPoints = []types.MountPoint{{SourceVolume: aws.String("hostdir"), ContainerPath: aws.String("/host"), ReadOnly: aws.Bool(true)}}
	user := container("user", image, true, "waitfile", "/scratch/f", "--", "cat", "/scratch/f", "--", "write", "/scratch/g", "x")
	user.VolumesFrom = []types.VolumeFrom{{SourceContainer: aws.String("writer"), ReadOnly: aws.Bool(true)}}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("mounts"),
		Volumes: []types.Volume{
			{Name: aws.String("hostdir"), Host: &types.HostVolumeProperties{SourcePath: aws.String(dir)}},
			{Name: aws.String("scratch")},
		},
		ContainerDefinitions: []types.ContainerDefinition{writer, reader, user},
	}, nil)
	task := h.waitStopped(arn)
	id := taskID(arn)
	// (Docker copies stdout and stderr separately, so their order may vary.)
	if got := h.logLines("/ecsrun/tasks", "mounts/writer/"+id); !slices.Contains(got, "from the host") {
		t.Errorf("writer output = %q; want the host file", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out")); err != nil || string(b) != "written\n" {
		t.Errorf("host file written by the container = %q, %v; want \"written\"", b, err)
	}
	if got := exitCode(task, "reader"); got == nil || *got != 125 {
		t.Errorf("reader exit code = %v; want 125 (its write to a read-only mount refused)", got)
	}
	if got := h.logLines("/ecsrun/tasks", "mounts/reader/"+id); !slices.Contains(got, "from the host") {
		t.Errorf("reader output = %q; want the host file read through the read-only mount", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the read-only mount was written: %v", err)
	}
	if got := h.logLines("/ecsrun/tasks", "mounts/user/"+id); !slices.Contains(got, "scratch data") {
		t.Errorf("user output = %q; want the writer's file through volumesFrom", got)
	}
	if got := exitCode(task, "user"); got == nil || *got != 125 {
		t.Errorf("user exit code = %v; want 125 (volumesFrom readOnly refuses its write)", got)
	}
}

func TestEngine_TaskMemoryLimitHoldsForAllContainers(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	tc, ok := h.rt.(runtime.TaskCgroups)
	if !ok {
		t.Fatal("the docker runtime has no task cgroups")
	}
	probe := "probe-" + randomHex(6)
	if _, err := tc.TaskCgroup(ctx(t), probe, runtime.TaskLimits{}); errors.Is(err, runtime.ErrNotSupported) {
		t.Skipf("no task cgroups on this host (limits are applied per container instead): %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	tc.RemoveTaskCgroup(ctx(t), probe)
	a := container("a", image, false, "waitfile", "/signal/go", "--", "alloc", "30", "--", "out", "a allocated", "--", "forever")
	b := container("b", image, false, "waitfile", "/signal/go", "--", "alloc", "30", "--", "out", "b allocated", "--", "forever")
	a.Memory, b.Memory = nil, nil
	main := container("main", image, true, "sleep", "20s")
	main.Memory = nil
	arn := h.runDefThenSignal(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("taskmem"), Cpu: aws.String("256"), Memory: aws.String("48"),
		ContainerDefinitions: []types.ContainerDefinition{a, b, main},
	})
	// Each alone fits in the task's 48 MiB; together they do not.
	h.waitFor(arn, "one container killed by the task limit", func(t types.Task) bool {
		for _, c := range t.Containers {
			if c.ExitCode != nil && *c.ExitCode == 137 {
				return true
			}
		}
		return false
	})
	task := h.stopTask(arn)
	killed := 0
	for _, c := range task.Containers {
		oom := aws.ToString(c.Reason) == "OutOfMemoryError: Container killed due to memory usage"
		if c.ExitCode != nil && *c.ExitCode == 137 {
			killed++
			if !oom {
				t.Errorf("container %s killed with reason %q; want OutOfMemoryError", aws.ToString(c.Name), aws.ToString(c.Reason))
			}
		} else if oom {
			t.Errorf("container %s exited %d but has reason %q; only a killed container ran out of memory", aws.ToString(c.Name), aws.ToInt32(c.ExitCode), aws.ToString(c.Reason))
		}
	}
	// Without the task limit neither would be killed (they have no limits of
	// their own); with it one is, or both when the kernel's OOM killer takes
	// a second before the first victim's memory is freed.
	if killed == 0 {
		t.Errorf("no container exited 137; want one killed by the task's memory limit")
	}
}

func TestEngine_FailureReasons(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	badCreate := container("app", image, true, "out", "hi")
	badCreate.DockerSecurityOptions = []string{"bogus"}
	badStart := container("app", image, true)
	badStart.EntryPoint = []string{"/no/such/program"}
	// ECS registers a container memory below Docker's 6 MiB minimum and
	// Docker refuses the container
	// (github.com/awsdocs/amazon-ecs-developer-guide/pull/185).
	tinyMemory := container("app", image, true, "out", "hi")
	tinyMemory.Memory = aws.Int32(4)
	tests := []struct {
		family     string
		def        types.ContainerDefinition
		wantReason string
	}{
		{"ghostimage", container("app", "ecsrun-test/does-not-exist:never", true), "CannotPullContainerError: "},
		{"badcreate", badCreate, "CannotCreateContainerError: "},
		{"badstart", badStart, "CannotStartContainerError: "},
		{"tinymemory", tinyMemory, "CannotCreateContainerError: "},
	}
	for _, tt := range tests {
		arn := h.run(tt.family, tt.def)
		task := h.waitStopped(arn)
		c := task.Containers[0]
		if !strings.HasPrefix(aws.ToString(c.Reason), tt.wantReason) || c.ExitCode != nil {
			t.Errorf("%s: container reason %q exit %v; want %q... and no exit code", tt.family, aws.ToString(c.Reason), c.ExitCode, tt.wantReason)
		}
		if task.StopCode != types.TaskStopCodeTaskFailedToStart || aws.ToString(task.StoppedReason) != aws.ToString(c.Reason) {
			t.Errorf("%s: stop %s %q; want TaskFailedToStart with the container's reason", tt.family, task.StopCode, aws.ToString(task.StoppedReason))
		}
		for name, ts := range map[string]*time.Time{"createdAt": task.CreatedAt, "pullStartedAt": task.PullStartedAt, "pullStoppedAt": task.PullStoppedAt,
			"stoppingAt": task.StoppingAt, "executionStoppedAt": task.ExecutionStoppedAt, "stoppedAt": task.StoppedAt} {
			if ts == nil {
				t.Errorf("%s: %s missing", tt.family, name)
			}
		}
		if task.StartedAt != nil {
			t.Errorf("%s: startedAt = %v; want none for a task that never ran", tt.family, task.StartedAt)
		}
		if task.PullStartedAt != nil && task.PullStoppedAt != nil && task.StoppedAt != nil &&
			(task.PullStoppedAt.Before(*task.PullStartedAt) || task.StoppedAt.Before(*task.PullStoppedAt)) {
			t.Errorf("%s: timestamps out of order: pull %v..%v stopped %v", tt.family, task.PullStartedAt, task.PullStoppedAt, task.StoppedAt)
		}
	}
}
