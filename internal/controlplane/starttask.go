package controlplane

import (
	"context"
	"encoding/json"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/placement"
)

// MaxStartTaskInstances is how many container instances StartTask takes.
const MaxStartTaskInstances = 10

// StartTask starts a task of a task definition on each of the container
// instances named, without placement: each instance is only checked
// (ACTIVE, agent connected, the definition's required attributes, free
// CPU, memory, ports and GPUs) and a task that does not fit is a failure
// naming the instance and why; an instance the cluster does not hold (or
// no longer: deregistered) is a MISSING failure. Otherwise it is RunTask
// with launch type EC2: overrides, tags, startedBy, group and
// enableExecuteCommand alike.
func (cp *ControlPlane) StartTask(ctx context.Context, in *ecsmodel.StartTaskRequest) (*ecsmodel.StartTaskResponse, error) {
	n := len(in.ContainerInstances)
	if n == 0 || n > MaxStartTaskInstances {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "containerInstances must name between 1 and %d container instances; got %d.", MaxStartTaskInstances, n)
	}
	for _, ref := range in.ContainerInstances {
		if err := ecs.ValidateInstanceRef(ref); err != nil {
			return nil, err
		}
	}
	if len(in.StartedBy) > 128 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "startedBy can be up to 128 characters long; got %d.", len(in.StartedBy))
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	if in.Overrides != nil {
		if b, _ := json.Marshal(in.Overrides); len(b) > MaxOverridesSize {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Container Overrides length must be at most %d; got %d characters.", MaxOverridesSize, len(b))
		}
	}
	count := int32(n)
	run := &ecsmodel.RunTaskRequest{
		Cluster: in.Cluster, Count: &count, EnableECSManagedTags: in.EnableECSManagedTags, EnableExecuteCommand: in.EnableExecuteCommand,
		Group: in.Group, LaunchType: ecsmodel.LaunchTypeEC2, NetworkConfiguration: in.NetworkConfiguration, Overrides: in.Overrides,
		PropagateTags: in.PropagateTags, ReferenceId: in.ReferenceId, StartedBy: in.StartedBy, Tags: in.Tags,
		TaskDefinition: in.TaskDefinition, VolumeConfigurations: in.VolumeConfigurations,
	}
	out, err := cp.runTasksOn(ctx, run, false, in.ContainerInstances)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.StartTaskResponse{Tasks: out.Tasks, Failures: out.Failures}, nil
}

// placeOn returns a place function (see place) that puts the i-th task on
// the i-th of refs, container instances of c. Callers hold cp.mu.
func (cp *ControlPlane) placeOn(c *clusterRecord, refs []string) func(string, *ecsmodel.TaskDefinition, *ecsmodel.RunTaskRequest, string, []*taskRecord) ([]*taskRecord, []ecsmodel.Failure, error) {
	return func(cluster string, def *ecsmodel.TaskDefinition, in *ecsmodel.RunTaskRequest, group string, recs []*taskRecord) ([]*taskRecord, []ecsmodel.Failure, error) {
		need, err := ecs.TaskResourceNeeds(def, in.Overrides)
		if err != nil {
			return nil, nil, err
		}
		req := placement.Request{Group: group, Count: len(recs), Need: placementNeed(need)}
		for _, t := range recs {
			req.TaskIDs = append(req.TaskIDs, t.ID)
		}
		for _, a := range def.RequiresAttributes {
			req.RequiredAttributes = append(req.RequiredAttributes, placement.Attribute{Name: a.Name, Value: a.Value})
		}
		arns := make([]string, len(refs))
		for i, ref := range refs {
			if r := cp.instance(c, ref); r != nil {
				arns[i] = r.ARN
			} else {
				arns[i] = cp.instanceRefARN(c, ref)
			}
		}
		res, err := cp.placer(cluster).PlaceOn(req, arns)
		if err != nil {
			return nil, nil, placementError(err)
		}
		placed := make([]*taskRecord, 0, len(res.Placements))
		for _, p := range res.Placements {
			t := recs[p.TaskIndex]
			t.ContainerInstance = ecs.ResourceName(p.InstanceARN)
			t.GPUs = p.GPUIDs
			placed = append(placed, t)
		}
		return placed, placementFailures(res.Failures), nil
	}
}
