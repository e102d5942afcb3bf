package agent

import (
	"slices"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// interleaveSettle is how long a line of one stream may wait for a line of
// the other stream stamped earlier that the runtime delivers after it.
const interleaveSettle = 50 * time.Millisecond

// interleave puts a container's stdout and stderr lines in the order of
// their times. The runtime stamps each line when it reads it, each stream
// separately, and may record (and deliver) a line after a line of the other
// stream stamped later: Docker's two copiers stamp a line, then take turns
// to write it. Each stream's own lines come in time order. A line is ready
// once no line still to come can precede it: the other stream has delivered
// a line stamped no earlier, or it has waited interleaveSettle. Lines keep
// their times (as the awslogs driver's, each stamped when read); only their
// order changes, so within each stream it is the runtime's.
type interleave struct {
	// held[head:] are the lines held, sorted by time, ties in arrival
	// order. Those before head were moved out: the slice is compacted once
	// they are half of it rather than at every move (a chatty stream holds
	// tens of thousands of lines for interleaveSettle).
	held   []heldLine
	head   int
	latest [2]time.Time
	seen   [2]bool
}

// holding reports how many lines are held.
func (m *interleave) holding() int { return len(m.held) - m.head }

type heldLine struct {
	line    runtime.LogLine
	arrived time.Time
}

func streamIndex(s runtime.Stream) int {
	if s == runtime.Stderr {
		return 1
	}
	return 0
}

// add holds a line that arrived at now.
func (m *interleave) add(l runtime.LogLine, now time.Time) {
	i := streamIndex(l.Stream)
	if !m.seen[i] || l.Time.After(m.latest[i]) {
		m.latest[i], m.seen[i] = l.Time, true
	}
	// After every held line stamped no later: ties keep arrival order.
	at := len(m.held)
	for at > m.head && m.held[at-1].line.Time.After(l.Time) {
		at--
	}
	m.held = slices.Insert(m.held, at, heldLine{l, now})
}

// ready moves to dst, in order, the held lines that are ready at now (all
// of them with all: no more lines will come).
func (m *interleave) ready(dst []runtime.LogLine, now time.Time, all bool) []runtime.LogLine {
	n := 0
	for _, h := range m.held[m.head:] {
		other := 1 - streamIndex(h.line.Stream)
		settled := all || now.Sub(h.arrived) >= interleaveSettle ||
			(m.seen[other] && !m.latest[other].Before(h.line.Time))
		if !settled {
			break
		}
		dst = append(dst, h.line)
		n++
	}
	clear(m.held[m.head : m.head+n]) // the lines' strings can go
	m.head += n
	switch {
	case m.head == len(m.held):
		m.held, m.head = m.held[:0], 0
	case m.head > len(m.held)/2:
		rest := copy(m.held, m.held[m.head:])
		clear(m.held[rest:])
		m.held, m.head = m.held[:rest], 0
	}
	return dst
}

// due returns when the first held line will be ready by waiting; false when
// none is held.
func (m *interleave) due() (time.Time, bool) {
	if m.holding() == 0 {
		return time.Time{}, false
	}
	return m.held[m.head].arrived.Add(interleaveSettle), true
}
