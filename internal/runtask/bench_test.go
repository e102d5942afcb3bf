package runtask

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	logstore "github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/store"
)

// BenchmarkFollower measures run-task's follower on the embedded engine:
// reading a stream of 20,000 lines of about 60 bytes from the store (pages
// of GetLogEvents, logsapi.Direct) and writing them prefixed to the
// console. It reports lines/s and allocations per line.
func BenchmarkFollower(b *testing.B) {
	const lines = 20000
	ctx := context.Background()
	db, err := store.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, err := logstore.Open(ctx, db, logstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	batch := make([]logstore.Event, 1000)
	now := time.Now().UnixMilli()
	for n := 0; n < lines; n += len(batch) {
		for i := range batch {
			batch[i] = logstore.Event{Timestamp: now, Message: fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items %d", 100000+n+i)}
		}
		if err := st.Append(ctx, "/ecs/bench", "ecs/app/0123456789abcdef", batch); err != nil {
			b.Fatal(err)
		}
	}
	c := newConsole(io.Discard, io.Discard, false, false)
	run := func() {
		l := newLogs(logsapi.NewDirect(st), c, time.Second, 0, -1)
		f := l.follow("0123456789abcdef0123456789abcdef", "app", "/ecs/bench", "ecs/app/0123456789abcdef")
		l.read(ctx, f, true)
	}
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(testing.AllocsPerRun(2, run)/lines, "allocs/line")
}

// BenchmarkConsoleLines measures the prefixing of container output: a page
// of 10,000 lines written to the console. It reports allocations per line.
func BenchmarkConsoleLines(b *testing.B) {
	const lines = 10000
	texts := make([]string, lines)
	for i := range texts {
		texts[i] = fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items %d", 100000+i)
	}
	c := newConsole(io.Discard, io.Discard, false, false)
	run := func() {
		c.lines("", "0123456789abcdef0123456789abcdef", "app", lines, func(i int) string { return texts[i] })
	}
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(testing.AllocsPerRun(3, run)/lines, "allocs/line")
}

// BenchmarkFollowerLive measures the follower as run-task uses it on a
// chatty task: it asks for the stream before it exists, then reads what the
// agent has just appended, a batch of 1,000 lines at a time (the store's
// in-memory tail answers; the appends are not timed). It reports lines/s
// and allocations per line (allocs/op / 1,000).
func BenchmarkFollowerLive(b *testing.B) {
	const lines = 1000
	ctx := context.Background()
	db, err := store.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, err := logstore.Open(ctx, db, logstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	c := newConsole(io.Discard, io.Discard, false, false)
	l := newLogs(logsapi.NewDirect(st), c, time.Second, 0, -1)
	f := l.follow("0123456789abcdef0123456789abcdef", "app", "/ecs/bench", "ecs/app/0123456789abcdef")
	l.read(ctx, f, true)
	batch := make([]logstore.Event, lines)
	n := 0
	appendBatch := func() {
		now := time.Now().UnixMilli()
		for i := range batch {
			batch[i] = logstore.Event{Timestamp: now, Message: fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items %d", 100000+n)}
			n++
		}
		if err := st.Append(ctx, "/ecs/bench", "ecs/app/0123456789abcdef", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		appendBatch()
		b.StartTimer()
		l.read(ctx, f, true)
	}
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
}
