package docker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/pkg/stdcopy"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

type frameRec struct {
	stream runtime.Stream
	text   string
}

type recSink struct{ got []frameRec }

func (r *recSink) frame(s runtime.Stream, p []byte) { r.got = append(r.got, frameRec{s, string(p)}) }

// oneByte reads one byte at a time, the worst split of the stream.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:min(1, len(p))]) }

func TestDemux_MatchesStdCopy(t *testing.T) {
	var stream bytes.Buffer
	outW := stdcopy.NewStdWriter(&stream, stdcopy.Stdout)
	errW := stdcopy.NewStdWriter(&stream, stdcopy.Stderr)
	var want []frameRec
	for i, text := range []string{"a\n", "", "stderr line\n", strings.Repeat("x", demuxBuffer), strings.Repeat("y", demuxBuffer+1), "tail"} {
		w, s := outW, runtime.Stdout
		if i%2 == 1 {
			w, s = errW, runtime.Stderr
		}
		if text == "" {
			continue // a writer never sends an empty frame
		}
		w.Write([]byte(text))
		want = append(want, frameRec{s, text})
	}
	for name, r := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(stream.Bytes()) },
		"one byte": func() io.Reader { return oneByte{bytes.NewReader(stream.Bytes())} },
	} {
		var sink recSink
		if err := demux(r(), &sink); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(sink.got) != len(want) {
			t.Fatalf("%s: %d frames, want %d", name, len(sink.got), len(want))
		}
		for i := range want {
			if sink.got[i] != want[i] {
				t.Errorf("%s: frame %d = %v %d bytes, want %v %d bytes", name, i, sink.got[i].stream, len(sink.got[i].text), want[i].stream, len(want[i].text))
			}
		}
	}
}

func TestDemux_Errors(t *testing.T) {
	hdr := func(kind byte, n int) []byte {
		h := []byte{kind, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(h[4:], uint32(n))
		return h
	}
	cases := []struct {
		name, want string
		in         []byte
	}{
		{"truncated header", "unexpected EOF", []byte{1, 0, 0}},
		{"truncated message", "unexpected EOF", append(hdr(1, 10), "abc"...)},
		{"truncated long message", "unexpected EOF", append(hdr(2, demuxBuffer+10), "abc"...)},
		{"system error", "error from daemon in stream: boom", append(hdr(3, 4), "boom"...)},
		{"unknown stream", "unrecognized input header", append(hdr(9, 1), "x"...)},
	}
	for _, c := range cases {
		err := demux(bytes.NewReader(c.in), &recSink{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
	if err := demux(bytes.NewReader(nil), &recSink{}); err != nil {
		t.Errorf("empty stream: %v", err)
	}
	var sink recSink
	if err := demux(io.MultiReader(bytes.NewReader(append(hdr(1, 2), "ok"...)), errReader{}), &sink); !errors.Is(err, errBroken) || len(sink.got) != 1 {
		t.Errorf("broken stream: %v after %d frames, want errBroken after 1", err, len(sink.got))
	}
}

var errBroken = errors.New("broken")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBroken }

func TestParseStamp_AsTimeParse(t *testing.T) {
	for _, s := range []string{
		"2026-12-07T08:00:00.123456789Z", "2026-12-07T08:00:00.1Z", "2026-12-07T08:00:00Z",
		"2026-12-07T08:00:00.000000001Z", "2024-02-29T23:59:59.5Z",
		"2026-12-07T08:00:00+01:00", "2025-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
		"2026-12-07T24:00:00Z", "2026-12-07T08:00:00.Z", "2026-12-07T08:00:00.1234567890Z", "x026-12-07T08:00:00Z", "",
	} {
		checkStamp(t, s)
	}
}

func checkStamp(t *testing.T, s string) {
	t.Helper()
	got, gotErr := parseStamp([]byte(s))
	want, wantErr := time.Parse(time.RFC3339Nano, s)
	if (gotErr != nil) != (wantErr != nil) || !got.Equal(want) {
		t.Errorf("parseStamp(%q) = %v, %v; time.Parse: %v, %v", s, got, gotErr, want, wantErr)
	}
	// A stampParser that has just read a stamp of the same second (when
	// there is one) reads only the fraction: the same answer.
	var sp stampParser
	if len(s) >= 19 {
		sp.parse([]byte(s[:19] + "Z"))
	}
	got, gotErr = sp.parse([]byte(s))
	if (gotErr != nil) != (wantErr != nil) || !got.Equal(want) {
		t.Errorf("stampParser.parse(%q) after its second = %v, %v; time.Parse: %v, %v", s, got, gotErr, want, wantErr)
	}
}

// TestStampParser_Sequence: a parser reading the stamps of an output in
// order answers as time.Parse for each, across seconds and bad stamps.
func TestStampParser_Sequence(t *testing.T) {
	var sp stampParser
	for _, s := range []string{
		"2026-12-07T08:00:00.1Z", "2026-12-07T08:00:00.123456789Z", "2026-12-07T08:00:00Z", "2026-12-07T08:00:00.Z",
		"2026-12-07T08:00:00.1234567890Z", "2026-12-07T08:00:00.x1Z", "2026-12-07T08:00:01.5Z", "2026-12-07T08:00:00.5Z",
		"2026-04-30T23:59:59.9Z", "2026-04-31T00:00:00.1Z", "2026-04-30T23:59:59.95Z", "2026-12-07T08:00:00+01:00", "2026-12-07T08:00:00.25Z",
	} {
		got, gotErr := sp.parse([]byte(s))
		want, wantErr := time.Parse(time.RFC3339Nano, s)
		if (gotErr != nil) != (wantErr != nil) || !got.Equal(want) {
			t.Errorf("stampParser.parse(%q) = %v, %v; time.Parse: %v, %v", s, got, gotErr, want, wantErr)
		}
	}
}

func FuzzParseStamp(f *testing.F) {
	f.Add("2026-12-07T08:00:00.123456789Z")
	f.Add("2026-12-07T08:00:00Z")
	f.Add("2026-02-30T08:00:00.5Z")
	f.Fuzz(func(t *testing.T, s string) { checkStamp(t, s) })
}

func TestStringArena_StringsStayIntact(t *testing.T) {
	var a stringArena
	var got []string
	var want []string
	buf := make([]byte, 0, 64)
	for i := range 5000 {
		buf = append(buf[:0], strings.Repeat(string(rune('a'+i%26)), i%70)...)
		got = append(got, a.string(buf))
		want = append(want, string(buf))
		buf = append(buf[:0], "overwritten"...) // the caller reuses its buffer
	}
	long := strings.Repeat("L", arenaMax)
	got, want = append(got, a.string([]byte(long))), append(want, long)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("string %d = %q, want %q", i, got[i], want[i])
		}
	}
	if n := testing.AllocsPerRun(100, func() { a.string([]byte("a line of about sixty bytes of output from a chatty task")) }); n > 0.1 {
		t.Errorf("%.2f allocations per line, want about 1 per block", n)
	}
}
