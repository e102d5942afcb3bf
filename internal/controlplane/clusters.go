package controlplane

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

type clusterRecord struct {
	Name     string                    `json:"name"`
	Status   string                    `json:"status"`
	Tags     []ecsmodel.Tag            `json:"tags,omitempty"`
	Settings []ecsmodel.ClusterSetting `json:"settings,omitempty"`
	// CapacityProviders and DefaultStrategy: see providers.go.
	CapacityProviders []string                                `json:"capacityProviders,omitempty"`
	DefaultStrategy   []ecsmodel.CapacityProviderStrategyItem `json:"defaultCapacityProviderStrategy,omitempty"`
}

func (cp *ControlPlane) saveCluster(ctx context.Context, c *clusterRecord) error {
	return cp.exec(ctx, `INSERT INTO clusters(name, body) VALUES(?, ?)
		ON CONFLICT(name) DO UPDATE SET body = excluded.body`, c.Name, mustJSON(c))
}

// clusterWire builds the Cluster answer; callers hold cp.mu.
func (cp *ControlPlane) clusterWire(c *clusterRecord, tags, stats bool) ecsmodel.Cluster {
	var running, pending int32
	for _, t := range cp.tasks {
		if t.Cluster != c.Name {
			continue
		}
		switch t.State.Status {
		case taskstate.Running:
			running++
		case taskstate.Provisioning, taskstate.Pending, taskstate.Activating:
			pending++
		}
	}
	out := ecsmodel.Cluster{
		ClusterArn:                      cp.acct.ClusterARN(c.Name),
		ClusterName:                     c.Name,
		Status:                          c.Status,
		RunningTasksCount:               running,
		PendingTasksCount:               pending,
		Settings:                        c.Settings,
		CapacityProviders:               append([]string{}, c.CapacityProviders...),
		DefaultCapacityProviderStrategy: append([]ecsmodel.CapacityProviderStrategyItem{}, c.DefaultStrategy...),
	}
	if st := cp.placers[c.Name]; st != nil {
		out.RegisteredContainerInstancesCount = int32(st.Len())
	}
	if out.Settings == nil {
		out.Settings = []ecsmodel.ClusterSetting{{Name: ecsmodel.ClusterSettingNameContainerInsights, Value: "disabled"}}
	}
	if tags {
		out.Tags = c.Tags
		if out.Tags == nil {
			out.Tags = []ecsmodel.Tag{}
		}
	}
	if stats {
		out.Statistics = []ecsmodel.KeyValuePair{}
	}
	return out
}

// cluster returns the ACTIVE cluster named by nameOrARN; callers hold cp.mu.
func (cp *ControlPlane) cluster(nameOrARN string) (*clusterRecord, error) {
	name, err := cp.acct.ClusterNameOf(nameOrARN)
	if err != nil {
		return nil, err
	}
	c := cp.clusters[name]
	if c == nil || c.Status != "ACTIVE" {
		return nil, ecs.Errorf(ecs.ErrClusterNotFound, "Cluster not found.")
	}
	return c, nil
}

// CreateCluster creates a cluster, or returns the existing one of that name
// (re-activating it if it was deleted).
func (cp *ControlPlane) CreateCluster(ctx context.Context, in *ecsmodel.CreateClusterRequest) (*ecsmodel.CreateClusterResponse, error) {
	name := in.ClusterName
	if name == "" {
		name = ecs.DefaultCluster
	}
	if err := ecs.ValidateClusterName(name); err != nil {
		return nil, err
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c := cp.clusters[name]
	if c == nil || c.Status != "ACTIVE" {
		if err := cp.checkClusterProviders(name, in.CapacityProviders, in.DefaultCapacityProviderStrategy); err != nil {
			return nil, err
		}
		c = &clusterRecord{Name: name, Status: "ACTIVE", Tags: in.Tags, Settings: in.Settings,
			CapacityProviders: in.CapacityProviders, DefaultStrategy: in.DefaultCapacityProviderStrategy}
		if err := cp.saveCluster(ctx, c); err != nil {
			return nil, err
		}
		cp.clusters[name] = c
	} else if err := sameClusterProviders(c, in); err != nil {
		return nil, err
	}
	w := cp.clusterWire(c, true, false)
	return &ecsmodel.CreateClusterResponse{Cluster: &w}, nil
}

// DescribeClusters describes clusters by name or ARN (the default cluster
// when none is named); unknown ones come back as MISSING failures.
func (cp *ControlPlane) DescribeClusters(ctx context.Context, in *ecsmodel.DescribeClustersRequest) (*ecsmodel.DescribeClustersResponse, error) {
	names := in.Clusters
	if len(names) == 0 {
		names = []string{ecs.DefaultCluster}
	}
	if len(names) > 100 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "clusters can have at most 100 entries; got %d.", len(names))
	}
	var tags, stats bool
	for _, f := range in.Include {
		tags = tags || f == ecsmodel.ClusterFieldTAGS
		stats = stats || f == ecsmodel.ClusterFieldSTATISTICS
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := &ecsmodel.DescribeClustersResponse{Clusters: []ecsmodel.Cluster{}, Failures: []ecsmodel.Failure{}}
	for _, n := range names {
		c := cp.clusters[ecs.ClusterName(n)]
		if c == nil {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: cp.acct.ClusterARN(ecs.ClusterName(n)), Reason: "MISSING"})
			continue
		}
		out.Clusters = append(out.Clusters, cp.clusterWire(c, tags, stats))
	}
	return out, nil
}

// ListClusters lists the ARNs of ACTIVE clusters, by name.
func (cp *ControlPlane) ListClusters(ctx context.Context, in *ecsmodel.ListClustersRequest) (*ecsmodel.ListClustersResponse, error) {
	cp.mu.Lock()
	var items []keyed
	for n, c := range cp.clusters {
		if c.Status == "ACTIVE" {
			items = append(items, keyed{n, cp.acct.ClusterARN(n)})
		}
	}
	cp.mu.Unlock()
	arns, next, err := pageValues(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListClustersResponse{ClusterArns: arns, NextToken: next}, nil
}

// DeleteCluster marks a cluster INACTIVE; it fails while tasks are active.
func (cp *ControlPlane) DeleteCluster(ctx context.Context, in *ecsmodel.DeleteClusterRequest) (*ecsmodel.DeleteClusterResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	for _, s := range cp.services {
		if s.Cluster == c.Name && s.Status != serviceInactive {
			return nil, ecs.Errorf(ecs.ErrClusterContainsServices, "The Cluster cannot be deleted while Services are active.")
		}
	}
	for _, t := range cp.tasks {
		if t.Cluster == c.Name && !t.State.Status.Terminal() {
			return nil, ecs.Errorf(ecs.ErrClusterContainsTasks, "The Cluster cannot be deleted while Tasks are active.")
		}
	}
	if st := cp.placers[c.Name]; st != nil && st.Len() > 0 {
		return nil, ecs.Errorf(ecs.ErrClusterContainsInstances, "The Cluster cannot be deleted while Container Instances are active or draining.")
	}
	upd := *c
	upd.Status = "INACTIVE"
	if err := cp.saveCluster(ctx, &upd); err != nil {
		return nil, err
	}
	*c = upd
	w := cp.clusterWire(c, false, false)
	return &ecsmodel.DeleteClusterResponse{Cluster: &w}, nil
}
