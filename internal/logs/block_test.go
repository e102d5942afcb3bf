package logs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
)

func encodeEvents(events []blockEvent) (blockMeta, []byte) {
	var enc encoder
	enc.reset()
	for _, e := range events {
		enc.add(e.id, e.ts, e.ingested, e.msg)
	}
	return enc.meta, enc.buf
}

func TestBlock_RoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		events []blockEvent
		want   blockMeta
		size   int // of the data, when not 0
	}{
		{
			name:   "one event",
			events: []blockEvent{{id: 1, ts: 1000, ingested: 2000, msg: "hello"}},
			want:   blockMeta{first: 1, last: 1, minTS: 1000, maxTS: 1000, count: 1, bytes: 5},
		},
		{
			name: "an appended batch: consecutive ids, one ingestion time",
			events: []blockEvent{
				{id: 7, ts: 1_765_094_400_000, ingested: 1_765_094_400_100, msg: "a"},
				{id: 8, ts: 1_765_094_400_000, ingested: 1_765_094_400_100, msg: "bb"},
				{id: 9, ts: 1_765_094_400_001, ingested: 1_765_094_400_100, msg: "ccc"},
			},
			want: blockMeta{first: 7, last: 9, minTS: 1_765_094_400_000, maxTS: 1_765_094_400_001, count: 3, bytes: 6},
			// format, first event 1+6+6+1+1, then 4+2 and 4+3 bytes.
			size: 1 + 15 + 6 + 7,
		},
		{
			name: "timestamps out of order, ids with gaps (a partly expired block)",
			events: []blockEvent{
				{id: 100, ts: 50, ingested: 60, msg: "x"},
				{id: 250, ts: 10, ingested: 61, msg: "y"},
				{id: 251, ts: 90, ingested: 59, msg: "z"},
			},
			want: blockMeta{first: 100, last: 251, minTS: 10, maxTS: 90, count: 3, bytes: 3},
		},
		{
			name: "extremes",
			events: []blockEvent{
				{id: 1, ts: 0, ingested: math.MaxInt64, msg: strings.Repeat("é", 1000)},
				{id: 1 << 40, ts: math.MaxInt64, ingested: 0, msg: "\x00"},
			},
			want: blockMeta{first: 1, last: 1 << 40, minTS: 0, maxTS: math.MaxInt64, count: 2, bytes: 2001},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta, data := encodeEvents(tt.events)
			if meta != tt.want {
				t.Errorf("meta = %+v, want %+v", meta, tt.want)
			}
			if tt.size != 0 && len(data) != tt.size {
				t.Errorf("encoded in %d bytes, want %d", len(data), tt.size)
			}
			got, err := checkBlock(nil, meta, data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.events) {
				t.Errorf("decoded %+v, want %+v", got, tt.events)
			}
		})
	}
}

func TestBlock_Full(t *testing.T) {
	var enc encoder
	enc.reset()
	for i := range blockMaxEvents - 1 {
		enc.add(int64(i+1), 0, 0, "m")
		if enc.full() {
			t.Fatalf("full after %d events", i+1)
		}
	}
	enc.add(blockMaxEvents, 0, 0, "m")
	if !enc.full() {
		t.Errorf("not full after %d events", blockMaxEvents)
	}
	enc.reset()
	enc.add(1, 0, 0, strings.Repeat("m", blockMaxBytes))
	if !enc.full() {
		t.Errorf("not full after %d bytes", len(enc.buf))
	}
}

// s2Block is a compressed block holding events (encoded without their
// format byte).
func s2Block(events []byte) []byte {
	return append([]byte{blockFormatS2}, s2.Encode(nil, events)...)
}

func TestBlock_Corrupt(t *testing.T) {
	meta, good := encodeEvents([]blockEvent{{id: 5, ts: 1, ingested: 2, msg: "hello"}, {id: 6, ts: 1, ingested: 2, msg: "world"}})
	compressed := s2Block(good[1:])
	tests := []struct {
		name string
		meta blockMeta
		data []byte
	}{
		{"empty", meta, nil},
		{"unknown format", meta, append([]byte{9}, good[1:]...)},
		{"compressed: truncated", meta, compressed[:len(compressed)-3]},
		{"compressed: claims more than a block holds", meta, append([]byte{blockFormatS2}, binary.AppendUvarint(nil, maxDecodedBlock+1)...)},
		{"compressed: not S2", meta, append([]byte{blockFormatS2}, good[1:]...)},
		{"compressed: events cut short", meta, s2Block(good[1 : len(good)-2])},
		{"truncated message", meta, good[:len(good)-1]},
		{"truncated varint", meta, append(append([]byte{}, good...), 0x80)},
		{"zero id delta", meta, []byte{1, 5, 2, 4, 1, 'a', 0, 0, 0, 1, 'b'}},
		{"empty message", meta, []byte{1, 5, 2, 4, 0}},
		{"count differs from its row", blockMeta{first: 5, last: 6, count: 3}, good},
		{"ids differ from its row", blockMeta{first: 5, last: 7, count: 2}, good},
		{"id overflow", blockMeta{first: 1 << 62, last: 1 << 62, count: 2}, []byte{1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0, 0, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f, 0, 0, 1, 'b'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkBlock([]blockEvent{{id: 1}}, tt.meta, tt.data)
			if !errors.Is(err, errCorruptBlock) {
				t.Errorf("err = %v, want a corrupt block", err)
			}
			if len(got) != 1 {
				t.Errorf("left %d events in dst, want the 1 it had", len(got))
			}
		})
	}
}

func TestBlock_StoredCompressedWhenThatSaves(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.IntN(256))
		}
		return string(b)
	}
	tests := []struct {
		name       string
		msg        func(i int) string
		wantFormat byte
		maxSize    float64 // of the stored data, against the data as built
	}{
		{"a migration's lines", func(i int) string {
			return fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items_%d rows=%d", i%7, i*13)
		}, blockFormatS2, 0.25},
		{"random bytes", func(int) string { return noise(64) }, blockFormat, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var enc encoder
			enc.reset()
			var want []blockEvent
			for i := range 2000 {
				e := blockEvent{id: int64(100 + i), ts: int64(1_765_094_400_000 + i/3), ingested: 1_765_094_400_500, msg: tt.msg(i)}
				enc.add(e.id, e.ts, e.ingested, e.msg)
				want = append(want, e)
			}
			data := enc.data()
			if data[0] != tt.wantFormat {
				t.Errorf("format %d, want %d", data[0], tt.wantFormat)
			}
			if r := float64(len(data)) / float64(len(enc.buf)); r > tt.maxSize {
				t.Errorf("stored %d bytes of %d (%.2f), want at most %.2f", len(data), len(enc.buf), r, tt.maxSize)
			}
			got, err := checkBlock(nil, enc.meta, data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded events differ from those added")
			}
		})
	}
}

// FuzzDecodeBlock: any data decodes to events or to an error, never a
// panic, and what decodes encodes back to the same data.
func FuzzDecodeBlock(f *testing.F) {
	_, data := encodeEvents([]blockEvent{{id: 7, ts: 1000, ingested: 1001, msg: "a"}, {id: 8, ts: 999, ingested: 1001, msg: "bc"}})
	f.Add(data)
	f.Add([]byte{1})
	f.Add([]byte{1, 0x80})
	f.Add(s2Block(data[1:]))
	f.Add([]byte{blockFormatS2, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := decodeBlock(nil, data)
		if err != nil {
			if !errors.Is(err, errCorruptBlock) {
				t.Fatalf("error %v is not a corrupt block", err)
			}
			return
		}
		for i, e := range evs {
			if e.msg == "" || (i > 0 && e.id <= evs[i-1].id) {
				t.Fatalf("decoded event %d: %+v", i, e)
			}
		}
		if len(evs) == 0 {
			return
		}
		meta, again := encodeEvents(evs)
		if _, err := checkBlock(nil, meta, again); err != nil {
			t.Fatal(err)
		}
		// Varints may have more than one encoding: compare the events.
		back, _ := decodeBlock(nil, again)
		if !reflect.DeepEqual(back, evs) {
			t.Fatalf("re-encoded %+v, decoded %+v", evs, back)
		}
	})
}

// BenchmarkBlockData measures the compression of a block as stored
// (encoder.data): MB/s of the block as built, and "x", its size over the
// size stored, for run-task's benchmark output (lines that differ in a
// number) and for the lines of this package's Go source.
func BenchmarkBlockData(b *testing.B) {
	var source []string
	entries, err := os.ReadDir(".")
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") {
			text, err := os.ReadFile(e.Name())
			if err != nil {
				b.Fatal(err)
			}
			for _, l := range strings.Split(string(text), "\n") {
				if l != "" {
					source = append(source, l)
				}
			}
		}
	}
	migration := make([]string, blockMaxEvents)
	for i := range migration {
		migration[i] = fmt.Sprintf("2026-12-07T08:00:00Z INFO migrate applied table=items %d", i+1)
	}
	for _, tt := range []struct {
		name  string
		lines []string
	}{{"run-task benchmark lines", migration}, {"Go source", source}} {
		b.Run(tt.name, func(b *testing.B) {
			var enc encoder
			enc.reset()
			for i, l := range tt.lines {
				if enc.full() {
					break
				}
				enc.add(int64(i+1), 1_765_094_400_000+int64(i/3), 1_765_094_400_500, l)
			}
			b.SetBytes(int64(len(enc.buf)))
			var stored int
			for b.Loop() {
				stored = len(enc.data())
			}
			b.ReportMetric(float64(len(enc.buf))/float64(stored), "x")
		})
	}
}
