package controlplane

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ecsrun/ecsrun/internal/deployments"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// Service deployments and service revisions (ListServiceDeployments,
// DescribeServiceDeployments, DescribeServiceRevisions,
// StopServiceDeployment, ContinueServiceDeployment), built from the
// deployments the scheduler runs: each scheduler deployment names the
// service revision it runs and the service deployment it belongs to
// (deploymentRecord.Revision and ServiceDeployment); the rules are in
// package deployments, and the history is kept in the service's record.

// beginDeployment makes the service's new primary deployment a service
// deployment of a new service revision, from the revisions its other
// deployments run; callers hold cp.mu.
func (cp *ControlPlane) beginDeployment(s *serviceRecord, now time.Time) {
	p := &s.Deployments[0]
	rev := deployments.Revision{
		ID: deployments.NewRevisionID(), CreatedAt: now, TaskDefinition: p.TaskDefinition,
		LaunchType: p.LaunchType, CapacityProviders: p.CapacityProviders, PlatformVersion: p.PlatformVersion,
		NetworkConfiguration: p.NetworkConfiguration,
	}
	if td, err := cp.taskDef(p.TaskDefinition); err == nil {
		for _, c := range td.Def.ContainerDefinitions {
			rev.Images = append(rev.Images, ecsmodel.ContainerImage{ContainerName: c.Name, Image: c.Image})
		}
	}
	var sources []deployments.Source
	for _, d := range s.Deployments[1:] {
		if d.Revision != "" && !slices.ContainsFunc(sources, func(x deployments.Source) bool { return x.Revision == d.Revision }) {
			sources = append(sources, deployments.Source{Revision: d.Revision})
		}
	}
	cfg := deployments.Config{MaxPercent: s.MaxPercent, MinHealthyPercent: s.MinHealthyPercent, CircuitBreaker: s.CircuitBreaker, Rollback: s.Rollback}
	if s.CircuitBreaker {
		cfg.Threshold = failureThreshold(s.DesiredCount)
		if tc := s.Threshold; tc != nil {
			cfg.Threshold = breakerThreshold(string(tc.Type), tc.Value, s.DesiredCount)
		}
	}
	sd := deployments.Deployment{ID: deployments.NewDeploymentID(), Target: rev.ID, Requested: s.DesiredCount, Sources: sources, Config: cfg}
	p.Revision, p.ServiceDeployment = rev.ID, sd.ID
	s.History = s.History.Start(sd, now)
	s.Revisions = append(slices.Clone(s.Revisions), rev)
	s.pruneRevisions()
}

// pruneRevisions drops the revisions no service deployment or scheduler
// deployment refers to any more.
func (s *serviceRecord) pruneRevisions() {
	used := map[string]bool{}
	for _, d := range s.History {
		used[d.Target] = true
		for _, src := range d.Sources {
			used[src.Revision] = true
		}
		if d.Rollback != nil {
			used[d.Rollback.Revision] = true
		}
	}
	for _, d := range s.Deployments {
		used[d.Revision] = true
	}
	s.Revisions = slices.DeleteFunc(s.Revisions, func(r deployments.Revision) bool { return !used[r.ID] })
}

// deploymentCompleted records that the primary deployment p completed
// with running tasks; callers hold cp.mu.
func (s *serviceRecord) deploymentCompleted(p *deploymentRecord, running int32, now time.Time) {
	if p.ServiceDeployment != "" {
		s.History = s.History.Finish(p.ServiceDeployment, running, now)
	}
}

// deploymentFailed records that the circuit breaker tripped for the
// scheduler deployment failed after failures failed tasks; when the
// service rolled back (its new primary runs the last completed task
// definition), the service deployment rolls back to the last revision
// that ran in full. Callers hold cp.mu.
func (cp *ControlPlane) deploymentFailed(s *serviceRecord, failed deploymentRecord, failures int32, rolledBack bool, now time.Time) {
	if failed.ServiceDeployment == "" {
		return
	}
	rev := ""
	if rolledBack {
		rev = s.History.LastGood()
		q := &s.Deployments[0]
		if rev == "" {
			rev = deployments.NewRevisionID()
			s.Revisions = append(slices.Clone(s.Revisions), deployments.Revision{ID: rev, CreatedAt: now, TaskDefinition: q.TaskDefinition,
				LaunchType: q.LaunchType, CapacityProviders: q.CapacityProviders, PlatformVersion: q.PlatformVersion, NetworkConfiguration: q.NetworkConfiguration})
		}
		q.Revision, q.ServiceDeployment = rev, failed.ServiceDeployment
	}
	s.History = s.History.Fail(failed.ServiceDeployment, failures, rolledBack, rev, now)
}

// deploymentService resolves a service deployment or revision ARN to its
// service (not INACTIVE: ECS deletes a deleted service's deployments) and
// id; callers hold cp.mu.
func (cp *ControlPlane) deploymentService(arn, kind string, notFound ecs.Kind) (*serviceRecord, string, error) {
	cluster, service, id, err := deployments.ParseARN(arn, kind)
	if err != nil {
		return nil, "", err
	}
	s := cp.services[serviceKey(cluster, service)]
	if s == nil || s.Status == serviceInactive {
		return nil, "", ecs.Errorf(notFound, "The %s %s does not exist.", kind, arn)
	}
	return s, id, nil
}

// revisionCounts counts the service's tasks by the revision their
// deployment runs; callers hold cp.mu.
func (cp *ControlPlane) revisionCounts(s *serviceRecord) map[string]deployments.Counts {
	revOf := map[string]string{}
	for _, d := range s.Deployments {
		revOf[d.ID] = d.Revision
	}
	out := map[string]deployments.Counts{}
	for _, t := range cp.serviceTasks(s) {
		c := out[revOf[t.StartedBy]]
		switch t.State.Status {
		case taskstate.Running:
			c.Running++
		case taskstate.Provisioning, taskstate.Pending, taskstate.Activating:
			c.Pending++
		}
		out[revOf[t.StartedBy]] = c
	}
	return out
}

// ListServiceDeployments lists a service's deployments, newest first,
// filtered by status and creation time, 20 a page unless maxResults says
// otherwise (at most 100).
func (cp *ControlPlane) ListServiceDeployments(ctx context.Context, in *ecsmodel.ListServiceDeploymentsRequest) (*ecsmodel.ListServiceDeploymentsResponse, error) {
	max := int32(20)
	if in.MaxResults != nil {
		max = *in.MaxResults
	}
	var after, before time.Time
	if ca := in.CreatedAt; ca != nil {
		if ca.After != nil {
			after = ca.After.Time
		}
		if ca.Before != nil {
			before = ca.Before.Time
		}
	}
	statuses := make([]string, len(in.Status))
	for i, st := range in.Status {
		statuses[i] = string(st)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		return nil, err
	}
	s, err := cp.service(c, in.Service)
	if err != nil {
		return nil, err
	}
	var keys []string
	byKey := map[string]*deployments.Deployment{}
	if s.Status != serviceInactive {
		for i := range s.History {
			d := &s.History[i]
			if deployments.Match(d, statuses, after, before) {
				k := fmt.Sprintf("%019d/%s", math.MaxInt64-d.CreatedAt.UnixNano(), d.ID)
				keys = append(keys, k)
				byKey[k] = d
			}
		}
	}
	slices.Sort(keys)
	start, end, next, err := page(keys, in.NextToken, max, 100)
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.ListServiceDeploymentsResponse{ServiceDeployments: []ecsmodel.ServiceDeploymentBrief{}, NextToken: next}
	for _, k := range keys[start:end] {
		out.ServiceDeployments = append(out.ServiceDeployments, deployments.Brief(cp.acct, s.Cluster, s.Name, byKey[k]))
	}
	return out, nil
}

// DescribeServiceDeployments describes up to 20 service deployments;
// unknown ones come back as MISSING failures.
func (cp *ControlPlane) DescribeServiceDeployments(ctx context.Context, in *ecsmodel.DescribeServiceDeploymentsRequest) (*ecsmodel.DescribeServiceDeploymentsResponse, error) {
	if len(in.ServiceDeploymentArns) == 0 || len(in.ServiceDeploymentArns) > 20 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "serviceDeploymentArns must name 1 to 20 service deployments; got %d.", len(in.ServiceDeploymentArns))
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := &ecsmodel.DescribeServiceDeploymentsResponse{ServiceDeployments: []ecsmodel.ServiceDeployment{}, Failures: []ecsmodel.Failure{}}
	for _, arn := range in.ServiceDeploymentArns {
		s, id, err := cp.deploymentService(arn, "service-deployment", ecs.ErrServiceDeploymentNotFound)
		if errors.Is(err, ecs.ErrInvalidParameter) {
			return nil, err
		}
		var d *deployments.Deployment
		if err == nil {
			d = s.History.Find(id)
		}
		if d == nil {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.ServiceDeployments = append(out.ServiceDeployments, deployments.Wire(cp.acct, s.Cluster, s.Name, d, cp.revisionCounts(s)))
	}
	return out, nil
}

// DescribeServiceRevisions describes up to 20 service revisions; unknown
// ones come back as MISSING failures.
func (cp *ControlPlane) DescribeServiceRevisions(ctx context.Context, in *ecsmodel.DescribeServiceRevisionsRequest) (*ecsmodel.DescribeServiceRevisionsResponse, error) {
	if len(in.ServiceRevisionArns) == 0 || len(in.ServiceRevisionArns) > 20 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "serviceRevisionArns must name 1 to 20 service revisions; got %d.", len(in.ServiceRevisionArns))
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := &ecsmodel.DescribeServiceRevisionsResponse{ServiceRevisions: []ecsmodel.ServiceRevision{}, Failures: []ecsmodel.Failure{}}
	for _, arn := range in.ServiceRevisionArns {
		s, id, err := cp.deploymentService(arn, "service-revision", ecs.ErrResourceNotFound)
		if errors.Is(err, ecs.ErrInvalidParameter) {
			return nil, err
		}
		i := -1
		if err == nil {
			i = slices.IndexFunc(s.Revisions, func(r deployments.Revision) bool { return r.ID == id })
		}
		if i < 0 {
			out.Failures = append(out.Failures, ecsmodel.Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out.ServiceRevisions = append(out.ServiceRevisions, deployments.RevisionWire(cp.acct, s.Cluster, s.Name, &s.Revisions[i]))
	}
	return out, nil
}

// StopServiceDeployment stops a service deployment in progress by rolling
// the service back to the last revision that ran in full (ROLLBACK, the
// stop type ECS documents).
func (cp *ControlPlane) StopServiceDeployment(ctx context.Context, in *ecsmodel.StopServiceDeploymentRequest) (*ecsmodel.StopServiceDeploymentResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, id, err := cp.deploymentService(in.ServiceDeploymentArn, "service-deployment", ecs.ErrServiceDeploymentNotFound)
	if err != nil {
		return nil, err
	}
	d := s.History.Find(id)
	if d == nil {
		return nil, ecs.Errorf(ecs.ErrServiceDeploymentNotFound, "The service-deployment %s does not exist.", in.ServiceDeploymentArn)
	}
	rev := s.History.LastGood()
	if rev == "" || rev == d.Target {
		rev = ""
		if len(d.Sources) > 0 {
			rev = d.Sources[0].Revision
		}
	}
	was := d.Status
	now := cp.now()
	h, err := s.History.Stop(id, string(in.StopType), rev, now)
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.StopServiceDeploymentResponse{ServiceDeploymentArn: in.ServiceDeploymentArn}
	if was == deployments.RollbackInProgress {
		return out, nil
	}
	i := slices.IndexFunc(s.Revisions, func(r deployments.Revision) bool { return r.ID == rev })
	if i < 0 {
		return nil, ecs.Errorf(ecs.ErrServer, "The service revision %s to roll back to is not kept.", rev)
	}
	r := s.Revisions[i]
	upd := *s
	upd.Deployments = slices.Clone(s.Deployments)
	upd.TaskDefinition, upd.NetworkConfiguration, upd.PlatformVersion = r.TaskDefinition, r.NetworkConfiguration, r.PlatformVersion
	upd.LaunchType, upd.CapacityProviders = r.LaunchType, r.CapacityProviders
	upd.deploy(now)
	upd.Deployments[0].Revision, upd.Deployments[0].ServiceDeployment = rev, id
	upd.Deployments[0].RolloutStateReason = fmt.Sprintf("ECS deployment %s rolling back service deployment %s.", upd.Deployments[0].ID, id)
	upd.History = h
	upd.addEvent(now, "(service %s) rolling back to task definition %s: service deployment %s was stopped.", s.Name, r.TaskDefinition, id)
	if _, err := cp.replaceService(ctx, s, upd, false); err != nil {
		return nil, err
	}
	return out, nil
}

// ContinueServiceDeployment continues a service deployment paused at a
// lifecycle hook. ecsrun's deployments have no lifecycle hooks, so none is
// ever paused: it answers as ECS does for a deployment that is not.
func (cp *ControlPlane) ContinueServiceDeployment(ctx context.Context, in *ecsmodel.ContinueServiceDeploymentRequest) (*ecsmodel.ContinueServiceDeploymentResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	s, id, err := cp.deploymentService(in.ServiceDeploymentArn, "service-deployment", ecs.ErrServiceDeploymentNotFound)
	if err != nil {
		return nil, err
	}
	d := s.History.Find(id)
	if d == nil {
		return nil, ecs.Errorf(ecs.ErrServiceDeploymentNotFound, "The service-deployment %s does not exist.", in.ServiceDeploymentArn)
	}
	return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The service deployment %s is %s and not paused at a lifecycle hook (hookId %q): there is nothing to continue. ecsrun's rolling deployments have no lifecycle hooks.", in.ServiceDeploymentArn, d.Status, in.HookId)
}
