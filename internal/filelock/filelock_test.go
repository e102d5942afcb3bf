package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func open(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Two opens of one path exclude each other; closing the holder frees the
// lock.
func TestTryLockExcludesAnotherOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, b := open(t, path), open(t, path)
	if err := TryLock(a); err != nil {
		t.Fatalf("first TryLock: %v", err)
	}
	if err := TryLock(b); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock while the first holds it: %v; want ErrLocked", err)
	}
	a.Close()
	if err := TryLock(b); err != nil {
		t.Fatalf("TryLock after the holder closed: %v", err)
	}
}

// Lock waits for the holder to let go.
func TestLockWaitsForTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, b := open(t, path), open(t, path)
	if err := Lock(a); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- Lock(b) }()
	select {
	case err := <-got:
		t.Fatalf("Lock returned (%v) while another open file held the lock", err)
	case <-time.After(100 * time.Millisecond):
		// Still waiting, as it should: a positive check follows.
	}
	a.Close()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Lock after the holder closed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Lock still waits 10s after the holder closed")
	}
}
