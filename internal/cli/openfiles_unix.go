//go:build !windows

package cli

import "syscall"

// openFileLimit returns the number of files the process may open (0 when
// unknown), which bounds the connections serve holds.
func openFileLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	return l.Cur
}
