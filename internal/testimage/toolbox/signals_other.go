//go:build !unix

package main

import (
	"os"
	"syscall"
)

// signals are the signals trap and ignore know by name; USR1 and USR2 exist
// on Unix only.
var signals = map[string]os.Signal{
	"TERM": syscall.SIGTERM,
	"INT":  syscall.SIGINT,
	"HUP":  syscall.SIGHUP,
	"QUIT": syscall.SIGQUIT,
}
