package execsession

import (
	"bufio"
	"net"
)

// hijacked is a hijacked connection read through the server's buffer.
type hijacked struct {
	conn net.Conn
	r    *bufio.Reader
}

func (h *hijacked) Read(p []byte) (int, error)  { return h.r.Read(p) }
func (h *hijacked) Write(p []byte) (int, error) { return h.conn.Write(p) }
func (h *hijacked) Close() error                { return h.conn.Close() }
