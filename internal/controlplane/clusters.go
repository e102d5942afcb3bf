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
	// Configuration and ServiceConnectDefaults are stored and echoed (see
	// UpdateCluster).
	Configuration          *ecsmodel.ClusterConfiguration          `json:"configuration,omitempty"`
	ServiceConnectDefaults *ecsmodel.ClusterServiceConnectDefaults `json:"serviceConnectDefaults,omitempty"`
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
	for _, t := range cp.tasks.Decoded() {
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
		Configuration:                   c.Configuration,
		ServiceConnectDefaults:          c.ServiceConnectDefaults,
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
	settings, scd, err := cp.clusterUpdate(nil, in.Settings, in.Configuration, in.ServiceConnectDefaults)
	if err != nil {
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c := cp.clusters[name]
	if c == nil || c.Status != "ACTIVE" {
		if err := cp.checkClusterProviders(name, in.CapacityProviders, in.DefaultCapacityProviderStrategy); err != nil {
			return nil, err
		}
		c = &clusterRecord{Name: name, Status: "ACTIVE", Tags: in.Tags, Settings: settings, Configuration: in.Configuration, ServiceConnectDefaults: scd,
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
	var tags, stats, settings, configs bool
	for _, f := range in.Include {
		tags = tags || f == ecsmodel.ClusterFieldTAGS
		stats = stats || f == ecsmodel.ClusterFieldSTATISTICS
		settings = settings || f == ecsmodel.ClusterFieldSETTINGS
		configs = configs || f == ecsmodel.ClusterFieldCONFIGURATIONS
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
		w := cp.clusterWire(c, tags, stats)
		if !settings { // as ECS, only asked for
			w.Settings = []ecsmodel.ClusterSetting{}
		}
		if !configs {
			w.Configuration = nil
		}
		out.Clusters = append(out.Clusters, w)
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
	for _, t := range cp.tasks.Decoded() {
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

// clusterUpdate checks the settings, configuration and Service Connect
// defaults of a CreateCluster or UpdateCluster request and returns cur's
// settings with those given applied (for a new cluster, cur is nil and
// containerInsights defaults to the account setting) and the Service
// Connect defaults to store (nil when none are given).
func (cp *ControlPlane) clusterUpdate(cur *clusterRecord, settings []ecsmodel.ClusterSetting, conf *ecsmodel.ClusterConfiguration, scd *ecsmodel.ClusterServiceConnectDefaultsRequest) ([]ecsmodel.ClusterSetting, *ecsmodel.ClusterServiceConnectDefaults, error) {
	if err := ecs.CheckClusterSettings(settings); err != nil {
		return nil, nil, err
	}
	if err := ecs.CheckClusterConfiguration(conf); err != nil {
		return nil, nil, err
	}
	var out *ecsmodel.ClusterServiceConnectDefaults
	if scd != nil {
		arn, err := cp.acct.NamespaceARN(scd.Namespace)
		if err != nil {
			return nil, nil, err
		}
		out = &ecsmodel.ClusterServiceConnectDefaults{Namespace: arn}
	}
	if cur != nil {
		return ecs.MergeClusterSettings(cur.Settings, settings), out, nil
	}
	base := []ecsmodel.ClusterSetting{{Name: ecsmodel.ClusterSettingNameContainerInsights, Value: cp.settings.Default(ecsmodel.SettingNameContainerInsights)}}
	return ecs.MergeClusterSettings(base, settings), out, nil
}

// UpdateCluster changes a cluster's settings (by name; the others are
// kept), configuration (replaced when given) and Service Connect defaults
// (replaced when given).
func (cp *ControlPlane) UpdateCluster(ctx context.Context, in *ecsmodel.UpdateClusterRequest) (*ecsmodel.UpdateClusterResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	settings, scd, err := cp.clusterUpdate(c, in.Settings, in.Configuration, in.ServiceConnectDefaults)
	if err != nil {
		return nil, err
	}
	upd := *c
	upd.Settings = settings
	if in.Configuration != nil {
		upd.Configuration = in.Configuration
	}
	if scd != nil {
		upd.ServiceConnectDefaults = scd
	}
	if err := cp.saveCluster(ctx, &upd); err != nil {
		return nil, err
	}
	*c = upd
	w := cp.clusterWire(c, false, false)
	return &ecsmodel.UpdateClusterResponse{Cluster: &w}, nil
}

// UpdateClusterSettings changes a cluster's settings by name.
func (cp *ControlPlane) UpdateClusterSettings(ctx context.Context, in *ecsmodel.UpdateClusterSettingsRequest) (*ecsmodel.UpdateClusterSettingsResponse, error) {
	out, err := cp.UpdateCluster(ctx, &ecsmodel.UpdateClusterRequest{Cluster: in.Cluster, Settings: in.Settings})
	if err != nil {
		return nil, err
	}
	return &ecsmodel.UpdateClusterSettingsResponse{Cluster: out.Cluster}, nil
}
