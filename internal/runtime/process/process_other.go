//go:build !unix

package process

import (
	"fmt"
	"os"
	"syscall"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// signalNames are the stop signals understood by name. None can be sent
// here (see signalGroup); they are read so that the same task definitions
// are accepted everywhere.
var signalNames = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "KILL": syscall.SIGKILL,
	"QUIT": syscall.SIGQUIT,
}

// sysProcAttr answers runtime.ErrNotSupported for any user: switching users
// is implemented on Unix only. Processes get no group of their own.
func sysProcAttr(user string) (*syscall.SysProcAttr, error) {
	if user != "" {
		return nil, fmt.Errorf("user %q: running as another user is implemented on Unix only: %w", user, runtime.ErrNotSupported)
	}
	return nil, nil
}

// signalGroup cannot deliver a signal on this system, so it ends the
// process at once (as the SIGKILL after the stop timeout would).
func signalGroup(p *os.Process, sig syscall.Signal) { p.Kill() }

// killGroup kills the main process; its descendants are left running.
func killGroup(p *os.Process) { p.Kill() }
