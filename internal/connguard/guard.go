package connguard

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults of DefaultLimits.
const (
	// DefaultMaxConns caps the connections held open (and lower when the
	// process may open few file descriptors; see DefaultLimits).
	DefaultMaxConns = 512
	// DefaultHeaderTimeout bounds the reading of a request's headers,
	// counted from the first byte of the request (the whole first request
	// line and headers on a new connection).
	DefaultHeaderTimeout = 10 * time.Second
	// DefaultBodyTimeout bounds the reading of a request's body, counted from
	// the end of its headers.
	DefaultBodyTimeout = 30 * time.Second
	// DefaultIdleTimeout closes a keep-alive connection idle this long.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultWriteTimeout bounds the writing of an answer, counted from its
	// first byte.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultGrace is how long a new connection has to present a trusted
	// request before it may be closed to admit another.
	DefaultGrace = 100 * time.Millisecond
)

// Limits configures a Guard. A zero duration means no timeout.
type Limits struct {
	// MaxConns caps the connections held open at once.
	MaxConns int
	// MaxUntrusted caps, within MaxConns, the connections that have not yet
	// carried a trusted request (see Trust).
	MaxUntrusted int
	// HeaderTimeout, BodyTimeout, IdleTimeout, WriteTimeout and Grace: see
	// the Default constants.
	HeaderTimeout, BodyTimeout, IdleTimeout, WriteTimeout, Grace time.Duration
}

// DefaultLimits returns the default limits for a process that may open
// nofile file descriptors (0 when unknown): DefaultMaxConns connections, or
// half of nofile when that is less (the rest stays for the engine's own
// files and connections), a quarter of them untrusted, and the default
// timeouts.
func DefaultLimits(nofile uint64) Limits {
	conns := DefaultMaxConns
	if nofile > 0 && nofile/2 < uint64(conns) {
		conns = max(int(nofile/2), 4)
	}
	return Limits{
		MaxConns:      conns,
		MaxUntrusted:  max(conns/4, 1),
		HeaderTimeout: DefaultHeaderTimeout,
		BodyTimeout:   DefaultBodyTimeout,
		IdleTimeout:   DefaultIdleTimeout,
		WriteTimeout:  DefaultWriteTimeout,
		Grace:         DefaultGrace,
	}
}

// Guard is a net.Listener that accounts for the connections it accepts and
// closes the least deserving one when a new connection would exceed the
// limits (see the package documentation). Serve it with the *http.Server
// that Server returns.
type Guard struct {
	net.Listener
	limits Limits
	now    func() time.Time

	mu        sync.Mutex
	changed   *sync.Cond // a connection closed, became idle or trusted, or the listener closed
	conns     list.List  // *conn, in accept order
	untrusted int
	evicted   uint64
	closed    bool
}

// conn is an accepted connection.
type conn struct {
	net.Conn
	g         *Guard
	elem      *list.Element
	accepted  time.Time
	trusted   bool
	idle      bool
	idleSince time.Time
	gone      bool // no longer accounted for
}

// New returns a Guard accepting connections from ln within l. Limits of
// zero or less are replaced by DefaultLimits(0)'s.
func New(ln net.Listener, l Limits) *Guard {
	d := DefaultLimits(0)
	if l.MaxConns <= 0 {
		l.MaxConns = d.MaxConns
	}
	if l.MaxUntrusted <= 0 || l.MaxUntrusted > l.MaxConns {
		l.MaxUntrusted = max(l.MaxConns/4, 1)
	}
	g := &Guard{Listener: ln, limits: l, now: time.Now}
	g.changed = sync.NewCond(&g.mu)
	return g
}

// Limits returns the limits the guard applies.
func (g *Guard) Limits() Limits { return g.limits }

// Stats describes the connections of a Guard.
type Stats struct {
	// Open is the number of connections held open, Untrusted those of them
	// not yet trusted.
	Open, Untrusted int
	// Evicted counts the connections closed to admit newer ones.
	Evicted uint64
}

// Stats returns the current counts.
func (g *Guard) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Stats{Open: g.conns.Len(), Untrusted: g.untrusted, Evicted: g.evicted}
}

// Accept waits for a connection and admits it, closing older ones as the
// limits require; when every open connection is trusted and busy it waits
// for one to end.
func (g *Guard) Accept() (net.Conn, error) {
	nc, err := g.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &conn{Conn: nc, g: g, accepted: g.now()}
	if err := g.admit(c); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the listener; a pending Accept returns net.ErrClosed.
// Connections already accepted stay open (http.Server.Shutdown ends them).
func (g *Guard) Close() error {
	g.mu.Lock()
	g.closed = true
	g.changed.Broadcast()
	g.mu.Unlock()
	return g.Listener.Close()
}

func (g *Guard) admit(c *conn) error {
	var victims []*conn
	defer func() {
		for _, v := range victims {
			v.Conn.Close()
		}
	}()
	g.mu.Lock()
	defer g.mu.Unlock()
	untrusted := func(c *conn) bool { return !c.trusted }
	for {
		if g.closed {
			return net.ErrClosed
		}
		var v *conn
		switch {
		case g.untrusted >= g.limits.MaxUntrusted:
			v = g.oldest(untrusted)
		case g.conns.Len() >= g.limits.MaxConns:
			if v = g.longestIdle(); v == nil {
				v = g.oldest(untrusted)
			}
			if v == nil {
				g.changed.Wait()
				continue
			}
		}
		if v == nil {
			break
		}
		if !v.idle {
			if wait := v.accepted.Add(g.limits.Grace).Sub(g.now()); wait > 0 {
				g.waitFor(wait)
				continue
			}
		}
		g.forget(v)
		g.evicted++
		victims = append(victims, v)
	}
	c.elem = g.conns.PushBack(c)
	g.untrusted++
	return nil
}

// waitFor waits for a change or for d to pass. Called with g.mu held.
func (g *Guard) waitFor(d time.Duration) {
	t := time.AfterFunc(d, func() {
		g.mu.Lock()
		g.changed.Broadcast()
		g.mu.Unlock()
	})
	g.changed.Wait()
	t.Stop()
}

// oldest returns the connection accepted first among those keep selects.
func (g *Guard) oldest(keep func(*conn) bool) *conn {
	for e := g.conns.Front(); e != nil; e = e.Next() {
		if c := e.Value.(*conn); keep(c) {
			return c
		}
	}
	return nil
}

// longestIdle returns the connection idle the longest, or nil.
func (g *Guard) longestIdle() *conn {
	var best *conn
	for e := g.conns.Front(); e != nil; e = e.Next() {
		if c := e.Value.(*conn); c.idle && (best == nil || c.idleSince.Before(best.idleSince)) {
			best = c
		}
	}
	return best
}

// forget stops accounting for c. Called with g.mu held.
func (g *Guard) forget(c *conn) {
	if c.gone {
		return
	}
	c.gone = true
	g.conns.Remove(c.elem)
	if !c.trusted {
		g.untrusted--
	}
	g.changed.Broadcast()
}

// Close closes the connection and frees its slot.
func (c *conn) Close() error {
	c.g.mu.Lock()
	c.g.forget(c)
	c.g.mu.Unlock()
	return c.Conn.Close()
}

func (g *Guard) connState(nc net.Conn, s http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch s {
	case http.StateIdle:
		c.idle, c.idleSince = true, g.now()
		g.changed.Broadcast()
	case http.StateActive:
		c.idle = false
	}
}

type connKey struct{}

func connContext(ctx context.Context, nc net.Conn) context.Context {
	if c, ok := nc.(*conn); ok {
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

// Trust marks the connection carrying the request whose context is ctx as
// trusted: it presented a valid signature (or, without authentication, a
// complete request), so it no longer counts against MaxUntrusted nor is
// closed to admit untrusted newcomers. It does nothing for a context that
// does not come from a Guard's server.
func Trust(ctx context.Context) {
	c, ok := ctx.Value(connKey{}).(*conn)
	if !ok {
		return
	}
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.trusted || c.gone {
		return
	}
	c.trusted = true
	g.untrusted--
	g.changed.Broadcast()
}
