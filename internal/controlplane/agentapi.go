package controlplane

import (
	"context"
	"slices"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// The operations ECS keeps for its container agent. ecsrun's agent is
// built into the engine and reports to the control plane directly; these
// answer an agent (or a tool) speaking the API, with ECS's validation.

// Acknowledgment is what ECS answers an agent's state change with.
const Acknowledgment = "ACK"

// DiscoverPollEndpoint checks the cluster and container instance an agent
// asks for; the API layer fills in the endpoints (the engine's own).
func (cp *ControlPlane) DiscoverPollEndpoint(ctx context.Context, in *ecsmodel.DiscoverPollEndpointRequest) (*ecsmodel.DiscoverPollEndpointResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if in.Cluster == "" && in.ContainerInstance == "" {
		return &ecsmodel.DiscoverPollEndpointResponse{}, nil
	}
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, ecs.Errorf(ecs.ErrClient, "Cluster %s not found.", in.Cluster)
	}
	if in.ContainerInstance != "" {
		if r := cp.instance(c, in.ContainerInstance); r == nil || r.Status == instanceInactive {
			return nil, ecs.Errorf(ecs.ErrClient, "Container instance %s is not registered in cluster %s.", in.ContainerInstance, c.Name)
		}
	}
	return &ecsmodel.DiscoverPollEndpointResponse{}, nil
}

// UpdateContainerAgent answers as ECS does for an agent that cannot be
// updated through the API: ecsrun's agent is part of the engine.
func (cp *ControlPlane) UpdateContainerAgent(ctx context.Context, in *ecsmodel.UpdateContainerAgentRequest) (*ecsmodel.UpdateContainerAgentResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	r := cp.instance(c, in.ContainerInstance)
	if r == nil || r.Status == instanceInactive {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Container instance %s is not registered in cluster %s.", in.ContainerInstance, c.Name)
	}
	if r.VersionInfo.AgentVersion == "" {
		return nil, ecs.Errorf(ecs.ErrMissingVersion, "Amazon ECS can't determine the version of the container agent on container instance %s (it registered no versionInfo), so it cannot update it. On ecsrun every task runs on the agent built into the engine: update ecsrun itself.", r.ARN)
	}
	return nil, ecs.Errorf(ecs.ErrNoUpdateAvailable, "There is no update available for the container agent on container instance %s (agent %s): ecsrun's agent is built into the engine; update ecsrun itself to update it.", r.ARN, r.VersionInfo.AgentVersion)
}

// agentTask returns the task an agent reports on: it must be in the
// cluster and on one of its container instances (tasks on the host's own
// capacity have no instance whose agent could speak for them). Callers
// hold cp.mu.
func (cp *ControlPlane) agentTask(cluster, ref string) (*taskRecord, error) {
	c, err := cp.cluster(cluster)
	if err != nil {
		return nil, err
	}
	t := cp.tasks.Get(ecs.ResourceName(ref))
	if t == nil || t.Cluster != c.Name || (len(ref) > 4 && ref[:4] == "arn:" && ref != t.ARN) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The referenced task was not found.")
	}
	if t.ContainerInstance == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Task %s runs on the cluster's own capacity, not on a container instance: no agent reports its state but ecsrun's own.", t.ARN)
	}
	return t, nil
}

// containerChange is one container's reported state.
type containerChange struct {
	name, status, reason, runtimeID string
	exitCode                        *int32
	bindings                        []ecsmodel.NetworkBinding
}

// applyChanges checks the changes reported for t and returns t's state
// and containers with them applied. Callers hold cp.mu.
func (cp *ControlPlane) applyChanges(t *taskRecord, changes []containerChange) (agent.Report, error) {
	r := agent.Report{TaskID: t.ID, State: t.State, Containers: map[string]*agent.ContainerInfo{}, Resources: t.Resources}
	if t.PullStartedAt != nil {
		r.PullStartedAt = t.PullStartedAt.Time
	}
	if t.PullStoppedAt != nil {
		r.PullStoppedAt = t.PullStoppedAt.Time
	}
	for n, ci := range t.Containers {
		if ci != nil {
			cc := *ci
			r.Containers[n] = &cc
		}
	}
	now := cp.now()
	for _, ch := range changes {
		if !slices.ContainsFunc(t.State.Containers, func(c taskstate.Container) bool { return c.Name == ch.name }) {
			return agent.Report{}, ecs.Errorf(ecs.ErrInvalidParameter, "Container %s is not a container of task %s.", ch.name, t.ARN)
		}
		info := r.Containers[ch.name]
		if info == nil {
			info = &agent.ContainerInfo{}
			r.Containers[ch.name] = info
		}
		if ch.runtimeID != "" {
			info.RuntimeID = ch.runtimeID
		}
		if ch.bindings != nil {
			info.Bindings = ch.bindings
		}
		switch ch.status {
		case "", "PENDING":
		case "RUNNING":
			r.State = r.State.ContainerStarted(ch.name)
		case "STOPPED":
			var code *int
			if ch.exitCode != nil {
				c := int(*ch.exitCode)
				code = &c
			}
			r.State = r.State.ContainerStopped(ch.name, code, ch.reason, now)
		default:
			return agent.Report{}, ecs.Errorf(ecs.ErrInvalidParameter, "Container status %q is not valid: use PENDING, RUNNING or STOPPED.", ch.status)
		}
	}
	return r, nil
}

// submit applies a report, outside the lock (Report takes it). When it
// stops the task, the built-in agent, which runs its containers, is told
// to stop them: its own reports then finish the task.
func (cp *ControlPlane) submit(ctx context.Context, r agent.Report) error {
	cp.Report(ctx, r)
	cp.Sync(ctx, r.TaskID)
	if r.State.Desired != taskstate.Stopped || r.State.Status.Terminal() {
		return nil
	}
	cp.mu.Lock()
	launcher := cp.launcher
	cp.mu.Unlock()
	if launcher != nil && launcher.Stop(r.TaskID, r.State.StopCode, r.State.StoppedReason) {
		return nil
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if t := cp.tasks.Get(r.TaskID); t != nil {
		cp.release(t)
		return cp.stopHere(ctx, t, r.State.StopCode, r.State.StoppedReason)
	}
	return nil
}

// SubmitContainerStateChange records a container's state reported by the
// agent of the task's container instance: status (RUNNING, STOPPED), exit
// code, reason, runtime id and network bindings. ecsrun's built-in agent
// runs every task's containers and goes on reporting them: its later
// reports win (a submitted STOPPED stops the containers, and the agent
// reports how they really ended).
func (cp *ControlPlane) SubmitContainerStateChange(ctx context.Context, in *ecsmodel.SubmitContainerStateChangeRequest) (*ecsmodel.SubmitContainerStateChangeResponse, error) {
	if in.Task == "" || in.ContainerName == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "task and containerName are required.")
	}
	cp.mu.Lock()
	t, err := cp.agentTask(in.Cluster, in.Task)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	r, err := cp.applyChanges(t, []containerChange{{name: in.ContainerName, status: in.Status, reason: in.Reason, runtimeID: in.RuntimeId, exitCode: in.ExitCode, bindings: in.NetworkBindings}})
	cp.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := cp.submit(ctx, r); err != nil {
		return nil, err
	}
	return &ecsmodel.SubmitContainerStateChangeResponse{Acknowledgment: Acknowledgment}, nil
}

// SubmitTaskStateChange records a task's state reported by the agent of
// its container instance: its containers' states, the pull times and, with
// status STOPPED, the containers still running stopped with reason.
func (cp *ControlPlane) SubmitTaskStateChange(ctx context.Context, in *ecsmodel.SubmitTaskStateChangeRequest) (*ecsmodel.SubmitTaskStateChangeResponse, error) {
	if in.Task == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "task is required.")
	}
	if in.Status != "" {
		if _, err := taskstate.ParseStatus(in.Status); err != nil {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Task status %q is not valid: use PENDING, RUNNING or STOPPED.", in.Status)
		}
	}
	cp.mu.Lock()
	t, err := cp.agentTask(in.Cluster, in.Task)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	var changes []containerChange
	for _, c := range in.Containers {
		changes = append(changes, containerChange{name: c.ContainerName, status: c.Status, reason: c.Reason, runtimeID: c.RuntimeId, exitCode: c.ExitCode, bindings: c.NetworkBindings})
	}
	if in.Status == "STOPPED" {
		for _, c := range t.State.Containers {
			if c.Status != taskstate.ContainerStopped && !slices.ContainsFunc(changes, func(ch containerChange) bool { return ch.name == c.Name }) {
				changes = append(changes, containerChange{name: c.Name, status: "STOPPED", reason: in.Reason})
			}
		}
	}
	r, err := cp.applyChanges(t, changes)
	cp.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if in.PullStartedAt != nil {
		r.PullStartedAt = in.PullStartedAt.Time
	}
	if in.PullStoppedAt != nil {
		r.PullStoppedAt = in.PullStoppedAt.Time
	}
	if in.ExecutionStoppedAt != nil && r.State.ExecutionStoppedAt.IsZero() {
		r.State.ExecutionStoppedAt = in.ExecutionStoppedAt.Time
	}
	if err := cp.submit(ctx, r); err != nil {
		return nil, err
	}
	return &ecsmodel.SubmitTaskStateChangeResponse{Acknowledgment: Acknowledgment}, nil
}

// SubmitAttachmentStateChanges checks attachment state changes: each
// attachment must be the network interface attachment of a task of the
// cluster, and the status one ECS knows. The built-in agent sets up the
// tasks' networks, so the attachments' statuses stay what it reports.
func (cp *ControlPlane) SubmitAttachmentStateChanges(ctx context.Context, in *ecsmodel.SubmitAttachmentStateChangesRequest) (*ecsmodel.SubmitAttachmentStateChangesResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, t := range cp.tasks.All() {
		if t.Cluster == c.Name && t.Subnet != "" { // awsvpc tasks have one
			known[cp.eniAttachment(t).Id] = true
		}
	}
	for _, a := range in.Attachments {
		switch a.Status {
		case "PRECREATED", "CREATED", "ATTACHING", "ATTACHED", "DETACHING", "DETACHED", "DELETED", "FAILED":
		default:
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Attachment status %q is not valid: use ATTACHING, ATTACHED, DETACHING, DETACHED, DELETED or FAILED.", a.Status)
		}
		if !known[ecs.ResourceName(a.AttachmentArn)] {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Attachment %s is not an attachment of a task in cluster %s.", a.AttachmentArn, c.Name)
		}
	}
	return &ecsmodel.SubmitAttachmentStateChangesResponse{Acknowledgment: Acknowledgment}, nil
}
