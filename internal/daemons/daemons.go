package daemons

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// DefaultDrainPercent is the share of instances a deployment replaces at
// once when deploymentConfiguration.drainPercent is not given.
const DefaultDrainPercent = 25.0

// validName checks a daemon name: 1 to 255 letters, digits, hyphens and
// underscores.
func validName(name string) error {
	if name == "" || len(name) > 255 {
		return ecs.Errorf(ecs.ErrInvalidParameter, "daemonName must be 1 to 255 characters long; got %d.", len(name))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ecs.Errorf(ecs.ErrInvalidParameter, "daemonName %q contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.", name)
		}
	}
	return nil
}

func checkConfig(c *ecsmodel.DaemonDeploymentConfiguration) error {
	if c == nil {
		return nil
	}
	if c.DrainPercent != nil && (*c.DrainPercent < 0 || *c.DrainPercent > 100) {
		return ecs.Errorf(ecs.ErrInvalidParameter, "deploymentConfiguration.drainPercent must be between 0.0 and 100.0; got %g.", *c.DrainPercent)
	}
	if c.BakeTimeInMinutes < 0 {
		return ecs.Errorf(ecs.ErrInvalidParameter, "deploymentConfiguration.bakeTimeInMinutes must not be negative; got %d.", c.BakeTimeInMinutes)
	}
	if c.Alarms != nil && c.Alarms.Enable {
		return ecs.Errorf(ecs.ErrUnsupportedFeature, "deploymentConfiguration.alarms: the local ECS has no CloudWatch alarms to watch; deploy without alarms (enable false), or on Amazon ECS.")
	}
	return nil
}

// clusterOf checks that the cluster exists and is ACTIVE and returns its
// name and capacity providers. It calls the control plane: callers do not
// hold m.mu.
func (m *Manager) clusterOf(ctx context.Context, ref string) (string, []string, error) {
	if ref == "" {
		ref = "default"
	}
	name, err := m.acct.ClusterNameOf(ref)
	if err != nil {
		return "", nil, err
	}
	out, err := m.cp.DescribeClusters(ctx, &ecsmodel.DescribeClustersRequest{Clusters: []string{name}})
	if err != nil {
		return "", nil, err
	}
	if len(out.Clusters) == 0 || out.Clusters[0].Status != "ACTIVE" {
		return "", nil, ecs.Errorf(ecs.ErrClusterNotFound, "Cluster not found: %s. Create it with CreateCluster.", ref)
	}
	return name, out.Clusters[0].CapacityProviders, nil
}

// providerNames resolves capacityProviderArns (ARNs or names) to names of
// Auto Scaling group providers of the cluster.
func (m *Manager) providerNames(refs, ofCluster []string, cluster string) ([]string, error) {
	if len(refs) == 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "capacityProviderArns must name at least one capacity provider.")
	}
	var names []string
	for _, ref := range refs {
		name := ref
		if strings.HasPrefix(ref, "arn:") {
			i := strings.Index(ref, ":capacity-provider/")
			if i < 0 {
				return nil, ecs.Errorf(ecs.ErrInvalidParameter, "%s is not a capacity provider ARN.", ref)
			}
			name = ref[i+len(":capacity-provider/"):]
		}
		info, ok := m.providers.Provider(name)
		if !ok || !info.Usable {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider %s does not exist or is not ACTIVE. Create it with CreateCapacityProvider.", ref)
		}
		if info.Fargate {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Daemons run on container instances; the capacity provider %s is Fargate capacity. Name an Auto Scaling group capacity provider.", name)
		}
		if !slices.Contains(ofCluster, name) {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider %s is not associated with the cluster %s. Associate it with PutClusterCapacityProviders.", name, cluster)
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// newRevision records a revision of d; callers hold m.mu.
func (m *Manager) newRevision(d *daemonRecord, def *defRecord, providers []string, propagate ecsmodel.DaemonPropagateTags, managedTags, exec bool) *revisionRecord {
	id := newID()
	m.seq++
	r := &revisionRecord{ID: id, Providers: providers, Backing: def.Backing, Seq: m.seq}
	r.Rev = ecsmodel.DaemonRevision{
		DaemonRevisionArn: m.arn("daemon-revision/" + d.Cluster + "/" + d.Name + "/" + id),
		ClusterArn:        m.acct.ClusterARN(d.Cluster), DaemonArn: d.ARN,
		DaemonTaskDefinitionArn: def.Def.DaemonTaskDefinitionArn, CreatedAt: wire.At(m.now()),
		PropagateTags: propagate, EnableECSManagedTags: &managedTags, EnableExecuteCommand: &exec,
	}
	if r.Rev.PropagateTags == "" {
		r.Rev.PropagateTags = ecsmodel.DaemonPropagateTagsNONE
	}
	for _, c := range def.Def.ContainerDefinitions {
		r.Rev.ContainerImages = append(r.Rev.ContainerImages, ecsmodel.DaemonContainerImage{ContainerName: c.Name, Image: c.Image})
	}
	return r
}

// newDeployment records a deployment of d to target (a revision ARN, ""
// when deleting), which stops d's deployment in progress; callers hold
// m.mu.
//
// The revisions it replaces (its sources) are those the previous
// deployment deployed and those the daemon's tasks ran at the loop's last
// look: a call just after a restart, before the loop has looked, still
// names them.
func (m *Manager) newDeployment(d *daemonRecord, target string, cfg *ecsmodel.DaemonDeploymentConfiguration) (dep *deploymentRecord, stopped *deploymentRecord) {
	now := m.now()
	prev := m.deployments[d.Deployment]
	if prev != nil && !finished(prev.Dep.Status) {
		p := *prev
		p.Dep.Status = ecsmodel.DaemonDeploymentStatusSTOPPED
		p.Dep.StatusReason = "Replaced by a new deployment."
		p.Dep.StoppedAt = wire.At(now)
		stopped = &p
	}
	id := newID()
	m.seq++
	dep = &deploymentRecord{Daemon: d.ARN, Target: target, Seq: m.seq}
	running, looked := m.running[d.ARN]
	sources := map[string]bool{}
	for rev := range running {
		sources[rev] = true
	}
	if prev != nil {
		sources[prev.Target] = true
		if !looked && !finished(prev.Dep.Status) {
			for _, rev := range prev.Sources {
				sources[rev] = true
			}
		}
	}
	delete(sources, target)
	delete(sources, "")
	dep.Sources = sortedKeys(sources)
	if cfg == nil {
		cfg = &ecsmodel.DaemonDeploymentConfiguration{}
	}
	c := *cfg
	if c.DrainPercent == nil {
		p := DefaultDrainPercent
		c.DrainPercent = &p
	}
	dep.Dep = ecsmodel.DaemonDeployment{
		DaemonDeploymentArn:     m.arn("daemon-deployment/" + d.Cluster + "/" + d.Name + "/" + id),
		ClusterArn:              m.acct.ClusterARN(d.Cluster),
		Status:                  ecsmodel.DaemonDeploymentStatusPENDING,
		CircuitBreaker:          &ecsmodel.DaemonCircuitBreaker{Status: ecsmodel.DaemonDeploymentRollbackMonitorsStatusDISABLED},
		Alarms:                  &ecsmodel.DaemonDeploymentAlarms{Status: ecsmodel.DaemonDeploymentRollbackMonitorsStatusDISABLED},
		DeploymentConfiguration: &c,
		CreatedAt:               wire.At(now),
	}
	return dep, stopped
}

func finished(s ecsmodel.DaemonDeploymentStatus) bool {
	switch s {
	case ecsmodel.DaemonDeploymentStatusSUCCESSFUL, ecsmodel.DaemonDeploymentStatusSTOPPED,
		ecsmodel.DaemonDeploymentStatusROLLBACKSUCCESSFUL, ecsmodel.DaemonDeploymentStatusROLLBACKFAILED:
		return true
	}
	return false
}

// CreateDaemon creates a daemon and its first deployment: one task of its
// daemon task definition on each container instance of its capacity
// providers in the cluster.
func (m *Manager) CreateDaemon(ctx context.Context, in *ecsmodel.CreateDaemonRequest) (*ecsmodel.CreateDaemonResponse, error) {
	if err := validName(in.DaemonName); err != nil {
		return nil, err
	}
	if err := checkConfig(in.DeploymentConfiguration); err != nil {
		return nil, err
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.ClientToken) > 36 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "clientToken can be up to 36 characters long; got %d.", len(in.ClientToken))
	}
	cluster, ofCluster, err := m.clusterOf(ctx, in.ClusterArn)
	if err != nil {
		return nil, err
	}
	providers, err := m.providerNames(in.CapacityProviderArns, ofCluster, cluster)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	arn := m.daemonARN(cluster, in.DaemonName)
	if in.ClientToken != "" {
		if prev, ok := m.tokens[in.ClientToken]; ok {
			d := m.daemons[prev]
			if prev != arn || d == nil {
				return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The clientToken %q was already used with different parameters.", in.ClientToken)
			}
			return &ecsmodel.CreateDaemonResponse{DaemonArn: d.ARN, Status: d.Status, CreatedAt: wire.At(d.CreatedAt), DeploymentArn: d.Deployment}, nil
		}
	}
	if d, ok := m.daemons[arn]; ok {
		if d.Status == ecsmodel.DaemonStatusACTIVE {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "A daemon named %s already exists in the cluster %s. Change it with UpdateDaemon.", in.DaemonName, cluster)
		}
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The daemon %s is being deleted; create it again once DescribeDaemon no longer finds it.", in.DaemonName)
	}
	def, err := m.def(in.DaemonTaskDefinitionArn)
	if err != nil {
		return nil, err
	}
	if def.Def.Status != ecsmodel.DaemonTaskDefinitionStatusACTIVE {
		return nil, ecs.Errorf(ecs.ErrClient, "The daemon task definition %s is %s; use an ACTIVE one.", def.Def.DaemonTaskDefinitionArn, def.Def.Status)
	}
	now := m.now()
	m.seq++
	d := &daemonRecord{ARN: arn, Name: in.DaemonName, Cluster: cluster, Status: ecsmodel.DaemonStatusACTIVE,
		CreatedAt: now, UpdatedAt: now, Config: in.DeploymentConfiguration, Tags: in.Tags, Token: in.ClientToken, Seq: m.seq}
	rev := m.newRevision(d, def, providers, in.PropagateTags, in.EnableECSManagedTags, in.EnableExecuteCommand)
	dep, _ := m.newDeployment(d, rev.Rev.DaemonRevisionArn, in.DeploymentConfiguration)
	dep.Dep.TargetDaemonRevision = &ecsmodel.DaemonDeploymentRevisionDetail{Arn: rev.Rev.DaemonRevisionArn}
	d.Deployment = dep.Dep.DaemonDeploymentArn
	if err := m.save(ctx, d, rev, dep); err != nil {
		return nil, err
	}
	m.daemons[arn], m.revisions[rev.Rev.DaemonRevisionArn], m.deployments[dep.Dep.DaemonDeploymentArn] = d, rev, dep
	if in.ClientToken != "" {
		m.tokens[in.ClientToken] = arn
	}
	m.kickLoop()
	return &ecsmodel.CreateDaemonResponse{DaemonArn: arn, Status: d.Status, CreatedAt: wire.At(now), DeploymentArn: d.Deployment}, nil
}

// daemon finds a daemon by ARN; callers hold m.mu.
func (m *Manager) daemon(arn string) (*daemonRecord, error) {
	if arn == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "daemonArn must be given.")
	}
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":daemon/") {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "%s is not a daemon ARN (arn:aws:ecs:<region>:<account>:daemon/<cluster>/<name>).", arn)
	}
	d, ok := m.daemons[arn]
	if !ok {
		return nil, ecs.Errorf(ErrDaemonNotFound, "Daemon not found: %s. List the daemons with ListDaemons.", arn)
	}
	return d, nil
}

// UpdateDaemon deploys a new revision of a daemon, instance by instance.
func (m *Manager) UpdateDaemon(ctx context.Context, in *ecsmodel.UpdateDaemonRequest) (*ecsmodel.UpdateDaemonResponse, error) {
	if err := checkConfig(in.DeploymentConfiguration); err != nil {
		return nil, err
	}
	m.mu.Lock()
	d, err := m.daemon(in.DaemonArn)
	cluster := ""
	if d != nil {
		cluster = d.Cluster
	}
	m.mu.Unlock()
	if err != nil {
		return nil, err
	}
	_, ofCluster, err := m.clusterOf(ctx, cluster)
	if err != nil {
		return nil, err
	}
	providers, err := m.providerNames(in.CapacityProviderArns, ofCluster, cluster)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, err = m.daemon(in.DaemonArn); err != nil {
		return nil, err
	}
	if d.Status != ecsmodel.DaemonStatusACTIVE {
		return nil, ecs.Errorf(ErrDaemonNotActive, "The daemon %s is %s; it cannot be updated. Create it again with CreateDaemon once it is gone.", d.ARN, d.Status)
	}
	def, err := m.def(in.DaemonTaskDefinitionArn)
	if err != nil {
		return nil, err
	}
	if def.Def.Status != ecsmodel.DaemonTaskDefinitionStatusACTIVE {
		return nil, ecs.Errorf(ecs.ErrClient, "The daemon task definition %s is %s; use an ACTIVE one.", def.Def.DaemonTaskDefinitionArn, def.Def.Status)
	}
	next := *d
	next.UpdatedAt = m.now()
	if in.DeploymentConfiguration != nil {
		next.Config = in.DeploymentConfiguration
	}
	rev := m.newRevision(&next, def, providers, in.PropagateTags, in.EnableECSManagedTags, in.EnableExecuteCommand)
	dep, stopped := m.newDeployment(&next, rev.Rev.DaemonRevisionArn, next.Config)
	dep.Dep.TargetDaemonRevision = &ecsmodel.DaemonDeploymentRevisionDetail{Arn: rev.Rev.DaemonRevisionArn}
	next.Deployment = dep.Dep.DaemonDeploymentArn
	objs := []any{&next, rev, dep}
	if stopped != nil {
		objs = append(objs, stopped)
	}
	if err := m.save(ctx, objs...); err != nil {
		return nil, err
	}
	*d = next
	m.revisions[rev.Rev.DaemonRevisionArn], m.deployments[dep.Dep.DaemonDeploymentArn] = rev, dep
	if stopped != nil {
		*m.deployments[stopped.Dep.DaemonDeploymentArn] = *stopped
	}
	m.kickLoop()
	return &ecsmodel.UpdateDaemonResponse{DaemonArn: d.ARN, Status: d.Status, CreatedAt: wire.At(d.CreatedAt), UpdatedAt: wire.At(d.UpdatedAt), DeploymentArn: d.Deployment}, nil
}

// DeleteDaemon stops a daemon's tasks; the daemon is DELETE_IN_PROGRESS
// until they have stopped, then gone.
func (m *Manager) DeleteDaemon(ctx context.Context, in *ecsmodel.DeleteDaemonRequest) (*ecsmodel.DeleteDaemonResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.daemon(in.DaemonArn)
	if err != nil {
		return nil, err
	}
	if d.Status != ecsmodel.DaemonStatusACTIVE {
		return nil, ecs.Errorf(ErrDaemonNotActive, "The daemon %s is already %s.", d.ARN, d.Status)
	}
	next := *d
	next.Status = ecsmodel.DaemonStatusDELETEINPROGRESS
	next.UpdatedAt = m.now()
	dep, stopped := m.newDeployment(&next, "", next.Config)
	next.Deployment = dep.Dep.DaemonDeploymentArn
	objs := []any{&next, dep}
	if stopped != nil {
		objs = append(objs, stopped)
	}
	if err := m.save(ctx, objs...); err != nil {
		return nil, err
	}
	*d = next
	m.deployments[dep.Dep.DaemonDeploymentArn] = dep
	if stopped != nil {
		*m.deployments[stopped.Dep.DaemonDeploymentArn] = *stopped
	}
	m.kickLoop()
	return &ecsmodel.DeleteDaemonResponse{DaemonArn: d.ARN, Status: d.Status, CreatedAt: wire.At(d.CreatedAt), UpdatedAt: wire.At(d.UpdatedAt), DeploymentArn: d.Deployment}, nil
}

// revisionDetails are a daemon's current revisions with their RUNNING
// tasks by capacity provider; callers hold m.mu.
func (m *Manager) revisionDetails(d *daemonRecord) []ecsmodel.DaemonRevisionDetail {
	revs := map[string]bool{}
	if dep := m.deployments[d.Deployment]; dep != nil && dep.Target != "" {
		revs[dep.Target] = true
	}
	for r := range m.running[d.ARN] {
		revs[r] = true
	}
	out := []ecsmodel.DaemonRevisionDetail{}
	for _, arn := range sortedKeys(revs) {
		det := ecsmodel.DaemonRevisionDetail{Arn: arn, CapacityProviders: []ecsmodel.DaemonCapacityProvider{}}
		byProvider := m.running[d.ARN][arn]
		var providers []string
		if r := m.revisions[arn]; r != nil {
			providers = r.Providers
		}
		for p := range byProvider {
			if !slices.Contains(providers, p) {
				providers = append(providers, p)
			}
		}
		sort.Strings(providers)
		for _, p := range providers {
			n := int32(byProvider[p])
			det.CapacityProviders = append(det.CapacityProviders, ecsmodel.DaemonCapacityProvider{Arn: m.acct.CapacityProviderARN(p), RunningCount: n})
			det.TotalRunningCount += n
		}
		out = append(out, det)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// DescribeDaemon describes a daemon with its current revisions.
func (m *Manager) DescribeDaemon(ctx context.Context, in *ecsmodel.DescribeDaemonRequest) (*ecsmodel.DescribeDaemonResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.daemon(in.DaemonArn)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.DescribeDaemonResponse{Daemon: &ecsmodel.DaemonDetail{
		DaemonArn: d.ARN, ClusterArn: m.acct.ClusterARN(d.Cluster), Status: d.Status,
		CurrentRevisions: m.revisionDetails(d), DeploymentArn: d.Deployment,
		CreatedAt: wire.At(d.CreatedAt), UpdatedAt: wire.At(d.UpdatedAt),
	}}, nil
}

// ListDaemons lists the daemons of a cluster (default when not given),
// optionally only those of some capacity providers.
func (m *Manager) ListDaemons(ctx context.Context, in *ecsmodel.ListDaemonsRequest) (*ecsmodel.ListDaemonsResponse, error) {
	cluster, _, err := m.clusterOf(ctx, in.ClusterArn)
	if err != nil {
		return nil, err
	}
	var want []string
	for _, ref := range in.CapacityProviderArns {
		want = append(want, lastPart(ref))
	}
	m.mu.Lock()
	var ds []*daemonRecord
	for _, d := range m.daemons {
		if d.Cluster != cluster {
			continue
		}
		if len(want) > 0 {
			var providers []string
			if dep := m.deployments[d.Deployment]; dep != nil {
				if r := m.revisions[dep.Target]; r != nil {
					providers = r.Providers
				}
			}
			if !slices.ContainsFunc(want, func(p string) bool { return slices.Contains(providers, p) }) {
				continue
			}
		}
		ds = append(ds, d)
	}
	m.mu.Unlock()
	sort.Slice(ds, func(i, j int) bool { return ds[i].Seq < ds[j].Seq })
	start, end, err := pageOf(in.NextToken, in.MaxResults, 100, len(ds))
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.ListDaemonsResponse{DaemonSummariesList: []ecsmodel.DaemonSummary{}, NextToken: nextToken(end, len(ds))}
	for _, d := range ds[start:end] {
		out.DaemonSummariesList = append(out.DaemonSummariesList, ecsmodel.DaemonSummary{DaemonArn: d.ARN, Status: d.Status, CreatedAt: wire.At(d.CreatedAt), UpdatedAt: wire.At(d.UpdatedAt)})
	}
	return out, nil
}

// deploymentWire is a deployment with its revisions' counts; callers hold
// m.mu.
func (m *Manager) deploymentWire(dep *deploymentRecord) ecsmodel.DaemonDeployment {
	out := dep.Dep
	detail := func(rev string) ecsmodel.DaemonDeploymentRevisionDetail {
		det := ecsmodel.DaemonDeploymentRevisionDetail{Arn: rev, CapacityProviders: []ecsmodel.DaemonDeploymentCapacityProvider{}}
		byProvider := m.running[dep.Daemon][rev]
		var total, zero int32
		for _, p := range sortedKeys(byProvider) {
			n := int32(byProvider[p])
			total += n
			det.CapacityProviders = append(det.CapacityProviders, ecsmodel.DaemonDeploymentCapacityProvider{Arn: m.acct.CapacityProviderARN(p), RunningInstanceCount: &n, DrainingInstanceCount: &zero})
		}
		det.TotalRunningInstanceCount, det.TotalDrainingInstanceCount = &total, &zero
		return det
	}
	if dep.Target != "" {
		t := detail(dep.Target)
		out.TargetDaemonRevision = &t
	}
	out.SourceDaemonRevisions = []ecsmodel.DaemonDeploymentRevisionDetail{}
	for _, s := range dep.Sources {
		out.SourceDaemonRevisions = append(out.SourceDaemonRevisions, detail(s))
	}
	return out
}

// DescribeDaemonDeployments describes up to 20 deployments.
func (m *Manager) DescribeDaemonDeployments(ctx context.Context, in *ecsmodel.DescribeDaemonDeploymentsRequest) (*ecsmodel.DescribeDaemonDeploymentsResponse, error) {
	if len(in.DaemonDeploymentArns) == 0 || len(in.DaemonDeploymentArns) > 20 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "daemonDeploymentArns must name 1 to 20 deployments; got %d.", len(in.DaemonDeploymentArns))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := &ecsmodel.DescribeDaemonDeploymentsResponse{DaemonDeployments: []ecsmodel.DaemonDeployment{}, Failures: []ecsmodel.Failure{}}
	for _, arn := range in.DaemonDeploymentArns {
		dep, ok := m.deployments[arn]
		if !ok {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.DaemonDeployments = append(out.DaemonDeployments, m.deploymentWire(dep))
	}
	return out, nil
}

// ListDaemonDeployments lists a daemon's deployments, newest first.
func (m *Manager) ListDaemonDeployments(ctx context.Context, in *ecsmodel.ListDaemonDeploymentsRequest) (*ecsmodel.ListDaemonDeploymentsResponse, error) {
	m.mu.Lock()
	if _, err := m.daemon(in.DaemonArn); err != nil {
		// The deployments of a deleted daemon stay listable.
		found := false
		for _, dep := range m.deployments {
			found = found || dep.Daemon == in.DaemonArn
		}
		if !found {
			m.mu.Unlock()
			// The model lists no DaemonNotFoundException here.
			return nil, ecs.Errorf(ecs.ErrClient, "Daemon not found: %s. List the daemons with ListDaemons.", in.DaemonArn)
		}
	}
	var deps []*deploymentRecord
	for _, dep := range m.deployments {
		if dep.Daemon != in.DaemonArn {
			continue
		}
		if len(in.Status) > 0 && !slices.Contains(in.Status, dep.Dep.Status) {
			continue
		}
		if c := in.CreatedAt; c != nil {
			t := dep.Dep.CreatedAt.Time
			if c.Before != nil && !t.Before(c.Before.Time) || c.After != nil && !t.After(c.After.Time) {
				continue
			}
		}
		deps = append(deps, dep)
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Seq > deps[j].Seq })
	out := &ecsmodel.ListDaemonDeploymentsResponse{DaemonDeployments: []ecsmodel.DaemonDeploymentSummary{}}
	start, end, err := pageOf(in.NextToken, in.MaxResults, 20, len(deps))
	if err != nil {
		m.mu.Unlock()
		return nil, err
	}
	out.NextToken = nextToken(end, len(deps))
	for _, dep := range deps[start:end] {
		out.DaemonDeployments = append(out.DaemonDeployments, ecsmodel.DaemonDeploymentSummary{
			DaemonDeploymentArn: dep.Dep.DaemonDeploymentArn, DaemonArn: dep.Daemon, ClusterArn: dep.Dep.ClusterArn,
			Status: dep.Dep.Status, StatusReason: dep.Dep.StatusReason, TargetDaemonRevisionArn: dep.Target,
			CreatedAt: dep.Dep.CreatedAt, StartedAt: dep.Dep.StartedAt, StoppedAt: dep.Dep.StoppedAt, FinishedAt: dep.Dep.FinishedAt,
		})
	}
	m.mu.Unlock()
	return out, nil
}

// DescribeDaemonRevisions describes up to 20 revisions.
func (m *Manager) DescribeDaemonRevisions(ctx context.Context, in *ecsmodel.DescribeDaemonRevisionsRequest) (*ecsmodel.DescribeDaemonRevisionsResponse, error) {
	if len(in.DaemonRevisionArns) == 0 || len(in.DaemonRevisionArns) > 20 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "daemonRevisionArns must name 1 to 20 revisions; got %d.", len(in.DaemonRevisionArns))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := &ecsmodel.DescribeDaemonRevisionsResponse{DaemonRevisions: []ecsmodel.DaemonRevision{}, Failures: []ecsmodel.Failure{}}
	for _, arn := range in.DaemonRevisionArns {
		r, ok := m.revisions[arn]
		if !ok {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.DaemonRevisions = append(out.DaemonRevisions, r.Rev)
	}
	return out, nil
}
