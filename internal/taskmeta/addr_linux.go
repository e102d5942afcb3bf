//go:build linux

package taskmeta

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// addLoopbackAddress adds addr/32 to the loopback interface through
// rtnetlink, like `ip addr add ADDR/32 dev lo`. It needs CAP_NET_ADMIN; an
// address already present is not an error.
func addLoopbackAddress(addr netip.Addr) error {
	lo, err := loopbackInterface()
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	ip := addr.As4()
	const hdr, ifa, attr = unix.SizeofNlMsghdr, unix.SizeofIfAddrmsg, 8
	msg := make([]byte, hdr+ifa+2*attr)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.RTM_NEWADDR)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	ne.PutUint32(msg[8:], 1) // sequence number
	msg[hdr+0] = unix.AF_INET
	msg[hdr+1] = 32 // prefix length
	msg[hdr+3] = unix.RT_SCOPE_UNIVERSE
	ne.PutUint32(msg[hdr+4:], uint32(lo.Index))
	for i, typ := range []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS} {
		off := hdr + ifa + i*attr
		ne.PutUint16(msg[off:], attr)
		ne.PutUint16(msg[off+2:], typ)
		copy(msg[off+4:], ip[:])
	}
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return fmt.Errorf("netlink receive: %w", err)
	}
	if n < hdr+4 || ne.Uint16(buf[4:]) != unix.NLMSG_ERROR {
		return errors.New("netlink: unexpected answer")
	}
	switch errno := -int32(ne.Uint32(buf[hdr:])); errno {
	case 0, int32(unix.EEXIST):
		return nil
	default:
		return fmt.Errorf("add %s to %s: %w", addr, lo.Name, unix.Errno(errno))
	}
}

func loopbackInterface() (*net.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	for i := range ifs {
		if ifs[i].Flags&net.FlagLoopback != 0 {
			return &ifs[i], nil
		}
	}
	return nil, errors.New("no loopback interface")
}

// listening reports whether a socket of this network namespace listens on
// exactly addr (not on all addresses): from the kernel's socket diagnostics
// (sock_diag), else from /proc/net/tcp. The file walks every hash bucket of
// the connection table, whose size follows the machine's memory: 5-7 ms of
// the kernel's time on a 24 GiB machine with no connection at all; the
// diagnostics asked for listening sockets only read the listening table.
func listening(addr netip.AddrPort) (bool, error) {
	found, err := listeningDiag(addr)
	if err == nil {
		return found, nil
	}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false, err
	}
	return listensIn(b, addr), nil
}

// listeningDiag asks the kernel (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY)
// for the IPv4 TCP sockets in state LISTEN and reports whether one is
// bound to exactly addr.
func listeningDiag(addr netip.AddrPort) (bool, error) {
	if !addr.Addr().Is4() {
		return false, errors.New("sock_diag: an IPv4 address is needed")
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return false, fmt.Errorf("sock_diag socket: %w", err)
	}
	defer unix.Close(fd)
	// struct nlmsghdr, then struct inet_diag_req_v2 (family, protocol,
	// extensions, padding, states, and a socket id the dump ignores).
	const hdr, req = unix.SizeofNlMsghdr, 56
	msg := make([]byte, hdr+req)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(msg[8:], 1) // sequence number
	msg[hdr+0] = unix.AF_INET
	msg[hdr+1] = unix.IPPROTO_TCP
	const tcpListen = 10 // TCP_LISTEN, include/net/tcp_states.h
	ne.PutUint32(msg[hdr+4:], 1<<tcpListen)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return false, fmt.Errorf("sock_diag send: %w", err)
	}
	want := addr.Addr().As4()
	buf := make([]byte, 32<<10)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return false, fmt.Errorf("sock_diag receive: %w", err)
		}
		found, done, err := diagListens(buf[:n], want, addr.Port())
		if err != nil || found || done {
			return found, err
		}
	}
}

// diagListens reads one batch of sock_diag answers: whether an IPv4
// socket among them is bound to ip:port, and whether the dump is done.
func diagListens(b []byte, ip [4]byte, port uint16) (found, done bool, err error) {
	ne := binary.NativeEndian
	for len(b) >= unix.SizeofNlMsghdr {
		l := int(ne.Uint32(b[0:]))
		if l < unix.SizeofNlMsghdr || l > len(b) {
			return false, false, errors.New("sock_diag: truncated answer")
		}
		typ, body := ne.Uint16(b[4:]), b[unix.SizeofNlMsghdr:l]
		switch typ {
		case unix.NLMSG_DONE:
			return false, true, nil
		case unix.NLMSG_ERROR:
			if len(body) >= 4 {
				if errno := -int32(ne.Uint32(body)); errno != 0 {
					return false, true, fmt.Errorf("sock_diag: %w", unix.Errno(errno))
				}
			}
			return false, true, errors.New("sock_diag: error answer")
		case unix.SOCK_DIAG_BY_FAMILY:
			// struct inet_diag_msg: family, state, timer, retransmits,
			// then the socket id: source port and destination port (in
			// network order), source address, ...
			if len(body) >= 12 && body[0] == unix.AF_INET &&
				binary.BigEndian.Uint16(body[4:]) == port && [4]byte(body[8:12]) == ip {
				return true, false, nil
			}
		}
		b = b[(l+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1):]
	}
	return false, false, nil
}

// listensIn reports whether the /proc/net/tcp table b has a listening
// socket on addr (an IPv4 address).
func listensIn(b []byte, addr netip.AddrPort) bool {
	const listen = "0A" // TCP_LISTEN
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != listen {
			continue
		}
		host, port, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		h, herr := strconv.ParseUint(host, 16, 32)
		p, perr := strconv.ParseUint(port, 16, 16)
		if herr != nil || perr != nil || uint16(p) != addr.Port() {
			continue
		}
		// The kernel prints the address as a number in host byte order.
		var ip [4]byte
		binary.NativeEndian.PutUint32(ip[:], uint32(h))
		if netip.AddrFrom4(ip) == addr.Addr() {
			return true
		}
	}
	return false
}
