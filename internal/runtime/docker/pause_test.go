package docker

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"
)

func TestPauseELF_IsAValidStaticExecutable(t *testing.T) {
	for arch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		b, err := pauseELF(arch)
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: elf.NewFile: %v", arch, err)
		}
		if f.Machine != machine || f.Type != elf.ET_EXEC || f.Class != elf.ELFCLASS64 || len(f.Progs) != 1 {
			t.Fatalf("%s: machine %v type %v class %v progs %d; want %v EXEC 64-bit with one segment", arch, f.Machine, f.Type, f.Class, len(f.Progs), machine)
		}
		p := f.Progs[0]
		if p.Type != elf.PT_LOAD || p.Flags != elf.PF_R|elf.PF_X || f.Entry < p.Vaddr || f.Entry >= p.Vaddr+p.Memsz || p.Filesz != uint64(len(b)) {
			t.Errorf("%s: segment %+v, entry %#x; want the whole file loaded R+X around the entry", arch, p.ProgHeader, f.Entry)
		}
	}
	if _, err := pauseELF("s390x"); err == nil {
		t.Error("pauseELF(s390x) succeeded")
	}
}

// On an amd64 Linux host the program really runs: it blocks until killed.
func TestPauseELF_BlocksUntilKilled(t *testing.T) {
	if goruntime.GOOS != "linux" || goruntime.GOARCH != "amd64" {
		t.Skip("runs the amd64 program natively")
	}
	b, _ := pauseELF("amd64")
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("pause exited by itself: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	cmd.Process.Kill()
	if err := <-done; err == nil {
		t.Fatal("pause exited 0 after SIGKILL")
	}
}
