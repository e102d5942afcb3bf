package execsession

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame types. A frame is its type (1 byte), its payload's length
// (4 bytes, big endian) and the payload.
const (
	// FrameStart (client, first frame): payload is 1 byte TTY (0 or 1),
	// then rows and cols (2 bytes each, big endian).
	FrameStart byte = 's'
	// FrameStdin (client): bytes for the command's standard input.
	FrameStdin byte = 'i'
	// FrameStdinEOF (client): the standard input ended.
	FrameStdinEOF byte = 'e'
	// FrameResize (client): rows and cols, 2 bytes each.
	FrameResize byte = 'r'
	// FrameStdout and FrameStderr (server): the command's output.
	FrameStdout byte = 'o'
	FrameStderr byte = 'E'
	// FrameExit (server, last frame): the exit code, 4 bytes (int32).
	FrameExit byte = 'x'
	// FrameError (server, last frame): why the command could not run.
	FrameError byte = '!'
)

// MaxFrame is the largest payload a frame may carry.
const MaxFrame = 1 << 20

// ErrFrame is a malformed frame.
var ErrFrame = errors.New("execsession: malformed frame")

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	if len(payload) > MaxFrame {
		return fmt.Errorf("%w: payload of %d bytes", ErrFrame, len(payload))
	}
	b := make([]byte, 5+len(payload))
	b[0] = typ
	binary.BigEndian.PutUint32(b[1:5], uint32(len(payload)))
	copy(b[5:], payload)
	_, err := w.Write(b)
	return err
}

// ReadFrame reads one frame; io.EOF when the stream ends between frames.
func ReadFrame(r io.Reader) (byte, []byte, error) {
	var h [5]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("%w: truncated header", ErrFrame)
		}
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:5])
	if n > MaxFrame {
		return 0, nil, fmt.Errorf("%w: payload of %d bytes", ErrFrame, n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, fmt.Errorf("%w: truncated payload: %v", ErrFrame, err)
	}
	return h[0], p, nil
}

// Size is a terminal size.
type Size struct{ Rows, Cols uint16 }

func (s Size) bytes() []byte {
	var b [4]byte
	binary.BigEndian.PutUint16(b[0:2], s.Rows)
	binary.BigEndian.PutUint16(b[2:4], s.Cols)
	return b[:]
}

func parseSize(p []byte) (Size, error) {
	if len(p) != 4 {
		return Size{}, fmt.Errorf("%w: size of %d bytes", ErrFrame, len(p))
	}
	return Size{binary.BigEndian.Uint16(p[0:2]), binary.BigEndian.Uint16(p[2:4])}, nil
}

// Start is the first frame's content.
type Start struct {
	TTY  bool
	Size Size
}

func (s Start) bytes() []byte {
	b := []byte{0}
	if s.TTY {
		b[0] = 1
	}
	return append(b, s.Size.bytes()...)
}

// ParseStart parses a FrameStart payload.
func ParseStart(p []byte) (Start, error) {
	if len(p) != 5 || p[0] > 1 {
		return Start{}, fmt.Errorf("%w: start frame of %d bytes", ErrFrame, len(p))
	}
	sz, err := parseSize(p[1:])
	return Start{TTY: p[0] == 1, Size: sz}, err
}
