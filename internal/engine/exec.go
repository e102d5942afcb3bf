package engine

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/ecsrun/ecsrun/internal/execsession"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// ExecConn runs an exec session (ExecuteCommand's) over conn, a client of
// the frame protocol in the same process (the embedded engine has no
// listener for the stream URL), and closes conn.
func (e *Engine) ExecConn(ctx context.Context, streamURL, token string, conn io.ReadWriteCloser) error {
	if e.execs == nil {
		conn.Close()
		return errors.New("engine: the container runtime cannot run commands in containers")
	}
	i := strings.Index(streamURL, execsession.PathPrefix)
	if i < 0 {
		conn.Close()
		return errors.New("engine: not an exec stream URL: " + streamURL)
	}
	s, err := e.execs.Take(streamURL[i+len(execsession.PathPrefix):], token)
	if err != nil {
		conn.Close()
		return err
	}
	go execsession.Serve(ctx, conn, e.opts.Runtime.(runtime.Execer), s)
	return nil
}
