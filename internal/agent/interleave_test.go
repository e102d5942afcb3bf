package agent

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

func TestInterleave_Ready(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := func(us int, text string) runtime.LogLine {
		return runtime.LogLine{Stream: runtime.Stdout, Time: t0.Add(time.Duration(us) * time.Microsecond), Text: text}
	}
	errl := func(us int, text string) runtime.LogLine {
		l := out(us, text)
		l.Stream = runtime.Stderr
		return l
	}
	cases := []struct {
		name  string
		lines []runtime.LogLine // arriving in this order, at once
		after time.Duration     // when ready is asked, after they arrived
		all   bool
		want  []string
	}{
		{"a line the other stream has passed", []runtime.LogLine{out(1, "o1"), errl(2, "e1")}, 0, false, []string{"o1"}},
		{"recorded after a later line: put first", []runtime.LogLine{out(5, "o1"), errl(2, "e1"), errl(6, "e2")}, 0, false, []string{"e1", "o1"}},
		{"one stream alone waits", []runtime.LogLine{out(1, "o1"), out(2, "o2")}, 0, false, nil},
		{"one stream alone, settled", []runtime.LogLine{out(1, "o1"), out(2, "o2")}, interleaveSettle, false, []string{"o1", "o2"}},
		{"the end delivers all, in time order", []runtime.LogLine{out(5, "o1"), errl(2, "e1"), out(7, "o2")}, 0, true, []string{"e1", "o1", "o2"}},
		{"same time: arrival order", []runtime.LogLine{errl(3, "e1"), out(3, "o1"), out(3, "o2"), errl(3, "e2")}, 0, true, []string{"e1", "o1", "o2", "e2"}},
	}
	for _, c := range cases {
		var m interleave
		for _, l := range c.lines {
			m.add(l, t0)
		}
		var got []string
		for _, l := range m.ready(nil, t0.Add(c.after), c.all) {
			got = append(got, l.Text)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: ready = %q; want %q", c.name, got, c.want)
		}
	}
}

// Lines moved out in many small turns, with more arriving between them
// (some stamped before lines still held), come out once each, in time
// order, whatever the compaction of the held lines does meanwhile.
func TestInterleave_ManyTurnsKeepOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var m interleave
	var got []runtime.LogLine
	now := t0
	for i := range 5000 {
		stream, us := runtime.Stdout, i*10
		if i%7 == 3 {
			stream, us = runtime.Stderr, i*10-25 // recorded late: precedes held lines
		}
		m.add(runtime.LogLine{Stream: stream, Time: t0.Add(time.Duration(us) * time.Microsecond), Text: strconv.Itoa(i)}, now)
		if i%13 == 0 {
			now = now.Add(interleaveSettle / 3)
			got = m.ready(got, now, false)
		}
	}
	got = m.ready(got, now, true)
	if m.holding() != 0 {
		t.Fatalf("%d lines still held after the end", m.holding())
	}
	if len(got) != 5000 {
		t.Fatalf("%d lines out; want 5000 (each once)", len(got))
	}
	seen := map[string]bool{}
	for i, l := range got {
		if seen[l.Text] {
			t.Fatalf("line %s came out twice", l.Text)
		}
		seen[l.Text] = true
		if i > 0 && l.Time.Before(got[i-1].Time) {
			t.Fatalf("line %s (%v) came out after %s (%v)", l.Text, l.Time, got[i-1].Text, got[i-1].Time)
		}
	}
}

// The runtime delivers a stderr line after a stdout line stamped later (as
// Docker's two copiers may record them); the log stream holds them in the
// order of their times.
func TestAgent_OutputStoredInTimeOrder(t *testing.T) {
	t0 := time.Now().Truncate(time.Second)
	at := func(s runtime.Stream, us int, text string) runtime.LogLine {
		return runtime.LogLine{Stream: s, Time: t0.Add(time.Duration(us) * time.Microsecond), Text: text}
	}
	script := []runtime.LogLine{
		at(runtime.Stdout, 10, "1"), at(runtime.Stdout, 30, "3"), at(runtime.Stderr, 20, "2"),
		at(runtime.Stderr, 40, "4"), at(runtime.Stdout, 50, "5"), at(runtime.Stderr, 60, "6"),
		at(runtime.Stderr, 80, "8"), at(runtime.Stdout, 70, "7"), at(runtime.Stdout, 90, "9"),
	}
	rt := &brokenLogs{Runtime: fake.New(), script: script, breakAfter: -1}
	rt.OnImage("app", fake.Exits(0))
	logs := &memLogs{}
	h := &agentHarness{t: t, rt: rt.Runtime, rec: newRecorder()}
	h.ag = New(Options{Runtime: rt, Logs: logs, Reporter: h.rec, Region: "us-east-1", Engine: "test"})
	t.Cleanup(h.ag.Close)
	h.launch(def(cdef("app", "app", true)))
	rep := h.waitFor("STOPPED", stopped)
	ci := rep.Containers["app"]
	var got []string
	for _, e := range logs.events[ci.LogGroup+"|"+ci.LogStream] {
		got = append(got, e.Message)
	}
	if want := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}; !slices.Equal(got, want) {
		t.Errorf("stored %q; want %q (the order of the lines' times)", got, want)
	}
}

// BenchmarkInterleave_OneStream: a chatty container's stdout alone, 4,096
// lines at a time, a line every 2 µs: each line waits the settle time for
// the other stream.
func BenchmarkInterleave_OneStream(b *testing.B) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		var m interleave
		var out []runtime.LogLine
		now := t0
		for i := 0; i < 200000; i += 4096 {
			for j := i; j < min(i+4096, 200000); j++ {
				m.add(runtime.LogLine{Stream: runtime.Stdout, Time: t0.Add(time.Duration(j) * 2 * time.Microsecond), Text: "x"}, now)
			}
			now = now.Add(8 * time.Millisecond)
			out = m.ready(out[:0], now, false)
		}
		out = m.ready(out[:0], now, true)
	}
}
