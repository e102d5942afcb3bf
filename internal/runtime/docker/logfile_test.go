package docker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// jsonLine is an entry as the json-file driver writes it (encoding/json
// escapes as Docker's encoder does: <, > and & as \u00XX, invalid UTF-8 as
// \ufffd).
func jsonLine(t testing.TB, stream, text string, ts time.Time) []byte {
	b, err := json.Marshal(jsonEntry{Log: text, Stream: stream, Time: ts})
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func TestParseEntry_AsEncodingJSON(t *testing.T) {
	ts := time.Date(2026, 12, 7, 8, 0, 0, 123456789, time.UTC)
	texts := []string{"plain line\n", "tab\tquote\" backslash\\ cr\r\n", "<html> & more\n", "partial, no newline",
		"caf\u00e9 \u2028 \U0001F600\n", "bad \xff utf8\n", "ctrl \x01\n", "slash / \n"}
	var scratch entryScratch
	for _, stream := range []string{"stdout", "stderr"} {
		for _, text := range texts {
			line := jsonLine(t, stream, text, ts)
			checkEntry(t, line, &scratch)
		}
	}
	// Docker writes "\/" for nothing, but JSON allows it; attrs go to the
	// slow path.
	checkEntry(t, []byte(`{"log":"a\/b\n","stream":"stdout","time":"2026-12-07T08:00:00.5Z"}`+"\n"), &scratch)
	checkEntry(t, []byte(`{"log":"x\n","stream":"stdout","attrs":{"k":"v"},"time":"2026-12-07T08:00:00Z"}`+"\n"), &scratch)
	for _, bad := range []string{`{"log":"x","stream":"stdin","time":"2026-12-07T08:00:00Z"}` + "\n", "not json\n", `{"log":"x\n","stream":"stdout","time":"yesterday"}` + "\n"} {
		if _, ok := parseEntry([]byte(bad), &scratch.text, &scratch.stamps); ok {
			t.Errorf("parseEntry(%q) ok; want refused", bad)
		}
	}
}

// entryScratch is what a reader of a log file keeps from entry to entry.
type entryScratch struct {
	text   []byte
	stamps stampParser
}

// checkEntry checks parseEntry against encoding/json, which the engine's
// logs endpoint decodes the file with.
func checkEntry(t *testing.T, line []byte, scratch *entryScratch) {
	t.Helper()
	var want jsonEntry
	wantErr := json.Unmarshal(line, &want)
	if wantErr == nil && want.Stream != "stdout" && want.Stream != "stderr" {
		wantErr = os.ErrInvalid
	}
	got, ok := parseEntry(line, &scratch.text, &scratch.stamps)
	if ok != (wantErr == nil) {
		t.Fatalf("parseEntry(%q) ok %v; encoding/json: %v", line, ok, wantErr)
	}
	if !ok {
		return
	}
	wantStream := runtime.Stdout
	if want.Stream == "stderr" {
		wantStream = runtime.Stderr
	}
	if string(got.text) != want.Log || got.stream != wantStream || !got.time.Equal(want.Time) {
		t.Errorf("parseEntry(%q) = %q %v %v; want %q %v %v", line, got.text, got.stream, got.time, want.Log, wantStream, want.Time)
	}
}

func FuzzParseEntry(f *testing.F) {
	f.Add("line\n", "stdout", int64(0))
	f.Add("<a> \"q\" \\ \t\xff", "stderr", int64(123456789))
	f.Fuzz(func(t *testing.T, text, stream string, ns int64) {
		if stream != "stdout" && stream != "stderr" {
			stream = "stdout"
		}
		var scratch entryScratch
		ts := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC).Add(time.Duration(ns % int64(time.Hour)))
		checkEntry(t, jsonLine(t, stream, text, ts), &scratch)
		checkEntry(t, []byte(text), &scratch) // anything at all
	})
}

// The json-file driver renames path.i to path.i+1, then path to path.1,
// and creates path: a reader of a rotated file goes on with the files
// written after it, in order.
func TestRotatedAfter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c-json.log")
	write := func(name, text string) {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rotate := func() {
		for i := maxLogFiles - 1; i >= 1; i-- {
			os.Rename(path+"."+itoa(i), path+"."+itoa(i+1))
		}
		if err := os.Rename(path, path+".1"); err != nil {
			t.Fatal(err)
		}
	}
	write(path, "a")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if next, err := rotatedAfter(path, f); err != nil || next != nil {
		t.Fatalf("not rotated: %v, %v; want no file", next, err)
	}
	rotate()
	write(path, "b")
	rotate()
	write(path, "c")
	var got string
	for cur := f; ; {
		next, err := rotatedAfter(path, cur)
		if err != nil {
			t.Fatal(err)
		}
		if cur != f {
			cur.Close()
		}
		if next == nil {
			break
		}
		b := make([]byte, 1)
		next.Read(b)
		got += string(b)
		cur = next
	}
	if got != "bc" {
		t.Errorf("files after ours: %q; want b then c", got)
	}
	// Ours deleted (max-file reached): not followable.
	os.Remove(path + ".2")
	if _, err := rotatedAfter(path, f); err == nil {
		t.Error("ours removed: no error")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// The reader found the end of the file in the middle of an entry; before it
// looked for a rotation, the driver wrote the rest of the entry and rotated
// the file. The file is read to its end before the next one: every line
// comes once, in order, and the follow goes on from the file (Docker 20.10
// rotates a chatty container's log every few hundred milliseconds at its
// default 10 MB; this sent one run in eight back to the engine's logs
// endpoint, at several times the daemon's CPU).
func TestFollowFrom_RotationAfterAPartialEntry(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c-json.log")
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	entry := func(i int) []byte {
		return jsonLine(t, "stdout", "line "+strconv.Itoa(i)+"\n", t0.Add(time.Duration(i)*time.Millisecond))
	}
	third := entry(3)
	first := append(append(entry(1), entry(2)...), third[:len(third)/2]...)
	if err := os.WriteFile(path, first, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	all := make(chan struct{})
	rd := newLogReader(time.Time{}, func(l runtime.LogLine) {
		if got = append(got, l.Text); len(got) == 4 {
			close(all)
		}
	})
	fr := &fileReader{br: bufio.NewReaderSize(f, 64<<10), rd: rd}
	rotated := false
	atFileEnd = func() {
		if rotated || !fr.partial() {
			return
		}
		rotated = true
		// The rest of the entry, then the driver's rotation and the next
		// entry in a new file.
		w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(third[len(third)/2:])
		w.Close()
		if err := os.Rename(path, path+".1"); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, entry(4), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { atFileEnd = nil })
	waitC := make(chan container.WaitResponse, 1)
	go func() {
		select {
		case <-all:
		case <-time.After(10 * time.Second):
		}
		waitC <- container.WaitResponse{} // the container stopped
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	followed, _, err := followFrom(ctx, path, f, fr, stopSignals{wait: waitC})
	if err != nil || !followed {
		t.Fatalf("followFrom = %v, %v; want the whole output followed from the files", followed, err)
	}
	if !rotated {
		t.Fatal("the reader never stopped in the middle of an entry: the test did not test")
	}
	want := []string{"line 1", "line 2", "line 3", "line 4"}
	if !slices.Equal(got, want) {
		t.Errorf("lines %q; want %q", got, want)
	}
}

// TestHasControl: each byte value at each position of runs of 0 to 20
// bytes, against a byte-by-byte check.
func TestHasControl(t *testing.T) {
	for n := 0; n <= 20; n++ {
		for at := range n {
			for c := range 256 {
				b := bytes.Repeat([]byte{'a'}, n)
				b[at] = byte(c)
				if got, want := hasControl(b), c < 0x20; got != want {
					t.Fatalf("hasControl(%q) = %v; want %v", b, got, want)
				}
			}
		}
	}
	if !hasControl([]byte("\xff\xff\xff\xff\xff\xff\xff\x1f")) || hasControl([]byte("\x20\x80\xff\x7f \x21\xfe\x20\x20")) {
		t.Error("hasControl is wrong beside bytes of the high half")
	}
}

// A container's log rotated before its read starts (a chatty one, or one
// adopted after a restart) is read from its oldest file, through the
// newer ones, to the current one: every line once, in order, from the
// files (it was read through the engine's endpoint, at several times the
// daemon's CPU).
func TestFollowFrom_OldestFileFirst(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c-json.log")
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	entry := func(i int) []byte {
		return jsonLine(t, "stdout", "line "+strconv.Itoa(i)+"\n", t0.Add(time.Duration(i)*time.Millisecond))
	}
	write := func(name string, entries ...int) {
		var b []byte
		for _, i := range entries {
			b = append(b, entry(i)...)
		}
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(path+".2", 1, 2)
	write(path+".1", 3)
	write(path, 4, 5)
	f, err := openOldest(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	rd := newLogReader(time.Time{}, func(l runtime.LogLine) { got = append(got, l.Text) })
	fr := &fileReader{br: bufio.NewReaderSize(f, 64<<10), rd: rd}
	waitC := make(chan container.WaitResponse, 1)
	waitC <- container.WaitResponse{} // stopped already: read to the end
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	followed, _, err := followFrom(ctx, path, f, fr, stopSignals{wait: waitC})
	rd.flush()
	if err != nil || !followed {
		t.Fatalf("followFrom = %v, %v; want the whole output followed from the files", followed, err)
	}
	if want := []string{"line 1", "line 2", "line 3", "line 4", "line 5"}; !slices.Equal(got, want) {
		t.Errorf("lines %q; want %q", got, want)
	}
	// In the middle of a rotation (the driver renames path.i to path.i+1
	// from the highest down), a number is missing below the oldest file:
	// it is still the one opened.
	if err := os.Rename(path+".2", path+".4"); err != nil {
		t.Fatal(err)
	}
	write(path+".2", 6)
	if f, err = openOldest(path); err != nil {
		t.Fatal(err)
	}
	st4, _ := os.Stat(path + ".4")
	if mine, _ := f.Stat(); !os.SameFile(st4, mine) {
		t.Error("openOldest in the middle of a rotation: not the oldest file (path.4, above the missing path.3)")
	}
	f.Close()
	os.Remove(path + ".4")
	// Two rotations between the look and the open (a busy machine, a
	// chatty container): the first moves the oldest file up and a newer
	// one into its place, the second has moved the oldest up again and
	// not yet the rest. The file at the number found is not the oldest.
	write(path+".3", 7)
	oldest, _ := os.Stat(path + ".3")
	rotations := 0
	oldestFound = func() {
		if rotations++; rotations > 1 {
			return
		}
		for _, mv := range [][2]string{{".3", ".4"}, {".2", ".3"}, {".1", ".2"}, {"", ".1"}, {".4", ".5"}} {
			if err := os.Rename(path+mv[0], path+mv[1]); err != nil {
				t.Fatal(err)
			}
		}
		write(path, 8)
	}
	defer func() { oldestFound = nil }()
	if f, err = openOldest(path); err != nil {
		t.Fatal(err)
	}
	if mine, _ := f.Stat(); !os.SameFile(oldest, mine) || rotations < 2 {
		t.Errorf("openOldest across two rotations (%d looks): not the oldest file (path.5, above the missing path.4)", rotations)
	}
	f.Close()
	oldestFound = nil
	for _, n := range []string{".3", ".5"} {
		os.Remove(path + n)
	}
	// Not rotated: the file itself.
	os.Remove(path + ".1")
	os.Remove(path + ".2")
	f, err = openOldest(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := os.Stat(path)
	if mine, _ := f.Stat(); !os.SameFile(st, mine) {
		t.Error("openOldest of a log never rotated: not the log file")
	}
}

// A die event ends a follow as the wait for the exit does: the file is
// read to its end once more, and the event is returned. A file that then
// ends in the middle of an entry is not followed exactly (the caller reads
// on through the engine).
func TestFollowFrom_EndsWithTheDieEvent(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		tail     []byte // written after the die event was sent
		followed bool
		want     []string
	}{
		{"complete", jsonLine(t, "stdout", "line 3\n", t0.Add(3*time.Millisecond)), true, []string{"line 1", "line 2", "line 3"}},
		{"an entry cut short", jsonLine(t, "stdout", "line 3\n", t0.Add(3*time.Millisecond))[:20], false, []string{"line 1", "line 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c-json.log")
			b := append(jsonLine(t, "stdout", "line 1\n", t0.Add(time.Millisecond)), jsonLine(t, "stdout", "line 2\n", t0.Add(2*time.Millisecond))...)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			rd := newLogReader(time.Time{}, func(l runtime.LogLine) { got = append(got, l.Text) })
			fr := &fileReader{br: bufio.NewReaderSize(f, 64<<10), rd: rd}
			die := make(chan died, 1)
			ends := 0
			atFileEnd = func() {
				// At the first end of the file: the rest comes, then the
				// die event (the engine writes the output before it).
				if ends++; ends == 1 {
					w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
					if err != nil {
						t.Fatal(err)
					}
					w.Write(tc.tail)
					w.Close()
					die <- died{exitCode: 3, at: t0.Add(time.Second)}
				}
			}
			t.Cleanup(func() { atFileEnd = nil })
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// No wait answer ever comes: the die event alone ends it.
			followed, d, err := followFrom(ctx, path, f, fr, stopSignals{wait: make(chan container.WaitResponse), die: die})
			rd.flush()
			if err != nil || followed != tc.followed {
				t.Fatalf("followFrom = %v, %v; want followed %v", followed, err, tc.followed)
			}
			if tc.followed && (d == nil || d.exitCode != 3) {
				t.Errorf("followFrom returned the die event %+v; want exit code 3", d)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("lines %q; want %q", got, tc.want)
			}
		})
	}
}
