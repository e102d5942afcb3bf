package execsession

import (
	"context"
	"encoding/binary"
	"io"
	"sync"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// frameWriter writes frames from several goroutines.
type frameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (f *frameWriter) write(typ byte, p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return WriteFrame(f.w, typ, p)
}

// stream is an io.Writer sending what is written as frames of one type.
type stream struct {
	f   *frameWriter
	typ byte
}

func (s stream) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		n := min(len(rest), MaxFrame)
		if err := s.f.write(s.typ, rest[:n]); err != nil {
			return len(p) - len(rest), err
		}
		rest = rest[n:]
	}
	return len(p), nil
}

// Serve runs the session's command over conn, the stream of a client that
// speaks the frame protocol, and closes conn. The client's first frame
// says whether it has a terminal (the command gets one when it does and
// the session is interactive) and its size.
func Serve(ctx context.Context, conn io.ReadWriteCloser, ex runtime.Execer, s *Session) {
	defer conn.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fw := &frameWriter{w: conn}
	fail := func(msg string) { fw.write(FrameError, []byte(msg)) }
	typ, p, err := ReadFrame(conn)
	if err != nil || typ != FrameStart {
		fail("the session's first frame must be a start frame")
		return
	}
	st, err := ParseStart(p)
	if err != nil {
		fail(err.Error())
		return
	}
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	spec := runtime.ExecSpec{Cmd: s.Command, TTY: st.TTY && s.Interactive, Rows: uint(st.Size.Rows), Cols: uint(st.Size.Cols)}
	e, err := ex.Exec(ctx, s.ContainerID, spec, runtime.ExecIO{Stdin: stdinR, Stdout: stream{fw, FrameStdout}, Stderr: stream{fw, FrameStderr}})
	if err != nil {
		fail("cannot run " + s.Command[0] + " in container " + s.ContainerName + ": " + err.Error())
		return
	}
	go func() {
		// The client's input, until it ends or goes away (then the
		// command's input ends).
		defer stdinW.Close()
		for {
			typ, p, err := ReadFrame(conn)
			if err != nil {
				return
			}
			switch typ {
			case FrameStdin:
				if _, err := stdinW.Write(p); err != nil {
					return
				}
			case FrameStdinEOF:
				stdinW.Close()
			case FrameResize:
				if sz, err := parseSize(p); err == nil && spec.TTY {
					e.Resize(ctx, uint(sz.Rows), uint(sz.Cols))
				}
			}
		}
	}()
	code, err := e.Wait(ctx)
	if err != nil {
		fail("the command's end is unknown: " + err.Error())
		return
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(int32(code)))
	fw.write(FrameExit, b[:])
}
