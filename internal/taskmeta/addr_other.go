//go:build !linux

package taskmeta

import (
	"errors"
	"net/netip"
)

// addLoopbackAddress is supported on Linux only.
func addLoopbackAddress(addr netip.Addr) error {
	return errors.New("adding " + addr.String() + " to the loopback interface is supported on Linux only")
}

// listening is known on Linux only.
func listening(addr netip.AddrPort) (bool, error) {
	return false, errors.New("listening sockets are known on Linux only")
}

// PortHolder names the process that listens on addr on Linux only.
func PortHolder(addr netip.AddrPort) string { return "" }
