package controlplane

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/deployments"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/placement"
	"github.com/ecsrun/ecsrun/internal/placement/query"
	"github.com/ecsrun/ecsrun/internal/tasksets"
	"github.com/ecsrun/ecsrun/internal/taskstate"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Services. A service is a record (serviceRecord) that the API calls
// change and the scheduler (scheduler.go) acts on: its tasks are ordinary
// tasks, started through the same path as RunTask's, with group
// "service:<name>" and startedBy the id of the deployment that started
// them, which is how the scheduler finds a service's tasks.

// Service statuses.
const (
	serviceActive   = "ACTIVE"
	serviceDraining = "DRAINING"
	serviceInactive = "INACTIVE"
)

// Rollout states and deployment statuses.
const (
	rolloutInProgress = "IN_PROGRESS"
	rolloutCompleted  = "COMPLETED"
	rolloutFailed     = "FAILED"

	deploymentPrimary = "PRIMARY"
	deploymentActive  = "ACTIVE"
)

// maxServiceEvents is how many events a service keeps (the newest).
const maxServiceEvents = 100

// deploymentRecord is one deployment of a service.
type deploymentRecord struct {
	ID                   string                                  `json:"id"`
	Status               string                                  `json:"status"`
	TaskDefinition       string                                  `json:"taskDefinition"`
	FailedTasks          int32                                   `json:"failedTasks,omitempty"`
	CreatedAt            time.Time                               `json:"createdAt"`
	UpdatedAt            time.Time                               `json:"updatedAt"`
	RolloutState         string                                  `json:"rolloutState"`
	RolloutStateReason   string                                  `json:"rolloutStateReason,omitempty"`
	NetworkConfiguration *ecsmodel.NetworkConfiguration          `json:"networkConfiguration,omitempty"`
	LaunchType           string                                  `json:"launchType,omitempty"`
	CapacityProviders    []ecsmodel.CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	PlatformVersion      string                                  `json:"platformVersion,omitempty"`
	// Revision is the service revision the deployment runs and
	// ServiceDeployment the service deployment it belongs to (deployments.go).
	Revision          string `json:"revision,omitempty"`
	ServiceDeployment string `json:"serviceDeployment,omitempty"`
}

// serviceRecord is everything the control plane keeps about a service.
type serviceRecord struct {
	Name               string                                  `json:"name"`
	Cluster            string                                  `json:"cluster"`
	Status             string                                  `json:"status"`
	DesiredCount       int32                                   `json:"desiredCount"`
	TaskDefinition     string                                  `json:"taskDefinition"`
	AskedLaunchType    string                                  `json:"askedLaunchType,omitempty"`
	LaunchType         string                                  `json:"launchType,omitempty"`
	CapacityProviders  []ecsmodel.CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	PlatformVersion    string                                  `json:"platformVersion,omitempty"`
	SchedulingStrategy string                                  `json:"schedulingStrategy"`
	MaxPercent         int32                                   `json:"maximumPercent"`
	MinHealthyPercent  int32                                   `json:"minimumHealthyPercent"`
	CircuitBreaker     bool                                    `json:"circuitBreaker,omitempty"`
	// ResetOnHealthy and Threshold are the circuit breaker's
	// resetOnHealthyTask and thresholdConfiguration as given (nil: ECS's
	// defaults, true and BOUNDED_PERCENT 50).
	ResetOnHealthy       *bool                            `json:"resetOnHealthyTask,omitempty"`
	Threshold            *ecsmodel.ThresholdConfiguration `json:"thresholdConfiguration,omitempty"`
	Rollback             bool                             `json:"rollback,omitempty"`
	PlacementConstraints []ecsmodel.PlacementConstraint   `json:"placementConstraints,omitempty"`
	PlacementStrategy    []ecsmodel.PlacementStrategy     `json:"placementStrategy,omitempty"`
	NetworkConfiguration *ecsmodel.NetworkConfiguration   `json:"networkConfiguration,omitempty"`
	HealthCheckGrace     *int32                           `json:"healthCheckGracePeriodSeconds,omitempty"`
	Tags                 []ecsmodel.Tag                   `json:"tags,omitempty"`
	EnableManagedTags    bool                             `json:"enableECSManagedTags,omitempty"`
	PropagateTags        string                           `json:"propagateTags,omitempty"`
	EnableExecuteCommand bool                             `json:"enableExecuteCommand,omitempty"`
	// Namespace is the Cloud Map namespace ARN its Service Connect
	// configuration names (ListServicesByNamespace).
	Namespace string    `json:"namespace,omitempty"`
	RoleArn   string    `json:"roleArn,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	CreatedBy string    `json:"createdBy"`
	// CreateKey fingerprints the CreateService request (for idempotency).
	CreateKey   string             `json:"createKey"`
	Deployments []deploymentRecord `json:"deployments"`
	// LastCompleted is the task definition of the last deployment that
	// completed: what the circuit breaker rolls back to.
	LastCompleted string                  `json:"lastCompleted,omitempty"`
	Events        []ecsmodel.ServiceEvent `json:"events,omitempty"`
	// Steady: the scheduler last saw the service in a steady state (it
	// says so in an event once each time it gets there).
	Steady     bool      `json:"steady,omitempty"`
	InactiveAt time.Time `json:"inactiveAt,omitzero"`
	// Controller is the deployment controller ("" is ECS); an EXTERNAL
	// service runs its tasks in TaskSets (tasksets.go).
	Controller string             `json:"deploymentController,omitempty"`
	TaskSets   []tasksets.TaskSet `json:"taskSets,omitempty"`
	// History is the service's service deployments and Revisions the
	// service revisions they name (deployments.go).
	History   deployments.History    `json:"history,omitempty"`
	Revisions []deployments.Revision `json:"revisions,omitempty"`
	// placeFailures counts the passes in a row that could not start a
	// task; placeRetryAt is when the scheduler tries again (not stored: a
	// restarted engine tries at once).
	placeFailures int
	placeRetryAt  time.Time
}

func serviceGroup(name string) string { return "service:" + name }

func serviceKey(cluster, name string) string { return cluster + "/" + name }

func (cp *ControlPlane) saveService(ctx context.Context, s *serviceRecord) error {
	return cp.exec(ctx, `INSERT INTO services(cluster, name, body) VALUES(?, ?, ?)
		ON CONFLICT(cluster, name) DO UPDATE SET body = excluded.body`, s.Cluster, s.Name, mustJSON(s))
}

// activeService returns the ACTIVE service named by nameOrARN in the
// cluster named by cluster ("" for default); callers hold cp.mu.
func (cp *ControlPlane) activeService(cluster, nameOrARN string) (*serviceRecord, error) {
	c, err := cp.cluster(cluster)
	if err != nil {
		return nil, err
	}
	s, err := cp.service(c, nameOrARN)
	if err != nil {
		return nil, err
	}
	if s.Status != serviceActive {
		return nil, ecs.Errorf(ecs.ErrServiceNotActive, "Service was not ACTIVE.")
	}
	return s, nil
}

// replaceService stores upd as the new state of s, wakes the scheduler
// and returns the service's wire form (with its tags when tags is set);
// callers hold cp.mu.
func (cp *ControlPlane) replaceService(ctx context.Context, s *serviceRecord, upd serviceRecord, tags bool) (*ecsmodel.Service, error) {
	if err := cp.saveService(ctx, &upd); err != nil {
		return nil, err
	}
	*s = upd
	cp.wakeScheduler()
	w := cp.serviceWire(s, tags)
	return &w, nil
}

func (cp *ControlPlane) loadServices(ctx context.Context) error {
	cutoff := cp.now().Add(-cp.keep)
	return loadRows(ctx, cp.db, `SELECT body FROM services`, "services", func(s *serviceRecord) error {
		if s.Status == serviceInactive && s.InactiveAt.Before(cutoff) {
			return cp.exec(ctx, `DELETE FROM services WHERE cluster = ? AND name = ?`, s.Cluster, s.Name)
		}
		cp.services[serviceKey(s.Cluster, s.Name)] = s
		return nil
	})
}

// addEvent records a service event, newest first; callers hold cp.mu.
func (s *serviceRecord) addEvent(now time.Time, format string, args ...any) {
	ev := ecsmodel.ServiceEvent{Id: newUUID(), CreatedAt: wire.At(now), Message: fmt.Sprintf(format, args...)}
	s.Events = append([]ecsmodel.ServiceEvent{ev}, s.Events...)
	if len(s.Events) > maxServiceEvents {
		s.Events = s.Events[:maxServiceEvents]
	}
}

// newDeploymentID returns "ecs-svc/" and 19 random digits, as ECS's.
func newDeploymentID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(8e18))
	return fmt.Sprintf("ecs-svc/%d", n.Int64()+1e18)
}

// serviceNameRE is the characters of a service name (at most 255 of them:
// see validServiceName).
var serviceNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// validServiceName reports whether name is 1 to 255 letters, digits,
// hyphens and underscores.
func validServiceName(name string) bool { return len(name) <= 255 && serviceNameRE.MatchString(name) }

// unsupportedServiceFeatures refuses what ecsrun's services cannot do,
// naming it, rather than accepting it and silently doing nothing.
func unsupportedServiceFeatures(lbs int, registries int, connect bool, volumes int, lattice int, controller *ecsmodel.DeploymentController) error {
	switch {
	case lbs > 0:
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun has no load balancers: services cannot register tasks with target groups. Remove loadBalancers; tasks are reachable through their network bindings (DescribeTasks).")
	case registries > 0:
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun has no Cloud Map: remove serviceRegistries.")
	case connect:
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun does not support Service Connect: remove serviceConnectConfiguration.")
	case volumes > 0:
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun cannot create EBS volumes for services: remove volumeConfigurations.")
	case lattice > 0:
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun has no VPC Lattice: remove vpcLatticeConfigurations.")
	}
	return tasksets.ControllerError(controller)
}

// deploymentSettings checks a deploymentConfiguration and returns it
// applied to the settings in effect.
func deploymentSettings(dc *ecsmodel.DeploymentConfiguration, maxPct, minPct int32, breaker, rollback bool) (int32, int32, bool, bool, error) {
	if dc == nil {
		return maxPct, minPct, breaker, rollback, nil
	}
	if dc.Strategy != "" && dc.Strategy != ecsmodel.DeploymentStrategyROLLING {
		return 0, 0, false, false, ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun supports the ROLLING deployment strategy only; got %s.", dc.Strategy)
	}
	if dc.Alarms != nil && dc.Alarms.Enable {
		return 0, 0, false, false, ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun has no CloudWatch alarms: disable deploymentConfiguration.alarms.")
	}
	if dc.MaximumPercent != nil {
		maxPct = *dc.MaximumPercent
	}
	if dc.MinimumHealthyPercent != nil {
		minPct = *dc.MinimumHealthyPercent
	}
	if dc.DeploymentCircuitBreaker != nil {
		breaker, rollback = dc.DeploymentCircuitBreaker.Enable, dc.DeploymentCircuitBreaker.Rollback
	}
	if minPct < 0 || minPct > 100 {
		return 0, 0, false, false, ecs.Errorf(ecs.ErrInvalidParameter, "minimumHealthyPercent must be between 0 and 100; got %d.", minPct)
	}
	if maxPct < 100 {
		return 0, 0, false, false, ecs.Errorf(ecs.ErrInvalidParameter, "maximumPercent must be at least 100; got %d.", maxPct)
	}
	return maxPct, minPct, breaker, rollback, nil
}

// breakerSettings applies a deploymentConfiguration's circuit breaker
// resetOnHealthyTask and thresholdConfiguration to the ones in effect.
func breakerSettings(dc *ecsmodel.DeploymentConfiguration, reset *bool, thr *ecsmodel.ThresholdConfiguration) (*bool, *ecsmodel.ThresholdConfiguration, error) {
	if dc == nil || dc.DeploymentCircuitBreaker == nil {
		return reset, thr, nil
	}
	cb := dc.DeploymentCircuitBreaker
	if t := cb.ThresholdConfiguration; t != nil && t.Value < 0 {
		return nil, nil, ecs.Errorf(ecs.ErrInvalidParameter, "deploymentCircuitBreaker.thresholdConfiguration.value must be 0 or more; got %d.", t.Value)
	}
	return cb.ResetOnHealthyTask, cb.ThresholdConfiguration, nil
}

// resolveServiceTaskDef returns the ACTIVE task definition a service runs;
// callers hold cp.mu.
func (cp *ControlPlane) resolveServiceTaskDef(ref string) (*ecsmodel.TaskDefinition, error) {
	if ref == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "TaskDefinition must be specified: give a family, family:revision or task definition ARN.")
	}
	td, err := cp.taskDef(ref)
	if err != nil {
		return nil, err
	}
	if td.Def.Status != ecsmodel.TaskDefinitionStatusACTIVE {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "TaskDefinition is inactive: %s. Register a new revision or name an ACTIVE one.", td.Def.TaskDefinitionArn)
	}
	return &td.Def, nil
}

// taskDefOfUpdate is the task definition an UpdateService goes on with:
// a new one must be ACTIVE; the one the service runs may have been
// deregistered since (the service still runs and scales it); callers hold
// cp.mu.
func (cp *ControlPlane) taskDefOfUpdate(ref, current string) (*ecsmodel.TaskDefinition, error) {
	if ref == current {
		td, err := cp.taskDef(ref)
		if err != nil {
			return nil, err
		}
		return &td.Def, nil
	}
	return cp.resolveServiceTaskDef(ref)
}

// checkServiceLaunch checks a service's task definition against its launch
// type and network configuration, and returns the launch type in effect.
func checkServiceLaunch(def *ecsmodel.TaskDefinition, asked ecsmodel.LaunchType, nc *ecsmodel.NetworkConfiguration, placed bool) (string, error) {
	if def.NetworkMode == ecsmodel.NetworkModeAwsvpc && (nc == nil || nc.AwsvpcConfiguration == nil) {
		return "", ecs.Errorf(ecs.ErrInvalidParameter, "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
	}
	if def.NetworkMode != ecsmodel.NetworkModeAwsvpc && nc != nil && nc.AwsvpcConfiguration != nil {
		return "", ecs.Errorf(ecs.ErrInvalidParameter, "Network Configuration is not valid for the given networkMode of this task definition (%s); it is for networkMode awsvpc only.", def.NetworkMode)
	}
	lt := string(asked)
	if lt == "" {
		lt = string(ecsmodel.LaunchTypeEC2)
		if len(def.RequiresCompatibilities) == 1 && def.RequiresCompatibilities[0] == ecsmodel.CompatibilityFARGATE {
			lt = string(ecsmodel.LaunchTypeFARGATE)
		}
	}
	if lt == string(ecsmodel.LaunchTypeFARGATE) {
		if def.NetworkMode != ecsmodel.NetworkModeAwsvpc {
			return "", ecs.Errorf(ecs.ErrInvalidParameter, "Task definition does not support launch_type FARGATE: networkMode must be awsvpc.")
		}
		if placed {
			return "", ecs.Errorf(ecs.ErrInvalidParameter, "Task placement constraints and strategies are not supported with the FARGATE launch type.")
		}
	}
	return lt, nil
}

// checkServicePlacement refuses placement constraints and strategies that
// RunTask would refuse (unknown types or fields, bad expressions, too many),
// so that the service is refused at once rather than failing each start.
func checkServicePlacement(def *ecsmodel.TaskDefinition, cons []ecsmodel.PlacementConstraint, strat []ecsmodel.PlacementStrategy) error {
	req, err := placementRequest(def, &ecsmodel.RunTaskRequest{PlacementConstraints: cons, PlacementStrategy: strat}, "service:check", ecs.TaskResources{}, []string{"check"})
	if err != nil {
		return err
	}
	snap, err := placement.NewSnapshot(nil)
	if err != nil {
		return err
	}
	if _, err := placement.PlanRequest(snap, req); errors.Is(err, placement.ErrInvalid) {
		return placementError(err)
	}
	return nil
}

// checkRunnable asks the launcher whether it can run def's tasks, so that
// a service of a definition the agent refuses (a feature ecsrun lacks) is
// refused at once rather than failing task after task; callers hold cp.mu.
func (cp *ControlPlane) checkRunnable(def *ecsmodel.TaskDefinition, launchType string) error {
	if cp.launcher == nil {
		return nil
	}
	d := *def
	return cp.launcher.Check(&agent.TaskSpec{ID: "check", Definition: &d, LaunchType: launchType})
}

// daemonCount is how many tasks a DAEMON service runs: one on each ACTIVE
// container instance of its cluster that satisfies its and its task
// definition's memberOf constraints; callers hold cp.mu.
func (cp *ControlPlane) daemonCount(s *serviceRecord) int32 {
	return int32(len(cp.daemonInstances(s)))
}

// daemonInstances are the ARNs of the container instances a DAEMON
// service runs a task on (see daemonCount); callers hold cp.mu.
func (cp *ControlPlane) daemonInstances(s *serviceRecord) map[string]bool {
	var exprs []*query.Expr
	cons := slices.Clone(s.PlacementConstraints)
	if td, err := cp.taskDef(s.TaskDefinition); err == nil {
		for _, c := range td.Def.PlacementConstraints {
			cons = append(cons, ecsmodel.PlacementConstraint{Type: ecsmodel.PlacementConstraintType(c.Type), Expression: c.Expression})
		}
	}
	for _, c := range cons {
		if c.Type != ecsmodel.PlacementConstraintTypeMemberOf {
			continue
		}
		e, err := query.Compile(c.Expression)
		if err != nil {
			return nil // placement reports the error in an event
		}
		exprs = append(exprs, e)
	}
	st := cp.placer(s.Cluster)
	out := map[string]bool{}
	for _, r := range cp.instances {
		if r.Cluster != s.Cluster || r.Status != instanceActive {
			continue
		}
		pi, ok := st.Instance(r.ARN)
		if !ok {
			pi = r.placementInstance()
		}
		if !slices.ContainsFunc(exprs, func(e *query.Expr) bool { return !e.Eval(instanceView{&pi}) }) {
			out[r.ARN] = true
		}
	}
	return out
}

// service returns the service named by nameOrARN in cluster c, in any
// status; callers hold cp.mu.
func (cp *ControlPlane) service(c *clusterRecord, nameOrARN string) (*serviceRecord, error) {
	s := cp.services[serviceKey(c.Name, ecs.ResourceName(nameOrARN))]
	if s == nil {
		return nil, ecs.Errorf(ecs.ErrServiceNotFound, "Service not found.")
	}
	return s, nil
}

// CreateService creates a REPLICA service and hands it to the scheduler,
// which starts its tasks.
func (cp *ControlPlane) CreateService(ctx context.Context, in *ecsmodel.CreateServiceRequest) (*ecsmodel.CreateServiceResponse, error) {
	if !validServiceName(in.ServiceName) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Invalid service name %q: up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores are allowed.", in.ServiceName)
	}
	if in.DeploymentController != nil && string(in.DeploymentController.Type) == tasksets.ControllerExternal {
		return cp.createExternalService(ctx, in)
	}
	daemon := in.SchedulingStrategy == ecsmodel.SchedulingStrategyDAEMON
	if err := unsupportedServiceFeatures(len(in.LoadBalancers), len(in.ServiceRegistries), in.ServiceConnectConfiguration != nil && in.ServiceConnectConfiguration.Enabled,
		len(in.VolumeConfigurations), len(in.VpcLatticeConfigurations), in.DeploymentController); err != nil {
		return nil, err
	}
	desired := int32(0)
	switch {
	case daemon:
		if len(in.PlacementStrategy) > 0 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Placement strategies are not supported with the DAEMON scheduling strategy: it runs one task on each container instance.")
		}
		if in.LaunchType == ecsmodel.LaunchTypeFARGATE || len(in.CapacityProviderStrategy) > 0 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The DAEMON scheduling strategy runs tasks on container instances: it does not support the FARGATE launch type or capacity provider strategies.")
		}
	case in.DesiredCount == nil:
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "desiredCount is required for a service with the REPLICA scheduling strategy.")
	case *in.DesiredCount < 0:
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "desiredCount must be 0 or more; got %d.", *in.DesiredCount)
	default:
		desired = *in.DesiredCount
	}
	if in.LaunchType != "" && len(in.CapacityProviderStrategy) > 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	}
	if len(in.ClientToken) > 36 || strings.ContainsFunc(in.ClientToken, func(r rune) bool { return r < 33 || r > 126 }) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "clientToken can be up to 36 ASCII characters from '!' to '~' (33 to 126); got %q.", in.ClientToken)
	}
	if g := in.HealthCheckGracePeriodSeconds; g != nil && (*g < 0 || *g > 2147483647) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "healthCheckGracePeriodSeconds must be 0 or more; got %d.", *g)
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	maxPct, minPct := int32(200), int32(100)
	if daemon {
		maxPct, minPct = 100, 0 // ECS's defaults for DAEMON services
	}
	maxPct, minPct, breaker, rollback, err := deploymentSettings(in.DeploymentConfiguration, maxPct, minPct, false, false)
	if err != nil {
		return nil, err
	}
	resetOnHealthy, threshold, err := breakerSettings(in.DeploymentConfiguration, nil, nil)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(mustJSON(in))
	key := hex.EncodeToString(sum[:])

	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if out, err := cp.existingService(c.Name, in.ServiceName, key); out != nil || err != nil {
		return out, err
	}
	def, err := cp.resolveServiceTaskDef(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	lt, err := checkServiceLaunch(def, in.LaunchType, in.NetworkConfiguration, len(in.PlacementConstraints) > 0 || len(in.PlacementStrategy) > 0)
	if err != nil {
		return nil, err
	}
	if err := checkServicePlacement(def, in.PlacementConstraints, in.PlacementStrategy); err != nil {
		return nil, err
	}
	if daemon && lt == string(ecsmodel.LaunchTypeFARGATE) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The DAEMON scheduling strategy runs tasks on container instances: task definition %s requires FARGATE.", def.TaskDefinitionArn)
	}
	if err := cp.checkRunnable(def, lt); err != nil {
		return nil, err
	}
	strategy, err := cp.serviceStrategy(c, in.LaunchType, in.CapacityProviderStrategy, daemon)
	if err != nil {
		return nil, err
	}
	if len(strategy) > 0 {
		lt = ""
	}
	now := cp.now()
	pv := in.PlatformVersion
	if pv == "" && lt == string(ecsmodel.LaunchTypeFARGATE) {
		pv = "LATEST"
	}
	s := &serviceRecord{
		Name: in.ServiceName, Cluster: c.Name, Status: serviceActive,
		DesiredCount: desired, TaskDefinition: def.TaskDefinitionArn,
		AskedLaunchType: string(in.LaunchType), LaunchType: lt, CapacityProviders: strategy,
		PlatformVersion: pv, SchedulingStrategy: string(ecsmodel.SchedulingStrategyREPLICA),
		MaxPercent: maxPct, MinHealthyPercent: minPct, CircuitBreaker: breaker, Rollback: rollback,
		ResetOnHealthy: resetOnHealthy, Threshold: threshold,
		PlacementConstraints: in.PlacementConstraints, PlacementStrategy: in.PlacementStrategy,
		NetworkConfiguration: in.NetworkConfiguration, HealthCheckGrace: in.HealthCheckGracePeriodSeconds,
		Tags: in.Tags, EnableManagedTags: in.EnableECSManagedTags, PropagateTags: string(in.PropagateTags),
		EnableExecuteCommand: in.EnableExecuteCommand, RoleArn: in.Role,
		CreatedAt: now, CreatedBy: fmt.Sprintf("arn:aws:iam::%s:root", cp.acct.ID), CreateKey: key,
	}
	if ns, err := cp.serviceNamespace(in.ServiceConnectConfiguration); err != nil {
		return nil, err
	} else if ns != "" {
		s.Namespace = ns
	}
	if daemon {
		s.SchedulingStrategy = string(ecsmodel.SchedulingStrategyDAEMON)
		s.DesiredCount = cp.daemonCount(s)
	}
	s.Deployments = []deploymentRecord{s.newDeployment(now)}
	cp.beginDeployment(s, now)
	if err := cp.saveService(ctx, s); err != nil {
		return nil, err
	}
	cp.services[serviceKey(c.Name, s.Name)] = s
	cp.wakeScheduler()
	w := cp.serviceWire(s, true)
	return &ecsmodel.CreateServiceResponse{Service: &w}, nil
}

// newDeployment returns a PRIMARY deployment of the service as it is now.
func (s *serviceRecord) newDeployment(now time.Time) deploymentRecord {
	id := newDeploymentID()
	return deploymentRecord{
		ID: id, Status: deploymentPrimary, TaskDefinition: s.TaskDefinition,
		CreatedAt: now, UpdatedAt: now, RolloutState: rolloutInProgress,
		RolloutStateReason:   fmt.Sprintf("ECS deployment %s in progress.", id),
		NetworkConfiguration: s.NetworkConfiguration, LaunchType: s.LaunchType,
		CapacityProviders: s.CapacityProviders, PlatformVersion: s.PlatformVersion,
	}
}

// deploy makes a new PRIMARY deployment; the previous ones drain.
func (s *serviceRecord) deploy(now time.Time) {
	for i := range s.Deployments {
		s.Deployments[i].Status = deploymentActive
		s.Deployments[i].UpdatedAt = now
	}
	s.Deployments = append([]deploymentRecord{s.newDeployment(now)}, s.Deployments...)
	s.Steady = false
}

// UpdateService changes a service: its desired count, placement and other
// settings at once, and, for a new task definition, network configuration
// or platform version (or forceNewDeployment, which a new capacity
// provider strategy needs), through a new rolling deployment.
func (cp *ControlPlane) UpdateService(ctx context.Context, in *ecsmodel.UpdateServiceRequest) (*ecsmodel.UpdateServiceResponse, error) {
	if err := unsupportedServiceFeatures(len(in.LoadBalancers), len(in.ServiceRegistries), in.ServiceConnectConfiguration != nil && in.ServiceConnectConfiguration.Enabled,
		len(in.VolumeConfigurations), len(in.VpcLatticeConfigurations), in.DeploymentController); err != nil {
		return nil, err
	}
	if in.DesiredCount != nil && *in.DesiredCount < 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "desiredCount must be 0 or more; got %d.", *in.DesiredCount)
	}
	if g := in.HealthCheckGracePeriodSeconds; g != nil && *g < 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "healthCheckGracePeriodSeconds must be 0 or more; got %d.", *g)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, err := cp.activeService(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	if s.external() {
		if err := tasksets.CheckUpdateService(in); err != nil {
			return nil, err
		}
	}
	daemon := s.SchedulingStrategy == string(ecsmodel.SchedulingStrategyDAEMON)
	if daemon && in.DesiredCount != nil {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "desiredCount cannot be set on a DAEMON service: it runs one task on each container instance.")
	}
	if daemon && len(in.PlacementStrategy) > 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Placement strategies are not supported with the DAEMON scheduling strategy: it runs one task on each container instance.")
	}
	if daemon && len(in.CapacityProviderStrategy) > 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The DAEMON scheduling strategy runs tasks on container instances: it does not support capacity provider strategies.")
	}
	upd := *s
	upd.Deployments = slices.Clone(s.Deployments)
	if ns, err := cp.serviceNamespace(in.ServiceConnectConfiguration); err != nil {
		return nil, err
	} else if ns != "" {
		upd.Namespace = ns
	}
	upd.MaxPercent, upd.MinHealthyPercent, upd.CircuitBreaker, upd.Rollback, err = deploymentSettings(in.DeploymentConfiguration, s.MaxPercent, s.MinHealthyPercent, s.CircuitBreaker, s.Rollback)
	if err != nil {
		return nil, err
	}
	upd.ResetOnHealthy, upd.Threshold, err = breakerSettings(in.DeploymentConfiguration, s.ResetOnHealthy, s.Threshold)
	if err != nil {
		return nil, err
	}
	redeploy := in.ForceNewDeployment
	if in.DesiredCount != nil {
		upd.DesiredCount = *in.DesiredCount
	}
	if in.TaskDefinition != "" {
		def, err := cp.resolveServiceTaskDef(in.TaskDefinition)
		if err != nil {
			return nil, err
		}
		if def.TaskDefinitionArn != s.TaskDefinition {
			upd.TaskDefinition, redeploy = def.TaskDefinitionArn, true
		}
	}
	if in.NetworkConfiguration != nil {
		upd.NetworkConfiguration, redeploy = in.NetworkConfiguration, true
	}
	// Placement applies to the tasks started from now on; it starts no
	// deployment (the model says so of both members).
	check := redeploy
	if in.PlacementConstraints != nil {
		upd.PlacementConstraints, check = in.PlacementConstraints, true
	}
	if in.PlacementStrategy != nil {
		upd.PlacementStrategy, check = in.PlacementStrategy, true
	}
	if in.PlatformVersion != "" && in.PlatformVersion != s.PlatformVersion {
		upd.PlatformVersion, redeploy = in.PlatformVersion, true
	}
	if in.CapacityProviderStrategy != nil && !slices.Equal(in.CapacityProviderStrategy, s.CapacityProviders) &&
		(len(in.CapacityProviderStrategy) > 0 || len(s.CapacityProviders) > 0) {
		// A new capacity provider strategy (or an empty one: back to the
		// launch type) takes a new deployment, which ECS wants asked for.
		if !in.ForceNewDeployment {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "When switching from launch type to capacity provider strategy on an existing service, or making a change to a capacity provider strategy on a service that is already using one, you must force a new deployment.")
		}
		if err := cp.checkServiceStrategyOf(s.Cluster, in.CapacityProviderStrategy); err != nil {
			return nil, err
		}
		upd.CapacityProviders, upd.AskedLaunchType, upd.LaunchType = in.CapacityProviderStrategy, "", ""
		if len(upd.CapacityProviders) == 0 {
			upd.CapacityProviders = nil
		}
	}
	if in.HealthCheckGracePeriodSeconds != nil {
		upd.HealthCheckGrace = in.HealthCheckGracePeriodSeconds
	}
	if in.EnableECSManagedTags != nil {
		upd.EnableManagedTags = *in.EnableECSManagedTags
	}
	if in.EnableExecuteCommand != nil {
		upd.EnableExecuteCommand = *in.EnableExecuteCommand
	}
	if in.PropagateTags != "" {
		upd.PropagateTags = string(in.PropagateTags)
	}
	if (redeploy || check) && !s.external() {
		def, err := cp.taskDefOfUpdate(upd.TaskDefinition, s.TaskDefinition)
		if err != nil {
			return nil, err
		}
		lt, err := checkServiceLaunch(def, ecsmodel.LaunchType(upd.AskedLaunchType), upd.NetworkConfiguration, len(upd.PlacementConstraints) > 0 || len(upd.PlacementStrategy) > 0)
		if err != nil {
			return nil, err
		}
		if err := checkServicePlacement(def, upd.PlacementConstraints, upd.PlacementStrategy); err != nil {
			return nil, err
		}
		if redeploy {
			if err := cp.checkRunnable(def, lt); err != nil {
				return nil, err
			}
			if len(upd.CapacityProviders) == 0 {
				upd.LaunchType = lt
			}
			upd.deploy(cp.now())
			cp.beginDeployment(&upd, cp.now())
		}
	}
	if check && s.external() {
		if err := checkServicePlacement(&ecsmodel.TaskDefinition{}, upd.PlacementConstraints, upd.PlacementStrategy); err != nil {
			return nil, err
		}
	}
	if upd.DesiredCount != s.DesiredCount {
		upd.Steady = false
	}
	w, err := cp.replaceService(ctx, s, upd, true)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.UpdateServiceResponse{Service: w}, nil
}

// DeleteService deletes a service: it goes DRAINING while the scheduler
// stops its tasks, then INACTIVE once they are all STOPPING or STOPPED
// (still describable for the task retention period). Without force, a service scaled above 0 is refused.
func (cp *ControlPlane) DeleteService(ctx context.Context, in *ecsmodel.DeleteServiceRequest) (*ecsmodel.DeleteServiceResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, err := cp.activeService(in.Cluster, in.Service)
	if err != nil {
		return nil, err
	}
	if s.DesiredCount > 0 && (in.Force == nil || !*in.Force) && s.SchedulingStrategy != string(ecsmodel.SchedulingStrategyDAEMON) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The service cannot be stopped while it is scaled above 0.")
	}
	upd := *s
	upd.Status, upd.DesiredCount, upd.Steady = serviceDraining, 0, false
	w, err := cp.replaceService(ctx, s, upd, false)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.DeleteServiceResponse{Service: w}, nil
}

// DescribeServices describes up to 10 services of a cluster, INACTIVE ones
// included; unknown ones come back as MISSING failures.
func (cp *ControlPlane) DescribeServices(ctx context.Context, in *ecsmodel.DescribeServicesRequest) (*ecsmodel.DescribeServicesResponse, error) {
	if len(in.Services) == 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Services cannot be empty.")
	}
	if len(in.Services) > 10 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "At most 10 services can be described at once; got %d.", len(in.Services))
	}
	tags := slices.Contains(in.Include, ecsmodel.ServiceFieldTAGS)
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.DescribeServicesResponse{Services: []ecsmodel.Service{}, Failures: []ecsmodel.Failure{}}
	for _, ref := range in.Services {
		s, err := cp.service(c, ref)
		if err != nil {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: cp.acct.ServiceARN(c.Name, ecs.ResourceName(ref)), Reason: "MISSING"})
			continue
		}
		out.Services = append(out.Services, cp.serviceWire(s, tags))
	}
	return out, nil
}

// ListServices lists the ARNs of a cluster's ACTIVE services (a deleted
// service, DRAINING or INACTIVE, is not listed, as on ECS),
// by name, 10 a page unless maxResults says otherwise (at most 100).
func (cp *ControlPlane) ListServices(ctx context.Context, in *ecsmodel.ListServicesRequest) (*ecsmodel.ListServicesResponse, error) {
	max := int32(10)
	if in.MaxResults != nil {
		max = *in.MaxResults
	}
	cp.mu.Lock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	var items []keyed
	for _, s := range cp.services {
		if s.Cluster != c.Name || s.Status != serviceActive {
			continue
		}
		if in.LaunchType != "" && s.LaunchType != string(in.LaunchType) {
			continue
		}
		if in.SchedulingStrategy != "" && s.SchedulingStrategy != string(in.SchedulingStrategy) {
			continue
		}
		if in.ResourceManagementType == ecsmodel.ResourceManagementTypeECS {
			continue // every service here is the customer's
		}
		items = append(items, keyed{s.Name, cp.acct.ServiceARN(c.Name, s.Name)})
	}
	cp.mu.Unlock()
	arns, next, err := pageValues(items, in.NextToken, &max)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListServicesResponse{ServiceArns: arns, NextToken: next}, nil
}

// serviceTasks returns the service's tasks (those its deployments
// started); callers hold cp.mu.
func (cp *ControlPlane) serviceTasks(s *serviceRecord) []*taskRecord {
	deps := map[string]bool{}
	for _, d := range s.Deployments {
		deps[d.ID] = true
	}
	group := serviceGroup(s.Name)
	var out []*taskRecord
	for _, t := range cp.tasks.All() {
		if t.Cluster == s.Cluster && t.Group == group && deps[t.StartedBy] {
			out = append(out, t)
		}
	}
	return out
}

// serviceWire builds the Service answer; callers hold cp.mu.
func (cp *ControlPlane) serviceWire(s *serviceRecord, withTags bool) ecsmodel.Service {
	counts := map[string]*ecsmodel.Deployment{}
	w := ecsmodel.Service{
		ServiceArn:               cp.acct.ServiceARN(s.Cluster, s.Name),
		ServiceName:              s.Name,
		ClusterArn:               cp.acct.ClusterARN(s.Cluster),
		LoadBalancers:            []ecsmodel.LoadBalancer{},
		ServiceRegistries:        []ecsmodel.ServiceRegistry{},
		Status:                   s.Status,
		DesiredCount:             s.DesiredCount,
		LaunchType:               ecsmodel.LaunchType(s.LaunchType),
		CapacityProviderStrategy: s.CapacityProviders,
		PlatformVersion:          s.PlatformVersion,
		TaskDefinition:           s.TaskDefinition,
		DeploymentConfiguration: &ecsmodel.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecsmodel.DeploymentCircuitBreaker{Enable: s.CircuitBreaker, Rollback: s.Rollback,
				ResetOnHealthyTask: s.ResetOnHealthy, ThresholdConfiguration: s.Threshold},
			MaximumPercent:        ptr(s.MaxPercent),
			MinimumHealthyPercent: ptr(s.MinHealthyPercent),
		},
		Deployments:                   []ecsmodel.Deployment{},
		RoleArn:                       s.RoleArn,
		Events:                        s.Events,
		CreatedAt:                     wire.At(s.CreatedAt),
		PlacementConstraints:          s.PlacementConstraints,
		PlacementStrategy:             s.PlacementStrategy,
		NetworkConfiguration:          s.NetworkConfiguration,
		HealthCheckGracePeriodSeconds: s.HealthCheckGrace,
		SchedulingStrategy:            ecsmodel.SchedulingStrategy(s.SchedulingStrategy),
		DeploymentController:          &ecsmodel.DeploymentController{Type: ecsmodel.DeploymentControllerTypeECS},
		CreatedBy:                     s.CreatedBy,
		EnableECSManagedTags:          s.EnableManagedTags,
		PropagateTags:                 ecsmodel.PropagateTags(s.PropagateTags),
		EnableExecuteCommand:          s.EnableExecuteCommand,
	}
	if w.PropagateTags == "" {
		w.PropagateTags = ecsmodel.PropagateTagsNONE
	}
	if w.Events == nil {
		w.Events = []ecsmodel.ServiceEvent{}
	}
	if w.PlacementConstraints == nil {
		w.PlacementConstraints = []ecsmodel.PlacementConstraint{}
	}
	if w.PlacementStrategy == nil {
		w.PlacementStrategy = []ecsmodel.PlacementStrategy{}
	}
	if s.Status != serviceInactive {
		for _, d := range s.Deployments {
			wd := ecsmodel.Deployment{
				Id: d.ID, Status: d.Status, TaskDefinition: d.TaskDefinition,
				FailedTasks: d.FailedTasks, CreatedAt: wire.At(d.CreatedAt), UpdatedAt: wire.At(d.UpdatedAt),
				LaunchType: ecsmodel.LaunchType(d.LaunchType), CapacityProviderStrategy: d.CapacityProviders,
				PlatformVersion: d.PlatformVersion, NetworkConfiguration: d.NetworkConfiguration,
				RolloutState: ecsmodel.DeploymentRolloutState(d.RolloutState), RolloutStateReason: d.RolloutStateReason,
			}
			if d.Status == deploymentPrimary {
				wd.DesiredCount = s.DesiredCount
			}
			w.Deployments = append(w.Deployments, wd)
		}
		for i := range w.Deployments {
			counts[w.Deployments[i].Id] = &w.Deployments[i]
		}
		for _, t := range cp.serviceTasks(s) {
			d := counts[t.StartedBy]
			if d == nil {
				continue
			}
			switch t.State.Status {
			case taskstate.Running:
				w.RunningCount++
				d.RunningCount++
			case taskstate.Provisioning, taskstate.Pending, taskstate.Activating:
				w.PendingCount++
				d.PendingCount++
			}
		}
	}
	if s.external() {
		cp.externalWire(s, &w)
	}
	if withTags {
		w.Tags = tagsOrEmpty(s.Tags)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

// serviceTaggable resolves a service ARN for tagging; callers hold cp.mu.
func (cp *ControlPlane) serviceTaggable(a ecs.ResourceARN, notFound ecs.Kind) (taggable, error) {
	var cluster, name string
	switch len(a.Path) {
	case 1: // the old short form service/<name>, in the default cluster
		cluster, name = ecs.DefaultCluster, a.Path[0]
	case 2:
		cluster, name = a.Path[0], a.Path[1]
	default:
		return taggable{}, ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: a service ARN ends in service/<cluster>/<name>, not %q.", strings.Join(a.Path, "/"))
	}
	c, err := cp.cluster(cluster)
	if err != nil {
		return taggable{}, err
	}
	s := cp.services[serviceKey(c.Name, name)]
	if s == nil || s.Status == serviceInactive {
		return taggable{}, ecs.Errorf(notFound, "The specified service does not exist: %s.", a)
	}
	return taggable{tags: s.Tags, save: func(ctx context.Context, tags []ecsmodel.Tag) error {
		upd := *s
		upd.Tags = tags
		if err := cp.saveService(ctx, &upd); err != nil {
			return err
		}
		*s = upd
		return nil
	}}, nil
}

// existingService answers a CreateService of a service that exists already
// (ACTIVE or DRAINING; nil and no error when there is none): the service,
// when key says the request is the one that created it, else ECS's error.
// cp.mu is held.
func (cp *ControlPlane) existingService(cluster, name, key string) (*ecsmodel.CreateServiceResponse, error) {
	s := cp.services[serviceKey(cluster, name)]
	if s == nil || s.Status == serviceInactive {
		return nil, nil
	}
	if s.Status == serviceDraining {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Unable to Start a service that is still Draining.")
	}
	if s.CreateKey != key {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Creation of service was not idempotent.")
	}
	w := cp.serviceWire(s, true)
	return &ecsmodel.CreateServiceResponse{Service: &w}, nil
}
