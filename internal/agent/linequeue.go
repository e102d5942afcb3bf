package agent

import (
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// logSlack is how many lines of a container's output may wait between the
// runtime's reader and the batches copied into the sink; the reader waits
// while that many are queued. It is as large as a batch (maxLogBatch), so
// that while one batch is stored, the next one can gather: with 256, a
// chatty container's lines were stored in batches of a few hundred, each a
// transaction.
const logSlack = maxLogBatch

// lineQueue carries a container's output from the runtime's reader to the
// batches: a buffered channel of logSlack lines, except that it holds no
// buffer until lines arrive, and then only as much as they need. (A
// 256-line channel per container was a quarter of all allocations and half
// the live heap of the control-plane benchmark, whose containers print
// nothing.)
type lineQueue struct {
	mu     sync.Mutex
	lines  []runtime.LogLine
	closed bool
	// ready holds a token once a line was queued or the queue closed;
	// room once lines were taken.
	ready, room chan struct{}
}

func newLineQueue() *lineQueue {
	return &lineQueue{ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// put queues a line, waiting while logSlack lines are queued.
func (q *lineQueue) put(l runtime.LogLine) {
	q.mu.Lock()
	for len(q.lines) >= logSlack {
		q.mu.Unlock()
		<-q.room
		q.mu.Lock()
	}
	q.lines = append(q.lines, l)
	q.mu.Unlock()
	signal(q.ready)
}

// close tells the reader that no more lines will come.
func (q *lineQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	signal(q.ready)
}

// take moves up to max queued lines to dst, oldest first. With wait it
// waits until there is a line or the queue is closed; it returns false
// once the queue is closed and empty.
func (q *lineQueue) take(dst []runtime.LogLine, max int, wait bool) ([]runtime.LogLine, bool) {
	return q.takeBy(dst, max, wait, nil)
}

// takeBy is take that, waiting, also returns (with no line) once wake
// fires.
func (q *lineQueue) takeBy(dst []runtime.LogLine, max int, wait bool, wake <-chan time.Time) ([]runtime.LogLine, bool) {
	for {
		q.mu.Lock()
		if n := min(len(q.lines), max); n > 0 {
			dst = append(dst, q.lines[:n]...)
			rest := copy(q.lines, q.lines[n:])
			clear(q.lines[rest:])
			q.lines = q.lines[:rest]
			q.mu.Unlock()
			signal(q.room)
			return dst, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return dst, false
		}
		if !wait {
			return dst, true
		}
		select {
		case <-q.ready:
		case <-wake:
			return dst, true
		}
	}
}
