package docker

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/docker/docker/pkg/stdcopy"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// BenchmarkLogStream measures the reading of a chatty container's output as
// the engine sends it: 10,000 messages "<timestamp> <about 60 bytes>\n",
// multiplexed, demultiplexed, parsed, split into lines and positioned. It
// reports lines/s and allocations per line.
func BenchmarkLogStream(b *testing.B) {
	const lines = 10000
	var stream bytes.Buffer
	w := stdcopy.NewStdWriter(&stream, stdcopy.Stdout)
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for i := range lines {
		fmt.Fprintf(w, "%s 2026-12-07T08:00:00Z INFO migrate applied table=items %d\n", at.Add(time.Duration(i)*5*time.Microsecond).Format(time.RFC3339Nano), 100000+i)
	}
	got := 0
	run := func() {
		rd := newLogReader(time.Time{}, func(runtime.LogLine) { got++ })
		if err := demux(bytes.NewReader(stream.Bytes()), rd); err != nil {
			b.Fatal(err)
		}
		rd.flush()
	}
	measureLines(b, lines, &got, run)
}

// BenchmarkLogFile measures the reading of a chatty container's output from
// its json-file log (followFile's path): 10,000 entries of about 60 bytes,
// parsed, split into lines and positioned. It reports lines/s and
// allocations per line.
func BenchmarkLogFile(b *testing.B) {
	const lines = 10000
	var file bytes.Buffer
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for i := range lines {
		fmt.Fprintf(&file, `{"log":"2026-12-07T08:00:00Z INFO migrate applied table=items %d\n","stream":"stdout","time":"%s"}`+"\n",
			100000+i, at.Add(time.Duration(i)*5*time.Microsecond).Format(time.RFC3339Nano))
	}
	got := 0
	run := func() {
		rd := newLogReader(time.Time{}, func(runtime.LogLine) { got++ })
		fr := &fileReader{br: bufio.NewReaderSize(bytes.NewReader(file.Bytes()), 64<<10), rd: rd}
		if _, err := fr.readAll(); err != nil || fr.partial() {
			b.Fatal(err, fr.partial())
		}
		rd.flush()
	}
	measureLines(b, lines, &got, run)
}

// measureLines times run, which reads lines lines counting them in *got,
// and reports lines/s and allocations per line; it fails unless the
// allocation count's runs (the warm-up and 3) read every line.
func measureLines(b *testing.B, lines int, got *int, run func()) {
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(b.N*lines)/b.Elapsed().Seconds(), "lines/s")
	*got = 0
	b.ReportMetric(testing.AllocsPerRun(3, run)/float64(lines), "allocs/line")
	if *got != 4*lines {
		b.Fatalf("%d lines, want %d", *got, 4*lines)
	}
}
