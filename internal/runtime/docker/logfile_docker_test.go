package docker_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
)

// A chatty container whose json-file log rotates many times while it is
// followed from its log files: every line comes once, in order. (Through
// the engine's logs endpoint, Docker 20.10 loses lines across the
// rotations of a followed log: 7,841 of these 30,000 came.)
func TestRuntime_FollowThroughLogRotations(t *testing.T) {
	h := newHarness(t)
	const lines = 30000 // about 2.4 MB of json-file log: a dozen files of 200 KB
	for _, noFiles := range []bool{false} {
		rt, err := docker.New(docker.Options{NoLogFiles: noFiles})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		spec := h.spec("lines", fmt.Sprint(lines), "line")
		spec.LogDriver, spec.LogOptions = "json-file", map[string]string{"max-size": "200k", "max-file": "20"}
		id := h.Create(spec)
		var got []runtime.LogLine
		done := make(chan error, 1)
		go func() {
			done <- rt.Logs(h.ctx, id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) { got = append(got, l) })
		}()
		if err := h.rt.Start(h.ctx, id); err != nil {
			t.Fatal(err)
		}
		if !logFileReadable(t, id) {
			t.Skip("the container's json-file log cannot be read by this process (not root, or not a local engine): Logs follows through the engine")
		}
		if err := <-done; err != nil {
			t.Fatalf("NoLogFiles %v: Logs(Follow): %v", noFiles, err)
		}
		if len(got) != lines {
			t.Fatalf("NoLogFiles %v: %d lines; want %d", noFiles, len(got), lines)
		}
		for i, l := range got {
			if want := fmt.Sprintf("line %d", i+1); l.Text != want || l.Stream != runtime.Stdout {
				t.Fatalf("NoLogFiles %v: line %d = %s %q; want stdout %q", noFiles, i, l.Stream, l.Text, want)
			}
			if i > 0 && l.Time.Before(got[i-1].Time) {
				t.Fatalf("NoLogFiles %v: line %d stamped before the one before it", noFiles, i)
			}
		}
	}
}

// logFileReadable reports whether this process can read the container's
// log file (as Logs does when it can).
func logFileReadable(t *testing.T, id string) bool {
	out, err := exec.Command("docker", "inspect", "-f", "{{.LogPath}}", id).Output()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(strings.TrimSpace(string(out)))
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// A container whose json-file log had rotated before its output was
// followed (a chatty one, or one adopted after a restart) is followed from
// its oldest file while it runs and its log rotates again: every line
// once, in order (it used to go through the engine's endpoint, which loses
// lines across rotations).
func TestRuntime_FollowALogRotatedBefore(t *testing.T) {
	h := newHarness(t)
	const lines = 20000 // about 1.6 MB of json-file log: 8 files of 200 KB, twice
	signal := t.TempDir()
	spec := h.spec("lines", fmt.Sprint(lines), "line", "--", "waitfile", "/signal/go", "--", "lines", fmt.Sprint(lines), "more")
	spec.LogDriver, spec.LogOptions = "json-file", map[string]string{"max-size": "200k", "max-file": "20"}
	spec.Mounts = []runtime.Mount{{Source: signal, Target: "/signal"}}
	id := h.Create(spec)
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	if !logFileReadable(t, id) {
		t.Skip("the container's json-file log cannot be read by this process (not root, or not a local engine): Logs follows through the engine")
	}
	out, err := exec.Command("docker", "inspect", "-f", "{{.LogPath}}", id).Output()
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimSpace(string(out))
	deadline := time.Now().Add(time.Minute)
	for { // the lines are written (the log rotated), the container waits
		if _, err := os.Stat(path + ".5"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the log did not rotate")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var got []runtime.LogLine
	done := make(chan error, 1)
	before := docker.EndpointFollows()
	go func() {
		done <- h.rt.Logs(h.ctx, id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) { got = append(got, l) })
	}()
	if err := os.WriteFile(filepath.Join(signal, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Logs(Follow): %v", err)
	}
	if n := docker.EndpointFollows() - before; n != 0 {
		t.Errorf("the follow went on through the engine's endpoint %d times; want it read from the log files", n)
	}
	if len(got) != 2*lines {
		t.Fatalf("%d lines; want %d", len(got), 2*lines)
	}
	for i, l := range got {
		want := fmt.Sprintf("line %d", i+1)
		if i >= lines {
			want = fmt.Sprintf("more %d", i-lines+1)
		}
		if l.Text != want {
			t.Fatalf("line %d = %q; want %q", i, l.Text, want)
		}
	}
}
