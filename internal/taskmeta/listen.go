package taskmeta

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
)

// Mode says where the endpoints listen.
type Mode string

// Modes.
const (
	// ModeAuto is link-local when the host allows it, else loopback.
	ModeAuto Mode = "auto"
	// ModeLinkLocal listens on 169.254.170.2, as on ECS.
	ModeLinkLocal Mode = "link-local"
	// ModeLoopback listens on 127.0.0.1.
	ModeLoopback Mode = "loopback"
)

// LinkLocalIP is the address of the ECS agent's endpoints.
const LinkLocalIP = "169.254.170.2"

// Endpoint is where the server listens and how containers reach it.
type Endpoint struct {
	// Mode is ModeLinkLocal or ModeLoopback.
	Mode Mode
	// URL is the base URL of the endpoints, without a trailing slash.
	URL string
	// Port is the port listened on.
	Port int
	// Relative is true when 169.254.170.2:80, where the SDKs resolve
	// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, reaches the server: through
	// the redirect, or because the server listens there.
	Relative bool
	// Redirected is true when this engine's nftables rules send
	// 169.254.170.2:80 to Port, leaving every host port to the tasks.
	Redirected bool
	// NoRedirect explains, in link-local mode, why 169.254.170.2:80 is not
	// redirected to the server ("" when it is).
	NoRedirect string
	// Elsewhere is true when another engine or process on this host owns
	// 169.254.170.2:80 (see HostLockFile).
	Elsewhere bool
	// Fallback explains why ModeAuto fell back to loopback ("" otherwise).
	Fallback string
	// AlsoURL is the URL with the previous run's port when the server
	// answers there too although URL is another (it listens on port 80, or
	// behind the redirect, now).
	AlsoURL string
}

// Serves reports whether the server answers at url: its URL, or the
// previous one it also listens on.
func (e Endpoint) Serves(url string) bool { return url == e.URL || url != "" && url == e.AlsoURL }

// ListenOptions says where Listen listens.
type ListenOptions struct {
	Mode Mode
	// Port is the previous run's port (State.Port; 0 for none): adopted
	// containers find the server there again.
	Port int
	// Owner names the engine (its state directory) in the redirect's rules
	// and in the host lock.
	Owner string
}

// ParseMode checks a mode given by the user.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeAuto, ModeLinkLocal, ModeLoopback:
		return m, nil
	case "":
		return ModeAuto, nil
	}
	return "", fmt.Errorf("task endpoint mode must be auto, link-local or loopback, not %q", s)
}

// Listen opens the endpoints' listener. In link-local mode it makes sure
// 169.254.170.2 is an address of the host (adding it to the loopback
// interface if needed). Then, when this engine is the first on the host and
// may change nftables, it listens on another port of 169.254.170.2 (the
// previous run's when there was one) and redirects 169.254.170.2:80 there
// (see [RedirectTable]), so every host port stays free for the tasks; else
// it listens on 169.254.170.2:80 when no other engine owns it and it can
// bind it, else on the previous port or any port, with
// Endpoint.NoRedirect saying why. ModeAuto falls back to loopback when
// link-local is not possible.
//
// Closing the listener removes the redirect and gives up the host lock.
func Listen(o ListenOptions) (net.Listener, Endpoint, error) {
	if o.Mode == ModeLoopback {
		return listenLoopback(o.Port, "")
	}
	ln, ep, err := listenLinkLocal(o)
	if err == nil {
		return ln, ep, nil
	}
	if o.Mode == ModeLinkLocal {
		return nil, Endpoint{}, err
	}
	return listenLoopback(o.Port, err.Error())
}

func listenLinkLocal(o ListenOptions) (net.Listener, Endpoint, error) {
	if err := ensureAddress(); err != nil {
		return nil, Endpoint{}, err
	}
	host, elsewhere, why := claimHostPort(o.Owner)
	port80 := netip.AddrPortFrom(netip.MustParseAddr(LinkLocalIP), 80)
	// Only with the host lock (reading the socket table costs
	// milliseconds on a host with thousands of sockets).
	if taken := host != nil && listeningOn(port80); taken {
		// Not through the host lock: an older ecsrun, or another server of
		// the endpoints. A redirect would take its connections.
		host.release()
		host, elsewhere = nil, true
		why = fmt.Sprintf("another process listens on %v itself (an older ecsrun, or another server of the endpoints): it keeps that port, and the tasks of this engine get AWS_CONTAINER_CREDENTIALS_FULL_URI with this engine's port and a token", port80)
	}
	if host != nil {
		ln, ep, err := listenRedirected(o, host)
		if err == nil {
			return ln, ep, nil
		}
		why = err.Error()
	}
	// Port 80 itself only when no other engine owns it: its redirect would
	// take the connections.
	ln, ep, err := listenDirect(o.Port, !elsewhere)
	if err != nil {
		host.release()
		return nil, Endpoint{}, err
	}
	ep.NoRedirect, ep.Elsewhere = why, elsewhere
	if ep.Port != 80 || host == nil {
		host.release()
		return ln, ep, nil
	}
	// This engine holds port 80 itself: it keeps the host lock, so that
	// another engine does not redirect the port away from it.
	return &ownedListener{Listener: ln, host: host}, ep, nil
}

// listeningOn reports whether a listening socket on addr is known.
func listeningOn(addr netip.AddrPort) bool {
	taken, _ := listening(addr)
	return taken
}

// listenDirect listens on 169.254.170.2:80 (when may80), else on port (the
// previous run's, so adopted containers find it again), else on any port.
func listenDirect(port int, may80 bool) (net.Listener, Endpoint, error) {
	listen := func(p int) (net.Listener, error) {
		return net.Listen("tcp", net.JoinHostPort(LinkLocalIP, strconv.Itoa(p)))
	}
	var ln net.Listener
	var also string
	err := errors.New("another engine owns port 80")
	if may80 {
		ln, err = listen(80)
	}
	if err == nil && port > 0 && port != 80 {
		// Containers adopted from the previous run use its port: keep
		// answering there too when it is free.
		if prev, perr := listen(port); perr == nil {
			ln = mergeListeners(ln, prev)
			also = "http://" + net.JoinHostPort(LinkLocalIP, strconv.Itoa(port))
		}
	}
	if err != nil && port > 0 && port != 80 {
		ln, err = listen(port)
	}
	if err != nil {
		ln, err = listen(0)
	}
	if err != nil {
		return nil, Endpoint{}, fmt.Errorf("listen on %s: %w", LinkLocalIP, err)
	}
	got := ln.Addr().(*net.TCPAddr).Port
	ep := Endpoint{Mode: ModeLinkLocal, Port: got, Relative: got == 80, URL: "http://" + LinkLocalIP, AlsoURL: also}
	if got != 80 {
		ep.URL += ":" + strconv.Itoa(got)
	}
	return ln, ep, nil
}

// ensureAddress makes 169.254.170.2 an address of this host.
func ensureAddress() error {
	probe := net.JoinHostPort(LinkLocalIP, "0")
	if ln, err := net.Listen("tcp", probe); err == nil {
		return ln.Close()
	}
	if err := addLoopbackAddress(netip.MustParseAddr(LinkLocalIP)); err != nil {
		return fmt.Errorf("%s is not an address of this host and cannot be added (%v); run `sudo ip addr add %s/32 dev lo` once, or run ecsrun as root", LinkLocalIP, err, LinkLocalIP)
	}
	ln, err := net.Listen("tcp", probe)
	if err != nil {
		return fmt.Errorf("listen on %s after adding it to the loopback interface: %w", LinkLocalIP, err)
	}
	return ln.Close()
}

func listenLoopback(port int, why string) (net.Listener, Endpoint, error) {
	var ln net.Listener
	var err error
	if port > 0 {
		ln, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	}
	if ln == nil {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, Endpoint{}, fmt.Errorf("taskmeta: listen on loopback: %w", err)
	}
	got := ln.Addr().(*net.TCPAddr).Port
	return ln, Endpoint{Mode: ModeLoopback, Port: got, URL: "http://127.0.0.1:" + strconv.Itoa(got), Fallback: why}, nil
}

// multiListener accepts the connections of several listeners; its address
// is the first's.
type multiListener struct {
	lns   []net.Listener
	conns chan net.Conn
	errs  chan error
	done  chan struct{}
	once  sync.Once
}

// mergeListeners returns one listener for all of lns.
func mergeListeners(lns ...net.Listener) net.Listener {
	m := &multiListener{lns: lns, conns: make(chan net.Conn), errs: make(chan error, len(lns)), done: make(chan struct{})}
	for _, ln := range lns {
		go m.accept(ln)
	}
	return m
}

func (m *multiListener) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			m.errs <- err
			return
		}
		select {
		case m.conns <- c:
		case <-m.done:
			c.Close()
			return
		}
	}
}

// Accept returns the next connection of any of the listeners.
func (m *multiListener) Accept() (net.Conn, error) {
	select {
	case c := <-m.conns:
		return c, nil
	case <-m.done:
		return nil, net.ErrClosed
	case err := <-m.errs:
		return nil, err
	}
}

// Close closes every listener.
func (m *multiListener) Close() error {
	var err error
	m.once.Do(func() {
		close(m.done)
		for _, ln := range m.lns {
			if cerr := ln.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}
	})
	return err
}

// Addr is the first listener's address.
func (m *multiListener) Addr() net.Addr { return m.lns[0].Addr() }
