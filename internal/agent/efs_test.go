package agent

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// efsDirs is an EFSMounter that maps file system ids to directories.
type efsDirs map[string]string

func (m efsDirs) Mount(_ context.Context, v *ecsmodel.EFSVolumeConfiguration) (string, string, error) {
	dir, ok := m[v.FileSystemId]
	if !ok {
		return "", "", errors.New("rootDirectory / does not exist in EFS file system " + v.FileSystemId)
	}
	return dir + v.RootDirectory, "", nil
}

func newEFSHarness(t *testing.T, m EFSMounter) *agentHarness {
	h := &agentHarness{t: t, rt: fake.New(), rec: newRecorder()}
	h.ag = New(Options{Runtime: h.rt, Logs: &memLogs{}, Reporter: h.rec, Region: "us-east-1", Engine: "test", HealthPoll: 10 * time.Millisecond, EFS: m})
	t.Cleanup(h.ag.Close)
	return h
}

func efsVolume(name, fs, root string) ecsmodel.Volume {
	return ecsmodel.Volume{Name: name, EfsVolumeConfiguration: &ecsmodel.EFSVolumeConfiguration{FileSystemId: fs, RootDirectory: root}}
}

func TestAgent_EFSVolumesAreBindMounts(t *testing.T) {
	h := newEFSHarness(t, efsDirs{"fs-1": "/state/efs/fs-1"})
	h.rt.OnImage("app", fake.Exits(0))
	d := def(cdef("app", "app", true))
	d.Volumes = []ecsmodel.Volume{efsVolume("shared", "fs-1", "/data"), efsVolume("ro", "fs-1", "/")}
	d.ContainerDefinitions[0].MountPoints = []ecsmodel.MountPoint{
		{SourceVolume: "shared", ContainerPath: "/mnt/shared"},
		{SourceVolume: "ro", ContainerPath: "/mnt/ro", ReadOnly: boolp(true)},
	}
	h.launch(d)
	rep := h.waitFor("STOPPED", stopped)
	if rep.State.StopCode != taskstate.StopEssentialContainerExited {
		t.Fatalf("stop = %s %q; want the container to run", rep.State.StopCode, rep.State.StoppedReason)
	}
	spec, err := h.rt.Spec(rep.Containers["app"].RuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Mounts) != 2 {
		t.Fatalf("mounts = %+v; want 2", spec.Mounts)
	}
	m0, m1 := spec.Mounts[0], spec.Mounts[1]
	if m0.Source != "/state/efs/fs-1/data" || m0.Target != "/mnt/shared" || m0.Volume || m0.ReadOnly {
		t.Errorf("mount 0 = %+v; want a read-write bind of the root directory", m0)
	}
	if m1.Source != "/state/efs/fs-1/" || m1.Target != "/mnt/ro" || m1.Volume || !m1.ReadOnly {
		t.Errorf("mount 1 = %+v; want a read-only bind of the file system", m1)
	}
	if vols, _ := h.rt.ListVolumes(context.Background(), map[string]string{}); len(vols) != 0 {
		t.Errorf("volumes = %+v; EFS volumes are no runtime volumes", vols)
	}
}

func TestAgent_EFSMountFailureIsResourceInitializationError(t *testing.T) {
	h := newEFSHarness(t, efsDirs{})
	d := def(cdef("app", "app", true))
	d.Volumes = []ecsmodel.Volume{efsVolume("shared", "fs-404", "/")}
	h.launch(d)
	rep := h.waitFor("STOPPED", stopped)
	want := `ResourceInitializationError: volume "shared": rootDirectory / does not exist in EFS file system fs-404`
	if rep.State.StopCode != taskstate.StopTaskFailedToStart || rep.State.StoppedReason != want {
		t.Errorf("stop = %s %q; want TaskFailedToStart %q", rep.State.StopCode, rep.State.StoppedReason, want)
	}
}

func TestAgent_WithoutEFSRefusesEFSVolumes(t *testing.T) {
	h := newAgentHarness(t)
	d := def(cdef("app", "app", true))
	d.Volumes = []ecsmodel.Volume{efsVolume("shared", "fs-1", "/")}
	err := h.ag.Check(&TaskSpec{ID: "t", Definition: d})
	if !errors.Is(err, ecs.ErrUnsupportedFeature) || !strings.Contains(err.Error(), `volume "shared": efsVolumeConfiguration`) {
		t.Errorf("Check = %v; want UnsupportedFeatureException naming the volume", err)
	}
}

func TestAgent_FSxFailsOnLinux(t *testing.T) {
	h := newAgentHarness(t)
	d := def(cdef("app", "app", true))
	d.Volumes = []ecsmodel.Volume{{Name: "win", FsxWindowsFileServerVolumeConfiguration: &ecsmodel.FSxWindowsFileServerVolumeConfiguration{
		FileSystemId: "fs-1", RootDirectory: `\share`, AuthorizationConfig: &ecsmodel.FSxWindowsFileServerAuthorizationConfig{CredentialsParameter: "arn:p", Domain: "d"},
	}}}
	h.launch(d)
	rep := h.waitFor("STOPPED", stopped)
	if rep.State.StopCode != taskstate.StopTaskFailedToStart || !strings.HasPrefix(rep.State.StoppedReason, `ResourceInitializationError: volume "win": FSx for Windows File Server volumes need a Windows container instance (attribute ecs.capability.fsxWindowsFileServer)`) {
		t.Errorf("stop = %s %q; want TaskFailedToStart naming the Windows capability", rep.State.StopCode, rep.State.StoppedReason)
	}
}

func TestAgent_ConfiguredAtLaunchIsATaskVolume(t *testing.T) {
	h := newAgentHarness(t)
	h.rt.OnImage("app", fake.Exits(0))
	d := def(cdef("app", "app", true))
	d.Volumes = []ecsmodel.Volume{{Name: "ebs", ConfiguredAtLaunch: boolp(true)}}
	d.ContainerDefinitions[0].MountPoints = []ecsmodel.MountPoint{{SourceVolume: "ebs", ContainerPath: "/data"}}
	h.launch(d)
	rep := h.waitFor("STOPPED", stopped)
	spec, err := h.rt.Spec(rep.Containers["app"].RuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	if name := VolumeName(d, "ebs", "task1"); len(spec.Mounts) != 1 || spec.Mounts[0].Source != name || !spec.Mounts[0].Volume {
		t.Errorf("mounts = %+v; want the task volume %s", spec.Mounts, name)
	}
}
