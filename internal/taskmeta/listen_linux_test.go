package taskmeta

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestListensIn(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52 1 0000000033ee63a1 100 0 0 10 0
   1: 02AAFEA9:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 10655 2 00000000a2a157cc 100 0 0 10 0
   2: 02AAFEA9:0050 0100007F:A4DD 01 00000000:00000000 00:00000000 00000000     0        0 10653 2 00000000798283c3 100 0 0 10 0
`
	for _, tc := range []struct {
		table, addr string
		want        bool
	}{
		{table, "169.254.170.2:80", false}, // all addresses, another port, a connection
		{table, "169.254.170.2:8080", true},
		{table, "0.0.0.0:80", true},
		{table + "   3: 02AAFEA9:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n", "169.254.170.2:80", true},
		{"", "169.254.170.2:80", false},
	} {
		if got := listensIn([]byte(tc.table), netip.MustParseAddrPort(tc.addr)); got != tc.want {
			t.Errorf("listensIn(%s) = %v; want %v (table %q)", tc.addr, got, tc.want, tc.table)
		}
	}
}

func TestListenInodes(t *testing.T) {
	const v4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52 1 0000000033ee63a1 100 0 0 10 0
   1: 02AAFEA9:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 10655 2 00000000a2a157cc 100 0 0 10 0
   2: 02AAFEA9:1F91 0100007F:A4DD 01 00000000:00000000 00:00000000 00000000     0        0 10653 2 00000000798283c3 100 0 0 10 0
`
	const v6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0 100 0 0 10 0
   1: 0000000000000000FFFF000002AAFEA9:1F93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 78 1 0 100 0 0 10 0
`
	for _, tc := range []struct {
		table, addr, want string
	}{
		{v4, "169.254.170.2:80", "52"}, // every address, port 80
		{v4, "169.254.170.2:8080", "10655"},
		{v4, "169.254.170.2:8081", ""}, // a connection, not a listener
		{v4, "127.0.0.1:8080", ""},
		{v6, "169.254.170.2:8082", "77"}, // [::]:8082
		{v6, "169.254.170.2:8083", "78"}, // v4-mapped
	} {
		got := listenInodes([]byte(tc.table), netip.MustParseAddrPort(tc.addr))
		if strings.Join(got, ",") != tc.want {
			t.Errorf("listenInodes(%s) = %v; want %q", tc.addr, got, tc.want)
		}
	}
}

// TestListeningDiag: the kernel's socket diagnostics see a listening socket
// by its exact address, not a connection on it, and agree with
// /proc/net/tcp.
func TestListeningDiag(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	at := netip.MustParseAddrPort(ln.Addr().String())
	conn, err := net.Dial("tcp4", at.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := netip.MustParseAddrPort(conn.LocalAddr().String())
	proc, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listeningDiag(at); errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPROTONOSUPPORT) {
		t.Skipf("no socket diagnostics here (listening falls back to /proc/net/tcp): %v", err)
	}
	for _, tc := range []struct {
		addr netip.AddrPort
		want bool
	}{
		{at, true},
		{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), at.Port()), false}, // another address
		{client, false}, // a connection, not a listening socket
	} {
		got, err := listeningDiag(tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("listeningDiag(%s) = %v; want %v", tc.addr, got, tc.want)
		}
		if fromProc := listensIn(proc, tc.addr); fromProc != got {
			t.Errorf("listeningDiag(%s) = %v; /proc/net/tcp says %v", tc.addr, got, fromProc)
		}
	}
	ln.Close()
	if got, err := listeningDiag(at); err != nil || got {
		t.Errorf("after Close: listeningDiag(%s) = %v, %v; want false", at, got, err)
	}
}

// diagMessage is one netlink message of type typ holding body.
func diagMessage(typ uint16, body []byte) []byte {
	m := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body)+unix.NLMSG_ALIGNTO)
	binary.NativeEndian.PutUint32(m[0:], uint32(unix.SizeofNlMsghdr+len(body)))
	binary.NativeEndian.PutUint16(m[4:], typ)
	m = append(m, body...)
	for len(m)%unix.NLMSG_ALIGNTO != 0 {
		m = append(m, 0)
	}
	return m
}

// socketMsg is an inet_diag_msg of an IPv4 socket bound to ip:port.
func socketMsg(ip [4]byte, port uint16) []byte {
	b := make([]byte, 72)
	b[0], b[1] = unix.AF_INET, 10
	binary.BigEndian.PutUint16(b[4:], port)
	copy(b[8:], ip[:])
	return diagMessage(unix.SOCK_DIAG_BY_FAMILY, b)
}

func TestDiagListens(t *testing.T) {
	lo, other := [4]byte{127, 0, 0, 1}, [4]byte{169, 254, 170, 2}
	errno := make([]byte, 4)
	minusEPERM := -int32(unix.EPERM)
	binary.NativeEndian.PutUint32(errno, uint32(minusEPERM))
	for _, tc := range []struct {
		name              string
		batch             []byte
		found, done, fail bool
	}{
		{"the socket", append(socketMsg(other, 80), socketMsg(lo, 80)...), true, false, false},
		{"another address", socketMsg(other, 80), false, false, false},
		{"another port", socketMsg(lo, 8080), false, false, false},
		{"the end of the dump", append(socketMsg(other, 80), diagMessage(unix.NLMSG_DONE, make([]byte, 4))...), false, true, false},
		{"an error", diagMessage(unix.NLMSG_ERROR, errno), false, true, true},
		{"a message longer than the batch", socketMsg(lo, 80)[:40], false, false, true},
		{"less than a header", []byte{1, 2, 3}, false, false, false},
	} {
		found, done, err := diagListens(tc.batch, lo, 80)
		if found != tc.found || done != tc.done || (err != nil) != tc.fail {
			t.Errorf("%s: found %v, done %v, err %v; want %v, %v, error %v", tc.name, found, done, err, tc.found, tc.done, tc.fail)
		}
	}
}
