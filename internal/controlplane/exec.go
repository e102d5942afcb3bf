package controlplane

import (
	"context"

	"github.com/google/shlex"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/execsession"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// execNotEnabled is ECS's answer for a task run without
// enableExecuteCommand.
const execNotEnabled = "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again."

// ExecuteCommand opens an exec session for a command in a running
// container of a task run with enableExecuteCommand. The session's
// streamUrl is a path (execsession.PathPrefix + id) the API layer makes
// absolute.
func (cp *ControlPlane) ExecuteCommand(ctx context.Context, in *ecsmodel.ExecuteCommandRequest) (*ecsmodel.ExecuteCommandResponse, error) {
	if !in.Interactive {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Interactive is the only mode supported currently.")
	}
	argv, err := shlex.Split(in.Command)
	if err != nil || len(argv) == 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "command %q is not a command line: give the program and its arguments, for example \"/bin/sh\" or \"ls -l /app\".", in.Command)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	t := cp.tasks.Get(ecs.ResourceName(in.Task))
	if t == nil || t.Cluster != c.Name {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The referenced task was not found.")
	}
	if !t.EnableExecuteCommand {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "%s", execNotEnabled)
	}
	name := in.Container
	if name == "" {
		if len(t.State.Containers) > 1 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Task %s has %d containers: name the container to run the command in.", t.ARN, len(t.State.Containers))
		}
		name = t.State.Containers[0].Name
	}
	var st *taskstate.Container
	for i := range t.State.Containers {
		if t.State.Containers[i].Name == name {
			st = &t.State.Containers[i]
		}
	}
	if st == nil {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The container %s does not exist in task %s.", name, t.ARN)
	}
	info := t.Containers[name]
	if st.Status != taskstate.ContainerRunning || info == nil || info.RuntimeID == "" {
		return nil, ecs.Errorf(ecs.ErrTargetNotConnected, "The execute command failed because container %s of task %s is %s, not RUNNING.", name, t.ARN, st.Status)
	}
	if cp.execs == nil {
		return nil, ecs.Errorf(ecs.ErrTargetNotConnected, "The execute command failed: this engine's container runtime cannot run commands in containers (use the docker runtime).")
	}
	s := cp.execs.Open(execsession.Target{TaskARN: t.ARN, ContainerName: name, ContainerID: info.RuntimeID, Command: argv, Interactive: in.Interactive})
	return &ecsmodel.ExecuteCommandResponse{
		ClusterArn: cp.acct.ClusterARN(c.Name), TaskArn: t.ARN, ContainerArn: t.ContainerARNs[name], ContainerName: name, Interactive: in.Interactive,
		Session: &ecsmodel.Session{SessionId: s.ID, StreamUrl: execsession.PathPrefix + s.ID, TokenValue: s.Token},
	}, nil
}
