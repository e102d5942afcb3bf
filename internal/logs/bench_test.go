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

// BenchmarkAppendOne measures a quiet container: one line per batch, with
// the writer's mark. It reports lines/s.
func BenchmarkAppendOne(b *testing.B) {
	ctx := testCtx(b)
	st := newStore(b)
	batch := []logs.Event{{Timestamp: t0.UnixMilli(), Message: "2026-12-07T08:00:00Z INFO migrate applied table=items 100000"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := st.AppendMarked(ctx, "/ecs/bench", "ecs/app/0123456789abcdef", batch, "1765094400000000000 1000 0 0"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
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

// fillStreams stores 40,000 events of about 60 bytes in four streams of
// /ecs/bench whose batches of 500 interleave in time, as tasks of a service
// write them.
func fillStreams(b *testing.B, st *logs.Store) {
	ctx := testCtx(b)
	batch := make([]logs.Event, 500)
	for n := range 80 {
		for i := range batch {
			batch[i] = logs.Event{Timestamp: t0.UnixMilli() - 3_600_000 + int64(n/4*500+i), Message: fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items %d", 100000+n*500+i)}
		}
		if err := st.Append(ctx, "/ecs/bench", fmt.Sprintf("ecs/app/%d", n%4), batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterLogEvents measures FilterLogEvents over a group of four
// interleaved streams, in (timestamp, id) order until the end: every event
// (pages of 10,000), and a pattern that matches 100 events of the 40,000.
func BenchmarkFilterLogEvents(b *testing.B) {
	ctx := testCtx(b)
	st := newStore(b)
	fillStreams(b, st)
	for _, bc := range []struct {
		name, pattern string
		want          int
	}{{"all", "", 40000}, {"rare", `"items 1000"`, 100}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				q := logs.FilterQuery{Group: "/ecs/bench", Pattern: bc.pattern}
				for {
					p, err := st.FilterLogEvents(ctx, q)
					if err != nil {
						b.Fatal(err)
					}
					n += len(p.Events)
					if p.NextToken == "" {
						break
					}
					q.NextToken = p.NextToken
				}
				if n != bc.want {
					b.Fatal(n)
				}
			}
			b.ReportMetric(float64(b.N*40000)/b.Elapsed().Seconds(), "scanned/s")
		})
	}
}

// BenchmarkScanEvents measures what a Logs Insights query reads: every
// event of the group, newest first.
func BenchmarkScanEvents(b *testing.B) {
	ctx := testCtx(b)
	st := newStore(b)
	fillStreams(b, st)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if err := st.ScanEvents(ctx, logs.ScanQuery{Groups: []string{"/ecs/bench"}}, func(logs.ScannedEvent) error { n++; return nil }); err != nil || n != 40000 {
			b.Fatal(err, n)
		}
	}
	b.ReportMetric(float64(b.N*40000)/b.Elapsed().Seconds(), "events/s")
}
