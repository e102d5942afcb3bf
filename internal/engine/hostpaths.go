package engine

import (
	"os"

	"github.com/ecsrun/ecsrun/internal/hostmounts"
)

// hostPathPolicy is what tasks of the engine may bind-mount: not "/", not
// the state directory (nor a path inside or containing it), not the Docker
// sockets (the usual ones and the one DOCKER_HOST names), unless the serve
// configuration allows it (allowHostPaths).
func hostPathPolicy(opts *Options) *hostmounts.Policy {
	protected := []hostmounts.Protected{hostmounts.Root, hostmounts.StateDir(agentDataDir(opts.StateDir))}
	sockets := hostmounts.DockerSockets
	if s := hostmounts.DockerHostSocket(os.Getenv("DOCKER_HOST")); s != "" {
		sockets = append(sockets[:len(sockets):len(sockets)], s)
	}
	for _, s := range sockets {
		protected = append(protected, hostmounts.Socket(s))
	}
	var allowed []string
	if opts.Config != nil {
		allowed = opts.Config.AllowHostPaths
	}
	return hostmounts.NewPolicy(protected, allowed)
}
