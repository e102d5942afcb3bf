package engine

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// capEnv is an engine on the fake runtime with Auto Scaling groups
// declared, a clock the test moves, and the scaling loop stepped by the
// test.
type capEnv struct {
	h     *harness
	rt    *fake.Runtime
	cfg   *serveconfig.Config
	steps chan chan struct{}

	mu  sync.Mutex
	off time.Duration
}

const capConfig = `
autoScalingGroups:
  - name: asg-a
    minSize: 0
    maxSize: 3
    cpu: 1024
    memory: 2048
    availabilityZones: [us-east-1a, us-east-1b]
  - name: asg-b
    maxSize: 2
    instanceType: t3.small
`

func newCapEnv(t *testing.T) *capEnv {
	t.Helper()
	cfg, err := serveconfig.Parse([]byte(capConfig))
	if err != nil {
		t.Fatal(err)
	}
	env := &capEnv{h: &harness{t: t, dir: stateDir(t)}, rt: fake.New(), cfg: cfg, steps: make(chan chan struct{})}
	env.h.rt = env.rt
	env.rt.OnCommand("serve", fake.RunsUntilStopped("serving"))
	env.open()
	t.Cleanup(func() { env.h.eng.Close() })
	return env
}

func (env *capEnv) now() time.Time {
	env.mu.Lock()
	defer env.mu.Unlock()
	return time.Now().Add(env.off)
}

func (env *capEnv) advance(d time.Duration) {
	env.mu.Lock()
	env.off += d
	env.mu.Unlock()
}

func (env *capEnv) open() {
	env.h.t.Helper()
	eng, err := Open(context.Background(), Options{StateDir: env.h.dir, Runtime: env.rt, NoHostInstance: true, Config: env.cfg, Now: env.now, ScalingSteps: env.steps})
	if err != nil {
		env.h.t.Fatal(err)
	}
	env.h.connect(eng)
}

// step runs one step of the scaling loop and returns once it is done.
func (env *capEnv) step() {
	env.h.t.Helper()
	done := make(chan struct{})
	select {
	case env.steps <- done:
	case <-ctx(env.h.t).Done():
		env.h.t.Fatal("the scaling loop does not take steps")
	}
	select {
	case <-done:
	case <-ctx(env.h.t).Done():
		env.h.t.Fatal("the scaling step did not end")
	}
}

// eventually polls cond until it holds or the test's deadline passes.
func (env *capEnv) eventually(what string, cond func() bool) {
	env.h.t.Helper()
	cx := ctx(env.h.t)
	for !cond() {
		select {
		case <-cx.Done():
			env.h.t.Fatalf("timed out waiting: %s", what)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func strategy(items ...any) []types.CapacityProviderStrategyItem {
	var out []types.CapacityProviderStrategyItem
	for i := 0; i < len(items); i += 3 {
		out = append(out, types.CapacityProviderStrategyItem{CapacityProvider: aws.String(items[i].(string)), Base: int32(items[i+1].(int)), Weight: int32(items[i+2].(int))})
	}
	return out
}

func TestCapacityProviders_CreateDescribeUpdateDelete(t *testing.T) {
	env := newCapEnv(t)
	e, c := env.h.ecs, ctx(t)

	all := func(include ...types.CapacityProviderField) []types.CapacityProvider {
		var out []types.CapacityProvider
		var token *string
		for {
			page := ok[*awsecs.DescribeCapacityProvidersOutput](t, "DescribeCapacityProviders")(e.DescribeCapacityProviders(c, &awsecs.DescribeCapacityProvidersInput{MaxResults: aws.Int32(1), NextToken: token, Include: include}))
			out = append(out, page.CapacityProviders...)
			if page.NextToken == nil {
				return out
			}
			token = page.NextToken
		}
	}
	names := func(cps []types.CapacityProvider) []string {
		var out []string
		for _, p := range cps {
			out = append(out, aws.ToString(p.Name)+"/"+string(p.Status))
		}
		return out
	}
	if got := names(all()); !slices.Equal(got, []string{"FARGATE/ACTIVE", "FARGATE_SPOT/ACTIVE"}) {
		t.Fatalf("a fresh engine describes %v; want FARGATE and FARGATE_SPOT", got)
	}
	fg := all()[0]
	if fg.Type != types.CapacityProviderTypeFargate || aws.ToString(fg.CapacityProviderArn) != "arn:aws:ecs:us-east-1:000000000000:capacity-provider/FARGATE" {
		t.Errorf("FARGATE = %+v", fg)
	}

	created := ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("cp-a"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-a"),
			ManagedScaling: &types.ManagedScaling{Status: types.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(90)}},
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("infra")}},
	})).CapacityProvider
	asg := created.AutoScalingGroupProvider
	if created.Status != types.CapacityProviderStatusActive || created.Type != types.CapacityProviderTypeEc2Autoscaling ||
		!strings.HasPrefix(aws.ToString(asg.AutoScalingGroupArn), "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:") ||
		!strings.HasSuffix(aws.ToString(asg.AutoScalingGroupArn), ":autoScalingGroupName/asg-a") ||
		aws.ToInt32(asg.ManagedScaling.TargetCapacity) != 90 || aws.ToInt32(asg.ManagedScaling.MinimumScalingStepSize) != 1 ||
		aws.ToInt32(asg.ManagedScaling.MaximumScalingStepSize) != 10000 || aws.ToInt32(asg.ManagedScaling.InstanceWarmupPeriod) != 300 ||
		asg.ManagedTerminationProtection != types.ManagedTerminationProtectionDisabled || asg.ManagedDraining != types.ManagedDrainingEnabled {
		t.Errorf("CreateCapacityProvider = %+v, group %+v, scaling %+v", created, asg, asg.ManagedScaling)
	}
	groupARN := aws.ToString(asg.AutoScalingGroupArn)

	for _, tc := range []struct {
		what, name, group string
		code, msg         string
	}{
		{"twice", "cp-a", "asg-b", "ClientException", "already exists"},
		{"reserved prefix", "ecs-mine", "asg-b", "InvalidParameterException", `cannot be prefixed with "aws", "ecs", or "fargate"`},
		{"an undeclared group", "cp-z", "nope", "ClientException", "autoScalingGroups"},
		{"a group another provider has", "cp-a2", groupARN, "ClientException", "already being used by another capacity provider"},
	} {
		_, err := e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{Name: aws.String(tc.name),
			AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String(tc.group)}})
		apiErr(t, "CreateCapacityProvider "+tc.what, err, tc.code, tc.msg)
	}
	_, err := e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{Name: aws.String("cp-p"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-b"), ManagedTerminationProtection: types.ManagedTerminationProtectionEnabled}})
	apiErr(t, "CreateCapacityProvider termination protection without managed scaling", err, "InvalidParameterException", "managed scaling must also be enabled")

	b := ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider cp-b")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("cp-b"), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-b")}})).CapacityProvider
	if b.AutoScalingGroupProvider.ManagedScaling.Status != types.ManagedScalingStatusDisabled {
		t.Errorf("cp-b managed scaling = %+v; want DISABLED when not given", b.AutoScalingGroupProvider.ManagedScaling)
	}
	if got := names(all()); !slices.Equal(got, []string{"FARGATE/ACTIVE", "FARGATE_SPOT/ACTIVE", "cp-a/ACTIVE", "cp-b/ACTIVE"}) {
		t.Errorf("paging one at a time: %v", got)
	}
	d := ok[*awsecs.DescribeCapacityProvidersOutput](t, "DescribeCapacityProviders by name and ARN")(e.DescribeCapacityProviders(c, &awsecs.DescribeCapacityProvidersInput{
		CapacityProviders: []string{aws.ToString(created.CapacityProviderArn), "FARGATE_SPOT", "missing"}, Include: []types.CapacityProviderField{types.CapacityProviderFieldTags}}))
	if len(d.CapacityProviders) != 2 || len(d.CapacityProviders[0].Tags) != 1 || aws.ToString(d.CapacityProviders[0].Tags[0].Value) != "infra" ||
		len(d.Failures) != 1 || aws.ToString(d.Failures[0].Reason) != "MISSING" || !strings.HasSuffix(aws.ToString(d.Failures[0].Arn), ":capacity-provider/missing") {
		t.Errorf("DescribeCapacityProviders = %+v, failures %+v", d.CapacityProviders, d.Failures)
	}

	up := ok[*awsecs.UpdateCapacityProviderOutput](t, "UpdateCapacityProvider")(e.UpdateCapacityProvider(c, &awsecs.UpdateCapacityProviderInput{Name: aws.String("cp-b"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{ManagedScaling: &types.ManagedScaling{Status: types.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(80)}}})).CapacityProvider
	if up.UpdateStatus != types.CapacityProviderUpdateStatusUpdateInProgress || aws.ToInt32(up.AutoScalingGroupProvider.ManagedScaling.TargetCapacity) != 80 ||
		aws.ToInt32(up.AutoScalingGroupProvider.ManagedScaling.InstanceWarmupPeriod) != 300 {
		t.Errorf("UpdateCapacityProvider = %+v, scaling %+v", up, up.AutoScalingGroupProvider.ManagedScaling)
	}
	// Tags of a capacity provider.
	ok[*awsecs.TagResourceOutput](t, "TagResource")(e.TagResource(c, &awsecs.TagResourceInput{ResourceArn: created.CapacityProviderArn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))
	ok[*awsecs.UntagResourceOutput](t, "UntagResource")(e.UntagResource(c, &awsecs.UntagResourceInput{ResourceArn: created.CapacityProviderArn, TagKeys: []string{"team"}}))
	lt := ok[*awsecs.ListTagsForResourceOutput](t, "ListTagsForResource")(e.ListTagsForResource(c, &awsecs.ListTagsForResourceInput{ResourceArn: created.CapacityProviderArn}))
	if len(lt.Tags) != 1 || aws.ToString(lt.Tags[0].Key) != "env" {
		t.Errorf("provider tags = %+v; want env only", lt.Tags)
	}
	_, err = e.TagResource(c, &awsecs.TagResourceInput{ResourceArn: aws.String("arn:aws:ecs:us-east-1:000000000000:capacity-provider/FARGATE"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	apiErr(t, "TagResource FARGATE", err, "InvalidParameterException", "managed by AWS")
	_, err = e.UpdateCapacityProvider(c, &awsecs.UpdateCapacityProviderInput{Name: aws.String("FARGATE"), AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{}})
	apiErr(t, "UpdateCapacityProvider FARGATE", err, "InvalidParameterException", "managed by AWS")

	// Clusters with providers and a default strategy.
	cl := ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("cp"),
		CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"}, DefaultCapacityProviderStrategy: strategy("FARGATE", 1, 1, "FARGATE_SPOT", 0, 3)})).Cluster
	if !slices.Equal(cl.CapacityProviders, []string{"FARGATE", "FARGATE_SPOT"}) || len(cl.DefaultCapacityProviderStrategy) != 2 {
		t.Errorf("CreateCluster = providers %v, strategy %+v", cl.CapacityProviders, cl.DefaultCapacityProviderStrategy)
	}
	_, err = e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("cp"), CapacityProviders: []string{"FARGATE"}})
	apiErr(t, "CreateCluster of an existing cluster with other providers", err, "InvalidParameterException", "Arguments on this idempotent request are inconsistent")
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster again, same providers")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("cp"),
		CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"}, DefaultCapacityProviderStrategy: strategy("FARGATE", 1, 1, "FARGATE_SPOT", 0, 3)}))
	for _, tc := range []struct {
		what      string
		providers []string
		strategy  []types.CapacityProviderStrategyItem
		msg       string
	}{
		{"two bases", []string{"FARGATE", "FARGATE_SPOT"}, strategy("FARGATE", 1, 1, "FARGATE_SPOT", 1, 1), "Only one capacity provider"},
		{"a provider not associated", []string{"FARGATE"}, strategy("FARGATE_SPOT", 0, 1), "not associated with the cluster"},
		{"Fargate and an Auto Scaling group", []string{"FARGATE", "cp-b"}, strategy("FARGATE", 0, 1, "cp-b", 0, 1), "cannot contain a mix"},
		{"an unknown provider", []string{"nope"}, nil, "not in an ACTIVE state"},
		{"a weight over 1000", []string{"FARGATE"}, strategy("FARGATE", 0, 1001), "1000"},
	} {
		_, err := e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("bad"), CapacityProviders: tc.providers, DefaultCapacityProviderStrategy: tc.strategy})
		apiErr(t, "CreateCluster with "+tc.what, err, "InvalidParameterException", tc.msg)
	}

	// RunTask with no launch type takes the cluster's default strategy:
	// the base first, then weights 1:3.
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("fg"), NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Command: []string{"serve"}}}}))
	nc := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	run := ok[*awsecs.RunTaskOutput](t, "RunTask")(e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("cp"), TaskDefinition: aws.String("fg"), Count: aws.Int32(5), NetworkConfiguration: nc}))
	var got []string
	for _, task := range run.Tasks {
		got = append(got, aws.ToString(task.CapacityProviderName))
		if task.LaunchType != types.LaunchTypeFargate {
			t.Errorf("task launchType %q; want FARGATE", task.LaunchType)
		}
	}
	if want := []string{"FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE", "FARGATE_SPOT"}; !slices.Equal(got, want) {
		t.Errorf("RunTask by the default strategy: providers %v; want %v", got, want)
	}
	_, err = e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("cp"), TaskDefinition: aws.String("fg"), NetworkConfiguration: nc,
		LaunchType: types.LaunchTypeFargate, CapacityProviderStrategy: strategy("FARGATE", 0, 1)})
	apiErr(t, "RunTask with a launch type and a strategy", err, "InvalidParameterException", "Specifying both a launch type and capacity provider strategy is not supported")
	_, err = e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("cp"), TaskDefinition: aws.String("fg"), NetworkConfiguration: nc, CapacityProviderStrategy: strategy("cp-b", 0, 1)})
	apiErr(t, "RunTask with a provider the cluster lacks", err, "InvalidParameterException", "not associated with the cluster")
	_, err = e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{Cluster: aws.String("cp"), CapacityProviders: []string{"FARGATE"}, DefaultCapacityProviderStrategy: strategy("FARGATE", 0, 1)})
	apiErr(t, "removing a provider tasks use", err, "ResourceInUseException", "The specified capacity provider is in use and cannot be removed.")

	// An Auto Scaling group provider belongs to one cluster; one a cluster
	// has cannot be deleted.
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster other")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("other")}))
	put := ok[*awsecs.PutClusterCapacityProvidersOutput](t, "PutClusterCapacityProviders")(e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{
		Cluster: aws.String("other"), CapacityProviders: []string{"cp-a"}, DefaultCapacityProviderStrategy: strategy("cp-a", 0, 1)}))
	if !slices.Equal(put.Cluster.CapacityProviders, []string{"cp-a"}) {
		t.Errorf("PutClusterCapacityProviders: %v", put.Cluster.CapacityProviders)
	}
	_, err = e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{Cluster: aws.String("cp"), CapacityProviders: []string{"FARGATE", "FARGATE_SPOT", "cp-a"}, DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}})
	apiErr(t, "a second cluster for cp-a", err, "InvalidParameterException", "already associated with the cluster other")
	del := ok[*awsecs.DeleteCapacityProviderOutput](t, "DeleteCapacityProvider in use")(e.DeleteCapacityProvider(c, &awsecs.DeleteCapacityProviderInput{CapacityProvider: aws.String("cp-a")})).CapacityProvider
	if del.Status != types.CapacityProviderStatusActive || del.UpdateStatus != types.CapacityProviderUpdateStatusDeleteFailed ||
		!strings.Contains(aws.ToString(del.UpdateStatusReason), "associated with cluster: other") {
		t.Errorf("DeleteCapacityProvider of an associated provider = %+v", del)
	}
	ok[*awsecs.PutClusterCapacityProvidersOutput](t, "PutClusterCapacityProviders none")(e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{
		Cluster: aws.String("other"), CapacityProviders: []string{}, DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}}))
	del = ok[*awsecs.DeleteCapacityProviderOutput](t, "DeleteCapacityProvider")(e.DeleteCapacityProvider(c, &awsecs.DeleteCapacityProviderInput{CapacityProvider: created.CapacityProviderArn})).CapacityProvider
	if del.UpdateStatus != types.CapacityProviderUpdateStatusDeleteInProgress {
		t.Errorf("DeleteCapacityProvider = %+v", del)
	}
	d = ok[*awsecs.DescribeCapacityProvidersOutput](t, "DescribeCapacityProviders deleted")(e.DescribeCapacityProviders(c, &awsecs.DescribeCapacityProvidersInput{CapacityProviders: []string{"cp-a"}}))
	if len(d.CapacityProviders) != 1 || d.CapacityProviders[0].Status != types.CapacityProviderStatusInactive || d.CapacityProviders[0].UpdateStatus != types.CapacityProviderUpdateStatusDeleteComplete {
		t.Errorf("a deleted provider describes as %+v", d.CapacityProviders)
	}
	_, err = e.DeleteCapacityProvider(c, &awsecs.DeleteCapacityProviderInput{CapacityProvider: aws.String("FARGATE")})
	apiErr(t, "DeleteCapacityProvider FARGATE", err, "InvalidParameterException", "managed by AWS")

	// What was acknowledged survives a restart.
	env.h.close()
	env.open()
	e = env.h.ecs
	if got := names(all()); !slices.Equal(got, []string{"FARGATE/ACTIVE", "FARGATE_SPOT/ACTIVE", "cp-b/ACTIVE"}) {
		t.Errorf("after a restart: %v", got)
	}
	dc := ok[*awsecs.DescribeClustersOutput](t, "DescribeClusters")(e.DescribeClusters(c, &awsecs.DescribeClustersInput{Clusters: []string{"cp"}}))
	if len(dc.Clusters) != 1 || len(dc.Clusters[0].DefaultCapacityProviderStrategy) != 2 || aws.ToString(dc.Clusters[0].DefaultCapacityProviderStrategy[0].CapacityProvider) != "FARGATE" ||
		dc.Clusters[0].DefaultCapacityProviderStrategy[0].Base != 1 || dc.Clusters[0].DefaultCapacityProviderStrategy[1].Weight != 3 {
		t.Errorf("DescribeClusters after a restart = %+v", dc.Clusters)
	}
}

// TestCapacityProviders_ManagedScalingFollowsAService: a service on an
// Auto Scaling group provider with managed scaling grows; its tasks wait
// in PROVISIONING until the group has launched the instances they need,
// then run on them; when the service shrinks, the idle instances go after
// the reservation has stayed low long enough, and termination protection
// keeps the instance that still runs a task.
func TestCapacityProviders_ManagedScalingFollowsAService(t *testing.T) {
	env := newCapEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("scaler"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-a"),
			ManagedScaling:               &types.ManagedScaling{Status: types.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(100), InstanceWarmupPeriod: aws.Int32(0)},
			ManagedTerminationProtection: types.ManagedTerminationProtectionEnabled}}))
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("scaled"),
		CapacityProviders: []string{"scaler"}, DefaultCapacityProviderStrategy: strategy("scaler", 0, 1)}))
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"), Cpu: aws.String("512"), Memory: aws.String("1024"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Command: []string{"serve"}, StopTimeout: aws.Int32(1)}}}))
	svc := ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{Cluster: aws.String("scaled"),
		ServiceName: aws.String("web"), TaskDefinition: aws.String("app"), DesiredCount: aws.Int32(0)})).Service
	if len(svc.CapacityProviderStrategy) != 1 || aws.ToString(svc.CapacityProviderStrategy[0].CapacityProvider) != "scaler" || svc.LaunchType != "" {
		t.Errorf("a service without launch type takes the cluster's default strategy: %+v, launchType %q", svc.CapacityProviderStrategy, svc.LaunchType)
	}
	instances := func() []types.ContainerInstance {
		ls := ok[*awsecs.ListContainerInstancesOutput](t, "ListContainerInstances")(e.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{Cluster: aws.String("scaled")}))
		if len(ls.ContainerInstanceArns) == 0 {
			return nil
		}
		return ok[*awsecs.DescribeContainerInstancesOutput](t, "DescribeContainerInstances")(e.DescribeContainerInstances(c, &awsecs.DescribeContainerInstancesInput{
			Cluster: aws.String("scaled"), ContainerInstances: ls.ContainerInstanceArns})).ContainerInstances
	}
	tasks := func(status types.DesiredStatus) []types.Task {
		ls := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("scaled"), DesiredStatus: status}))
		if len(ls.TaskArns) == 0 {
			return nil
		}
		return ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("scaled"), Tasks: ls.TaskArns})).Tasks
	}
	env.step()
	if n := len(instances()); n != 0 {
		t.Fatalf("an idle group of minSize 0 has %d instances", n)
	}

	ok[*awsecs.UpdateServiceOutput](t, "UpdateService 3")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: aws.String("scaled"), Service: aws.String("web"), DesiredCount: aws.Int32(3)}))
	env.eventually("three tasks waiting in PROVISIONING", func() bool {
		ts := tasks(types.DesiredStatusRunning)
		if len(ts) != 3 {
			return false
		}
		for _, task := range ts {
			if aws.ToString(task.LastStatus) != "PROVISIONING" || task.ContainerInstanceArn != nil || aws.ToString(task.CapacityProviderName) != "scaler" {
				t.Fatalf("a task without capacity: %s on %v by %q", aws.ToString(task.LastStatus), task.ContainerInstanceArn, aws.ToString(task.CapacityProviderName))
			}
		}
		return true
	})
	// M = 0 + 2 (three tasks of 512 CPU / 1 GiB on instances of 1024 /
	// 2 GiB), N = 0: the group launches 2 instances.
	env.step()
	env.eventually("the tasks run on the two new instances", func() bool {
		ts := tasks(types.DesiredStatusRunning)
		running := 0
		for _, task := range ts {
			if aws.ToString(task.LastStatus) == "RUNNING" && task.ContainerInstanceArn != nil {
				running++
			}
		}
		return running == 3
	})
	ins := instances()
	if len(ins) != 2 {
		t.Fatalf("the group has %d instances; want 2", len(ins))
	}
	var zones []string
	for _, in := range ins {
		if aws.ToString(in.CapacityProviderName) != "scaler" || in.Status == nil || *in.Status != "ACTIVE" {
			t.Errorf("instance %s: provider %q, status %v", aws.ToString(in.ContainerInstanceArn), aws.ToString(in.CapacityProviderName), aws.ToString(in.Status))
		}
		for _, a := range in.Attributes {
			if aws.ToString(a.Name) == "ecs.availability-zone" {
				zones = append(zones, aws.ToString(a.Value))
			}
		}
	}
	sort.Strings(zones)
	if !slices.Equal(zones, []string{"us-east-1a", "us-east-1b"}) {
		t.Errorf("instance zones %v; want one in each of the group's zones", zones)
	}
	env.step() // steady: M = N = 2
	if n := len(instances()); n != 2 {
		t.Fatalf("at target the group went to %d instances", n)
	}

	// Down to one task: an instance may go idle, but not before the
	// reservation has been low for 15 minutes.
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService 1")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: aws.String("scaled"), Service: aws.String("web"), DesiredCount: aws.Int32(1)}))
	env.eventually("one task left", func() bool { return len(tasks(types.DesiredStatusRunning)) == 1 })
	env.eventually("the stopped tasks are STOPPED", func() bool {
		for _, task := range tasks(types.DesiredStatusStopped) {
			if aws.ToString(task.LastStatus) != "STOPPED" {
				return false
			}
		}
		return true
	})
	kept := aws.ToString(tasks(types.DesiredStatusRunning)[0].ContainerInstanceArn)
	env.step()
	if n := len(instances()); n != 2 {
		t.Fatalf("scale-in did not wait for the low alarm: %d instances", n)
	}
	env.advance(16 * time.Minute)
	env.step()
	ins = instances()
	if len(ins) != 1 || aws.ToString(ins[0].ContainerInstanceArn) != kept {
		t.Fatalf("after 16 low minutes: instances %d (want only %s, which runs the task)", len(ins), kept)
	}
	if task := tasks(types.DesiredStatusRunning); len(task) != 1 || aws.ToString(task[0].LastStatus) != "RUNNING" {
		t.Fatalf("scale-in touched the running task: %+v", task)
	}

	// Down to none: the last instance goes too.
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService 0")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: aws.String("scaled"), Service: aws.String("web"), DesiredCount: aws.Int32(0)}))
	env.eventually("no task left", func() bool {
		// Running ones first: a task leaves that list when it is asked to
		// stop, and is then in the other until it has stopped.
		if len(tasks(types.DesiredStatusRunning)) != 0 {
			return false
		}
		for _, task := range tasks(types.DesiredStatusStopped) {
			if aws.ToString(task.LastStatus) != "STOPPED" {
				return false
			}
		}
		return true
	})
	env.step()
	env.advance(16 * time.Minute)
	env.step()
	if n := len(instances()); n != 0 {
		t.Fatalf("an idle group kept %d instances", n)
	}
}

// TestCapacityProviders_WaitingTasks: tasks that wait in PROVISIONING for a
// provider without managed scaling can be stopped there, survive a
// restart, and start when the group has room; without termination
// protection the group shrinks whatever its instances run.
func TestCapacityProviders_WaitingTasks(t *testing.T) {
	env := newCapEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("plain"), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-a")}}))
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("w"),
		CapacityProviders: []string{"plain"}, DefaultCapacityProviderStrategy: strategy("plain", 0, 1)}))
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("job"), Cpu: aws.String("1024"), Memory: aws.String("1024"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Command: []string{"serve"}, StopTimeout: aws.Int32(1)}}}))
	run := ok[*awsecs.RunTaskOutput](t, "RunTask")(e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("w"), TaskDefinition: aws.String("job"), Count: aws.Int32(2)}))
	if len(run.Tasks) != 2 || len(run.Failures) != 0 {
		t.Fatalf("RunTask without capacity: %d tasks, failures %+v; want 2 tasks waiting", len(run.Tasks), run.Failures)
	}
	describe := func(arn *string) types.Task {
		d := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("w"), Tasks: []string{aws.ToString(arn)}}))
		return d.Tasks[0]
	}
	first, second := run.Tasks[0].TaskArn, run.Tasks[1].TaskArn
	env.step()
	if task := describe(first); aws.ToString(task.LastStatus) != "PROVISIONING" || task.ContainerInstanceArn != nil {
		t.Fatalf("without managed scaling nothing launches: %s on %v", aws.ToString(task.LastStatus), task.ContainerInstanceArn)
	}
	stopped := ok[*awsecs.StopTaskOutput](t, "StopTask")(e.StopTask(c, &awsecs.StopTaskInput{Cluster: aws.String("w"), Task: first, Reason: aws.String("not needed")})).Task
	if aws.ToString(stopped.LastStatus) != "STOPPED" || aws.ToString(stopped.StoppedReason) != "not needed" {
		t.Errorf("a waiting task stops at once: %s (%s)", aws.ToString(stopped.LastStatus), aws.ToString(stopped.StoppedReason))
	}

	// Managed scaling turned on after a restart: the waiting task gets its
	// instance and runs.
	env.h.close()
	env.open()
	e = env.h.ecs
	if task := describe(second); aws.ToString(task.LastStatus) != "PROVISIONING" {
		t.Fatalf("after a restart the waiting task is %s", aws.ToString(task.LastStatus))
	}
	ok[*awsecs.UpdateCapacityProviderOutput](t, "UpdateCapacityProvider")(e.UpdateCapacityProvider(c, &awsecs.UpdateCapacityProviderInput{Name: aws.String("plain"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{ManagedScaling: &types.ManagedScaling{Status: types.ManagedScalingStatusEnabled, InstanceWarmupPeriod: aws.Int32(0)}}}))
	env.step()
	env.eventually("the waiting task runs", func() bool { return aws.ToString(describe(second).LastStatus) == "RUNNING" })
	on := aws.ToString(describe(second).ContainerInstanceArn)

	// Without termination protection, lowering the target leaves the busy
	// instance exposed: the group's own policy may take it, tasks and all.
	ok[*awsecs.UpdateCapacityProviderOutput](t, "UpdateCapacityProvider 50")(e.UpdateCapacityProvider(c, &awsecs.UpdateCapacityProviderInput{Name: aws.String("plain"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{ManagedScaling: &types.ManagedScaling{TargetCapacity: aws.Int32(50)}}}))
	env.step() // M 1, desired 2: a spare instance
	ls := ok[*awsecs.ListContainerInstancesOutput](t, "ListContainerInstances")(e.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{Cluster: aws.String("w")}))
	if len(ls.ContainerInstanceArns) != 2 {
		t.Fatalf("target 50 with one busy instance: %d instances; want 2", len(ls.ContainerInstanceArns))
	}
	ok[*awsecs.UpdateCapacityProviderOutput](t, "UpdateCapacityProvider 100")(e.UpdateCapacityProvider(c, &awsecs.UpdateCapacityProviderInput{Name: aws.String("plain"),
		AutoScalingGroupProvider: &types.AutoScalingGroupProviderUpdate{ManagedScaling: &types.ManagedScaling{TargetCapacity: aws.Int32(100)}}}))
	env.step()
	env.advance(16 * time.Minute)
	env.step() // desired 1 of 2: the oldest instance goes, the busy one (then the idle one: nothing runs)
	env.eventually("the task on the terminated instance stops", func() bool {
		task := describe(second)
		return aws.ToString(task.LastStatus) == "STOPPED" && task.StopCode == types.TaskStopCodeTerminationNotice
	})
	ls = ok[*awsecs.ListContainerInstancesOutput](t, "ListContainerInstances")(e.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{Cluster: aws.String("w")}))
	if slices.Contains(ls.ContainerInstanceArns, on) {
		t.Errorf("instances after scale-in: %v; the busy one (%s) was the group's choice", ls.ContainerInstanceArns, on)
	}
}

// TestCapacityProviders_GroupFollowsItsProvider: a group without managed
// scaling keeps its declared size; its instances register in the cluster
// the provider is associated with, leave it when the provider does, and
// one the user deregisters stays deregistered.
func TestCapacityProviders_GroupFollowsItsProvider(t *testing.T) {
	env := newCapEnv(t)
	e, c := env.h.ecs, ctx(t)
	env.cfg.AutoScalingGroups[1].Desired = 2 // asg-b, t3.small
	env.h.close()
	env.open()
	e = env.h.ecs
	ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("fixed"), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-b")}}))
	for _, n := range []string{"one", "two"} {
		ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String(n)}))
	}
	list := func(cluster string) []string {
		return ok[*awsecs.ListContainerInstancesOutput](t, "ListContainerInstances")(e.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{Cluster: aws.String(cluster)})).ContainerInstanceArns
	}
	put := func(cluster string, providers ...string) {
		ok[*awsecs.PutClusterCapacityProvidersOutput](t, "PutClusterCapacityProviders")(e.PutClusterCapacityProviders(c, &awsecs.PutClusterCapacityProvidersInput{
			Cluster: aws.String(cluster), CapacityProviders: append([]string{}, providers...), DefaultCapacityProviderStrategy: []types.CapacityProviderStrategyItem{}}))
	}
	env.step()
	if n := len(list("one")); n != 0 {
		t.Fatalf("instances before the provider is in a cluster: %d", n)
	}
	put("one", "fixed")
	env.step()
	arns := list("one")
	if len(arns) != 2 {
		t.Fatalf("the group's declared size in cluster one: %d instances; want 2", len(arns))
	}
	d := ok[*awsecs.DescribeContainerInstancesOutput](t, "DescribeContainerInstances")(e.DescribeContainerInstances(c, &awsecs.DescribeContainerInstancesInput{Cluster: aws.String("one"), ContainerInstances: arns[:1]}))
	if v, _ := attribute(d.ContainerInstances[0].Attributes, "ecs.instance-type"); v != "t3.small" || resource(d.ContainerInstances[0].RegisteredResources, "MEMORY").IntegerValue != 1955 {
		t.Errorf("a t3.small instance: type %q, resources %+v", v, d.ContainerInstances[0].RegisteredResources)
	}
	ok[*awsecs.DeregisterContainerInstanceOutput](t, "DeregisterContainerInstance")(e.DeregisterContainerInstance(c, &awsecs.DeregisterContainerInstanceInput{Cluster: aws.String("one"), ContainerInstance: aws.String(arns[0])}))
	env.step()
	if got := list("one"); len(got) != 1 || got[0] != arns[1] {
		t.Errorf("after deregistering %s: %v; want it to stay deregistered", arns[0], got)
	}
	put("one")
	put("two", "fixed")
	env.step()
	env.step()
	if n, m := len(list("one")), len(list("two")); n != 0 || m != 2 {
		t.Errorf("the provider moved to cluster two: %d instances in one, %d in two; want 0 and 2", n, m)
	}
}

// TestCapacityProviders_ServiceSplitsByBaseAndWeight: a service's tasks
// go to two Auto Scaling group providers by base and weight, counting the
// tasks it runs already, each on its own provider's instances.
func TestCapacityProviders_ServiceSplitsByBaseAndWeight(t *testing.T) {
	env := newCapEnv(t)
	env.cfg.AutoScalingGroups[1].Desired = 2 // asg-b: two t3.small, no managed scaling
	env.h.close()
	env.open()
	e, c := env.h.ecs, ctx(t)
	for name, group := range map[string]string{"a": "asg-a", "b": "asg-b"} {
		in := &awsecs.CreateCapacityProviderInput{Name: aws.String(name), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String(group)}}
		if name == "a" {
			in.AutoScalingGroupProvider.ManagedScaling = &types.ManagedScaling{Status: types.ManagedScalingStatusEnabled, InstanceWarmupPeriod: aws.Int32(0)}
		}
		ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider "+name)(e.CreateCapacityProvider(c, in))
	}
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("split"), CapacityProviders: []string{"a", "b"}}))
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("small"), Cpu: aws.String("256"), Memory: aws.String("256"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Command: []string{"serve"}, StopTimeout: aws.Int32(1)}}}))
	ok[*awsecs.CreateServiceOutput](t, "CreateService")(e.CreateService(c, &awsecs.CreateServiceInput{Cluster: aws.String("split"), ServiceName: aws.String("s"),
		TaskDefinition: aws.String("small"), DesiredCount: aws.Int32(6), CapacityProviderStrategy: strategy("a", 2, 1, "b", 0, 1)}))
	providerOf := map[string]string{} // instance ARN -> provider
	split := func(want int) map[string]int {
		counts := map[string]int{}
		env.eventually("the service's tasks run", func() bool {
			env.step()
			ls := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("split"), DesiredStatus: types.DesiredStatusRunning}))
			if len(ls.TaskArns) != want {
				return false
			}
			ts := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("split"), Tasks: ls.TaskArns})).Tasks
			clear(counts)
			for _, task := range ts {
				if aws.ToString(task.LastStatus) != "RUNNING" {
					return false
				}
				counts[aws.ToString(task.CapacityProviderName)]++
				in := aws.ToString(task.ContainerInstanceArn)
				if providerOf[in] == "" {
					d := ok[*awsecs.DescribeContainerInstancesOutput](t, "DescribeContainerInstances")(e.DescribeContainerInstances(c, &awsecs.DescribeContainerInstancesInput{Cluster: aws.String("split"), ContainerInstances: []string{in}}))
					providerOf[in] = aws.ToString(d.ContainerInstances[0].CapacityProviderName)
				}
				if providerOf[in] != aws.ToString(task.CapacityProviderName) {
					t.Fatalf("a task of provider %s runs on an instance of %s", aws.ToString(task.CapacityProviderName), providerOf[in])
				}
			}
			return true
		})
		return counts
	}
	if got := split(6); got["a"] != 4 || got["b"] != 2 {
		t.Errorf("6 tasks with a base 2 weight 1, b weight 1: %v; want a 4, b 2", got)
	}
	ok[*awsecs.UpdateServiceOutput](t, "UpdateService 8")(e.UpdateService(c, &awsecs.UpdateServiceInput{Cluster: aws.String("split"), Service: aws.String("s"), DesiredCount: aws.Int32(8)}))
	if got := split(8); got["a"] != 5 || got["b"] != 3 {
		t.Errorf("2 more tasks counting the 6 running: %v; want a 5, b 3", got)
	}
}

// TestCapacityProviders_DefaultClusterHasFargate: the default cluster has
// FARGATE and FARGATE_SPOT associated (and no default strategy), so a real
// request whose capacityProviderStrategy names them runs there.
func TestCapacityProviders_DefaultClusterHasFargate(t *testing.T) {
	env := newCapEnv(t)
	e, c := env.h.ecs, ctx(t)
	cl := ok[*awsecs.DescribeClustersOutput](t, "DescribeClusters")(e.DescribeClusters(c, &awsecs.DescribeClustersInput{})).Clusters
	if len(cl) != 1 || !slices.Equal(cl[0].CapacityProviders, []string{"FARGATE", "FARGATE_SPOT"}) || len(cl[0].DefaultCapacityProviderStrategy) != 0 {
		t.Fatalf("default cluster = %+v", cl)
	}
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("fg"), NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("app"), Command: []string{"serve"}, Essential: aws.Bool(true)}},
	}))
	out := ok[*awsecs.RunTaskOutput](t, "RunTask")(e.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("fg"),
		CapacityProviderStrategy: strategy("FARGATE_SPOT", 0, 1),
		NetworkConfiguration:     &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}}))
	if len(out.Failures) != 0 || len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].CapacityProviderName) != "FARGATE_SPOT" {
		t.Fatalf("RunTask on the default cluster with FARGATE_SPOT = %+v, failures %+v", out.Tasks, out.Failures)
	}
}
