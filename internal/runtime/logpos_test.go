package runtime_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

func TestCutLine(t *testing.T) {
	max := runtime.MaxLineBytes
	a := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name string
		line string
		want int
	}{
		{"ASCII", a(max + 1), max},
		{"a 2-byte character across the cut", a(max-1) + "é", max - 1},
		{"a 3-byte character across the cut", a(max-2) + "€", max - 2},
		{"a 3-byte character one byte before the cut", a(max-1) + "€", max - 1},
		{"a 4-byte character across the cut", a(max-3) + "😀", max - 3},
		{"a 4-byte character that ends at the cut", a(max-4) + "😀b", max},
		{"a character that starts at the cut", a(max) + "é", max},
		{"bytes that are not UTF-8", a(max-1) + "\xe2\x82x", max},
	}
	for _, c := range cases {
		if got := runtime.CutLine([]byte(c.line)); got != c.want {
			t.Errorf("%s: CutLine = MaxLineBytes%+d; want MaxLineBytes%+d", c.name, got-max, c.want-max)
		}
	}
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type entry struct {
	stream runtime.Stream
	at     time.Duration
	text   string
}

// read delivers the entries of output stamped since or later, in order, as
// a runtime's Logs does, to the lines p keeps.
func read(p *runtime.LogPosition, output []entry, since time.Time, got *[]string) {
	for _, e := range output {
		if !t0.Add(e.at).Before(since) && p.Keep(e.stream, t0.Add(e.at)) {
			*got = append(*got, e.text)
		}
	}
}

func TestLogPosition_Resume(t *testing.T) {
	u := runtime.PositionGrain
	w := runtime.PositionWindow
	cases := []struct {
		name  string
		since time.Duration
		read  []entry // what the reader has
		want  time.Duration
	}{
		{"nothing read: from since", 3 * u, nil, 3 * u},
		{"both streams: from the older last line's grain",
			0, []entry{{runtime.Stdout, 5 * u, ""}, {runtime.Stderr, 7*u + 3, ""}, {runtime.Stdout, 9 * u, ""}}, 7 * u},
		{"stderr recorded after a later stdout line",
			0, []entry{{runtime.Stdout, 9 * u, ""}, {runtime.Stderr, 7 * u, ""}}, 7 * u},
		{"a stream that has written nothing: a window back",
			0, []entry{{runtime.Stdout, 2 * w, ""}}, w},
		{"a stream silent for longer than the window: a window back",
			0, []entry{{runtime.Stderr, 0, ""}, {runtime.Stdout, 2 * w, ""}}, w},
		{"never before since", 2 * u, []entry{{runtime.Stdout, 2*u + 5, ""}}, 2 * u},
	}
	for _, c := range cases {
		p := runtime.NewLogPosition(t0.Add(c.since), 0)
		var got []string
		read(p, c.read, p.Resume(), &got)
		if since := p.Resume(); !since.Equal(t0.Add(c.want)) {
			t.Errorf("%s: Resume = t0+%v; want t0+%v", c.name, since.Sub(t0), c.want)
		}
	}
}

// TestLogPosition_ResumedReadsKeepEachLineOnce checks, on outputs where
// stdout and stderr are recorded out of time order, with repeated lines and
// repeated times, that whatever line a read breaks off after, the next
// read from Resume's time gives exactly the rest.
func TestLogPosition_ResumedReadsKeepEachLineOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		output := randomOutput(r, 60)
		want := make([]string, len(output))
		for i, e := range output {
			want[i] = e.text
		}
		for brk := range len(output) + 1 {
			p := runtime.NewLogPosition(time.Time{}, 0)
			var got []string
			read(p, output[:brk], p.Resume(), &got)
			read(p, output, p.Resume(), &got)
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d, broken after %d lines: got %q; want %q (output %v)", trial, brk, got, want, output)
			}
		}
	}
}

// randomOutput is n lines on two streams: each stream's times rise (by 0
// to 3 grains, so some repeat), and the two are interleaved with a
// stream's line recorded up to 5 grains after the other's later one.
func randomOutput(r *rand.Rand, n int) []entry {
	u := runtime.PositionGrain
	var out []entry
	clock := map[runtime.Stream]time.Duration{}
	for i := range n {
		s := runtime.Stdout
		if r.IntN(2) == 0 {
			s = runtime.Stderr
		}
		at := max(clock[runtime.Stdout], clock[runtime.Stderr]) - time.Duration(r.IntN(6))*u
		at = max(at, clock[s]) + time.Duration(r.IntN(4))*u
		clock[s] = at
		out = append(out, entry{s, at, fmt.Sprintf("%s %d", s, i%7)})
	}
	return out
}

func TestLogPosition_SkipsWhatAStoreHolds(t *testing.T) {
	u := runtime.PositionGrain
	output := []entry{
		{runtime.Stdout, 5 * u, "one"}, {runtime.Stderr, 5 * u, "two"}, {runtime.Stdout, 5 * u, "three"},
		{runtime.Stderr, 6 * u, "four"}, {runtime.Stdout, 9 * u, "five"},
	}
	// A store holds the first two lines, both of grain 5: resume there,
	// with those two to skip; then the read breaks off and resumes again.
	p := runtime.NewLogPosition(t0.Add(5*u), 2)
	var got []string
	read(p, output[:3], p.Resume(), &got)
	read(p, output, p.Resume(), &got)
	if want := []string{"three", "four", "five"}; !slices.Equal(got, want) {
		t.Errorf("kept %q; want %q", got, want)
	}
}

// TestLogPosition_MarkResumesAfterACrash checks that a reader that saved
// its Mark with what it kept, stopped at any line (twice), and started again
// from the saved mark keeps every line once, though the two streams are
// recorded out of time order: the time of the last line kept is not where
// the other stream stops.
func TestLogPosition_MarkResumesAfterACrash(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	restore := func(p *runtime.LogPosition) *runtime.LogPosition {
		m, err := runtime.ParseLogMark(p.Mark().String())
		if err != nil {
			t.Fatal(err)
		}
		return runtime.NewLogPositionAt(m)
	}
	for trial := range 30 {
		output := randomOutput(r, 40)
		want := make([]string, len(output))
		for i, e := range output {
			want[i] = e.text
		}
		for first := range len(output) + 1 {
			for second := range len(output) + 1 {
				p := runtime.NewLogPosition(time.Time{}, 0)
				var got []string
				read(p, output[:first], p.Resume(), &got)
				p = restore(p)
				read(p, output[:second], p.Resume(), &got)
				p = restore(p)
				read(p, output, p.Resume(), &got)
				if !slices.Equal(got, want) {
					t.Fatalf("trial %d, stopped after %d then %d lines: got %q; want %q (output %v)", trial, first, second, got, want, output)
				}
			}
		}
	}
}

func TestLogMark_String(t *testing.T) {
	for _, m := range []runtime.LogMark{
		{},
		{Since: t0.Add(123456789), Stdout: 3, Stderr: 0, Any: 2},
		{Since: t0, Stdout: 0, Stderr: 7},
	} {
		got, err := runtime.ParseLogMark(m.String())
		if err != nil || !got.Since.Equal(m.Since) || got.Stdout != m.Stdout || got.Stderr != m.Stderr || got.Any != m.Any {
			t.Errorf("ParseLogMark(%q) = %+v, %v; want %+v", m.String(), got, err, m)
		}
	}
	for _, bad := range []string{"", "1 2 3", "x 1 2 3", "1 -1 0 0"} {
		if _, err := runtime.ParseLogMark(bad); err == nil {
			t.Errorf("ParseLogMark(%q) succeeded; want an error", bad)
		}
	}
}

// BenchmarkLogPosition_Keep: the position's cost per line of a chatty
// container (both streams, a line every 5 µs).
func BenchmarkLogPosition_Keep(b *testing.B) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	p := runtime.NewLogPosition(time.Time{}, 0)
	b.ReportAllocs()
	for i := range b.N {
		st := runtime.Stdout
		if i%8 == 0 {
			st = runtime.Stderr
		}
		if !p.Keep(st, t0.Add(time.Duration(i)*5*time.Microsecond)) {
			b.Fatal("a new line was not kept")
		}
	}
}
