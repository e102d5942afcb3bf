package testimage

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
)

// BusyboxRepository is the repository of the image Busybox builds; its tag
// is the hash of the busybox binary.
const BusyboxRepository = "ecsrun-test/busybox"

// BusyboxPath is where Debian's busybox-static package installs its binary.
const BusyboxPath = "/bin/busybox"

// BuildBusybox makes sure the Docker engine has an image holding Debian's
// static busybox (BusyboxPath, from the busybox-static package) as
// /bin/busybox, a /bin/<applet> link for each of its applets, an empty
// /tmp and a minimal /etc/passwd, and returns its reference,
// "ecsrun-test/busybox:<hash>". Nothing is pulled: the image is imported
// from the host's binary. An error says how to install the package when
// it is missing.
func BuildBusybox(ctx context.Context) (string, error) {
	return do("busybox", func() (string, error) {
		data, err := os.ReadFile(BusyboxPath)
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("testimage: %s is missing: install Debian's busybox-static (apt-get install busybox-static)", BusyboxPath)
		}
		if err != nil {
			return "", fmt.Errorf("testimage: %w", err)
		}
		out, err := exec.CommandContext(ctx, BusyboxPath, "--list").Output()
		if err != nil {
			return "", fmt.Errorf("testimage: %s --list: %w", BusyboxPath, err)
		}
		sum := sha256.Sum256(data)
		ref := BusyboxRepository + ":" + hex.EncodeToString(sum[:])[:12]
		cli, err := newClient("")
		if err != nil {
			return "", err
		}
		defer cli.Close()
		if _, err := cli.ImageInspect(ctx, ref); err == nil {
			return ref, nil
		}
		layer, err := busyboxLayer(data, strings.Fields(string(out)))
		if err != nil {
			return "", err
		}
		rc, err := cli.ImageImport(ctx, image.ImportSource{Source: layer, SourceName: "-"}, ref, image.ImportOptions{
			Changes: []string{`CMD ["sh"]`, `ENV PATH=/bin`},
			Message: "ecsrun test busybox",
		})
		if err != nil {
			return "", fmt.Errorf("testimage: import %s: %w", ref, err)
		}
		defer rc.Close()
		var msg bytes.Buffer
		if _, err := msg.ReadFrom(rc); err != nil {
			return "", fmt.Errorf("testimage: import %s: %w", ref, err)
		}
		if bytes.Contains(msg.Bytes(), []byte(`"error"`)) {
			return "", fmt.Errorf("testimage: import %s: %s", ref, msg.Bytes())
		}
		return ref, nil
	})
}

// busyboxLayer is the image's only layer.
func busyboxLayer(data []byte, applets []string) (*bytes.Buffer, error) {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	now := time.Unix(0, 0)
	passwd := []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
	hdrs := []struct {
		hdr  tar.Header
		data []byte
	}{
		{tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: now}, nil},
		{tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: now}, nil},
		{tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777, ModTime: now}, nil},
		{tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data)), ModTime: now}, data},
		{tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(passwd)), ModTime: now}, passwd},
	}
	for _, a := range applets {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		hdrs = append(hdrs, struct {
			hdr  tar.Header
			data []byte
		}{tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777, ModTime: now}, nil})
	}
	for _, e := range hdrs {
		if err := tw.WriteHeader(&e.hdr); err != nil {
			return nil, fmt.Errorf("testimage: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("testimage: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("testimage: %w", err)
	}
	return &layer, nil
}

// Busybox calls RequireDocker and BuildBusybox, and returns the image's
// reference; it fails the test when the image cannot be built.
func Busybox(t testing.TB) string {
	t.Helper()
	RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ref, err := BuildBusybox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
