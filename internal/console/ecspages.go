package console

import (
	"context"

	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// listLimit bounds the tasks a list shows.
const listLimit = 200

// clusterArns returns the clusters to look at: the one named, or all.
func (c *Console) clusterArns(ctx context.Context, name string) ([]string, error) {
	if name != "" {
		return []string{name}, nil
	}
	var arns []string
	p := awsecs.NewListClustersPaginator(c.opts.ECS, &awsecs.ListClustersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.ClusterArns...)
	}
	sort.Strings(arns)
	return arns, nil
}

// describeTasks describes task ARNs of a cluster, 100 at a time.
func (c *Console) describeTasks(ctx context.Context, cluster string, arns []string) ([]types.Task, error) {
	var tasks []types.Task
	for len(arns) > 0 {
		n := min(len(arns), 100)
		out, err := c.opts.ECS.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: arns[:n]})
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, out.Tasks...)
		arns = arns[n:]
	}
	return tasks, nil
}

// listTasks lists a cluster's tasks (running and stopped) as the input
// filters them.
func (c *Console) listTasks(ctx context.Context, in awsecs.ListTasksInput) ([]types.Task, error) {
	var arns []string
	for _, st := range []types.DesiredStatus{types.DesiredStatusRunning, types.DesiredStatusStopped} {
		in := in
		in.DesiredStatus = st
		p := awsecs.NewListTasksPaginator(c.opts.ECS, &in)
		for p.HasMorePages() && len(arns) < listLimit*2 {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			arns = append(arns, out.TaskArns...)
		}
	}
	return c.describeTasks(ctx, aws.ToString(in.Cluster), arns)
}

// TasksView is the task list.
type TasksView struct {
	Filter   TaskFilter
	Clusters []string
	Tasks    []TaskRow
	More     bool
}

func (c *Console) loadTasks(r *http.Request) (loaded, error) {
	q := r.URL.Query()
	f := TaskFilter{Cluster: q.Get("cluster"), Family: q.Get("family"), Status: strings.ToUpper(q.Get("status")), StartedBy: q.Get("startedBy")}
	ctx := r.Context()
	all, err := c.clusterArns(ctx, "")
	if err != nil {
		return loaded{}, err
	}
	v := TasksView{Filter: f}
	for _, a := range all {
		v.Clusters = append(v.Clusters, clusterName(a))
	}
	clusters := all
	if f.Cluster != "" {
		clusters = []string{f.Cluster}
	}
	for _, cl := range clusters {
		in := awsecs.ListTasksInput{Cluster: aws.String(cl)}
		if f.Family != "" {
			in.Family = aws.String(f.Family)
		}
		if f.StartedBy != "" {
			in.StartedBy = aws.String(f.StartedBy)
		}
		tasks, err := c.listTasks(ctx, in)
		if err != nil {
			return loaded{}, err
		}
		for _, t := range tasks {
			if row := taskRow(t); f.match(row) {
				v.Tasks = append(v.Tasks, row)
			}
		}
	}
	sortTasks(v.Tasks)
	if len(v.Tasks) > listLimit {
		v.Tasks, v.More = v.Tasks[:listLimit], true
	}
	return loaded{title: "Tasks", nav: "tasks", data: v, live: true}, nil
}

// TaskView is a task's page.
type TaskView struct {
	TaskRow
	TaskDefArn     string
	Timeline       []Step
	Containers     []ContainerView
	Logs           []LogLine
	LogProblem     string
	Stopped        bool
	LaunchType     string
	Health         string
	Connectivity   string
	Attachments    []string
	ServiceOfGroup string
}

// LogLine is a line of a container's output.
type LogLine struct {
	Time      time.Time
	Container string
	Message   string
}

// taskLogLimit is how many of each container's last lines a task page
// shows.
const taskLogLimit = 1000

func (c *Console) task(ctx context.Context, cluster, id string) (types.Task, error) {
	out, err := c.opts.ECS.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: []string{id}})
	if err != nil {
		return types.Task{}, err
	}
	if len(out.Tasks) == 0 {
		return types.Task{}, notFound("task %s is not in cluster %s (stopped tasks are forgotten after serve's --task-retention)", id, cluster)
	}
	return out.Tasks[0], nil
}

func (c *Console) loadTask(r *http.Request) (loaded, error) {
	ctx := r.Context()
	cluster, id := r.PathValue("cluster"), r.PathValue("task")
	t, err := c.task(ctx, cluster, id)
	if err != nil {
		return loaded{}, err
	}
	v := TaskView{
		TaskRow: taskRow(t), TaskDefArn: aws.ToString(t.TaskDefinitionArn), Timeline: timeline(t),
		Stopped:    aws.ToString(t.LastStatus) == "STOPPED" || aws.ToString(t.DesiredStatus) == "STOPPED",
		LaunchType: string(t.LaunchType), Health: string(t.HealthStatus), Connectivity: string(t.Connectivity),
	}
	if g, ok := strings.CutPrefix(v.Group, "service:"); ok {
		v.ServiceOfGroup = g
	}
	for _, ct := range t.Containers {
		v.Containers = append(v.Containers, containerView(ct))
	}
	sort.Slice(v.Containers, func(i, j int) bool { return v.Containers[i].Name < v.Containers[j].Name })
	def, err := c.opts.ECS.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: t.TaskDefinitionArn})
	if err != nil {
		v.LogProblem = "cannot read the task definition: " + err.Error()
	} else {
		v.Logs, v.LogProblem = c.taskLogs(ctx, def.TaskDefinition, v.ID, t.Containers)
	}
	return loaded{title: "Task " + v.ID, nav: "tasks", data: v, live: true}, nil
}

// taskLogs reads the last lines of each container's log stream, merged
// in time order.
func (c *Console) taskLogs(ctx context.Context, def *types.TaskDefinition, taskID string, cs []types.Container) ([]LogLine, string) {
	var lines []LogLine
	var problems []string
	for _, ct := range cs {
		group, stream := logDestination(def, taskID, ct)
		if group == "" {
			continue
		}
		out, err := c.opts.Logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(group), LogStreamName: aws.String(stream), Limit: aws.Int32(taskLogLimit),
		})
		if err != nil {
			if !strings.Contains(err.Error(), "ResourceNotFound") { // no output yet
				problems = append(problems, aws.ToString(ct.Name)+": "+err.Error())
			}
			continue
		}
		for _, ev := range out.Events {
			lines = append(lines, LogLine{Time: time.UnixMilli(aws.ToInt64(ev.Timestamp)), Container: aws.ToString(ct.Name), Message: aws.ToString(ev.Message)})
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	return lines, strings.Join(problems, "; ")
}

// logDestination is the log group and stream of a task's container.
func logDestination(def *types.TaskDefinition, taskID string, ct types.Container) (string, string) {
	for _, cd := range def.ContainerDefinitions {
		if aws.ToString(cd.Name) != aws.ToString(ct.Name) {
			continue
		}
		w := &ecsmodel.ContainerDefinition{Name: aws.ToString(cd.Name)}
		if lc := cd.LogConfiguration; lc != nil {
			w.LogConfiguration = &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriver(lc.LogDriver), Options: lc.Options}
		}
		return ecs.LogDestination(&ecsmodel.TaskDefinition{Family: aws.ToString(def.Family)}, w, taskID, aws.ToString(ct.RuntimeId))
	}
	return "", ""
}

func taskPath(cluster, id string) string {
	return Prefix + "tasks/" + url.PathEscape(cluster) + "/" + url.PathEscape(id)
}

func (c *Console) stopTask(r *http.Request) (string, error) {
	cluster, id := r.PathValue("cluster"), r.PathValue("task")
	_, err := c.opts.ECS.StopTask(r.Context(), &awsecs.StopTaskInput{Cluster: aws.String(cluster), Task: aws.String(id), Reason: aws.String("Stopped from the ecsrun console")})
	if err != nil {
		return "", err
	}
	return taskPath(cluster, id), nil
}

// runAgain runs a task's task definition again in its cluster, with its
// overrides, launch type, group and capacity provider.
func (c *Console) runAgain(r *http.Request) (string, error) {
	ctx := r.Context()
	cluster, id := r.PathValue("cluster"), r.PathValue("task")
	t, err := c.task(ctx, cluster, id)
	if err != nil {
		return "", err
	}
	in := &awsecs.RunTaskInput{
		Cluster: aws.String(cluster), TaskDefinition: t.TaskDefinitionArn, Overrides: t.Overrides,
		StartedBy: aws.String("ecsrun-console"), EnableExecuteCommand: t.EnableExecuteCommand,
	}
	if g := aws.ToString(t.Group); g != "" && !strings.HasPrefix(g, "service:") {
		in.Group = t.Group
	}
	if t.CapacityProviderName != nil {
		in.CapacityProviderStrategy = []types.CapacityProviderStrategyItem{{CapacityProvider: t.CapacityProviderName}}
	} else {
		in.LaunchType = t.LaunchType
	}
	out, err := c.opts.ECS.RunTask(ctx, in)
	if err != nil {
		return "", err
	}
	if len(out.Tasks) == 0 {
		reason := "no task started"
		if len(out.Failures) > 0 {
			reason = aws.ToString(out.Failures[0].Reason) + " " + aws.ToString(out.Failures[0].Detail)
		}
		return "", &httpError{code: http.StatusConflict, msg: "RunTask: " + reason}
	}
	return taskPath(cluster, shortArn(aws.ToString(out.Tasks[0].TaskArn))), nil
}

// ClusterView is a cluster on the clusters page.
type ClusterView struct {
	Name, Status                          string
	Running, Pending, Services, Instances int32
	CapacityProviders                     []string
	DefaultStrategy                       []string
	Events                                []EventView
}

// EventView is a service event.
type EventView struct {
	At      *time.Time
	Service string
	Message string
}

// clusterEvents is how many recent events the clusters page shows of
// each cluster.
const clusterEvents = 8

func (c *Console) loadClusters(r *http.Request) (loaded, error) {
	ctx := r.Context()
	arns, err := c.clusterArns(ctx, "")
	if err != nil {
		return loaded{}, err
	}
	var views []ClusterView
	for len(arns) > 0 {
		n := min(len(arns), 100)
		out, err := c.opts.ECS.DescribeClusters(ctx, &awsecs.DescribeClustersInput{Clusters: arns[:n]})
		if err != nil {
			return loaded{}, err
		}
		arns = arns[n:]
		for _, cl := range out.Clusters {
			v := ClusterView{
				Name: aws.ToString(cl.ClusterName), Status: aws.ToString(cl.Status),
				Running: cl.RunningTasksCount, Pending: cl.PendingTasksCount, Services: cl.ActiveServicesCount,
				Instances: cl.RegisteredContainerInstancesCount, CapacityProviders: cl.CapacityProviders,
			}
			for _, s := range cl.DefaultCapacityProviderStrategy {
				v.DefaultStrategy = append(v.DefaultStrategy, aws.ToString(s.CapacityProvider))
			}
			svcs, err := c.services(ctx, v.Name)
			if err != nil {
				return loaded{}, err
			}
			for _, s := range svcs {
				for _, ev := range s.Events {
					v.Events = append(v.Events, EventView{At: ev.CreatedAt, Service: aws.ToString(s.ServiceName), Message: aws.ToString(ev.Message)})
				}
			}
			sortEvents(v.Events)
			if len(v.Events) > clusterEvents {
				v.Events = v.Events[:clusterEvents]
			}
			views = append(views, v)
		}
	}
	sort.Slice(views, func(i, j int) bool { return views[i].Name < views[j].Name })
	return loaded{title: "Clusters", nav: "clusters", data: views, live: true}, nil
}

func sortEvents(evs []EventView) {
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i].At, evs[j].At
		if a == nil || b == nil {
			return a != nil
		}
		return a.After(*b)
	})
}

// services describes a cluster's services.
func (c *Console) services(ctx context.Context, cluster string) ([]types.Service, error) {
	var arns []string
	p := awsecs.NewListServicesPaginator(c.opts.ECS, &awsecs.ListServicesInput{Cluster: aws.String(cluster)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.ServiceArns...)
	}
	var svcs []types.Service
	for len(arns) > 0 {
		n := min(len(arns), 10)
		out, err := c.opts.ECS.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: arns[:n]})
		if err != nil {
			return nil, err
		}
		svcs = append(svcs, out.Services...)
		arns = arns[n:]
	}
	sort.Slice(svcs, func(i, j int) bool { return aws.ToString(svcs[i].ServiceName) < aws.ToString(svcs[j].ServiceName) })
	return svcs, nil
}

// ServiceRow is a service in a list.
type ServiceRow struct {
	Cluster, Name, Status, TaskDef, Rollout string
	Desired, Running, Pending               int32
	Deployments                             int
}

func serviceRow(s types.Service) ServiceRow {
	r := ServiceRow{
		Cluster: clusterName(aws.ToString(s.ClusterArn)), Name: aws.ToString(s.ServiceName), Status: aws.ToString(s.Status),
		TaskDef: shortArn(aws.ToString(s.TaskDefinition)), Desired: s.DesiredCount, Running: s.RunningCount, Pending: s.PendingCount,
		Deployments: len(s.Deployments),
	}
	for _, d := range s.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			r.Rollout = string(d.RolloutState)
		}
	}
	return r
}

func (c *Console) loadServices(r *http.Request) (loaded, error) {
	ctx := r.Context()
	arns, err := c.clusterArns(ctx, r.URL.Query().Get("cluster"))
	if err != nil {
		return loaded{}, err
	}
	var rows []ServiceRow
	for _, a := range arns {
		svcs, err := c.services(ctx, a)
		if err != nil {
			return loaded{}, err
		}
		for _, s := range svcs {
			rows = append(rows, serviceRow(s))
		}
	}
	return loaded{title: "Services", nav: "services", data: rows, live: true}, nil
}

// ServiceView is a service's page.
type ServiceView struct {
	ServiceRow
	Arn, LaunchType, SchedulingStrategy string
	Breaker                             string
	MinHealthy, MaxPercent              string
	Deployments                         []DeploymentView
	Events                              []EventView
	Tasks                               []TaskRow
	LoadBalancers                       []string
	Placement                           []string
}

// serviceEvents is how many events a service's page shows.
const serviceEvents = 50

func (c *Console) loadService(r *http.Request) (loaded, error) {
	ctx := r.Context()
	cluster, name := r.PathValue("cluster"), r.PathValue("service")
	out, err := c.opts.ECS.DescribeServices(ctx, &awsecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil {
		return loaded{}, err
	}
	if len(out.Services) == 0 {
		return loaded{}, notFound("service %s is not in cluster %s", name, cluster)
	}
	s := out.Services[0]
	v := ServiceView{
		ServiceRow: serviceRow(s), Arn: aws.ToString(s.ServiceArn), LaunchType: string(s.LaunchType),
		SchedulingStrategy: string(s.SchedulingStrategy), Breaker: breaker(s),
	}
	if dc := s.DeploymentConfiguration; dc != nil {
		if dc.MinimumHealthyPercent != nil {
			v.MinHealthy = itoa(*dc.MinimumHealthyPercent) + "%"
		}
		if dc.MaximumPercent != nil {
			v.MaxPercent = itoa(*dc.MaximumPercent) + "%"
		}
	}
	for _, d := range s.Deployments {
		v.Deployments = append(v.Deployments, deploymentView(d))
	}
	for _, ev := range s.Events {
		v.Events = append(v.Events, EventView{At: ev.CreatedAt, Message: aws.ToString(ev.Message)})
	}
	sortEvents(v.Events)
	if len(v.Events) > serviceEvents {
		v.Events = v.Events[:serviceEvents]
	}
	for _, lb := range s.LoadBalancers {
		v.LoadBalancers = append(v.LoadBalancers, strings.TrimSpace(aws.ToString(lb.TargetGroupArn)+" "+aws.ToString(lb.LoadBalancerName)+" → "+aws.ToString(lb.ContainerName)+":"+itoa(aws.ToInt32(lb.ContainerPort))))
	}
	for _, ps := range s.PlacementStrategy {
		v.Placement = append(v.Placement, string(ps.Type)+"("+aws.ToString(ps.Field)+")")
	}
	tasks, err := c.listTasks(ctx, awsecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: aws.String(v.Name)})
	if err != nil {
		return loaded{}, err
	}
	for _, t := range tasks {
		v.Tasks = append(v.Tasks, taskRow(t))
	}
	sortTasks(v.Tasks)
	if len(v.Tasks) > listLimit {
		v.Tasks = v.Tasks[:listLimit]
	}
	return loaded{title: "Service " + v.Name, nav: "services", data: v, live: true}, nil
}

func servicePath(cluster, name string) string {
	return Prefix + "services/" + url.PathEscape(cluster) + "/" + url.PathEscape(name)
}

func (c *Console) scaleService(r *http.Request) (string, error) {
	cluster, name := r.PathValue("cluster"), r.PathValue("service")
	n, err := atoi32(r.PostFormValue("desiredCount"))
	if err != nil || n < 0 {
		return "", badRequest("desired count %q: give a whole number of tasks, 0 or more", r.PostFormValue("desiredCount"))
	}
	if _, err := c.opts.ECS.UpdateService(r.Context(), &awsecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(name), DesiredCount: aws.Int32(n)}); err != nil {
		return "", err
	}
	return servicePath(cluster, name), nil
}

func (c *Console) redeployService(r *http.Request) (string, error) {
	cluster, name := r.PathValue("cluster"), r.PathValue("service")
	if _, err := c.opts.ECS.UpdateService(r.Context(), &awsecs.UpdateServiceInput{Cluster: aws.String(cluster), Service: aws.String(name), ForceNewDeployment: true}); err != nil {
		return "", err
	}
	return servicePath(cluster, name), nil
}

// ZoneView is the container instances of an availability zone.
type ZoneView struct {
	Zone      string
	Instances []InstanceView
}

// InstanceView is a container instance.
type InstanceView struct {
	ID, Ec2ID, Status, InstanceType string
	Bars                            []Bar
	Running, Pending                int32
	Tasks                           []TaskRow
}

// InstancesView is the container instances page.
type InstancesView struct {
	Cluster  string
	Clusters []string
	Zones    []ZoneView
}

func (c *Console) loadInstances(r *http.Request) (loaded, error) {
	ctx := r.Context()
	all, err := c.clusterArns(ctx, "")
	if err != nil {
		return loaded{}, err
	}
	v := InstancesView{Cluster: r.URL.Query().Get("cluster")}
	for _, a := range all {
		v.Clusters = append(v.Clusters, clusterName(a))
	}
	if v.Cluster == "" {
		v.Cluster = "default"
		if len(v.Clusters) > 0 && !contains(v.Clusters, "default") {
			v.Cluster = v.Clusters[0]
		}
	}
	var arns []string
	p := awsecs.NewListContainerInstancesPaginator(c.opts.ECS, &awsecs.ListContainerInstancesInput{Cluster: aws.String(v.Cluster)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return loaded{}, err
		}
		arns = append(arns, out.ContainerInstanceArns...)
	}
	tasks, err := c.listTasks(ctx, awsecs.ListTasksInput{Cluster: aws.String(v.Cluster)})
	if err != nil {
		return loaded{}, err
	}
	byInstance := map[string][]TaskRow{}
	for _, t := range tasks {
		if aws.ToString(t.LastStatus) == "STOPPED" {
			continue
		}
		row := taskRow(t)
		byInstance[row.Instance] = append(byInstance[row.Instance], row)
	}
	zones := map[string]*ZoneView{}
	for len(arns) > 0 {
		n := min(len(arns), 100)
		out, err := c.opts.ECS.DescribeContainerInstances(ctx, &awsecs.DescribeContainerInstancesInput{Cluster: aws.String(v.Cluster), ContainerInstances: arns[:n]})
		if err != nil {
			return loaded{}, err
		}
		arns = arns[n:]
		for _, ci := range out.ContainerInstances {
			iv := InstanceView{
				ID: shortArn(aws.ToString(ci.ContainerInstanceArn)), Ec2ID: aws.ToString(ci.Ec2InstanceId), Status: aws.ToString(ci.Status),
				Bars: bars(ci), Running: ci.RunningTasksCount, Pending: ci.PendingTasksCount,
			}
			for _, a := range ci.Attributes {
				if aws.ToString(a.Name) == "ecs.instance-type" {
					iv.InstanceType = aws.ToString(a.Value)
				}
			}
			iv.Tasks = byInstance[iv.ID]
			sortTasks(iv.Tasks)
			z := zoneOf(ci)
			if zones[z] == nil {
				zones[z] = &ZoneView{Zone: z}
			}
			zones[z].Instances = append(zones[z].Instances, iv)
		}
	}
	for _, z := range zones {
		sort.Slice(z.Instances, func(i, j int) bool {
			return z.Instances[i].Ec2ID+z.Instances[i].ID < z.Instances[j].Ec2ID+z.Instances[j].ID
		})
		v.Zones = append(v.Zones, *z)
	}
	sort.Slice(v.Zones, func(i, j int) bool { return v.Zones[i].Zone < v.Zones[j].Zone })
	return loaded{title: "Container instances", nav: "instances", data: v, live: true}, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
