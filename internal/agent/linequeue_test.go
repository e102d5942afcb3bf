package agent

import (
	"strconv"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

func TestLineQueue_KeepsOrderAndHoldsAtMostLogSlack(t *testing.T) {
	q := newLineQueue()
	const total = 3*logSlack + 7
	queued := make(chan int, total)
	go func() {
		for i := range total {
			q.put(runtime.LogLine{Text: strconv.Itoa(i)})
			queued <- i
		}
		q.close()
	}()
	// The reader stops once logSlack lines wait.
	deadline := time.After(30 * time.Second)
	for n := 0; n < logSlack; n++ {
		select {
		case <-queued:
		case <-deadline:
			t.Fatalf("only %d lines queued before the reader stopped; want %d", n, logSlack)
		}
	}
	q.mu.Lock()
	held := len(q.lines)
	q.mu.Unlock()
	if held != logSlack {
		t.Errorf("queue holds %d lines; want %d", held, logSlack)
	}
	if got, open := q.take(nil, 0, false); len(got) != 0 || !open {
		t.Errorf("take(max 0) = %d lines, open %v; want none, open", len(got), open)
	}

	var got []runtime.LogLine
	next := 0
	for open := true; open; {
		got, open = q.take(got[:0], 100, true)
		if len(got) > 100 {
			t.Fatalf("take(max 100) returned %d lines", len(got))
		}
		for _, l := range got {
			if l.Text != strconv.Itoa(next) {
				t.Fatalf("line %q; want %d", l.Text, next)
			}
			next++
		}
	}
	if next != total {
		t.Errorf("read %d lines; want %d", next, total)
	}
	if got, open := q.take(nil, 100, true); len(got) != 0 || open {
		t.Errorf("take after the end = %d lines, open %v; want none, closed", len(got), open)
	}
}

func TestLineQueue_TakeWithoutWaitReturnsWhatIsThere(t *testing.T) {
	q := newLineQueue()
	if got, open := q.take(nil, 10, false); len(got) != 0 || !open {
		t.Errorf("take on an empty queue = %d lines, open %v; want none, open", len(got), open)
	}
	q.put(runtime.LogLine{Text: "a"})
	q.put(runtime.LogLine{Text: "b"})
	q.close()
	got, open := q.take(nil, 10, false)
	if len(got) != 2 || got[0].Text != "a" || got[1].Text != "b" || !open {
		t.Errorf("take = %+v, open %v; want a, b, open", got, open)
	}
	if _, open := q.take(nil, 10, false); open {
		t.Errorf("take on a closed, empty queue: open; want closed")
	}
}
