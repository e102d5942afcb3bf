package controlplane

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/placement"
	"github.com/ecsrun/ecsrun/internal/placement/query"
	"github.com/ecsrun/ecsrun/internal/taskstate"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Container instance statuses ecsrun uses. INACTIVE instances are
// deregistered: describable, never placed on.
const (
	instanceActive   = "ACTIVE"
	instanceDraining = "DRAINING"
	instanceInactive = "INACTIVE"
)

// Where an instance came from (instanceRecord.Source).
const (
	sourceAPI    = "api"
	sourceHost   = "host"
	sourceConfig = "config:" // + cluster + "/" + key
)

// ReasonDeregistrationForced is the stoppedReason of tasks stopped by a
// forced DeregisterContainerInstance.
const ReasonDeregistrationForced = "Container instance deregistration forced by user"

// instanceRecord is everything the control plane keeps about a container
// instance. What is left of its resources and which tasks run on it live
// in the cluster's placement.State, rebuilt from the tasks on start.
type instanceRecord struct {
	ID             string               `json:"id"`
	Seq            int64                `json:"seq"`
	Cluster        string               `json:"cluster"`
	ARN            string               `json:"arn"`
	EC2InstanceID  string               `json:"ec2InstanceId"`
	Source         string               `json:"source"`
	Status         string               `json:"status"`
	AgentConnected bool                 `json:"agentConnected"`
	Version        int64                `json:"version"`
	VersionInfo    ecsmodel.VersionInfo `json:"versionInfo"`
	Resources      []ecsmodel.Resource  `json:"resources"`
	Attributes     map[string]string    `json:"attributes"`
	Tags           []ecsmodel.Tag       `json:"tags,omitempty"`
	RegisteredAt   time.Time            `json:"registeredAt"`
	DeregisteredAt time.Time            `json:"deregisteredAt,omitzero"`
	// Declared is what ecsrun itself last registered for the host or a
	// --config declaration (nil for instances registered through the
	// API). At each start the declaration is applied again; what was
	// changed through the API besides it is kept (see redeclare).
	Declared *declaration `json:"declared,omitempty"`
	// CapacityProvider is the provider whose Auto Scaling group the
	// instance belongs to.
	CapacityProvider string `json:"capacityProvider,omitempty"`
}

// declaration is what a host or --config registration sets.
type declaration struct {
	Attributes map[string]string `json:"attributes"`
	Tags       []ecsmodel.Tag    `json:"tags,omitempty"`
}

// resources returns the registered resources, parsed.
func (r *instanceRecord) resources() ecs.InstanceResources {
	res, err := ecs.ParseInstanceResources(r.Resources)
	if err != nil {
		// Stored resources were parsed before they were stored.
		panic(fmt.Sprintf("controlplane: instance %s: stored resources: %v", r.ID, err))
	}
	return res
}

// placementInstance returns the instance as placement sees it, with all
// its registered resources free.
func (r *instanceRecord) placementInstance() placement.Instance {
	res := r.resources()
	st := placement.StatusActive
	if r.Status == instanceDraining {
		st = placement.StatusDraining
	}
	return placement.Instance{
		ARN: r.ARN, EC2InstanceID: r.EC2InstanceID, Status: st,
		AgentConnected: r.AgentConnected, AgentVersion: r.VersionInfo.AgentVersion,
		RegisteredAt: r.RegisteredAt, Attributes: r.Attributes,
		Free: placement.Free{CPU: res.CPU, Memory: res.Memory, TCPPorts: res.TCPPorts, UDPPorts: res.UDPPorts, GPUs: res.GPUs},
	}
}

func (cp *ControlPlane) saveInstance(ctx context.Context, r *instanceRecord) error {
	return cp.exec(ctx, `INSERT INTO container_instances(id, seq, cluster, body) VALUES(?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET cluster = excluded.cluster, body = excluded.body`, r.ID, r.Seq, r.Cluster, mustJSON(r))
}

// loadInstances reads the container instances, forgetting those
// deregistered longer than the task retention ago (except the host's: its
// record is what keeps it deregistered), and builds the clusters'
// placement states (without their tasks: see restoreAllocations).
func (cp *ControlPlane) loadInstances(ctx context.Context) error {
	cutoff := cp.now().Add(-cp.keep)
	var expired []string
	err := loadRows(ctx, cp.db, `SELECT body FROM container_instances ORDER BY seq`, "container instances", func(r *instanceRecord) error {
		cp.instSeq = max(cp.instSeq, r.Seq)
		if r.Status == instanceInactive && r.DeregisteredAt.Before(cutoff) && r.Source != sourceHost {
			expired = append(expired, r.ID)
			return nil
		}
		cp.instances[r.ID] = r
		if r.Status != instanceInactive {
			if err := cp.placer(r.Cluster).AddInstance(r.placementInstance()); err != nil {
				return fmt.Errorf("controlplane: load container instance %s: %w", r.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range expired {
		if _, err := cp.db.ExecContext(ctx, `DELETE FROM container_instances WHERE id = ?`, id); err != nil {
			return fmt.Errorf("controlplane: expire container instance: %w", err)
		}
	}
	return nil
}

// restoreAllocations records, after a restart, what the tasks placed on
// container instances hold; tasks asked to stop hold nothing (ECS frees a
// stopping task's resources at once).
func (cp *ControlPlane) restoreAllocations(match func(*taskRecord) bool) {
	ts := make([]*taskRecord, 0, cp.tasks.Len())
	for _, t := range cp.tasks.Decoded() {
		if t.ContainerInstance != "" && t.State.Desired != taskstate.Stopped && !t.State.Status.Terminal() && match(t) {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Seq < ts[j].Seq })
	for _, t := range ts {
		r := cp.instances[t.ContainerInstance]
		if r == nil || r.Status == instanceInactive {
			continue
		}
		need, err := cp.taskNeed(t)
		if err != nil {
			cp.log.Error("cannot restore a task's resources", "task", t.ID, "err", err)
			continue
		}
		err = cp.placer(r.Cluster).Reserve(t.ID, r.ARN, t.Group, need, t.GPUs)
		if err != nil {
			cp.log.Error("cannot restore a task's resources", "task", t.ID, "err", err)
			continue
		}
		if t.State.Status >= taskstate.Running {
			cp.markRunning(t)
		}
	}
}

// taskNeed computes what a task holds on its instance; callers hold cp.mu.
func (cp *ControlPlane) taskNeed(t *taskRecord) (placement.Need, error) {
	revs := cp.families[t.Family]
	if int(t.Revision) > len(revs) || t.Revision < 1 {
		return placement.Need{}, fmt.Errorf("task definition %s:%d is gone", t.Family, t.Revision)
	}
	need, err := ecs.TaskResourceNeeds(&revs[t.Revision-1].Def, t.Overrides)
	if err != nil {
		return placement.Need{}, err
	}
	return placementNeed(need), nil
}

func placementNeed(n ecs.TaskResources) placement.Need {
	return placement.Need{CPU: n.CPU, Memory: n.Memory, TCPPorts: n.TCPPorts, UDPPorts: n.UDPPorts, GPUs: n.GPUs}
}

// placer returns a cluster's placement state, creating it; callers hold
// cp.mu.
func (cp *ControlPlane) placer(cluster string) *placement.State {
	st := cp.placers[cluster]
	if st == nil {
		st = placement.NewState()
		cp.placers[cluster] = st
	}
	return st
}

// release frees what a task held on its container instance, if anything;
// callers hold cp.mu.
func (cp *ControlPlane) release(t *taskRecord) {
	if t.ContainerInstance == "" {
		return
	}
	if st := cp.placers[t.Cluster]; st != nil {
		st.Release(t.ID) // ErrNotFound: already released
	}
}

// markRunning counts a task that reached RUNNING in its container
// instance's runningTasksCount (for memberOf and ListContainerInstances
// filters); callers hold cp.mu, or the report lock it lends.
func (cp *ControlPlane) markRunning(t *taskRecord) {
	if t.ContainerInstance == "" {
		return
	}
	if st := cp.placers[t.Cluster]; st != nil {
		st.MarkRunning(t.ID) // ErrNotFound: already released
	}
}

// instanceSpec is what registering, or re-registering, an instance sets.
type instanceSpec struct {
	ec2ID          string // "" keeps the current one or generates one
	res            ecs.InstanceResources
	attrs          map[string]string
	info           ecsmodel.VersionInfo
	tags           []ecsmodel.Tag // nil keeps the current ones
	agentConnected bool
	// declared, when set, is recorded as the instance's declaration.
	declared *declaration
}

// putInstance registers an instance in cluster: a new one when r is nil
// (with id, or a random id when id is ""), otherwise r again (an agent
// re-registering, or a declared instance whose declaration changed). Tasks
// placed on r keep their resources. Callers hold cp.mu.
func (cp *ControlPlane) putInstance(ctx context.Context, cluster string, r *instanceRecord, id, source string, spec instanceSpec) (*instanceRecord, error) {
	upd := &instanceRecord{}
	if r != nil {
		*upd = *r
		upd.Version++
	} else {
		if id == "" {
			id = newID()
		}
		cp.instSeq++
		upd = &instanceRecord{
			ID: id, Seq: cp.instSeq, Cluster: cluster, ARN: cp.acct.ContainerInstanceARN(cluster, id),
			Source: source, Version: 1,
		}
	}
	if upd.Status == "" || upd.Status == instanceInactive {
		upd.Status = instanceActive
		upd.RegisteredAt = cp.now()
		upd.DeregisteredAt = time.Time{}
	}
	switch {
	case spec.ec2ID != "":
		upd.EC2InstanceID = spec.ec2ID
	case upd.EC2InstanceID == "":
		upd.EC2InstanceID = "i-" + newID()[:17]
	}
	upd.AgentConnected = spec.agentConnected
	upd.VersionInfo = spec.info
	upd.Resources = spec.res.Wire()
	upd.Attributes = maps.Clone(spec.attrs)
	if spec.tags != nil {
		upd.Tags = spec.tags
	}
	if spec.declared != nil {
		upd.Declared = spec.declared
	}
	if err := cp.saveInstance(ctx, upd); err != nil {
		return nil, err
	}
	st := cp.placer(cluster)
	if r != nil && r.Status != instanceInactive {
		st.RemoveInstance(r.ARN)
	}
	if err := st.AddInstance(upd.placementInstance()); err != nil {
		return nil, fmt.Errorf("controlplane: register container instance: %w", err)
	}
	cp.instances[upd.ID] = upd
	if r != nil {
		cp.restoreAllocations(func(t *taskRecord) bool { return t.ContainerInstance == upd.ID })
	}
	return upd, nil
}

// instance resolves a container instance id or ARN within a cluster;
// callers hold cp.mu.
func (cp *ControlPlane) instance(c *clusterRecord, ref string) *instanceRecord {
	r := cp.instances[ecs.ResourceName(ref)]
	if r == nil || r.Cluster != c.Name {
		return nil
	}
	if strings.HasPrefix(ref, "arn:") && ref != r.ARN {
		return nil
	}
	return r
}

// instanceRefARN returns the ARN a reference names, for failures.
func (cp *ControlPlane) instanceRefARN(c *clusterRecord, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return cp.acct.ContainerInstanceARN(c.Name, ref)
}

// activeTasksOn returns the tasks on an instance that have not stopped;
// callers hold cp.mu.
func (cp *ControlPlane) activeTasksOn(id string) []*taskRecord {
	var out []*taskRecord
	for _, t := range cp.tasks.Decoded() {
		if t.ContainerInstance == id && !t.State.Status.Terminal() {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// taskCounts counts, per container instance id, the tasks that should run:
// running ones and pending ones (not yet RUNNING). Callers hold cp.mu.
func (cp *ControlPlane) taskCounts() map[string][2]int32 {
	out := map[string][2]int32{}
	for _, t := range cp.tasks.Decoded() {
		if t.ContainerInstance == "" || t.State.Desired == taskstate.Stopped || t.State.Status.Terminal() {
			continue
		}
		c := out[t.ContainerInstance]
		if t.State.Status >= taskstate.Running {
			c[0]++
		} else {
			c[1]++
		}
		out[t.ContainerInstance] = c
	}
	return out
}

// instanceWire builds the ContainerInstance answer; callers hold cp.mu.
func (cp *ControlPlane) instanceWire(r *instanceRecord, counts map[string][2]int32, tags, health bool) ecsmodel.ContainerInstance {
	vi := r.VersionInfo
	w := ecsmodel.ContainerInstance{
		ContainerInstanceArn: r.ARN,
		Ec2InstanceId:        r.EC2InstanceID,
		Version:              r.Version,
		VersionInfo:          &vi,
		RegisteredResources:  slices.Clone(r.Resources),
		RemainingResources:   slices.Clone(r.Resources),
		Status:               r.Status,
		AgentConnected:       r.AgentConnected && r.Status != instanceInactive,
		CapacityProviderName: r.CapacityProvider,
		RunningTasksCount:    counts[r.ID][0],
		PendingTasksCount:    counts[r.ID][1],
		Attributes:           attributeList(r.Attributes),
		RegisteredAt:         wire.At(r.RegisteredAt),
		Attachments:          []ecsmodel.Attachment{},
	}
	if st := cp.placers[r.Cluster]; st != nil && r.Status != instanceInactive {
		if in, ok := st.Instance(r.ARN); ok {
			res := r.resources()
			res.CPU, res.Memory = in.Free.CPU, in.Free.Memory
			res.TCPPorts, res.UDPPorts = in.Free.TCPPorts, in.Free.UDPPorts
			if len(res.GPUs) > 0 {
				res.GPUs = in.Free.GPUs
			}
			w.RemainingResources = res.Wire()
		}
	}
	if tags {
		w.Tags = tagsOrEmpty(r.Tags)
	}
	if health {
		at := wire.At(r.RegisteredAt)
		w.HealthStatus = &ecsmodel.ContainerInstanceHealthStatus{
			OverallStatus: ecsmodel.InstanceHealthCheckStateOK,
			Details: []ecsmodel.InstanceHealthCheckResult{{
				Type: ecsmodel.InstanceHealthCheckTypeCONTAINERRUNTIME, Status: ecsmodel.InstanceHealthCheckStateOK,
				LastUpdated: wire.At(cp.now()), LastStatusChange: at,
			}},
		}
	}
	return w
}

func attributeList(m map[string]string) []ecsmodel.Attribute {
	out := make([]ecsmodel.Attribute, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, ecsmodel.Attribute{Name: name, Value: m[name]})
	}
	return out
}

// builtinAttributes fills in the built-in attributes a registration did
// not give: the operating system and CPU architecture of the local agent,
// the zone <region>a, and, when the registration lists no capability at
// all, the local agent's capabilities (every instance's tasks run on the
// local agent). doc, when set, supplies the instance type, zone, AMI and
// architecture.
func (cp *ControlPlane) builtinAttributes(attrs map[string]string, doc *ecs.IdentityDocument) map[string]string {
	out := maps.Clone(attrs)
	if out == nil {
		out = map[string]string{}
	}
	set := func(name, value string) {
		if _, ok := out[name]; !ok && value != "" {
			out[name] = value
		}
	}
	if doc != nil {
		set(ecs.AttrInstanceType, doc.InstanceType)
		set(ecs.AttrAvailabilityZone, doc.AvailabilityZone)
		set(ecs.AttrAMIID, doc.ImageID)
		set(ecs.AttrCPUArchitecture, doc.Architecture)
	}
	set(ecs.AttrOSType, "linux")
	set(ecs.AttrOSFamily, "LINUX")
	set(ecs.AttrCPUArchitecture, ecs.CPUArchitecture(runtime.GOARCH))
	set(ecs.AttrAvailabilityZone, cp.acct.Region+"a")
	hasCaps := false
	for name := range attrs {
		hasCaps = hasCaps || ecs.IsCapabilityAttribute(name)
	}
	if !hasCaps {
		for _, name := range ecs.AgentCapabilities() {
			out[name] = ""
		}
	}
	return out
}

// checkAttributes validates registration attributes and the custom
// attribute limit.
func checkAttributes(attrs map[string]string) error {
	custom := 0
	for name, value := range attrs {
		if err := ecs.ValidateAttribute(name, value); err != nil {
			return err
		}
		if ecs.IsCustomAttribute(name) {
			custom++
		}
	}
	if custom > ecs.MaxCustomAttributes {
		// RegisterContainerInstance's model lists no
		// AttributeLimitExceededException.
		return ecs.Errorf(ecs.ErrInvalidParameter, "A container instance can have up to %d custom attributes; got %d.", ecs.MaxCustomAttributes, custom)
	}
	return nil
}

// RegisterContainerInstance registers a container instance (a virtual one:
// its tasks run on the local agent, but placement treats it as its own
// machine). With containerInstanceArn, or an identity document whose
// instanceId is already registered in the cluster, the instance is
// registered again: resources, attributes and version info are replaced
// and its tasks keep running.
func (cp *ControlPlane) RegisterContainerInstance(ctx context.Context, in *ecsmodel.RegisterContainerInstanceRequest) (*ecsmodel.RegisterContainerInstanceResponse, error) {
	total := in.TotalResources
	if len(total) == 0 && cp.machine.CPU > 0 {
		// What the ECS agent reports for the machine it runs on.
		total = ecs.InstanceResources{CPU: cp.machine.CPU, Memory: cp.machine.Memory, TCPPorts: slices.Clone(ecs.AgentPorts)}.Wire()
	}
	res, err := ecs.ParseInstanceResources(total)
	if err != nil {
		return nil, err
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for _, a := range in.Attributes {
		if _, dup := attrs[a.Name]; dup {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Attribute %s is given twice.", a.Name)
		}
		attrs[a.Name] = a.Value
	}
	var doc *ecs.IdentityDocument
	if in.InstanceIdentityDocument != "" {
		d, err := ecs.ParseIdentityDocument(in.InstanceIdentityDocument)
		if err != nil {
			return nil, err
		}
		doc = &d
	}
	if in.ContainerInstanceArn != "" {
		if err := ecs.ValidateInstanceRef(in.ContainerInstanceArn); err != nil {
			return nil, err
		}
	}
	spec := instanceSpec{res: res, attrs: attrs, tags: in.Tags, agentConnected: true}
	if in.VersionInfo != nil {
		spec.info = *in.VersionInfo
	}
	if doc != nil {
		spec.ec2ID = doc.InstanceID
	}

	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	spec.attrs = cp.builtinAttributes(attrs, doc)
	if err := checkAttributes(spec.attrs); err != nil {
		return nil, err
	}
	var prev *instanceRecord
	if in.ContainerInstanceArn != "" {
		prev = cp.instance(c, in.ContainerInstanceArn)
		if prev == nil || prev.Status == instanceInactive {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Container instance %s is not registered in cluster %s; omit containerInstanceArn to register a new instance.", in.ContainerInstanceArn, c.Name)
		}
	} else if doc != nil {
		for _, r := range cp.instances {
			if r.Cluster == c.Name && r.EC2InstanceID == doc.InstanceID && r.Status != instanceInactive {
				prev = r
			}
		}
	}
	source := sourceAPI
	if prev != nil {
		source = prev.Source
	}
	r, err := cp.putInstance(ctx, c.Name, prev, "", source, spec)
	if err != nil {
		return nil, err
	}
	w := cp.instanceWire(r, cp.taskCounts(), true, false)
	return &ecsmodel.RegisterContainerInstanceResponse{ContainerInstance: &w}, nil
}

// DeregisterContainerInstance deregisters an instance: it becomes INACTIVE
// and takes no more tasks. With tasks still on it ECS refuses unless force
// is set; with force, ecsrun stops those tasks (stop code UserInitiated,
// reason "Container instance deregistration forced by user"), where ECS
// would leave them running orphaned: here they would otherwise keep
// running on your machine unaccounted for.
func (cp *ControlPlane) DeregisterContainerInstance(ctx context.Context, in *ecsmodel.DeregisterContainerInstanceRequest) (*ecsmodel.DeregisterContainerInstanceResponse, error) {
	if err := ecs.ValidateInstanceRef(in.ContainerInstance); err != nil {
		return nil, err
	}
	force := in.Force != nil && *in.Force
	cp.mu.Lock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	r := cp.instance(c, in.ContainerInstance)
	if r == nil {
		cp.mu.Unlock()
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Container instance %s was not found in cluster %s.", in.ContainerInstance, c.Name)
	}
	var stop []string
	if r.Status != instanceInactive {
		active := cp.activeTasksOn(r.ID)
		if len(active) > 0 && !force {
			cp.mu.Unlock()
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Found running tasks on the instance.")
		}
		for _, t := range active {
			stop = append(stop, t.ID)
		}
		if err := cp.deactivate(ctx, r); err != nil {
			cp.mu.Unlock()
			return nil, err
		}
	}
	cp.mu.Unlock()

	if err := cp.stopTasks(ctx, stop, taskstate.StopUserInitiated, ReasonDeregistrationForced); err != nil {
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	w := cp.instanceWire(r, cp.taskCounts(), false, false)
	return &ecsmodel.DeregisterContainerInstanceResponse{ContainerInstance: &w}, nil
}

// deactivate deregisters an instance: INACTIVE, out of placement (its
// allocations go with it); callers hold cp.mu.
func (cp *ControlPlane) deactivate(ctx context.Context, r *instanceRecord) error {
	upd := *r
	upd.Status = instanceInactive
	upd.DeregisteredAt = cp.now()
	upd.Version++
	if err := cp.saveInstance(ctx, &upd); err != nil {
		return err
	}
	cp.placer(r.Cluster).RemoveInstance(r.ARN)
	*r = upd
	return nil
}

// DescribeContainerInstances describes up to 100 container instances of a
// cluster (deregistered ones too); unknown ones come back as MISSING
// failures.
func (cp *ControlPlane) DescribeContainerInstances(ctx context.Context, in *ecsmodel.DescribeContainerInstancesRequest) (*ecsmodel.DescribeContainerInstancesResponse, error) {
	if len(in.ContainerInstances) == 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "containerInstances cannot be empty.")
	}
	if len(in.ContainerInstances) > 100 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "At most 100 container instances can be described at once; got %d.", len(in.ContainerInstances))
	}
	var tags, health bool
	for _, f := range in.Include {
		tags = tags || f == ecsmodel.ContainerInstanceFieldTAGS
		health = health || f == ecsmodel.ContainerInstanceFieldCONTAINERINSTANCEHEALTH
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	counts := cp.taskCounts()
	out := &ecsmodel.DescribeContainerInstancesResponse{ContainerInstances: []ecsmodel.ContainerInstance{}, Failures: []ecsmodel.Failure{}}
	for _, ref := range in.ContainerInstances {
		r := cp.instance(c, ref)
		if r == nil {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: cp.instanceRefARN(c, ref), Reason: "MISSING"})
			continue
		}
		out.ContainerInstances = append(out.ContainerInstances, cp.instanceWire(r, counts, tags, health))
	}
	return out, nil
}

// ListContainerInstances lists the ARNs of a cluster's container instances
// in registration order: by default those not INACTIVE, or those of the
// given status, that satisfy the cluster query language filter.
func (cp *ControlPlane) ListContainerInstances(ctx context.Context, in *ecsmodel.ListContainerInstancesRequest) (*ecsmodel.ListContainerInstancesResponse, error) {
	var filter *query.Expr
	if strings.TrimSpace(in.Filter) != "" {
		if len(in.Filter) > 2000 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "filter can be up to 2000 characters long; got %d.", len(in.Filter))
		}
		e, err := query.Compile(in.Filter)
		if err != nil {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Invalid filter %q: %v", in.Filter, err)
		}
		filter = e
	}
	cp.mu.Lock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	st := cp.placer(c.Name)
	var items []keyed
	for _, r := range cp.instances {
		if r.Cluster != c.Name {
			continue
		}
		if in.Status != "" && r.Status != string(in.Status) || in.Status == "" && r.Status == instanceInactive {
			continue
		}
		if filter != nil {
			pi, ok := st.Instance(r.ARN)
			if !ok {
				pi = r.placementInstance()
			}
			if !filter.Eval(instanceView{&pi}) {
				continue
			}
		}
		items = append(items, keyed{fmt.Sprintf("%020d", r.Seq), r.ARN})
	}
	cp.mu.Unlock()
	arns, next, err := pageValues(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListContainerInstancesResponse{ContainerInstanceArns: arns, NextToken: next}, nil
}

// instanceView presents a placement.Instance to the cluster query language.
type instanceView struct{ in *placement.Instance }

var _ query.Instance = instanceView{}

func (v instanceView) AgentConnected() bool { return v.in.AgentConnected }
func (v instanceView) AgentVersion() string { return v.in.AgentVersion }
func (v instanceView) Attribute(name string) (string, bool) {
	s, ok := v.in.Attributes[name]
	return s, ok
}
func (v instanceView) EC2InstanceID() string   { return v.in.EC2InstanceID }
func (v instanceView) RegisteredAt() time.Time { return v.in.RegisteredAt }
func (v instanceView) RunningTasksCount() int  { return v.in.RunningTasks }
func (v instanceView) AnyTaskGroup(m query.Matcher) bool {
	for g, n := range v.in.TaskGroups {
		if n > 0 && m.MatchString(g) {
			return true
		}
	}
	return false
}

// MaxInstancesPerStateUpdate is how many container instances
// UpdateContainerInstancesState takes at once.
const MaxInstancesPerStateUpdate = 10

// UpdateContainerInstancesState sets container instances ACTIVE or
// DRAINING. A DRAINING instance takes no new tasks; standalone tasks
// already on it keep running, services replace theirs (see decide). Unknown instances come back as MISSING
// failures, deregistered ones as INACTIVE failures.
func (cp *ControlPlane) UpdateContainerInstancesState(ctx context.Context, in *ecsmodel.UpdateContainerInstancesStateRequest) (*ecsmodel.UpdateContainerInstancesStateResponse, error) {
	if in.Status != ecsmodel.ContainerInstanceStatusACTIVE && in.Status != ecsmodel.ContainerInstanceStatusDRAINING {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Container instances can only be set to ACTIVE or DRAINING; got %s.", in.Status)
	}
	if len(in.ContainerInstances) == 0 || len(in.ContainerInstances) > MaxInstancesPerStateUpdate {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "containerInstances must list 1 to %d container instances; got %d.", MaxInstancesPerStateUpdate, len(in.ContainerInstances))
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	counts := cp.taskCounts()
	out := &ecsmodel.UpdateContainerInstancesStateResponse{ContainerInstances: []ecsmodel.ContainerInstance{}, Failures: []ecsmodel.Failure{}}
	for _, ref := range in.ContainerInstances {
		r := cp.instance(c, ref)
		switch {
		case r == nil:
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: cp.instanceRefARN(c, ref), Reason: "MISSING"})
			continue
		case r.Status == instanceInactive:
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: r.ARN, Reason: "INACTIVE", Detail: "The container instance is deregistered."})
			continue
		}
		if r.Status != string(in.Status) {
			upd := *r
			upd.Status = string(in.Status)
			upd.Version++
			if err := cp.saveInstance(ctx, &upd); err != nil {
				return nil, err
			}
			if err := cp.placer(r.Cluster).SetStatus(r.ARN, placement.Status(upd.Status)); err != nil {
				return nil, fmt.Errorf("controlplane: update container instance state: %w", err)
			}
			*r = upd
		}
		out.ContainerInstances = append(out.ContainerInstances, cp.instanceWire(r, counts, false, false))
	}
	cp.wakeScheduler() // services replace their tasks on draining instances
	return out, nil
}

// instanceTaggable resolves a container instance ARN for tagging (the
// long form container-instance/<cluster>/<id>, or the old short form
// container-instance/<id>); deregistered instances keep their tags and can
// be tagged while they are describable. Callers hold cp.mu.
func (cp *ControlPlane) instanceTaggable(a ecs.ResourceARN, notFound ecs.Kind) (taggable, error) {
	var r *instanceRecord
	switch len(a.Path) {
	case 1:
		r = cp.instances[a.Path[0]]
	case 2:
		c, err := cp.cluster(a.Path[0])
		if err != nil {
			return taggable{}, err
		}
		if r = cp.instances[a.Path[1]]; r != nil && r.Cluster != c.Name {
			r = nil
		}
	default:
		return taggable{}, ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: a container instance ARN ends in container-instance/<cluster>/<id>, not %q.", strings.Join(a.Path, "/"))
	}
	if r == nil {
		return taggable{}, ecs.Errorf(notFound, "The specified container instance does not exist: %s.", a)
	}
	return taggable{tags: r.Tags, save: func(ctx context.Context, tags []ecsmodel.Tag) error {
		upd := *r
		upd.Tags = tags
		if err := cp.saveInstance(ctx, &upd); err != nil {
			return err
		}
		*r = upd
		return nil
	}}, nil
}
