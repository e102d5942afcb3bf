package taskmeta

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
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
	// Relative is true when the server holds port 80 of 169.254.170.2, where
	// the SDKs resolve AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.
	Relative bool
	// Fallback explains why ModeAuto fell back to loopback ("" otherwise).
	Fallback string
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
// interface if needed), then listens on its port 80, else on port (the
// previous run's, so adopted containers find it again), else on any port.
// ModeAuto falls back to loopback when link-local is not possible.
func Listen(mode Mode, port int) (net.Listener, Endpoint, error) {
	if mode == ModeLoopback {
		return listenLoopback(port, "")
	}
	ln, ep, err := listenLinkLocal(port)
	if err == nil {
		return ln, ep, nil
	}
	if mode == ModeLinkLocal {
		return nil, Endpoint{}, err
	}
	return listenLoopback(port, err.Error())
}

func listenLinkLocal(port int) (net.Listener, Endpoint, error) {
	if err := ensureAddress(); err != nil {
		return nil, Endpoint{}, err
	}
	ports := []int{80}
	if port > 0 && port != 80 {
		ports = append(ports, port)
	}
	ports = append(ports, 0)
	var lastErr error
	for _, p := range ports {
		ln, err := net.Listen("tcp", net.JoinHostPort(LinkLocalIP, strconv.Itoa(p)))
		if err != nil {
			lastErr = err
			continue
		}
		got := ln.Addr().(*net.TCPAddr).Port
		ep := Endpoint{Mode: ModeLinkLocal, Port: got, Relative: got == 80, URL: "http://" + LinkLocalIP}
		if got != 80 {
			ep.URL += ":" + strconv.Itoa(got)
		}
		return ln, ep, nil
	}
	return nil, Endpoint{}, fmt.Errorf("listen on %s: %w", LinkLocalIP, lastErr)
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
