package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ecsrun/ecsrun/internal/filelock"
)

// ErrLocked is returned by Open when another process holds the state
// directory.
var ErrLocked = errors.New("state directory is in use by another ecsrun process")

const (
	lockFile  = "lock"
	serveFile = "serve.json"
)

// lock takes the state directory's exclusive lock without waiting.
func lock(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("engine: create state directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("engine: open lock: %w", err)
	}
	if err := filelock.TryLock(f); err != nil {
		f.Close()
		if errors.Is(err, filelock.ErrLocked) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("engine: lock state directory: %w", err)
	}
	return f, nil
}

// ServeInfo is what `ecsrun serve` records in the state directory.
type ServeInfo struct {
	Endpoint string `json:"endpoint"`
	PID      int    `json:"pid"`
	// TaskRoles is the daemon's task roles file, so that commands using
	// the daemon can say when a task role has no local credentials.
	TaskRoles string `json:"taskRoles,omitempty"`
}

// WriteServeInfo records a running daemon's endpoint.
func WriteServeInfo(dir string, info ServeInfo) error {
	b, _ := json.Marshal(info)
	tmp := filepath.Join(dir, serveFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("engine: write %s: %w", serveFile, err)
	}
	return os.Rename(tmp, filepath.Join(dir, serveFile))
}

// RemoveServeInfo deletes the daemon record.
func RemoveServeInfo(dir string) { os.Remove(filepath.Join(dir, serveFile)) }

// Discover returns the endpoint of the `ecsrun serve` daemon holding dir, if
// one does. A record left by a daemon that died is ignored.
func Discover(dir string) (ServeInfo, bool) {
	b, err := os.ReadFile(filepath.Join(dir, serveFile))
	if err != nil {
		return ServeInfo{}, false
	}
	var info ServeInfo
	if json.Unmarshal(b, &info) != nil || info.Endpoint == "" {
		return ServeInfo{}, false
	}
	// If the lock can be taken, nobody serves this directory any more.
	if f, err := lock(dir); err == nil {
		f.Close()
		return ServeInfo{}, false
	}
	return info, true
}
