package docker

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
	"unsafe"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// demuxBuffer is the read buffer of demux: a message up to this size is
// passed to the sink straight from it.
const demuxBuffer = 64 << 10

// demux reads the engine's multiplexed output stream (each message an
// 8-byte header, [stream, 0, 0, 0, size as big-endian uint32], then the
// message) and passes each message to sink, as stdcopy.StdCopy would write
// it, but without copying: StdCopy moves the rest of its buffer to the front
// after every message, which for a chatty container (hundreds of short
// messages per read) cost more CPU than all the rest of the log path. The
// message passed to sink is valid only during the call. Stdin messages go
// to stdout (as with StdCopy); a system error message ends the stream with
// an error.
func demux(r io.Reader, sink frameSink) error {
	br := bufio.NewReaderSize(r, demuxBuffer)
	var big []byte
	for {
		hdr, err := br.Peek(8)
		if err != nil {
			if err == io.EOF && len(hdr) == 0 {
				return nil
			}
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		kind := hdr[0]
		n := int(binary.BigEndian.Uint32(hdr[4:8]))
		br.Discard(8)
		var p []byte
		if n <= demuxBuffer {
			if p, err = br.Peek(n); err != nil {
				return unexpected(err)
			}
		} else {
			if cap(big) < n {
				big = make([]byte, n)
			}
			p = big[:n]
			if _, err := io.ReadFull(br, p); err != nil {
				return unexpected(err)
			}
		}
		switch kind {
		case 0, 1: // stdin (never sent for logs), stdout
			sink.frame(runtime.Stdout, p)
		case 2:
			sink.frame(runtime.Stderr, p)
		case 3:
			return fmt.Errorf("error from daemon in stream: %s", p)
		default:
			return errors.New("unrecognized input header")
		}
		if n <= demuxBuffer {
			br.Discard(n)
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseStamp reads the engine's log timestamps, RFC 3339 in UTC with
// nanoseconds ("2006-01-02T15:04:05.999999999Z", trailing zeros trimmed),
// without allocating; anything else goes to time.Parse.
func parseStamp(b []byte) (time.Time, error) {
	if t, ok := parseStampFast(b); ok {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, string(b))
}

// stampShape reports whether b has the shape parseStampFast reads:
// "YYYY-MM-DDTHH:MM:SS" and an optional fraction, then "Z".
func stampShape(b []byte) bool {
	n := len(b)
	return n >= 20 && n <= 30 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[n-1] == 'Z'
}

// parseStampFast reads a timestamp of stampShape; false when it is not
// one, or not a valid time.
func parseStampFast(b []byte) (time.Time, bool) {
	if !stampShape(b) {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	nsec, ok7 := fraction(b[19 : len(b)-1])
	if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 && minute < 60 && sec < 60 {
		t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
		if t.Day() == day { // not 31 April
			return t, true
		}
	}
	return time.Time{}, false
}

// fraction reads the fraction of a second of a timestamp, "" or "." and 1
// to 9 digits, as nanoseconds.
func fraction(frac []byte) (int, bool) {
	if len(frac) == 0 {
		return 0, true
	}
	if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
		return 0, false
	}
	nsec, ok := digits(frac[1:])
	for i := len(frac) - 1; i < 9; i++ {
		nsec *= 10
	}
	return nsec, ok
}

// stampParser is parseStamp for the timestamps of one output, in order:
// most share their second with the one before, whose time it keeps, so
// that only their fraction is read. The zero value is ready to use.
type stampParser struct {
	second [19]byte  // "YYYY-MM-DDTHH:MM:SS" of the last one read
	base   time.Time // that second's time
	valid  bool
}

// parse is parseStamp.
func (sp *stampParser) parse(b []byte) (time.Time, error) {
	if sp.valid && stampShape(b) && string(b[:19]) == string(sp.second[:]) {
		if nsec, ok := fraction(b[19 : len(b)-1]); ok {
			return sp.base.Add(time.Duration(nsec)), nil
		}
	}
	if t, ok := parseStampFast(b); ok {
		copy(sp.second[:], b[:19])
		sp.base, sp.valid = t.Add(-time.Duration(t.Nanosecond())), true
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, string(b))
}

// digits reads a run of decimal digits.
func digits(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// stringArena makes strings of lines by copying them into shared blocks, so
// that a chatty container's lines cost an allocation per block instead of
// one per line. A block's bytes are never written again once a string
// refers to them, so the strings are as immutable as any other; a block
// lives as long as one of its strings does.
type stringArena struct {
	block []byte // len: bytes handed out; cap: the block
	size  int    // size of the next block
}

const (
	arenaFirst = 1 << 10
	arenaMax   = 64 << 10
)

func (a *stringArena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaMax/4 {
		return string(b)
	}
	if cap(a.block)-len(a.block) < len(b) {
		a.size = min(max(2*a.size, arenaFirst), arenaMax)
		a.block = make([]byte, 0, max(a.size, len(b)))
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[start], len(b))
}
