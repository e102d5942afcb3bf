package runtime

import (
	"fmt"
	"time"
)

// Resuming a read of a container's output.
//
// Logs resumes only by time (LogOptions.Since), and output is in time order
// only within one stream: Docker stamps each message when the copier of its
// stream reads it, and copies the two streams separately, so a stderr line
// may be recorded after a stdout line stamped later. Within one stream, times
// never decrease (the pieces of a line too long for one message all carry
// the time of its first piece).
//
// So a LogPosition keeps, for each stream, the time of the last line it
// received and how many lines it received in each PositionGrain of the last
// PositionWindow, and a resumed read starts at the oldest of the streams'
// last lines (no earlier than PositionWindow before the newest line; exactly
// that when a stream has received nothing yet), skipping on each stream the
// lines it counted from there. A resumed read delivers the same lines of
// each stream in the same order as the first one (the output only grows),
// so the lines it repeats are exactly the first ones of each stream it
// counted.
//
// A reader that stores what it receives saves its position with what it
// stores, as a LogMark (Mark), in the same transaction: a reader started
// again after a crash resumes from the mark (NewLogPositionAt) and neither
// loses nor repeats a line of either stream. The time of the last line
// stored is not enough: the other stream may still have lines stamped
// earlier to come.

const (
	// PositionGrain is the interval a LogPosition counts lines in.
	PositionGrain = 10 * time.Millisecond
	// PositionWindow is how far before the newest line a resumed read may
	// start: the most a line of a stream that has delivered nothing yet may
	// be stamped before a line of the other stream recorded ahead of it.
	PositionWindow = time.Minute
)

// LogPosition records how much of a container's output a reader has
// received, so that a read that broke off (or may have ended early) can be
// resumed without losing or repeating a line. Use Resume for the Since of
// each read and pass every line the read delivers to Keep, in order. The
// zero value is not usable; see NewLogPosition.
type LogPosition struct {
	since   time.Time // where the first read started
	skipAny int       // lines still to skip, whatever their stream
	newest  time.Time // the newest line received
	// newestGrain is the grain of newest when the floor was last looked
	// at.
	newestGrain int64
	floor       int64 // the grain before which grains were forgotten
	// streams are stdout's and stderr's (streamIndex), nil until the
	// stream has a line or a base: an array, not a map, as Keep is called
	// for every line.
	streams [2]*streamPosition
}

// streamIndex is st's index in LogPosition.streams.
func streamIndex(st Stream) int {
	if st == Stderr {
		return 1
	}
	return 0
}

type streamPosition struct {
	last  time.Time
	grain []grainCount // oldest first, from PositionWindow before newest
	skip  int          // lines still to skip in this read
	// base is how many of the stream's first lines from since the reader
	// had before (NewLogPositionAt) and has not been delivered again yet.
	base int
}

type grainCount struct {
	start int64 // unix nanoseconds, a multiple of PositionGrain
	n     int
}

// NewLogPosition returns the position of a reader that will read from since
// and already has the first skip lines of that read, whatever their stream
// (what a log store kept of it, for example).
func NewLogPosition(since time.Time, skip int) *LogPosition {
	return &LogPosition{since: since, skipAny: skip}
}

// Resume returns the Since of the next read, and arms Keep to skip the
// lines that read repeats.
func (p *LogPosition) Resume() time.Time {
	since, from := p.start()
	for _, s := range p.streams {
		if s != nil {
			s.skip = s.counted(from)
		}
	}
	return since
}

// start returns where the next read starts, and the grain from which the
// lines received count as ones it repeats.
func (p *LogPosition) start() (time.Time, int64) {
	if p.newest.IsZero() {
		return p.since, grainStart(p.since)
	}
	from := grainStart(p.newest.Add(-PositionWindow))
	if oldest, ok := p.oldestLast(); ok && oldest > from {
		from = oldest
	}
	since := time.Unix(0, from)
	if p.since.After(since) || p.pending() {
		// Every line received is from since on (the grains counted hold
		// them all), or lines the reader had before are still to come:
		// read from since again.
		since, from = p.since, min(from, grainStart(p.since))
	}
	return since, from
}

// pending reports whether lines the reader had before (NewLogPosition's
// skip, NewLogPositionAt's mark) have not all been delivered again.
func (p *LogPosition) pending() bool {
	if p.skipAny > 0 {
		return true
	}
	for _, s := range p.streams {
		if s != nil && s.base > 0 {
			return true
		}
	}
	return false
}

// counted returns how many lines the stream received in the grains from
// from on.
func (s *streamPosition) counted(from int64) int {
	n := 0
	for _, g := range s.grain {
		if g.start >= from {
			n += g.n
		}
	}
	return n
}

// LogMark is a LogPosition saved: a read from Since whose first Stdout
// lines of stdout, Stderr lines of stderr and, before those, Any lines of
// either stream the reader already has.
type LogMark struct {
	Since               time.Time
	Stdout, Stderr, Any int
}

// Mark returns the reader's position, to resume from with
// NewLogPositionAt.
func (p *LogPosition) Mark() LogMark {
	since, from := p.start()
	m := LogMark{Since: since, Any: p.skipAny}
	if s := p.streams[streamIndex(Stdout)]; s != nil {
		m.Stdout = s.counted(from) + s.base
	}
	if s := p.streams[streamIndex(Stderr)]; s != nil {
		m.Stderr = s.counted(from) + s.base
	}
	return m
}

// NewLogPositionAt returns the position a reader saved as m.
func NewLogPositionAt(m LogMark) *LogPosition {
	p := NewLogPosition(m.Since, m.Any)
	for st, n := range map[Stream]int{Stdout: m.Stdout, Stderr: m.Stderr} {
		if n > 0 {
			p.streams[streamIndex(st)] = &streamPosition{base: n}
		}
	}
	return p
}

// String encodes m as "<since in Unix nanoseconds> <stdout> <stderr> <any>"
// (since 0 when zero), which ParseLogMark reads.
func (m LogMark) String() string {
	var ns int64
	if !m.Since.IsZero() {
		ns = m.Since.UnixNano()
	}
	return fmt.Sprintf("%d %d %d %d", ns, m.Stdout, m.Stderr, m.Any)
}

// ParseLogMark reads a LogMark written by String.
func ParseLogMark(s string) (LogMark, error) {
	var ns int64
	var m LogMark
	if _, err := fmt.Sscanf(s, "%d %d %d %d", &ns, &m.Stdout, &m.Stderr, &m.Any); err != nil {
		return LogMark{}, fmt.Errorf("runtime: log mark %q: %w", s, err)
	}
	if m.Stdout < 0 || m.Stderr < 0 || m.Any < 0 {
		return LogMark{}, fmt.Errorf("runtime: log mark %q: negative count", s)
	}
	if ns != 0 {
		m.Since = time.Unix(0, ns)
	}
	return m, nil
}

// oldestLast returns the grain of the oldest last line of stdout and
// stderr; false while one of them has received nothing.
func (p *LogPosition) oldestLast() (int64, bool) {
	var oldest int64
	for i, s := range p.streams {
		if s == nil {
			return 0, false
		}
		if g := grainStart(s.last); i == 0 || g < oldest {
			oldest = g
		}
	}
	return oldest, true
}

// Keep reports whether a line of stream st stamped t, the next one of the
// read started at Resume's time, is new to the reader, and records it.
func (p *LogPosition) Keep(st Stream, t time.Time) bool {
	s := p.streams[streamIndex(st)]
	if s != nil && s.skip > 0 {
		s.skip--
		return false
	}
	if s != nil && s.base > 0 {
		s.base--
		p.record(st, t)
		return false
	}
	if p.skipAny > 0 {
		p.skipAny--
		p.record(st, t)
		return false
	}
	p.record(st, t)
	return true
}

func (p *LogPosition) record(st Stream, t time.Time) {
	s := p.streams[streamIndex(st)]
	if s == nil {
		s = &streamPosition{}
		p.streams[streamIndex(st)] = s
	}
	s.last = t
	g := grainStart(t)
	if n := len(s.grain); n > 0 && s.grain[n-1].start == g {
		s.grain[n-1].n++
	} else {
		s.grain = append(s.grain, grainCount{start: g, n: 1})
	}
	if t.After(p.newest) {
		p.newest = t
		// The floor below moves with the newest line's grain only (the
		// window is a whole number of grains): look once per grain.
		if g == p.newestGrain {
			return
		}
		p.newestGrain = g
		if p.pending() {
			return // a resumed read starts at since: keep every grain
		}
		// Forget the grains a resumed read can no longer start in (once
		// per grain the floor moves, not for every line).
		floor := grainStart(t.Add(-PositionWindow))
		if floor <= p.floor {
			return
		}
		p.floor = floor
		for _, s := range p.streams {
			for s != nil && len(s.grain) > 0 && s.grain[0].start < floor {
				s.grain = s.grain[1:]
			}
		}
	}
}

func grainStart(t time.Time) int64 {
	ns := t.UnixNano()
	g := int64(PositionGrain)
	r := ns % g
	if r < 0 {
		r += g
	}
	return ns - r
}
