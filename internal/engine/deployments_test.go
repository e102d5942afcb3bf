package engine

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
)

// Task sets, service deployments and revisions, and task protection,
// through the SDK on the fake runtime.

var external = &types.DeploymentController{Type: types.DeploymentControllerTypeExternal}

func pct(v float64) *types.Scale { return &types.Scale{Value: v, Unit: types.ScaleUnitPercent} }

// taskSetIn returns the service's task set id, or nil.
func taskSetIn(s types.Service, id string) *types.TaskSet {
	for i := range s.TaskSets {
		if aws.ToString(s.TaskSets[i].Id) == id {
			return &s.TaskSets[i]
		}
	}
	return nil
}

// runs: the task set has computed and running count n and is in a steady
// state.
func runs(s types.Service, id string, n int32) bool {
	ts := taskSetIn(s, id)
	return ts != nil && ts.ComputedDesiredCount == n && ts.RunningCount == n && ts.PendingCount == 0 &&
		ts.StabilityStatus == types.StabilityStatusSteadyState
}

func TestTaskSets_ExternalBlueGreen(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)

	// What an EXTERNAL service does not take, and CODE_DEPLOY.
	_, err := e.CreateService(c, &awsecs.CreateServiceInput{Cluster: env.cluster, ServiceName: aws.String("x"), TaskDefinition: aws.String("web:1"),
		DesiredCount: aws.Int32(1), DeploymentController: external})
	apiErr(t, "CreateService EXTERNAL with a task definition", err, "InvalidParameterException", "TaskDefinition must be blank")
	_, err = e.CreateService(c, &awsecs.CreateServiceInput{Cluster: env.cluster, ServiceName: aws.String("x"), TaskDefinition: aws.String("web:1"),
		DesiredCount: aws.Int32(1), DeploymentController: &types.DeploymentController{Type: types.DeploymentControllerTypeCodeDeploy}})
	apiErr(t, "CreateService CODE_DEPLOY", err, "UnsupportedFeatureException", "CODE_DEPLOY")

	cs := ok[*awsecs.CreateServiceOutput](t, "CreateService EXTERNAL")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("bg"), DesiredCount: aws.Int32(4), DeploymentController: external,
	}))
	if s := cs.Service; s.DeploymentController.Type != types.DeploymentControllerTypeExternal || len(s.TaskSets) != 0 ||
		s.TaskDefinition != nil || len(s.Deployments) != 0 || s.DesiredCount != 4 {
		t.Errorf("CreateService EXTERNAL = %+v", s)
	}

	// Task sets belong to EXTERNAL services only.
	ok[*awsecs.CreateServiceOutput](t, "CreateService plain")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("plain"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(0)}))
	_, err = e.CreateTaskSet(c, &awsecs.CreateTaskSetInput{Cluster: env.cluster, Service: aws.String("plain"), TaskDefinition: aws.String("web:1")})
	apiErr(t, "CreateTaskSet on an ECS service", err, "InvalidParameterException", "only supports task set management on services configured to use external deployment controllers")

	blue := ok[*awsecs.CreateTaskSetOutput](t, "CreateTaskSet blue")(e.CreateTaskSet(c, &awsecs.CreateTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), TaskDefinition: aws.String("web:1"), Scale: pct(100), ExternalId: aws.String("blue"),
		Tags: []types.Tag{{Key: aws.String("colour"), Value: aws.String("blue")}},
	})).TaskSet
	blueID := aws.ToString(blue.Id)
	if !strings.HasPrefix(blueID, "ecs-svc/") || aws.ToString(blue.TaskSetArn) != "arn:aws:ecs:us-east-1:000000000000:task-set/svc/bg/"+blueID ||
		aws.ToString(blue.Status) != "ACTIVE" || blue.ComputedDesiredCount != 4 || blue.StabilityStatus != types.StabilityStatusStabilizing ||
		aws.ToString(blue.ExternalId) != "blue" || blue.Scale.Value != 100 || blue.Scale.Unit != types.ScaleUnitPercent {
		t.Errorf("CreateTaskSet blue = %+v", blue)
	}
	green := ok[*awsecs.CreateTaskSetOutput](t, "CreateTaskSet green")(e.CreateTaskSet(c, &awsecs.CreateTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), TaskDefinition: aws.String("web:2"), Scale: pct(0)})).TaskSet
	greenID := aws.ToString(green.Id)
	_, err = e.CreateTaskSet(c, &awsecs.CreateTaskSetInput{Cluster: env.cluster, Service: aws.String("bg"), TaskDefinition: aws.String("web:2"), Scale: pct(101)})
	apiErr(t, "CreateTaskSet at 101%", err, "InvalidParameterException", "between 0 and 100")

	p := ok[*awsecs.UpdateServicePrimaryTaskSetOutput](t, "UpdateServicePrimaryTaskSet blue")(e.UpdateServicePrimaryTaskSet(c, &awsecs.UpdateServicePrimaryTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), PrimaryTaskSet: aws.String(blueID)}))
	if aws.ToString(p.TaskSet.Status) != "PRIMARY" {
		t.Errorf("primary = %s", aws.ToString(p.TaskSet.Status))
	}
	s := env.waitService("bg", "blue at 4 and green at 0", func(s types.Service) bool {
		return runs(s, blueID, 4) && runs(s, greenID, 0) && s.RunningCount == 4
	})
	if !strings.HasSuffix(aws.ToString(s.TaskDefinition), "task-definition/web:1") || len(s.TaskSets) != 2 ||
		aws.ToString(taskSetIn(s, greenID).Status) != "ACTIVE" {
		t.Errorf("service with blue primary: taskDefinition %s task sets %+v", aws.ToString(s.TaskDefinition), s.TaskSets)
	}
	for _, task := range env.tasks("bg", types.DesiredStatusRunning) {
		if aws.ToString(task.StartedBy) != blueID || aws.ToString(task.Group) != "service:bg" || !strings.HasSuffix(aws.ToString(task.TaskDefinitionArn), "web:1") {
			t.Errorf("blue task: startedBy %s group %s", aws.ToString(task.StartedBy), aws.ToString(task.Group))
		}
	}

	// Shift: green to 50%, blue to 50%, then green becomes the primary.
	u := ok[*awsecs.UpdateTaskSetOutput](t, "UpdateTaskSet green 50")(e.UpdateTaskSet(c, &awsecs.UpdateTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), TaskSet: aws.String(greenID), Scale: pct(50)}))
	if u.TaskSet.ComputedDesiredCount != 2 {
		t.Errorf("green at 50%% of 4: computed %d", u.TaskSet.ComputedDesiredCount)
	}
	env.waitService("bg", "green at 2 beside blue at 4", func(s types.Service) bool { return runs(s, blueID, 4) && runs(s, greenID, 2) })
	ok[*awsecs.UpdateTaskSetOutput](t, "UpdateTaskSet blue 50")(e.UpdateTaskSet(c, &awsecs.UpdateTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), TaskSet: blue.TaskSetArn, Scale: pct(50)}))
	env.waitService("bg", "blue at 2", func(s types.Service) bool { return runs(s, blueID, 2) && runs(s, greenID, 2) && s.RunningCount == 4 })
	ok[*awsecs.UpdateServicePrimaryTaskSetOutput](t, "UpdateServicePrimaryTaskSet green")(e.UpdateServicePrimaryTaskSet(c, &awsecs.UpdateServicePrimaryTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), PrimaryTaskSet: aws.String(greenID)}))
	s = env.describe("bg")
	if aws.ToString(taskSetIn(s, greenID).Status) != "PRIMARY" || aws.ToString(taskSetIn(s, blueID).Status) != "ACTIVE" ||
		!strings.HasSuffix(aws.ToString(s.TaskDefinition), "task-definition/web:2") {
		t.Errorf("after the swap: taskDefinition %s task sets %+v", aws.ToString(s.TaskDefinition), s.TaskSets)
	}

	// The service's desired count rescales the task sets; what belongs to
	// a task set cannot be changed on the service.
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService desiredCount 6")(e.UpdateService(c, &awsecs.UpdateServiceInput{
		Cluster: env.cluster, Service: aws.String("bg"), DesiredCount: aws.Int32(6)}))
	env.waitService("bg", "3 and 3", func(s types.Service) bool { return runs(s, blueID, 3) && runs(s, greenID, 3) })
	_, err = e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("bg"), TaskDefinition: aws.String("web:2")})
	apiErr(t, "UpdateService task definition of an EXTERNAL service", err, "InvalidParameterException", "Unable to update task definition on services with a EXTERNAL deployment controller")
	_, err = e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("bg"),
		PlacementStrategy: []types.PlacementStrategy{{Type: "sideways"}}})
	apiErr(t, "UpdateService of an EXTERNAL service with a bad placement strategy", err, "InvalidParameterException", "sideways")

	// The primary cannot go without force.
	_, err = e.DeleteTaskSet(c, &awsecs.DeleteTaskSetInput{Cluster: env.cluster, Service: aws.String("bg"), TaskSet: aws.String(greenID)})
	apiErr(t, "DeleteTaskSet of the primary", err, "InvalidParameterException", "PRIMARY task set")

	// Blue goes: not while scaled above zero (without force).
	_, err = e.DeleteTaskSet(c, &awsecs.DeleteTaskSetInput{Cluster: env.cluster, Service: aws.String("bg"), TaskSet: aws.String(blueID)})
	apiErr(t, "DeleteTaskSet scaled above 0", err, "InvalidParameterException", "not been scaled down to zero")
	d := ok[*awsecs.DeleteTaskSetOutput](t, "DeleteTaskSet force")(e.DeleteTaskSet(c, &awsecs.DeleteTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), TaskSet: aws.String(blueID), Force: aws.Bool(true)}))
	if aws.ToString(d.TaskSet.Status) != "DRAINING" || d.TaskSet.ComputedDesiredCount != 0 {
		t.Errorf("DeleteTaskSet = %s computed %d", aws.ToString(d.TaskSet.Status), d.TaskSet.ComputedDesiredCount)
	}
	env.waitService("bg", "blue to leave", func(s types.Service) bool { return len(s.TaskSets) == 1 && runs(s, greenID, 3) && s.RunningCount == 3 })
	_, err = e.UpdateTaskSet(c, &awsecs.UpdateTaskSetInput{Cluster: env.cluster, Service: aws.String("bg"), TaskSet: aws.String(blueID), Scale: pct(10)})
	apiErr(t, "UpdateTaskSet of a deleted task set", err, "TaskSetNotFoundException", blueID)

	dts := ok[*awsecs.DescribeTaskSetsOutput](t, "DescribeTaskSets")(e.DescribeTaskSets(c, &awsecs.DescribeTaskSetsInput{
		Cluster: env.cluster, Service: aws.String("bg"), TaskSets: []string{greenID, blueID}, Include: []types.TaskSetField{types.TaskSetFieldTags}}))
	if len(dts.TaskSets) != 1 || aws.ToString(dts.TaskSets[0].Id) != greenID || dts.TaskSets[0].Tags == nil ||
		len(dts.Failures) != 1 || aws.ToString(dts.Failures[0].Reason) != "MISSING" || aws.ToString(dts.Failures[0].Arn) != blueID {
		t.Errorf("DescribeTaskSets = %+v", dts)
	}
	all := ok[*awsecs.DescribeTaskSetsOutput](t, "DescribeTaskSets all")(e.DescribeTaskSets(c, &awsecs.DescribeTaskSetsInput{Cluster: env.cluster, Service: aws.String("bg")}))
	if len(all.TaskSets) != 1 || all.TaskSets[0].Tags != nil {
		t.Errorf("DescribeTaskSets without TAGS = %+v", all.TaskSets)
	}

	// Deleting the service stops the rest.
	ok[*awsecs.DeleteServiceOutput](t, "DeleteService")(e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: env.cluster, Service: aws.String("bg"), Force: aws.Bool(true)}))
	env.waitService("bg", "INACTIVE", func(s types.Service) bool { return aws.ToString(s.Status) == "INACTIVE" })
	if n := len(env.tasks("bg", types.DesiredStatusRunning)); n != 0 {
		t.Errorf("%d tasks still desired RUNNING after DeleteService", n)
	}
}

func TestTaskProtection_ScaleInSkipsProtectedTasks(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("web"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(3)}))
	env.waitStable("web")
	tasks := env.tasks("web", types.DesiredStatusRunning)
	// The newest task is the one scale-in would stop first.
	slices.SortFunc(tasks, func(a, b types.Task) int { return b.CreatedAt.Compare(*a.CreatedAt) })
	keep := aws.ToString(tasks[0].TaskArn)

	before := time.Now()
	up := ok[*awsecs.UpdateTaskProtectionOutput](t, "UpdateTaskProtection")(e.UpdateTaskProtection(c, &awsecs.UpdateTaskProtectionInput{
		Cluster: env.cluster, Tasks: []string{keep, "0123456789abcdef0123456789abcdef"}, ProtectionEnabled: true, ExpiresInMinutes: aws.Int32(60)}))
	if len(up.ProtectedTasks) != 1 || !up.ProtectedTasks[0].ProtectionEnabled || aws.ToString(up.ProtectedTasks[0].TaskArn) != keep ||
		up.ProtectedTasks[0].ExpirationDate.Before(before.Add(59*time.Minute)) || up.ProtectedTasks[0].ExpirationDate.After(time.Now().Add(61*time.Minute)) {
		t.Errorf("UpdateTaskProtection = %+v", up.ProtectedTasks)
	}
	if len(up.Failures) != 1 || aws.ToString(up.Failures[0].Reason) != "MISSING" ||
		aws.ToString(up.Failures[0].Arn) != "arn:aws:ecs:us-east-1:000000000000:task/svc/0123456789abcdef0123456789abcdef" {
		t.Errorf("failures = %+v", up.Failures)
	}
	_, err := e.UpdateTaskProtection(c, &awsecs.UpdateTaskProtectionInput{Cluster: env.cluster, Tasks: []string{keep}, ProtectionEnabled: true, ExpiresInMinutes: aws.Int32(2881)})
	apiErr(t, "UpdateTaskProtection for 2881 minutes", err, "InvalidParameterException", "between 1 and 2880")

	// A standalone task cannot be protected.
	rt := ok[*awsecs.RunTaskOutput](t, "RunTask")(e.RunTask(c, &awsecs.RunTaskInput{Cluster: env.cluster, TaskDefinition: aws.String("web:1")}))
	solo := aws.ToString(rt.Tasks[0].TaskArn)
	sp := ok[*awsecs.UpdateTaskProtectionOutput](t, "UpdateTaskProtection standalone")(e.UpdateTaskProtection(c, &awsecs.UpdateTaskProtectionInput{
		Cluster: env.cluster, Tasks: []string{solo}, ProtectionEnabled: true}))
	if len(sp.ProtectedTasks) != 0 || len(sp.Failures) != 1 || aws.ToString(sp.Failures[0].Reason) != "TASK_NOT_VALID" {
		t.Errorf("standalone = %+v", sp)
	}
	ok[*awsecs.StopTaskOutput](t, "StopTask")(e.StopTask(c, &awsecs.StopTaskInput{Cluster: env.cluster, Task: aws.String(solo)}))

	// Scale-in to 1 stops the two others.
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService 1")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("web"), DesiredCount: aws.Int32(1)}))
	env.waitService("web", "scale-in to the protected task", func(s types.Service) bool {
		arns := taskARNs(env.tasks("web", types.DesiredStatusRunning))
		return s.RunningCount == 1 && len(arns) == 1
	})
	if arns := taskARNs(env.tasks("web", types.DesiredStatusRunning)); !slices.Equal(arns, []string{keep}) {
		t.Fatalf("after scale-in, running %v; want the protected %s", arns, keep)
	}
	gp := ok[*awsecs.GetTaskProtectionOutput](t, "GetTaskProtection")(e.GetTaskProtection(c, &awsecs.GetTaskProtectionInput{Cluster: env.cluster, Tasks: []string{keep}}))
	if len(gp.ProtectedTasks) != 1 || !gp.ProtectedTasks[0].ProtectionEnabled {
		t.Errorf("GetTaskProtection = %+v", gp.ProtectedTasks)
	}

	// At 0 it stays while protected, and goes once protection is off.
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService 0")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: env.cluster, Service: aws.String("web"), DesiredCount: aws.Int32(0)}))
	off := ok[*awsecs.UpdateTaskProtectionOutput](t, "UpdateTaskProtection off")(e.UpdateTaskProtection(c, &awsecs.UpdateTaskProtectionInput{
		Cluster: env.cluster, Tasks: []string{keep}, ProtectionEnabled: false}))
	if len(off.ProtectedTasks) != 1 || off.ProtectedTasks[0].ProtectionEnabled || off.ProtectedTasks[0].ExpirationDate != nil {
		t.Errorf("protection off = %+v", off.ProtectedTasks)
	}
	env.waitService("web", "the unprotected task to stop", func(s types.Service) bool {
		return s.RunningCount == 0 && len(env.tasks("web", types.DesiredStatusRunning)) == 0
	})
	_, err = e.GetTaskProtection(c, &awsecs.GetTaskProtectionInput{Cluster: aws.String("ghost"), Tasks: []string{keep}})
	apiErr(t, "GetTaskProtection in a missing cluster", err, "ClusterNotFoundException", "Cluster not found")
}

// serviceDeployments lists a service's deployments, newest first.
func (env *svcEnv) serviceDeployments(name string, in *awsecs.ListServiceDeploymentsInput) []types.ServiceDeploymentBrief {
	env.h.t.Helper()
	if in == nil {
		in = &awsecs.ListServiceDeploymentsInput{}
	}
	in.Cluster, in.Service = env.cluster, aws.String(name)
	return ok[*awsecs.ListServiceDeploymentsOutput](env.h.t, "ListServiceDeployments")(env.h.ecs.ListServiceDeployments(ctx(env.h.t), in)).ServiceDeployments
}

func (env *svcEnv) serviceDeployment(arn string) types.ServiceDeployment {
	env.h.t.Helper()
	out := ok[*awsecs.DescribeServiceDeploymentsOutput](env.h.t, "DescribeServiceDeployments")(env.h.ecs.DescribeServiceDeployments(ctx(env.h.t),
		&awsecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{arn}}))
	if len(out.ServiceDeployments) != 1 {
		env.h.t.Fatalf("DescribeServiceDeployments %s = %+v", arn, out)
	}
	return out.ServiceDeployments[0]
}

func TestServiceDeployments_ListDescribeAndRevisions(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("web"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1),
		DeploymentConfiguration: &types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
	}))
	completed := func(td string) func(types.Service) bool {
		return func(s types.Service) bool {
			return len(s.Deployments) == 1 && s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted &&
				strings.HasSuffix(aws.ToString(s.Deployments[0].TaskDefinition), td)
		}
	}
	env.waitService("web", "web:1 deployed", completed("web:1"))
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService web:2")(e.UpdateService(c, &awsecs.UpdateServiceInput{
		Cluster: env.cluster, Service: aws.String("web"), TaskDefinition: aws.String("web:2")}))
	env.waitService("web", "web:2 deployed", completed("web:2"))

	list := env.serviceDeployments("web", nil)
	if len(list) != 2 || list[0].Status != types.ServiceDeploymentStatusSuccessful || list[1].Status != types.ServiceDeploymentStatusSuccessful ||
		!list[0].CreatedAt.After(*list[1].CreatedAt) || list[0].FinishedAt == nil {
		t.Fatalf("ListServiceDeployments = %+v", list)
	}
	newest, first := list[0], list[1]
	prefix := "arn:aws:ecs:us-east-1:000000000000:service-deployment/svc/web/"
	if arn := aws.ToString(newest.ServiceDeploymentArn); !strings.HasPrefix(arn, prefix) || len(arn) != len(prefix)+22 {
		t.Errorf("service deployment ARN %s", arn)
	}
	if n := len(env.serviceDeployments("web", &awsecs.ListServiceDeploymentsInput{Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusInProgress}})); n != 0 {
		t.Errorf("IN_PROGRESS: %d deployments", n)
	}
	after := env.serviceDeployments("web", &awsecs.ListServiceDeploymentsInput{CreatedAt: &types.CreatedAt{After: first.CreatedAt}})
	if len(after) != 1 || aws.ToString(after[0].ServiceDeploymentArn) != aws.ToString(newest.ServiceDeploymentArn) {
		t.Errorf("created after the first: %+v", after)
	}
	p1 := ok[*awsecs.ListServiceDeploymentsOutput](t, "ListServiceDeployments page 1")(e.ListServiceDeployments(c, &awsecs.ListServiceDeploymentsInput{
		Cluster: env.cluster, Service: aws.String("web"), MaxResults: aws.Int32(1)}))
	p2 := ok[*awsecs.ListServiceDeploymentsOutput](t, "ListServiceDeployments page 2")(e.ListServiceDeployments(c, &awsecs.ListServiceDeploymentsInput{
		Cluster: env.cluster, Service: aws.String("web"), MaxResults: aws.Int32(1), NextToken: p1.NextToken}))
	if len(p1.ServiceDeployments) != 1 || p1.NextToken == nil || len(p2.ServiceDeployments) != 1 || p2.NextToken != nil ||
		aws.ToString(p2.ServiceDeployments[0].ServiceDeploymentArn) != aws.ToString(first.ServiceDeploymentArn) {
		t.Errorf("pages = %+v / %+v", p1, p2)
	}

	ds := ok[*awsecs.DescribeServiceDeploymentsOutput](t, "DescribeServiceDeployments")(e.DescribeServiceDeployments(c, &awsecs.DescribeServiceDeploymentsInput{
		ServiceDeploymentArns: []string{aws.ToString(newest.ServiceDeploymentArn), prefix + "AAAAAAAAAAAAAAAAAAAAAA"}}))
	if len(ds.ServiceDeployments) != 1 || len(ds.Failures) != 1 || aws.ToString(ds.Failures[0].Reason) != "MISSING" {
		t.Fatalf("DescribeServiceDeployments = %+v", ds)
	}
	d := ds.ServiceDeployments[0]
	if d.Status != types.ServiceDeploymentStatusSuccessful || d.TargetServiceRevision == nil ||
		aws.ToString(d.TargetServiceRevision.Arn) != aws.ToString(newest.TargetServiceRevisionArn) ||
		d.TargetServiceRevision.RequestedTaskCount != 1 || d.TargetServiceRevision.RunningTaskCount != 1 ||
		len(d.SourceServiceRevisions) != 1 || aws.ToString(d.SourceServiceRevisions[0].Arn) != aws.ToString(first.TargetServiceRevisionArn) ||
		d.DeploymentCircuitBreaker == nil || d.DeploymentCircuitBreaker.Status != types.ServiceDeploymentRollbackMonitorsStatusMonitoringComplete ||
		d.DeploymentCircuitBreaker.Threshold != 3 || d.Alarms == nil || d.Alarms.Status != types.ServiceDeploymentRollbackMonitorsStatusDisabled ||
		d.FinishedAt == nil || d.Rollback != nil || !d.DeploymentConfiguration.DeploymentCircuitBreaker.Rollback {
		t.Errorf("service deployment = %+v", d)
	}

	revs := ok[*awsecs.DescribeServiceRevisionsOutput](t, "DescribeServiceRevisions")(e.DescribeServiceRevisions(c, &awsecs.DescribeServiceRevisionsInput{
		ServiceRevisionArns: []string{aws.ToString(newest.TargetServiceRevisionArn), aws.ToString(first.TargetServiceRevisionArn),
			"arn:aws:ecs:us-east-1:000000000000:service-revision/svc/web/1000000000000000000"}}))
	if len(revs.ServiceRevisions) != 2 || len(revs.Failures) != 1 {
		t.Fatalf("DescribeServiceRevisions = %+v", revs)
	}
	for i, want := range []string{"web:2", "web:1"} {
		r := revs.ServiceRevisions[i]
		if !strings.HasSuffix(aws.ToString(r.TaskDefinition), want) || r.LaunchType != types.LaunchTypeEc2 ||
			len(r.ContainerImages) != 1 || aws.ToString(r.ContainerImages[0].Image) != "busybox" ||
			!strings.HasPrefix(aws.ToString(r.ServiceRevisionArn), "arn:aws:ecs:us-east-1:000000000000:service-revision/svc/web/") {
			t.Errorf("revision %d = %+v", i, r)
		}
	}
	_, err := e.DescribeServiceRevisions(c, &awsecs.DescribeServiceRevisionsInput{ServiceRevisionArns: []string{"web"}})
	apiErr(t, "DescribeServiceRevisions of a name", err, "InvalidParameterException", "service-revision ARN")

	_, err = e.ContinueServiceDeployment(c, &awsecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: newest.ServiceDeploymentArn, HookId: aws.String("h")})
	apiErr(t, "ContinueServiceDeployment", err, "InvalidParameterException", "not paused at a lifecycle hook")
	_, err = e.ContinueServiceDeployment(c, &awsecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: aws.String(prefix + "AAAAAAAAAAAAAAAAAAAAAA"), HookId: aws.String("h")})
	apiErr(t, "ContinueServiceDeployment of an unknown deployment", err, "ServiceDeploymentNotFoundException", "does not exist")
	_, err = e.ListServiceDeployments(c, &awsecs.ListServiceDeploymentsInput{Cluster: env.cluster, Service: aws.String("ghost")})
	apiErr(t, "ListServiceDeployments of a missing service", err, "ServiceNotFoundException", "Service not found")
}

func TestServiceDeployments_StopRollsBack(t *testing.T) {
	env := newSvcEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("web"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(2)}))
	env.waitService("web", "the first deployment to complete", func(s types.Service) bool {
		return s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted
	})
	good := env.serviceDeployments("web", nil)[0]
	if good.Status != types.ServiceDeploymentStatusSuccessful {
		t.Fatalf("first deployment %s", good.Status)
	}

	// A deployment of tasks that crash goes on (no circuit breaker) ...
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService crash")(e.UpdateService(c, &awsecs.UpdateServiceInput{
		Cluster: env.cluster, Service: aws.String("web"), TaskDefinition: aws.String("crash:1")}))
	list := env.serviceDeployments("web", &awsecs.ListServiceDeploymentsInput{Status: []types.ServiceDeploymentStatus{types.ServiceDeploymentStatusInProgress}})
	if len(list) != 1 {
		t.Fatalf("IN_PROGRESS deployments = %+v", list)
	}
	bad := aws.ToString(list[0].ServiceDeploymentArn)
	_, err := e.StopServiceDeployment(c, &awsecs.StopServiceDeploymentInput{ServiceDeploymentArn: aws.String(bad), StopType: types.StopServiceDeploymentStopTypeAbort})
	apiErr(t, "StopServiceDeployment ABORT", err, "InvalidParameterException", "ROLLBACK")

	// ... until it is stopped: the service rolls back to web:1.
	st := ok[*awsecs.StopServiceDeploymentOutput](t, "StopServiceDeployment")(e.StopServiceDeployment(c, &awsecs.StopServiceDeploymentInput{
		ServiceDeploymentArn: aws.String(bad), StopType: types.StopServiceDeploymentStopTypeRollback}))
	if aws.ToString(st.ServiceDeploymentArn) != bad {
		t.Errorf("StopServiceDeployment = %s", aws.ToString(st.ServiceDeploymentArn))
	}
	if d := env.serviceDeployment(bad); d.Status != types.ServiceDeploymentStatusRollbackInProgress || d.Rollback == nil ||
		aws.ToString(d.Rollback.ServiceRevisionArn) != aws.ToString(good.TargetServiceRevisionArn) {
		t.Errorf("stopped deployment = %+v", d)
	}
	s := env.waitService("web", "the rollback to web:1", func(s types.Service) bool {
		return len(s.Deployments) == 1 && s.Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted && s.RunningCount == 2
	})
	if !strings.HasSuffix(aws.ToString(s.TaskDefinition), "web:1") {
		t.Errorf("service task definition after the rollback = %s", aws.ToString(s.TaskDefinition))
	}
	d := env.serviceDeployment(bad)
	if d.Status != types.ServiceDeploymentStatusRollbackSuccessful || d.FinishedAt == nil {
		t.Errorf("rolled back deployment = %+v", d)
	}
	for _, task := range env.tasks("web", types.DesiredStatusRunning) {
		if !strings.HasSuffix(aws.ToString(task.TaskDefinitionArn), "web:1") {
			t.Errorf("running task of %s", aws.ToString(task.TaskDefinitionArn))
		}
	}
	_, err = e.StopServiceDeployment(c, &awsecs.StopServiceDeploymentInput{ServiceDeploymentArn: aws.String(bad)})
	apiErr(t, "StopServiceDeployment of a finished one", err, "ConflictException", "only a service deployment in progress can be stopped")
}

// neverSucceeds are the operations that answer every call with an error
// (and why): TestEngineAPI_EveryOperation's walk wants an error of them.
var neverSucceeds = map[string]string{
	"ContinueServiceDeployment": "ecsrun's deployments have no lifecycle hooks, so none is ever paused",
	"UpdateContainerAgent":      "the agent is built into the engine: NoUpdateAvailableException",
	"ExecuteCommand":            "the fake runtime runs no commands; internal/cli's TestExec and TestExecuteCommandAPI succeed with Docker",
}

// everyDeployOperation answers each task set, service deployment and task
// protection operation with success and with an error, for
// TestEngineAPI_EveryOperation's walk; the scenarios are tested in depth
// above.
func everyDeployOperation(t *testing.T, h *harness) {
	t.Helper()
	e, c := h.ecs, ctx(t)
	cl := aws.String("deploy")
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster deploy")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: cl}))
	for _, f := range []struct{ family, cmd string }{{"dweb", "serve"}, {"dfail", "fail"}} {
		ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition "+f.family)(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
			Family: aws.String(f.family), ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"),
				Memory: aws.Int32(16), Command: []string{f.cmd}, StopTimeout: aws.Int32(2)}}}))
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	// Task sets and task protection.
	ok[*awsecs.CreateServiceOutput](t, "CreateService EXTERNAL")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: cl, ServiceName: aws.String("ext"), DesiredCount: aws.Int32(1), DeploymentController: external}))
	ts := ok[*awsecs.CreateTaskSetOutput](t, "CreateTaskSet")(e.CreateTaskSet(c, &awsecs.CreateTaskSetInput{
		Cluster: cl, Service: aws.String("ext"), TaskDefinition: aws.String("dweb"), Scale: pct(100)})).TaskSet
	_, err := e.CreateTaskSet(c, &awsecs.CreateTaskSetInput{Cluster: cl, Service: aws.String("ext"), TaskDefinition: aws.String("ghost")})
	apiErr(t, "CreateTaskSet of a missing task definition", err, "ClientException", "")
	ok[*awsecs.UpdateTaskSetOutput](t, "UpdateTaskSet")(e.UpdateTaskSet(c, &awsecs.UpdateTaskSetInput{Cluster: cl, Service: aws.String("ext"), TaskSet: ts.Id, Scale: pct(100)}))
	_, err = e.UpdateTaskSet(c, &awsecs.UpdateTaskSetInput{Cluster: cl, Service: aws.String("ext"), TaskSet: aws.String("ecs-svc/1"), Scale: pct(1)})
	apiErr(t, "UpdateTaskSet of a missing task set", err, "TaskSetNotFoundException", "ecs-svc/1")
	ok[*awsecs.UpdateServicePrimaryTaskSetOutput](t, "UpdateServicePrimaryTaskSet")(e.UpdateServicePrimaryTaskSet(c, &awsecs.UpdateServicePrimaryTaskSetInput{
		Cluster: cl, Service: aws.String("ext"), PrimaryTaskSet: ts.TaskSetArn}))
	_, err = e.UpdateServicePrimaryTaskSet(c, &awsecs.UpdateServicePrimaryTaskSetInput{Cluster: cl, Service: aws.String("ext"), PrimaryTaskSet: aws.String("ecs-svc/1")})
	apiErr(t, "UpdateServicePrimaryTaskSet of a missing task set", err, "TaskSetNotFoundException", "ecs-svc/1")
	ok[*awsecs.DescribeTaskSetsOutput](t, "DescribeTaskSets")(e.DescribeTaskSets(c, &awsecs.DescribeTaskSetsInput{Cluster: cl, Service: aws.String("ext")}))
	_, err = e.DescribeTaskSets(c, &awsecs.DescribeTaskSetsInput{Cluster: cl, Service: aws.String("ghost")})
	apiErr(t, "DescribeTaskSets of a missing service", err, "ServiceNotFoundException", "Service not found")
	var task string
	waitFor("the task set's task", func() bool {
		lt := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: cl, ServiceName: aws.String("ext")}))
		if len(lt.TaskArns) > 0 {
			task = lt.TaskArns[0]
		}
		return task != ""
	})
	ok[*awsecs.UpdateTaskProtectionOutput](t, "UpdateTaskProtection")(e.UpdateTaskProtection(c, &awsecs.UpdateTaskProtectionInput{Cluster: cl, Tasks: []string{task}, ProtectionEnabled: true}))
	_, err = e.UpdateTaskProtection(c, &awsecs.UpdateTaskProtectionInput{Cluster: cl, Tasks: []string{task}, ProtectionEnabled: true, ExpiresInMinutes: aws.Int32(0)})
	apiErr(t, "UpdateTaskProtection for 0 minutes", err, "InvalidParameterException", "expiresInMinutes")
	gp := ok[*awsecs.GetTaskProtectionOutput](t, "GetTaskProtection")(e.GetTaskProtection(c, &awsecs.GetTaskProtectionInput{Cluster: cl, Tasks: []string{task}}))
	if len(gp.ProtectedTasks) != 1 || !gp.ProtectedTasks[0].ProtectionEnabled {
		t.Errorf("GetTaskProtection = %+v", gp)
	}
	_, err = e.GetTaskProtection(c, &awsecs.GetTaskProtectionInput{Cluster: cl})
	apiErr(t, "GetTaskProtection of no task", err, "InvalidParameterException", "Tasks cannot be empty")
	_, err = e.DeleteTaskSet(c, &awsecs.DeleteTaskSetInput{Cluster: cl, Service: aws.String("ext"), TaskSet: ts.Id})
	apiErr(t, "DeleteTaskSet of the primary without force", err, "InvalidParameterException", "PRIMARY task set")
	ok[*awsecs.DeleteTaskSetOutput](t, "DeleteTaskSet")(e.DeleteTaskSet(c, &awsecs.DeleteTaskSetInput{Cluster: cl, Service: aws.String("ext"), TaskSet: ts.Id, Force: aws.Bool(true)}))

	// Service deployments and revisions.
	ok[*awsecs.CreateServiceOutput](t, "CreateService roll")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: cl, ServiceName: aws.String("roll"), TaskDefinition: aws.String("dweb"), DesiredCount: aws.Int32(1)}))
	waitFor("the first deployment to complete", func() bool {
		ds := ok[*awsecs.DescribeServicesOutput](t, "DescribeServices")(e.DescribeServices(c, &awsecs.DescribeServicesInput{Cluster: cl, Services: []string{"roll"}}))
		return ds.Services[0].Deployments[0].RolloutState == types.DeploymentRolloutStateCompleted
	})
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService dfail")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: cl, Service: aws.String("roll"), TaskDefinition: aws.String("dfail")}))
	ls := ok[*awsecs.ListServiceDeploymentsOutput](t, "ListServiceDeployments")(e.ListServiceDeployments(c, &awsecs.ListServiceDeploymentsInput{Cluster: cl, Service: aws.String("roll")}))
	if len(ls.ServiceDeployments) != 2 || ls.ServiceDeployments[0].Status != types.ServiceDeploymentStatusInProgress {
		t.Fatalf("ListServiceDeployments = %+v", ls.ServiceDeployments)
	}
	_, err = e.ListServiceDeployments(c, &awsecs.ListServiceDeploymentsInput{Cluster: cl, Service: aws.String("roll"), MaxResults: aws.Int32(101)})
	apiErr(t, "ListServiceDeployments of 101", err, "InvalidParameterException", "maxResults")
	sd := ls.ServiceDeployments[0]
	ok[*awsecs.DescribeServiceDeploymentsOutput](t, "DescribeServiceDeployments")(e.DescribeServiceDeployments(c, &awsecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{aws.ToString(sd.ServiceDeploymentArn)}}))
	_, err = e.DescribeServiceDeployments(c, &awsecs.DescribeServiceDeploymentsInput{ServiceDeploymentArns: []string{"roll"}})
	apiErr(t, "DescribeServiceDeployments of a name", err, "InvalidParameterException", "service-deployment ARN")
	ok[*awsecs.DescribeServiceRevisionsOutput](t, "DescribeServiceRevisions")(e.DescribeServiceRevisions(c, &awsecs.DescribeServiceRevisionsInput{ServiceRevisionArns: []string{aws.ToString(sd.TargetServiceRevisionArn)}}))
	_, err = e.DescribeServiceRevisions(c, &awsecs.DescribeServiceRevisionsInput{ServiceRevisionArns: make([]string, 21)})
	apiErr(t, "DescribeServiceRevisions of 21", err, "InvalidParameterException", "1 to 20")
	_, err = e.StopServiceDeployment(c, &awsecs.StopServiceDeploymentInput{ServiceDeploymentArn: ls.ServiceDeployments[1].ServiceDeploymentArn})
	apiErr(t, "StopServiceDeployment of a finished one", err, "ConflictException", "SUCCESSFUL")
	ok[*awsecs.StopServiceDeploymentOutput](t, "StopServiceDeployment")(e.StopServiceDeployment(c, &awsecs.StopServiceDeploymentInput{ServiceDeploymentArn: sd.ServiceDeploymentArn}))
	_, err = e.ContinueServiceDeployment(c, &awsecs.ContinueServiceDeploymentInput{ServiceDeploymentArn: sd.ServiceDeploymentArn, HookId: aws.String("h")})
	apiErr(t, "ContinueServiceDeployment", err, "InvalidParameterException", "not paused")
	for _, s := range []string{"ext", "roll"} {
		ok[*awsecs.DeleteServiceOutput](t, "DeleteService "+s)(e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: cl, Service: aws.String(s), Force: aws.Bool(true)}))
	}
}

// TestDeployments_SurviveRestart: task sets, a task's protection and the
// service deployments are what they were after the engine restarts.
func TestDeployments_SurviveRestart(t *testing.T) {
	env := newSvcEnv(t)
	h, e, c := env.h, env.h.ecs, ctx(t)
	ok[*awsecs.CreateServiceOutput](t, "CreateService EXTERNAL")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("bg"), DesiredCount: aws.Int32(2), DeploymentController: external}))
	ts := ok[*awsecs.CreateTaskSetOutput](t, "CreateTaskSet")(e.CreateTaskSet(c, &awsecs.CreateTaskSetInput{
		Cluster: env.cluster, Service: aws.String("bg"), TaskDefinition: aws.String("web:1"), Scale: pct(50)})).TaskSet
	id := aws.ToString(ts.Id)
	env.waitService("bg", "the task set's task", func(s types.Service) bool { return runs(s, id, 1) })
	task := aws.ToString(env.tasks("bg", types.DesiredStatusRunning)[0].TaskArn)
	ok[*awsecs.UpdateTaskProtectionOutput](t, "UpdateTaskProtection")(e.UpdateTaskProtection(c, &awsecs.UpdateTaskProtectionInput{
		Cluster: env.cluster, Tasks: []string{task}, ProtectionEnabled: true}))
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: env.cluster, ServiceName: aws.String("web"), TaskDefinition: aws.String("web:1"), DesiredCount: aws.Int32(1)}))
	before := env.serviceDeployments("web", nil)

	h.close()
	h.open()

	s := env.waitService("bg", "the task set after the restart", func(s types.Service) bool { return runs(s, id, 1) })
	if got := taskSetIn(s, id); got.Scale.Value != 50 || aws.ToString(got.TaskDefinition) != aws.ToString(ts.TaskDefinition) {
		t.Errorf("task set after the restart = %+v", got)
	}
	if arns := taskARNs(env.tasks("bg", types.DesiredStatusRunning)); !slices.Equal(arns, []string{task}) {
		t.Errorf("after the restart the task set runs %v; want the adopted %s", arns, task)
	}
	gp := ok[*awsecs.GetTaskProtectionOutput](t, "GetTaskProtection")(e.GetTaskProtection(c, &awsecs.GetTaskProtectionInput{Cluster: env.cluster, Tasks: []string{task}}))
	if len(gp.ProtectedTasks) != 1 || !gp.ProtectedTasks[0].ProtectionEnabled {
		t.Errorf("protection after the restart = %+v", gp.ProtectedTasks)
	}
	after := env.serviceDeployments("web", nil)
	if len(after) != 1 || aws.ToString(after[0].ServiceDeploymentArn) != aws.ToString(before[0].ServiceDeploymentArn) {
		t.Errorf("service deployments after the restart = %+v; want %+v", after, before)
	}
}

// TestTaskProtection_AgentEndpoint: a container sets and reads its task's
// protection at ${ECS_AGENT_URI}/task-protection/v1/state, and the API
// sees what it set.
func TestTaskProtection_AgentEndpoint(t *testing.T) {
	rt := fake.New()
	eng, err := Open(context.Background(), Options{StateDir: stateDir(t), Runtime: rt, TaskEndpoint: taskmeta.ModeLoopback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h := &harness{t: t, rt: rt}
	h.connect(eng)
	e, c := h.ecs, ctx(t)
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("hostweb"), NetworkMode: types.NetworkModeHost,
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(16)}}}))
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		ServiceName: aws.String("web"), TaskDefinition: aws.String("hostweb"), DesiredCount: aws.Int32(1)}))
	var task types.Task
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		lt := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{ServiceName: aws.String("web")}))
		if len(lt.TaskArns) == 1 {
			dt := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Tasks: lt.TaskArns}))
			if task = dt.Tasks[0]; aws.ToString(task.LastStatus) == "RUNNING" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the service's task")
		}
	}
	spec, err := rt.Spec(aws.ToString(task.Containers[0].RuntimeId))
	if err != nil {
		t.Fatal(err)
	}
	uri := ""
	for _, kv := range spec.Env {
		if k, v, _ := strings.Cut(kv, "="); k == taskmeta.EnvAgentURI {
			uri = v
		}
	}
	if !strings.HasPrefix(uri, "http://127.0.0.1:") || !strings.Contains(uri, "/api/") {
		t.Fatalf("ECS_AGENT_URI = %q; want the task endpoints' /api/<id>", uri)
	}
	call := func(method, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(c, method, uri+"/task-protection/v1/state", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	arn := aws.ToString(task.TaskArn)
	if code, body := call(http.MethodPut, `{"ProtectionEnabled":true,"ExpiresInMinutes":5}`); code != http.StatusOK ||
		!strings.Contains(body, `"ProtectionEnabled":true,"TaskArn":"`+arn+`"`) {
		t.Fatalf("PUT = %d %s", code, body)
	}
	gp := ok[*awsecs.GetTaskProtectionOutput](t, "GetTaskProtection")(e.GetTaskProtection(c, &awsecs.GetTaskProtectionInput{Cluster: aws.String("default"), Tasks: []string{arn}}))
	if len(gp.ProtectedTasks) != 1 || !gp.ProtectedTasks[0].ProtectionEnabled ||
		gp.ProtectedTasks[0].ExpirationDate.After(time.Now().Add(5*time.Minute)) {
		t.Errorf("GetTaskProtection after the container's PUT = %+v", gp.ProtectedTasks)
	}
	if code, body := call(http.MethodGet, ""); code != http.StatusOK || !strings.Contains(body, `"ProtectionEnabled":true`) {
		t.Errorf("GET = %d %s", code, body)
	}
	if code, body := call(http.MethodPut, `{"ExpiresInMinutes":5}`); code != http.StatusBadRequest || !strings.Contains(body, "ProtectionEnabled") {
		t.Errorf("PUT without ProtectionEnabled = %d %s", code, body)
	}
	ok[*awsecs.DeleteServiceOutput](t, "DeleteService")(e.DeleteService(c, &awsecs.DeleteServiceInput{Service: aws.String("web"), Force: aws.Bool(true)}))
}
