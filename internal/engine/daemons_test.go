package engine

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// newDaemonEnv is a capacity environment whose group asg-d has two
// instances (up to three) and whose daemon loop runs on its own.
func newDaemonEnv(t *testing.T) *capEnv {
	t.Helper()
	return newDaemonEnvWith(t, `
autoScalingGroups:
  - name: asg-d
    minSize: 2
    maxSize: 3
    cpu: 1024
    memory: 2048
`)
}

func newDaemonEnvWith(t *testing.T, config string) *capEnv {
	t.Helper()
	cfg, err := serveconfig.Parse([]byte(config))
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

// TestDaemons_EndToEnd: a daemon on an Auto Scaling group provider runs
// one task on each of its instances, one more when the group grows, a new
// one for a task that stopped; UpdateDaemon rolls revision 2 out instance
// by instance; a restart keeps everything; DeleteDaemon stops the tasks.
func TestDaemons_EndToEnd(t *testing.T) {
	env := newDaemonEnv(t)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("cp-d"), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-d")}}))
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("dc"),
		CapacityProviders: []string{"cp-d"}, DefaultCapacityProviderStrategy: strategy("cp-d", 0, 1)}))
	env.step()

	register := func(image string, stopTimeout int32) string {
		return aws.ToString(ok[*awsecs.RegisterDaemonTaskDefinitionOutput](t, "RegisterDaemonTaskDefinition")(e.RegisterDaemonTaskDefinition(c, &awsecs.RegisterDaemonTaskDefinitionInput{
			Family: aws.String("agent"), Cpu: aws.String("128"), Memory: aws.String("128"),
			ContainerDefinitions: []types.DaemonContainerDefinition{{Name: aws.String("agent"), Image: aws.String(image), Command: []string{"serve"}, StopTimeout: aws.Int32(stopTimeout)}},
		})).DaemonTaskDefinitionArn)
	}
	def1 := register("busybox:1", 1)
	if def1 != "arn:aws:ecs:us-east-1:000000000000:daemon-task-definition/agent:1" {
		t.Errorf("daemon task definition ARN %s", def1)
	}
	dd := ok[*awsecs.DescribeDaemonTaskDefinitionOutput](t, "DescribeDaemonTaskDefinition")(e.DescribeDaemonTaskDefinition(c, &awsecs.DescribeDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String("agent")})).DaemonTaskDefinition
	if dd.Revision != 1 || dd.Status != types.DaemonTaskDefinitionStatusActive || aws.ToString(dd.ContainerDefinitions[0].Image) != "busybox:1" {
		t.Errorf("DescribeDaemonTaskDefinition = %+v", dd)
	}
	_, err := e.RegisterDaemonTaskDefinition(c, &awsecs.RegisterDaemonTaskDefinitionInput{Family: aws.String("bad family"), ContainerDefinitions: []types.DaemonContainerDefinition{{Name: aws.String("a"), Image: aws.String("x")}}})
	apiErr(t, "RegisterDaemonTaskDefinition with a bad family", err, "ClientException", "invalid characters")

	created := ok[*awsecs.CreateDaemonOutput](t, "CreateDaemon")(e.CreateDaemon(c, &awsecs.CreateDaemonInput{
		DaemonName: aws.String("agent"), ClusterArn: aws.String("dc"), DaemonTaskDefinitionArn: aws.String(def1),
		CapacityProviderArns:    []string{"arn:aws:ecs:us-east-1:000000000000:capacity-provider/cp-d"},
		DeploymentConfiguration: &types.DaemonDeploymentConfiguration{DrainPercent: aws.Float64(34)},
		Tags:                    []types.Tag{{Key: aws.String("team"), Value: aws.String("infra")}}, PropagateTags: types.DaemonPropagateTagsDaemon,
	}))
	daemonARN := aws.ToString(created.DaemonArn)
	if daemonARN != "arn:aws:ecs:us-east-1:000000000000:daemon/dc/agent" || created.Status != types.DaemonStatusActive {
		t.Errorf("CreateDaemon = %s %s", daemonARN, created.Status)
	}
	_, err = e.CreateDaemon(c, &awsecs.CreateDaemonInput{DaemonName: aws.String("agent"), ClusterArn: aws.String("dc"), DaemonTaskDefinitionArn: aws.String(def1), CapacityProviderArns: []string{"cp-d"}})
	apiErr(t, "CreateDaemon twice", err, "InvalidParameterException", "already exists")
	_, err = e.CreateDaemon(c, &awsecs.CreateDaemonInput{DaemonName: aws.String("f"), ClusterArn: aws.String("dc"), DaemonTaskDefinitionArn: aws.String(def1), CapacityProviderArns: []string{"FARGATE"}})
	apiErr(t, "CreateDaemon on Fargate", err, "InvalidParameterException", "container instances")

	// daemonTasks returns the daemon's RUNNING tasks: instance -> task
	// definition.
	daemonTasks := func() map[string]string {
		out := map[string]string{}
		ls := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc")}))
		if len(ls.TaskArns) == 0 {
			return out
		}
		d := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("dc"), Tasks: ls.TaskArns}))
		for _, task := range d.Tasks {
			if aws.ToString(task.Group) != "daemon:agent" || aws.ToString(task.LastStatus) != "RUNNING" || aws.ToString(task.DesiredStatus) != "RUNNING" {
				continue
			}
			if prev, dup := out[aws.ToString(task.ContainerInstanceArn)]; dup {
				t.Errorf("two daemon tasks on %s (%s, %s)", aws.ToString(task.ContainerInstanceArn), prev, aws.ToString(task.TaskDefinitionArn))
			}
			out[aws.ToString(task.ContainerInstanceArn)] = aws.ToString(task.TaskDefinitionArn)
		}
		return out
	}
	instances := func() []string {
		return ok[*awsecs.ListContainerInstancesOutput](t, "ListContainerInstances")(e.ListContainerInstances(c, &awsecs.ListContainerInstancesInput{Cluster: aws.String("dc")})).ContainerInstanceArns
	}
	onEach := func(what, def string, n int) {
		t.Helper()
		env.eventually(what, func() bool {
			got := daemonTasks()
			if len(got) != n || len(instances()) != n {
				return false
			}
			for _, d := range got {
				if !strings.HasSuffix(d, def) {
					return false
				}
			}
			return true
		})
	}
	onEach("one daemon task on each of the 2 instances", "task-definition/ecs-daemon-agent:1", 2)
	deployment := func(arn string) types.DaemonDeployment {
		d := ok[*awsecs.DescribeDaemonDeploymentsOutput](t, "DescribeDaemonDeployments")(e.DescribeDaemonDeployments(c, &awsecs.DescribeDaemonDeploymentsInput{DaemonDeploymentArns: []string{arn}}))
		if len(d.DaemonDeployments) != 1 {
			t.Fatalf("DescribeDaemonDeployments %s: %+v", arn, d.Failures)
		}
		return d.DaemonDeployments[0]
	}
	env.eventually("the first deployment succeeds", func() bool {
		return deployment(aws.ToString(created.DeploymentArn)).Status == types.DaemonDeploymentStatusSuccessful
	})
	desc := ok[*awsecs.DescribeDaemonOutput](t, "DescribeDaemon")(e.DescribeDaemon(c, &awsecs.DescribeDaemonInput{DaemonArn: aws.String(daemonARN)})).Daemon
	if len(desc.CurrentRevisions) != 1 || desc.CurrentRevisions[0].TotalRunningCount != 2 || len(desc.CurrentRevisions[0].CapacityProviders) != 1 ||
		desc.CurrentRevisions[0].CapacityProviders[0].RunningCount != 2 {
		t.Errorf("DescribeDaemon = %+v", desc)
	}
	rev1 := aws.ToString(desc.CurrentRevisions[0].Arn)
	tl := ok[*awsecs.ListTagsForResourceOutput](t, "ListTagsForResource of the daemon")(e.ListTagsForResource(c, &awsecs.ListTagsForResourceInput{ResourceArn: aws.String(daemonARN)}))
	if len(tl.Tags) != 1 || aws.ToString(tl.Tags[0].Value) != "infra" {
		t.Errorf("the daemon's tags = %+v", tl.Tags)
	}
	for in := range daemonTasks() {
		arns := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), ContainerInstance: aws.String(in)})).TaskArns
		dt := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks with tags")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("dc"), Tasks: arns, Include: []types.TaskField{types.TaskFieldTags}}))
		if len(dt.Tasks) != 1 || len(dt.Tasks[0].Tags) != 1 || aws.ToString(dt.Tasks[0].Tags[0].Key) != "team" {
			t.Errorf("a daemon task with propagateTags DAEMON has tags %+v", dt.Tasks)
		}
	}
	byName := ok[*awsecs.ListTasksOutput](t, "ListTasks by daemon name")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), DaemonName: aws.String("agent"), MaxResults: aws.Int32(1)}))
	if len(byName.TaskArns) != 1 || byName.NextToken == nil {
		t.Errorf("ListTasks daemonName agent, one a page = %+v", byName)
	}
	if n := ok[*awsecs.ListTasksOutput](t, "ListTasks by another daemon name")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), DaemonName: aws.String("other")})).TaskArns; len(n) != 0 {
		t.Errorf("ListTasks daemonName other = %v", n)
	}

	// A daemon task that stops is replaced.
	before := daemonTasks()
	var victim string
	for in := range before {
		victim = in
	}
	vt := ok[*awsecs.ListTasksOutput](t, "ListTasks on the instance")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), ContainerInstance: aws.String(victim)})).TaskArns
	ok[*awsecs.StopTaskOutput](t, "StopTask")(e.StopTask(c, &awsecs.StopTaskInput{Cluster: aws.String("dc"), Task: aws.String(vt[0])}))
	env.eventually("the stopped daemon task is replaced", func() bool {
		ts := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), ContainerInstance: aws.String(victim)})).TaskArns
		return len(daemonTasks()) == 2 && len(ts) == 1 && ts[0] != vt[0]
	})

	// The group grows to 3 (its declared size, after a restart): the new
	// instance gets a daemon task.
	env.cfg.AutoScalingGroups[0].Desired = 3
	env.h.close()
	env.open()
	e = env.h.ecs
	env.step()
	onEach("a third daemon task on the third instance", "task-definition/ecs-daemon-agent:1", 3)

	// UpdateDaemon rolls revision 2 out instance by instance (34% of 3: one
	// at a time). Revision 2's container ignores the stop signal and has
	// the longest stop timeout, so that its tasks stop only when the test
	// ends them (see DeleteDaemon below).
	env.rt.OnImage("busybox:2", fake.IgnoresStop())
	def2 := register("busybox:2", 120)
	up := ok[*awsecs.UpdateDaemonOutput](t, "UpdateDaemon")(e.UpdateDaemon(c, &awsecs.UpdateDaemonInput{DaemonArn: aws.String(daemonARN),
		DaemonTaskDefinitionArn: aws.String(def2), CapacityProviderArns: []string{"cp-d"}}))
	fewest := 3
	env.eventually("revision 2 on every instance", func() bool {
		n2, ts := 0, daemonTasks()
		for _, d := range ts {
			if strings.HasSuffix(d, ":2") {
				n2++
			}
		}
		fewest = min(fewest, len(ts))
		return n2 == 3 && len(ts) == 3
	})
	if fewest < 2 {
		t.Errorf("during the rollout only %d instances ran a daemon task; one at a time leaves 2", fewest)
	}
	env.eventually("the update deployment succeeds", func() bool {
		return deployment(aws.ToString(up.DeploymentArn)).Status == types.DaemonDeploymentStatusSuccessful
	})
	dep := deployment(aws.ToString(up.DeploymentArn))
	if aws.ToInt32(dep.TargetDaemonRevision.TotalRunningInstanceCount) != 3 || len(dep.SourceDaemonRevisions) != 1 || aws.ToString(dep.SourceDaemonRevisions[0].Arn) != rev1 ||
		aws.ToFloat64(dep.DeploymentConfiguration.DrainPercent) != 34 {
		t.Errorf("update deployment %s: target running instances %d, sources %v, drainPercent %g; want 3, [%s], 34",
			dep.Status, aws.ToInt32(dep.TargetDaemonRevision.TotalRunningInstanceCount), revisionARNs(dep.SourceDaemonRevisions), aws.ToFloat64(dep.DeploymentConfiguration.DrainPercent), rev1)
	}
	revs := ok[*awsecs.DescribeDaemonRevisionsOutput](t, "DescribeDaemonRevisions")(e.DescribeDaemonRevisions(c, &awsecs.DescribeDaemonRevisionsInput{
		DaemonRevisionArns: []string{rev1, aws.ToString(dep.TargetDaemonRevision.Arn), "arn:aws:ecs:us-east-1:000000000000:daemon-revision/dc/agent/nope"}}))
	if len(revs.DaemonRevisions) != 2 || aws.ToString(revs.DaemonRevisions[0].DaemonTaskDefinitionArn) != def1 || aws.ToString(revs.DaemonRevisions[1].DaemonTaskDefinitionArn) != def2 ||
		aws.ToString(revs.DaemonRevisions[1].ContainerImages[0].Image) != "busybox:2" || len(revs.Failures) != 1 {
		t.Errorf("DescribeDaemonRevisions = %+v, failures %+v", revs.DaemonRevisions, revs.Failures)
	}
	lsd := ok[*awsecs.ListDaemonDeploymentsOutput](t, "ListDaemonDeployments")(e.ListDaemonDeployments(c, &awsecs.ListDaemonDeploymentsInput{DaemonArn: aws.String(daemonARN)}))
	if len(lsd.DaemonDeployments) != 2 || aws.ToString(lsd.DaemonDeployments[0].DaemonDeploymentArn) != aws.ToString(up.DeploymentArn) {
		t.Errorf("ListDaemonDeployments = %+v", lsd.DaemonDeployments)
	}

	// A restart keeps the daemon, its tasks (no new ones) and its history.
	running := daemonTasks()
	var taskARNs []string
	for in := range running {
		taskARNs = append(taskARNs, ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), ContainerInstance: aws.String(in)})).TaskArns...)
	}
	sort.Strings(taskARNs)
	env.h.close()
	env.open()
	e = env.h.ecs
	env.step()
	onEach("the daemon tasks after a restart", "task-definition/ecs-daemon-agent:2", 3)
	var after []string
	for in := range daemonTasks() {
		after = append(after, ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), ContainerInstance: aws.String(in)})).TaskArns...)
	}
	sort.Strings(after)
	if !slices.Equal(after, taskARNs) {
		t.Errorf("daemon tasks after a restart %v; want the same as before %v", after, taskARNs)
	}
	ld := ok[*awsecs.ListDaemonsOutput](t, "ListDaemons")(e.ListDaemons(c, &awsecs.ListDaemonsInput{ClusterArn: aws.String("dc")}))
	if len(ld.DaemonSummariesList) != 1 || aws.ToString(ld.DaemonSummariesList[0].DaemonArn) != daemonARN {
		t.Errorf("ListDaemons after a restart = %+v", ld.DaemonSummariesList)
	}
	lt := ok[*awsecs.ListDaemonTaskDefinitionsOutput](t, "ListDaemonTaskDefinitions")(e.ListDaemonTaskDefinitions(c, &awsecs.ListDaemonTaskDefinitionsInput{Sort: types.SortOrderDesc}))
	if len(lt.DaemonTaskDefinitions) != 2 || aws.ToString(lt.DaemonTaskDefinitions[0].Arn) != def2 {
		t.Errorf("ListDaemonTaskDefinitions DESC = %+v", lt.DaemonTaskDefinitions)
	}

	// DeleteDaemonTaskDefinition of the revision in use: DELETE_IN_PROGRESS.
	ok[*awsecs.DeleteDaemonTaskDefinitionOutput](t, "DeleteDaemonTaskDefinition")(e.DeleteDaemonTaskDefinition(c, &awsecs.DeleteDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String("agent:2")}))
	st := ok[*awsecs.DescribeDaemonTaskDefinitionOutput](t, "DescribeDaemonTaskDefinition")(e.DescribeDaemonTaskDefinition(c, &awsecs.DescribeDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String(def2)})).DaemonTaskDefinition
	if st.Status != types.DaemonTaskDefinitionStatusDeleteInProgress || st.DeleteRequestedAt == nil {
		t.Errorf("a deleted revision in use = %s", st.Status)
	}
	_, err = e.DeleteDaemonTaskDefinition(c, &awsecs.DeleteDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String("agent:2")})
	apiErr(t, "DeleteDaemonTaskDefinition twice", err, "ClientException", "only an ACTIVE daemon task definition")

	// DeleteDaemon stops the tasks; the daemon is DELETE_IN_PROGRESS until
	// they have stopped, then gone.
	del := ok[*awsecs.DeleteDaemonOutput](t, "DeleteDaemon")(e.DeleteDaemon(c, &awsecs.DeleteDaemonInput{DaemonArn: aws.String(daemonARN)}))
	if del.Status != types.DaemonStatusDeleteInProgress {
		t.Errorf("DeleteDaemon = %s", del.Status)
	}
	// stopping returns the daemon's tasks told to stop that have not
	// stopped yet.
	stopping := func() []string {
		ls := ok[*awsecs.ListTasksOutput](t, "ListTasks of the daemon, desired STOPPED")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("dc"), DaemonName: aws.String("agent"), DesiredStatus: types.DesiredStatusStopped}))
		if len(ls.TaskArns) == 0 {
			return nil
		}
		var out []string
		for _, task := range ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("dc"), Tasks: ls.TaskArns})).Tasks {
			if aws.ToString(task.LastStatus) != "STOPPED" {
				out = append(out, aws.ToString(task.TaskArn))
			}
		}
		sort.Strings(out)
		return out
	}
	env.eventually("the daemon's 3 tasks are told to stop", func() bool {
		return len(daemonTasks()) == 0 && slices.Equal(stopping(), after)
	})
	// Whatever the daemon loop does while they stop (a full step of it
	// here), the daemon stays DELETE_IN_PROGRESS.
	env.step()
	if d, err := e.DescribeDaemon(c, &awsecs.DescribeDaemonInput{DaemonArn: aws.String(daemonARN)}); err != nil || d.Daemon.Status != types.DaemonStatusDeleteInProgress {
		t.Errorf("DescribeDaemon while its tasks stop = %v, %v; want DELETE_IN_PROGRESS", d, err)
	}
	_, err = e.UpdateDaemon(c, &awsecs.UpdateDaemonInput{DaemonArn: aws.String(daemonARN), DaemonTaskDefinitionArn: aws.String(def1), CapacityProviderArns: []string{"cp-d"}})
	apiErr(t, "UpdateDaemon of a deleted daemon", err, "DaemonNotActiveException", "cannot be updated")
	_, err = e.DeleteDaemon(c, &awsecs.DeleteDaemonInput{DaemonArn: aws.String(daemonARN)})
	apiErr(t, "DeleteDaemon twice", err, "DaemonNotActiveException", "already DELETE_IN_PROGRESS")
	// The containers end (as at their stop timeout).
	for _, arn := range after {
		cs, err := env.rt.List(c, map[string]string{"com.amazonaws.ecs.task-arn": arn})
		if err != nil || len(cs) == 0 {
			t.Fatalf("the containers of %s: %v, %v", arn, cs, err)
		}
		for _, ct := range cs {
			if _, err := env.rt.Exit(ct.ID, runtime.ExitStatus{ExitCode: 137}); err != nil {
				t.Fatal(err)
			}
		}
	}
	env.eventually("the daemon's tasks stop and the daemon is gone", func() bool {
		_, err := e.DescribeDaemon(c, &awsecs.DescribeDaemonInput{DaemonArn: aws.String(daemonARN)})
		return len(daemonTasks()) == 0 && err != nil
	})
	_, err = e.DescribeDaemon(c, &awsecs.DescribeDaemonInput{DaemonArn: aws.String(daemonARN)})
	apiErr(t, "DescribeDaemon of a deleted daemon", err, "DaemonNotFoundException", "ListDaemons")
	env.eventually("the deleted revision nothing deploys is DELETED", func() bool {
		st := ok[*awsecs.DescribeDaemonTaskDefinitionOutput](t, "DescribeDaemonTaskDefinition")(e.DescribeDaemonTaskDefinition(c, &awsecs.DescribeDaemonTaskDefinitionInput{DaemonTaskDefinition: aws.String(def2)})).DaemonTaskDefinition
		return st.Status == types.DaemonTaskDefinitionStatusDeleted
	})
}

// TestDaemons_FirstOnANewInstance: when managed scaling launches an
// instance for a task waiting for capacity, the daemon's task is placed on
// it before the waiting task (which, needing the whole instance, then
// waits on).
func TestDaemons_FirstOnANewInstance(t *testing.T) {
	env := newDaemonEnvWith(t, `
autoScalingGroups:
  - name: asg-p
    minSize: 0
    maxSize: 1
    cpu: 1024
    memory: 2048
`)
	e, c := env.h.ecs, ctx(t)
	ok[*awsecs.CreateCapacityProviderOutput](t, "CreateCapacityProvider")(e.CreateCapacityProvider(c, &awsecs.CreateCapacityProviderInput{
		Name: aws.String("cp-p"), AutoScalingGroupProvider: &types.AutoScalingGroupProvider{AutoScalingGroupArn: aws.String("asg-p"),
			ManagedScaling: &types.ManagedScaling{Status: types.ManagedScalingStatusEnabled, TargetCapacity: aws.Int32(100), InstanceWarmupPeriod: aws.Int32(0)}}}))
	ok[*awsecs.CreateClusterOutput](t, "CreateCluster")(e.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("pc"),
		CapacityProviders: []string{"cp-p"}, DefaultCapacityProviderStrategy: strategy("cp-p", 0, 1)}))
	def := ok[*awsecs.RegisterDaemonTaskDefinitionOutput](t, "RegisterDaemonTaskDefinition")(e.RegisterDaemonTaskDefinition(c, &awsecs.RegisterDaemonTaskDefinitionInput{
		Family: aws.String("agent"), Cpu: aws.String("128"), Memory: aws.String("128"),
		ContainerDefinitions: []types.DaemonContainerDefinition{{Name: aws.String("agent"), Image: aws.String("busybox"), Command: []string{"serve"}}},
	})).DaemonTaskDefinitionArn
	ok[*awsecs.CreateDaemonOutput](t, "CreateDaemon")(e.CreateDaemon(c, &awsecs.CreateDaemonInput{DaemonName: aws.String("agent"), ClusterArn: aws.String("pc"),
		DaemonTaskDefinitionArn: def, CapacityProviderArns: []string{"cp-p"}}))
	ok[*awsecs.RegisterTaskDefinitionOutput](t, "RegisterTaskDefinition")(e.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("big"), Cpu: aws.String("1024"), Memory: aws.String("512"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("busybox"), Command: []string{"serve"}}}}))
	app := ok[*awsecs.RunTaskOutput](t, "RunTask")(e.RunTask(c, &awsecs.RunTaskInput{Cluster: aws.String("pc"), TaskDefinition: aws.String("big")})).Tasks[0].TaskArn
	env.step() // managed scaling launches the instance
	daemonTask := func() *types.Task {
		ts := ok[*awsecs.ListTasksOutput](t, "ListTasks")(e.ListTasks(c, &awsecs.ListTasksInput{Cluster: aws.String("pc"), DaemonName: aws.String("agent")})).TaskArns
		if len(ts) == 0 {
			return nil
		}
		return &ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("pc"), Tasks: ts})).Tasks[0]
	}
	env.eventually("the daemon task runs on the new instance", func() bool {
		d := daemonTask()
		return d != nil && aws.ToString(d.LastStatus) == "RUNNING"
	})
	got := ok[*awsecs.DescribeTasksOutput](t, "DescribeTasks")(e.DescribeTasks(c, &awsecs.DescribeTasksInput{Cluster: aws.String("pc"), Tasks: []string{aws.ToString(app)}})).Tasks[0]
	if aws.ToString(got.LastStatus) != "PROVISIONING" || got.ContainerInstanceArn != nil {
		t.Errorf("the waiting task took the instance before the daemon: %s on %v", aws.ToString(got.LastStatus), aws.ToString(got.ContainerInstanceArn))
	}
}

// revisionARNs lists the ARNs of a deployment's revisions.
func revisionARNs(revs []types.DaemonDeploymentRevisionDetail) []string {
	var out []string
	for _, r := range revs {
		out = append(out, aws.ToString(r.Arn))
	}
	return out
}
