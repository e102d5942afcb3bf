package runtime

import (
	"context"
	"time"
)

// Details is what a runtime can tell about a container beyond State: what
// the task metadata endpoint reports, and the addresses the credentials
// endpoint checks its callers against.
type Details struct {
	CreatedAt time.Time
	// NetworkMode is the container's network mode as the runtime names it:
	// "bridge", "host", "none", "container:<id>", or a network's name.
	NetworkMode string
	// Networks lists the container's addresses. A container that shares the
	// network namespace of another reports that container's.
	Networks []NetworkAddress
}

// NetworkAddress is a container's address on one network.
type NetworkAddress struct {
	// Network is the runtime's name of the network ("bridge", ...).
	Network   string
	IPv4      string
	PrefixLen int
	Gateway   string
	MAC       string
}

// Describer is implemented by runtimes that can describe containers in
// detail (the Docker runtime). Errors wrap ErrNotFound and the other kinds.
type Describer interface {
	// Details describes a container.
	Details(ctx context.Context, id string) (Details, error)
	// Stats returns one sample of the container's resource usage as the
	// runtime's JSON (Docker's ContainerStats document).
	Stats(ctx context.Context, id string) ([]byte, error)
}
