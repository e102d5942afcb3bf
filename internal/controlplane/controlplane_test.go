package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// recorder is a Launcher that records what it is asked to run.
type recorder struct {
	mu       sync.Mutex
	launched []agent.TaskSpec
	adopted  []agent.TaskSpec
	stopped  []string
	running  map[string]bool
}

func (r *recorder) Check(*agent.TaskSpec) error { return nil }
func (r *recorder) Launch(s agent.TaskSpec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.launched = append(r.launched, s)
	if r.running == nil {
		r.running = map[string]bool{}
	}
	r.running[s.ID] = true
}
func (r *recorder) Adopt(s agent.TaskSpec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.adopted = append(r.adopted, s)
}
func (r *recorder) Stop(id, code, reason string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = append(r.stopped, id+":"+reason)
	return r.running[id]
}

type fixture struct {
	t   *testing.T
	dir string
	cp  *ControlPlane
	rec *recorder
	now time.Time
	// forget is Options.Forget (nil: none).
	forget func(context.Context, []LogStream) error
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	f.open()
	return f
}

func (f *fixture) open() {
	if f.cp != nil {
		f.cp.Close() // as the engine does before it closes the database
	}
	ctx := context.Background()
	db, err := store.Open(ctx, f.dir)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	cp, err := Open(ctx, Options{DB: db, Account: ecs.DefaultAccountInfo(), Now: func() time.Time { return f.now }, Forget: f.forget})
	if err != nil {
		f.t.Fatal(err)
	}
	f.rec = &recorder{}
	cp.Start(f.rec)
	f.cp = cp
}

func (f *fixture) register(family string) *ecsmodel.TaskDefinition {
	f.t.Helper()
	out, err := f.cp.RegisterTaskDefinition(context.Background(), &ecsmodel.RegisterTaskDefinitionRequest{
		Family: family,
		ContainerDefinitions: []ecsmodel.ContainerDefinition{
			{Name: "app", Image: "busybox", Memory: ptr32(64)},
			{Name: "sidecar", Image: "busybox", Memory: ptr32(32), Essential: ptrBool(false)},
		},
		Tags: []ecsmodel.Tag{{Key: "team", Value: "a"}},
	})
	if err != nil {
		f.t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	return out.TaskDefinition
}

// runJob registers the family job and runs one task of it; it returns the
// task's id.
func (f *fixture) runJob() string {
	f.t.Helper()
	f.register("job")
	return f.run("")
}

func ptr32(i int32) *int32 { return &i }
func ptrBool(b bool) *bool { return &b }
func ptrInt(i int) *int    { return &i }

func TestRegisterTaskDefinition_Revisions(t *testing.T) {
	f := newFixture(t)
	for want := int32(1); want <= 3; want++ {
		td := f.register("web")
		if td.Revision != want {
			t.Errorf("revision = %d; want %d", td.Revision, want)
		}
		if got, wantARN := td.TaskDefinitionArn, fmt.Sprintf("arn:aws:ecs:us-east-1:000000000000:task-definition/web:%d", want); got != wantARN {
			t.Errorf("arn = %s; want %s", got, wantARN)
		}
		if td.Status != ecsmodel.TaskDefinitionStatusACTIVE {
			t.Errorf("status = %s; want ACTIVE", td.Status)
		}
	}
	ctx := context.Background()
	d, err := f.cp.DescribeTaskDefinition(ctx, &ecsmodel.DescribeTaskDefinitionRequest{TaskDefinition: "web"})
	if err != nil || d.TaskDefinition.Revision != 3 {
		t.Fatalf("Describe(web) = %v, %v; want revision 3", d, err)
	}
	if _, err := f.cp.DeregisterTaskDefinition(ctx, &ecsmodel.DeregisterTaskDefinitionRequest{TaskDefinition: "web:3"}); err != nil {
		t.Fatal(err)
	}
	d, err = f.cp.DescribeTaskDefinition(ctx, &ecsmodel.DescribeTaskDefinitionRequest{TaskDefinition: "web"})
	if err != nil || d.TaskDefinition.Revision != 2 {
		t.Fatalf("Describe(web) after deregistering 3 = %v, %v; want revision 2", d, err)
	}
	_, err = f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "web:3"})
	if !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Errorf("RunTask(inactive) error = %v; want InvalidParameterException", err)
	}
	_, err = f.cp.DescribeTaskDefinition(ctx, &ecsmodel.DescribeTaskDefinitionRequest{TaskDefinition: "nope"})
	if !errors.Is(err, ecs.ErrClient) {
		t.Errorf("Describe(nope) error = %v; want ClientException", err)
	}
}

func TestListTaskDefinitions_PagesInOrder(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		f.register("a")
	}
	f.register("b")
	ctx := context.Background()
	var got []string
	token := ""
	for {
		out, err := f.cp.ListTaskDefinitions(ctx, &ecsmodel.ListTaskDefinitionsRequest{MaxResults: ptr32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.TaskDefinitionArns...)
		if out.NextToken == "" {
			break
		}
		// A registration between pages must not disturb paging.
		if len(got) == 2 {
			f.register("c")
		}
		token = out.NextToken
	}
	want := []string{"a:1", "a:2", "a:3", "a:4", "a:5", "b:1", "c:1"}
	if len(got) != len(want) {
		t.Fatalf("got %d arns %v; want %v", len(got), got, want)
	}
	for i, w := range want {
		if ecs.ResourceName(got[i]) != "task-definition/"+w && got[i][len(got[i])-len(w):] != w {
			t.Errorf("arn %d = %s; want …/%s", i, got[i], w)
		}
	}
	out, err := f.cp.ListTaskDefinitions(ctx, &ecsmodel.ListTaskDefinitionsRequest{FamilyPrefix: "a", Sort: ecsmodel.SortOrderDESC, MaxResults: ptr32(1)})
	if err != nil || len(out.TaskDefinitionArns) != 1 || out.TaskDefinitionArns[0][len(out.TaskDefinitionArns[0])-3:] != "a:5" {
		t.Errorf("DESC first = %v, %v; want a:5", out, err)
	}
}

// TestListTaskDefinitions_FamiliesLexicographically lists families
// lexicographically by name, as ECS does, also when one family's name is
// a prefix of another's, and pages DESC in exactly the reverse order.
func TestListTaskDefinitions_FamiliesLexicographically(t *testing.T) {
	f := newFixture(t)
	for _, fam := range []string{"web2", "web", "web-a", "web_b", "web"} {
		f.register(fam)
	}
	list := func(sort ecsmodel.SortOrder) []string {
		var got []string
		token := ""
		for {
			out, err := f.cp.ListTaskDefinitions(context.Background(), &ecsmodel.ListTaskDefinitionsRequest{Sort: sort, MaxResults: ptr32(2), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, arn := range out.TaskDefinitionArns {
				got = append(got, ecs.ResourceName(arn))
			}
			if token = out.NextToken; token == "" {
				return got
			}
		}
	}
	want := []string{"web:1", "web:2", "web-a:1", "web2:1", "web_b:1"}
	if got := list(""); !slices.Equal(got, want) {
		t.Errorf("ASC = %v; want %v", got, want)
	}
	slices.Reverse(want)
	if got := list(ecsmodel.SortOrderDESC); !slices.Equal(got, want) {
		t.Errorf("DESC = %v; want %v", got, want)
	}
}

func TestRunTask_RecordsAndLaunches(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	out, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", Count: ptr32(3), StartedBy: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tasks) != 3 || len(f.rec.launched) != 3 {
		t.Fatalf("tasks = %d, launched = %d; want 3 and 3", len(out.Tasks), len(f.rec.launched))
	}
	task := out.Tasks[0]
	if task.LastStatus != "PROVISIONING" || task.DesiredStatus != "RUNNING" || task.Group != "family:job" || task.StartedBy != "me" {
		t.Errorf("task = %s/%s group %q startedBy %q; want PROVISIONING/RUNNING family:job me", task.LastStatus, task.DesiredStatus, task.Group, task.StartedBy)
	}
	if len(task.Containers) != 2 || task.Containers[0].LastStatus != "PENDING" {
		t.Errorf("containers = %+v; want two PENDING", task.Containers)
	}
	list, err := f.cp.ListTasks(ctx, &ecsmodel.ListTasksRequest{StartedBy: "me"})
	if err != nil || len(list.TaskArns) != 3 || list.TaskArns[0] != task.TaskArn {
		t.Errorf("ListTasks = %v, %v; want the 3 tasks in start order", list, err)
	}
}

func TestRunTask_Errors(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	tests := []struct {
		name string
		in   ecsmodel.RunTaskRequest
		want error
	}{
		{"unknown cluster", ecsmodel.RunTaskRequest{TaskDefinition: "job", Cluster: "nope"}, ecs.ErrClusterNotFound},
		{"count 11", ecsmodel.RunTaskRequest{TaskDefinition: "job", Count: ptr32(11)}, ecs.ErrInvalidParameter},
		{"count 0", ecsmodel.RunTaskRequest{TaskDefinition: "job", Count: ptr32(0)}, ecs.ErrInvalidParameter},
		{"unknown definition", ecsmodel.RunTaskRequest{TaskDefinition: "nope"}, ecs.ErrClient},
		{"override of unknown container", ecsmodel.RunTaskRequest{TaskDefinition: "job", Overrides: &ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{{Name: "ghost"}}}}, ecs.ErrInvalidParameter},
		{"launch type and capacity providers", ecsmodel.RunTaskRequest{TaskDefinition: "job", LaunchType: ecsmodel.LaunchTypeEC2, CapacityProviderStrategy: []ecsmodel.CapacityProviderStrategyItem{{CapacityProvider: "x"}}}, ecs.ErrInvalidParameter},
		// ARNs are refused where ECS refuses them, never read for their last segment.
		{"cluster ARN of another region", ecsmodel.RunTaskRequest{TaskDefinition: "job", Cluster: "arn:aws:ecs:eu-west-1:000000000000:cluster/default"}, ecs.ErrInvalidParameter},
		{"cluster ARN of another account", ecsmodel.RunTaskRequest{TaskDefinition: "job", Cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/default"}, ecs.ErrClusterNotFound},
		{"service ARN as the cluster", ecsmodel.RunTaskRequest{TaskDefinition: "job", Cluster: "arn:aws:ecs:us-east-1:000000000000:service/default/default"}, ecs.ErrInvalidParameter},
		{"malformed cluster ARN", ecsmodel.RunTaskRequest{TaskDefinition: "job", Cluster: "arn:aws:ecs:us-east-1:default"}, ecs.ErrInvalidParameter},
		{"task definition ARN of another region", ecsmodel.RunTaskRequest{TaskDefinition: "arn:aws:ecs:eu-west-1:000000000000:task-definition/job:1"}, ecs.ErrInvalidParameter},
		{"task definition ARN of another account", ecsmodel.RunTaskRequest{TaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/job:1"}, ecs.ErrClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cp.RunTask(context.Background(), &tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("RunTask error = %v; want %v", err, tt.want)
			}
		})
	}
	if len(f.rec.launched) != 0 {
		t.Errorf("launched %d tasks from failed requests", len(f.rec.launched))
	}
}

func TestRunTask_ClientToken(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	in := ecsmodel.RunTaskRequest{TaskDefinition: "job", Count: ptr32(2), ClientToken: "tok"}
	a, err := f.cp.RunTask(ctx, &in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.cp.RunTask(ctx, &in)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Tasks) != 2 || a.Tasks[0].TaskArn != b.Tasks[0].TaskArn || a.Tasks[1].TaskArn != b.Tasks[1].TaskArn {
		t.Errorf("repeated RunTask started other tasks: %v vs %v", a.Tasks, b.Tasks)
	}
	in.Count = ptr32(1)
	if _, err := f.cp.RunTask(ctx, &in); !errors.Is(err, ecs.ErrConflict) {
		t.Errorf("same token, other parameters: error = %v; want ConflictException", err)
	}
	if len(f.rec.launched) != 2 {
		t.Errorf("launched %d tasks; want 2", len(f.rec.launched))
	}
}

func TestReport_StepsAreVersionsAndTheLastIsStored(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.runJob()
	// One change (both containers started) takes the task through
	// ACTIVATING to RUNNING: the agent reports both in one call.
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}, {Name: "sidecar"}}, f.now)
	st.Provisioned = true
	st, _ = st.Advance(f.now)
	f.cp.Report(ctx, agent.Report{TaskID: id, State: st})
	st = st.ContainerStarted("app").ContainerStarted("sidecar")
	var steps []agent.Report
	for moved := true; moved; {
		if st, moved = st.Advance(f.now); moved {
			steps = append(steps, agent.Report{TaskID: id, State: st, Containers: map[string]*agent.ContainerInfo{"app": {RuntimeID: "abc"}}})
		}
	}
	if len(steps) != 2 || steps[0].State.Status != taskstate.Activating {
		t.Fatalf("steps = %+v; want ACTIVATING then RUNNING", steps)
	}
	f.cp.Report(ctx, steps...)
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{id}})
	if err != nil || d.Tasks[0].LastStatus != "RUNNING" || d.Tasks[0].Version != 4 {
		t.Fatalf("Describe after the steps = %+v, %v; want RUNNING, version 4 (one per step)", d, err)
	}
	f.open()
	d, err = f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{id}})
	if err != nil || d.Tasks[0].LastStatus != "RUNNING" || d.Tasks[0].Version != 4 || d.Tasks[0].Containers[0].RuntimeId != "abc" {
		t.Fatalf("Describe after reopening = %+v, %v; want the last step stored: RUNNING, version 4, runtime id abc", d, err)
	}
}

func TestReport_WhileRunTaskCommits(t *testing.T) {
	// Reports may change tasks while a RunTask waits for its commit (it
	// lends them its lock); run both at once, under -race.
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	out, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", Count: ptr32(8)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 30 {
			if _, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", Count: ptr32(3)}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	const reports = 40
	for _, task := range out.Tasks {
		id := ecs.ResourceName(task.TaskArn)
		wg.Go(func() {
			st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}, {Name: "sidecar"}}, f.now)
			for i := range reports {
				f.cp.Report(ctx, agent.Report{TaskID: id, State: st, Containers: map[string]*agent.ContainerInfo{"app": {RuntimeID: fmt.Sprint(i)}}})
			}
		})
	}
	wg.Wait()
	check := func(when string) {
		for _, task := range out.Tasks {
			d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{task.TaskArn}})
			if err != nil || len(d.Tasks) != 1 {
				t.Fatalf("%s: DescribeTasks = %+v, %v", when, d, err)
			}
			if got := d.Tasks[0]; got.Version != 1+reports || got.Containers[0].RuntimeId != fmt.Sprint(reports-1) {
				t.Errorf("%s: task version %d, runtime id %s; want version %d, runtime id %d (the last report)", when, got.Version, got.Containers[0].RuntimeId, 1+reports, reports-1)
			}
		}
	}
	check("after the reports")
	l, err := f.cp.ListTasks(ctx, &ecsmodel.ListTasksRequest{MaxResults: ptr32(100)})
	if err != nil || len(l.TaskArns) != 8+30*3 {
		t.Errorf("ListTasks = %d tasks, %v; want %d", len(l.TaskArns), err, 8+30*3)
	}
	f.open()
	check("after reopening")
}

func TestSync_CommitsTheReportsReceived(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.runJob()
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}, {Name: "sidecar"}}, f.now)
	for i := range 5 {
		st = st.RequestStop(taskstate.StopUserInitiated, fmt.Sprintf("reason %d", i), f.now)
		f.cp.Report(ctx, agent.Report{TaskID: id, State: st})
	}
	f.cp.Sync(ctx, id)
	var body []byte
	if err := f.cp.db.QueryRow(`SELECT body FROM tasks WHERE id = ?`, id).Scan(&body); err != nil {
		t.Fatal(err)
	}
	var stored taskRecord
	if err := json.Unmarshal(body, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Version != 6 || stored.State.StoppedReason != "reason 0" || stored.State.Desired != taskstate.Stopped {
		t.Errorf("stored version %d, desired %s, reason %q; want version 6, STOPPED, reason 0 (the first stop wins)", stored.Version, stored.State.Desired, stored.State.StoppedReason)
	}
}

func TestReport_PersistsAndReloads(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	out, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job"})
	if err != nil {
		t.Fatal(err)
	}
	id := ecs.ResourceName(out.Tasks[0].TaskArn)
	// A running task, then one that stopped.
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}, {Name: "sidecar"}}, f.now)
	st.Provisioned = true
	st = st.ContainerStarted("app").ContainerStarted("sidecar")
	for moved := true; moved; {
		st, moved = st.Advance(f.now)
	}
	f.cp.Report(ctx, agent.Report{TaskID: id, State: st, Containers: map[string]*agent.ContainerInfo{"app": {RuntimeID: "abc"}}})
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{id}})
	if err != nil || d.Tasks[0].LastStatus != "RUNNING" || d.Tasks[0].Containers[0].RuntimeId != "abc" {
		t.Fatalf("Describe after report = %+v, %v; want RUNNING with runtime id abc", d, err)
	}

	// Reopen: the running task is handed to the launcher for adoption.
	f.open()
	if len(f.rec.adopted) != 1 || f.rec.adopted[0].ID != id || f.rec.adopted[0].State.Status != taskstate.Running {
		t.Fatalf("adopted = %+v; want task %s in RUNNING", f.rec.adopted, id)
	}
	st = st.ContainerStopped("app", ptrInt(7), "", f.now).ContainerStopped("sidecar", ptrInt(143), "", f.now)
	st.Deprovisioned = true
	for moved := true; moved; {
		st, moved = st.Advance(f.now)
	}
	f.cp.Report(ctx, agent.Report{TaskID: id, State: st})

	f.open()
	if len(f.rec.adopted) != 0 {
		t.Errorf("a stopped task was adopted again")
	}
	d, err = f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{id, "missing"}})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Tasks[0]
	if got.LastStatus != "STOPPED" || got.StopCode != "EssentialContainerExited" || got.StoppedReason != "Essential container in task exited" || *got.Containers[0].ExitCode != 7 {
		t.Errorf("stopped task = %s %s %q exit %v; want STOPPED EssentialContainerExited exit 7", got.LastStatus, got.StopCode, got.StoppedReason, got.Containers[0].ExitCode)
	}
	if len(d.Failures) != 1 || d.Failures[0].Reason != "MISSING" {
		t.Errorf("failures = %+v; want one MISSING", d.Failures)
	}

	// After the retention period the stopped task is gone.
	f.now = f.now.Add(2 * time.Hour)
	f.open()
	d, _ = f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{id}})
	if len(d.Tasks) != 0 {
		t.Errorf("task still describable after the retention period")
	}
}

func TestStopTask(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	out, _ := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job"})
	arn := out.Tasks[0].TaskArn
	s, err := f.cp.StopTask(ctx, &ecsmodel.StopTaskRequest{Task: arn, Reason: "enough"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Task.DesiredStatus != "STOPPED" {
		t.Errorf("desiredStatus = %s; want STOPPED", s.Task.DesiredStatus)
	}
	if len(f.rec.stopped) != 1 || f.rec.stopped[0] != ecs.ResourceName(arn)+":enough" {
		t.Errorf("launcher stops = %v; want the task with reason 'enough'", f.rec.stopped)
	}
	// The agent (here a recorder) has not reported the stop yet: the API
	// shows the task as desired STOPPED all the same, as ECS does once
	// StopTask has answered.
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{arn}})
	if err != nil || len(d.Tasks) != 1 || d.Tasks[0].DesiredStatus != "STOPPED" {
		t.Errorf("DescribeTasks after StopTask = %+v, %v; want desiredStatus STOPPED", d, err)
	}
	for desired, want := range map[ecsmodel.DesiredStatus]int{ecsmodel.DesiredStatusRUNNING: 0, ecsmodel.DesiredStatusSTOPPED: 1} {
		l, err := f.cp.ListTasks(ctx, &ecsmodel.ListTasksRequest{DesiredStatus: desired})
		if err != nil || len(l.TaskArns) != want {
			t.Errorf("ListTasks desiredStatus %s after StopTask = %v, %v; want %d tasks", desired, l.TaskArns, err, want)
		}
	}
	if _, err := f.cp.StopTask(ctx, &ecsmodel.StopTaskRequest{Task: "nope"}); !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Errorf("StopTask(nope) error = %v; want InvalidParameterException", err)
	}
}

func TestClusters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d, err := f.cp.DescribeClusters(ctx, &ecsmodel.DescribeClustersRequest{})
	if err != nil || len(d.Clusters) != 1 || d.Clusters[0].ClusterName != "default" {
		t.Fatalf("default cluster = %+v, %v", d, err)
	}
	if _, err := f.cp.CreateCluster(ctx, &ecsmodel.CreateClusterRequest{ClusterName: "bad name"}); !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Errorf("CreateCluster(bad name) error = %v; want InvalidParameterException", err)
	}
	if _, err := f.cp.CreateCluster(ctx, &ecsmodel.CreateClusterRequest{ClusterName: "ci"}); err != nil {
		t.Fatal(err)
	}
	f.register("job")
	if _, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", Cluster: "ci"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cp.DeleteCluster(ctx, &ecsmodel.DeleteClusterRequest{Cluster: "ci"}); !errors.Is(err, ecs.ErrClusterContainsTasks) {
		t.Errorf("DeleteCluster with a task error = %v; want ClusterContainsTasksException", err)
	}
	l, _ := f.cp.ListClusters(ctx, &ecsmodel.ListClustersRequest{})
	if len(l.ClusterArns) != 2 {
		t.Errorf("ListClusters = %v; want 2", l.ClusterArns)
	}
	d, _ = f.cp.DescribeClusters(ctx, &ecsmodel.DescribeClustersRequest{Clusters: []string{"ci", "ghost"}})
	if len(d.Clusters) != 1 || d.Clusters[0].PendingTasksCount != 1 || len(d.Failures) != 1 || d.Failures[0].Reason != "MISSING" {
		t.Errorf("DescribeClusters = %+v; want ci with one pending task and ghost MISSING", d)
	}
}

func TestExpireStopped_ForgetsTasksPastTheRetention(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	stopped, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", ClientToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	running, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job"})
	if err != nil {
		t.Fatal(err)
	}
	stoppedID, runningID := ecs.ResourceName(stopped.Tasks[0].TaskArn), ecs.ResourceName(running.Tasks[0].TaskArn)
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}}, f.now)
	st.Provisioned = true
	st = st.ContainerStarted("app").ContainerStopped("app", ptrInt(0), "", f.now)
	st.Deprovisioned = true
	for moved := true; moved; {
		st, moved = st.Advance(f.now)
	}
	f.cp.Report(ctx, agent.Report{TaskID: stoppedID, State: st})

	f.now = f.now.Add(30 * time.Minute)
	if n, err := f.cp.ExpireStopped(ctx); n != 0 || err != nil {
		t.Fatalf("ExpireStopped within the retention = %d, %v; want 0", n, err)
	}
	f.now = f.now.Add(time.Hour)
	if n, err := f.cp.ExpireStopped(ctx); n != 1 || err != nil {
		t.Fatalf("ExpireStopped after the retention = %d, %v; want 1", n, err)
	}
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{stoppedID, runningID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tasks) != 1 || ecs.ResourceName(d.Tasks[0].TaskArn) != runningID || len(d.Failures) != 1 || d.Failures[0].Reason != "MISSING" {
		t.Errorf("DescribeTasks = %d tasks, failures %+v; want the running task and the stopped one MISSING", len(d.Tasks), d.Failures)
	}
	// Gone from the store too (its last report, queued for commit, was
	// committed before its row was deleted, not after), and its client
	// token with it.
	f.cp.Close()
	var rows int
	if err := f.cp.db.QueryRow(`SELECT count(*) FROM tasks WHERE id = ?`, stoppedID).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("stored rows of the expired task: %d (%v); want none", rows, err)
	}
	f.open()
	if d, _ := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{stoppedID}}); len(d.Tasks) != 0 {
		t.Errorf("the expired task came back after a restart")
	}
	again, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", ClientToken: "tok"})
	if err != nil || len(again.Tasks) != 1 || ecs.ResourceName(again.Tasks[0].TaskArn) == stoppedID {
		t.Errorf("RunTask with the expired task's token = %+v, %v; want a new task", again, err)
	}
}

func TestExpireStopped_ForgetsLogStreamsFirst(t *testing.T) {
	f := newFixture(t)
	var fail bool
	var forgotten []LogStream
	f.forget = func(ctx context.Context, s []LogStream) error {
		if fail {
			return errors.New("disk on fire")
		}
		forgotten = append(forgotten, s...)
		return nil
	}
	f.open()
	ctx := context.Background()
	id := f.runJob()
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}}, f.now)
	st.Provisioned = true
	st = st.ContainerStarted("app").ContainerStopped("app", ptrInt(0), "", f.now)
	st.Deprovisioned = true
	for moved := true; moved; {
		st, moved = st.Advance(f.now)
	}
	f.cp.Report(ctx, agent.Report{TaskID: id, State: st, Containers: map[string]*agent.ContainerInfo{
		"app": {RuntimeID: "c1", LogGroup: "/ecsrun/tasks", LogStream: "job/app/" + id},
	}})
	f.now = f.now.Add(2 * time.Hour)
	fail = true
	if _, err := f.cp.ExpireStopped(ctx); err == nil {
		t.Fatal("ExpireStopped with Forget failing = nil; want its error")
	}
	var rows int
	if err := f.cp.db.QueryRow(`SELECT count(*) FROM tasks WHERE id = ?`, id).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("rows of the task after Forget failed: %d (%v); want 1 (kept for the next start)", rows, err)
	}
	// The next start forgets it, streams first.
	fail = false
	f.open()
	if want := []LogStream{{"/ecsrun/tasks", "job/app/" + id}}; !slices.Equal(forgotten, want) {
		t.Errorf("streams forgotten at the start = %v; want %v", forgotten, want)
	}
	if err := f.cp.db.QueryRow(`SELECT count(*) FROM tasks WHERE id = ?`, id).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("rows of the task after the start: %d (%v); want none", rows, err)
	}
}

// TaskChanges is closed by a task's change, and only then: by the agent's
// report, and by a change the control plane stores itself (StopTask).
func TestTaskChanges_ClosedWhenATaskChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.runJob()
	closed := func(c <-chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	c := f.cp.TaskChanges()
	if _, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if closed(c) {
		t.Fatal("TaskChanges closed by a DescribeTasks: nothing changed")
	}
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}, {Name: "sidecar"}}, f.now)
	st.Provisioned = true
	st, _ = st.Advance(f.now)
	f.cp.Report(ctx, agent.Report{TaskID: id, State: st})
	if !closed(c) {
		t.Fatal("TaskChanges not closed by the agent's report")
	}
	c = f.cp.TaskChanges()
	if closed(c) {
		t.Fatal("the channel taken after the report is already closed")
	}
	if _, err := f.cp.StopTask(ctx, &ecsmodel.StopTaskRequest{Task: id}); err != nil {
		t.Fatal(err)
	}
	if !closed(c) {
		t.Fatal("TaskChanges not closed by StopTask")
	}
}
