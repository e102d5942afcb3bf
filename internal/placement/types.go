package placement

import (
	"errors"
	"time"
)

// Error kinds. Functions wrap them with details; test with errors.Is and
// translate them to ECS error types only at the API edge.
var (
	// ErrInvalid: the request or instance is malformed (ECS
	// InvalidParameterException / ClientException).
	ErrInvalid = errors.New("placement: invalid")
	// ErrNotFound: no such container instance or task.
	ErrNotFound = errors.New("placement: not found")
	// ErrExists: the container instance or task is already known.
	ErrExists = errors.New("placement: already exists")
	// ErrNoInstances: the cluster has no container instances at all (ECS
	// answers "No Container Instances were found in your cluster.").
	ErrNoInstances = errors.New("placement: no container instances were found in your cluster")
)

// Limits from the ECS API.
const (
	// MaxConstraints is the most placement constraints a task may have,
	// counting the task definition's and the request's together.
	MaxConstraints = 10
	// MaxStrategies is the most placement strategies a request may have.
	MaxStrategies = 5
)

// Status is a container instance's status as far as placement cares.
type Status string

// Container instance statuses. Only ACTIVE instances take new tasks.
const (
	StatusActive   Status = "ACTIVE"
	StatusDraining Status = "DRAINING"
)

// Instance is a container instance as placement sees it: identity,
// attributes, what is left of its resources and which tasks run on it.
type Instance struct {
	// ARN is the container instance ARN; it identifies the instance.
	ARN string
	// EC2InstanceID is the EC2 instance id (ec2InstanceId in queries).
	EC2InstanceID string
	// Status is ACTIVE or DRAINING ("" means ACTIVE).
	Status Status
	// AgentConnected reports whether the agent is connected; instances
	// without a connected agent take no tasks (reason AGENT).
	AgentConnected bool
	// AgentVersion is the agent's version (agentVersion in queries).
	AgentVersion string
	// RegisteredAt is when the instance registered (registeredAt).
	RegisteredAt time.Time
	// Attributes holds built-in and custom attributes; an attribute set
	// without a value maps to "".
	Attributes map[string]string
	// Free is what is left for new tasks: ECS's remainingResources.
	Free Free
	// TaskGroups counts the tasks on the instance per task group.
	TaskGroups map[string]int
	// RunningTasks counts the tasks on the instance whose last status is
	// RUNNING: ECS's runningTasksCount, in DescribeContainerInstances and
	// in the query language. Tasks still PENDING count in TaskGroups only.
	// A State counts a task here from MarkRunning on, not from its
	// placement.
	RunningTasks int
}

// Free is what a container instance has left.
type Free struct {
	// CPU is in CPU units (1024 per vCPU).
	CPU int64
	// Memory is in MiB.
	Memory int64
	// TCPPorts and UDPPorts are the host ports already reserved (ECS's
	// PORTS and PORTS_UDP remaining resources list the ports in use).
	TCPPorts, UDPPorts []uint16
	// GPUs are the ids of the GPUs not assigned to a task.
	GPUs []string
}

// Need is what one task asks of an instance.
type Need struct {
	// CPU in CPU units and Memory in MiB (task level or the sum of the
	// containers' reservations, as the task definition says).
	CPU, Memory int64
	// TCPPorts and UDPPorts are the static host ports of the task's port
	// mappings (dynamic host ports, hostPort 0, are not listed).
	TCPPorts, UDPPorts []uint16
	// GPUs is the number of GPUs.
	GPUs int
}

// Attribute is an attribute a task definition requires
// (requiresAttributes): Value "" accepts any value.
type Attribute struct {
	Name, Value string
}

// ConstraintType is a placement constraint type, spelled as on the wire.
type ConstraintType string

// Placement constraint types.
const (
	DistinctInstance ConstraintType = "distinctInstance"
	MemberOf         ConstraintType = "memberOf"
)

// Constraint is a placement constraint: binding.
type Constraint struct {
	Type ConstraintType
	// Expression is a cluster query language expression (memberOf only).
	Expression string
}

// StrategyType is a placement strategy type, spelled as on the wire.
type StrategyType string

// Placement strategy types.
const (
	Spread  StrategyType = "spread"
	Binpack StrategyType = "binpack"
	Random  StrategyType = "random"
)

// Strategy is a placement strategy: best effort, applied in order.
type Strategy struct {
	Type StrategyType
	// Field is instanceId, host or attribute:<name> for spread; cpu or
	// memory for binpack; unused for random.
	Field string
}

// Request asks for Count identical tasks of one task group.
type Request struct {
	// Group is the task group (RunTask's group, by default
	// "family:<family>"); spread and distinctInstance count per group.
	Group string
	// Count is the number of tasks (the API allows 1 to 10 per RunTask;
	// the core takes any positive number).
	Count int
	// Need is what each task needs.
	Need Need
	// RequiredAttributes come from the task definition's
	// requiresAttributes; an instance lacking one is rejected (ATTRIBUTE).
	RequiredAttributes []Attribute
	// Constraints are the task definition's and the request's together.
	Constraints []Constraint
	// Strategies apply in order, each later one breaking the ties of the
	// earlier ones; with none, ties go to the instance registered first.
	// (ECS uses random for RunTask when none is given: the API layer
	// passes it explicitly.)
	Strategies []Strategy
	// Seed drives the random strategy, so that plans are reproducible.
	Seed uint64
	// TaskIDs optionally names the tasks (len Count); State records
	// allocations under these ids so that Release can free them. When nil,
	// State names them "task-<n>".
	TaskIDs []string
}

// Reason is why a task could not be placed, as in RunTask's
// failures[].reason.
type Reason string

// Failure reasons, from the least to the most relevant (see Failure).
const (
	// ReasonDraining: only DRAINING instances remain (ECS documents no
	// reason for this; ecsrun's own).
	ReasonDraining Reason = "DRAINING"
	// ReasonAgent: the instance's agent is disconnected.
	ReasonAgent Reason = "AGENT"
	// ReasonAttribute: a required attribute is missing.
	ReasonAttribute Reason = "ATTRIBUTE"
	// ReasonCPU, ReasonMemory, ReasonPorts, ReasonGPU: not enough of the
	// resource left.
	ReasonCPU    Reason = "RESOURCE:CPU"
	ReasonMemory Reason = "RESOURCE:MEMORY"
	ReasonPorts  Reason = "RESOURCE:PORTS"
	ReasonGPU    Reason = "RESOURCE:GPU"
	// ReasonMemberOf: a memberOf expression excludes the instance.
	ReasonMemberOf Reason = "MemberOf placement constraint unsatisfied."
	// ReasonDistinctInstance: a task of the group already runs there.
	ReasonDistinctInstance Reason = "DistinctInstance placement constraint unsatisfied."
)

// Pipeline stages, in the order an instance is checked; the deepest stage
// reached decides a failure's reason.
const (
	stageDraining = iota
	stageAgent
	stageAttribute
	stageCPU
	stageMemory
	stagePorts
	stageGPU
	stageMemberOf
	stageDistinct
	stagePass
	numStages
)

// stageReason returns the failure reason of a stage.
func stageReason(stage int) Reason {
	switch stage {
	case stageDraining:
		return ReasonDraining
	case stageAgent:
		return ReasonAgent
	case stageAttribute:
		return ReasonAttribute
	case stageCPU:
		return ReasonCPU
	case stageMemory:
		return ReasonMemory
	case stagePorts:
		return ReasonPorts
	case stageGPU:
		return ReasonGPU
	case stageMemberOf:
		return ReasonMemberOf
	case stageDistinct:
		return ReasonDistinctInstance
	}
	return ""
}

// Placement puts one task on one instance.
type Placement struct {
	// TaskIndex is the task's index in the request, 0 to Count-1.
	TaskIndex int
	// TaskID is the task's id once committed by State (empty in a Plan
	// unless the request named its tasks).
	TaskID string
	// InstanceARN is the chosen container instance.
	InstanceARN string
	// GPUIDs are the GPUs assigned to the task.
	GPUIDs []string
}

// Failure reports a task that could not be placed, shaped like RunTask's
// failures[]: ARN is a container instance ARN.
//
// Every instance is rejected at the first pipeline stage it fails:
// status, agent, required attributes, CPU, memory, ports, GPU, memberOf,
// distinctInstance. When instances fail at different stages the failure
// reports the deepest stage any instance reached (the obstacle nearest to
// success: relaxing it would let that instance take the task), with the
// ARN of the first such instance in registration order. Detail counts the
// instances per reason.
type Failure struct {
	TaskIndex int
	ARN       string
	Reason    Reason
	Detail    string
}

// Result is what committing a plan produced.
type Result struct {
	// Placements are the committed placements, by TaskIndex.
	Placements []Placement
	// Failures are the tasks that could not be placed, by TaskIndex.
	Failures []Failure
	// Replanned counts tasks whose planned placement conflicted with
	// commits made since the snapshot and were placed again.
	Replanned int
}
