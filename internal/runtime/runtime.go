package runtime

import (
	"context"
	"errors"
	"time"
)

// Error kinds returned (wrapped) by every Runtime implementation. Callers test
// them with errors.Is.
var (
	// ErrNotFound: no container with that id or name exists.
	ErrNotFound = errors.New("container not found")
	// ErrImageNotFound: the image is not in the local cache and cannot be pulled.
	ErrImageNotFound = errors.New("image not found")
	// ErrPull: pulling the image failed (registry unreachable, denied, ...).
	ErrPull = errors.New("image pull failed")
	// ErrCreate: the runtime refused to create the container.
	ErrCreate = errors.New("cannot create container")
	// ErrStart: the runtime refused to start the container.
	ErrStart = errors.New("cannot start container")
	// ErrUnavailable: the runtime itself cannot be reached.
	ErrUnavailable = errors.New("runtime unavailable")
)

// PullBehavior says when images are pulled, like the ECS agent's
// ECS_IMAGE_PULL_BEHAVIOR.
type PullBehavior string

// Pull behaviours.
const (
	// PullDefault pulls, and falls back to a cached image when the pull fails.
	PullDefault PullBehavior = "default"
	// PullAlways pulls and fails when the pull fails.
	PullAlways PullBehavior = "always"
	// PullOnce pulls only when the image is not cached.
	PullOnce PullBehavior = "once"
	// PullPreferCached uses a cached image when there is one, else pulls.
	PullPreferCached PullBehavior = "prefer-cached"
)

// PullResult describes the image a container will run.
type PullResult struct {
	// ImageID is the runtime's id of the image (sha256:...), if known.
	ImageID string
	// Digest is the repository digest (sha256:...), if known.
	Digest string
	// Cached is true when a cached image was used instead of a fresh pull.
	Cached bool
}

// Ulimit is one resource limit.
type Ulimit struct {
	Name string
	Soft int64
	Hard int64
}

// PortBinding maps a container port to a host port. HostPort 0 asks the
// runtime for a dynamic port.
type PortBinding struct {
	ContainerPort int
	HostPort      int
	Protocol      string // "tcp" or "udp"
	HostIP        string // "" means all addresses
}

// Mount binds a host path or a named volume into the container.
type Mount struct {
	// Source is a host path (Volume false) or a runtime volume name (Volume true).
	Source   string
	Target   string
	ReadOnly bool
	Volume   bool
}

// ContainerSpec is everything needed to create one container of a task.
type ContainerSpec struct {
	// Name is the runtime name, unique on the host.
	Name       string
	Image      string
	EntryPoint []string
	Command    []string
	// Env holds KEY=VALUE pairs.
	Env        []string
	WorkingDir string
	User       string
	Hostname   string
	Labels     map[string]string
	// MemoryBytes is the hard limit (0: none); MemoryReservationBytes the soft one.
	MemoryBytes            int64
	MemoryReservationBytes int64
	// CPUShares is the relative CPU weight (0: runtime default).
	CPUShares      int64
	Ulimits        []Ulimit
	ReadonlyRootfs bool
	Privileged     bool
	Init           bool
	// NetworkMode is "bridge", "host", "none", or "container:<id>".
	NetworkMode  string
	PortBindings []PortBinding
	Mounts       []Mount
	ExtraHosts   []string
	DNSServers   []string
	// StopSignal overrides the image's stop signal ("" keeps it).
	StopSignal string
}

// ExitStatus is how a container ended.
type ExitStatus struct {
	ExitCode  int
	OOMKilled bool
	// Error is the runtime's own error text, if it recorded one.
	Error      string
	FinishedAt time.Time
}

// State is what Inspect reports about a container.
type State struct {
	ID      string
	Name    string
	Image   string
	ImageID string
	Labels  map[string]string
	// Running is true while the container's process runs.
	Running bool
	// Exited is true once it has run and stopped.
	Exited     bool
	ExitCode   int
	OOMKilled  bool
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
	// Ports lists the bindings actually made, with dynamic host ports resolved.
	Ports []PortBinding
}

// Stream names which output stream a log line came from.
type Stream string

// Output streams.
const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
)

// LogLine is one line of container output, without its trailing newline.
type LogLine struct {
	Stream Stream
	Time   time.Time
	Text   string
}

// LogOptions selects which output Logs delivers.
type LogOptions struct {
	// Since skips lines written before this time (zero: from the start).
	Since time.Time
	// Follow keeps delivering until the container has stopped and all of its
	// output has been delivered.
	Follow bool
}

// Runtime runs containers on one host. Every method may be called from many
// goroutines at once. Errors wrap the kinds above.
type Runtime interface {
	// Name identifies the runtime ("docker", "process", "fake").
	Name() string
	// Pull makes image available according to behavior.
	Pull(ctx context.Context, image string, behavior PullBehavior) (PullResult, error)
	// Create creates a container and returns its id.
	Create(ctx context.Context, spec ContainerSpec) (string, error)
	// Start starts a created container.
	Start(ctx context.Context, id string) error
	// Wait blocks until the container has stopped and returns how it ended.
	// It returns at once for a container that already stopped.
	Wait(ctx context.Context, id string) (ExitStatus, error)
	// Stop sends the stop signal, then SIGKILL after timeout. Stopping a
	// container that is not running is not an error.
	Stop(ctx context.Context, id string, timeout time.Duration) error
	// Logs calls fn for each output line in order. With Follow it returns
	// only after the container stopped and every line was delivered, or ctx ended.
	Logs(ctx context.Context, id string, opts LogOptions, fn func(LogLine)) error
	// Inspect reports a container's state.
	Inspect(ctx context.Context, id string) (State, error)
	// List returns the containers carrying every label in labels; an empty
	// value matches any value of that label.
	List(ctx context.Context, labels map[string]string) ([]State, error)
	// Remove deletes a stopped container (forcefully if it still runs).
	Remove(ctx context.Context, id string) error
}
