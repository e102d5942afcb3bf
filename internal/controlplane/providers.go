package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	capacitygroups "github.com/ecsrun/ecsrun/internal/capacity"
	cpcore "github.com/ecsrun/ecsrun/internal/capacityproviders"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/placement"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// This file is the control plane's narrow side of capacity providers
// (package capacity holds the providers and groups, package
// capacityproviders the arithmetic): clusters' providers and default
// strategy, RunTask's strategy, tasks waiting in PROVISIONING for an Auto
// Scaling group provider's capacity, and the groups' instances.

// ProviderCatalog answers what the control plane needs to know of a
// capacity provider (package capacity's Registry).
type ProviderCatalog interface {
	Provider(name string) (cpcore.Info, bool)
}

// sourceGroup is the source of Auto Scaling group instances: + key.
const sourceGroup = "asg:"

// waitPlacement is what a task waiting for capacity is placed with.
type waitPlacement struct {
	Constraints []ecsmodel.PlacementConstraint `json:"constraints,omitempty"`
	Strategy    []ecsmodel.PlacementStrategy   `json:"strategy,omitempty"`
}

func (cp *ControlPlane) lookupProvider(name string) (usable, fargate bool) {
	if cp.providers == nil {
		return cpcore.IsFargate(name), cpcore.IsFargate(name)
	}
	info, ok := cp.providers.Provider(name)
	return ok && info.Usable, info.Fargate
}

func strategyItems(s []ecsmodel.CapacityProviderStrategyItem) []cpcore.Item {
	out := make([]cpcore.Item, len(s))
	for i, it := range s {
		out[i] = cpcore.Item{Provider: it.CapacityProvider, Base: int(it.Base), Weight: int(it.Weight)}
	}
	return out
}

// checkClusterProviders checks a cluster's providers and default
// strategy; other is the cluster they are for. Callers hold cp.mu.
func (cp *ControlPlane) checkClusterProviders(cluster string, names []string, def []ecsmodel.CapacityProviderStrategyItem) error {
	if len(names) > cpcore.MaxClusterProviders {
		return ecs.Errorf(ecs.ErrInvalidParameter, "The maximum number of capacity providers per cluster has been exceeded: %d; at most %d.", len(names), cpcore.MaxClusterProviders)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider %s is listed more than once.", n)
		}
		seen[n] = true
		usable, fargate := cp.lookupProvider(n)
		if !usable {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider %s is not in an ACTIVE state. Specify a valid capacity provider and try again.", n)
		}
		if fargate {
			continue
		}
		for _, c := range cp.clusters {
			if c.Name != cluster && c.Status == "ACTIVE" && slices.Contains(c.CapacityProviders, n) {
				return ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider %s is already associated with the cluster %s. An Auto Scaling group capacity provider can be associated with one cluster only.", n, c.Name)
			}
		}
	}
	return cpcore.CheckStrategy(strategyItems(def), cp.lookupProvider, append([]string{}, names...))
}

// PutClusterCapacityProviders replaces a cluster's capacity providers and
// default strategy; a provider that tasks or services of the cluster use
// cannot be removed.
func (cp *ControlPlane) PutClusterCapacityProviders(ctx context.Context, in *ecsmodel.PutClusterCapacityProvidersRequest) (*ecsmodel.PutClusterCapacityProvidersResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	if err := cp.checkClusterProviders(c.Name, in.CapacityProviders, in.DefaultCapacityProviderStrategy); err != nil {
		return nil, err
	}
	for _, old := range c.CapacityProviders {
		if slices.Contains(in.CapacityProviders, old) {
			continue
		}
		if cp.providerUsedIn(c.Name, old) {
			return nil, ecs.Errorf(ecs.ErrResourceInUse, "The specified capacity provider is in use and cannot be removed.")
		}
	}
	upd := *c
	upd.CapacityProviders = slices.Clone(in.CapacityProviders)
	upd.DefaultStrategy = slices.Clone(in.DefaultCapacityProviderStrategy)
	if err := cp.saveCluster(ctx, &upd); err != nil {
		return nil, err
	}
	*c = upd
	w := cp.clusterWire(c, false, false)
	return &ecsmodel.PutClusterCapacityProvidersResponse{Cluster: &w}, nil
}

// providerUsedIn reports whether tasks that have not stopped or services
// of cluster use provider; callers hold cp.mu.
func (cp *ControlPlane) providerUsedIn(cluster, provider string) bool {
	for _, t := range cp.tasks.Decoded() {
		if t.Cluster == cluster && t.CapacityProvider == provider && !t.State.Status.Terminal() {
			return true
		}
	}
	for _, s := range cp.services {
		if s.Cluster != cluster || s.Status == serviceInactive {
			continue
		}
		for _, d := range s.Deployments {
			for _, it := range d.CapacityProviders {
				if it.CapacityProvider == provider {
					return true
				}
			}
		}
	}
	return false
}

// ProviderClusters returns the ACTIVE clusters provider is associated
// with.
func (cp *ControlPlane) ProviderClusters(provider string) []string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	var out []string
	for _, c := range cp.clusters {
		if c.Status == "ACTIVE" && slices.Contains(c.CapacityProviders, provider) {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// ProviderInUse says why provider cannot be deleted ("" when it can).
func (cp *ControlPlane) ProviderInUse(provider string) string {
	cs := cp.ProviderClusters(provider)
	if len(cs) == 0 {
		return ""
	}
	return fmt.Sprintf("The capacity provider cannot be deleted because it is associated with cluster: %s. Remove the capacity provider from the cluster and try again.", cs[0])
}

// taskStrategy returns the strategy a RunTask request's tasks are placed
// by: the request's, or the cluster's default when neither a launch type
// nor a strategy is given (nil: none). Callers hold cp.mu.
func (cp *ControlPlane) taskStrategy(c *clusterRecord, in *ecsmodel.RunTaskRequest) ([]cpcore.Item, error) {
	s := in.CapacityProviderStrategy
	if len(s) == 0 && in.LaunchType == "" {
		s = c.DefaultStrategy
	}
	if len(s) == 0 {
		return nil, nil
	}
	items := strategyItems(s)
	if err := cpcore.CheckStrategy(items, cp.lookupProvider, associated(c)); err != nil {
		return nil, err
	}
	return items, nil
}

// strategyAssign decides the provider of each of n new tasks, counting
// the tasks of the same service group for a service. Callers hold cp.mu.
func (cp *ControlPlane) strategyAssign(items []cpcore.Item, cluster, group string, forService bool, n int) []string {
	var existing map[string]int
	if forService {
		existing = map[string]int{}
		for _, t := range cp.tasks.Decoded() {
			if t.Cluster == cluster && t.Group == group && t.CapacityProvider != "" && !t.State.Status.Terminal() && t.State.Desired != taskstate.Stopped {
				existing[t.CapacityProvider]++
			}
		}
	}
	return cpcore.Distribute(items, existing, n)
}

// groupInstances returns the EC2 ids of the ACTIVE instances of provider
// in cluster; callers hold cp.mu.
func (cp *ControlPlane) groupInstances(cluster, provider string) []string {
	var ids []string
	for _, r := range cp.instances {
		if r.Cluster == cluster && r.CapacityProvider == provider && r.Status == instanceActive {
			ids = append(ids, r.EC2InstanceID)
		}
	}
	sort.Strings(ids)
	return ids
}

// placeByProviders places tasks assigned to Auto Scaling group providers
// on those providers' instances. Tasks that find no room wait in
// PROVISIONING (waiting true) for the provider's capacity; other placement
// failures are returned. Callers hold cp.mu.
func (cp *ControlPlane) placeByProviders(cluster string, def *ecsmodel.TaskDefinition, in *ecsmodel.RunTaskRequest, group string, recs []*taskRecord) ([]*taskRecord, []ecsmodel.Failure, error) {
	byProvider := map[string][]*taskRecord{}
	var order []string
	for _, t := range recs {
		if _, ok := byProvider[t.CapacityProvider]; !ok {
			order = append(order, t.CapacityProvider)
		}
		byProvider[t.CapacityProvider] = append(byProvider[t.CapacityProvider], t)
	}
	var out []*taskRecord
	var failures []ecsmodel.Failure
	for _, p := range order {
		ts := byProvider[p]
		placed, fs, err := cp.placeOnProvider(cluster, p, def, in, group, ts)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, placed...)
		failures = append(failures, fs...)
	}
	return out, failures, nil
}

// placeOnProvider places ts on provider's instances; the tasks without
// room are marked waiting and returned with the placed ones.
func (cp *ControlPlane) placeOnProvider(cluster, provider string, def *ecsmodel.TaskDefinition, in *ecsmodel.RunTaskRequest, group string, ts []*taskRecord) ([]*taskRecord, []ecsmodel.Failure, error) {
	wait := func(t *taskRecord) {
		t.AwaitingCapacity = true
		t.WaitPlacement = &waitPlacement{Constraints: in.PlacementConstraints, Strategy: in.PlacementStrategy}
	}
	ids := cp.groupInstances(cluster, provider)
	if len(ids) == 0 {
		for _, t := range ts {
			wait(t)
		}
		return ts, nil, nil
	}
	only := "ec2InstanceId in [" + strings.Join(ids, ", ") + "]"
	placed, failures, err := cp.placeOnly(cluster, def, in, group, ts, only)
	if err != nil {
		return nil, nil, err
	}
	var left []ecsmodel.Failure
	for i, f := range failures {
		if strings.HasPrefix(f.Reason, "RESOURCE:") || f.Reason == string(placement.ReasonMemberOf) {
			continue
		}
		left = append(left, failures[i])
	}
	if len(left) > 0 {
		return placed, left, nil
	}
	out := placed
	for _, t := range ts {
		if t.ContainerInstance == "" {
			wait(t)
			out = append(out, t)
		}
	}
	return out, nil, nil
}

// placeOnly is place restricted by one more memberOf expression (none
// when only is "").
func (cp *ControlPlane) placeOnly(cluster string, def *ecsmodel.TaskDefinition, in *ecsmodel.RunTaskRequest, group string, recs []*taskRecord, only string) ([]*taskRecord, []ecsmodel.Failure, error) {
	need, err := ecs.TaskResourceNeeds(def, in.Overrides)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(recs))
	for i, t := range recs {
		ids[i] = t.ID
	}
	req, err := placementRequest(def, in, group, need, ids)
	if err != nil {
		return nil, nil, err
	}
	if only != "" {
		req.Constraints = append(req.Constraints, placement.Constraint{Type: placement.MemberOf, Expression: only})
	}
	res, err := cp.placer(cluster).Place(req)
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

// PlaceWaiting places the tasks waiting in PROVISIONING for an Auto
// Scaling group provider's capacity, oldest first, and launches those
// that found room.
func (cp *ControlPlane) PlaceWaiting(ctx context.Context) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	var waiting []*taskRecord
	for _, t := range cp.tasks.Decoded() {
		if t.AwaitingCapacity && !t.State.Status.Terminal() && t.State.Desired != taskstate.Stopped {
			waiting = append(waiting, t)
		}
	}
	sort.Slice(waiting, func(i, j int) bool { return waiting[i].Seq < waiting[j].Seq })
	var launch []*taskRecord
	for _, t := range waiting {
		revs := cp.families[t.Family]
		if int(t.Revision) > len(revs) || t.Revision < 1 {
			continue
		}
		def := &revs[t.Revision-1].Def
		ids := cp.groupInstances(t.Cluster, t.CapacityProvider)
		if len(ids) == 0 {
			continue
		}
		in := &ecsmodel.RunTaskRequest{Overrides: t.Overrides}
		if t.WaitPlacement != nil {
			in.PlacementConstraints, in.PlacementStrategy = t.WaitPlacement.Constraints, t.WaitPlacement.Strategy
		}
		placed, _, err := cp.placeOnly(t.Cluster, def, in, t.Group, []*taskRecord{t}, "ec2InstanceId in ["+strings.Join(ids, ", ")+"]")
		if err != nil || len(placed) == 0 {
			continue
		}
		t.AwaitingCapacity, t.WaitPlacement = false, nil
		t.Version++
		launch = append(launch, t)
	}
	if len(launch) == 0 {
		return
	}
	var err error
	cp.lendToReports(func() { err = cp.saveTasks(ctx, launch...) })
	if err != nil {
		cp.log.Error("cannot store tasks placed on new capacity", "err", err)
		for _, t := range launch {
			cp.release(t)
			t.ContainerInstance, t.AwaitingCapacity = "", true
		}
		return
	}
	if cp.launcher != nil {
		for _, t := range launch {
			spec, _ := cp.specFor(t)
			cp.launcher.Launch(spec)
		}
	}
}

// isDaemonTask reports whether t belongs to a DAEMON service or to a
// managed daemon (group "daemon:<name>", package daemons); callers hold
// cp.mu.
func (cp *ControlPlane) isDaemonTask(t *taskRecord) bool {
	if strings.HasPrefix(t.Group, "daemon:") {
		return true
	}
	name, ok := strings.CutPrefix(t.Group, "service:")
	if !ok {
		return false
	}
	s := cp.services[serviceKey(t.Cluster, name)]
	return s != nil && s.SchedulingStrategy == string(ecsmodel.SchedulingStrategyDAEMON)
}

// GroupUsage reports which of provider's instances (by group key) run a
// task that is not a daemon task, and what the tasks waiting for its
// capacity need.
func (cp *ControlPlane) GroupUsage(provider string) (map[string]bool, []cpcore.Resources) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	busy := map[string]bool{}
	var waiting []cpcore.Resources
	for _, t := range cp.tasks.Decoded() {
		if t.ContainerInstance != "" && !t.State.Status.Terminal() {
			r := cp.instances[t.ContainerInstance]
			if r != nil && r.CapacityProvider == provider && r.Status != instanceInactive && !cp.isDaemonTask(t) {
				busy[strings.TrimPrefix(r.Source, sourceGroup)] = true
			}
			continue
		}
		if !t.AwaitingCapacity || t.CapacityProvider != provider || t.State.Status.Terminal() || t.State.Desired == taskstate.Stopped {
			continue
		}
		revs := cp.families[t.Family]
		if int(t.Revision) > len(revs) || t.Revision < 1 {
			continue
		}
		need, err := ecs.TaskResourceNeeds(&revs[t.Revision-1].Def, t.Overrides)
		if err != nil {
			continue
		}
		waiting = append(waiting, cpcore.Resources{CPU: need.CPU, Memory: need.Memory})
	}
	return busy, waiting
}

func groupInstanceID(key string) string {
	sum := sha256.Sum256([]byte(sourceGroup + key))
	return hex.EncodeToString(sum[:16])
}

// AddGroupInstance registers an Auto Scaling group's instance in cluster
// for provider, unless it is registered there already.
func (cp *ControlPlane) AddGroupInstance(ctx context.Context, cluster, provider string, gi capacitygroups.GroupInstance) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	id := groupInstanceID(gi.Key)
	prev := cp.instances[id]
	if prev != nil && prev.Cluster == cluster && prev.CapacityProvider == provider {
		// Registered already, or deregistered by the user: an instance
		// deregistered from ECS stays in its group, unregistered, as an
		// EC2 instance whose agent was deregistered does.
		return nil
	}
	if c := cp.clusters[cluster]; c == nil || c.Status != "ACTIVE" {
		return nil
	}
	if prev != nil && prev.Status != instanceInactive {
		if err := cp.deactivate(ctx, prev); err != nil {
			return err
		}
	}
	if prev != nil && prev.Cluster != cluster {
		prev = nil // a new registration in another cluster, same id
	}
	spec := instanceSpec{
		res:            ecs.InstanceResources{CPU: gi.CPU, Memory: gi.Memory, TCPPorts: slices.Clone(ecs.AgentPorts)},
		attrs:          cp.builtinAttributes(gi.Attributes, nil),
		info:           ecsmodel.VersionInfo{AgentVersion: ecs.LocalAgentVersion, AgentHash: "ecsrun"},
		agentConnected: true, tags: []ecsmodel.Tag{}, ec2ID: "i-" + id[:17],
	}
	r, err := cp.putInstance(ctx, cluster, prev, id, sourceGroup+gi.Key, spec)
	if err != nil {
		return err
	}
	r.CapacityProvider = provider
	return cp.saveInstance(ctx, r)
}

// RemoveGroupInstance deregisters an Auto Scaling group's instance (the
// group terminated it), stopping the tasks still on it.
func (cp *ControlPlane) RemoveGroupInstance(ctx context.Context, key string) error {
	id := groupInstanceID(key)
	cp.mu.Lock()
	r := cp.instances[id]
	if r == nil || r.CapacityProvider == "" {
		cp.mu.Unlock()
		return nil
	}
	var ids []string
	for _, t := range cp.activeTasksOn(id) {
		ids = append(ids, t.ID)
	}
	reason := "Container instance " + r.EC2InstanceID + " was terminated by its Auto Scaling group (scale-in)"
	cp.mu.Unlock()
	if err := cp.stopTasks(ctx, ids, "TerminationNotice", reason); err != nil {
		return err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if r.Status != instanceInactive {
		if err := cp.deactivate(ctx, r); err != nil {
			return err
		}
	}
	// Released by its group: registering it again (the provider back in a
	// cluster) is a new registration.
	upd := *r
	upd.CapacityProvider = ""
	if err := cp.saveInstance(ctx, &upd); err != nil {
		return err
	}
	*r = upd
	return nil
}

// serviceStrategy checks a new service's strategy and returns the one it
// keeps: the cluster's default when neither a launch type nor a strategy
// is given (a DAEMON service keeps none), as ECS records it. Callers hold
// cp.mu.
func (cp *ControlPlane) serviceStrategy(c *clusterRecord, lt ecsmodel.LaunchType, s []ecsmodel.CapacityProviderStrategyItem, daemon bool) ([]ecsmodel.CapacityProviderStrategyItem, error) {
	if len(s) == 0 && lt == "" && !daemon {
		s = c.DefaultStrategy
	}
	if len(s) == 0 {
		return nil, nil
	}
	if err := cpcore.CheckStrategy(strategyItems(s), cp.lookupProvider, associated(c)); err != nil {
		return nil, err
	}
	return slices.Clone(s), nil
}

// checkServiceStrategyOf checks a strategy UpdateService gives; callers
// hold cp.mu.
func (cp *ControlPlane) checkServiceStrategyOf(cluster string, s []ecsmodel.CapacityProviderStrategyItem) error {
	c := cp.clusters[cluster]
	if c == nil || len(s) == 0 {
		return nil
	}
	return cpcore.CheckStrategy(strategyItems(s), cp.lookupProvider, associated(c))
}

// associated returns the providers of c, never nil (CheckStrategy takes
// nil as "any").
func associated(c *clusterRecord) []string {
	return append([]string{}, c.CapacityProviders...)
}

// sameClusterProviders refuses a CreateCluster of an existing cluster that
// gives other capacity providers or another default strategy, as ECS does.
func sameClusterProviders(c *clusterRecord, in *ecsmodel.CreateClusterRequest) error {
	if in.CapacityProviders == nil && in.DefaultCapacityProviderStrategy == nil {
		return nil
	}
	if !slices.Equal(in.CapacityProviders, c.CapacityProviders) || !slices.Equal(in.DefaultCapacityProviderStrategy, c.DefaultStrategy) {
		return ecs.Errorf(ecs.ErrInvalidParameter, "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
	}
	return nil
}
