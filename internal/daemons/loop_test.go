package daemons

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	cpcore "github.com/ecsrun/ecsrun/internal/capacityproviders"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/store"
)

// clusterCP is a control plane with one cluster "dc" whose capacity
// provider "cp-d" has two container instances. A task it runs is RUNNING
// at once; a task it stops keeps lastStatus RUNNING until stopAll.
type clusterCP struct {
	fakeCP

	mu        sync.Mutex
	instances []ecsmodel.ContainerInstance
	tasks     []*ecsmodel.Task
	// onList, when set, runs at the start of a ListTasks (outside mu),
	// as a call made while a step looks at the tasks.
	onList func()
}

func newClusterCP() *clusterCP {
	f := &clusterCP{}
	for i := range 2 {
		f.instances = append(f.instances, ecsmodel.ContainerInstance{
			ContainerInstanceArn: fmt.Sprintf("arn:aws:ecs:us-east-1:000000000000:container-instance/dc/ci%d", i),
			Ec2InstanceId:        fmt.Sprintf("i-%d", i), CapacityProviderName: "cp-d", Status: "ACTIVE",
		})
	}
	return f
}

func (f *clusterCP) DescribeClusters(context.Context, *ecsmodel.DescribeClustersRequest) (*ecsmodel.DescribeClustersResponse, error) {
	return &ecsmodel.DescribeClustersResponse{Clusters: []ecsmodel.Cluster{{ClusterName: "dc", Status: "ACTIVE", CapacityProviders: []string{"cp-d"}}}}, nil
}

func (f *clusterCP) ListContainerInstances(context.Context, *ecsmodel.ListContainerInstancesRequest) (*ecsmodel.ListContainerInstancesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecsmodel.ListContainerInstancesResponse{}
	for _, in := range f.instances {
		out.ContainerInstanceArns = append(out.ContainerInstanceArns, in.ContainerInstanceArn)
	}
	return out, nil
}

func (f *clusterCP) DescribeContainerInstances(context.Context, *ecsmodel.DescribeContainerInstancesRequest) (*ecsmodel.DescribeContainerInstancesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &ecsmodel.DescribeContainerInstancesResponse{ContainerInstances: slices.Clone(f.instances)}, nil
}

func (f *clusterCP) ListTasks(_ context.Context, in *ecsmodel.ListTasksRequest) (*ecsmodel.ListTasksResponse, error) {
	f.mu.Lock()
	hook := f.onList
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	want := string(in.DesiredStatus)
	if want == "" {
		want = "RUNNING"
	}
	out := &ecsmodel.ListTasksResponse{}
	for _, t := range f.tasks {
		if t.DesiredStatus == want {
			out.TaskArns = append(out.TaskArns, t.TaskArn)
		}
	}
	return out, nil
}

func (f *clusterCP) DescribeTasks(_ context.Context, in *ecsmodel.DescribeTasksRequest) (*ecsmodel.DescribeTasksResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &ecsmodel.DescribeTasksResponse{}
	for _, t := range f.tasks {
		if slices.Contains(in.Tasks, t.TaskArn) {
			out.Tasks = append(out.Tasks, *t)
		}
	}
	return out, nil
}

func (f *clusterCP) RunTask(_ context.Context, in *ecsmodel.RunTaskRequest) (*ecsmodel.RunTaskResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &ecsmodel.Task{TaskArn: fmt.Sprintf("arn:aws:ecs:us-east-1:000000000000:task/dc/t%d", len(f.tasks)),
		TaskDefinitionArn: in.TaskDefinition, Group: in.Group, StartedBy: in.StartedBy, LastStatus: "RUNNING", DesiredStatus: "RUNNING"}
	f.tasks = append(f.tasks, t)
	return &ecsmodel.RunTaskResponse{Tasks: []ecsmodel.Task{*t}}, nil
}

func (f *clusterCP) StopTask(_ context.Context, in *ecsmodel.StopTaskRequest) (*ecsmodel.StopTaskResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tasks {
		if t.TaskArn == in.Task {
			t.DesiredStatus = "STOPPED"
		}
	}
	return &ecsmodel.StopTaskResponse{}, nil
}

// stopAll ends the tasks told to stop.
func (f *clusterCP) stopAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.tasks {
		if t.DesiredStatus == "STOPPED" {
			t.LastStatus = "STOPPED"
		}
	}
}

type providers map[string]cpcore.Info

func (p providers) Provider(name string) (cpcore.Info, bool) {
	i, ok := p[name]
	return i, ok
}

// openLoopManager opens a manager on the state in dir attached to f.
func openLoopManager(t *testing.T, dir string, f *clusterCP) *Manager {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := Open(context.Background(), Options{DB: db, Account: ecs.DefaultAccountInfo(),
		Providers: providers{"cp-d": {Name: "cp-d", Usable: true}}})
	if err != nil {
		t.Fatal(err)
	}
	m.Attach(f)
	return m
}

// daemonSetup registers two revisions of the daemon task definition
// "agent" and creates the daemon "agent" of revision 1; it returns the
// daemon, its first deployment and the two definitions.
func daemonSetup(t *testing.T, m *Manager) (daemon, deployment, def1, def2 string) {
	t.Helper()
	c := context.Background()
	var defs []string
	for range 2 {
		out, err := m.RegisterDaemonTaskDefinition(c, &ecsmodel.RegisterDaemonTaskDefinitionRequest{Family: "agent",
			ContainerDefinitions: []ecsmodel.DaemonContainerDefinition{{Name: "a", Image: "img", Command: []string{"serve"}}}})
		if err != nil {
			t.Fatal(err)
		}
		defs = append(defs, out.DaemonTaskDefinitionArn)
	}
	out, err := m.CreateDaemon(c, &ecsmodel.CreateDaemonRequest{DaemonName: "agent", ClusterArn: "dc", DaemonTaskDefinitionArn: defs[0], CapacityProviderArns: []string{"cp-d"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.DaemonArn, out.DeploymentArn, defs[0], defs[1]
}

func deploymentOf(t *testing.T, m *Manager, arn string) ecsmodel.DaemonDeployment {
	t.Helper()
	out, err := m.DescribeDaemonDeployments(context.Background(), &ecsmodel.DescribeDaemonDeploymentsRequest{DaemonDeploymentArns: []string{arn}})
	if err != nil || len(out.DaemonDeployments) != 1 {
		t.Fatalf("DescribeDaemonDeployments %s: %v %+v", arn, err, out)
	}
	return out.DaemonDeployments[0]
}

// stepUntil steps m until the deployment arn has status want, at most 10
// times.
func stepUntil(t *testing.T, m *Manager, arn string, want ecsmodel.DaemonDeploymentStatus) ecsmodel.DaemonDeployment {
	t.Helper()
	for range 10 {
		m.Step(context.Background())
		if dep := deploymentOf(t, m, arn); dep.Status == want {
			return dep
		}
	}
	t.Fatalf("deployment %s: not %s after 10 steps: %+v", arn, want, deploymentOf(t, m, arn))
	return ecsmodel.DaemonDeployment{}
}

func derefOr(n *int32, or int32) int32 {
	if n == nil {
		return or
	}
	return *n
}

func sourceARNs(dep ecsmodel.DaemonDeployment) []string {
	var out []string
	for _, s := range dep.SourceDaemonRevisions {
		out = append(out, s.Arn)
	}
	return out
}

// TestManager_UpdateDuringAStep: an UpdateDaemon made while a step looks
// at the tasks (which all run the old revision) does not make the new
// deployment SUCCESSFUL; it succeeds once both instances run the new
// revision, and then says so.
func TestManager_UpdateDuringAStep(t *testing.T) {
	f := newClusterCP()
	m := openLoopManager(t, t.TempDir(), f)
	c := context.Background()
	daemon, first, _, def2 := daemonSetup(t, m)
	dep1 := stepUntil(t, m, first, ecsmodel.DaemonDeploymentStatusSUCCESSFUL)
	rev1 := dep1.TargetDaemonRevision.Arn

	var up *ecsmodel.UpdateDaemonResponse
	f.onList = func() {
		f.onList = nil
		var err error
		if up, err = m.UpdateDaemon(c, &ecsmodel.UpdateDaemonRequest{DaemonArn: daemon, DaemonTaskDefinitionArn: def2, CapacityProviderArns: []string{"cp-d"}}); err != nil {
			t.Fatal(err)
		}
	}
	m.Step(c)
	if up == nil {
		t.Fatal("the step listed no tasks")
	}
	if dep := deploymentOf(t, m, up.DeploymentArn); dep.Status == ecsmodel.DaemonDeploymentStatusSUCCESSFUL || !slices.Equal(sourceARNs(dep), []string{rev1}) {
		t.Errorf("the update deployment after the step it was made during: %s, sources %v; want not SUCCESSFUL, sources [%s]", dep.Status, sourceARNs(dep), rev1)
	}
	dep := stepUntil(t, m, up.DeploymentArn, ecsmodel.DaemonDeploymentStatusSUCCESSFUL)
	if n := dep.TargetDaemonRevision.TotalRunningInstanceCount; n == nil || *n != 2 {
		t.Errorf("the successful update deployment runs its revision on %d instances; want 2", derefOr(n, -1))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, task := range f.tasks {
		// fakeCP registered revision 2's backing task definition second.
		if want := "arn:aws:ecs:us-east-1:000000000000:task-definition/ecs-daemon-agent:2"; task.DesiredStatus == "RUNNING" && task.TaskDefinitionArn != want {
			t.Errorf("after the update deployment, a task of %s runs; want only %s", task.TaskDefinitionArn, want)
		}
	}
}

// TestManager_DeleteWaitsForTheTasksToStop: a deleted daemon stays
// DELETE_IN_PROGRESS while its tasks stop, however many steps pass, and
// is gone once they have stopped.
func TestManager_DeleteWaitsForTheTasksToStop(t *testing.T) {
	f := newClusterCP()
	m := openLoopManager(t, t.TempDir(), f)
	c := context.Background()
	daemon, first, _, _ := daemonSetup(t, m)
	stepUntil(t, m, first, ecsmodel.DaemonDeploymentStatusSUCCESSFUL)
	if _, err := m.DeleteDaemon(c, &ecsmodel.DeleteDaemonRequest{DaemonArn: daemon}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		m.Step(c)
		d, err := m.DescribeDaemon(c, &ecsmodel.DescribeDaemonRequest{DaemonArn: daemon})
		if err != nil || d.Daemon.Status != ecsmodel.DaemonStatusDELETEINPROGRESS {
			t.Fatalf("step %d while the tasks stop: DescribeDaemon = %+v, %v; want DELETE_IN_PROGRESS", i+1, d, err)
		}
	}
	f.stopAll()
	m.Step(c)
	if _, err := m.DescribeDaemon(c, &ecsmodel.DescribeDaemonRequest{DaemonArn: daemon}); !errors.Is(err, ErrDaemonNotFound) {
		t.Errorf("DescribeDaemon once the tasks stopped: %v; want %v", err, ErrDaemonNotFound)
	}
}

// TestManager_SourcesAfterARestart: an UpdateDaemon made after a restart,
// before the loop has looked at the tasks, names the revision it
// replaces.
func TestManager_SourcesAfterARestart(t *testing.T) {
	f, dir := newClusterCP(), t.TempDir()
	m := openLoopManager(t, dir, f)
	daemon, first, _, def2 := daemonSetup(t, m)
	rev1 := stepUntil(t, m, first, ecsmodel.DaemonDeploymentStatusSUCCESSFUL).TargetDaemonRevision.Arn

	m = openLoopManager(t, dir, f)
	up, err := m.UpdateDaemon(context.Background(), &ecsmodel.UpdateDaemonRequest{DaemonArn: daemon, DaemonTaskDefinitionArn: def2, CapacityProviderArns: []string{"cp-d"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sourceARNs(deploymentOf(t, m, up.DeploymentArn)); !slices.Equal(got, []string{rev1}) {
		t.Errorf("sources of an update just after a restart = %v; want [%s]", got, rev1)
	}
}
