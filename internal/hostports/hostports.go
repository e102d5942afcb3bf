package hostports

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Default bounds of the dynamic host port range, when the kernel's cannot
// be read (the ECS agent's defaults).
const (
	DefaultFirst = 49153
	DefaultLast  = 65535
)

// ErrNoPorts: no run of that many free ports is left in the range.
var ErrNoPorts = errors.New("no contiguous free host ports")

// Available reports whether a port can be listened on for a protocol
// ("tcp" or "udp").
type Available func(port int, protocol string) bool

// Allocator hands out runs of free host ports in [First, Last]. It is safe
// for concurrent use.
type Allocator struct {
	first, last int
	available   Available

	mu   sync.Mutex
	next int // where the next search starts
}

// New returns an Allocator over [first, last] that checks ports with
// available (Listen when nil).
func New(first, last int, available Available) *Allocator {
	if available == nil {
		available = Listen
	}
	return &Allocator{first: first, last: last, available: available, next: first}
}

// Range returns the first port of n contiguous free ports for protocol,
// searching from just after the last run it handed out to the end of the
// range, then from its start. The error wraps ErrNoPorts.
func (a *Allocator) Range(n int, protocol string) (int, error) {
	if n < 1 {
		return 0, fmt.Errorf("hostports: %d ports asked for", n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, span := range [][2]int{{a.next, a.last}, {a.first, a.next - 1}} {
		if first, ok := a.search(n, protocol, span[0], span[1]); ok {
			a.next = first + n
			if a.next > a.last {
				a.next = a.first
			}
			return first, nil
		}
	}
	return 0, fmt.Errorf("hostports: %d %s ports in %d-%d: %w", n, protocol, a.first, a.last, ErrNoPorts)
}

// search finds n contiguous available ports in [lo, hi].
func (a *Allocator) search(n int, protocol string, lo, hi int) (int, bool) {
	run := 0
	for p := lo; p <= hi; p++ {
		if !a.available(p, protocol) {
			run = 0
			continue
		}
		run++
		if run == n {
			return p - n + 1, true
		}
	}
	return 0, false
}

// Listen reports whether port can be listened on, on every address, for
// protocol.
func Listen(port int, protocol string) bool {
	addr := ":" + strconv.Itoa(port)
	if protocol == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// KernelRange returns the kernel's ephemeral port range (Linux's
// /proc/sys/net/ipv4/ip_local_port_range), or the defaults when it cannot
// be read.
func KernelRange() (first, last int) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return DefaultFirst, DefaultLast
	}
	if first, last, ok := ParseRange(string(b)); ok {
		return first, last
	}
	return DefaultFirst, DefaultLast
}

// ParseRange reads two port numbers, first <= last, separated by white
// space or a dash ("32768\t60999", "8000-8010").
func ParseRange(s string) (first, last int, ok bool) {
	f := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == '-' || r == ' ' || r == '\t' })
	if len(f) != 2 {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(f[0])
	b, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
		return 0, 0, false
	}
	return a, b, true
}
