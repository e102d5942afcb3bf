//go:build linux

package taskmeta

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PortHolder names the process that listens on addr ("name (pid N)"), as
// far as /proc shows it to this user; "" when it cannot tell.
func PortHolder(addr netip.AddrPort) string {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, ino := range listenInodes(b, addr) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return ""
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range procs {
		link, err := os.Readlink(fd)
		if err != nil || !strings.HasPrefix(link, "socket:[") {
			continue
		}
		if !inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
			continue
		}
		pid := strings.Split(fd, "/")[2]
		comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm"))
		name := strings.TrimSpace(string(comm))
		if name == "" {
			name = "a process"
		}
		return fmt.Sprintf("%s (pid %s)", name, pid)
	}
	return "a process this user cannot see (another user's; `sudo ss -ltnp` names it)"
}

// listenInodes returns the socket inodes of the /proc/net/tcp or tcp6
// table b that listen on addr, or on the same port of every address.
func listenInodes(b []byte, addr netip.AddrPort) []string {
	const listen = "0A" // TCP_LISTEN
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != listen {
			continue
		}
		host, port, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(port, 16, 16)
		if err != nil || uint16(p) != addr.Port() {
			continue
		}
		if strings.Trim(host, "0") == "" || procAddr(host) == addr.Addr() {
			out = append(out, f[9])
		}
	}
	return out
}

// procAddr decodes an address of /proc/net/tcp or tcp6: 32-bit words in
// host byte order, an IPv4-mapped IPv6 address unmapped.
func procAddr(hex string) netip.Addr {
	if len(hex) != 8 && len(hex) != 32 {
		return netip.Addr{}
	}
	ip := make([]byte, 0, 16)
	for i := 0; i < len(hex); i += 8 {
		w, err := strconv.ParseUint(hex[i:i+8], 16, 32)
		if err != nil {
			return netip.Addr{}
		}
		ip = binary.NativeEndian.AppendUint32(ip, uint32(w))
	}
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}
