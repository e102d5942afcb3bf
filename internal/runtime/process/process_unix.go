//go:build unix

package process

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// signalNames are the stop signals understood by name.
var signalNames = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "KILL": syscall.SIGKILL,
	"QUIT": syscall.SIGQUIT, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "WINCH": syscall.SIGWINCH,
}

// sysProcAttr puts the process in a process group of its own, run as user
// (see credential).
func sysProcAttr(user string) (*syscall.SysProcAttr, error) {
	cred, err := credential(user)
	if err != nil {
		return nil, err
	}
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}, nil
}

// credential resolves a user name or uid[:gid]; "" means the current user.
func credential(spec string) (*syscall.Credential, error) {
	if spec == "" {
		return nil, nil
	}
	name, group, hasGroup := strings.Cut(spec, ":")
	uid, err := strconv.ParseUint(name, 10, 32)
	gid := uint64(0)
	if err != nil {
		u, err := user.Lookup(name)
		if err != nil {
			return nil, fmt.Errorf("user %q: %w", spec, err)
		}
		uid, _ = strconv.ParseUint(u.Uid, 10, 32)
		gid, _ = strconv.ParseUint(u.Gid, 10, 32)
	}
	if hasGroup {
		if gid, err = strconv.ParseUint(group, 10, 32); err != nil {
			g, err := user.LookupGroup(group)
			if err != nil {
				return nil, fmt.Errorf("group %q: %w", group, err)
			}
			gid, _ = strconv.ParseUint(g.Gid, 10, 32)
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// signalGroup sends sig to p's process group.
func signalGroup(p *os.Process, sig syscall.Signal) { syscall.Kill(-p.Pid, sig) }

// killGroup kills p's process group.
func killGroup(p *os.Process) { syscall.Kill(-p.Pid, syscall.SIGKILL) }
