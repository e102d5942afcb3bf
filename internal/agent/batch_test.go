package agent

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

func lines(from, n int) []runtime.LogLine {
	out := make([]runtime.LogLine, n)
	for i := range out {
		out[i] = runtime.LogLine{Text: strconv.Itoa(from + i)}
	}
	return out
}

// gatherWithin runs gather in a goroutine and fails the test unless it
// returns within limit.
func gatherWithin(t *testing.T, limit time.Duration, q *lineQueue, got []runtime.LogLine, d time.Duration) ([]runtime.LogLine, bool) {
	t.Helper()
	type result struct {
		got  []runtime.LogLine
		open bool
	}
	done := make(chan result, 1)
	go func() {
		g, open := gather(q, got, d)
		done <- result{g, open}
	}()
	select {
	case r := <-done:
		return r.got, r.open
	case <-time.After(limit):
		t.Fatalf("gather did not return within %v", limit)
		return nil, false
	}
}

func TestGather(t *testing.T) {
	t.Run("returns once the batch is full", func(t *testing.T) {
		q := newLineQueue()
		go func() {
			for _, l := range lines(1, 2*maxLogBatch) {
				q.put(l)
			}
		}()
		got, open := gatherWithin(t, 30*time.Second, q, lines(0, 1), time.Hour)
		if len(got) != maxLogBatch || !open {
			t.Fatalf("gather = %d lines, open %v; want %d, open", len(got), open, maxLogBatch)
		}
		for i, l := range got {
			if l.Text != strconv.Itoa(i) {
				t.Fatalf("line %d = %q; want %d", i, l.Text, i)
			}
		}
	})
	t.Run("returns once the queue closes", func(t *testing.T) {
		q := newLineQueue()
		for _, l := range lines(1, 3) {
			q.put(l)
		}
		q.close()
		got, open := gatherWithin(t, 30*time.Second, q, lines(0, 1), time.Hour)
		if len(got) != 4 || open {
			t.Errorf("gather = %d lines, open %v; want 4, closed", len(got), open)
		}
	})
	t.Run("waits for its time while the output is open", func(t *testing.T) {
		q := newLineQueue()
		for _, l := range lines(1, 5) {
			q.put(l)
		}
		const d = 20 * time.Millisecond
		start := time.Now()
		got, open := gatherWithin(t, 30*time.Second, q, lines(0, 1), d)
		if took := time.Since(start); took < d {
			t.Errorf("gather returned after %v; want at least %v", took, d)
		}
		if len(got) != 6 || !open {
			t.Errorf("gather = %d lines, open %v; want 6, open", len(got), open)
		}
	})
}

// pacedLogs delivers a chatty container's output: chunks of lines, one
// chunk every pace, as a container that prints steadily.
type pacedLogs struct {
	*fake.Runtime
	chunks, per int
	pace        time.Duration
}

func (p *pacedLogs) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine)) error {
	t0 := time.Now()
	tick := time.NewTicker(p.pace)
	defer tick.Stop()
	for c := range p.chunks {
		for i := range p.per {
			n := c*p.per + i
			fn(runtime.LogLine{Stream: runtime.Stdout, Time: t0.Add(time.Duration(n) * time.Microsecond), Text: strconv.Itoa(n)})
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// countingLogs is a memLogs that counts its appends.
type countingLogs struct {
	memLogs
	mu      sync.Mutex
	appends int
}

func (c *countingLogs) Append(ctx context.Context, group, stream string, evs []LogEvent, mark string) error {
	c.mu.Lock()
	c.appends++
	c.mu.Unlock()
	return c.memLogs.Append(ctx, group, stream, evs, mark)
}

// A container that prints steadily has its output stored in batches at
// least logBatchEvery apart, unless a batch is full: each batch is a
// transaction of the store.
func TestAgent_SteadyOutputIsStoredInFewBatches(t *testing.T) {
	rt := &pacedLogs{Runtime: fake.New(), chunks: 40, per: 500, pace: 2 * time.Millisecond}
	rt.OnImage("app", fake.Exits(0))
	logs := &countingLogs{}
	h := &agentHarness{t: t, rt: rt.Runtime, rec: newRecorder()}
	h.ag = New(Options{Runtime: rt, Logs: logs, Reporter: h.rec, Region: "us-east-1", Engine: "test"})
	t.Cleanup(h.ag.Close)
	start := time.Now()
	h.launch(def(cdef("app", "app", true)))
	rep := h.waitFor("STOPPED", stopped)
	took := time.Since(start)

	ci := rep.Containers["app"]
	evs := logs.events[ci.LogGroup+"|"+ci.LogStream]
	total := rt.chunks * rt.per
	if len(evs) != total {
		t.Fatalf("stored %d lines; want %d", len(evs), total)
	}
	for i, e := range evs {
		if e.Message != strconv.Itoa(i) {
			t.Fatalf("line %d = %q; want %d", i, e.Message, i)
		}
	}
	// The first batch, one per logBatchEvery after it, the full ones, and
	// the last at the output's end.
	limit := 2 + total/maxLogBatch + int(took/logBatchEvery)
	logs.mu.Lock()
	appends := logs.appends
	logs.mu.Unlock()
	if appends > limit {
		t.Errorf("%d lines over %v stored in %d batches; want at most %d", total, took, appends, limit)
	}
	t.Logf("%d lines over %v stored in %d batches (at most %d)", total, took, appends, limit)
}
