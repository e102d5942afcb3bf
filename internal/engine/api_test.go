package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// newFakeHarness is an engine on the fake runtime (nothing runs; containers
// follow scripts) with SDK clients talking to it in-process and every answer
// checked against the service models.
func newFakeHarness(t *testing.T) (*harness, *fake.Runtime, *modelcheck.Checker) {
	t.Helper()
	return newFakeHarnessWith(t, nil)
}

// newFakeHarnessWith is newFakeHarness with a serve configuration.
func newFakeHarnessWith(t *testing.T, cfg *serveconfig.Config) (*harness, *fake.Runtime, *modelcheck.Checker) {
	t.Helper()
	rt := fake.New()
	h := &harness{t: t, dir: stateDir(t), rt: rt}
	eng, err := Open(context.Background(), Options{StateDir: h.dir, Runtime: rt, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h.connect(eng)
	check := modelcheck.ForTest(t)
	if check != nil {
		// connect attached a checker; this one also counts what was seen.
		srv := eng.Handler().(*awsjson.Server)
		first := srv.Inspect
		srv.Inspect = func(a awsjson.Answer) { first(a); check.Check(a) }
	}
	return h, rt, check
}

// stateDir is t.TempDir for an engine's state directory, except that when
// the directory cannot be removed after the test (something wrote into it
// after the engine closed: once seen in CI), the error names what is left.
func stateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ecsrun-engine-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			var left []string
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, _ error) error {
				left = append(left, p)
				return nil
			})
			t.Errorf("remove the state directory after the engine closed: %v; left: %q", err, left)
		}
	})
	return dir
}

// apiErr checks that err is an API error of type code whose message
// contains msg.
func apiErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("%s: error %v; want %s containing %q", what, err, code, msg)
	}
}

func ok[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// TestEngineAPI_EveryOperation drives every ECS and CloudWatch Logs
// operation ecsrun implements through aws-sdk-go-v2 (with the SDK's waiters),
// on the happy path and on an error path, checks what a user would see, and
// at the end walks the server's operation tables: every implemented
// operation must have answered at least once with success and once with an
// error, each answer checked against the model's shapes.
func TestEngineAPI_EveryOperation(t *testing.T) {
	cfg, err := serveconfig.Parse([]byte("autoScalingGroups: [{name: api-asg, maxSize: 2, cpu: 1024, memory: 1024}]"))
	if err != nil {
		t.Fatal(err)
	}
	h, rt, check := newFakeHarnessWith(t, cfg)
	c := ctx(t)
	e, l := h.ecs, h.logs
	rt.OnCommand("fail", fake.Exits(3, "failing now"))
	rt.OnCommand("serve", fake.RunsUntilStopped("serving").OnStop("bye"))

	// Clusters.
	cl := ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{
		ClusterName: aws.String("api"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	}))
	clusterARN := aws.ToString(cl.Cluster.ClusterArn)
	if clusterARN != "arn:aws:ecs:us-east-1:000000000000:cluster/api" || aws.ToString(cl.Cluster.Status) != "ACTIVE" {
		t.Errorf("CreateCluster = %s %s", clusterARN, aws.ToString(cl.Cluster.Status))
	}
	_, err = e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("no spaces")})
	apiErr(t, "CreateCluster with a bad name", err, "InvalidParameterException", "no spaces")
	dc := ok[*awsecs.DescribeClustersOutput](t, "DescribeClusters")(e.DescribeClusters(c, &awsecs.DescribeClustersInput{
		Clusters: []string{"api", "ghost"}, Include: []types.ClusterField{types.ClusterFieldTags},
	}))
	if len(dc.Clusters) != 1 || len(dc.Clusters[0].Tags) != 1 || len(dc.Failures) != 1 || aws.ToString(dc.Failures[0].Reason) != "MISSING" {
		t.Errorf("DescribeClusters = %+v", dc)
	}
	_, err = e.DescribeClusters(c, &awsecs.DescribeClustersInput{Clusters: make([]string, 101)})
	apiErr(t, "DescribeClusters of 101", err, "InvalidParameterException", "100")
	lc := ok[*awsecs.ListClustersOutput](t, "ListClusters")(e.ListClusters(c, &awsecs.ListClustersInput{}))
	if !slices.Contains(lc.ClusterArns, clusterARN) {
		t.Errorf("ListClusters = %v; want %s", lc.ClusterArns, clusterARN)
	}
	_, err = e.ListClusters(c, &awsecs.ListClustersInput{NextToken: aws.String("bogus")})
	apiErr(t, "ListClusters with a bad token", err, "InvalidParameterException", "nextToken")

	// Task definitions.
	reg := ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("api"),
		ContainerDefinitions: []types.ContainerDefinition{
			{Name: aws.String("app"), Image: aws.String("busybox"), Memory: aws.Int32(32), Command: []string{"fail"}},
		},
		Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("me")}},
	}))
	defARN := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	if reg.TaskDefinition.Revision != 1 || reg.TaskDefinition.Status != types.TaskDefinitionStatusActive || len(reg.Tags) != 1 {
		t.Errorf("RegisterTaskDefinition = %+v", reg)
	}
	_, err = e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("api"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox")}}})
	apiErr(t, "RegisterTaskDefinition without memory", err, "ClientException", "memory")
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition serve")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("api-serve"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("busybox"), Memory: aws.Int32(32), Command: []string{"serve"}, StopTimeout: aws.Int32(2)}},
	}))
	dtd := ok[*awsecs.DescribeTaskDefinitionOutput](t, "DescribeTaskDefinition")(e.DescribeTaskDefinition(c, &awsecs.DescribeTaskDefinitionInput{
		TaskDefinition: aws.String("api:1"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
	}))
	if aws.ToString(dtd.TaskDefinition.TaskDefinitionArn) != defARN || len(dtd.Tags) != 1 || dtd.TaskDefinition.RegisteredAt == nil {
		t.Errorf("DescribeTaskDefinition = %+v", dtd)
	}
	_, err = e.DescribeTaskDefinition(c, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api:9")})
	apiErr(t, "DescribeTaskDefinition of a missing revision", err, "ClientException", "Unable to describe task definition.")
	ltd := ok[*awsecs.ListTaskDefinitionsOutput](t, "ListTaskDefinitions")(e.ListTaskDefinitions(c, &awsecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("api")}))
	if !slices.Equal(ltd.TaskDefinitionArns, []string{defARN}) {
		t.Errorf("ListTaskDefinitions = %v", ltd.TaskDefinitionArns)
	}
	_, err = e.ListTaskDefinitions(c, &awsecs.ListTaskDefinitionsInput{NextToken: aws.String("bogus")})
	apiErr(t, "ListTaskDefinitions with a bad token", err, "InvalidParameterException", "nextToken")
	ltf := ok[*awsecs.ListTaskDefinitionFamiliesOutput](t, "ListTaskDefinitionFamilies")(e.ListTaskDefinitionFamilies(c, &awsecs.ListTaskDefinitionFamiliesInput{FamilyPrefix: aws.String("api")}))
	if !slices.Equal(ltf.Families, []string{"api", "api-serve"}) {
		t.Errorf("ListTaskDefinitionFamilies = %v", ltf.Families)
	}
	_, err = e.ListTaskDefinitionFamilies(c, &awsecs.ListTaskDefinitionFamiliesInput{MaxResults: aws.Int32(101)})
	apiErr(t, "ListTaskDefinitionFamilies of 101", err, "InvalidParameterException", "maxResults")

	// Tasks: run with count, wait with the SDK's waiter, exit codes, logs.
	run := ok[*awsecs.RunTaskOutput](t, "RunTask")(e.RunTask(c, &awsecs.RunTaskInput{
		Cluster: aws.String("api"), TaskDefinition: aws.String("api"), Count: aws.Int32(2),
		Tags: []types.Tag{{Key: aws.String("run"), Value: aws.String("1")}}, StartedBy: aws.String("api-test"),
	}))
	if len(run.Tasks) != 2 || len(run.Failures) != 0 {
		t.Fatalf("RunTask = %+v", run)
	}
	var arns []string
	for _, task := range run.Tasks {
		arns = append(arns, aws.ToString(task.TaskArn))
	}
	_, err = e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("ghost"), TaskDefinition: aws.String("api")})
	apiErr(t, "RunTask on an unknown cluster", err, "ClusterNotFoundException", "Cluster not found.")
	stopped, err := awsecs.NewTasksStoppedWaiter(e, func(o *awsecs.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).WaitForOutput(c, &awsecs.DescribeTasksInput{Cluster: aws.String("api"), Tasks: arns, Include: []types.TaskField{types.TaskFieldTags}}, time.Minute)
	if err != nil {
		t.Fatalf("TasksStopped waiter: %v", err)
	}
	for _, task := range stopped.Tasks {
		if code := exitCode(task, "app"); code == nil || *code != 3 || task.StopCode != types.TaskStopCodeEssentialContainerExited || len(task.Tags) != 1 {
			t.Errorf("stopped task: exit %v, stop code %s, tags %v; want 3, EssentialContainerExited, 1 tag", code, task.StopCode, task.Tags)
		}
	}
	dt := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("api"), Tasks: []string{arns[0], "0123456789abcdef0123456789abcdef"}}))
	if len(dt.Tasks) != 1 || dt.Tasks[0].Tags != nil || len(dt.Failures) != 1 || aws.ToString(dt.Failures[0].Reason) != "MISSING" {
		t.Errorf("DescribeTasks with a missing task = %+v", dt)
	}
	_, err = e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("ghost"), Tasks: arns})
	apiErr(t, "DescribeTasks on an unknown cluster", err, "ClusterNotFoundException", "Cluster not found.")
	lt := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("api"), DesiredStatus: types.DesiredStatusStopped, StartedBy: aws.String("api-test")}))
	if !slices.Equal(lt.TaskArns, arns) {
		t.Errorf("ListTasks STOPPED = %v; want %v", lt.TaskArns, arns)
	}
	_, err = e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("ghost")})
	apiErr(t, "ListTasks on an unknown cluster", err, "ClusterNotFoundException", "Cluster not found.")
	stream := "api/app/" + taskID(arns[0])

	// StopTask of a running task, with the TasksRunning waiter first.
	serve := ok[*awsecs.RunTaskOutput](t, "RunTask serve")(e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("api"), TaskDefinition: aws.String("api-serve")}))
	serveARN := aws.ToString(serve.Tasks[0].TaskArn)
	if err := awsecs.NewTasksRunningWaiter(e, func(o *awsecs.TasksRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).Wait(c, &awsecs.DescribeTasksInput{Cluster: aws.String("api"), Tasks: []string{serveARN}}, time.Minute); err != nil {
		t.Fatalf("TasksRunning waiter: %v", err)
	}
	_, err = e.DeleteCluster(c, &awsecs.DeleteClusterInput{Cluster: aws.String("api")})
	apiErr(t, "DeleteCluster with a running task", err, "ClusterContainsTasksException", "Tasks are active")
	st := ok[*awsecs.StopTaskOutput](t, "StopTask")(e.StopTask(c, &awsecs.StopTaskInput{Cluster: aws.String("api"), Task: aws.String(serveARN), Reason: aws.String("api test")}))
	if aws.ToString(st.Task.DesiredStatus) != "STOPPED" {
		t.Errorf("StopTask desiredStatus = %s", aws.ToString(st.Task.DesiredStatus))
	}
	_, err = e.StopTask(c, &awsecs.StopTaskInput{Cluster: aws.String("api"), Task: aws.String("0123456789abcdef0123456789abcdef")})
	apiErr(t, "StopTask of a missing task", err, "InvalidParameterException", "The referenced task was not found.")
	out, err := awsecs.NewTasksStoppedWaiter(e, func(o *awsecs.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).WaitForOutput(c, &awsecs.DescribeTasksInput{Cluster: aws.String("api"), Tasks: []string{serveARN}}, time.Minute)
	if err != nil {
		t.Fatalf("TasksStopped waiter after StopTask: %v", err)
	}
	if task := out.Tasks[0]; task.StopCode != types.TaskStopCodeUserInitiated || aws.ToString(task.StoppedReason) != "api test" {
		t.Errorf("stopped by StopTask: %s %q", task.StopCode, aws.ToString(task.StoppedReason))
	}

	// Services (more in services_test.go), with the SDK's waiters.
	csvc := ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{
		Cluster: aws.String("api"), ServiceName: aws.String("api-svc"), TaskDefinition: aws.String("api-serve"), DesiredCount: aws.Int32(2),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	}))
	serviceARN := aws.ToString(csvc.Service.ServiceArn)
	_, err = e.CreateService(c, &awsecs.CreateServiceInput{Cluster: aws.String("api"), ServiceName: aws.String("api-svc"), TaskDefinition: aws.String("api-serve"), DesiredCount: aws.Int32(1)})
	apiErr(t, "CreateService again with other parameters", err, "InvalidParameterException", "Creation of service was not idempotent.")
	stable, err := awsecs.NewServicesStableWaiter(e, func(o *awsecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).WaitForOutput(c, &awsecs.DescribeServicesInput{Cluster: aws.String("api"), Services: []string{"api-svc"}}, time.Minute)
	if err != nil {
		t.Fatalf("ServicesStable waiter: %v", err)
	}
	if s := stable.Services[0]; s.RunningCount != 2 || len(s.Deployments) != 1 {
		t.Errorf("stable service: running %d, %d deployments", s.RunningCount, len(s.Deployments))
	}
	_, err = e.DescribeServices(c, &awsecs.DescribeServicesInput{Cluster: aws.String("ghost"), Services: []string{"api-svc"}})
	apiErr(t, "DescribeServices in a missing cluster", err, "ClusterNotFoundException", "Cluster not found.")
	lsvc := ok[*awsecs.ListServicesOutput](t, "ListServices")(e.ListServices(c, &awsecs.ListServicesInput{Cluster: aws.String("api")}))
	if !slices.Equal(lsvc.ServiceArns, []string{serviceARN}) {
		t.Errorf("ListServices = %v; want %s", lsvc.ServiceArns, serviceARN)
	}
	_, err = e.ListServices(c, &awsecs.ListServicesInput{Cluster: aws.String("api"), NextToken: aws.String("bogus")})
	apiErr(t, "ListServices with a bad token", err, "InvalidParameterException", "nextToken")
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: aws.String("api"), Service: aws.String("api-svc"), DesiredCount: aws.Int32(1)}))
	_, err = e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: aws.String("api"), Service: aws.String("ghost"), DesiredCount: aws.Int32(1)})
	apiErr(t, "UpdateService of a missing service", err, "ServiceNotFoundException", "Service not found.")
	_, err = e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: aws.String("api"), Service: aws.String("api-svc")})
	apiErr(t, "DeleteService scaled above 0", err, "InvalidParameterException", "The service cannot be stopped while it is scaled above 0.")

	// Container instances, attributes and placement (more in
	// placement_test.go).
	ciCluster := aws.String("api-ci")
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster api-ci")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: ciCluster}))
	reg1 := ok[*awsecs.RegisterContainerInstanceOutput](t, "RegisterContainerInstance")(e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
		Cluster: ciCluster, TotalResources: resources(1024, 512, "22"), Attributes: attrs("ecs.availability-zone", "us-east-1b"),
		VersionInfo: &types.VersionInfo{AgentVersion: aws.String("1.80.0")},
	}))
	instanceARN := aws.ToString(reg1.ContainerInstance.ContainerInstanceArn)
	_, err = e.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{Cluster: ciCluster, TotalResources: resources(1024, 0)})
	apiErr(t, "RegisterContainerInstance without memory", err, "InvalidParameterException", "MEMORY")
	dci := ok[*awsecs.DescribeContainerInstancesOutput](t, "DescribeContainerInstances")(e.DescribeContainerInstances(c, &awsecs.DescribeContainerInstancesInput{
		Cluster: ciCluster, ContainerInstances: []string{instanceARN, "ghost"},
		Include: []types.ContainerInstanceField{types.ContainerInstanceFieldTags, types.ContainerInstanceFieldContainerInstanceHealth},
	}))
	if len(dci.ContainerInstances) != 1 || dci.ContainerInstances[0].HealthStatus == nil || len(dci.Failures) != 1 {
		t.Errorf("DescribeContainerInstances = %+v", dci)
	}
	_, err = e.DescribeContainerInstances(c, &awsecs.DescribeContainerInstancesInput{Cluster: aws.String("ghost"), ContainerInstances: []string{instanceARN}})
	apiErr(t, "DescribeContainerInstances in a missing cluster", err, "ClusterNotFoundException", "Cluster not found.")
	lci := ok[*awsecs.ListContainerInstancesOutput](t, "ListContainerInstances")(e.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{
		Cluster: ciCluster, Filter: aws.String("attribute:ecs.availability-zone == us-east-1b"),
	}))
	if !slices.Equal(lci.ContainerInstanceArns, []string{instanceARN}) {
		t.Errorf("ListContainerInstances = %v", lci.ContainerInstanceArns)
	}
	_, err = e.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{Cluster: ciCluster, Filter: aws.String("attribute:")})
	apiErr(t, "ListContainerInstances with a bad filter", err, "InvalidParameterException", "Invalid filter")
	ok[*awsecs.PutAttributesOutput](t, "PutAttributes")(e.PutAttributes(c, &awsecs.PutAttributesInput{Cluster: ciCluster,
		Attributes: []types.Attribute{{Name: aws.String("stack"), Value: aws.String("blue"), TargetId: aws.String(instanceARN)}}}))
	_, err = e.PutAttributes(c, &awsecs.PutAttributesInput{Cluster: ciCluster, Attributes: []types.Attribute{{Name: aws.String("x"), TargetId: aws.String(instanceARN + "0")}}})
	apiErr(t, "PutAttributes on a missing instance", err, "TargetNotFoundException", "Could not find target")
	la := ok[*awsecs.ListAttributesOutput](t, "ListAttributes")(e.ListAttributes(c, &awsecs.ListAttributesInput{Cluster: ciCluster,
		TargetType: types.TargetTypeContainerInstance, AttributeName: aws.String("stack")}))
	if len(la.Attributes) != 1 {
		t.Errorf("ListAttributes = %+v", la.Attributes)
	}
	_, err = e.ListAttributes(c, &awsecs.ListAttributesInput{Cluster: ciCluster, TargetType: types.TargetTypeContainerInstance, AttributeValue: aws.String("blue")})
	apiErr(t, "ListAttributes by value without a name", err, "InvalidParameterException", "attributeName")
	placed := ok[*awsecs.RunTaskOutput](t, "RunTask placed")(e.RunTask(c, &awsecs.RunTaskInput{Cluster: ciCluster, TaskDefinition: aws.String("api-serve"), Count: aws.Int32(2),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:stack == blue")}},
		PlacementStrategy:    []types.PlacementStrategy{{Type: types.PlacementStrategyTypeBinpack, Field: aws.String("memory")}}}))
	if len(placed.Tasks) != 2 || aws.ToString(placed.Tasks[0].ContainerInstanceArn) != instanceARN || aws.ToString(placed.Tasks[0].AvailabilityZone) != "us-east-1b" {
		t.Errorf("RunTask on the instance = %+v, failures %+v", placed.Tasks, placed.Failures)
	}
	_, err = e.DeregisterContainerInstance(c, &awsecs.DeregisterContainerInstanceInput{Cluster: ciCluster, ContainerInstance: aws.String(instanceARN)})
	apiErr(t, "DeregisterContainerInstance with tasks", err, "InvalidParameterException", "Found running tasks on the instance.")
	ucs := ok[*awsecs.UpdateContainerInstancesStateOutput](t, "UpdateContainerInstancesState")(e.UpdateContainerInstancesState(c, &awsecs.UpdateContainerInstancesStateInput{
		Cluster: ciCluster, ContainerInstances: []string{instanceARN}, Status: types.ContainerInstanceStatusDraining}))
	if len(ucs.ContainerInstances) != 1 || aws.ToString(ucs.ContainerInstances[0].Status) != "DRAINING" {
		t.Errorf("UpdateContainerInstancesState = %+v", ucs)
	}
	_, err = e.UpdateContainerInstancesState(c, &awsecs.UpdateContainerInstancesStateInput{Cluster: ciCluster, ContainerInstances: []string{instanceARN}, Status: types.ContainerInstanceStatusDeregistering})
	apiErr(t, "UpdateContainerInstancesState to DEREGISTERING", err, "InvalidParameterException", "ACTIVE or DRAINING")
	ok[*awsecs.DeleteAttributesOutput](t, "DeleteAttributes")(e.DeleteAttributes(c, &awsecs.DeleteAttributesInput{Cluster: ciCluster,
		Attributes: []types.Attribute{{Name: aws.String("stack"), TargetId: aws.String(instanceARN)}}}))
	_, err = e.DeleteAttributes(c, &awsecs.DeleteAttributesInput{Cluster: ciCluster, Attributes: []types.Attribute{{Name: aws.String("ecs.os-type"), TargetId: aws.String(instanceARN)}}})
	apiErr(t, "DeleteAttributes of a built-in attribute", err, "InvalidParameterException", "built in")

	// Tags on every kind.
	for _, arn := range []string{clusterARN, defARN, arns[0], instanceARN, serviceARN} {
		ok[*awsecs.TagResourceOutput](t, "TagResource")(e.TagResource(c, &awsecs.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))
		ok[*awsecs.UntagResourceOutput](t, "UntagResource")(e.UntagResource(c, &awsecs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team", "owner", "run"}}))
		lt := ok[*awsecs.ListTagsForResourceOutput](t, "ListTagsForResource")(e.ListTagsForResource(c, &awsecs.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
		if len(lt.Tags) != 1 || aws.ToString(lt.Tags[0].Key) != "env" {
			t.Errorf("tags of %s = %+v; want only env", arn, lt.Tags)
		}
	}
	_, err = e.TagResource(c, &awsecs.TagResourceInput{ResourceArn: aws.String("arn:aws:ecs:us-east-1:000000000000:task/api/0123"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	apiErr(t, "TagResource of a missing task", err, "ResourceNotFoundException", "does not exist")
	_, err = e.UntagResource(c, &awsecs.UntagResourceInput{ResourceArn: aws.String("not-an-arn"), TagKeys: []string{"a"}})
	apiErr(t, "UntagResource of a bad ARN", err, "InvalidParameterException", "The ARN provided is invalid")
	_, err = e.ListTagsForResource(c, &awsecs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecs:us-east-1:000000000000:cluster/ghost")})
	apiErr(t, "ListTagsForResource of a missing cluster", err, "ClusterNotFoundException", "Cluster not found.")
	dsvc := ok[*awsecs.DeleteServiceOutput](t, "DeleteService")(e.DeleteService(c, &awsecs.DeleteServiceInput{Cluster: aws.String("api"), Service: aws.String("api-svc"), Force: aws.Bool(true)}))
	if aws.ToString(dsvc.Service.Status) != "DRAINING" {
		t.Errorf("DeleteService status = %s", aws.ToString(dsvc.Service.Status))
	}
	if err := awsecs.NewServicesInactiveWaiter(e, func(o *awsecs.ServicesInactiveWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).Wait(c, &awsecs.DescribeServicesInput{Cluster: aws.String("api"), Services: []string{"api-svc"}}, time.Minute); err != nil {
		t.Fatalf("ServicesInactive waiter: %v", err)
	}
	dereg := ok[*awsecs.DeregisterContainerInstanceOutput](t, "DeregisterContainerInstance")(e.DeregisterContainerInstance(c, &awsecs.DeregisterContainerInstanceInput{
		Cluster: ciCluster, ContainerInstance: aws.String(instanceARN), Force: aws.Bool(true)}))
	if aws.ToString(dereg.ContainerInstance.Status) != "INACTIVE" {
		t.Errorf("DeregisterContainerInstance = %+v", dereg.ContainerInstance)
	}

	// Deregister and delete revisions.
	dr := ok[*awsecs.DeregisterTaskDefinitionOutput](t, "DeregisterTaskDefinition")(e.DeregisterTaskDefinition(c, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api:1")}))
	if dr.TaskDefinition.Status != types.TaskDefinitionStatusInactive || dr.TaskDefinition.DeregisteredAt == nil {
		t.Errorf("DeregisterTaskDefinition = %+v", dr.TaskDefinition)
	}
	_, err = e.DeregisterTaskDefinition(c, &awsecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String("api")})
	apiErr(t, "DeregisterTaskDefinition without a revision", err, "InvalidParameterException", "revision")
	del := ok[*awsecs.DeleteTaskDefinitionsOutput](t, "DeleteTaskDefinitions")(e.DeleteTaskDefinitions(c, &awsecs.DeleteTaskDefinitionsInput{TaskDefinitions: []string{"api:1", "api-serve:1"}}))
	if len(del.TaskDefinitions) != 1 || del.TaskDefinitions[0].Status != types.TaskDefinitionStatusDeleteInProgress ||
		len(del.Failures) != 1 || !strings.Contains(aws.ToString(del.Failures[0].Reason), "ACTIVE") {
		t.Errorf("DeleteTaskDefinitions = %+v", del)
	}
	_, err = e.DeleteTaskDefinitions(c, &awsecs.DeleteTaskDefinitionsInput{TaskDefinitions: make([]string, 11)})
	apiErr(t, "DeleteTaskDefinitions of 11", err, "InvalidParameterException", "10")
	_, err = e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("api"), TaskDefinition: aws.String("api:1")})
	apiErr(t, "RunTask of a deleted revision", err, "InvalidParameterException", "inactive")

	// A deleted service is INACTIVE once its tasks are STOPPING; the
	// cluster can be deleted once they are STOPPED, as on ECS.
	if lt := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("api"), DesiredStatus: types.DesiredStatusStopped})); len(lt.TaskArns) > 0 {
		if err := awsecs.NewTasksStoppedWaiter(e, func(o *awsecs.TasksStoppedWaiterOptions) {
			o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
		}).Wait(c, &awsecs.DescribeTasksInput{Cluster: aws.String("api"), Tasks: lt.TaskArns}, time.Minute); err != nil {
			t.Fatalf("TasksStopped waiter: %v", err)
		}
	}
	dcl := ok[*awsecs.DeleteClusterOutput](t, "DeleteCluster")(e.DeleteCluster(c, &awsecs.DeleteClusterInput{Cluster: aws.String("api")}))
	if aws.ToString(dcl.Cluster.Status) != "INACTIVE" {
		t.Errorf("DeleteCluster status = %s", aws.ToString(dcl.Cluster.Status))
	}
	_, err = e.DeleteCluster(c, &awsecs.DeleteClusterInput{Cluster: aws.String("api")})
	apiErr(t, "DeleteCluster twice", err, "ClusterNotFoundException", "Cluster not found.")

	// CloudWatch Logs: the task's stream, then every operation.
	if got := h.logLines("/ecsrun/tasks", stream); !slices.Equal(got, []string{"failing now"}) {
		t.Errorf("task log = %q", got)
	}
	g, s := aws.String("/api/test"), aws.String("s")
	ok[*cwl.CreateLogGroupOutput](t, "CreateLogGroup")(l.CreateLogGroup(c, &cwl.CreateLogGroupInput{LogGroupName: g}))
	_, err = l.CreateLogGroup(c, &cwl.CreateLogGroupInput{LogGroupName: g})
	apiErr(t, "CreateLogGroup twice", err, "ResourceAlreadyExistsException", "already exists")
	ok[*cwl.CreateLogStreamOutput](t, "CreateLogStream")(l.CreateLogStream(c, &cwl.CreateLogStreamInput{LogGroupName: g, LogStreamName: s}))
	_, err = l.CreateLogStream(c, &cwl.CreateLogStreamInput{LogGroupName: aws.String("/ghost"), LogStreamName: s})
	apiErr(t, "CreateLogStream in a missing group", err, "ResourceNotFoundException", "log group does not exist")
	ts := time.Now().UnixMilli()
	ok[*cwl.PutLogEventsOutput](t, "PutLogEvents")(l.PutLogEvents(c, &cwl.PutLogEventsInput{LogGroupName: g, LogStreamName: s, LogEvents: []cwltypes.InputLogEvent{
		{Timestamp: aws.Int64(ts), Message: aws.String("one error")}, {Timestamp: aws.Int64(ts + 1), Message: aws.String("two ok")},
	}}))
	_, err = l.PutLogEvents(c, &cwl.PutLogEventsInput{LogGroupName: g, LogStreamName: aws.String("ghost"), LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(ts), Message: aws.String("x")}}})
	apiErr(t, "PutLogEvents to a missing stream", err, "ResourceNotFoundException", "log stream does not exist")
	ge := ok[*cwl.GetLogEventsOutput](t, "GetLogEvents")(l.GetLogEvents(c, &cwl.GetLogEventsInput{LogGroupName: g, LogStreamName: s, StartFromHead: aws.Bool(true)}))
	if len(ge.Events) != 2 {
		t.Errorf("GetLogEvents = %d events", len(ge.Events))
	}
	end := ok[*cwl.GetLogEventsOutput](t, "GetLogEvents at the end")(l.GetLogEvents(c, &cwl.GetLogEventsInput{LogGroupName: g, LogStreamName: s, StartFromHead: aws.Bool(true), NextToken: ge.NextForwardToken}))
	if len(end.Events) != 0 || aws.ToString(end.NextForwardToken) != aws.ToString(ge.NextForwardToken) {
		t.Errorf("GetLogEvents at the end = %d events, token %s; want none and the same token", len(end.Events), aws.ToString(end.NextForwardToken))
	}
	_, err = l.GetLogEvents(c, &cwl.GetLogEventsInput{LogGroupName: g, LogStreamName: aws.String("ghost")})
	apiErr(t, "GetLogEvents of a missing stream", err, "ResourceNotFoundException", "log stream does not exist")
	fe := ok[*cwl.FilterLogEventsOutput](t, "FilterLogEvents")(l.FilterLogEvents(c, &cwl.FilterLogEventsInput{LogGroupName: g, FilterPattern: aws.String("error")}))
	if len(fe.Events) != 1 || aws.ToString(fe.Events[0].Message) != "one error" {
		t.Errorf("FilterLogEvents error = %+v", fe.Events)
	}
	_, err = l.FilterLogEvents(c, &cwl.FilterLogEventsInput{LogGroupName: aws.String("/ghost")})
	apiErr(t, "FilterLogEvents of a missing group", err, "ResourceNotFoundException", "log group does not exist")
	ok[*cwl.PutRetentionPolicyOutput](t, "PutRetentionPolicy")(l.PutRetentionPolicy(c, &cwl.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(7)}))
	_, err = l.PutRetentionPolicy(c, &cwl.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(2)})
	apiErr(t, "PutRetentionPolicy of 2 days", err, "InvalidParameterException", "")
	dg := ok[*cwl.DescribeLogGroupsOutput](t, "DescribeLogGroups")(l.DescribeLogGroups(c, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: g}))
	if len(dg.LogGroups) != 1 || aws.ToInt32(dg.LogGroups[0].RetentionInDays) != 7 {
		t.Errorf("DescribeLogGroups = %+v", dg.LogGroups)
	}
	_, err = l.DescribeLogGroups(c, &cwl.DescribeLogGroupsInput{NextToken: aws.String("bogus")})
	apiErr(t, "DescribeLogGroups with a bad token", err, "InvalidParameterException", "nextToken")
	ok[*cwl.DeleteRetentionPolicyOutput](t, "DeleteRetentionPolicy")(l.DeleteRetentionPolicy(c, &cwl.DeleteRetentionPolicyInput{LogGroupName: g}))
	_, err = l.DeleteRetentionPolicy(c, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String("/ghost")})
	apiErr(t, "DeleteRetentionPolicy of a missing group", err, "ResourceNotFoundException", "log group does not exist")
	ds := ok[*cwl.DescribeLogStreamsOutput](t, "DescribeLogStreams")(l.DescribeLogStreams(c, &cwl.DescribeLogStreamsInput{LogGroupName: g}))
	if len(ds.LogStreams) != 1 || ds.LogStreams[0].LastEventTimestamp == nil {
		t.Errorf("DescribeLogStreams = %+v", ds.LogStreams)
	}
	_, err = l.DescribeLogStreams(c, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/ghost")})
	apiErr(t, "DescribeLogStreams of a missing group", err, "ResourceNotFoundException", "log group does not exist")
	// Metric filters, Logs Insights queries and query definitions.
	mt := []cwltypes.MetricTransformation{{MetricName: aws.String("Errors"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1")}}
	ok[*cwl.PutMetricFilterOutput](t, "PutMetricFilter")(l.PutMetricFilter(c, &cwl.PutMetricFilterInput{LogGroupName: g, FilterName: aws.String("errors"), FilterPattern: aws.String("error"), MetricTransformations: mt}))
	_, err = l.PutMetricFilter(c, &cwl.PutMetricFilterInput{LogGroupName: g, FilterName: aws.String("bad"), FilterPattern: aws.String("{ $.x = }"), MetricTransformations: mt})
	apiErr(t, "PutMetricFilter with a bad pattern", err, "InvalidParameterException", "Invalid metric filter pattern")
	dmf := ok[*cwl.DescribeMetricFiltersOutput](t, "DescribeMetricFilters")(l.DescribeMetricFilters(c, &cwl.DescribeMetricFiltersInput{LogGroupName: g}))
	if len(dmf.MetricFilters) != 1 {
		t.Errorf("DescribeMetricFilters = %+v", dmf.MetricFilters)
	}
	_, err = l.DescribeMetricFilters(c, &cwl.DescribeMetricFiltersInput{LogGroupName: aws.String("/ghost")})
	apiErr(t, "DescribeMetricFilters of a missing group", err, "ResourceNotFoundException", "log group does not exist")
	tmf := ok[*cwl.TestMetricFilterOutput](t, "TestMetricFilter")(l.TestMetricFilter(c, &cwl.TestMetricFilterInput{FilterPattern: aws.String("[a, b=2]"), LogEventMessages: []string{"1 2", "1 3"}}))
	if len(tmf.Matches) != 1 || tmf.Matches[0].ExtractedValues["$a"] != "1" {
		t.Errorf("TestMetricFilter = %+v", tmf.Matches)
	}
	_, err = l.TestMetricFilter(c, &cwl.TestMetricFilterInput{FilterPattern: aws.String("[a"), LogEventMessages: []string{"x"}})
	apiErr(t, "TestMetricFilter with a bad pattern", err, "InvalidParameterException", "Invalid metric filter pattern")
	ok[*cwl.DeleteMetricFilterOutput](t, "DeleteMetricFilter")(l.DeleteMetricFilter(c, &cwl.DeleteMetricFilterInput{LogGroupName: g, FilterName: aws.String("errors")}))
	_, err = l.DeleteMetricFilter(c, &cwl.DeleteMetricFilterInput{LogGroupName: g, FilterName: aws.String("errors")})
	apiErr(t, "DeleteMetricFilter twice", err, "ResourceNotFoundException", "metric filter does not exist")
	sq := ok[*cwl.StartQueryOutput](t, "StartQuery")(l.StartQuery(c, &cwl.StartQueryInput{LogGroupName: g, StartTime: aws.Int64(ts/1000 - 60), EndTime: aws.Int64(ts/1000 + 60), QueryString: aws.String("filter @message like 'error' | stats count(*) as n")}))
	_, err = l.StartQuery(c, &cwl.StartQueryInput{LogGroupName: g, StartTime: aws.Int64(0), EndTime: aws.Int64(1), QueryString: aws.String("stats nope()")})
	apiErr(t, "StartQuery of a malformed query", err, "MalformedQueryException", "")
	var qr *cwl.GetQueryResultsOutput
	for deadline := time.Now().Add(20 * time.Second); ; {
		qr = ok[*cwl.GetQueryResultsOutput](t, "GetQueryResults")(l.GetQueryResults(c, &cwl.GetQueryResultsInput{QueryId: sq.QueryId}))
		if qr.Status == cwltypes.QueryStatusComplete || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if qr.Status != cwltypes.QueryStatusComplete || len(qr.Results) != 1 || aws.ToString(qr.Results[0][0].Value) != "1" {
		t.Errorf("GetQueryResults = %s %+v", qr.Status, qr.Results)
	}
	_, err = l.GetQueryResults(c, &cwl.GetQueryResultsInput{QueryId: aws.String("ghost")})
	apiErr(t, "GetQueryResults of a missing query", err, "ResourceNotFoundException", "")
	// GetLogRecord reads the event behind a result row's @ptr.
	pq := ok[*cwl.StartQueryOutput](t, "StartQuery")(l.StartQuery(c, &cwl.StartQueryInput{LogGroupName: g, StartTime: aws.Int64(ts/1000 - 60), EndTime: aws.Int64(ts/1000 + 60), QueryString: aws.String("fields @message | filter @message like 'error' | limit 1")}))
	var ptr string
	for deadline := time.Now().Add(20 * time.Second); ptr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		pr := ok[*cwl.GetQueryResultsOutput](t, "GetQueryResults")(l.GetQueryResults(c, &cwl.GetQueryResultsInput{QueryId: pq.QueryId}))
		if pr.Status != cwltypes.QueryStatusComplete {
			continue
		}
		for _, row := range pr.Results {
			for _, f := range row {
				if aws.ToString(f.Field) == "@ptr" {
					ptr = aws.ToString(f.Value)
				}
			}
		}
		if ptr == "" {
			t.Fatalf("GetQueryResults: no @ptr in %+v", pr.Results)
		}
	}
	rec := ok[*cwl.GetLogRecordOutput](t, "GetLogRecord")(l.GetLogRecord(c, &cwl.GetLogRecordInput{LogRecordPointer: aws.String(ptr)}))
	if !strings.Contains(rec.LogRecord["@message"], "error") {
		t.Errorf("GetLogRecord = %v", rec.LogRecord)
	}
	_, err = l.GetLogRecord(c, &cwl.GetLogRecordInput{LogRecordPointer: aws.String("not-a-pointer")})
	apiErr(t, "GetLogRecord of a malformed pointer", err, "InvalidParameterException", "")
	ok[*cwl.StopQueryOutput](t, "StopQuery")(l.StopQuery(c, &cwl.StopQueryInput{QueryId: sq.QueryId}))
	_, err = l.StopQuery(c, &cwl.StopQueryInput{QueryId: aws.String("ghost")})
	apiErr(t, "StopQuery of a missing query", err, "ResourceNotFoundException", "")
	ok[*cwl.DescribeQueriesOutput](t, "DescribeQueries")(l.DescribeQueries(c, &cwl.DescribeQueriesInput{LogGroupName: g}))
	_, err = l.DescribeQueries(c, &cwl.DescribeQueriesInput{NextToken: aws.String("bogus")})
	apiErr(t, "DescribeQueries with a bad token", err, "InvalidParameterException", "nextToken")
	ok[*cwl.ListLogGroupsForQueryOutput](t, "ListLogGroupsForQuery")(l.ListLogGroupsForQuery(c, &cwl.ListLogGroupsForQueryInput{QueryId: sq.QueryId}))
	_, err = l.ListLogGroupsForQuery(c, &cwl.ListLogGroupsForQueryInput{QueryId: aws.String("ghost")})
	apiErr(t, "ListLogGroupsForQuery of a missing query", err, "ResourceNotFoundException", "")
	ok[*cwl.GetLogGroupFieldsOutput](t, "GetLogGroupFields")(l.GetLogGroupFields(c, &cwl.GetLogGroupFieldsInput{LogGroupName: g}))
	_, err = l.GetLogGroupFields(c, &cwl.GetLogGroupFieldsInput{LogGroupName: aws.String("/ghost")})
	apiErr(t, "GetLogGroupFields of a missing group", err, "ResourceNotFoundException", "log group does not exist")
	pqd := ok[*cwl.PutQueryDefinitionOutput](t, "PutQueryDefinition")(l.PutQueryDefinition(c, &cwl.PutQueryDefinitionInput{Name: aws.String("errors"), QueryString: aws.String("filter @message like 'error'")}))
	_, err = l.PutQueryDefinition(c, &cwl.PutQueryDefinitionInput{QueryDefinitionId: aws.String("ghost"), Name: aws.String("x"), QueryString: aws.String("fields @message")})
	apiErr(t, "PutQueryDefinition of a missing definition", err, "ResourceNotFoundException", "")
	ok[*cwl.DescribeQueryDefinitionsOutput](t, "DescribeQueryDefinitions")(l.DescribeQueryDefinitions(c, &cwl.DescribeQueryDefinitionsInput{}))
	_, err = l.DescribeQueryDefinitions(c, &cwl.DescribeQueryDefinitionsInput{NextToken: aws.String("bogus!")})
	apiErr(t, "DescribeQueryDefinitions with a bad token", err, "InvalidParameterException", "nextToken")
	ok[*cwl.DeleteQueryDefinitionOutput](t, "DeleteQueryDefinition")(l.DeleteQueryDefinition(c, &cwl.DeleteQueryDefinitionInput{QueryDefinitionId: pqd.QueryDefinitionId}))
	_, err = l.DeleteQueryDefinition(c, &cwl.DeleteQueryDefinitionInput{QueryDefinitionId: pqd.QueryDefinitionId})
	apiErr(t, "DeleteQueryDefinition twice", err, "ResourceNotFoundException", "")
	ok[*cwl.PutIndexPolicyOutput](t, "PutIndexPolicy")(l.PutIndexPolicy(c, &cwl.PutIndexPolicyInput{LogGroupIdentifier: g, PolicyDocument: aws.String(`{"Fields":["requestId"]}`)}))
	_, err = l.PutIndexPolicy(c, &cwl.PutIndexPolicyInput{LogGroupIdentifier: g, PolicyDocument: aws.String(`{}`)})
	apiErr(t, "PutIndexPolicy without fields", err, "InvalidParameterException", "at least one field")
	ok[*cwl.DescribeIndexPoliciesOutput](t, "DescribeIndexPolicies")(l.DescribeIndexPolicies(c, &cwl.DescribeIndexPoliciesInput{LogGroupIdentifiers: []string{*g}}))
	_, err = l.DescribeIndexPolicies(c, &cwl.DescribeIndexPoliciesInput{LogGroupIdentifiers: []string{"/ghost"}})
	apiErr(t, "DescribeIndexPolicies of a missing group", err, "ResourceNotFoundException", "log group does not exist")
	ok[*cwl.DescribeFieldIndexesOutput](t, "DescribeFieldIndexes")(l.DescribeFieldIndexes(c, &cwl.DescribeFieldIndexesInput{LogGroupIdentifiers: []string{*g}}))
	_, err = l.DescribeFieldIndexes(c, &cwl.DescribeFieldIndexesInput{LogGroupIdentifiers: []string{"/ghost"}})
	apiErr(t, "DescribeFieldIndexes of a missing group", err, "ResourceNotFoundException", "log group does not exist")
	ok[*cwl.DeleteIndexPolicyOutput](t, "DeleteIndexPolicy")(l.DeleteIndexPolicy(c, &cwl.DeleteIndexPolicyInput{LogGroupIdentifier: g}))
	_, err = l.DeleteIndexPolicy(c, &cwl.DeleteIndexPolicyInput{LogGroupIdentifier: g})
	apiErr(t, "DeleteIndexPolicy twice", err, "ResourceNotFoundException", "no index policy")
	sched := &cwl.CreateScheduledQueryInput{Name: aws.String("hourly"), QueryLanguage: cwltypes.QueryLanguageCwli, QueryString: aws.String("stats count(*)"),
		LogGroupIdentifiers: []string{*g}, ScheduleExpression: aws.String("rate(1 hour)"), ExecutionRoleArn: aws.String("arn:aws:iam::000000000000:role/logs")}
	ok[*cwl.CreateScheduledQueryOutput](t, "CreateScheduledQuery")(l.CreateScheduledQuery(c, sched))
	_, err = l.CreateScheduledQuery(c, sched)
	apiErr(t, "CreateScheduledQuery twice", err, "ConflictException", "already exists")
	ok[*cwl.GetScheduledQueryOutput](t, "GetScheduledQuery")(l.GetScheduledQuery(c, &cwl.GetScheduledQueryInput{Identifier: aws.String("hourly")}))
	_, err = l.GetScheduledQuery(c, &cwl.GetScheduledQueryInput{Identifier: aws.String("ghost")})
	apiErr(t, "GetScheduledQuery of a missing query", err, "ResourceNotFoundException", "ghost")
	ok[*cwl.UpdateScheduledQueryOutput](t, "UpdateScheduledQuery")(l.UpdateScheduledQuery(c, &cwl.UpdateScheduledQueryInput{Identifier: aws.String("hourly"), QueryLanguage: cwltypes.QueryLanguageCwli,
		QueryString: aws.String("stats count(*) as n"), LogGroupIdentifiers: []string{*g}, ScheduleExpression: aws.String("cron(0 * * * ? *)"), ExecutionRoleArn: sched.ExecutionRoleArn}))
	_, err = l.UpdateScheduledQuery(c, &cwl.UpdateScheduledQueryInput{Identifier: aws.String("hourly"), QueryLanguage: cwltypes.QueryLanguageCwli,
		QueryString: aws.String("stats count(*)"), LogGroupIdentifiers: []string{*g}, ScheduleExpression: aws.String("sometimes"), ExecutionRoleArn: sched.ExecutionRoleArn})
	apiErr(t, "UpdateScheduledQuery with a bad schedule", err, "ValidationException", "scheduleExpression")
	ok[*cwl.ListScheduledQueriesOutput](t, "ListScheduledQueries")(l.ListScheduledQueries(c, &cwl.ListScheduledQueriesInput{}))
	_, err = l.ListScheduledQueries(c, &cwl.ListScheduledQueriesInput{MaxResults: aws.Int32(5000)})
	apiErr(t, "ListScheduledQueries of 5000", err, "InvalidParameterException", "maxResults")
	ok[*cwl.GetScheduledQueryHistoryOutput](t, "GetScheduledQueryHistory")(l.GetScheduledQueryHistory(c, &cwl.GetScheduledQueryHistoryInput{Identifier: aws.String("hourly"), StartTime: aws.Int64(0), EndTime: aws.Int64(ts)}))
	_, err = l.GetScheduledQueryHistory(c, &cwl.GetScheduledQueryHistoryInput{Identifier: aws.String("ghost"), StartTime: aws.Int64(0), EndTime: aws.Int64(ts)})
	apiErr(t, "GetScheduledQueryHistory of a missing query", err, "ResourceNotFoundException", "ghost")
	ok[*cwl.DeleteScheduledQueryOutput](t, "DeleteScheduledQuery")(l.DeleteScheduledQuery(c, &cwl.DeleteScheduledQueryInput{Identifier: aws.String("hourly")}))
	_, err = l.DeleteScheduledQuery(c, &cwl.DeleteScheduledQueryInput{Identifier: aws.String("hourly")})
	apiErr(t, "DeleteScheduledQuery twice", err, "ResourceNotFoundException", "hourly")
	ok[*cwl.DeleteLogStreamOutput](t, "DeleteLogStream")(l.DeleteLogStream(c, &cwl.DeleteLogStreamInput{LogGroupName: g, LogStreamName: s}))
	_, err = l.DeleteLogStream(c, &cwl.DeleteLogStreamInput{LogGroupName: g, LogStreamName: s})
	apiErr(t, "DeleteLogStream twice", err, "ResourceNotFoundException", "log stream does not exist")
	ok[*cwl.DeleteLogGroupOutput](t, "DeleteLogGroup")(l.DeleteLogGroup(c, &cwl.DeleteLogGroupInput{LogGroupName: g}))
	_, err = l.DeleteLogGroup(c, &cwl.DeleteLogGroupInput{LogGroupName: g})
	apiErr(t, "DeleteLogGroup twice", err, "ResourceNotFoundException", "log group does not exist")
	exerciseLogsResources(t, h)

	// Capacity providers (see capacity_test.go for their semantics).
	cp := ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("api-cp"), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("api-asg")}}))
	_, err = e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{Name: aws.String("aws-cp"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("api-asg")}})
	apiErr(t, "CreateCapacityProvider with a reserved name", err, "InvalidParameterException", "prefixed")
	ok[*awsecs.UpdateCapacityProviderOutput](t, "UpdateCapacityProvider")(e.UpdateCapacityProvider(c, &awsecs.UpdateCapacityProviderInput{
		Name: aws.String("api-cp"), AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{ManagedDraining: types.ManagedDrainingDisabled}}))
	_, err = e.UpdateCapacityProvider(c, &awsecs.UpdateCapacityProviderInput{Name: aws.String("ghost"), AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{}})
	apiErr(t, "UpdateCapacityProvider of a missing provider", err, "InvalidParameterException", "does not exist")
	dcp := ok[*awsecs.DescribeCapacityProvidersOutput](t, "DescribeCapacityProviders")(e.DescribeCapacityProviders(c, &awsecs.DescribeCapacityProvidersInput{}))
	if len(dcp.CapacityProviders) != 3 {
		t.Errorf("DescribeCapacityProviders = %+v", dcp.CapacityProviders)
	}
	_, err = e.DescribeCapacityProviders(c, &awsecs.DescribeCapacityProvidersInput{NextToken: aws.String("bogus")})
	apiErr(t, "DescribeCapacityProviders with a bad token", err, "InvalidParameterException", "nextToken")
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster api-capacity")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("api-capacity")}))
	ok[*awsecs.PutClusterCapacityProvidersOutput](t, "PutClusterCapacityProviders")(e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{
		Cluster: aws.String("api-capacity"), CapacityProviders: []string{"FARGATE"}, DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}}))
	_, err = e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{Cluster: aws.String("api-capacity"), CapacityProviders: []string{"ghost"},
		DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}})
	apiErr(t, "PutClusterCapacityProviders with a missing provider", err, "InvalidParameterException", "ghost")
	dcpOut := ok[*awsecs.DeleteCapacityProviderOutput](t, "DeleteCapacityProvider")(e.DeleteCapacityProvider(c, &awsecs.DeleteCapacityProviderInput{CapacityProvider: cp.CapacityProvider.CapacityProviderArn}))
	if dcpOut.CapacityProvider.UpdateStatus != types.CapacityProviderUpdateStatusDeleteInProgress {
		t.Errorf("DeleteCapacityProvider = %+v", dcpOut.CapacityProvider)
	}
	_, err = e.DeleteCapacityProvider(c, &awsecs.DeleteCapacityProviderInput{CapacityProvider: aws.String("api-cp")})
	apiErr(t, "DeleteCapacityProvider twice", err, "InvalidParameterException", "does not exist")
	exerciseDaemons(t, h)

	everyDeployOperation(t, h)

	// Account settings, cluster updates, StartTask and the agent's
	// operations (agentops_test.go).
	everyAPIOperation(t, h)

	// Walk the ECS and Logs operation tables: every implemented operation
	// answered both ways, and the checker saw (and checked) each answer. The
	// Step Functions operations have their own tests (internal/sfnapi).
	if check == nil {
		t.Log("the service models are absent: answers were not checked")
		return
	}
	seen := check.Seen()
	for _, svc := range h.eng.Handler().(*awsjson.Server).Services() {
		if svc.TargetPrefix != ecsmodel.TargetPrefix && svc.TargetPrefix != logsmodel.TargetPrefix {
			continue
		}
		for op := range svc.Handlers {
			n := seen[svc.TargetPrefix+"."+op]
			if n.OK == 0 && n.Errors > 0 && neverSucceeds[op] != "" {
				continue
			}
			if n.OK == 0 || n.Errors == 0 {
				t.Errorf("%s.%s answered %d times with success and %d with an error; want both paths tested", svc.TargetPrefix, op, n.OK, n.Errors)
			}
		}
	}
	if t.Failed() {
		t.Logf("operations seen: %v", fmt.Sprint(seen))
	}
}
