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
