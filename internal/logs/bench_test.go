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
