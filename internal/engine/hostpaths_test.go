package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// TestRunTask_RefusesHostPathsThatHandOverTheHost runs tasks that
// bind-mount the engine's state directory (or through a symlink, or a
// directory containing it), the Docker socket and "/": RunTask refuses
// them with a ClientException naming the volume and why, until the serve
// configuration allows the path.
func TestRunTask_RefusesHostPathsThatHandOverTheHost(t *testing.T) {
	h, _, _ := newFakeHarness(t)
	c := ctx(t)
	link := filepath.Join(t.TempDir(), "innocent")
	if err := os.Symlink(h.dir, link); err != nil {
		t.Fatal(err)
	}
	run := func(family, src string) error {
		t.Helper()
		if _, err := h.ecs.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
			Family:  aws.String(family),
			Volumes: []types.Volume{{Name: aws.String("host"), Host: &types.HostVolumeProperties{SourcePath: aws.String(src)}}},
			ContainerDefinitions: []types.ContainerDefinition{func() types.ContainerDefinition {
				cd := container("app", "img", true)
				cd.MountPoints = []types.MountPoint{mount("host", "/mnt", false)}
				return cd
			}()},
		}); err != nil {
			t.Fatalf("RegisterTaskDefinition with sourcePath %s: %v (registering is allowed, as on ECS)", src, err)
		}
		_, err := h.ecs.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String(family)})
		return err
	}
	for _, tc := range []struct{ family, src, why string }{
		{"state", h.dir, "the engine's state directory"},
		{"secrets", filepath.Join(h.dir, "secrets"), "inside the engine's state directory"},
		{"parent", filepath.Dir(h.dir), "contains the engine's state directory"},
		{"link", link, "the engine's state directory"},
		{"docker", "/var/run/docker.sock", "the Docker socket"},
		{"root", "/", "the host's root directory"},
	} {
		apiErr(t, "RunTask mounting "+tc.src, run(tc.family, tc.src), "ClientException", "Volume 'host' may not mount host path "+tc.src)
		apiErr(t, "RunTask mounting "+tc.src, run(tc.family, tc.src), "ClientException", tc.why)
	}
	if err := run("data", t.TempDir()); err != nil {
		t.Errorf("RunTask mounting an ordinary directory: %v", err)
	}

	// The serve configuration allows the socket.
	h.eng.Close()
	eng, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: fake.New(),
		Config: &serveconfig.Config{AllowHostPaths: []string{"/var/run/docker.sock"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h.connect(eng)
	if err := run("docker", "/var/run/docker.sock"); err != nil {
		t.Errorf("RunTask mounting the Docker socket allowed by allowHostPaths: %v", err)
	}
	apiErr(t, "RunTask mounting the state directory with only the socket allowed", run("state", h.dir), "ClientException", "the engine's state directory")
}
