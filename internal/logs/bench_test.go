package logs_test

import (
	"fmt"
	"testing"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// BenchmarkAppend measures the agent's fast path: batches of 100 lines of
// about 80 bytes into one stream. It reports lines/s.
func BenchmarkAppend(b *testing.B) {
	ctx := testCtx(b)
	st := newStore(b)
	batch := make([]logs.Event, 100)
	for i := range batch {
		batch[i] = logs.Event{Timestamp: t0.UnixMilli() + int64(i), Message: fmt.Sprintf("2025-06-01T12:00:00Z INFO request %04d handled in 12ms path=/api/v1/items status=200", i)}
	}
	b.ResetTimer()
	for b.Loop() {
		if err := st.Append(ctx, "/ecs/bench", "ecs/app/0123456789abcdef", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkAppendMarked measures what the agent does for a chatty
// container: batches of 1,000 lines of about 60 bytes, 50 lines per
// millisecond (a container printing 200,000 lines takes about a second),
// each batch with the writer's mark. It reports lines/s; divide allocs/op
// by 1,000 for allocations per line.
func BenchmarkAppendMarked(b *testing.B) {
	ctx := testCtx(b)
	st := newStore(b)
	batch := make([]logs.Event, 1000)
	for i := range batch {
		batch[i] = logs.Event{Timestamp: t0.UnixMilli() + int64(i/50), Message: fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items %d", 100000+i)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := st.AppendMarked(ctx, "/ecs/bench", "ecs/app/0123456789abcdef", batch, "1765094400000000000 1000 0 0"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkGetLogEvents measures the follower's read: pages of 10,000
// events of about 60 bytes, forward from a token.
func BenchmarkGetLogEvents(b *testing.B) {
	ctx := testCtx(b)
	st := newStore(b)
	batch := make([]logs.Event, 1000)
	for i := range batch {
		batch[i] = logs.Event{Timestamp: t0.UnixMilli() + int64(i), Message: fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items %d", 100000+i)}
	}
	for range 10 {
		if err := st.Append(ctx, "/ecs/bench", "s", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := st.GetLogEvents(ctx, logs.EventQuery{Group: "/ecs/bench", Stream: "s", StartFromHead: true})
		if err != nil || len(p.Events) != 10000 {
			b.Fatal(err, len(p.Events))
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "lines/s")
}
