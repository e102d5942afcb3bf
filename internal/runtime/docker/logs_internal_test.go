package docker

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

// msg is one engine message: its stream, time (ns after t0) and text.
type msg struct {
	stream runtime.Stream
	at     time.Duration
	text   string
}

func (m msg) raw() []byte {
	return []byte(t0.Add(m.at).Format(time.RFC3339Nano) + " " + m.text)
}

// line is an expected line: its stream, time (after t0) and text.
type line struct {
	stream runtime.Stream
	at     time.Duration
	text   string
}

func (l line) String() string {
	if len(l.text) > 40 {
		return fmt.Sprintf("%s@%d:%q...(%d bytes)", l.stream, l.at, l.text[:20], len(l.text))
	}
	return fmt.Sprintf("%s@%d:%q", l.stream, l.at, l.text)
}

func collect(got *[]line) func(runtime.LogLine) {
	return func(l runtime.LogLine) {
		*got = append(*got, line{l.Stream, l.Time.Sub(t0), l.Text})
	}
}

func out(at time.Duration, text string) msg { return msg{runtime.Stdout, at, text} }
func errm(at time.Duration, text string) msg {
	return msg{runtime.Stderr, at, text}
}

// pieces cuts text into the 16 KiB partial messages the engine sends for a
// long line, all stamped at.
func pieces(s runtime.Stream, at time.Duration, text string) []msg {
	var ms []msg
	for len(text) > 16*1024 {
		ms = append(ms, msg{s, at, text[:16*1024]})
		text = text[16*1024:]
	}
	return append(ms, msg{s, at, text})
}

func TestLineSplitter_Lines(t *testing.T) {
	max := MaxLineBytes
	a := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name string
		msgs []msg
		want []line
	}{
		{"one line", []msg{out(0, "one\n")}, []line{{runtime.Stdout, 0, "one"}}},
		{"partial message joined, stamped by its first piece",
			[]msg{out(1, "par"), out(2, "tial\n")}, []line{{runtime.Stdout, 1, "partial"}}},
		{"empty line", []msg{out(3, "\n")}, []line{{runtime.Stdout, 3, ""}}},
		{"two lines in one message (not sent by the engine, but handled)",
			[]msg{out(4, "a\nb\n")}, []line{{runtime.Stdout, 4, "a"}, {runtime.Stdout, 4, "b"}}},
		{"last line without a newline", []msg{out(1, "x\n"), out(5, "no-end")},
			[]line{{runtime.Stdout, 1, "x"}, {runtime.Stdout, 5, "no-end"}}},
		{"CRLF keeps its CR, as with awslogs", []msg{out(1, "dos\r\n"), out(2, "\r\n")},
			[]line{{runtime.Stdout, 1, "dos\r"}, {runtime.Stdout, 2, "\r"}}},
		{"a line of exactly MaxLineBytes stays whole", pieces(runtime.Stdout, 7, a(max)+"\n"),
			[]line{{runtime.Stdout, 7, a(max)}}},
		{"one byte more is cut", pieces(runtime.Stdout, 7, a(max+1)+"\n"),
			[]line{{runtime.Stdout, 7, a(max)}, {runtime.Stdout, 7, "a"}}},
		{"twice MaxLineBytes gives two lines and no empty third", pieces(runtime.Stdout, 7, a(2*max)+"\n"),
			[]line{{runtime.Stdout, 7, a(max)}, {runtime.Stdout, 7, a(max)}}},
		{"a long last line without a newline", pieces(runtime.Stdout, 7, a(max+5)),
			[]line{{runtime.Stdout, 7, a(max)}, {runtime.Stdout, 7, a(5)}}},
		{"a UTF-8 character is not split", pieces(runtime.Stdout, 8, a(max-1)+"é"+"b\n"),
			[]line{{runtime.Stdout, 8, a(max - 1)}, {runtime.Stdout, 8, "éb"}}},
		{"bytes that are not UTF-8 are cut anywhere", pieces(runtime.Stdout, 8, a(max-1)+"\xff\xfe\n"),
			[]line{{runtime.Stdout, 8, a(max-1) + "\xff"}, {runtime.Stdout, 8, "\xfe"}}},
		{"streams are split apart", []msg{out(1, "o"), errm(2, "e\n"), out(3, "ut\n"), errm(4, "tail")},
			[]line{{runtime.Stderr, 2, "e"}, {runtime.Stdout, 1, "out"}, {runtime.Stderr, 4, "tail"}}},
	}
	for _, c := range cases {
		var got []line
		rd := newLogReader(time.Time{}, collect(&got))
		for _, m := range c.msgs {
			rd.frame(m.stream, m.raw())
		}
		rd.flush()
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: lines = %v; want %v", c.name, got, c.want)
		}
	}
}

// output is a container's log as the engine holds it: messages in the order
// recorded. Stdout and stderr are stamped by separate copiers, so their
// times interleave out of order (here by more than a PositionGrain); the
// pieces of a long line share a time; lines repeat.
func output() []msg {
	u := runtime.PositionGrain
	long := strings.Repeat("L", 40000)
	ms := []msg{
		out(10*u, "a\n"), errm(5*u, "e1\n"), out(10*u, "a\n"), out(11*u, "b\n"),
		errm(11*u, "e2\n"), out(20*u, "c\n"),
	}
	ms = append(ms, pieces(runtime.Stderr, 15*u, long+"\n")[:2]...)
	ms = append(ms, out(30*u, "d\n"))
	ms = append(ms, pieces(runtime.Stderr, 15*u, long+"\n")[2:]...)
	ms = append(ms, out(30*u, "d\n"), errm(40*u, "e3\n"),
		out(2*time.Second, "after a pause\n"), errm(2*time.Second+2*u, "e4\n"),
		out(2*time.Second+3*u, "last, no newline"))
	return ms
}

// readFrom delivers the messages of ms the engine sends for a read from
// since: those stamped since or later, in order.
func readFrom(rd *logReader, ms []msg, since time.Time) {
	for _, m := range ms {
		if !t0.Add(m.at).Before(since) {
			rd.frame(m.stream, m.raw())
		}
	}
}

func TestLogReader_ResumedReadsDeliverEachLineOnce(t *testing.T) {
	ms := output()
	var want []line
	rd := newLogReader(time.Time{}, collect(&want))
	readFrom(rd, ms, rd.pos.Resume())
	rd.flush()
	if len(want) != 13 {
		t.Fatalf("one read gave %d lines (%v); want 13", len(want), want)
	}
	// Whatever message a read breaks off after, one more read from
	// Resume's time completes the output, without loss or repeat.
	for brk := range len(ms) + 1 {
		var got []line
		rd := newLogReader(time.Time{}, collect(&got))
		readFrom(rd, ms[:brk], rd.pos.Resume())
		readFrom(rd, ms, rd.pos.Resume())
		rd.flush()
		if !slices.Equal(got, want) {
			t.Errorf("broken after %d messages: lines = %v; want %v", brk, got, want)
		}
	}
	// And so do several reads that break off.
	var got []line
	rd = newLogReader(time.Time{}, collect(&got))
	for brk := range len(ms) + 1 {
		readFrom(rd, ms[:brk], rd.pos.Resume())
	}
	rd.flush()
	if !slices.Equal(got, want) {
		t.Errorf("read in %d pieces: lines = %v; want %v", len(ms)+1, got, want)
	}
}

func TestLogReader_EndsWith(t *testing.T) {
	full := out(1, "done\n")
	cases := []struct {
		name      string
		delivered []msg
		last      []msg // the engine's last message, if any
		want      bool
	}{
		{"nothing written", nil, nil, true},
		{"nothing delivered of some output", nil, []msg{full}, false},
		{"the last line was delivered", []msg{out(0, "x\n"), full}, []msg{full}, true},
		{"a line after the last delivered", []msg{full}, []msg{out(2, "more\n")}, false},
		{"same text, other stream", []msg{full}, []msg{errm(1, "done\n")}, false},
		{"same text, other time", []msg{full}, []msg{out(2, "done\n")}, false},
		{"a last message without a newline is read again", []msg{out(1, "end")}, []msg{out(1, "end")}, false},
	}
	for _, c := range cases {
		rd := newLogReader(time.Time{}, func(runtime.LogLine) {})
		for _, m := range c.delivered {
			rd.frame(m.stream, m.raw())
		}
		last := &lastFrame{}
		for _, m := range c.last {
			last.frame(m.stream, m.raw())
		}
		if got := rd.endsWith(last); got != c.want {
			t.Errorf("%s: endsWith = %v; want %v", c.name, got, c.want)
		}
	}
}

func TestTTYFrames_SplitsTheRawStreamIntoMessages(t *testing.T) {
	stamp := func(at time.Duration, text string) string { return string(out(at, text).raw()) }
	tests := []struct {
		name string
		raw  string
		want []line
	}{
		{"empty", "", nil},
		{"lines with the terminal's carriage returns",
			stamp(1, "hello\r\n") + stamp(2, "world\r\n"),
			[]line{{runtime.Stdout, 1, "hello"}, {runtime.Stdout, 2, "world"}}},
		{"a carriage return inside a line stays",
			stamp(1, "a\rb\r\n"),
			[]line{{runtime.Stdout, 1, "a\rb"}}},
		{"a last line without a newline",
			stamp(1, "one\r\n") + stamp(2, "prompt> "),
			[]line{{runtime.Stdout, 1, "one"}, {runtime.Stdout, 2, "prompt> "}}},
		{"a message longer than the reader's buffer",
			stamp(1, strings.Repeat("x", 100<<10)+"\r\n"),
			[]line{{runtime.Stdout, 1, strings.Repeat("x", 100<<10)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []line
			rd := newLogReader(time.Time{}, collect(&got))
			if err := ttyFrames(strings.NewReader(tt.raw), rd); err != nil {
				t.Fatal(err)
			}
			rd.flush()
			if !slices.Equal(got, tt.want) {
				t.Errorf("ttyFrames(%.60q) = %v; want %v", tt.raw, got, tt.want)
			}
		})
	}
}
