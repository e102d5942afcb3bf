package execsession

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Protocol is the Upgrade token of the stream URL.
const Protocol = "ecsrun-exec"

// TokenHeader carries the session's token.
const TokenHeader = "X-Ecsrun-Exec-Token"

// Dial connects to a session's stream URL (http or https) and upgrades
// the connection to the frame protocol.
func Dial(ctx context.Context, streamURL, token string) (net.Conn, error) {
	u, err := url.Parse(streamURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("execsession: stream URL %q is not an ecsrun exec URL (http://HOST/ecsrun/exec/ID)", streamURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("execsession: connect to %s: %w", u.Host, err)
	}
	if u.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname()})
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, streamURL, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", Protocol)
	req.Header.Set(TokenHeader, token)
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("execsession: %s: %w", streamURL, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		conn.Close()
		return nil, fmt.Errorf("execsession: %s answered %s: %s", streamURL, resp.Status, strings.TrimSpace(string(body)))
	}
	return &bufConn{Conn: conn, r: br}, nil
}

// bufConn reads through the reader that read the upgrade's answer.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// ExitError is a session that could not run its command.
type ExitError struct{ Message string }

func (e *ExitError) Error() string { return e.Message }

// Run runs a session over conn: it sends start, then stdin and the
// terminal's new sizes (from resize, which may be nil), writes the output
// to stdout and stderr, and returns the command's exit code. An
// *ExitError says why the command could not run.
func Run(ctx context.Context, conn io.ReadWriteCloser, start Start, stdin io.Reader, stdout, stderr io.Writer, resize <-chan Size) (int, error) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	fw := &frameWriter{w: conn}
	if err := fw.write(FrameStart, start.bytes()); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	defer close(done)
	if stdin != nil {
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := stdin.Read(buf)
				if n > 0 {
					if fw.write(FrameStdin, buf[:n]) != nil {
						return
					}
				}
				if err != nil {
					fw.write(FrameStdinEOF, nil)
					return
				}
			}
		}()
	} else {
		// Not inline: over a synchronous pipe the server may be writing.
		go fw.write(FrameStdinEOF, nil)
	}
	if resize != nil {
		go func() {
			for {
				select {
				case <-done:
					return
				case sz := <-resize:
					fw.write(FrameResize, sz.bytes())
				}
			}
		}()
	}
	for {
		typ, p, err := ReadFrame(conn)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return 0, errors.New("execsession: the session ended without an exit code")
			}
			return 0, err
		}
		switch typ {
		case FrameStdout:
			stdout.Write(p)
		case FrameStderr:
			stderr.Write(p)
		case FrameExit:
			if len(p) != 4 {
				return 0, fmt.Errorf("%w: exit frame of %d bytes", ErrFrame, len(p))
			}
			return int(int32(binary.BigEndian.Uint32(p))), nil
		case FrameError:
			return 0, &ExitError{Message: string(p)}
		}
	}
}
