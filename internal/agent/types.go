package agent

import (
	"context"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// TaskSpec is what the agent needs to run (or re-adopt) a task.
type TaskSpec struct {
	ID      string
	ARN     string
	Cluster string
	// LaunchType is "EC2" or "FARGATE"; it sets AWS_EXECUTION_ENV.
	LaunchType string
	Definition *ecsmodel.TaskDefinition
	Overrides  *ecsmodel.TaskOverride
	// State is the last reported state when re-adopting; nil for a new task.
	State *taskstate.Task
	// Containers holds what was reported about each container, by name, when
	// re-adopting.
	Containers map[string]ContainerInfo
	// Resources, PullStartedAt and PullStoppedAt are what was reported
	// about the task, when re-adopting.
	Resources                    Resources
	PullStartedAt, PullStoppedAt time.Time
	// Env is the environment Options.Resources adds to each container, by
	// name; the agent sets it when it prepares the task.
	Env map[string]ContainerEnv
	// EC2InstanceID is the id of the container instance the task runs on
	// (FireLens adds it to log records on the EC2 launch type).
	EC2InstanceID string
	// GPUs are the ids of the GPUs placement assigned to the task; each
	// container gets as many as its GPU resourceRequirement asks for, in
	// container order.
	GPUs []string
}

// Resources are what the agent set up for a task besides its containers.
type Resources struct {
	// PauseID and PauseName name the pause container that holds the task's
	// shared namespaces (awsvpc network, pidMode or ipcMode "task").
	PauseID   string `json:"pauseId,omitempty"`
	PauseName string `json:"pauseName,omitempty"`
	// PrivateIPv4 and MACAddress are the task's own address (awsvpc).
	PrivateIPv4 string `json:"privateIPv4Address,omitempty"`
	MACAddress  string `json:"macAddress,omitempty"`
	// Cgroup is the task cgroup's name when the task's cpu and memory are
	// enforced by one parent cgroup, and CgroupParent its path.
	Cgroup       string `json:"cgroup,omitempty"`
	CgroupParent string `json:"cgroupParent,omitempty"`
	// Volumes maps each volume of the definition to its source: a runtime
	// volume name, or a host path for host volumes with a sourcePath.
	Volumes map[string]string `json:"volumes,omitempty"`
}

// ContainerInfo is what the agent knows about one container beyond its status.
type ContainerInfo struct {
	RuntimeID   string                    `json:"runtimeId,omitempty"`
	RuntimeName string                    `json:"runtimeName,omitempty"`
	ImageDigest string                    `json:"imageDigest,omitempty"`
	Bindings    []ecsmodel.NetworkBinding `json:"networkBindings,omitempty"`
	// LogGroup and LogStream name where the container's output goes.
	LogGroup  string `json:"logGroup,omitempty"`
	LogStream string `json:"logStream,omitempty"`
	// StartedAt is when the container started (zero while it has not).
	StartedAt time.Time `json:"startedAt,omitzero"`
}

// Report is a snapshot of a task sent to the control plane after every change.
type Report struct {
	TaskID string
	State  taskstate.Task
	// Containers holds what the agent knows about each container, by name;
	// the values are the report's own (nothing changes them).
	Containers    map[string]*ContainerInfo
	PullStartedAt time.Time
	PullStoppedAt time.Time
	Resources     Resources
}

// Reporter receives task reports. Report gets one or more successive
// snapshots of one task (the statuses one change made it pass), each to be
// shown as it comes, and has them stored promptly, in order; it may return
// before they are stored (a later snapshot of a task stands for the earlier
// ones). It must not keep steps (the slice: the reports are values). Sync
// returns once every report of the task received so far is stored. The
// agent calls both from the task's goroutine, in order, and syncs before it
// stops or removes a container or sets up or releases the task's resources
// (see runner.sync).
type Reporter interface {
	Report(ctx context.Context, steps ...Report)
	Sync(ctx context.Context, taskID string)
}

// LogEvent is one line of container output.
type LogEvent struct {
	Time    time.Time
	Message string
}

// LogSink stores container output. Append creates the group and stream when
// they do not exist, and stores mark, the agent's position in the
// container's output after these events (runtime.LogMark), with them in one
// transaction; Mark returns the mark stored last ("" when none), from which
// a restarted agent resumes without losing or repeating a line of either
// stream. LastEventTime returns the time of the newest stored event of a
// stream (zero when there is none) and how many stored events carry that
// same millisecond: the agent resumes from it only a stream stored without
// marks (by an older version).
type LogSink interface {
	Append(ctx context.Context, group, stream string, events []LogEvent, mark string) error
	Mark(ctx context.Context, group, stream string) (string, error)
	LastEventTime(ctx context.Context, group, stream string) (last time.Time, atLast int, err error)
}

// EFSMounter provides the host directory that stands in for an EFS volume
// (package efs): the directory to bind-mount and, when not empty, a
// warning for the log. Its errors say what is missing.
type EFSMounter interface {
	Mount(ctx context.Context, v *ecsmodel.EFSVolumeConfiguration) (dir, warning string, err error)
}
