package daemons

import (
	"context"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// GroupPrefix starts the task group of every daemon task:
// "daemon:<daemon name>". Their startedBy is "<revision id>/<container
// instance id>".
const GroupPrefix = "daemon:"

// DefaultInterval is how often Run looks at the daemons when nothing
// kicks it.
const DefaultInterval = 250 * time.Millisecond

// Run reconciles the daemons every interval, and soon after a daemon
// call, until ctx ends.
func (m *Manager) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		m.Step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.kick:
		}
	}
}

// Step looks at every cluster with daemons once: it starts and stops
// daemon tasks as Reconcile decides and moves the deployments on. The
// engine also calls it before the tasks waiting for capacity are placed,
// so that a new instance gets its daemon tasks first.
func (m *Manager) Step(ctx context.Context) {
	if m.cp == nil {
		return
	}
	m.step.Lock()
	defer m.step.Unlock()
	m.mu.Lock()
	byCluster := map[string][]Daemon{}
	backing := map[string]*revisionRecord{} // by revision id
	for _, r := range m.revisions {
		backing[r.ID] = r
	}
	daemons := map[string]*daemonRecord{}
	// seen is the deployment of each daemon this step decides for: a
	// call that replaces it meanwhile leaves it to the next step.
	seen := map[string]string{}
	deleting := map[string]bool{} // clusters with a daemon being deleted
	for _, d := range m.daemons {
		daemons[d.ARN] = d
		seen[d.ARN] = d.Deployment
		if d.Status != ecsmodel.DaemonStatusACTIVE {
			deleting[d.Cluster] = true
		}
		rd := Daemon{Name: d.ARN, Deleting: d.Status != ecsmodel.DaemonStatusACTIVE, DrainPercent: DefaultDrainPercent}
		if dep := m.deployments[d.Deployment]; dep != nil {
			rd.Target = dep.Target
			if r := m.revisions[dep.Target]; r != nil {
				rd.Providers = r.Providers
			}
			if c := dep.Dep.DeploymentConfiguration; c != nil && c.DrainPercent != nil {
				rd.DrainPercent = *c.DrainPercent
			}
		}
		byCluster[d.Cluster] = append(byCluster[d.Cluster], rd)
	}
	m.mu.Unlock()

	for cluster, ds := range byCluster {
		instances, ec2, err := m.instances(ctx, cluster)
		if err != nil {
			m.log.Warn("daemons: list container instances", "cluster", cluster, "err", err)
			continue
		}
		tasks, err := m.tasks(ctx, cluster, backing, instances)
		if err != nil {
			m.log.Warn("daemons: list daemon tasks", "cluster", cluster, "err", err)
			continue
		}
		// The tasks of a daemon being deleted that were told to stop
		// before this step and have not stopped yet keep it
		// DELETE_IN_PROGRESS.
		var stopping map[string]int
		if deleting[cluster] {
			if stopping, err = m.stopping(ctx, cluster); err != nil {
				m.log.Warn("daemons: list stopping daemon tasks", "cluster", cluster, "err", err)
				continue
			}
		}
		plan := Reconcile(instances, ds, tasks)
		for _, s := range plan.Stops {
			if _, err := m.cp.StopTask(ctx, &ecsmodel.StopTaskRequest{Cluster: cluster, Task: s.Task, Reason: s.Reason}); err != nil {
				m.log.Warn("daemons: stop task", "task", s.Task, "err", err)
			}
		}
		for _, s := range plan.Starts {
			m.start(ctx, cluster, daemons[s.Daemon], s, ec2[s.Instance])
		}
		m.settle(ctx, ds, seen, tasks, stopping, plan)
	}
}

// instances returns the cluster's container instances, and their EC2
// instance ids by ARN.
func (m *Manager) instances(ctx context.Context, cluster string) ([]Instance, map[string]string, error) {
	var arns []string
	req := &ecsmodel.ListContainerInstancesRequest{Cluster: cluster}
	for {
		out, err := m.cp.ListContainerInstances(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		arns = append(arns, out.ContainerInstanceArns...)
		if out.NextToken == "" {
			break
		}
		req.NextToken = out.NextToken
	}
	var ins []Instance
	ec2 := map[string]string{}
	for i := 0; i < len(arns); i += 100 {
		out, err := m.cp.DescribeContainerInstances(ctx, &ecsmodel.DescribeContainerInstancesRequest{Cluster: cluster, ContainerInstances: arns[i:min(i+100, len(arns))]})
		if err != nil {
			return nil, nil, err
		}
		for _, ci := range out.ContainerInstances {
			ins = append(ins, Instance{ARN: ci.ContainerInstanceArn, Provider: ci.CapacityProviderName, Active: ci.Status == "ACTIVE" || ci.Status == "DRAINING"})
			ec2[ci.ContainerInstanceArn] = ci.Ec2InstanceId
		}
	}
	return ins, ec2, nil
}

// tasks returns the daemon tasks of the cluster the control plane wants
// running.
func (m *Manager) tasks(ctx context.Context, cluster string, revs map[string]*revisionRecord, instances []Instance) ([]Task, error) {
	byID := map[string]string{}
	for _, in := range instances {
		byID[lastPart(in.ARN)] = in.ARN
	}
	tasks, err := m.describeTasks(ctx, cluster, ecsmodel.DesiredStatusRUNNING)
	if err != nil {
		return nil, err
	}
	var ts []Task
	for _, t := range tasks {
		name, ok := strings.CutPrefix(t.Group, GroupPrefix)
		if !ok || t.DesiredStatus != "RUNNING" {
			continue
		}
		revID, instID, _ := strings.Cut(t.StartedBy, "/")
		task := Task{ARN: t.TaskArn, Daemon: m.daemonARN(cluster, name), Running: t.LastStatus == "RUNNING"}
		if r := revs[revID]; r != nil {
			task.Revision = r.Rev.DaemonRevisionArn
		}
		task.Instance = byID[instID]
		if task.Instance == "" {
			task.Instance = instID
		}
		ts = append(ts, task)
	}
	return ts, nil
}

// stopping counts, by daemon ARN, the daemon tasks of the cluster the
// control plane has been told to stop that have not stopped yet.
func (m *Manager) stopping(ctx context.Context, cluster string) (map[string]int, error) {
	tasks, err := m.describeTasks(ctx, cluster, ecsmodel.DesiredStatusSTOPPED)
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, t := range tasks {
		if name, ok := strings.CutPrefix(t.Group, GroupPrefix); ok && t.LastStatus != "STOPPED" {
			n[m.daemonARN(cluster, name)]++
		}
	}
	return n, nil
}

// describeTasks returns the cluster's tasks of a desired status, every
// page of ListTasks described 100 at a time.
func (m *Manager) describeTasks(ctx context.Context, cluster string, desired ecsmodel.DesiredStatus) ([]ecsmodel.Task, error) {
	var arns []string
	req := &ecsmodel.ListTasksRequest{Cluster: cluster, DesiredStatus: desired}
	for {
		out, err := m.cp.ListTasks(ctx, req)
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.TaskArns...)
		if out.NextToken == "" {
			break
		}
		req.NextToken = out.NextToken
	}
	var tasks []ecsmodel.Task
	for i := 0; i < len(arns); i += 100 {
		out, err := m.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Cluster: cluster, Tasks: arns[i:min(i+100, len(arns))]})
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, out.Tasks...)
	}
	return tasks, nil
}

// start runs one daemon task on one instance, through the provider's
// capacity.
func (m *Manager) start(ctx context.Context, cluster string, d *daemonRecord, s Start, ec2ID string) {
	if d == nil || ec2ID == "" {
		return
	}
	m.mu.Lock()
	r := m.revisions[s.Revision]
	m.mu.Unlock()
	if r == nil {
		return
	}
	in := &ecsmodel.RunTaskRequest{
		Cluster: cluster, TaskDefinition: r.Backing,
		CapacityProviderStrategy: []ecsmodel.CapacityProviderStrategyItem{{CapacityProvider: s.Provider, Weight: 1}},
		PlacementConstraints:     []ecsmodel.PlacementConstraint{{Type: ecsmodel.PlacementConstraintTypeMemberOf, Expression: "ec2InstanceId == " + ec2ID}},
		Group:                    GroupPrefix + d.Name,
		StartedBy:                r.ID + "/" + lastPart(s.Instance),
	}
	if r.Rev.EnableExecuteCommand != nil {
		in.EnableExecuteCommand = *r.Rev.EnableExecuteCommand
	}
	if r.Rev.PropagateTags == ecsmodel.DaemonPropagateTagsDAEMON {
		in.Tags = d.Tags
	}
	out, err := m.cp.RunTask(ctx, in)
	if err != nil {
		m.log.Warn("daemons: start task", "daemon", d.ARN, "instance", s.Instance, "err", err)
		return
	}
	for _, f := range out.Failures {
		m.log.Info("daemons: daemon task not placed", "daemon", d.ARN, "instance", s.Instance, "reason", f.Reason)
	}
}

// settle records what the step found and moves the deployments on: a
// deployment is IN_PROGRESS from its first step and SUCCESSFUL once every
// covered instance runs its revision; a deleted daemon is forgotten once
// its tasks have stopped (none is wanted running and none is still
// stopping). A deployment that replaced seen's (the one the step decided
// for) is left to the next step: what the step found says nothing of its
// target.
func (m *Manager) settle(ctx context.Context, ds []Daemon, seen map[string]string, tasks []Task, stopping map[string]int, plan Plan) {
	live := map[string]int{}
	for _, t := range tasks {
		live[t.Daemon]++
	}
	for d, n := range stopping {
		live[d] += n
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for _, rd := range ds {
		d := m.daemons[rd.Name]
		if d == nil {
			continue
		}
		st := plan.Status[rd.Name]
		m.running[d.ARN] = st.Running
		dep := m.deployments[d.Deployment]
		if dep == nil || finished(dep.Dep.Status) || d.Deployment != seen[d.ARN] {
			continue
		}
		next := *dep
		if next.Dep.Status == ecsmodel.DaemonDeploymentStatusPENDING {
			next.Dep.Status = ecsmodel.DaemonDeploymentStatusINPROGRESS
			next.Dep.StartedAt = wire.At(now)
		}
		deleting := d.Status != ecsmodel.DaemonStatusACTIVE
		if deleting && live[d.ARN] == 0 || !deleting && st.Done {
			next.Dep.Status = ecsmodel.DaemonDeploymentStatusSUCCESSFUL
			next.Dep.FinishedAt = wire.At(now)
		}
		if next.Dep.Status == dep.Dep.Status {
			continue
		}
		if err := m.save(ctx, &next); err != nil {
			m.log.Warn("daemons: save deployment", "err", err)
			continue
		}
		*dep = next
		if deleting && next.Dep.Status == ecsmodel.DaemonDeploymentStatusSUCCESSFUL {
			if err := m.remove(ctx, kindDaemon, d.ARN); err != nil {
				m.log.Warn("daemons: forget deleted daemon", "err", err)
				continue
			}
			delete(m.daemons, d.ARN)
			delete(m.running, d.ARN)
			if d.Token != "" {
				delete(m.tokens, d.Token)
			}
		}
	}
	// Deleted daemon task definitions nothing deploys any more are
	// DELETED.
	for _, revs := range m.families {
		for _, r := range revs {
			if r == nil || r.Def.Status != ecsmodel.DaemonTaskDefinitionStatusDELETEINPROGRESS || m.defInUse(r.Def.DaemonTaskDefinitionArn) {
				continue
			}
			next := *r
			next.Def.Status = ecsmodel.DaemonTaskDefinitionStatusDELETED
			if err := m.save(ctx, &next); err == nil {
				*r = next
			}
		}
	}
}

// ListDaemonTasks answers ListTasks with daemonName: the tasks of that
// daemon (group "daemon:<name>") among those the other filters select.
func (m *Manager) ListDaemonTasks(ctx context.Context, in *ecsmodel.ListTasksRequest) (*ecsmodel.ListTasksResponse, error) {
	if m.cp == nil {
		return nil, ecs.Errorf(ecs.ErrServer, "The daemon manager is not attached to a control plane.")
	}
	req := *in
	req.DaemonName, req.NextToken, req.MaxResults = "", "", nil
	var arns []string
	for {
		out, err := m.cp.ListTasks(ctx, &req)
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.TaskArns...)
		if out.NextToken == "" {
			break
		}
		req.NextToken = out.NextToken
	}
	var mine []string
	for i := 0; i < len(arns); i += 100 {
		out, err := m.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Cluster: in.Cluster, Tasks: arns[i:min(i+100, len(arns))]})
		if err != nil {
			return nil, err
		}
		for _, t := range out.Tasks {
			if t.Group == GroupPrefix+in.DaemonName {
				mine = append(mine, t.TaskArn)
			}
		}
	}
	start, end, err := pageOf(in.NextToken, in.MaxResults, 100, len(mine))
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListTasksResponse{TaskArns: append([]string{}, mine[start:end]...), NextToken: nextToken(end, len(mine))}, nil
}
