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
	// ErrNameInUse: another container has (or a create still under way
	// has reserved) that name. Create returns it wrapped together with
	// ErrCreate; Registry.Add returns it alone.
	ErrNameInUse = errors.New("name already in use")
	// ErrStart: the runtime refused to start the container.
	ErrStart = errors.New("cannot start container")
	// ErrUnavailable: the runtime itself cannot be reached.
	ErrUnavailable = errors.New("runtime unavailable")
	// ErrVolume: a volume could not be created, found or removed.
	ErrVolume = errors.New("volume error")
	// ErrNoVolumeDriver: the volume driver (plugin) a volume asks for is
	// not installed.
	ErrNoVolumeDriver = errors.New("volume driver not installed")
	// ErrInUse: a volume is still used by a container.
	ErrInUse = errors.New("in use")
	// ErrNotSupported: the runtime cannot do this here (for example, create
	// a task cgroup on a remote engine).
	ErrNotSupported = errors.New("not supported by this runtime")
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

// RegistryAuth holds the credentials to pull an image with, from the
// registry the image names (the ECS agent's private registry
// authentication: repositoryCredentials).
type RegistryAuth struct {
	Username string
	Password string
}

// AuthPuller is implemented by runtimes that can pull an image with given
// registry credentials instead of their own.
type AuthPuller interface {
	// PullAuth is Pull with auth for the image's registry.
	PullAuth(ctx context.Context, image string, behavior PullBehavior, auth RegistryAuth) (PullResult, error)
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
	// DNSSearch are the DNS search domains (resolv.conf's search).
	DNSSearch []string
	// StopSignal overrides the image's stop signal ("" keeps it).
	StopSignal string
	// Links are legacy links to other containers, "runtimeName:alias".
	Links []string
	// VolumesFrom mounts the volumes of other containers, "runtimeName" or
	// "runtimeName:ro".
	VolumesFrom []string
	// HealthCheck replaces the image's health check when set.
	HealthCheck *HealthCheck
	// CgroupParent puts the container's cgroup under this parent (see
	// TaskCgroups).
	CgroupParent string
	// NanoCPUs is a hard CPU limit in billionths of a CPU (0: none).
	NanoCPUs int64
	// PidMode and IpcMode are "", "host", or "container:<id>"; IpcMode may
	// also be "none", "private" or "shareable".
	PidMode string
	IpcMode string
	// CapAdd and CapDrop adjust the Linux capabilities.
	CapAdd  []string
	CapDrop []string
	// Devices maps host devices: "hostPath:containerPath[:permissions]".
	Devices []string
	// Tmpfs mounts tmpfs file systems: container path -> mount options.
	Tmpfs map[string]string
	// ShmSizeBytes is the size of /dev/shm (0: runtime default).
	ShmSizeBytes int64
	// MemorySwapBytes is memory plus swap (-1: unlimited; 0: default);
	// Swappiness is 0..100, or nil for the default.
	MemorySwapBytes int64
	Swappiness      *int64
	// Sysctls sets namespaced kernel parameters.
	Sysctls map[string]string
	// SecurityOpt holds security options ("no-new-privileges", "label:...",
	// "apparmor:...", "seccomp:...").
	SecurityOpt []string
	// LogDriver and LogOptions choose the runtime's log driver ("": its
	// default). A runtime whose Logs cannot read the output of that driver
	// returns an error from Logs.
	LogDriver  string
	LogOptions map[string]string
	// OpenStdin keeps the container's standard input open (nothing is ever
	// written to it); Tty gives the container a terminal. A container with
	// a terminal has one output stream: Logs delivers it as stdout.
	OpenStdin bool
	Tty       bool
	// GPUs are the ids of the NVIDIA GPUs given to the container.
	GPUs []string
}

// HealthCheck is a container health check, run by the runtime.
type HealthCheck struct {
	// Test is the command: ["CMD", args...] or ["CMD-SHELL", "command"].
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	Retries     int
}

// Health statuses reported in State.Health.
const (
	HealthNone      = ""
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

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
	// Health is the health check's status (HealthNone without a check).
	Health string
	// IPAddress and MACAddress are the container's address on its network,
	// if it has its own.
	IPAddress  string
	MACAddress string
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

// VolumeSpec describes a named volume.
type VolumeSpec struct {
	Name       string
	Driver     string
	DriverOpts map[string]string
	Labels     map[string]string
}

// Volumes is implemented by runtimes that manage named volumes. Errors wrap
// ErrNotFound (no such volume), ErrNoVolumeDriver (CreateVolume with a
// driver that is not installed), ErrInUse (RemoveVolume of a volume still
// mounted) or ErrVolume.
type Volumes interface {
	// CreateVolume creates a volume (creating one that exists with the same
	// driver is not an error).
	CreateVolume(ctx context.Context, spec VolumeSpec) error
	// InspectVolume describes an existing volume.
	InspectVolume(ctx context.Context, name string) (VolumeSpec, error)
	// ListVolumes returns the volumes carrying every label in labels (an
	// empty value matches any value).
	ListVolumes(ctx context.Context, labels map[string]string) ([]VolumeSpec, error)
	// RemoveVolume deletes a volume.
	RemoveVolume(ctx context.Context, name string) error
}

// VolumeDrivers is implemented by runtimes whose volumes come from drivers
// (plugins): it lists the names of the installed volume drivers ("local",
// and plugins as name:tag).
type VolumeDrivers interface {
	VolumeDrivers(ctx context.Context) ([]string, error)
}

// Pauser is implemented by runtimes that can run a task's namespace holder:
// a container that does nothing, whose network (and pid, ipc) namespaces
// the task's other containers join with "container:<id>".
type Pauser interface {
	// PauseImage makes the pause image available and returns its reference.
	PauseImage(ctx context.Context) (string, error)
}

// TaskLimits are the cpu and memory limits of a whole task.
type TaskLimits struct {
	// NanoCPUs is the CPU limit in billionths of a CPU (0: none).
	NanoCPUs int64
	// MemoryBytes is the memory limit (0: none).
	MemoryBytes int64
}

// TaskCgroups is implemented by runtimes that can enforce a task's limits
// on all of its containers together, with one parent cgroup per task.
type TaskCgroups interface {
	// TaskCgroup creates (or finds) the parent cgroup named name with the
	// given limits and returns the value for ContainerSpec.CgroupParent. It
	// returns an error wrapping ErrNotSupported when this runtime cannot
	// enforce limits that way here.
	TaskCgroup(ctx context.Context, name string, limits TaskLimits) (string, error)
	// RemoveTaskCgroup deletes the parent cgroup once its containers ended.
	RemoveTaskCgroup(ctx context.Context, name string) error
}
