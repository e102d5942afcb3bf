package logs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/klauspost/compress/s2"
)

// This file is the encoding of a block: the events of one stream stored in
// one row of logs_blocks, one row per appended batch (split at
// blockMaxEvents events or blockMaxBytes bytes), so that storing a line
// costs a few bytes appended to a buffer instead of a B-tree insert.
//
// A block's data is the format byte blockFormat followed by its events in
// id order, each as
//
//	uvarint  id delta        (the first event: its id; then id - previous id, at least 1)
//	varint   timestamp delta (the first event: its timestamp; then the difference, zigzag)
//	varint   ingestion delta (the same)
//	uvarint  message length  (bytes, at least 1)
//	bytes    message         (UTF-8 as stored)
//
// Append gives a batch consecutive ids and one ingestion time, so an event
// costs its message plus usually 4 bytes. The row's columns repeat what a
// reader selects on without decoding: the first and last ids, the smallest
// and largest timestamps, the count and the messages' bytes.
//
// A block is stored compressed when that makes it smaller by at least an
// eighth: the format byte blockFormatS2, then the events as above (without
// their format byte) compressed with S2 (github.com/klauspost/compress/s2,
// its block format). Output is repetitive (a build's or a migration's
// lines differ in a few words), so the store writes a fraction of what it
// would, twice over in WAL mode (the WAL, then the database at the
// checkpoint): BenchmarkBlockData stores run-task's benchmark output in a
// twelfth of its size at about 6 GB/s, and Go source in less than half at
// about 650 MB/s. Blocks written before compression, and those it does not
// shrink, stay blockFormat.

// Block formats: the first byte of a block's data.
const (
	blockFormat   = 1
	blockFormatS2 = 2
)

// maxDecodedBlock bounds what a compressed block may claim to hold (a
// written block holds at most blockMaxBytes plus one event), so that a
// corrupt one cannot make a reader allocate gigabytes.
const maxDecodedBlock = 4 * blockMaxBytes

// Bounds of a block written by Append or PutLogEvents: a larger batch is
// split, so that readers never decode a huge blob for a few events.
const (
	blockMaxEvents = 4096
	blockMaxBytes  = 1 << 20
)

// blockEvent is an event decoded from a block.
type blockEvent struct {
	id, ts, ingested int64
	msg              string
}

// blockMeta is what a block's row says about its events.
type blockMeta struct {
	first, last  int64 // ids
	minTS, maxTS int64
	count, bytes int64
}

// encoder builds a block's data; its buffer is reused from block to block.
type encoder struct {
	buf                     []byte
	zbuf                    []byte // data's compressed block
	meta                    blockMeta
	lastID, lastTS, lastIng int64
}

// reset starts a new block.
func (e *encoder) reset() {
	e.buf = append(e.buf[:0], blockFormat)
	e.meta = blockMeta{}
}

// add appends an event; ids must increase.
func (e *encoder) add(id, ts, ingested int64, msg string) {
	if e.meta.count == 0 {
		e.buf = binary.AppendUvarint(e.buf, uint64(id))
		e.buf = binary.AppendVarint(e.buf, ts)
		e.buf = binary.AppendVarint(e.buf, ingested)
		e.meta = blockMeta{first: id, minTS: ts, maxTS: ts}
	} else {
		e.buf = binary.AppendUvarint(e.buf, uint64(id-e.lastID))
		e.buf = binary.AppendVarint(e.buf, ts-e.lastTS)
		e.buf = binary.AppendVarint(e.buf, ingested-e.lastIng)
		e.meta.minTS = min(e.meta.minTS, ts)
		e.meta.maxTS = max(e.meta.maxTS, ts)
	}
	e.buf = binary.AppendUvarint(e.buf, uint64(len(msg)))
	e.buf = append(e.buf, msg...)
	e.lastID, e.lastTS, e.lastIng = id, ts, ingested
	e.meta.last = id
	e.meta.count++
	e.meta.bytes += int64(len(msg))
}

// full reports whether the block should take no more events.
func (e *encoder) full() bool {
	return e.meta.count >= blockMaxEvents || len(e.buf) >= blockMaxBytes
}

// data returns the block as stored: compressed (blockFormatS2) when that
// saves at least an eighth of its size, else as built. It is valid until
// the next reset.
func (e *encoder) data() []byte {
	raw := e.buf[1:]
	need := 1 + s2.MaxEncodedLen(len(raw))
	if cap(e.zbuf) < need {
		e.zbuf = make([]byte, need)
	}
	z := e.zbuf[:need]
	z[0] = blockFormatS2
	n := len(s2.Encode(z[1:], raw))
	if n > len(raw)-len(raw)/8 {
		return e.buf
	}
	return z[:1+n]
}

// trim drops buffers that one large batch grew, so that they do not stay
// for the life of the store.
func (e *encoder) trim() {
	if cap(e.buf) > 2*blockMaxBytes {
		e.buf = nil
	}
	if cap(e.zbuf) > 2*blockMaxBytes {
		e.zbuf = nil
	}
}

var errCorruptBlock = errors.New("corrupt log event block")

// decodeBlock decodes a block's data, appending its events to dst. The
// messages share one string allocation with each other. A corrupt block is
// an error, never a panic.
func decodeBlock(dst []blockEvent, data []byte) ([]blockEvent, error) {
	if len(data) == 0 {
		return dst, fmt.Errorf("%w: empty", errCorruptBlock)
	}
	// body holds the events; all is a string of the same bytes (one copy
	// at most), of which the messages are substrings.
	var body []byte
	var all string
	switch data[0] {
	case blockFormat:
		body = data[1:]
		all = string(body)
	case blockFormatS2:
		n, err := s2.DecodedLen(data[1:])
		if err != nil || n == 0 || n > maxDecodedBlock {
			return dst, fmt.Errorf("%w: bad compressed length", errCorruptBlock)
		}
		raw, err := s2.Decode(make([]byte, n), data[1:])
		if err != nil || len(raw) != n {
			return dst, fmt.Errorf("%w: %v", errCorruptBlock, err)
		}
		// raw is this function's own and never written again: its bytes
		// serve as the string without a second copy.
		body, all = raw, unsafe.String(unsafe.SliceData(raw), len(raw))
	default:
		return dst, fmt.Errorf("%w: unknown format %d", errCorruptBlock, data[0])
	}
	p := 0
	var id, ts, ing int64
	for n := 0; p < len(body); n++ {
		d, k := binary.Uvarint(body[p:])
		if k <= 0 || (n > 0 && d == 0) || d > 1<<62 {
			return dst, fmt.Errorf("%w: bad id at byte %d", errCorruptBlock, p)
		}
		p += k
		dt, k := binary.Varint(body[p:])
		if k <= 0 {
			return dst, fmt.Errorf("%w: bad timestamp at byte %d", errCorruptBlock, p)
		}
		p += k
		di, k := binary.Varint(body[p:])
		if k <= 0 {
			return dst, fmt.Errorf("%w: bad ingestion time at byte %d", errCorruptBlock, p)
		}
		p += k
		l, k := binary.Uvarint(body[p:])
		if k <= 0 || l == 0 || l > uint64(len(body)-p-k) {
			return dst, fmt.Errorf("%w: bad message length at byte %d", errCorruptBlock, p)
		}
		p += k
		if n == 0 {
			id, ts, ing = int64(d), dt, di
		} else {
			if int64(d) > 1<<62-id {
				return dst, fmt.Errorf("%w: id overflow at byte %d", errCorruptBlock, p)
			}
			id, ts, ing = id+int64(d), ts+dt, ing+di
		}
		dst = append(dst, blockEvent{id: id, ts: ts, ingested: ing, msg: all[p : p+int(l)]})
		p += int(l)
	}
	return dst, nil
}

// checkBlock decodes a block's data and verifies it against its row.
func checkBlock(dst []blockEvent, m blockMeta, data []byte) ([]blockEvent, error) {
	start := len(dst)
	dst, err := decodeBlock(dst, data)
	if err != nil {
		return dst[:start], fmt.Errorf("block %d: %w", m.first, err)
	}
	evs := dst[start:]
	if int64(len(evs)) != m.count || len(evs) == 0 || evs[0].id != m.first || evs[len(evs)-1].id != m.last {
		return dst[:start], fmt.Errorf("block %d: %w: its events do not match its row", m.first, errCorruptBlock)
	}
	return dst, nil
}
