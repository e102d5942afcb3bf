package testimage

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// DefaultTag is the tag Image builds.
const DefaultTag = "ecsrun-test/toolbox:latest"

// HashLabel is the image label that records the sha256 of the toolbox binary.
const HashLabel = "ecsrun.toolbox.sha256"

// RequireEnv is the environment variable that turns RequireDocker's skip into
// a failure when set to 1.
const RequireEnv = "ECSRUN_REQUIRE_DOCKER"

// once holds one build per key (a tag, or "binary/GOOS/GOARCH").
type once struct {
	once sync.Once
	val  string
	err  error
}

var builds sync.Map // string -> *once

func do(key string, f func() (string, error)) (string, error) {
	v, _ := builds.LoadOrStore(key, new(once))
	o := v.(*once)
	o.once.Do(func() { o.val, o.err = f() })
	return o.val, o.err
}

// sourceDir is the directory of the toolbox's source, found from this file's
// location, so Build works from any test's working directory.
func sourceDir() (string, error) {
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		return "", errors.New("testimage: cannot locate the toolbox source")
	}
	dir := filepath.Join(filepath.Dir(file), "toolbox")
	if _, err := os.Stat(filepath.Join(dir, "main.go")); err != nil {
		return "", fmt.Errorf("testimage: toolbox source: %w", err)
	}
	return dir, nil
}

// Binary compiles the toolbox for the host (static, CGO_ENABLED=0) once per
// process and returns the path of the executable. The file lives in a
// temporary directory that is left for the operating system to clean.
func Binary(ctx context.Context) (string, error) {
	return binary(ctx, goruntime.GOOS, goruntime.GOARCH)
}

func binary(ctx context.Context, goos, goarch string) (string, error) {
	return do("binary/"+goos+"/"+goarch, func() (string, error) {
		src, err := sourceDir()
		if err != nil {
			return "", err
		}
		dir, err := os.MkdirTemp("", "ecsrun-toolbox-")
		if err != nil {
			return "", fmt.Errorf("testimage: %w", err)
		}
		out := filepath.Join(dir, "toolbox")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("testimage: go build toolbox: %v: %s", err, b)
		}
		return out, nil
	})
}

// Build makes sure the Docker engine has an image tagged tag that holds the
// current toolbox binary as /toolbox with ENTRYPOINT ["/toolbox"]. It
// compiles the toolbox, and imports a new image only when none carries the
// same binary.
func Build(ctx context.Context, tag string) error {
	_, err := BuildOn(ctx, "", tag)
	return err
}

// BuildOn is Build on the engine at host (a DOCKER_HOST value; "" means
// the environment's engine). It returns the image's content tag,
// "<repository>:<binary hash>", which (unlike tag, which every checkout of
// the project moves to its own toolbox) always names this toolbox.
func BuildOn(ctx context.Context, host, tag string) (string, error) {
	return do("image/"+host+"/"+tag, func() (string, error) {
		cli, err := newClient(host)
		if err != nil {
			return "", err
		}
		defer cli.Close()
		return build(ctx, cli, tag)
	})
}

func build(ctx context.Context, cli *client.Client, tag string) (string, error) {
	info, err := cli.Info(ctx)
	if err != nil {
		return "", fmt.Errorf("testimage: docker info: %w", err)
	}
	arch := goruntime.GOARCH
	switch info.Architecture {
	case "x86_64":
		arch = "amd64"
	case "aarch64":
		arch = "arm64"
	}
	bin, err := binary(ctx, "linux", arch)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("testimage: %w", err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	repo := tag
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	ref := repo + ":" + hash[:12]

	img, err := cli.ImageInspect(ctx, ref)
	if err != nil || img.Config == nil || img.Config.Labels[HashLabel] != hash {
		if err := importToolbox(ctx, cli, ref, hash, data); err != nil {
			return "", err
		}
	}
	if err := cli.ImageTag(ctx, ref, tag); err != nil {
		return "", fmt.Errorf("testimage: tag %s: %w", tag, err)
	}
	return ref, nil
}

// importToolbox imports the toolbox binary data as the image ref.
func importToolbox(ctx context.Context, cli *client.Client, ref, hash string, data []byte) error {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	now := time.Unix(0, 0)
	entries := []struct {
		hdr  tar.Header
		data []byte
	}{
		{tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777, ModTime: now}, nil},
		{tar.Header{Name: "toolbox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data)), ModTime: now}, data},
	}
	for _, e := range entries {
		if err := tw.WriteHeader(&e.hdr); err != nil {
			return fmt.Errorf("testimage: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return fmt.Errorf("testimage: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("testimage: %w", err)
	}
	rc, err := cli.ImageImport(ctx, image.ImportSource{Source: &layer, SourceName: "-"}, ref, image.ImportOptions{
		Changes: []string{
			`ENTRYPOINT ["/toolbox"]`,
			`LABEL ` + HashLabel + `=` + hash,
		},
		Message: "ecsrun test toolbox",
	})
	if err != nil {
		return fmt.Errorf("testimage: import %s: %w", ref, err)
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(rc); err != nil {
		return fmt.Errorf("testimage: import %s: %w", ref, err)
	}
	if bytes.Contains(out.Bytes(), []byte(`"error"`)) {
		return fmt.Errorf("testimage: import %s: %s", ref, out.Bytes())
	}
	return nil
}

func newClient(host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	cli, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, fmt.Errorf("testimage: docker client: %w", err)
	}
	return cli, nil
}

// Available reports whether a Docker engine answers within a few seconds.
func Available(ctx context.Context) error {
	cli, err := newClient("")
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		return fmt.Errorf("testimage: docker engine unreachable: %w", err)
	}
	return nil
}

// RequireDocker skips the test when no Docker engine is reachable; when the
// environment variable ECSRUN_REQUIRE_DOCKER is 1 it fails the test instead.
func RequireDocker(t testing.TB) {
	t.Helper()
	if err := Available(context.Background()); err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%v (%s=1)", err, RequireEnv)
		}
		t.Skip(err)
	}
}

// Image calls RequireDocker, builds the toolbox image under DefaultTag and
// returns its content tag (see BuildOn), which tests should run: DefaultTag
// may meanwhile be moved to another checkout's toolbox. It fails the test
// when the build fails.
func Image(t testing.TB) string {
	t.Helper()
	RequireDocker(t)
	return ImageOn(t, "")
}

// HostBinary compiles the toolbox for the host and returns its path; it fails
// the test when the build fails.
func HostBinary(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := Binary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ImageOn builds the toolbox image under DefaultTag on the engine at host
// (a DOCKER_HOST value) and returns its content tag; it fails the test when
// the build fails.
func ImageOn(t testing.TB, host string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ref, err := BuildOn(ctx, host, DefaultTag)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
