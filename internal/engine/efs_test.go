package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/efs"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// reopenWith closes the harness's engine and opens it again with cfg.
func (h *harness) reopenWith(cfg *serveconfig.Config) {
	h.t.Helper()
	h.close()
	eng, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: h.rt, PullBehavior: runtime.PullPreferCached, Config: cfg})
	if err != nil {
		h.t.Fatal(err)
	}
	h.connect(eng)
}

func efsVol(name, fs, root, accessPoint string) types.Volume {
	v := types.Volume{Name: aws.String(name), EfsVolumeConfiguration: &types.EFSVolumeConfiguration{FileSystemId: aws.String(fs)}}
	if root != "" {
		v.EfsVolumeConfiguration.RootDirectory = aws.String(root)
	}
	if accessPoint != "" {
		v.EfsVolumeConfiguration.TransitEncryption = types.EFSTransitEncryptionEnabled
		v.EfsVolumeConfiguration.AuthorizationConfig = &types.EFSAuthorizationConfig{AccessPointId: aws.String(accessPoint), Iam: types.EFSAuthorizationConfigIAMEnabled}
	}
	return v
}

func mount(volume, path string, readOnly bool) types.MountPoint {
	return types.MountPoint{SourceVolume: aws.String(volume), ContainerPath: aws.String(path), ReadOnly: aws.Bool(readOnly)}
}

func TestEngine_EFSVolumes(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	shared := t.TempDir() // fs-shared, mapped by the configuration
	h.reopenWith(&serveconfig.Config{EFS: efs.Config{
		FileSystems: map[string]string{"fs-shared": shared},
		AccessPoints: map[string]efs.AccessPoint{"fsap-web": {
			FileSystemID: "fs-shared", RootDirectory: "/apps/web",
			CreationInfo: &efs.CreationInfo{OwnerUID: uint32(os.Getuid()), OwnerGID: uint32(os.Getgid()), Permissions: 0o750},
		}},
	}})
	if err := os.MkdirAll(filepath.Join(shared, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "config", "app.conf"), []byte("from the file system\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	volumes := []types.Volume{
		efsVol("root", "fs-shared", "", ""),
		efsVol("config", "fs-shared", "/config", ""),
		efsVol("web", "fs-shared", "", "fsap-web"),
		efsVol("scratch", "fs-default", "", ""),
	}

	// Two tasks at once: each sees what the other writes.
	one := container("one", image, true, "write", "/efs/one", "written by one", "--", "waitfile", "/efs/two", "--", "cat", "/efs/two",
		"--", "cat", "/config/app.conf", "--", "write", "/web/page", "through the access point", "--", "write", "/scratch/kept", "persisted")
	one.MountPoints = []types.MountPoint{mount("root", "/efs", false), mount("config", "/config", true), mount("web", "/web", false), mount("scratch", "/scratch", false)}
	two := container("two", image, true, "waitfile", "/efs/one", "--", "cat", "/efs/one", "--", "write", "/efs/two", "written by two")
	two.MountPoints = []types.MountPoint{mount("root", "/efs", false)}
	arnOne := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("efs-one"), Volumes: volumes, ContainerDefinitions: []types.ContainerDefinition{one}}, nil)
	arnTwo := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("efs-two"), Volumes: volumes[:1], ContainerDefinitions: []types.ContainerDefinition{two}}, nil)
	for _, arn := range []string{arnOne, arnTwo} {
		task := h.waitStopped(arn)
		if got := exitCode(task, aws.ToString(task.Containers[0].Name)); got == nil || *got != 0 {
			t.Fatalf("%s: exit code %v, reason %q, stopped %q", arn, aws.ToInt32(got), aws.ToString(task.Containers[0].Reason), aws.ToString(task.StoppedReason))
		}
	}
	if got := h.logLines("/ecsrun/tasks", "efs-one/one/"+taskID(arnOne)); !slices.Equal(got, []string{"written by two", "from the file system"}) {
		t.Errorf("one read %q; want two's file and the rootDirectory's", got)
	}
	if got := h.logLines("/ecsrun/tasks", "efs-two/two/"+taskID(arnTwo)); !slices.Equal(got, []string{"written by one"}) {
		t.Errorf("two read %q; want one's file", got)
	}
	// The access point's root directory was created with its creationInfo.
	st, err := os.Stat(filepath.Join(shared, "apps", "web"))
	if err != nil || st.Mode().Perm() != 0o750 {
		t.Fatalf("access point root directory: %v, %v; want mode 0750", st, err)
	}
	if b, err := os.ReadFile(filepath.Join(shared, "apps", "web", "page")); err != nil || string(b) != "through the access point\n" {
		t.Errorf("file written through the access point = %q, %v", b, err)
	}
	// An unmapped file system lives in the state directory and outlives tasks.
	if b, err := os.ReadFile(filepath.Join(h.dir, "efs", "fs-default", "kept")); err != nil || string(b) != "persisted\n" {
		t.Errorf("state directory file system: %q, %v", b, err)
	}
	later := container("later", image, true, "cat", "/scratch/kept", "--", "write", "/ro/nope", "x")
	later.MountPoints = []types.MountPoint{mount("scratch", "/scratch", false), mount("ro", "/ro", true)}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("efs-later"),
		Volumes:              []types.Volume{efsVol("scratch", "fs-default", "/", ""), efsVol("ro", "fs-shared", "", "")},
		ContainerDefinitions: []types.ContainerDefinition{later}}, nil)
	task := h.waitStopped(arn)
	if got := h.logLines("/ecsrun/tasks", "efs-later/later/"+taskID(arn)); !slices.Contains(got, "persisted") {
		t.Errorf("a later task read %q; want what the first one left", got)
	}
	if got := exitCode(task, "later"); got == nil || *got != 125 {
		t.Errorf("later exit code = %v; want 125 (its write to a read-only EFS mount refused)", aws.ToInt32(got))
	}
	if _, err := os.Stat(filepath.Join(shared, "nope")); err == nil {
		t.Error("the read-only EFS mount was written")
	}
	out, err := h.ecs.DescribeTaskDefinition(ctx(t), &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("efs-one")})
	if err != nil {
		t.Fatal(err)
	}
	if v := out.TaskDefinition.Volumes[0].EfsVolumeConfiguration; aws.ToString(v.RootDirectory) != "/" || aws.ToString(v.FileSystemId) != "fs-shared" {
		t.Errorf("DescribeTaskDefinition volume = %+v; want rootDirectory \"/\" filled in", v)
	}
}

func TestEngine_EFSMountFailures(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	c := container("app", image, true, "exists", "/efs")
	c.MountPoints = []types.MountPoint{mount("data", "/efs", false)}
	tests := []struct {
		name   string
		volume types.Volume
		reason string // "" for a task that runs
	}{
		{"missing root directory", efsVol("data", "fs-fail", "/missing", ""), `ResourceInitializationError: volume "data": rootDirectory /missing does not exist in EFS file system fs-fail; create it (mkdir -p ` + filepath.Join(h.dir, "efs", "fs-fail", "missing") + ")"},
		{"unknown access point", efsVol("data", "fs-fail", "", "fsap-unknown"), ""},
	}
	for i, tt := range tests {
		family := "efsfail" + string(rune('a'+i))
		arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String(family), Volumes: []types.Volume{tt.volume}, ContainerDefinitions: []types.ContainerDefinition{c}}, nil)
		task := h.waitStopped(arn)
		if tt.reason == "" {
			if got := exitCode(task, "app"); got == nil || *got != 0 {
				t.Errorf("%s: exit code %v, stopped %q; want the file system's root mounted", tt.name, aws.ToInt32(got), aws.ToString(task.StoppedReason))
			}
			continue
		}
		if task.StopCode != types.TaskStopCodeTaskFailedToStart || aws.ToString(task.StoppedReason) != tt.reason {
			t.Errorf("%s: stop %s %q; want TaskFailedToStart %q", tt.name, task.StopCode, aws.ToString(task.StoppedReason), tt.reason)
		}
	}
}

// runOn runs one task of def on cluster and returns the RunTask output.
func (h *harness) runOn(cluster string, def *awsecs.RegisterTaskDefinitionInput, vcs ...types.TaskVolumeConfiguration) *awsecs.RunTaskOutput {
	h.t.Helper()
	if _, err := h.ecs.RegisterTaskDefinition(ctx(h.t), def); err != nil {
		h.t.Fatal(err)
	}
	out, err := h.ecs.RunTask(ctx(h.t), &awsecs.RunTaskInput{Cluster: aws.String(cluster), TaskDefinition: def.Family, VolumeConfigurations: vcs})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, task := range out.Tasks {
		h.arns = append(h.arns, aws.ToString(task.TaskArn))
	}
	return out
}

// waitStoppedIn waits until the task arn of cluster has stopped.
func (h *harness) waitStoppedIn(cluster, arn string) types.Task {
	h.t.Helper()
	c := ctx(h.t)
	for {
		out, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: []string{arn}})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(out.Tasks) == 1 && aws.ToString(out.Tasks[0].LastStatus) == "STOPPED" {
			return out.Tasks[0]
		}
		select {
		case <-c.Done():
			h.t.Fatalf("task %s: timed out waiting for STOPPED; last %+v", arn, out.Tasks)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestEngine_VolumesALinuxHostCannotMount(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	if _, err := h.ecs.CreateCluster(ctx(t), &awsecs.CreateClusterInput{ClusterName: aws.String("noinstances")}); err != nil {
		t.Fatal(err)
	}
	c := container("app", image, true, "exit", "0")
	c.MountPoints = []types.MountPoint{mount("data", "/data", false)}
	tests := []struct {
		name      string
		volume    types.Volume
		attribute string // the placement failure's detail on default
		reason    string // the stopped reason on a cluster without instances
	}{
		{"volume plugin not installed", types.Volume{Name: aws.String("data"), DockerVolumeConfiguration: &types.DockerVolumeConfiguration{Driver: aws.String("ecsrun-no-such-driver"), Scope: types.ScopeTask}},
			"ecs.capability.docker-plugin.ecsrun-no-such-driver", `ResourceInitializationError: volume "data": volume driver "ecsrun-no-such-driver" is not installed on this host`},
		{"FSx for Windows File Server", types.Volume{Name: aws.String("data"), FsxWindowsFileServerVolumeConfiguration: &types.FSxWindowsFileServerVolumeConfiguration{
			FileSystemId: aws.String("fs-0123456789abcdef0"), RootDirectory: aws.String(`share`),
			AuthorizationConfig: &types.FSxWindowsFileServerAuthorizationConfig{CredentialsParameter: aws.String("arn:aws:ssm:us-east-1:123456789012:parameter/creds"), Domain: aws.String("corp.example.com")},
		}}, "ecs.capability.fsxWindowsFileServer", `ResourceInitializationError: volume "data": FSx for Windows File Server volumes need a Windows container instance`},
	}
	for i, tt := range tests {
		def := &awsecs.RegisterTaskDefinitionInput{Family: aws.String("linuxonly" + string(rune('a'+i))), Volumes: []types.Volume{tt.volume}, ContainerDefinitions: []types.ContainerDefinition{c}}
		// On default, the host instance lacks the attribute: placement fails.
		out := h.runOn("default", def)
		if len(out.Tasks) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "ATTRIBUTE" {
			t.Errorf("%s on default: tasks %d, failures %+v; want one ATTRIBUTE failure", tt.name, len(out.Tasks), out.Failures)
		}
		// Without instances, the local host tries and the task fails.
		out = h.runOn("noinstances", def)
		if len(out.Tasks) != 1 {
			t.Fatalf("%s without instances: %+v", tt.name, out.Failures)
		}
		task := h.waitStoppedIn("noinstances", aws.ToString(out.Tasks[0].TaskArn))
		if task.StopCode != types.TaskStopCodeTaskFailedToStart || !strings.HasPrefix(aws.ToString(task.StoppedReason), tt.reason) {
			t.Errorf("%s without instances: stop %s %q; want TaskFailedToStart %q", tt.name, task.StopCode, aws.ToString(task.StoppedReason), tt.reason)
		}
	}
}

func TestEngine_ConfiguredAtLaunchVolumeIsATaskVolume(t *testing.T) {
	t.Parallel()
	h, image := newHarness(t)
	c := container("app", image, true, "write", "/data/f", "x", "--", "cat", "/data/f")
	c.MountPoints = []types.MountPoint{mount("ebs", "/data", false)}
	def := &awsecs.RegisterTaskDefinitionInput{Family: aws.String("atlaunch"), Volumes: []types.Volume{{Name: aws.String("ebs"), ConfiguredAtLaunch: aws.Bool(true)}}, ContainerDefinitions: []types.ContainerDefinition{c}}
	out := h.runOn("default", def, types.TaskVolumeConfiguration{Name: aws.String("ebs"), ManagedEBSVolume: &types.TaskManagedEBSVolumeConfiguration{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsInfrastructureRole"), SizeInGiB: aws.Int32(10), VolumeType: aws.String("gp3"),
	}})
	arn := aws.ToString(out.Tasks[0].TaskArn)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 0 {
		t.Fatalf("exit code %v, stopped %q", aws.ToInt32(got), aws.ToString(task.StoppedReason))
	}
	if got := h.logLines("/ecsrun/tasks", "atlaunch/app/"+taskID(arn)); !slices.Equal(got, []string{"x"}) {
		t.Errorf("app read %q; want what it wrote to its volume", got)
	}
	_, err := h.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{TaskDefinition: aws.String("atlaunch"), VolumeConfigurations: []types.TaskVolumeConfiguration{
		{Name: aws.String("other"), ManagedEBSVolume: &types.TaskManagedEBSVolumeConfiguration{RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}},
	}})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) || !strings.Contains(err.Error(), "no matching configuredAtLaunch volume") {
		t.Errorf("RunTask naming another volume = %v; want InvalidParameterException", err)
	}
}
