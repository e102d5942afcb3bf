package filelock

import (
	"errors"
	"os"
)

// ErrLocked is what TryLock answers when another open file holds the lock.
var ErrLocked = errors.New("file is locked by another open file")

// Lock takes f's exclusive lock, waiting while another open file holds it.
func Lock(f *os.File) error { return lock(f, true) }

// TryLock takes f's exclusive lock without waiting: it answers ErrLocked
// when another open file holds it.
func TryLock(f *os.File) error { return lock(f, false) }
