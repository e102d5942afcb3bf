package controlplane

import (
	"errors"
	"math/rand/v2"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/placement"
)

// capacity is where RunTask's tasks run.
type capacity int

const (
	// hostCapacity: the local host's own capacity, without placement (the
	// cluster's default capacity).
	hostCapacity capacity = iota
	// instancePlacement: the cluster's container instances, through
	// placement (resources, constraints, strategies).
	instancePlacement
)

// chooseCapacity decides where the tasks of a RunTask request run, given
// the launch type the request asked for, the one in effect (a
// FARGATE-only definition runs as FARGATE when none is asked for),
// whether a (Fargate) capacity provider strategy applies, and how many container
// instances (ACTIVE or DRAINING) the cluster has:
//
//	FARGATE (asked or in effect)        the host, no placement
//	MANAGED_INSTANCES                   the host, no placement
//	a Fargate capacity provider         the host, no placement
//	strategy (an Auto Scaling group strategy places on its provider's
//	instances: see placeByProviders)
//	EC2 or EXTERNAL                     placement; no instances: error
//	nothing asked                       placement when the cluster has
//	                                    instances, otherwise the host
func chooseCapacity(asked ecsmodel.LaunchType, effective string, providers bool, instances int) (capacity, error) {
	switch {
	case effective == string(ecsmodel.LaunchTypeFARGATE), asked == ecsmodel.LaunchTypeMANAGEDINSTANCES, providers:
		return hostCapacity, nil
	case asked == ecsmodel.LaunchTypeEC2, asked == ecsmodel.LaunchTypeEXTERNAL:
		if instances == 0 {
			return 0, ecs.Errorf(ecs.ErrInvalidParameter, "No Container Instances were found in your cluster.")
		}
		return instancePlacement, nil
	case instances > 0:
		return instancePlacement, nil
	}
	return hostCapacity, nil
}

// hostPlacementCheck refuses placement constraints for tasks that run on
// the host's own capacity (strategies, best effort, have nothing to choose
// between there): FARGATE as ECS words it, otherwise naming the way out.
func hostPlacementCheck(where capacity, launchType string, in *ecsmodel.RunTaskRequest) error {
	if where != hostCapacity {
		return nil
	}
	if launchType == string(ecsmodel.LaunchTypeFARGATE) {
		if len(in.PlacementConstraints) > 0 || len(in.PlacementStrategy) > 0 {
			return ecs.Errorf(ecs.ErrInvalidParameter, "Task placement constraints and strategies are not supported with the FARGATE launch type.")
		}
		return nil
	}
	if len(in.PlacementConstraints) > 0 {
		return ecs.Errorf(ecs.ErrInvalidParameter, "Placement constraints need container instances, and these tasks run on the local host's own capacity (the cluster has no container instances, or a capacity provider strategy was given). Register container instances (RegisterContainerInstance, or ecsrun serve --config) or drop the constraints.")
	}
	return nil
}

// hostCapacityFailure returns the RunTask failure of a task of def (with
// overrides o) on the host's own capacity, which has no placement but
// cannot run everything: credential specs need a gMSA capability the local
// agent lacks, as an instance lacking it fails placement (ATTRIBUTE); GPUs
// are handed out only by placement on container instances that have them
// (RESOURCE:GPU). Nil when it can run.
func hostCapacityFailure(def *ecsmodel.TaskDefinition, o *ecsmodel.TaskOverride) *ecsmodel.Failure {
	if need, err := ecs.TaskResourceNeeds(def, o); err == nil && need.GPUs > 0 {
		return &ecsmodel.Failure{Reason: string(placement.ReasonGPU),
			Detail: "GPU tasks run on container instances with GPUs (the default cluster's host instance registers the machine's NVIDIA GPUs; RegisterContainerInstance takes a GPU resource); these tasks run on the host's own capacity, which has none."}
	}
	for _, a := range def.RequiresAttributes {
		if ecs.IsGMSAAttribute(a.Name) {
			return &ecsmodel.Failure{Reason: string(placement.ReasonAttribute),
				Detail: "The task definition requires the attribute " + a.Name + " (credentialSpecs or a credentialspec: security option: Active Directory gMSA), which the local agent does not have."}
		}
	}
	return nil
}

// placementRequest builds the placement request of a RunTask: the task
// definition's requiresAttributes and memberOf constraints, the request's
// constraints (at most 10 in all) and strategies (at most 5; random when
// none is given, as RunTask does).
func placementRequest(def *ecsmodel.TaskDefinition, in *ecsmodel.RunTaskRequest, group string, need ecs.TaskResources, ids []string) (placement.Request, error) {
	if n := len(def.PlacementConstraints) + len(in.PlacementConstraints); n > placement.MaxConstraints {
		return placement.Request{}, ecs.Errorf(ecs.ErrInvalidParameter,
			"Too many placement constraints: the task definition has %d and the request %d; at most %d in all.",
			len(def.PlacementConstraints), len(in.PlacementConstraints), placement.MaxConstraints)
	}
	if len(in.PlacementStrategy) > placement.MaxStrategies {
		return placement.Request{}, ecs.Errorf(ecs.ErrInvalidParameter, "Too many placement strategies: %d; at most %d.", len(in.PlacementStrategy), placement.MaxStrategies)
	}
	req := placement.Request{Group: group, Count: len(ids), Need: placementNeed(need), TaskIDs: ids, Seed: rand.Uint64()}
	for _, a := range def.RequiresAttributes {
		req.RequiredAttributes = append(req.RequiredAttributes, placement.Attribute{Name: a.Name, Value: a.Value})
	}
	for _, c := range def.PlacementConstraints {
		req.Constraints = append(req.Constraints, placement.Constraint{Type: placement.ConstraintType(c.Type), Expression: c.Expression})
	}
	for _, c := range in.PlacementConstraints {
		req.Constraints = append(req.Constraints, placement.Constraint{Type: placement.ConstraintType(c.Type), Expression: c.Expression})
	}
	for _, s := range in.PlacementStrategy {
		req.Strategies = append(req.Strategies, placement.Strategy{Type: placement.StrategyType(s.Type), Field: s.Field})
	}
	if len(req.Strategies) == 0 {
		req.Strategies = []placement.Strategy{{Type: placement.Random}}
	}
	return req, nil
}

// placementError translates an error of the placement core.
func placementError(err error) error {
	switch {
	case errors.Is(err, placement.ErrNoInstances):
		return ecs.Errorf(ecs.ErrInvalidParameter, "No Container Instances were found in your cluster.")
	case errors.Is(err, placement.ErrInvalid):
		msg := strings.TrimSuffix(err.Error(), ": "+placement.ErrInvalid.Error())
		return ecs.Errorf(ecs.ErrInvalidParameter, "Invalid placement: %s.", msg)
	}
	return err
}

// placementFailures turns the core's failures into RunTask failures.
func placementFailures(fs []placement.Failure) []ecsmodel.Failure {
	out := make([]ecsmodel.Failure, len(fs))
	for i, f := range fs {
		out[i] = ecsmodel.Failure{Arn: f.ARN, Reason: string(f.Reason), Detail: f.Detail}
	}
	return out
}

// place puts the tasks of a RunTask on the cluster's container instances:
// it returns the tasks placed (with their instance and GPUs) and the
// failures of the others. Callers hold cp.mu.
func (cp *ControlPlane) place(cluster string, def *ecsmodel.TaskDefinition, in *ecsmodel.RunTaskRequest, group string, recs []*taskRecord) ([]*taskRecord, []ecsmodel.Failure, error) {
	return cp.placeOnly(cluster, def, in, group, recs, "")
}
