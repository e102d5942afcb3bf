package engine

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// svcEnv is a cluster with two revisions of a long-running task definition
// (web:1 and web:2) on the fake runtime.
type svcEnv struct {
	h       *harness
	rt      *fake.Runtime
	cluster *string
}

func newSvcEnv(t *testing.T) *svcEnv {
	t.Helper()
	h, rt, _ := newFakeHarness(t)
	rt.OnCommand("serve", fake.RunsUntilStopped("serving"))
	rt.OnCommand("crash", fake.Exits(1, "crashing"))
	env := &svcEnv{h: h, rt: rt, cluster: aws.String("svc")}
	c := ctx(t)
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(h.ecs.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: env.cluster}))
	for _, cmd := range []string{"serve", "serve"} {
		env.register("web", cmd)
	}
	env.register("crash", "crash")
	return env
}

func (env *svcEnv) register(family, cmd string) {
	env.h.t.Helper()
	env.registerWith(family, cmd, nil)
}

// registerChecked registers family as a "serve" container with a health
// check that passes.
func (env *svcEnv) registerChecked(family string) {
	env.h.t.Helper()
	env.registerWith(family, "serve", &types.HealthCheck{Command: []string{"CMD", "true"}, Interval: aws.Int32(5), Retries: aws.Int32(1)})
}

func (env *svcEnv) registerWith(family, cmd string, hc *types.HealthCheck) {
	env.h.t.Helper()
	ok[*awsecs.RegisterTaskDefinitionOutput](env.h.t, "RegisterTaskDefinition")(env.h.ecs.RegisterTaskDefinition(ctx(env.h.t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String(family),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(16),
			Command: []string{cmd}, StopTimeout: aws.Int32(2), HealthCheck: hc}},
		Tags: []types.Tag{{Key: aws.String("from"), Value: aws.String("taskdef")}},
	}))
}

// waitStable waits with the SDK's ServicesStable waiter and returns the
// service.
func (env *svcEnv) waitStable(name string) types.Service {
	env.h.t.Helper()
	out, err := awsecs.NewServicesStableWaiter(env.h.ecs, func(o *awsecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).WaitForOutput(ctx(env.h.t), &awsecs.DescribeServicesInput{Cluster: env.cluster, Services: []string{name}}, time.Minute)
	if err != nil {
		env.h.t.Fatalf("ServicesStable waiter for %s: %v (service: %+v)", name, err, env.describe(name))
	}
	return out.Services[0]
}

func (env *svcEnv) describe(name string) types.Service {
	env.h.t.Helper()
	out := ok[*awsecs.DescribeServicesOutput](env.h.t, "DescribeServices")(env.h.ecs.DescribeServices(ctx(env.h.t), &awsecs.DescribeServicesInput{
		Cluster: env.cluster, Services: []string{name}, Include: []types.ServiceField{types.ServiceFieldTags}}))
	if len(out.Services) != 1 {
		env.h.t.Fatalf("DescribeServices %s = %+v", name, out)
	}
	return out.Services[0]
}

// waitService polls the service until cond holds.
func (env *svcEnv) waitService(name, what string, cond func(types.Service) bool) types.Service {
	env.h.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := env.describe(name)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			env.h.t.Fatalf("service %s: timed out waiting for %s; last: status %s running %d pending %d deployments %+v events %v",
				name, what, aws.ToString(s.Status), s.RunningCount, s.PendingCount, s.Deployments, eventMessages(s))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tasks returns the service's tasks with the given desired status.
func (env *svcEnv) tasks(name string, desired types.DesiredStatus) []types.Task {
	env.h.t.Helper()
	c := ctx(env.h.t)
	lt := ok[*awsecs.ListTasksOutput](env.h.t, "ListTasks")(env.h.ecs.ListTasks(c, &awsecs.ListTasksInput{Cluster: env.cluster, ServiceName: aws.String(name), DesiredStatus: desired}))
	if len(lt.TaskArns) == 0 {
		return nil
	}
	dt := ok[*awsecs.DescribeTasksOutput](env.h.t, "DescribeTasks")(env.h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: env.cluster, Tasks: lt.TaskArns, Include: []types.TaskField{types.TaskFieldTags}}))
	return dt.Tasks
}

func eventMessages(s types.Service) []string {
	var out []string
	for _, e := range s.Events {
		out = append(out, aws.ToString(e.Message))
	}
	return out
}

func hasEvent(s types.Service, sub string) bool {
	return slices.ContainsFunc(eventMessages(s), func(m string) bool { return strings.Contains(m, sub) })
}

func taskARNs(ts []types.Task) []string {
	var out []string
	for _, t := range ts {
		out = append(out, aws.ToString(t.TaskArn))
	}
	slices.Sort(out)
	return out
}

func TestServices_CreateScaleReplaceRollDelete(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)

	cs := ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("web"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(2),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}, PropagateTags: types.PropagateTagsService,
		EnableECSManagedTags: true,
	}))
	svc := cs.Service
	if aws.ToString(svc.ServiceArn) != "arn:aws:ecs:us-east-1:000000000000:service/svc/web" || aws.ToString(svc.Status) != "ACTIVE" ||
		svc.DesiredCount != 2 || len(svc.Deployments) != 1 || aws.ToString(svc.Deployments[0].Status) != "PRIMARY" ||
		svc.Deployments[0].RolloutState != types.DeploymentRolloutStateInProgress || svc.SchedulingStrategy != types.SchedulingStrategyReplica ||
		aws.ToInt32(svc.DeploymentConfiguration.MaximumPercent) != 200 || aws.ToInt32(svc.DeploymentConfiguration.MinimumHealthyPercent) != 100 {
		t.Errorf("CreateService = %+v", svc)
	}
	depID := aws.ToString(svc.Deployments[0].Id)
	if !strings.HasPrefix(depID, "ecs-svc/") || len(depID) != len("ecs-svc/")+19 {
		t.Errorf("deployment id %q; want ecs-svc/ and 19 digits", depID)
	}

	// Stable with 2 running, tasks marked as the service's.
	env.waitStable("web")
	s := env.waitService("web", "the deployment to complete", func(s types.Service) bool {
		return s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted
	})
	if s.RunningCount != 2 || s.PendingCount != 0 ||
		s.Deployments[0].RunningCount != 2 || !hasEvent(s, "(service web) has reached a steady state.") ||
		!hasEvent(s, "(service web) has started 2 tasks:") || !hasEvent(s, "(service web) (deployment "+depID+") deployment completed.") {
		t.Errorf("stable service = running %d pending %d deployments %+v events %v", s.RunningCount, s.PendingCount, s.Deployments, eventMessages(s))
	}
	if msg := aws.ToString(s.Events[0].Message); msg != "(service web) has reached a steady state." {
		t.Errorf("newest event = %q; want the steady state", msg)
	}
	running := env.tasks("web", types.DesiredStatusRunning)
	if len(running) != 2 {
		t.Fatalf("ListTasks serviceName=web: %d tasks; want 2", len(running))
	}
	for _, task := range running {
		keys := tagKeys(task.Tags)
		slices.Sort(keys)
		if aws.ToString(task.StartedBy) != depID || aws.ToString(task.Group) != "service:web" ||
			!slices.Equal(keys, []string{"aws:ecs:clusterName=svc", "aws:ecs:serviceName=web", "team=a"}) {
			t.Errorf("service task: startedBy %s group %s tags %v", aws.ToString(task.StartedBy), aws.ToString(task.Group), keys)
		}
	}
	ls := ok[*awsecs.ListServicesOutput](t, "ListServices")(e.ListServices(c, &awsecs.ListServicesInput{Cluster: env.cluster, LaunchType: types.LaunchTypeEc2}))
	if !slices.Equal(ls.ServiceArns, []string{aws.ToString(svc.ServiceArn)}) {
		t.Errorf("ListServices = %v", ls.ServiceArns)
	}

	// A task the user stops is replaced; so is one whose container dies.
	victim := aws.ToString(running[0].TaskArn)
	ok[*awsecs.StopTaskOutput](t, "StopTask")(e.StopTask(c, &awsecs.StopTaskInput{Cluster: env.cluster, Task: aws.String(victim)}))
	env.waitService("web", "a replacement of the stopped task", func(s types.Service) bool {
		arns := taskARNs(env.tasks("web", types.DesiredStatusRunning))
		return s.RunningCount == 2 && len(arns) == 2 && !slices.Contains(arns, victim)
	})
	crashed := aws.ToString(env.tasks("web", types.DesiredStatusRunning)[0].TaskArn)
	cs2, err := env.rt.List(c, map[string]string{"com.amazonaws.ecs.task-arn": crashed})
	if err != nil || len(cs2) == 0 {
		t.Fatalf("containers of %s: %v %v", crashed, cs2, err)
	}
	for _, ct := range cs2 {
		env.rt.Exit(ct.ID, runtime.ExitStatus{ExitCode: 2})
	}
	s = env.waitService("web", "a replacement of the crashed task", func(s types.Service) bool {
		arns := taskARNs(env.tasks("web", types.DesiredStatusRunning))
		return s.RunningCount == 2 && len(arns) == 2 && !slices.Contains(arns, crashed)
	})
	if !hasEvent(s, "has started 1 tasks:") {
		t.Errorf("events after replacements: %v", eventMessages(s))
	}

	// Scale up and down.
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService up")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("web"), DesiredCount: aws.Int32(3)}))
	if s := env.waitStable("web"); s.RunningCount != 3 || len(env.tasks("web", types.DesiredStatusRunning)) != 3 {
		t.Errorf("after scaling to 3: running %d", s.RunningCount)
	}
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService down")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("web"), DesiredCount: aws.Int32(1)}))
	s = env.waitStable("web")
	if s.RunningCount != 1 || !hasEvent(s, "(service web) has stopped 2 running tasks:") {
		t.Errorf("after scaling to 1: running %d, events %v", s.RunningCount, eventMessages(s))
	}
	scaledIn := 0
	for _, task := range env.tasks("web", types.DesiredStatusStopped) {
		if task.StopCode == types.TaskStopCodeServiceSchedulerInitiated {
			scaledIn++
			if got := aws.ToString(task.StoppedReason); got != "Scaling activity initiated by (deployment "+depID+")" {
				t.Errorf("scaled-in task stoppedReason %q", got)
			}
		}
	}
	if scaledIn != 2 {
		t.Errorf("%d tasks stopped by the scheduler; want 2", scaledIn)
	}

	// A new revision rolls.
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService up")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("web"), DesiredCount: aws.Int32(2)}))
	env.waitStable("web")
	up := ok[*awsecs.UpdateServiceOutput](t, "UpdateService web:2")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("web"), TaskDefinition: aws.String("web")}))
	if len(up.Service.Deployments) != 2 || !strings.HasSuffix(aws.ToString(up.Service.TaskDefinition), "web:2") ||
		aws.ToString(up.Service.Deployments[1].Status) != "ACTIVE" {
		t.Errorf("UpdateService to web:2: deployments %+v", up.Service.Deployments)
	}
	s = env.waitStable("web")
	if len(s.Deployments) != 1 || !strings.HasSuffix(aws.ToString(s.Deployments[0].TaskDefinition), "web:2") || s.RunningCount != 2 {
		t.Errorf("after the rollout: %+v", s.Deployments)
	}
	for _, task := range env.tasks("web", types.DesiredStatusRunning) {
		if !strings.HasSuffix(aws.ToString(task.TaskDefinitionArn), "web:2") {
			t.Errorf("task %s runs %s after the rollout", aws.ToString(task.TaskArn), aws.ToString(task.TaskDefinitionArn))
		}
	}

	// Delete: refused while scaled above 0, then forced.
	_, err = e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: env.cluster, Service: aws.String("web")})
	apiErr(t, "DeleteService above 0", err, "InvalidParameterException", "The service cannot be stopped while it is scaled above 0.")
	_, err = e.DeleteCluster(c, &awsecs.DeleteClusterInput{Cluster: env.cluster})
	apiErr(t, "DeleteCluster with a service", err, "ClusterContainsServicesException", "Services are active")
	del := ok[*awsecs.DeleteServiceOutput](t, "DeleteService")(e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: env.cluster, Service: aws.String("web"), Force: aws.Bool(true)}))
	if aws.ToString(del.Service.Status) != "DRAINING" || del.Service.DesiredCount != 0 {
		t.Errorf("DeleteService = %s desired %d", aws.ToString(del.Service.Status), del.Service.DesiredCount)
	}
	err = awsecs.NewServicesInactiveWaiter(e, func(o *awsecs.ServicesInactiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).Wait(c, &awsecs.DescribeServicesInput{Cluster: env.cluster, Services: []string{"web"}}, time.Minute)
	if err != nil {
		t.Fatalf("ServicesInactive waiter: %v", err)
	}
	if n := len(env.tasks("web", types.DesiredStatusRunning)); n != 0 {
		t.Errorf("%d tasks still running after the delete", n)
	}
	_, err = e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("web"), DesiredCount: aws.Int32(1)})
	apiErr(t, "UpdateService of an inactive service", err, "ServiceNotActiveException", "Service was not ACTIVE.")
	ls = ok[*awsecs.ListServicesOutput](t, "ListServices")(e.ListServices(c, &awsecs.ListServicesInput{Cluster: env.cluster}))
	if len(ls.ServiceArns) != 0 {
		t.Errorf("ListServices after the delete = %v", ls.ServiceArns)
	}
	// The name is free again.
	ok[*awsecs.CreateServiceOutput](t, "CreateService again")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("web"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(0)}))
	ok[*awsecs.DeleteServiceOutput](t, "DeleteService at 0")(e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: env.cluster, Service: aws.String("web")}))
}

func TestServices_Errors(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	base := func() *awsecs.CreateServiceInput {
		return &awsecs.CreateServiceInput{Cluster: env.cluster, ServiceName: aws.String("api"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1)}
	}
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family:                aws.String("inference"),
		InferenceAccelerators: []types.InferenceAccelerator{{DeviceName: aws.String("device_1"), DeviceType: aws.String("eia2.medium")}},
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(16),
			ResourceRequirements: []types.ResourceRequirement{{Type: types.ResourceTypeInferenceAccelerator, Value: aws.String("device_1")}}}},
	}))
	first := ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, base()))
	again := ok[*awsecs.CreateServiceOutput](t, "CreateService again, same parameters")(e.CreateService(c, base()))
	if aws.ToString(again.Service.Deployments[0].Id) != aws.ToString(first.Service.Deployments[0].Id) {
		t.Errorf("the same CreateService twice made two services")
	}
	for _, tc := range []struct {
		name      string
		change    func(*awsecs.CreateServiceInput)
		code, msg string
	}{
		{"other parameters", func(in *awsecs.CreateServiceInput) { in.DesiredCount = aws.Int32(3) }, "InvalidParameterException", "Creation of service was not idempotent."},
		{"missing cluster", func(in *awsecs.CreateServiceInput) { in.Cluster = aws.String("ghost") }, "ClusterNotFoundException", "Cluster not found."},
		{"bad name", func(in *awsecs.CreateServiceInput) { in.ServiceName = aws.String("a b") }, "InvalidParameterException", "Invalid service name"},
		{"name too long", func(in *awsecs.CreateServiceInput) { in.ServiceName = aws.String(strings.Repeat("s", 256)) }, "InvalidParameterException", "Invalid service name"},
		{"no desired count", func(in *awsecs.CreateServiceInput) { in.ServiceName, in.DesiredCount = aws.String("b"), nil }, "InvalidParameterException", "desiredCount is required"},
		{"DAEMON on FARGATE", func(in *awsecs.CreateServiceInput) {
			in.ServiceName, in.SchedulingStrategy, in.LaunchType = aws.String("b"), types.SchedulingStrategyDaemon, types.LaunchTypeFargate
		}, "InvalidParameterException", "DAEMON"},
		{"load balancers", func(in *awsecs.CreateServiceInput) {
			in.ServiceName = aws.String("b")
			in.LoadBalancers = []types.LoadBalancer{{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/x/1"), ContainerName: aws.String("app"), ContainerPort: aws.Int32(80)}}
		}, "UnsupportedFeatureException", "load balancers"},
		{"unknown task definition", func(in *awsecs.CreateServiceInput) {
			in.ServiceName, in.TaskDefinition = aws.String("b"), aws.String("ghost:1")
		}, "ClientException", ""},
		{"a definition the agent cannot run", func(in *awsecs.CreateServiceInput) {
			in.ServiceName, in.TaskDefinition = aws.String("b"), aws.String("inference")
		},
			"UnsupportedFeatureException", "InferenceAccelerator"},
		{"a bad placement strategy", func(in *awsecs.CreateServiceInput) {
			in.ServiceName = aws.String("b")
			in.PlacementStrategy = []types.PlacementStrategy{{Type: types.PlacementStrategyTypeSpread, Field: aws.String("bogus")}}
		}, "InvalidParameterException", "Invalid placement"},
		{"six placement strategies", func(in *awsecs.CreateServiceInput) {
			in.ServiceName = aws.String("b")
			for range 6 {
				in.PlacementStrategy = append(in.PlacementStrategy, types.PlacementStrategy{Type: types.PlacementStrategyTypeRandom})
			}
		}, "InvalidParameterException", "Too many placement strategies"},
		{"a bad placement expression", func(in *awsecs.CreateServiceInput) {
			in.ServiceName = aws.String("b")
			in.PlacementConstraints = []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:x ==")}}
		}, "InvalidParameterException", "Invalid placement"},
		{"a clientToken with a space", func(in *awsecs.CreateServiceInput) {
			in.ServiceName, in.ClientToken = aws.String("b"), aws.String("a b")
		}, "InvalidParameterException", "clientToken"},
		{"bad maximumPercent", func(in *awsecs.CreateServiceInput) {
			in.ServiceName = aws.String("b")
			in.DeploymentConfiguration = &types.DeploymentConfiguration{MaximumPercent: aws.Int32(50)}
		}, "InvalidParameterException", "maximumPercent"},
	} {
		in := base()
		tc.change(in)
		_, err := e.CreateService(c, in)
		apiErr(t, "CreateService with "+tc.name, err, tc.code, tc.msg)
	}
	_, err := e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("ghost"), DesiredCount: aws.Int32(1)})
	apiErr(t, "UpdateService of a missing service", err, "ServiceNotFoundException", "Service not found.")
	_, err = e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("api"),
		PlacementStrategy: []types.PlacementStrategy{{Type: types.PlacementStrategyTypeBinpack, Field: aws.String("disk")}}})
	apiErr(t, "UpdateService with a bad placement strategy", err, "InvalidParameterException", "Invalid placement")
	_, err = e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: env.cluster, Service: aws.String("ghost")})
	apiErr(t, "DeleteService of a missing service", err, "ServiceNotFoundException", "Service not found.")
	ds := ok[*awsecs.DescribeServicesOutput](t, "DescribeServices")(e.DescribeServices(c, &awsecs.DescribeServicesInput{Cluster: env.cluster, Services: []string{"api", "ghost"}}))
	if len(ds.Services) != 1 || len(ds.Failures) != 1 || aws.ToString(ds.Failures[0].Reason) != "MISSING" ||
		aws.ToString(ds.Failures[0].Arn) != "arn:aws:ecs:us-east-1:000000000000:service/svc/ghost" || ds.Services[0].Tags != nil {
		t.Errorf("DescribeServices = %+v", ds)
	}
	_, err = e.ListServices(c, &awsecs.ListServicesInput{Cluster: env.cluster, MaxResults: aws.Int32(101)})
	apiErr(t, "ListServices of 101", err, "InvalidParameterException", "maxResults")

	// Paging.
	for _, n := range []string{"p1", "p2", "p3"} {
		in := base()
		in.ServiceName, in.DesiredCount = aws.String(n), aws.Int32(0)
		ok[*awsecs.CreateServiceOutput](t, "CreateService "+n)(e.CreateService(c, in))
	}
	var all []string
	var token *string
	for pages := 0; ; pages++ {
		out := ok[*awsecs.ListServicesOutput](t, "ListServices page")(e.ListServices(c, &awsecs.ListServicesInput{Cluster: env.cluster, MaxResults: aws.Int32(3), NextToken: token}))
		all = append(all, out.ServiceArns...)
		if token = out.NextToken; token == nil {
			if pages != 1 {
				t.Errorf("ListServices took %d pages of 3 for 4 services", pages+1)
			}
			break
		}
	}
	if len(all) != 4 {
		t.Errorf("ListServices pages = %v", all)
	}
}

func TestServices_CircuitBreakerRollsBack(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("cb"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1),
		DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
	}))
	env.waitStable("cb")
	env.waitService("cb", "the first deployment to complete", func(s types.Service) bool {
		return s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted
	})
	up := ok[*awsecs.UpdateServiceOutput](t, "UpdateService to crash")(e.UpdateService(c, &awsecs.UpdateServiceInput{
		Cluster: env.cluster, Service: aws.String("cb"), TaskDefinition: aws.String("crash")}))
	failedID := aws.ToString(up.Service.Deployments[0].Id)
	s := env.waitService("cb", "the rollback", func(s types.Service) bool {
		return len(s.Deployments) == 1 && strings.HasSuffix(aws.ToString(s.TaskDefinition), "web:1") &&
			s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && s.RunningCount == 1
	})
	if !hasEvent(s, "(deployment "+failedID+") deployment failed: tasks failed to start.") {
		t.Errorf("events after the rollback: %v", eventMessages(s))
	}
	failed := 0
	for _, task := range env.tasks("cb", types.DesiredStatusStopped) {
		if aws.ToString(task.StartedBy) == failedID {
			failed++
		}
	}
	if failed < 3 {
		t.Errorf("%d tasks of the failed deployment; the breaker trips at 3", failed)
	}
}

func TestServices_SurviveRestart(t *testing.T) {
	env := newSvcEnv(t)
	h := env.h
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(h.ecs.CreateService(ctx(t), &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("keep"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(2)}))
	env.waitStable("keep")
	before := taskARNs(env.tasks("keep", types.DesiredStatusRunning))

	h.close()
	h.open()

	s := env.waitStable("keep")
	if s.DesiredCount != 2 || s.RunningCount != 2 {
		t.Errorf("after restart: desired %d running %d", s.DesiredCount, s.RunningCount)
	}
	if after := taskARNs(env.tasks("keep", types.DesiredStatusRunning)); !slices.Equal(after, before) {
		t.Errorf("after restart the service runs %v; want the adopted %v", after, before)
	}
	// It still keeps its count.
	ok[*awsecs.StopTaskOutput](t, "StopTask")(h.ecs.StopTask(ctx(t), &awsecs.StopTaskInput{Cluster: env.cluster, Task: aws.String(before[0])}))
	env.waitService("keep", "a replacement after restart", func(s types.Service) bool {
		arns := taskARNs(env.tasks("keep", types.DesiredStatusRunning))
		return s.RunningCount == 2 && len(arns) == 2 && !slices.Contains(arns, before[0])
	})
}

// TestServices_DockerReplacesAKilledContainer runs a service on Docker:
// killing a task's container from outside stops the task (its essential
// container exited) and the scheduler starts a replacement.
func TestServices_DockerReplacesAKilledContainer(t *testing.T) {
	h, image := newHarness(t)
	e, c := h.ecs, ctx(t)
	cluster := aws.String("default")
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("svc-docker"),
		ContainerDefinitions: []types.ContainerDefinition{container("app", image, true, "forever")},
	}))
	name := "svc-docker-" + randomHex(4)
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: cluster, ServiceName: aws.String(name), TaskDefinition: aws.String("svc-docker"), DesiredCount: aws.Int32(2)}))
	env := &svcEnv{h: h, cluster: cluster}
	t.Cleanup(func() {
		// Remove what the service ran (the harness removes the containers
		// of h.arns).
		cc := context.Background()
		h.ecs.DeleteService(cc, &awsecs.DeleteServiceInput{Cluster: cluster, Service: aws.String(name), Force: aws.Bool(true)})
		awsecs.NewServicesInactiveWaiter(h.ecs).Wait(cc, &awsecs.DescribeServicesInput{Cluster: cluster, Services: []string{name}}, time.Minute)
		for _, st := range []types.DesiredStatus{types.DesiredStatusRunning, types.DesiredStatusStopped} {
			lt, err := h.ecs.ListTasks(cc, &awsecs.ListTasksInput{Cluster: cluster, ServiceName: aws.String(name), DesiredStatus: st})
			if err == nil {
				h.arns = append(h.arns, lt.TaskArns...)
			}
		}
	})
	env.waitStable(name)
	before := taskARNs(env.tasks(name, types.DesiredStatusRunning))
	if len(before) != 2 {
		t.Fatalf("running tasks %v; want 2", before)
	}
	h.arns = append(h.arns, before...)
	cs, err := h.rt.List(c, map[string]string{"com.amazonaws.ecs.task-arn": before[0]})
	if err != nil || len(cs) == 0 {
		t.Fatalf("containers of %s: %v %v", before[0], cs, err)
	}
	for _, ct := range cs {
		if err := h.rt.Stop(c, ct.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	killed := h.waitStopped(before[0])
	if killed.StopCode != types.TaskStopCodeEssentialContainerExited {
		t.Errorf("killed task: stop code %s; want EssentialContainerExited", killed.StopCode)
	}
	// The service is described before its tasks are listed, so the event
	// is part of the condition: a description from before the replacement
	// may pass the counts.
	env.waitService(name, "a replacement and its event", func(s types.Service) bool {
		arns := taskARNs(env.tasks(name, types.DesiredStatusRunning))
		return s.RunningCount == 2 && len(arns) == 2 && !slices.Contains(arns, before[0]) && hasEvent(s, "has started 1 tasks:")
	})
}

// TestServices_ReplacesUnhealthyTasks: a task whose container health check
// fails is stopped by the scheduler (after the grace period, 0 here) and
// replaced.
func TestServices_ReplacesUnhealthyTasks(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	env.registerChecked("checked")
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("checked"), TaskDefinition: aws.String("checked"), DesiredCount: aws.Int32(1),
		HealthCheckGracePeriodSeconds: aws.Int32(0)}))
	env.waitStable("checked")
	sick := env.tasks("checked", types.DesiredStatusRunning)[0]
	for _, ct := range sick.Containers {
		if err := env.rt.SetHealth(aws.ToString(ct.RuntimeId), runtime.HealthUnhealthy); err != nil {
			t.Fatal(err)
		}
	}
	// The event is part of the condition: the service is described before
	// its tasks are listed, and a description from before the health check
	// failed passes the counts too.
	unhealthy := "(task " + taskID(aws.ToString(sick.TaskArn)) + ") failed container health checks."
	env.waitService("checked", "the unhealthy task's replacement and its event", func(s types.Service) bool {
		arns := taskARNs(env.tasks("checked", types.DesiredStatusRunning))
		return s.RunningCount == 1 && len(arns) == 1 && arns[0] != aws.ToString(sick.TaskArn) && hasEvent(s, unhealthy)
	})
	var stopped types.Task
	for _, tk := range env.tasks("checked", types.DesiredStatusStopped) {
		if aws.ToString(tk.TaskArn) == aws.ToString(sick.TaskArn) {
			stopped = tk
		}
	}
	if stopped.StopCode != types.TaskStopCodeServiceSchedulerInitiated || aws.ToString(stopped.StoppedReason) != "Task failed container health checks" {
		t.Errorf("unhealthy task stopped with %s %q", stopped.StopCode, aws.ToString(stopped.StoppedReason))
	}
}

// TestServices_AwsvpcAndPlacement: services take RunTask's network
// configuration and placement; a task that cannot be placed is an event.
func TestServices_AwsvpcAndPlacement(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("vpc"), NetworkMode: types.NetworkModeAwsvpc,
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(16), Command: []string{"serve"}}},
	}))
	_, err := e.CreateService(c, &awsecs.CreateServiceInput{Cluster: env.cluster, ServiceName: aws.String("vpc"), TaskDefinition: aws.String("vpc"), DesiredCount: aws.Int32(1)})
	apiErr(t, "CreateService of an awsvpc definition without networkConfiguration", err, "InvalidParameterException", "Network Configuration must be provided")
	nc := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	ok[*awsecs.CreateServiceOutput](t, "CreateService awsvpc")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("vpc"), TaskDefinition: aws.String("vpc"), DesiredCount: aws.Int32(1), NetworkConfiguration: nc}))
	s := env.waitStable("vpc")
	if s.NetworkConfiguration == nil || s.Deployments[0].NetworkConfiguration == nil {
		t.Errorf("awsvpc service without its network configuration: %+v", s)
	}
	if task := env.tasks("vpc", types.DesiredStatusRunning)[0]; len(task.Attachments) != 1 || aws.ToString(task.Attachments[0].Type) != "ElasticNetworkInterface" {
		t.Errorf("awsvpc service task attachments: %+v", task.Attachments)
	}

	// Placement on the cluster's instances: one instance with room for one
	// task, a service of 2 places one and says why not the other.
	ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
		Cluster: env.cluster, TotalResources: resources(1024, 24), Attributes: attrs("stack", "blue")}))
	ok[*awsecs.CreateServiceOutput](t, "CreateService placed")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("placed"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(2),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:stack == blue")}}}))
	s = env.waitService("placed", "one task placed and an event for the other", func(s types.Service) bool {
		return s.RunningCount == 1 && hasEvent(s, "(service placed) was unable to place a task because no container instance met all of its requirements. Reason: RESOURCE:MEMORY")
	})
	if task := env.tasks("placed", types.DesiredStatusRunning)[0]; task.ContainerInstanceArn == nil {
		t.Errorf("placed service task has no container instance")
	}
	if len(s.PlacementConstraints) != 1 {
		t.Errorf("service placement constraints = %+v", s.PlacementConstraints)
	}
}

// TestServices_DrainingInstanceMovesTasks: a service's task on a container
// instance set to DRAINING is replaced on another instance, then stopped.
func TestServices_DrainingInstanceMovesTasks(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	var instances []string
	for range 2 {
		r := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
			Cluster: env.cluster, TotalResources: resources(1024, 512)}))
		instances = append(instances, aws.ToString(r.ContainerInstance.ContainerInstanceArn))
	}
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("mover"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(1)}))
	env.waitStable("mover")
	first := env.tasks("mover", types.DesiredStatusRunning)[0]
	from := aws.ToString(first.ContainerInstanceArn)
	if !slices.Contains(instances, from) {
		t.Fatalf("service task on %q; want one of %v", from, instances)
	}
	ok[*awsecs.UpdateContainerInstancesStateOutput](t, "UpdateContainerInstancesState")(e.UpdateContainerInstancesState(c, &awsecs.UpdateContainerInstancesStateInput{
		Cluster: env.cluster, ContainerInstances: []string{from}, Status: types.ContainerInstanceStatusDraining}))
	env.waitService("mover", "the task to move off the draining instance", func(s types.Service) bool {
		ts := env.tasks("mover", types.DesiredStatusRunning)
		return s.RunningCount == 1 && len(ts) == 1 && aws.ToString(ts[0].ContainerInstanceArn) != from && aws.ToString(ts[0].TaskArn) != aws.ToString(first.TaskArn)
	})
}

// TestServices_Daemon: a DAEMON service runs one task on each ACTIVE
// container instance that satisfies its constraints, follows instances as
// they come and drain, and needs no desiredCount.
func TestServices_Daemon(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	register := func(kv ...string) string {
		r := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
			Cluster: env.cluster, TotalResources: resources(1024, 512), Attributes: attrs(kv...)}))
		return aws.ToString(r.ContainerInstance.ContainerInstanceArn)
	}
	a, b := register("role", "edge"), register("role", "edge")
	register("role", "db") // not a member: no task there
	cs := ok[*awsecs.CreateServiceOutput](t, "CreateService DAEMON")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("agent"), TaskDefinition: aws.String("web"), SchedulingStrategy: types.SchedulingStrategyDaemon,
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:role == edge")}}}))
	if cs.Service.SchedulingStrategy != types.SchedulingStrategyDaemon || cs.Service.DesiredCount != 2 ||
		aws.ToInt32(cs.Service.DeploymentConfiguration.MaximumPercent) != 100 || aws.ToInt32(cs.Service.DeploymentConfiguration.MinimumHealthyPercent) != 0 {
		t.Errorf("CreateService DAEMON = strategy %s desired %d deployment configuration %+v", cs.Service.SchedulingStrategy, cs.Service.DesiredCount, cs.Service.DeploymentConfiguration)
	}
	on := func() []string {
		var out []string
		for _, task := range env.tasks("agent", types.DesiredStatusRunning) {
			out = append(out, aws.ToString(task.ContainerInstanceArn))
		}
		slices.Sort(out)
		return out
	}
	want := []string{a, b}
	slices.Sort(want)
	env.waitStable("agent")
	if got := on(); !slices.Equal(got, want) {
		t.Errorf("daemon tasks on %v; want one on each of %v", got, want)
	}
	third := register("role", "edge")
	env.waitService("agent", "a task on the new instance", func(s types.Service) bool {
		return s.DesiredCount == 3 && s.RunningCount == 3 && slices.Contains(on(), third)
	})
	ok[*awsecs.UpdateContainerInstancesStateOutput](t, "UpdateContainerInstancesState")(e.UpdateContainerInstancesState(c, &awsecs.UpdateContainerInstancesStateInput{
		Cluster: env.cluster, ContainerInstances: []string{a}, Status: types.ContainerInstanceStatusDraining}))
	env.waitService("agent", "no task on the draining instance", func(s types.Service) bool {
		got := on()
		return s.DesiredCount == 2 && s.RunningCount == 2 && len(got) == 2 && !slices.Contains(got, a)
	})
	_, err := e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("agent"), DesiredCount: aws.Int32(5)})
	apiErr(t, "UpdateService desiredCount of a DAEMON service", err, "InvalidParameterException", "DAEMON")
	_, err = e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("agent"), ForceNewDeployment: true,
		CapacityProviderStrategy: []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1}}})
	apiErr(t, "UpdateService capacityProviderStrategy of a DAEMON service", err, "InvalidParameterException", "DAEMON")
	_, err = e.CreateService(c, &awsecs.CreateServiceInput{Cluster: env.cluster, ServiceName: aws.String("agent2"), TaskDefinition: aws.String("web"),
		SchedulingStrategy: types.SchedulingStrategyDaemon, PlacementStrategy: []types.PlacementStrategy{{Type: types.PlacementStrategyTypeSpread, Field: aws.String("instanceId")}}})
	apiErr(t, "CreateService DAEMON with a placement strategy", err, "InvalidParameterException", "Placement strategies are not supported")
	ls := ok[*awsecs.ListServicesOutput](t, "ListServices DAEMON")(e.ListServices(c, &awsecs.ListServicesInput{Cluster: env.cluster, SchedulingStrategy: types.SchedulingStrategyDaemon}))
	if len(ls.ServiceArns) != 1 {
		t.Errorf("ListServices schedulingStrategy DAEMON = %v", ls.ServiceArns)
	}
	// A DAEMON service is deleted without scaling it to 0 first.
	ok[*awsecs.DeleteServiceOutput](t, "DeleteService DAEMON")(e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: env.cluster, Service: aws.String("agent")}))
	env.waitService("agent", "INACTIVE", func(s types.Service) bool { return aws.ToString(s.Status) == "INACTIVE" })
}

// TestServices_ForceNewDeploymentAndTaskDefinitionTags: forceNewDeployment
// replaces every task with the same task definition, and propagateTags
// TASK_DEFINITION gives the tasks the definition's tags.
func TestServices_ForceNewDeploymentAndTaskDefinitionTags(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("forced"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(2),
		PropagateTags: types.PropagateTagsTaskDefinition}))
	env.waitStable("forced")
	before := env.tasks("forced", types.DesiredStatusRunning)
	for _, task := range before {
		if keys := tagKeys(task.Tags); !slices.Equal(keys, []string{"from=taskdef"}) {
			t.Errorf("task tags %v; want the task definition's from=taskdef", keys)
		}
	}
	up := ok[*awsecs.UpdateServiceOutput](t, "UpdateService forceNewDeployment")(e.UpdateService(c, &awsecs.UpdateServiceInput{
		Cluster: env.cluster, Service: aws.String("forced"), ForceNewDeployment: true}))
	if len(up.Service.Deployments) != 2 || aws.ToString(up.Service.Deployments[0].TaskDefinition) != aws.ToString(up.Service.Deployments[1].TaskDefinition) {
		t.Errorf("forceNewDeployment: deployments %+v", up.Service.Deployments)
	}
	s := env.waitService("forced", "the forced deployment to replace every task", func(s types.Service) bool {
		if len(s.Deployments) != 1 || s.RunningCount != 2 {
			return false
		}
		arns := taskARNs(env.tasks("forced", types.DesiredStatusRunning))
		return len(arns) == 2 && !slices.Contains(arns, aws.ToString(before[0].TaskArn)) && !slices.Contains(arns, aws.ToString(before[1].TaskArn))
	})
	if aws.ToString(s.Deployments[0].Id) != aws.ToString(up.Service.Deployments[0].Id) {
		t.Errorf("the remaining deployment is %s; want the forced one %s", aws.ToString(s.Deployments[0].Id), aws.ToString(up.Service.Deployments[0].Id))
	}
}

// TestServices_SpreadOverZonesByDefault: a REPLICA service that names no
// placement strategy spreads its tasks over availability zones, as ECS
// does, and over the instances of each zone.
func TestServices_SpreadOverZonesByDefault(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	zoneOf := map[string]string{}
	for i := range 6 {
		zone := []string{"us-east-1a", "us-east-1b", "us-east-1c"}[i%3]
		r := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
			Cluster: env.cluster, TotalResources: resources(4096, 4096), Attributes: attrs("ecs.availability-zone", zone)}))
		zoneOf[aws.ToString(r.ContainerInstance.ContainerInstanceArn)] = zone
	}
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("spread"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(6)}))
	s := env.waitStable("spread")
	if len(s.PlacementStrategy) != 0 {
		t.Errorf("placementStrategy = %+v; want none, as the service was created", s.PlacementStrategy)
	}
	perZone, perInstance := map[string]int{}, map[string]int{}
	for _, task := range env.tasks("spread", types.DesiredStatusRunning) {
		arn := aws.ToString(task.ContainerInstanceArn)
		perInstance[arn]++
		perZone[zoneOf[arn]]++
	}
	if len(perZone) != 3 || perZone["us-east-1a"] != 2 || perZone["us-east-1b"] != 2 || perZone["us-east-1c"] != 2 {
		t.Errorf("tasks per zone = %v; want 2 in each of the 3 zones", perZone)
	}
	if len(perInstance) != 6 {
		t.Errorf("tasks per instance = %v; want one on each of the 6", perInstance)
	}
}

// TestServices_ScaleInKeepsZonesBalanced: scaling in stops tasks so that
// those left stay spread over the availability zones (ECS's default for
// services), not simply the newest: a service of 4 on zones a and b grows
// to 6 when zone c appears (its two new tasks go to c), and scaled to 3 it
// keeps one task in each zone.
func TestServices_ScaleInKeepsZonesBalanced(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	zoneOf := map[string]string{}
	register := func(zone string) {
		for range 2 {
			r := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
				Cluster: env.cluster, TotalResources: resources(4096, 4096), Attributes: attrs("ecs.availability-zone", zone)}))
			zoneOf[aws.ToString(r.ContainerInstance.ContainerInstanceArn)] = zone
		}
	}
	perZone := func() map[string]int {
		out := map[string]int{}
		for _, task := range env.tasks("zones", types.DesiredStatusRunning) {
			out[zoneOf[aws.ToString(task.ContainerInstanceArn)]]++
		}
		return out
	}
	register("us-east-1a")
	register("us-east-1b")
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("zones"), TaskDefinition: aws.String("web"), DesiredCount: aws.Int32(4)}))
	env.waitStable("zones")
	register("us-east-1c")
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService to 6")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("zones"), DesiredCount: aws.Int32(6)}))
	env.waitStable("zones")
	if got := perZone(); got["us-east-1a"] != 2 || got["us-east-1b"] != 2 || got["us-east-1c"] != 2 {
		t.Fatalf("tasks per zone at 6 = %v; want 2 in each", got)
	}
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService to 3")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("zones"), DesiredCount: aws.Int32(3)}))
	s := env.waitStable("zones")
	if got := perZone(); s.RunningCount != 3 || got["us-east-1a"] != 1 || got["us-east-1b"] != 1 || got["us-east-1c"] != 1 {
		t.Errorf("after scaling in to 3: running %d, tasks per zone %v; want one in each zone", s.RunningCount, got)
	}
}

// TestServices_DeletedServiceIsNotListed: a deleted service is no longer
// listed while it drains, and goes INACTIVE once its tasks are STOPPING
// (here a task that ignores SIGTERM and is still stopping), as ECS says.
func TestServices_DeletedServiceIsNotListed(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	env.rt.OnCommand("stubborn", fake.IgnoresStop())
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("stubborn"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(16),
			Command: []string{"stubborn"}, StopTimeout: aws.Int32(120)}},
	}))
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("stubborn"), TaskDefinition: aws.String("stubborn"), DesiredCount: aws.Int32(1)}))
	env.waitStable("stubborn")
	task := env.tasks("stubborn", types.DesiredStatusRunning)[0]
	del := ok[*awsecs.DeleteServiceOutput](t, "DeleteService")(e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: env.cluster, Service: aws.String("stubborn"), Force: aws.Bool(true)}))
	if aws.ToString(del.Service.Status) != "DRAINING" {
		t.Errorf("DeleteService status %s; want DRAINING", aws.ToString(del.Service.Status))
	}
	ls := ok[*awsecs.ListServicesOutput](t, "ListServices")(e.ListServices(c, &awsecs.ListServicesInput{Cluster: env.cluster}))
	if len(ls.ServiceArns) != 0 {
		t.Errorf("ListServices lists the deleted service: %v", ls.ServiceArns)
	}
	env.waitService("stubborn", "INACTIVE while its task is still stopping", func(s types.Service) bool { return aws.ToString(s.Status) == "INACTIVE" })
	dt := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: env.cluster, Tasks: []string{aws.ToString(task.TaskArn)}}))
	if st := aws.ToString(dt.Tasks[0].LastStatus); st == "STOPPED" {
		t.Errorf("the task is already STOPPED; the test wants it still stopping")
	}
	for _, ct := range task.Containers {
		env.rt.Exit(aws.ToString(ct.RuntimeId), runtime.ExitStatus{ExitCode: 137})
	}
	env.waitService("stubborn", "its task to stop", func(types.Service) bool {
		dt := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: env.cluster, Tasks: []string{aws.ToString(task.TaskArn)}}))
		return aws.ToString(dt.Tasks[0].LastStatus) == "STOPPED"
	})
}

// TestServices_InactiveTaskDefinitionStillScales: a service whose task
// definition was deregistered keeps replacing its tasks and scales, as on
// ECS; a new service cannot name the INACTIVE revision.
func TestServices_InactiveTaskDefinitionStillScales(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("old"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1)}))
	env.waitStable("old")
	ok[*awsecs.DeregisterTaskDefinitionOutput](t, "DeregisterTaskDefinition")(e.DeregisterTaskDefinition(c, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("web:1")}))
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService to 2")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("old"), DesiredCount: aws.Int32(2)}))
	s := env.waitService("old", "two tasks of the INACTIVE web:1", func(s types.Service) bool { return s.RunningCount == 2 })
	for _, task := range env.tasks("old", types.DesiredStatusRunning) {
		if !strings.HasSuffix(aws.ToString(task.TaskDefinitionArn), "web:1") {
			t.Errorf("task runs %s; want web:1", aws.ToString(task.TaskDefinitionArn))
		}
	}
	if hasEvent(s, "unable to place") {
		t.Errorf("events: %v", eventMessages(s))
	}
	_, err := e.CreateService(c, &awsecs.CreateServiceInput{Cluster: env.cluster, ServiceName: aws.String("new"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1)})
	apiErr(t, "CreateService with an INACTIVE revision", err, "InvalidParameterException", "TaskDefinition is inactive")
}

// TestServices_UpdateWhatStartsADeployment: as the model says, a new
// placement starts no deployment (it applies to the tasks started from
// then on); a new capacity provider strategy needs forceNewDeployment.
func TestServices_UpdateWhatStartsADeployment(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	cs := ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("upd"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1)}))
	first := aws.ToString(cs.Service.Deployments[0].Id)
	env.waitStable("upd")
	up := ok[*awsecs.UpdateServiceOutput](t, "UpdateService placement")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("upd"),
		PlacementStrategy:    []types.PlacementStrategy{{Type: types.PlacementStrategyTypeBinpack, Field: aws.String("memory")}},
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeDistinctInstance}}}))
	if len(up.Service.Deployments) != 1 || aws.ToString(up.Service.Deployments[0].Id) != first || len(up.Service.PlacementStrategy) != 1 || len(up.Service.PlacementConstraints) != 1 {
		t.Errorf("UpdateService placement: deployments %d (first %s, want %s), strategy %+v, constraints %+v", len(up.Service.Deployments),
			aws.ToString(up.Service.Deployments[0].Id), first, up.Service.PlacementStrategy, up.Service.PlacementConstraints)
	}
	cps := []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE"), Weight: 1}}
	// A strategy may name only providers associated with the cluster.
	ok[*awsecs.PutClusterCapacityProvidersOutput](t, "PutClusterCapacityProviders")(e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{
		Cluster: env.cluster, CapacityProviders: []string{"FARGATE"}, DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}}))
	_, err := e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("upd"), CapacityProviderStrategy: cps})
	apiErr(t, "UpdateService capacityProviderStrategy without forceNewDeployment", err, "InvalidParameterException", "you must force a new deployment")
	up = ok[*awsecs.UpdateServiceOutput](t, "UpdateService capacityProviderStrategy, forced")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("upd"),
		CapacityProviderStrategy: cps, ForceNewDeployment: true}))
	if len(up.Service.Deployments) != 2 || len(up.Service.CapacityProviderStrategy) != 1 || up.Service.LaunchType != "" {
		t.Errorf("UpdateService capacityProviderStrategy: deployments %d, strategy %+v, launchType %q", len(up.Service.Deployments), up.Service.CapacityProviderStrategy, up.Service.LaunchType)
	}
	up = ok[*awsecs.UpdateServiceOutput](t, "UpdateService back to the launch type")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("upd"),
		CapacityProviderStrategy: []types.CapacityProviderStrategyItem{}, ForceNewDeployment: true}))
	if len(up.Service.CapacityProviderStrategy) != 0 || up.Service.LaunchType != types.LaunchTypeEc2 {
		t.Errorf("UpdateService with an empty capacityProviderStrategy: strategy %+v, launchType %q; want EC2", up.Service.CapacityProviderStrategy, up.Service.LaunchType)
	}
}

// TestServices_CircuitBreakerSettings: thresholdConfiguration COUNT 1 trips
// the breaker at the first failed task; the settings are echoed.
func TestServices_CircuitBreakerSettings(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	cb := &types.DeploymentCircuitBreaker{Enable: true, ResetOnHealthyTask: aws.Bool(false),
		ThresholdConfiguration: &types.ThresholdConfiguration{Type: types.ThresholdTypeCount, Value: 1}}
	cs := ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("once"), TaskDefinition: aws.String("crash"), DesiredCount: aws.Int32(4),
		DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: cb}}))
	got := cs.Service.DeploymentConfiguration.DeploymentCircuitBreaker
	if got == nil || !got.Enable || aws.ToBool(got.ResetOnHealthyTask) || got.ResetOnHealthyTask == nil || got.ThresholdConfiguration == nil ||
		got.ThresholdConfiguration.Type != types.ThresholdTypeCount || got.ThresholdConfiguration.Value != 1 {
		t.Errorf("deploymentCircuitBreaker = %+v", got)
	}
	s := env.waitService("once", "the deployment to fail", func(s types.Service) bool {
		return s.Deployments[0].RolloutState == types.DeploymentRolloutStateFailed
	})
	if s.Deployments[0].FailedTasks < 1 || aws.ToString(s.Deployments[0].RolloutStateReason) != "ECS deployment circuit breaker: tasks failed to start." {
		t.Errorf("failed deployment: failedTasks %d, reason %q", s.Deployments[0].FailedTasks, aws.ToString(s.Deployments[0].RolloutStateReason))
	}
	cb.ThresholdConfiguration.Value = -1
	_, err := e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("once"),
		DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: cb}})
	apiErr(t, "UpdateService with a negative threshold", err, "InvalidParameterException", "thresholdConfiguration.value")
}

// TestServices_DaemonLeavesAnInstanceThatNoLongerMatches: when a container
// instance stops satisfying a DAEMON service's memberOf constraint, the
// service stops the task there (not, say, its newest task elsewhere), as
// ECS does.
func TestServices_DaemonLeavesAnInstanceThatNoLongerMatches(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	register := func() string {
		r := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
			Cluster: env.cluster, TotalResources: resources(1024, 512), Attributes: attrs("role", "edge")}))
		return aws.ToString(r.ContainerInstance.ContainerInstanceArn)
	}
	on := func() []string {
		var out []string
		for _, task := range env.tasks("agent", types.DesiredStatusRunning) {
			out = append(out, aws.ToString(task.ContainerInstanceArn))
		}
		return out
	}
	first := register()
	ok[*awsecs.CreateServiceOutput](t, "CreateService DAEMON")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("agent"), TaskDefinition: aws.String("web"), SchedulingStrategy: types.SchedulingStrategyDaemon,
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:role == edge")}}}))
	env.waitStable("agent")
	second := register() // its task is the newest
	env.waitService("agent", "a task on the second instance", func(s types.Service) bool {
		return s.DesiredCount == 2 && s.RunningCount == 2 && slices.Contains(on(), second)
	})
	ok[*awsecs.PutAttributesOutput](t, "PutAttributes")(e.PutAttributes(c, &awsecs.PutAttributesInput{Cluster: env.cluster,
		Attributes: []types.Attribute{{Name: aws.String("role"), Value: aws.String("db"), TargetId: aws.String(first)}}}))
	env.waitService("agent", "only the task on the second instance", func(s types.Service) bool {
		got := on()
		return s.DesiredCount == 1 && s.RunningCount == 1 && len(got) == 1 && got[0] == second
	})
}

// TestServices_RollingWaitsForHealthyTasks: with minimumHealthyPercent 100,
// a rolling deployment to a revision with container health checks stops
// no old task before the new ones are HEALTHY, and completes once they are.
func TestServices_RollingWaitsForHealthyTasks(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	env.registerChecked("web")
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("roll"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(2)}))
	env.waitStable("roll")
	old := taskARNs(env.tasks("roll", types.DesiredStatusRunning))
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService to web:3")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("roll"), TaskDefinition: aws.String("web:3")}))
	var fresh []types.Task
	env.waitService("roll", "the new tasks to run", func(s types.Service) bool {
		fresh = nil
		for _, task := range env.tasks("roll", types.DesiredStatusRunning) {
			if strings.HasSuffix(aws.ToString(task.TaskDefinitionArn), "web:3") && aws.ToString(task.LastStatus) == "RUNNING" {
				fresh = append(fresh, task)
			}
		}
		return len(fresh) == 2
	})
	// A pass of the scheduler after the new tasks ran: it starts another
	// service's task in the same pass that decides for this one. The old
	// tasks must still be there, as the new are not HEALTHY.
	ok[*awsecs.CreateServiceOutput](t, "CreateService probe")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("probe"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1)}))
	env.waitStable("probe")
	s := env.describe("roll")
	if got := taskARNs(env.tasks("roll", types.DesiredStatusRunning)); !slices.Equal(got, taskARNs(append(slices.Clone(fresh), env.tasksOf(old)...))) || len(s.Deployments) != 2 {
		t.Fatalf("before the new tasks are healthy: running %v, deployments %d; want the old ones kept", got, len(s.Deployments))
	}
	for _, task := range fresh {
		for _, ct := range task.Containers {
			if err := env.rt.SetHealth(aws.ToString(ct.RuntimeId), runtime.HealthHealthy); err != nil {
				t.Fatal(err)
			}
		}
	}
	env.waitService("roll", "the deployment to complete", func(s types.Service) bool {
		return len(s.Deployments) == 1 && s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && s.RunningCount == 2
	})
}

// tasksOf describes the tasks with the given ARNs.
func (env *svcEnv) tasksOf(arns []string) []types.Task {
	env.h.t.Helper()
	dt := ok[*awsecs.DescribeTasksOutput](env.h.t, "DescribeTasks")(env.h.ecs.DescribeTasks(ctx(env.h.t), &awsecs.DescribeTasksInput{Cluster: env.cluster, Tasks: arns}))
	return dt.Tasks
}

// TestServices_FailedTasksResetOnAHealthyTask: a deployment's failedTasks
// counts failed tasks in a row; once a task runs healthily it is 0 again.
func TestServices_FailedTasksResetOnAHealthyTask(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	var starts atomic.Int32
	env.rt.OnCommand("flaky", fake.RunsUntilStopped())
	env.rt.On(func(s runtime.ContainerSpec) bool {
		return len(s.Command) > 0 && s.Command[0] == "flaky" && starts.Add(1) <= 2 // the first two crash
	}, fake.Exits(1))
	env.register("flaky", "flaky")
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("flaky"), TaskDefinition: aws.String("flaky"), DesiredCount: aws.Int32(1)}))
	env.waitService("flaky", "two failed tasks", func(s types.Service) bool { return s.Deployments[0].FailedTasks == 2 })
	s := env.waitService("flaky", "the deployment to complete", func(s types.Service) bool {
		return s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted
	})
	if s.Deployments[0].FailedTasks != 0 {
		t.Errorf("failedTasks = %d once a task ran healthily; want 0", s.Deployments[0].FailedTasks)
	}
}
