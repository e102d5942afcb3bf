package tasksets

import (
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Deployment controller types.
const (
	ControllerECS        = string(ecsmodel.DeploymentControllerTypeECS)
	ControllerExternal   = string(ecsmodel.DeploymentControllerTypeEXTERNAL)
	ControllerCodeDeploy = string(ecsmodel.DeploymentControllerTypeCODEDEPLOY)
)

// MaxPerService is how many task sets (not DRAINING) a service may have.
const MaxPerService = 5

// ControllerError refuses a deployment controller ecsrun cannot run:
// CODE_DEPLOY needs AWS CodeDeploy (and a load balancer, which ECS
// requires of it).
func ControllerError(c *ecsmodel.DeploymentController) error {
	if c == nil {
		return nil
	}
	switch string(c.Type) {
	case "", ControllerECS, ControllerExternal:
		return nil
	case ControllerCodeDeploy:
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "The CODE_DEPLOY deployment controller needs AWS CodeDeploy and a load balancer, which ecsrun does not have. Use the EXTERNAL deployment controller and drive blue/green deployments with CreateTaskSet, UpdateTaskSet and UpdateServicePrimaryTaskSet.")
	}
	return ecs.Errorf(ecs.ErrInvalidParameter, "deploymentController.type must be ECS, CODE_DEPLOY or EXTERNAL; got %s.", c.Type)
}

// CheckCreateService refuses in a CreateService of an EXTERNAL service
// what belongs to its task sets (task definition, launch type, capacity
// provider strategy, network configuration, platform version), load
// balancers and the DAEMON strategy, as ECS does, and a missing or
// negative desired count.
func CheckCreateService(in *ecsmodel.CreateServiceRequest) error {
	blank := func(what string) error {
		return ecs.Errorf(ecs.ErrInvalidParameter, "%s must be blank for a service with the EXTERNAL deployment controller: give it to CreateTaskSet.", what)
	}
	switch {
	case len(in.LoadBalancers) > 0:
		return ecs.Errorf(ecs.ErrInvalidParameter, "LoadBalancers must be empty or null.")
	case in.TaskDefinition != "":
		return blank("TaskDefinition")
	case in.LaunchType != "":
		return blank("LaunchType")
	case len(in.CapacityProviderStrategy) > 0:
		return blank("CapacityProviderStrategy")
	case in.NetworkConfiguration != nil:
		return blank("NetworkConfiguration")
	case in.PlatformVersion != "":
		return blank("PlatformVersion")
	case in.SchedulingStrategy == ecsmodel.SchedulingStrategyDAEMON:
		return ecs.Errorf(ecs.ErrInvalidParameter, "The DAEMON scheduling strategy is not supported with the EXTERNAL deployment controller.")
	case in.DesiredCount == nil:
		return ecs.Errorf(ecs.ErrInvalidParameter, "desiredCount is required for a service with the REPLICA scheduling strategy.")
	case *in.DesiredCount < 0:
		return ecs.Errorf(ecs.ErrInvalidParameter, "desiredCount must be 0 or more; got %d.", *in.DesiredCount)
	}
	return nil
}

// CheckUpdateService refuses what UpdateService cannot change on a service
// with the EXTERNAL deployment controller (a new task set does).
func CheckUpdateService(in *ecsmodel.UpdateServiceRequest) error {
	what := ""
	switch {
	case in.TaskDefinition != "":
		what = "task definition"
	case in.NetworkConfiguration != nil:
		what = "network configuration"
	case in.PlatformVersion != "":
		what = "platform version"
	case len(in.CapacityProviderStrategy) > 0:
		what = "capacity provider strategy"
	case len(in.LoadBalancers) > 0:
		what = "load balancers"
	case in.ForceNewDeployment:
		what = "deployment (forceNewDeployment)"
	case in.DeploymentController != nil && in.DeploymentController.Type != "" && string(in.DeploymentController.Type) != ControllerExternal:
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun cannot change a service's deployment controller; create a new service.")
	default:
		return nil
	}
	return ecs.Errorf(ecs.ErrInvalidParameter, "Unable to update %s on services with a EXTERNAL deployment controller. Create a new task set (CreateTaskSet) instead.", what)
}

// Wire is the TaskSet answer for ts, a task set of service in cluster
// whose desired count is desired, with its task counts c (and its tags
// when tags is set).
func Wire(a ecs.Account, cluster, service string, ts *TaskSet, desired int32, c Counts, tags bool) ecsmodel.TaskSet {
	w := ecsmodel.TaskSet{
		Id: ts.ID, TaskSetArn: ARN(a, cluster, service, ts.ID),
		ServiceArn: a.ServiceARN(cluster, service), ClusterArn: a.ClusterARN(cluster),
		ExternalId: ts.ExternalID, StartedBy: ts.StartedBy, Status: ts.Status, TaskDefinition: ts.TaskDefinition,
		ComputedDesiredCount: ComputedDesired(ts.Status, desired, ts.Scale),
		RunningCount:         c.Running, PendingCount: c.Pending,
		CreatedAt: wire.At(ts.CreatedAt), UpdatedAt: wire.At(ts.UpdatedAt),
		LaunchType: ecsmodel.LaunchType(ts.LaunchType), CapacityProviderStrategy: ts.CapacityProviders,
		PlatformVersion: ts.PlatformVersion, NetworkConfiguration: ts.NetworkConfiguration,
		LoadBalancers: []ecsmodel.LoadBalancer{}, ServiceRegistries: []ecsmodel.ServiceRegistry{},
		Scale:           &ecsmodel.Scale{Value: ts.Scale, Unit: ecsmodel.ScaleUnitPERCENT},
		StabilityStatus: ecsmodel.StabilityStatus(ts.Stability), StabilityStatusAt: wire.At(ts.StabilityAt),
	}
	if tags {
		w.Tags = ts.Tags
		if w.Tags == nil {
			w.Tags = []ecsmodel.Tag{}
		}
	}
	return w
}
