package ecs

import "github.com/ecsrun/ecsrun/internal/ecsmodel"

// DefaultLogGroup is the log group that receives the output of containers
// whose definition has no awslogs logConfiguration (the local engine
// captures every container's output).
const DefaultLogGroup = "/ecsrun/tasks"

// LogDestination returns the log group and stream a container's output goes
// to. With the awslogs driver: awslogs-group, and
// "<awslogs-stream-prefix>/<container>/<task-id>" (the container's runtime
// id when no prefix is set, as the EC2 launch type does). Otherwise
// DefaultLogGroup and "<family>/<container>/<task-id>".
func LogDestination(def *ecsmodel.TaskDefinition, cd *ecsmodel.ContainerDefinition, taskID, runtimeID string) (group, stream string) {
	if lc := cd.LogConfiguration; lc != nil && lc.LogDriver == ecsmodel.LogDriverAwslogs && lc.Options["awslogs-group"] != "" {
		group = lc.Options["awslogs-group"]
		if p := lc.Options["awslogs-stream-prefix"]; p != "" {
			return group, p + "/" + cd.Name + "/" + taskID
		}
		if runtimeID != "" {
			return group, runtimeID
		}
		return group, cd.Name + "/" + taskID
	}
	return DefaultLogGroup, def.Family + "/" + cd.Name + "/" + taskID
}
