//go:build unix

package main

import (
	"os"
	"syscall"
)

// signals are the signals trap and ignore know by name.
var signals = map[string]os.Signal{
	"TERM": syscall.SIGTERM,
	"INT":  syscall.SIGINT,
	"HUP":  syscall.SIGHUP,
	"USR1": syscall.SIGUSR1,
	"USR2": syscall.SIGUSR2,
	"QUIT": syscall.SIGQUIT,
}
