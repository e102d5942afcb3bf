package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var _ runtime.Pauser = (*Runtime)(nil)

// PauseRepository is the repository of the pause image the runtime builds
// locally (nothing is pulled); its tag is derived from the program's bytes.
const PauseRepository = "ecsrun-internal/pause"

// pauseCode holds, per Docker architecture name, the machine code of a
// program that blocks in a system call forever, and the ELF machine number.
// A signal ends it only when it is fatal: the process is PID 1 of its
// container, so SIGTERM is ignored and the container is removed with SIGKILL.
var pauseCode = map[string]struct {
	machine uint16
	code    []byte
}{
	// loop: mov eax, 34 (pause); syscall; jmp loop
	"amd64": {0x3e, []byte{0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7}},
	// loop: mov x0..x3, #0; mov x8, #73 (ppoll: no fds, no timeout); svc #0; b loop
	"arm64": {0xb7, le32(0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa)},
}

func le32(words ...uint32) []byte {
	b := make([]byte, 4*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	return b
}

// pauseELF returns a static Linux executable for arch ("amd64" or "arm64")
// made of one ELF header, one loadable segment and the pause loop.
func pauseELF(arch string) ([]byte, error) {
	pc, ok := pauseCode[arch]
	if !ok {
		return nil, fmt.Errorf("no pause program for architecture %q", arch)
	}
	const (
		base     = 0x400000
		ehsize   = 64
		phsize   = 56
		codeOff  = ehsize + phsize
		exec     = 2
		ptLoad   = 1
		flagsR_X = 5
	)
	size := uint64(codeOff + len(pc.code))
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* System V */})
	b.Write(make([]byte, 8))
	w(uint16(exec))
	w(pc.machine)
	w(uint32(1))              // version
	w(uint64(base + codeOff)) // entry
	w(uint64(ehsize))         // program headers
	w(uint64(0))              // section headers
	w(uint32(0))              // flags
	w(uint16(ehsize))
	w(uint16(phsize))
	w(uint16(1)) // one program header
	w(uint16(64))
	w(uint16(0))
	w(uint16(0))
	// The loadable segment: the whole file, mapped read+execute at base.
	w(uint32(ptLoad))
	w(uint32(flagsR_X))
	w(uint64(0))
	w(uint64(base))
	w(uint64(base))
	w(size)
	w(size)
	w(uint64(0x1000))
	b.Write(pc.code)
	return b.Bytes(), nil
}

// PauseImage makes sure the engine has the pause image for its
// architecture, importing it (a few hundred bytes, built here) when it is
// missing, and returns its reference.
func (r *Runtime) PauseImage(ctx context.Context) (string, error) {
	r.mu.Lock()
	ref := r.pauseRef
	r.mu.Unlock()
	if ref != "" {
		return ref, nil
	}
	info, err := r.cli.Info(ctx)
	if err != nil {
		return "", wrap("pause image", "", runtime.ErrCreate, nil, err)
	}
	arch := info.Architecture
	switch arch {
	case "x86_64":
		arch = "amd64"
	case "aarch64":
		arch = "arm64"
	}
	prog, err := pauseELF(arch)
	if err != nil {
		return "", fmt.Errorf("docker: pause image: %w: %w", runtime.ErrCreate, err)
	}
	sum := sha256.Sum256(prog)
	ref = PauseRepository + ":" + arch + "-" + hex.EncodeToString(sum[:6])
	if _, err := r.cli.ImageInspect(ctx, ref); err != nil {
		if err := r.importPause(ctx, ref, prog); err != nil {
			return "", err
		}
	}
	r.mu.Lock()
	r.pauseRef = ref
	r.mu.Unlock()
	return ref, nil
}

func (r *Runtime) importPause(ctx context.Context, ref string, prog []byte) error {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	hdr := &tar.Header{Name: "pause", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(prog)), ModTime: time.Unix(0, 0)}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("docker: pause image: %w", err)
	}
	tw.Write(prog)
	if err := tw.Close(); err != nil {
		return fmt.Errorf("docker: pause image: %w", err)
	}
	rc, err := r.cli.ImageImport(ctx, image.ImportSource{Source: &layer, SourceName: "-"}, ref, image.ImportOptions{
		Changes: []string{`ENTRYPOINT ["/pause"]`, `LABEL io.ecsrun.pause=true`},
		Message: "ecsrun pause container",
	})
	if err != nil {
		return wrap("pause image", ref, runtime.ErrCreate, nil, err)
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(rc); err != nil {
		return wrap("pause image", ref, runtime.ErrCreate, nil, err)
	}
	if bytes.Contains(out.Bytes(), []byte(`"error"`)) {
		return fmt.Errorf("docker: pause image %s: %w: %s", ref, runtime.ErrCreate, out.Bytes())
	}
	return nil
}
