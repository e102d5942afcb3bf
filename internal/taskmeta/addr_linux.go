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
// exactly addr (not on all addresses), as /proc/net/tcp shows.
func listening(addr netip.AddrPort) (bool, error) {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false, err
	}
	return listensIn(b, addr), nil
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
