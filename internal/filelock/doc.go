// Package filelock takes exclusive advisory locks on open files, the same
// way on every system ecsrun builds for: flock(2) on Linux, macOS and the
// BSDs, LockFileEx on Windows (the whole file, exclusive).
//
// The lock belongs to the open file: closing the file (or the process
// ending) releases it. Two opens of the same path exclude each other, in
// one process as across processes. On the systems without either call
// (Solaris, AIX, Plan 9, js/wasm...) Lock and TryLock answer an error
// wrapping errors.ErrUnsupported, so whatever needs the lock refuses to run
// rather than run unprotected.
package filelock
