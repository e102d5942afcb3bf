package engine

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// cluster is an engine on the fake runtime (containers run until stopped)
// with an SDK client, for placement tests.
type cluster struct {
	t    *testing.T
	dir  string
	rt   *fake.Runtime
	eng  *Engine
	ecs  *awsecs.Client
	name string
}

// newCluster opens an engine (without the host instance unless host is
// set) and creates a cluster named after the test.
func newCluster(t *testing.T, host bool, cfg *serveconfig.Config) *cluster {
	t.Helper()
	c := &cluster{t: t, dir: t.TempDir(), rt: fake.New(), name: strings.ReplaceAll(t.Name(), "/", "_")}
	c.open(host, cfg)
	t.Cleanup(func() {
		if c.eng != nil {
			c.eng.Close()
		}
	})
	if _, err := c.ecs.CreateCluster(ctx(t), &awsecs.CreateClusterInput{ClusterName: aws.String(c.name)}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cluster) open(host bool, cfg *serveconfig.Config) {
	c.t.Helper()
	eng, err := Open(context.Background(), Options{StateDir: c.dir, Runtime: c.rt, NoHostInstance: !host, Config: cfg})
	if err != nil {
		c.t.Fatal(err)
	}
	c.eng = eng
	modelcheck.Attach(c.t, eng.Handler().(*awsjson.Server))
	conf := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}
	c.ecs = awsecs.NewFromConfig(conf, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://engine") })
}

func (c *cluster) reopen(host bool, cfg *serveconfig.Config) {
	c.t.Helper()
	if err := c.eng.Close(); err != nil {
		c.t.Fatal(err)
	}
	c.open(host, cfg)
}

func resources(cpu, mem int32, ports ...string) []types.Resource {
	rs := []types.Resource{
		{Name: aws.String("CPU"), Type: aws.String("INTEGER"), IntegerValue: cpu},
		{Name: aws.String("MEMORY"), Type: aws.String("INTEGER"), IntegerValue: mem},
	}
	if len(ports) > 0 {
		rs = append(rs, types.Resource{Name: aws.String("PORTS"), Type: aws.String("STRINGSET"), StringSetValue: ports})
	}
	return rs
}

func attrs(kv ...string) []types.Attribute {
	var out []types.Attribute
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Attribute{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

// register registers a virtual instance and returns its ARN.
func (c *cluster) register(cpu, mem int32, kv ...string) string {
	c.t.Helper()
	out, err := c.ecs.RegisterContainerInstance(ctx(c.t), &awsecs.RegisterContainerInstanceInput{
		Cluster: aws.String(c.name), TotalResources: resources(cpu, mem), Attributes: attrs(kv...),
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return aws.ToString(out.ContainerInstance.ContainerInstanceArn)
}

// taskdef registers a one-container definition reserving cpu and memory.
func (c *cluster) taskdef(family string, cpu, mem int32, ports ...types.PortMapping) {
	c.t.Helper()
	_, err := c.ecs.RegisterTaskDefinition(ctx(c.t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String(family),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("fake/app"), Cpu: cpu, Memory: aws.Int32(mem), PortMappings: ports,
		}},
	})
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) run(in *awsecs.RunTaskInput) *awsecs.RunTaskOutput {
	c.t.Helper()
	if in.Cluster == nil {
		in.Cluster = aws.String(c.name)
	}
	out, err := c.ecs.RunTask(ctx(c.t), in)
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

func (c *cluster) describe(arns ...string) []types.ContainerInstance {
	c.t.Helper()
	out, err := c.ecs.DescribeContainerInstances(ctx(c.t), &awsecs.DescribeContainerInstancesInput{
		Cluster: aws.String(c.name), ContainerInstances: arns, Include: []types.ContainerInstanceField{types.ContainerInstanceFieldTags},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	if len(out.Failures) > 0 {
		c.t.Fatalf("DescribeContainerInstances failures: %+v", out.Failures)
	}
	return out.ContainerInstances
}

// placedOn counts the tasks per container instance ARN.
func placedOn(tasks []types.Task) map[string]int {
	m := map[string]int{}
	for _, t := range tasks {
		m[aws.ToString(t.ContainerInstanceArn)]++
	}
	return m
}

func resource(rs []types.Resource, name string) types.Resource {
	for _, r := range rs {
		if aws.ToString(r.Name) == name {
			return r
		}
	}
	return types.Resource{}
}

func attribute(as []types.Attribute, name string) (string, bool) {
	for _, a := range as {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value), true
		}
	}
	return "", false
}

// apiError asserts err is an API error of the given code whose message
// contains msg.
func apiError(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("%s: error = %v; want %s containing %q", what, err, code, msg)
	}
}

func TestPlacement_SpreadOverThreeZones(t *testing.T) {
	c := newCluster(t, false, nil)
	zone := map[string]string{}
	for i := range 6 {
		z := "us-east-1" + string(rune('a'+i%3))
		zone[c.register(4096, 8192, "ecs.availability-zone", z)] = z
	}
	c.taskdef("spread", 0, 128)
	out := c.run(&awsecs.RunTaskInput{
		TaskDefinition: aws.String("spread"), Count: aws.Int32(9),
		PlacementStrategy: []types.PlacementStrategy{{Type: types.PlacementStrategyTypeSpread, Field: aws.String("attribute:ecs.availability-zone")}},
	})
	if len(out.Tasks) != 9 || len(out.Failures) != 0 {
		t.Fatalf("RunTask placed %d, failures %+v; want 9 placed", len(out.Tasks), out.Failures)
	}
	perZone := map[string]int{}
	for _, task := range out.Tasks {
		z := zone[aws.ToString(task.ContainerInstanceArn)]
		perZone[z]++
		if got := aws.ToString(task.AvailabilityZone); got != z {
			t.Errorf("task availabilityZone = %s; want its instance's zone %s", got, z)
		}
	}
	if perZone["us-east-1a"] != 3 || perZone["us-east-1b"] != 3 || perZone["us-east-1c"] != 3 {
		t.Errorf("tasks per zone = %v; want 3/3/3", perZone)
	}
}

func TestPlacement_MemberOfInstanceType(t *testing.T) {
	c := newCluster(t, false, nil)
	small := map[string]bool{}
	for i := range 4 {
		typ := "m5.large"
		if i%2 == 1 {
			typ = "t2.micro"
		}
		arn := c.register(2048, 4096, "ecs.instance-type", typ)
		small[arn] = typ == "t2.micro"
	}
	c.taskdef("member", 0, 128)
	for _, expr := range []string{"attribute:ecs.instance-type == t2.micro", "attribute:ecs.instance-type =~ t2.*", "not(attribute:ecs.instance-type in [m5.large])"} {
		out := c.run(&awsecs.RunTaskInput{
			TaskDefinition: aws.String("member"), Count: aws.Int32(6),
			PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String(expr)}},
		})
		if len(out.Tasks) != 6 {
			t.Fatalf("%s: placed %d, failures %+v; want 6", expr, len(out.Tasks), out.Failures)
		}
		for arn := range placedOn(out.Tasks) {
			if !small[arn] {
				t.Errorf("%s: a task landed on %s, not a t2.micro", expr, arn)
			}
		}
	}
	// A memberOf nothing satisfies fails every task with ECS's wording.
	out := c.run(&awsecs.RunTaskInput{
		TaskDefinition: aws.String("member"), Count: aws.Int32(2),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:ecs.instance-type == c5.xlarge")}},
	})
	if len(out.Tasks) != 0 || len(out.Failures) != 2 || aws.ToString(out.Failures[0].Reason) != "MemberOf placement constraint unsatisfied." {
		t.Errorf("unsatisfiable memberOf: tasks %d, failures %+v; want 2 MemberOf failures", len(out.Tasks), out.Failures)
	}
}

func TestPlacement_DistinctInstanceWithMoreTasksThanInstances(t *testing.T) {
	c := newCluster(t, false, nil)
	arns := map[string]bool{}
	for range 3 {
		arns[c.register(2048, 4096)] = true
	}
	c.taskdef("distinct", 0, 128)
	out := c.run(&awsecs.RunTaskInput{
		TaskDefinition: aws.String("distinct"), Count: aws.Int32(5),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeDistinctInstance}},
	})
	if len(out.Tasks) != 3 || len(out.Failures) != 2 {
		t.Fatalf("placed %d, failures %d; want 3 and 2", len(out.Tasks), len(out.Failures))
	}
	on := placedOn(out.Tasks)
	if len(on) != 3 {
		t.Errorf("tasks on %d distinct instances (%v); want 3", len(on), on)
	}
	for _, f := range out.Failures {
		if aws.ToString(f.Reason) != "DistinctInstance placement constraint unsatisfied." || !arns[aws.ToString(f.Arn)] {
			t.Errorf("failure = %+v; want the DistinctInstance reason with one of the instances' ARNs", f)
		}
	}
}

func TestPlacement_BinpackFillsTheFullestInstanceFirst(t *testing.T) {
	c := newCluster(t, false, nil)
	mid := c.register(4096, 2048)
	full := c.register(4096, 1024)
	roomy := c.register(4096, 4096)
	c.taskdef("pack", 0, 512)
	binpack := []types.PlacementStrategy{{Type: types.PlacementStrategyTypeBinpack, Field: aws.String("memory")}}
	var order []string
	for range 5 {
		out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("pack"), PlacementStrategy: binpack})
		if len(out.Tasks) != 1 {
			t.Fatalf("placed %d, failures %+v", len(out.Tasks), out.Failures)
		}
		order = append(order, aws.ToString(out.Tasks[0].ContainerInstanceArn))
	}
	want := []string{full, full, mid, mid, mid}
	if !slices.Equal(order, want) {
		t.Errorf("binpack order = %v; want the 1 GiB instance twice, then the 2 GiB one (%s, %s; %s stays empty)", order, full, mid, roomy)
	}
}

func TestPlacement_ResourceMemoryWhenFull(t *testing.T) {
	c := newCluster(t, false, nil)
	arn := c.register(4096, 1024)
	c.taskdef("fill", 0, 512)
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("fill"), Count: aws.Int32(3)})
	if len(out.Tasks) != 2 || len(out.Failures) != 1 {
		t.Fatalf("placed %d, failures %+v; want 2 placed and 1 failure", len(out.Tasks), out.Failures)
	}
	if f := out.Failures[0]; aws.ToString(f.Reason) != "RESOURCE:MEMORY" || aws.ToString(f.Arn) != arn {
		t.Errorf("failure = %+v; want RESOURCE:MEMORY for %s", f, arn)
	}
	c.taskdef("cpu", 8192, 16)
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("cpu")})
	if len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "RESOURCE:CPU" {
		t.Errorf("too much cpu: failures %+v; want RESOURCE:CPU", out.Failures)
	}
}

func TestPlacement_RemainingResourcesFollowTasks(t *testing.T) {
	c := newCluster(t, false, nil)
	out, err := c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{
		Cluster: aws.String(c.name), TotalResources: resources(1024, 2048, "22"),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ContainerInstance.ContainerInstanceArn)
	c.taskdef("web", 256, 512, types.PortMapping{ContainerPort: aws.Int32(80), HostPort: aws.Int32(8080)})
	run := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("web"), Count: aws.Int32(2)})
	if len(run.Tasks) != 1 || len(run.Failures) != 1 || aws.ToString(run.Failures[0].Reason) != "RESOURCE:PORTS" {
		t.Fatalf("two tasks on one static host port: placed %d, failures %+v; want 1 placed and RESOURCE:PORTS", len(run.Tasks), run.Failures)
	}
	task := aws.ToString(run.Tasks[0].TaskArn)
	if got := aws.ToString(run.Tasks[0].ContainerInstanceArn); got != arn {
		t.Errorf("containerInstanceArn = %s; want %s", got, arn)
	}
	// remainingResources change at once; the counts follow the task.
	ci := c.describe(arn)[0]
	if cpu, mem := resource(ci.RemainingResources, "CPU").IntegerValue, resource(ci.RemainingResources, "MEMORY").IntegerValue; cpu != 768 || mem != 1536 {
		t.Errorf("remaining cpu %d, memory %d; want 768 and 1536", cpu, mem)
	}
	if ports := resource(ci.RemainingResources, "PORTS").StringSetValue; !slices.Equal(ports, []string{"22", "8080"}) {
		t.Errorf("remaining PORTS = %v; want [22 8080] (the agent's and the task's)", ports)
	}
	if reg := ci.RegisteredResources; resource(reg, "CPU").IntegerValue != 1024 || resource(reg, "MEMORY").IntegerValue != 2048 {
		t.Errorf("registeredResources = %+v; want 1024 CPU, 2048 MEMORY", reg)
	}
	waitInstance(t, c, arn, "one running task", func(ci types.ContainerInstance) bool {
		return ci.RunningTasksCount == 1 && ci.PendingTasksCount == 0
	})
	ls, err := c.ecs.ListTasks(ctx(t), &awsecs.ListTasksInput{Cluster: aws.String(c.name), ContainerInstance: aws.String(arn)})
	if err != nil || !slices.Equal(ls.TaskArns, []string{task}) {
		t.Errorf("ListTasks(containerInstance) = %v, %v; want [%s]", ls.TaskArns, err, task)
	}
	if _, err := c.ecs.StopTask(ctx(t), &awsecs.StopTaskInput{Cluster: aws.String(c.name), Task: aws.String(task)}); err != nil {
		t.Fatal(err)
	}
	// A stopping task's resources are free at once, as in ECS.
	ci = c.describe(arn)[0]
	if cpu, mem := resource(ci.RemainingResources, "CPU").IntegerValue, resource(ci.RemainingResources, "MEMORY").IntegerValue; cpu != 1024 || mem != 2048 {
		t.Errorf("after StopTask: remaining cpu %d, memory %d; want 1024 and 2048", cpu, mem)
	}
	if ports := resource(ci.RemainingResources, "PORTS").StringSetValue; !slices.Equal(ports, []string{"22"}) {
		t.Errorf("after StopTask: remaining PORTS = %v; want [22]", ports)
	}
	waitInstance(t, c, arn, "no task", func(ci types.ContainerInstance) bool {
		return ci.RunningTasksCount == 0 && ci.PendingTasksCount == 0
	})
}

// waitInstance polls an instance until cond holds.
func waitInstance(t *testing.T, c *cluster, arn, what string, cond func(types.ContainerInstance) bool) {
	t.Helper()
	cx := ctx(t)
	for {
		ci := c.describe(arn)[0]
		if cond(ci) {
			return
		}
		select {
		case <-cx.Done():
			t.Fatalf("instance %s: timed out waiting for %s; last %+v", arn, what, ci)
		default:
		}
		c.waitTick(cx)
	}
}

func TestContainerInstances_DrainingTakesNoNewTasks(t *testing.T) {
	c := newCluster(t, false, nil)
	a := c.register(4096, 8192)
	b := c.register(4096, 8192)
	c.taskdef("drain", 0, 64)
	upd, err := c.ecs.UpdateContainerInstancesState(ctx(t), &awsecs.UpdateContainerInstancesStateInput{
		Cluster: aws.String(c.name), ContainerInstances: []string{a, "ghost"}, Status: types.ContainerInstanceStatusDraining,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(upd.ContainerInstances) != 1 || aws.ToString(upd.ContainerInstances[0].Status) != "DRAINING" || len(upd.Failures) != 1 || aws.ToString(upd.Failures[0].Reason) != "MISSING" {
		t.Errorf("UpdateContainerInstancesState = %+v, failures %+v; want a DRAINING and ghost MISSING", upd.ContainerInstances, upd.Failures)
	}
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("drain"), Count: aws.Int32(4)})
	if on := placedOn(out.Tasks); on[b] != 4 {
		t.Errorf("tasks per instance = %v; want all 4 on the ACTIVE one", on)
	}
	ls, err := c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: aws.String(c.name), Status: types.ContainerInstanceStatusDraining})
	if err != nil || !slices.Equal(ls.ContainerInstanceArns, []string{a}) {
		t.Errorf("ListContainerInstances(DRAINING) = %v, %v; want [%s]", ls.ContainerInstanceArns, err, a)
	}
	// Only DRAINING instances left: nothing is placed.
	if _, err := c.ecs.UpdateContainerInstancesState(ctx(t), &awsecs.UpdateContainerInstancesStateInput{
		Cluster: aws.String(c.name), ContainerInstances: []string{b}, Status: types.ContainerInstanceStatusDraining,
	}); err != nil {
		t.Fatal(err)
	}
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("drain")})
	if len(out.Tasks) != 0 || len(out.Failures) != 1 {
		t.Errorf("all draining: placed %d, failures %+v; want one failure", len(out.Tasks), out.Failures)
	}
	if _, err := c.ecs.UpdateContainerInstancesState(ctx(t), &awsecs.UpdateContainerInstancesStateInput{
		Cluster: aws.String(c.name), ContainerInstances: []string{a}, Status: types.ContainerInstanceStatusActive,
	}); err != nil {
		t.Fatal(err)
	}
	if out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("drain")}); len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].ContainerInstanceArn) != a {
		t.Errorf("after ACTIVE again: tasks %+v; want one on %s", out.Tasks, a)
	}
	_, err = c.ecs.UpdateContainerInstancesState(ctx(t), &awsecs.UpdateContainerInstancesStateInput{
		Cluster: aws.String(c.name), ContainerInstances: []string{a}, Status: types.ContainerInstanceStatusRegistering,
	})
	apiError(t, "status REGISTERING", err, "InvalidParameterException", "ACTIVE or DRAINING")
}

func TestContainerInstances_RegisterDescribeListDeregister(t *testing.T) {
	c := newCluster(t, false, nil)
	reg, err := c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{
		Cluster: aws.String(c.name), TotalResources: resources(2048, 4096, "22"),
		Attributes:  attrs("ecs.instance-type", "t2.micro", "stack", "blue"),
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
		VersionInfo: &types.VersionInfo{AgentVersion: aws.String("1.80.0")},
	})
	if err != nil {
		t.Fatal(err)
	}
	ci := reg.ContainerInstance
	arn := aws.ToString(ci.ContainerInstanceArn)
	if !strings.HasPrefix(arn, "arn:aws:ecs:us-east-1:000000000000:container-instance/"+c.name+"/") {
		t.Errorf("ARN = %s", arn)
	}
	if id := aws.ToString(ci.Ec2InstanceId); !strings.HasPrefix(id, "i-") || len(id) != 19 {
		t.Errorf("ec2InstanceId = %q; want a generated i-<17 hex>", id)
	}
	if aws.ToString(ci.Status) != "ACTIVE" || !ci.AgentConnected || ci.RegisteredAt == nil || ci.Version != 1 {
		t.Errorf("instance = status %s, agentConnected %v, registeredAt %v, version %d", aws.ToString(ci.Status), ci.AgentConnected, ci.RegisteredAt, ci.Version)
	}
	for name, want := range map[string]string{
		"ecs.instance-type": "t2.micro", "stack": "blue", "ecs.os-type": "linux", "ecs.availability-zone": "us-east-1a",
		"com.amazonaws.ecs.capability.logging-driver.awslogs": "",
	} {
		if got, ok := attribute(ci.Attributes, name); !ok || got != want {
			t.Errorf("attribute %s = %q (set %v); want %q", name, got, ok, want)
		}
	}
	if len(ci.Tags) != 1 || aws.ToString(ci.Tags[0].Key) != "team" {
		t.Errorf("tags = %+v; want team=a", ci.Tags)
	}

	// Describe: unknown ids are MISSING; TAGS only when asked.
	d, err := c.ecs.DescribeContainerInstances(ctx(t), &awsecs.DescribeContainerInstancesInput{
		Cluster: aws.String(c.name), ContainerInstances: []string{arn, "0123456789abcdef"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ContainerInstances) != 1 || len(d.ContainerInstances[0].Tags) != 0 || len(d.Failures) != 1 ||
		aws.ToString(d.Failures[0].Reason) != "MISSING" || !strings.HasSuffix(aws.ToString(d.Failures[0].Arn), "/0123456789abcdef") {
		t.Errorf("Describe = %d instances (tags %v), failures %+v; want one without tags and one MISSING", len(d.ContainerInstances), d.ContainerInstances, d.Failures)
	}

	// List: paging, filters.
	for i := range 4 {
		c.register(1024, 1024, "ecs.instance-type", []string{"m5.large", "t2.micro"}[i%2])
	}
	var all []string
	p := awsecs.NewListContainerInstancesPaginator(c.ecs, &awsecs.ListContainerInstancesInput{Cluster: aws.String(c.name), MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page.ContainerInstanceArns...)
	}
	if len(all) != 5 || pages != 3 || all[0] != arn {
		t.Errorf("paged list = %d ARNs in %d pages (first %s); want 5 in 3, in registration order", len(all), pages, all[0])
	}
	ls, err := c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{
		Cluster: aws.String(c.name), Filter: aws.String("attribute:ecs.instance-type == t2.micro and agentVersion >= 1.10.0"),
	})
	if err != nil || !slices.Equal(ls.ContainerInstanceArns, []string{arn}) {
		t.Errorf("filtered list = %v, %v; want [%s] (the others have no agent version)", ls.ContainerInstanceArns, err, arn)
	}
	_, err = c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: aws.String(c.name), Filter: aws.String("attribute:stack ==")})
	apiError(t, "filter syntax error", err, "InvalidParameterException", "Invalid filter")

	// Deregister: refused while a task runs, forced stops it.
	c.taskdef("pinned", 0, 64)
	run := c.run(&awsecs.RunTaskInput{
		TaskDefinition:       aws.String("pinned"),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:stack == blue")}},
	})
	if len(run.Tasks) != 1 || aws.ToString(run.Tasks[0].ContainerInstanceArn) != arn {
		t.Fatalf("pinned task: %+v, failures %+v; want it on %s", run.Tasks, run.Failures, arn)
	}
	_, err = c.ecs.DeregisterContainerInstance(ctx(t), &awsecs.DeregisterContainerInstanceInput{Cluster: aws.String(c.name), ContainerInstance: aws.String(arn)})
	apiError(t, "deregister with a task", err, "InvalidParameterException", "Found running tasks on the instance.")
	dereg, err := c.ecs.DeregisterContainerInstance(ctx(t), &awsecs.DeregisterContainerInstanceInput{Cluster: aws.String(c.name), ContainerInstance: aws.String(arn), Force: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(dereg.ContainerInstance.Status) != "INACTIVE" || dereg.ContainerInstance.AgentConnected {
		t.Errorf("deregistered instance: status %s, agentConnected %v; want INACTIVE, false", aws.ToString(dereg.ContainerInstance.Status), dereg.ContainerInstance.AgentConnected)
	}
	task := c.waitTask(aws.ToString(run.Tasks[0].TaskArn), "STOPPED")
	if aws.ToString(task.StoppedReason) != "Container instance deregistration forced by user" || task.StopCode != types.TaskStopCodeUserInitiated {
		t.Errorf("stopped task: %s %q; want UserInitiated, the forced deregistration reason", task.StopCode, aws.ToString(task.StoppedReason))
	}
	ls, err = c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: aws.String(c.name)})
	if err != nil || len(ls.ContainerInstanceArns) != 4 || slices.Contains(ls.ContainerInstanceArns, arn) {
		t.Errorf("list after deregistration = %v, %v; want the other 4", ls.ContainerInstanceArns, err)
	}
	if got := c.describe(arn)[0]; aws.ToString(got.Status) != "INACTIVE" {
		t.Errorf("describe deregistered: status %s; want INACTIVE", aws.ToString(got.Status))
	}
	run = c.run(&awsecs.RunTaskInput{
		TaskDefinition:       aws.String("pinned"),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:stack == blue")}},
	})
	if len(run.Tasks) != 0 || len(run.Failures) != 1 {
		t.Errorf("placing on a deregistered instance: %d tasks, failures %+v; want a failure", len(run.Tasks), run.Failures)
	}
}

func (c *cluster) waitTask(arn, status string) types.Task {
	c.t.Helper()
	cx := ctx(c.t)
	for {
		out, err := c.ecs.DescribeTasks(cx, &awsecs.DescribeTasksInput{Cluster: aws.String(c.name), Tasks: []string{arn}})
		if err != nil {
			c.t.Fatal(err)
		}
		if len(out.Tasks) == 1 && aws.ToString(out.Tasks[0].LastStatus) == status {
			return out.Tasks[0]
		}
		select {
		case <-cx.Done():
			c.t.Fatalf("task %s: timed out waiting for %s; last %+v", arn, status, out.Tasks)
		default:
		}
		c.waitTick(cx)
	}
}

func TestContainerInstances_ErrorPaths(t *testing.T) {
	c := newCluster(t, false, nil)
	arn := c.register(1024, 1024)
	cl := aws.String(c.name)
	_, err := c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{Cluster: cl, TotalResources: resources(1024, 0)})
	apiError(t, "register without memory", err, "InvalidParameterException", "MEMORY")
	_, err = c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{Cluster: aws.String("ghost"), TotalResources: resources(1024, 1024)})
	apiError(t, "register in an unknown cluster", err, "ClusterNotFoundException", "Cluster not found.")
	_, err = c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{Cluster: cl, TotalResources: resources(1024, 1024), Attributes: attrs("bad name", "x")})
	apiError(t, "register with a bad attribute", err, "InvalidParameterException", "bad name")
	many := []string{}
	for i := range 11 {
		many = append(many, "custom"+strconv.Itoa(i), "v")
	}
	_, err = c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{Cluster: cl, TotalResources: resources(1024, 1024), Attributes: attrs(many...)})
	apiError(t, "register with 11 custom attributes", err, "InvalidParameterException", "up to 10")
	_, err = c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{Cluster: cl, TotalResources: resources(1024, 1024), InstanceIdentityDocument: aws.String("{not json")})
	apiError(t, "register with a bad identity document", err, "InvalidParameterException", "instanceIdentityDocument")
	_, err = c.ecs.RegisterContainerInstance(ctx(t), &awsecs.RegisterContainerInstanceInput{Cluster: cl, TotalResources: resources(1024, 1024),
		ContainerInstanceArn: aws.String("arn:aws:ecs:us-east-1:000000000000:container-instance/" + c.name + "/0000")})
	apiError(t, "re-register an unknown instance", err, "InvalidParameterException", "not registered")
	_, err = c.ecs.DeregisterContainerInstance(ctx(t), &awsecs.DeregisterContainerInstanceInput{Cluster: cl, ContainerInstance: aws.String("nope")})
	apiError(t, "deregister unknown", err, "InvalidParameterException", "not found")
	_, err = c.ecs.DeregisterContainerInstance(ctx(t), &awsecs.DeregisterContainerInstanceInput{Cluster: aws.String("default"), ContainerInstance: aws.String(arn)})
	apiError(t, "deregister from another cluster", err, "InvalidParameterException", "not found")
	_, err = c.ecs.DescribeContainerInstances(ctx(t), &awsecs.DescribeContainerInstancesInput{Cluster: cl, ContainerInstances: []string{}})
	apiError(t, "describe nothing", err, "InvalidParameterException", "containerInstances")
	_, err = c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: cl, Filter: aws.String("attribute:x =~ (?=a)")})
	apiError(t, "java-only regex", err, "InvalidParameterException", "Invalid filter")
	_, err = c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: cl, NextToken: aws.String("garbage")})
	apiError(t, "bad token", err, "InvalidParameterException", "nextToken")
	_, err = c.ecs.UpdateContainerInstancesState(ctx(t), &awsecs.UpdateContainerInstancesStateInput{Cluster: aws.String("ghost"), ContainerInstances: []string{arn}, Status: types.ContainerInstanceStatusDraining})
	apiError(t, "update in an unknown cluster", err, "ClusterNotFoundException", "Cluster not found.")
	_, err = c.ecs.DeleteCluster(ctx(t), &awsecs.DeleteClusterInput{Cluster: cl})
	apiError(t, "delete a cluster with instances", err, "ClusterContainsContainerInstancesException", "Container Instances")
	dc, err := c.ecs.DescribeClusters(ctx(t), &awsecs.DescribeClustersInput{Clusters: []string{c.name}})
	if err != nil || dc.Clusters[0].RegisteredContainerInstancesCount != 1 {
		t.Errorf("registeredContainerInstancesCount = %+v, %v; want 1", dc.Clusters, err)
	}
}

func TestRunTask_CapacityRules(t *testing.T) {
	c := newCluster(t, false, nil)
	c.taskdef("where", 0, 64)
	// No instances: EC2 fails as ECS does; nothing asked runs on the host.
	_, err := c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String(c.name), TaskDefinition: aws.String("where"), LaunchType: types.LaunchTypeEc2})
	apiError(t, "EC2 without instances", err, "InvalidParameterException", "No Container Instances were found in your cluster.")
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("where")})
	if len(out.Tasks) != 1 || out.Tasks[0].ContainerInstanceArn != nil {
		t.Fatalf("default capacity without instances: %+v; want one task without a container instance", out.Tasks)
	}
	_, err = c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String(c.name), TaskDefinition: aws.String("where"),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeDistinctInstance}}})
	apiError(t, "a constraint without instances", err, "InvalidParameterException", "Register container instances")
	arn := c.register(1024, 1024)
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("where")})
	if len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].ContainerInstanceArn) != arn {
		t.Errorf("default capacity with an instance: %+v; want the task on %s", out.Tasks, arn)
	}
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("where"), LaunchType: types.LaunchTypeEc2})
	if len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].ContainerInstanceArn) != arn {
		t.Errorf("EC2 with an instance: %+v; want the task on %s", out.Tasks, arn)
	}
	// FARGATE never uses placement.
	_, err = c.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("far"), NetworkMode: types.NetworkModeAwsvpc, RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Cpu: aws.String("512"), Memory: aws.String("4096"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("fake/app")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	net := &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	for _, lt := range []types.LaunchType{types.LaunchTypeFargate, ""} {
		out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("far"), LaunchType: lt, NetworkConfiguration: net})
		if len(out.Tasks) != 1 || out.Tasks[0].ContainerInstanceArn != nil || out.Tasks[0].LaunchType != types.LaunchTypeFargate {
			t.Errorf("FARGATE (asked %q): %+v, failures %+v; want one FARGATE task off the instances (4 GiB would not fit)", lt, out.Tasks, out.Failures)
		}
	}
	_, err = c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String(c.name), TaskDefinition: aws.String("far"), NetworkConfiguration: net,
		PlacementStrategy: []types.PlacementStrategy{{Type: types.PlacementStrategyTypeRandom}}})
	apiError(t, "FARGATE with a strategy", err, "InvalidParameterException", "not supported with the FARGATE launch type")
}

func TestRunTask_PlacementErrors(t *testing.T) {
	c := newCluster(t, false, nil)
	c.register(1024, 1024)
	c.taskdef("bad", 0, 64)
	run := func(cons []types.PlacementConstraint, strats []types.PlacementStrategy) error {
		_, err := c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String(c.name), TaskDefinition: aws.String("bad"),
			PlacementConstraints: cons, PlacementStrategy: strats})
		return err
	}
	var cons []types.PlacementConstraint
	for range 11 {
		cons = append(cons, types.PlacementConstraint{Type: types.PlacementConstraintTypeDistinctInstance})
	}
	apiError(t, "11 constraints", run(cons, nil), "InvalidParameterException", "Too many placement constraints")
	var strats []types.PlacementStrategy
	for range 6 {
		strats = append(strats, types.PlacementStrategy{Type: types.PlacementStrategyTypeRandom})
	}
	apiError(t, "6 strategies", run(nil, strats), "InvalidParameterException", "Too many placement strategies")
	apiError(t, "bad expression", run([]types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:a == (")}}, nil),
		"InvalidParameterException", "memberOf")
	apiError(t, "memberOf without expression", run([]types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf}}, nil),
		"InvalidParameterException", "expression")
	apiError(t, "bad spread field", run(nil, []types.PlacementStrategy{{Type: types.PlacementStrategyTypeSpread, Field: aws.String("zone")}}),
		"InvalidParameterException", "spread field")
	apiError(t, "bad binpack field", run(nil, []types.PlacementStrategy{{Type: types.PlacementStrategyTypeBinpack, Field: aws.String("disk")}}),
		"InvalidParameterException", "binpack field")

	// A task definition's malformed memberOf expression registers (ECS
	// parses it when placing) and is refused at RunTask.
	_, err := c.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("bad-member"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("fake/app"), Memory: aws.Int32(64)}},
		PlacementConstraints: []types.TaskDefinitionPlacementConstraint{{Type: types.TaskDefinitionPlacementConstraintTypeMemberOf, Expression: aws.String("attribute:ecs.instance-type ==")}},
	})
	if err != nil {
		t.Fatalf("RegisterTaskDefinition with a malformed memberOf expression: %v", err)
	}
	_, err = c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String(c.name), TaskDefinition: aws.String("bad-member")})
	apiError(t, "task definition's bad expression", err, "InvalidParameterException", "invalid memberOf expression")
}

func TestAttributes_PutListDeleteAndPlace(t *testing.T) {
	c := newCluster(t, false, nil)
	a := c.register(2048, 2048)
	b := c.register(2048, 2048)
	cl := aws.String(c.name)
	id := a[strings.LastIndexByte(a, '/')+1:]
	put, err := c.ecs.PutAttributes(ctx(t), &awsecs.PutAttributesInput{Cluster: cl, Attributes: []types.Attribute{
		{Name: aws.String("stack"), Value: aws.String("blue"), TargetId: aws.String(a)},
		{Name: aws.String("gpu-ready"), TargetId: aws.String(id), TargetType: types.TargetTypeContainerInstance},
		{Name: aws.String("stack"), Value: aws.String("green"), TargetId: aws.String(b)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(put.Attributes) != 3 || put.Attributes[0].TargetType != types.TargetTypeContainerInstance {
		t.Errorf("PutAttributes = %+v; want the three attributes back with their target type", put.Attributes)
	}
	la, err := c.ecs.ListAttributes(ctx(t), &awsecs.ListAttributesInput{Cluster: cl, TargetType: types.TargetTypeContainerInstance, AttributeName: aws.String("stack")})
	if err != nil {
		t.Fatal(err)
	}
	if len(la.Attributes) != 2 || aws.ToString(la.Attributes[0].TargetId) != a || aws.ToString(la.Attributes[0].Value) != "blue" {
		t.Errorf("ListAttributes(stack) = %+v; want blue on %s, green on %s", la.Attributes, a, b)
	}
	la, err = c.ecs.ListAttributes(ctx(t), &awsecs.ListAttributesInput{Cluster: cl, TargetType: types.TargetTypeContainerInstance,
		AttributeName: aws.String("stack"), AttributeValue: aws.String("green")})
	if err != nil || len(la.Attributes) != 1 || aws.ToString(la.Attributes[0].TargetId) != b {
		t.Errorf("ListAttributes(stack=green) = %+v, %v; want one on %s", la.Attributes, err, b)
	}
	// Paging over every attribute, built-in ones included.
	n := 0
	p := awsecs.NewListAttributesPaginator(c.ecs, &awsecs.ListAttributesInput{Cluster: cl, TargetType: types.TargetTypeContainerInstance, MaxResults: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Attributes)
	}
	if n < 2*(4+3) {
		t.Errorf("ListAttributes paged %d attributes; want the built-in and custom ones of both instances", n)
	}
	// Placement sees attributes at once.
	c.taskdef("green", 0, 64)
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("green"), Count: aws.Int32(3),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:stack == green")}}})
	if on := placedOn(out.Tasks); on[b] != 3 {
		t.Errorf("memberOf stack == green: %v; want 3 on %s", on, b)
	}
	if _, err := c.ecs.DeleteAttributes(ctx(t), &awsecs.DeleteAttributesInput{Cluster: cl, Attributes: []types.Attribute{
		{Name: aws.String("stack"), TargetId: aws.String(b)},
	}}); err != nil {
		t.Fatal(err)
	}
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("green"),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:stack == green")}}})
	if len(out.Tasks) != 0 || len(out.Failures) != 1 {
		t.Errorf("after DeleteAttributes: %d tasks, failures %+v; want one failure", len(out.Tasks), out.Failures)
	}
	if v, ok := attribute(c.describe(b)[0].Attributes, "stack"); ok {
		t.Errorf("describe after delete: stack = %q; want it gone", v)
	}

	// Error paths.
	put1 := func(a types.Attribute) error {
		_, err := c.ecs.PutAttributes(ctx(t), &awsecs.PutAttributesInput{Cluster: cl, Attributes: []types.Attribute{a}})
		return err
	}
	apiError(t, "unknown target", put1(types.Attribute{Name: aws.String("x"), TargetId: aws.String("arn:aws:ecs:us-east-1:000000000000:container-instance/" + c.name + "/nope")}),
		"TargetNotFoundException", "Could not find target")
	apiError(t, "built-in name", put1(types.Attribute{Name: aws.String("ecs.instance-type"), Value: aws.String("x"), TargetId: aws.String(a)}),
		"InvalidParameterException", "built in")
	apiError(t, "short id without target type", put1(types.Attribute{Name: aws.String("x"), TargetId: aws.String(id)}),
		"InvalidParameterException", "targetType")
	apiError(t, "no target", put1(types.Attribute{Name: aws.String("x")}), "InvalidParameterException", "targetId")
	apiError(t, "bad value", put1(types.Attribute{Name: aws.String("x"), Value: aws.String(" padded"), TargetId: aws.String(a)}),
		"InvalidParameterException", "space")
	var many []types.Attribute
	for i := range 9 {
		many = append(many, types.Attribute{Name: aws.String("k" + strconv.Itoa(i)), Value: aws.String("v"), TargetId: aws.String(a)})
	}
	_, err = c.ecs.PutAttributes(ctx(t), &awsecs.PutAttributesInput{Cluster: cl, Attributes: many})
	apiError(t, "an 11th custom attribute", err, "AttributeLimitExceededException", "limit is 10")
	many = append(many, many[0], many[1])
	_, err = c.ecs.PutAttributes(ctx(t), &awsecs.PutAttributesInput{Cluster: cl, Attributes: many})
	apiError(t, "11 attributes in one call", err, "InvalidParameterException", "1 to 10")
	_, err = c.ecs.ListAttributes(ctx(t), &awsecs.ListAttributesInput{Cluster: cl, TargetType: types.TargetTypeContainerInstance, AttributeValue: aws.String("x")})
	apiError(t, "value without name", err, "InvalidParameterException", "attributeName")
	_, err = c.ecs.DeleteAttributes(ctx(t), &awsecs.DeleteAttributesInput{Cluster: aws.String("ghost"), Attributes: []types.Attribute{{Name: aws.String("x"), TargetId: aws.String(a)}}})
	apiError(t, "delete in an unknown cluster", err, "ClusterNotFoundException", "Cluster not found.")
}

func TestPlacement_ConcurrentRunTasksNeverOvercommit(t *testing.T) {
	c := newCluster(t, false, nil)
	var arns []string
	for range 4 {
		arns = append(arns, c.register(4096, 1024))
	}
	c.taskdef("race", 0, 256)
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed, failed := 0, 0
	for range 10 {
		wg.Go(func() {
			out, err := c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String(c.name), TaskDefinition: aws.String("race"), Count: aws.Int32(2)})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			placed += len(out.Tasks)
			failed += len(out.Failures)
			mu.Unlock()
		})
	}
	wg.Wait()
	if placed != 16 || failed != 4 {
		t.Errorf("placed %d, failed %d; want exactly 16 placed (4 instances x 4) and 4 failures", placed, failed)
	}
	for _, ci := range c.describe(arns...) {
		if mem := resource(ci.RemainingResources, "MEMORY").IntegerValue; mem != 0 {
			t.Errorf("instance %s has %d MiB left; want 0", aws.ToString(ci.ContainerInstanceArn), mem)
		}
	}
}

func TestPlacement_RestartRestoresAllocations(t *testing.T) {
	c := newCluster(t, false, nil)
	arn := c.register(4096, 1024)
	c.taskdef("keep", 0, 256)
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("keep"), Count: aws.Int32(3)})
	if len(out.Tasks) != 3 {
		t.Fatalf("placed %d; want 3", len(out.Tasks))
	}
	stopped := aws.ToString(out.Tasks[0].TaskArn)
	if _, err := c.ecs.StopTask(ctx(t), &awsecs.StopTaskInput{Cluster: aws.String(c.name), Task: aws.String(stopped)}); err != nil {
		t.Fatal(err)
	}
	c.waitTask(stopped, "STOPPED")
	c.reopen(false, nil)
	ci := c.describe(arn)[0]
	if mem := resource(ci.RemainingResources, "MEMORY").IntegerValue; mem != 512 {
		t.Errorf("after restart: %d MiB left; want 512 (two tasks of 256 still run)", mem)
	}
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("keep"), Count: aws.Int32(3)})
	if len(out.Tasks) != 2 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "RESOURCE:MEMORY" {
		t.Errorf("after restart: placed %d, failures %+v; want 2 and RESOURCE:MEMORY", len(out.Tasks), out.Failures)
	}
}

func TestHostInstance_DefaultClusterRunsOnTheHost(t *testing.T) {
	c := newCluster(t, true, nil)
	def := aws.String("default")
	ls, err := c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: def})
	if err != nil || len(ls.ContainerInstanceArns) != 1 {
		t.Fatalf("default cluster instances = %v, %v; want the host", ls.ContainerInstanceArns, err)
	}
	host := ls.ContainerInstanceArns[0]
	d, err := c.ecs.DescribeContainerInstances(ctx(t), &awsecs.DescribeContainerInstancesInput{Cluster: def, ContainerInstances: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	ci := d.ContainerInstances[0]
	if cpu := resource(ci.RegisteredResources, "CPU").IntegerValue; cpu < 1024 || cpu%1024 != 0 {
		t.Errorf("host CPU = %d; want 1024 per core", cpu)
	}
	if mem := resource(ci.RegisteredResources, "MEMORY").IntegerValue; mem < 256 {
		t.Errorf("host MEMORY = %d MiB; want the machine's", mem)
	}
	for _, name := range []string{"ecs.os-type", "ecs.os-family", "ecs.cpu-architecture", "ecs.availability-zone", "ecs.instance-type", "com.amazonaws.ecs.capability.docker-remote-api.1.19"} {
		if _, ok := attribute(ci.Attributes, name); !ok {
			t.Errorf("host lacks attribute %s", name)
		}
	}
	if z, _ := attribute(ci.Attributes, "ecs.availability-zone"); z != "us-east-1a" {
		t.Errorf("host zone = %s; want us-east-1a", z)
	}
	// A typical task (awslogs and memoryReservation require capabilities)
	// runs on the host instance.
	_, err = c.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("typical"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("fake/app"), MemoryReservation: aws.Int32(64),
			LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{"awslogs-group": "g", "awslogs-region": "us-east-1"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{TaskDefinition: aws.String("typical")})
	if err != nil || len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].ContainerInstanceArn) != host {
		t.Fatalf("RunTask on default = %+v, failures %+v, %v; want the task on the host instance", out.Tasks, out.Failures, err)
	}
	c.reopen(true, nil)
	ls, err = c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: def})
	if err != nil || !slices.Equal(ls.ContainerInstanceArns, []string{host}) {
		t.Errorf("after restart: %v, %v; want the same host instance only", ls.ContainerInstanceArns, err)
	}
}

func TestConfig_DeclaresInstancesStably(t *testing.T) {
	cfg, err := serveconfig.Parse([]byte(`
instances:
  - name: web
    cluster: declared
    count: 3
    cpu: 1024
    memory: 1GB
    zones: [us-east-1a, us-east-1b, us-east-1c]
    instanceType: m5.large
    attributes: {stack: blue}
  - name: off
    cluster: offline
    cpu: 1024
    memory: 1GB
    agentConnected: false
`))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, false, cfg)
	list := func() []string {
		ls, err := c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{Cluster: aws.String("declared")})
		if err != nil {
			t.Fatal(err)
		}
		return ls.ContainerInstanceArns
	}
	first := list()
	if len(first) != 3 {
		t.Fatalf("declared instances = %v; want 3", first)
	}
	d, err := c.ecs.DescribeContainerInstances(ctx(t), &awsecs.DescribeContainerInstancesInput{Cluster: aws.String("declared"), ContainerInstances: first})
	if err != nil {
		t.Fatal(err)
	}
	for i, ci := range d.ContainerInstances {
		z, _ := attribute(ci.Attributes, "ecs.availability-zone")
		typ, _ := attribute(ci.Attributes, "ecs.instance-type")
		if z != "us-east-1"+string(rune('a'+i)) || typ != "m5.large" || !ci.AgentConnected {
			t.Errorf("web-%d: zone %s, type %s, connected %v", i+1, z, typ, ci.AgentConnected)
		}
	}
	if _, err := c.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{Family: aws.String("x"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("fake/app"), Memory: aws.Int32(64)}}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String("offline"), TaskDefinition: aws.String("x")})
	if err != nil || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "AGENT" {
		t.Errorf("placing on the disconnected instance: %+v, %v; want an AGENT failure", out.Failures, err)
	}
	// The same declaration finds the same instances; a smaller one
	// deregisters the rest.
	c.reopen(false, cfg)
	if again := list(); !slices.Equal(again, first) {
		t.Errorf("after restart: %v; want the same ARNs %v", again, first)
	}
	cfg.Instances = cfg.Instances[:1]
	c.reopen(false, cfg)
	if again := list(); !slices.Equal(again, first[:1]) {
		t.Errorf("after dropping two declarations: %v; want %v", again, first[:1])
	}
}

func TestRunTask_TaskOnVirtualInstanceIsDescribedWithIt(t *testing.T) {
	c := newCluster(t, false, nil)
	arn := c.register(1024, 1024, "ecs.availability-zone", "eu-west-1b")
	c.taskdef("info", 0, 64)
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("info")})
	task := c.waitTask(aws.ToString(out.Tasks[0].TaskArn), "RUNNING")
	if aws.ToString(task.ContainerInstanceArn) != arn || aws.ToString(task.AvailabilityZone) != "eu-west-1b" {
		t.Errorf("task = instance %s, zone %s; want %s in eu-west-1b", aws.ToString(task.ContainerInstanceArn), aws.ToString(task.AvailabilityZone), arn)
	}
}

// waitTick waits a little before polling again.
func (c *cluster) waitTick(cx context.Context) {
	select {
	case <-cx.Done():
	case <-time.After(10 * time.Millisecond):
	}
}

// TestEngine_TaskOnVirtualInstanceRunsInDocker shows that a task placed on
// a virtual container instance really runs, on the local Docker engine.
func TestEngine_TaskOnVirtualInstanceRunsInDocker(t *testing.T) {
	h, image := newHarness(t)
	c := ctx(t)
	if _, err := h.ecs.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("virtual")}); err != nil {
		t.Fatal(err)
	}
	reg, err := h.ecs.RegisterContainerInstance(c, &awsecs.RegisterContainerInstanceInput{
		Cluster: aws.String("virtual"), TotalResources: resources(1024, 512),
		Attributes: attrs("ecs.availability-zone", "us-east-1c", "ecs.instance-type", "t3.small"),
	})
	if err != nil {
		t.Fatal(err)
	}
	instance := aws.ToString(reg.ContainerInstance.ContainerInstanceArn)
	if _, err := h.ecs.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("virtual"),
		ContainerDefinitions: []types.ContainerDefinition{container("app", image, true, "out", "hello from a virtual instance", "--", "exit", "3")}}); err != nil {
		t.Fatal(err)
	}
	out, err := h.ecs.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("virtual"), TaskDefinition: aws.String("virtual"),
		PlacementConstraints: []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:ecs.instance-type =~ t3.*")}}})
	if err != nil || len(out.Tasks) != 1 {
		t.Fatalf("RunTask = %+v, %v", out, err)
	}
	arn := aws.ToString(out.Tasks[0].TaskArn)
	h.arns = append(h.arns, arn)
	var task types.Task
	for {
		d, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("virtual"), Tasks: []string{arn}})
		if err != nil {
			t.Fatal(err)
		}
		if task = d.Tasks[0]; aws.ToString(task.LastStatus) == "STOPPED" {
			break
		}
		select {
		case <-c.Done():
			t.Fatalf("task did not stop: %+v", task)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got := exitCode(task, "app"); got == nil || *got != 3 {
		t.Errorf("exit code = %v; want 3", got)
	}
	if aws.ToString(task.ContainerInstanceArn) != instance || aws.ToString(task.AvailabilityZone) != "us-east-1c" {
		t.Errorf("task ran on %s in %s; want %s in us-east-1c", aws.ToString(task.ContainerInstanceArn), aws.ToString(task.AvailabilityZone), instance)
	}
	if id := aws.ToString(task.Containers[0].RuntimeId); id == "" {
		t.Errorf("no Docker container id: the task did not run")
	}
	if got := h.logLines("/ecsrun/tasks", "virtual/app/"+taskID(arn)); len(got) != 1 || got[0] != "hello from a virtual instance" {
		t.Errorf("log = %q; want the container's line", got)
	}
}

// runningTasksCount in memberOf expressions and ListContainerInstances
// filters counts the instance's RUNNING tasks, also after a restart.
func TestPlacement_RunningTasksCountCountsRunningTasks(t *testing.T) {
	c := newCluster(t, false, nil)
	a, b := c.register(4096, 4096), c.register(4096, 4096)
	c.taskdef("counted", 0, 128)
	memberOf := func(expr string) []types.PlacementConstraint {
		return []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String(expr)}}
	}
	withOne := func(what string, want ...string) {
		t.Helper()
		out, err := c.ecs.ListContainerInstances(ctx(t), &awsecs.ListContainerInstancesInput{
			Cluster: aws.String(c.name), Filter: aws.String("runningTasksCount == 1"),
		})
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(slices.Values(out.ContainerInstanceArns))
		if want = slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
			t.Errorf("%s: instances with runningTasksCount == 1 = %v; want %v", what, got, want)
		}
	}
	ec2A := aws.ToString(c.describe(a)[0].Ec2InstanceId)
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("counted"), PlacementConstraints: memberOf("ec2InstanceId == " + ec2A)})
	if len(out.Tasks) != 1 {
		t.Fatalf("placed %d, failures %+v; want 1 on %s", len(out.Tasks), out.Failures, a)
	}
	c.waitTask(aws.ToString(out.Tasks[0].TaskArn), "RUNNING")
	withOne("one task running on A", a)

	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("counted"), PlacementConstraints: memberOf("runningTasksCount == 0")})
	if len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].ContainerInstanceArn) != b {
		t.Fatalf("memberOf(runningTasksCount == 0): tasks %+v, failures %+v; want one on %s", out.Tasks, out.Failures, b)
	}
	c.waitTask(aws.ToString(out.Tasks[0].TaskArn), "RUNNING")
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("counted"), PlacementConstraints: memberOf("runningTasksCount == 0")})
	if len(out.Tasks) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MemberOf placement constraint unsatisfied." {
		t.Errorf("memberOf(runningTasksCount == 0) with a task running on each: tasks %d, failures %+v; want a MemberOf failure", len(out.Tasks), out.Failures)
	}
	withOne("one task running on each", a, b)
	c.reopen(false, nil)
	withOne("after a restart", a, b)
}
