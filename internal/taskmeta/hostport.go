package taskmeta

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/ecsrun/ecsrun/internal/filelock"
	"github.com/ecsrun/ecsrun/internal/natredirect"
)

// HostLockFile is the host-wide lock whose holder owns 169.254.170.2:80:
// the engine that redirects it to its endpoints (or listens there itself).
// One engine per host owns it, as one ECS agent runs per instance; the
// lock goes with the process, so an engine that was killed leaves it to the
// next. The file names the holder.
const HostLockFile = "/run/ecsrun/task-endpoint.lock"

// RedirectTable is the nftables table (family ip) of the redirect of
// 169.254.170.2:80 to the endpoints (see internal/natredirect); only the
// holder of HostLockFile writes it.
const RedirectTable = "ecsrun-task-endpoint"

// hostLock is a held HostLockFile.
type hostLock struct{ f *os.File }

// release gives the lock up; a nil lock is nothing to release.
func (h *hostLock) release() error {
	if h == nil {
		return nil
	}
	return h.f.Close()
}

// claimHostPort takes HostLockFile for owner. It answers no lock, and why,
// when it cannot (elsewhere is true when another engine holds it).
func claimHostPort(owner string) (host *hostLock, elsewhere bool, why string) {
	os.MkdirAll(filepath.Dir(HostLockFile), 0o755)
	f, err := os.OpenFile(HostLockFile, os.O_RDWR|os.O_CREATE, 0o644)
	writable := err == nil
	if err != nil {
		f, err = os.Open(HostLockFile) // a read-only file locks as well
	}
	if err != nil {
		return nil, false, fmt.Sprintf("cannot open the host lock of %s:80 (%v); run ecsrun as root to redirect that port to the endpoints", LinkLocalIP, err)
	}
	if err := filelock.TryLock(f); err != nil {
		holder, _ := io.ReadAll(io.LimitReader(f, 4096))
		f.Close()
		if errors.Is(err, filelock.ErrLocked) {
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "another ecsrun engine"
			}
			return nil, true, fmt.Sprintf("%s owns %s:80 on this host (it holds %s; one engine per host, as one ECS agent per instance): the tasks of this engine get AWS_CONTAINER_CREDENTIALS_FULL_URI with this engine's port and a token", who, LinkLocalIP, HostLockFile)
		}
		return nil, false, fmt.Sprintf("cannot take the host lock of %s:80: %v", LinkLocalIP, err)
	}
	if writable {
		f.Truncate(0)
		f.WriteAt([]byte("the ecsrun engine of "+owner+" (pid "+strconv.Itoa(os.Getpid())+")\n"), 0)
	}
	return &hostLock{f: f}, false, ""
}

// listenRedirected listens on a port of 169.254.170.2 other than 80 (the
// previous run's when it is free) and redirects 169.254.170.2:80 there.
func listenRedirected(o ListenOptions, host *hostLock) (net.Listener, Endpoint, error) {
	var ln net.Listener
	var err error
	if o.Port > 0 && o.Port != 80 {
		ln, err = net.Listen("tcp", net.JoinHostPort(LinkLocalIP, strconv.Itoa(o.Port)))
	}
	if ln == nil {
		ln, err = net.Listen("tcp", net.JoinHostPort(LinkLocalIP, "0"))
	}
	if err != nil {
		return nil, Endpoint{}, fmt.Errorf("listen on %s: %w", LinkLocalIP, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ip := netip.MustParseAddr(LinkLocalIP)
	err = natredirect.Install(natredirect.Redirect{
		Table: RedirectTable, From: netip.AddrPortFrom(ip, 80), To: netip.AddrPortFrom(ip, uint16(port)),
		Comment: "ecsrun task metadata and credentials endpoints of " + o.Owner,
	})
	if err != nil {
		ln.Close()
		return nil, Endpoint{}, fmt.Errorf("cannot redirect %s:80 to the endpoints (%v): they take that port themselves when they can; run ecsrun as root (or with CAP_NET_ADMIN) to leave host port 80 to the tasks", LinkLocalIP, err)
	}
	ep := Endpoint{Mode: ModeLinkLocal, URL: "http://" + LinkLocalIP, Port: port, Relative: true, Redirected: true}
	if port == o.Port {
		// Containers of the previous run given this port in a full URI
		// reach the endpoints there still.
		ep.AlsoURL = "http://" + net.JoinHostPort(LinkLocalIP, strconv.Itoa(port))
	}
	ol := &ownedListener{Listener: ln, host: host, redirected: true, tidied: make(chan struct{})}
	go func() {
		// An earlier engine's rules, below ours: deleted while this one
		// serves (see natredirect.Install).
		defer close(ol.tidied)
		if err := natredirect.Tidy(RedirectTable); err != nil {
			ol.tidyErr = err
		}
	}()
	return ol, ep, nil
}

// ownedListener is the listener of the engine that owns 169.254.170.2:80:
// closing it removes the redirect, then gives up the host lock.
type ownedListener struct {
	net.Listener
	host       *hostLock
	redirected bool
	// tidied is closed once the older rules are deleted (tidyErr says
	// how that went).
	tidied  chan struct{}
	tidyErr error
	once    sync.Once
	err     error
}

// Close turns the redirect off, stops listening and releases the host
// lock; it returns the same answer every time. The redirect's table stays,
// turned off, for the next engine: deleting it would make every command's
// end wait for the kernel (see natredirect.Install).
func (l *ownedListener) Close() error {
	l.once.Do(func() {
		if l.redirected {
			<-l.tidied
			l.err = errors.Join(l.tidyErr, natredirect.Disable(RedirectTable))
		}
		l.err = errors.Join(l.err, l.Listener.Close(), l.host.release())
	})
	return l.err
}
