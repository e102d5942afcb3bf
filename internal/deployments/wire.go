package deployments

import (
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Counts are the running and pending tasks of a revision.
type Counts struct{ Running, Pending int32 }

// Wire is the ServiceDeployment answer for d, a deployment of service in
// cluster; counts (by revision id) are the live task counts of a
// deployment that goes on.
func Wire(a ecs.Account, cluster, service string, d *Deployment, counts map[string]Counts) ecsmodel.ServiceDeployment {
	revARN := func(id string) string { return RevisionARN(a, cluster, service, id) }
	maxPct, minPct := d.Config.MaxPercent, d.Config.MinHealthyPercent
	w := ecsmodel.ServiceDeployment{
		ServiceDeploymentArn: DeploymentARN(a, cluster, service, d.ID),
		ServiceArn:           a.ServiceARN(cluster, service), ClusterArn: a.ClusterARN(cluster),
		CreatedAt: wire.At(d.CreatedAt), StartedAt: wire.At(d.StartedAt), UpdatedAt: wire.At(d.UpdatedAt),
		FinishedAt: wire.At(d.FinishedAt), StoppedAt: wire.At(d.StoppedAt),
		SourceServiceRevisions: []ecsmodel.ServiceRevisionSummary{},
		Status:                 ecsmodel.ServiceDeploymentStatus(d.Status), StatusReason: d.Reason,
		DeploymentConfiguration: &ecsmodel.DeploymentConfiguration{
			MaximumPercent: &maxPct, MinimumHealthyPercent: &minPct,
			DeploymentCircuitBreaker: &ecsmodel.DeploymentCircuitBreaker{Enable: d.Config.CircuitBreaker, Rollback: d.Config.Rollback},
		},
		DeploymentCircuitBreaker: &ecsmodel.ServiceDeploymentCircuitBreaker{
			Status: ecsmodel.ServiceDeploymentRollbackMonitorsStatus(d.BreakerStatus()), FailureCount: d.Failures, Threshold: d.Config.Threshold},
		Alarms: &ecsmodel.ServiceDeploymentAlarms{Status: ecsmodel.ServiceDeploymentRollbackMonitorsStatus(Disabled)},
	}
	target := ecsmodel.ServiceRevisionSummary{Arn: revARN(d.Target), RequestedTaskCount: d.Requested, RunningTaskCount: d.Running, PendingTaskCount: d.Pending}
	if d.Ongoing() {
		c := counts[d.Target]
		target.RunningTaskCount, target.PendingTaskCount = c.Running, c.Pending
	}
	w.TargetServiceRevision = &target
	for _, src := range d.Sources {
		sw := ecsmodel.ServiceRevisionSummary{Arn: revARN(src.Revision), RequestedTaskCount: src.Requested, RunningTaskCount: src.Running, PendingTaskCount: src.Pending}
		if d.Ongoing() {
			c := counts[src.Revision]
			sw.RunningTaskCount, sw.PendingTaskCount = c.Running, c.Pending
		}
		w.SourceServiceRevisions = append(w.SourceServiceRevisions, sw)
	}
	if r := d.Rollback; r != nil {
		w.Rollback = &ecsmodel.Rollback{Reason: r.Reason, StartedAt: wire.At(r.StartedAt), ServiceRevisionArn: revARN(r.Revision)}
	}
	return w
}

// Brief is the ServiceDeploymentBrief ListServiceDeployments answers for d.
func Brief(a ecs.Account, cluster, service string, d *Deployment) ecsmodel.ServiceDeploymentBrief {
	return ecsmodel.ServiceDeploymentBrief{
		ServiceDeploymentArn: DeploymentARN(a, cluster, service, d.ID),
		ServiceArn:           a.ServiceARN(cluster, service), ClusterArn: a.ClusterARN(cluster),
		StartedAt: wire.At(d.StartedAt), CreatedAt: wire.At(d.CreatedAt), FinishedAt: wire.At(d.FinishedAt),
		TargetServiceRevisionArn: RevisionARN(a, cluster, service, d.Target),
		Status:                   ecsmodel.ServiceDeploymentStatus(d.Status), StatusReason: d.Reason,
	}
}

// RevisionWire is the ServiceRevision answer for r, a revision of service
// in cluster.
func RevisionWire(a ecs.Account, cluster, service string, r *Revision) ecsmodel.ServiceRevision {
	return ecsmodel.ServiceRevision{
		ServiceRevisionArn: RevisionARN(a, cluster, service, r.ID),
		ServiceArn:         a.ServiceARN(cluster, service), ClusterArn: a.ClusterARN(cluster),
		TaskDefinition: r.TaskDefinition, CapacityProviderStrategy: r.CapacityProviders, LaunchType: ecsmodel.LaunchType(r.LaunchType),
		PlatformVersion: r.PlatformVersion, NetworkConfiguration: r.NetworkConfiguration,
		LoadBalancers: []ecsmodel.LoadBalancer{}, ServiceRegistries: []ecsmodel.ServiceRegistry{},
		ContainerImages: r.Images, CreatedAt: wire.At(r.CreatedAt),
	}
}
