package agent

import (
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
//
// Each stream's lines wait in a queue of their own, in arrival order, and
// leave by merging the two queues on time (ties in arrival order): a line
// is never moved while it waits. (A chatty stream alone holds tens of
// thousands of lines for interleaveSettle; keeping them in one sorted
// slice, compacted as lines left, cost a tenth of a chatty task's CPU in
// copies.)
type interleave struct {
	queues [2]heldQueue // stdout's, stderr's (streamIndex)
	seq    uint64       // arrival order of the next line
	latest [2]time.Time
	seen   [2]bool
}

// holding reports how many lines are held.
func (m *interleave) holding() int { return m.queues[0].n + m.queues[1].n }

type heldLine struct {
	line    runtime.LogLine
	arrived time.Time
	seq     uint64
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
	m.queues[i].push(heldLine{l, now, m.seq})
	m.seq++
}

// next returns the index of the queue whose first line leaves next: the
// earlier in time, ties in arrival order; -1 when both are empty.
func (m *interleave) next() int {
	a, b := m.queues[0].first(), m.queues[1].first()
	switch {
	case a == nil && b == nil:
		return -1
	case b == nil:
		return 0
	case a == nil:
		return 1
	case b.line.Time.Before(a.line.Time) || b.line.Time.Equal(a.line.Time) && b.seq < a.seq:
		return 1
	}
	return 0
}

// ready moves to dst, in order, the held lines that are ready at now (all
// of them with all: no more lines will come).
func (m *interleave) ready(dst []runtime.LogLine, now time.Time, all bool) []runtime.LogLine {
	for {
		q := m.next()
		if q < 0 {
			return dst
		}
		h := m.queues[q].first()
		other := 1 - q
		settled := all || now.Sub(h.arrived) >= interleaveSettle ||
			(m.seen[other] && !m.latest[other].Before(h.line.Time))
		if !settled {
			return dst
		}
		dst = append(dst, h.line)
		m.queues[q].pop()
	}
}

// due returns when the next line to leave will be ready by waiting; false
// when none is held.
func (m *interleave) due() (time.Time, bool) {
	q := m.next()
	if q < 0 {
		return time.Time{}, false
	}
	return m.queues[q].first().arrived.Add(interleaveSettle), true
}

// heldQueue is a first-in first-out queue of held lines in a ring that
// grows (doubling) when full and never moves a line otherwise.
type heldQueue struct {
	ring []heldLine
	head int // index of the first line
	n    int // lines held
}

func (q *heldQueue) push(h heldLine) {
	if q.n == len(q.ring) {
		grown := make([]heldLine, max(64, 2*len(q.ring)))
		k := copy(grown, q.ring[q.head:])
		copy(grown[k:], q.ring[:q.head])
		q.ring, q.head = grown, 0
	}
	q.ring[(q.head+q.n)%len(q.ring)] = h
	q.n++
}

// first returns the first line; nil when none is held.
func (q *heldQueue) first() *heldLine {
	if q.n == 0 {
		return nil
	}
	return &q.ring[q.head]
}

// pop removes the first line (its strings can go).
func (q *heldQueue) pop() {
	q.ring[q.head] = heldLine{}
	q.head = (q.head + 1) % len(q.ring)
	q.n--
}
