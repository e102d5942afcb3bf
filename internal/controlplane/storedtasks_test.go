package controlplane

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// stop reports that task id's app container exited with code, which
// stops the task, its log stream given.
func (f *fixture) stop(id string, code int) {
	f.t.Helper()
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}, {Name: "sidecar"}}, f.now)
	st.Provisioned = true
	st = st.ContainerStarted("app").ContainerStarted("sidecar")
	st = st.ContainerStopped("app", ptrInt(code), "", f.now).ContainerStopped("sidecar", ptrInt(0), "", f.now)
	st.Deprovisioned = true
	for moved := true; moved; {
		st, moved = st.Advance(f.now)
	}
	if st.Status != taskstate.Stopped {
		f.t.Fatalf("task %s did not stop: %s", id, st.Status)
	}
	f.cp.Report(context.Background(), agent.Report{TaskID: id, State: st, Containers: map[string]*agent.ContainerInfo{
		"app": {RuntimeID: "c-" + id, LogGroup: "/ecsrun/tasks", LogStream: "job/app/" + id},
	}})
}

// run starts one task of family job with token (none when "") and
// returns its id.
func (f *fixture) run(token string) string {
	f.t.Helper()
	out, err := f.cp.RunTask(context.Background(), &ecsmodel.RunTaskRequest{TaskDefinition: "job", ClientToken: token})
	if err != nil {
		f.t.Fatal(err)
	}
	return ecs.ResourceName(out.Tasks[0].TaskArn)
}

func (f *fixture) encodedTasks() []string {
	var ids []string
	for id := range f.cp.tasks.Encoded() {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (f *fixture) listTasks(desired string) []string {
	f.t.Helper()
	out, err := f.cp.ListTasks(context.Background(), &ecsmodel.ListTasksRequest{DesiredStatus: ecsmodel.DesiredStatus(desired)})
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for _, arn := range out.TaskArns {
		ids = append(ids, ecs.ResourceName(arn))
	}
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

// A restarted control plane answers for the tasks that had stopped as it
// did before, though it decodes each only when asked for it.
func TestOpen_StoppedTasksAnswerAsBeforeAndAreDecodedWhenAskedFor(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	a, b, c := f.run("token-a"), f.run(""), f.run("")
	f.stop(a, 3)
	f.stop(b, 0)
	f.now = f.now.Add(10 * time.Minute)

	f.open()
	if got, want := f.encodedTasks(), sorted(a, b); !slices.Equal(got, want) {
		t.Fatalf("tasks left encoded at the start = %v; want the stopped ones %v", got, want)
	}
	if got := f.listTasks("RUNNING"); !slices.Equal(got, []string{c}) {
		t.Errorf("ListTasks RUNNING = %v; want [%s]", got, c)
	}
	if got, want := f.encodedTasks(), sorted(a, b); !slices.Equal(got, want) {
		t.Errorf("after listing the running tasks, encoded = %v; want still %v", got, want)
	}
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{a}})
	if err != nil || len(d.Tasks) != 1 {
		t.Fatalf("DescribeTasks(a) = %+v, %v", d, err)
	}
	if got := d.Tasks[0]; got.LastStatus != "STOPPED" || got.StopCode != "EssentialContainerExited" || *got.Containers[0].ExitCode != 3 || got.StoppedAt == nil {
		t.Errorf("task a = %s %s exit %v stoppedAt %v; want STOPPED EssentialContainerExited exit 3 with its stop time", got.LastStatus, got.StopCode, got.Containers[0].ExitCode, got.StoppedAt)
	}
	if got := f.encodedTasks(); !slices.Equal(got, []string{b}) {
		t.Errorf("after describing a, encoded = %v; want [%s]", got, b)
	}

	// A repeated RunTask of a's token answers with a, started nothing, as
	// before the restart.
	out, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", ClientToken: "token-a"})
	if err != nil || len(out.Tasks) != 1 || ecs.ResourceName(out.Tasks[0].TaskArn) != a || out.Tasks[0].LastStatus != "STOPPED" {
		t.Errorf("RunTask with a's token after the restart = %+v, %v; want task a, STOPPED", out, err)
	}
	if _, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "job", ClientToken: "token-a", Group: "other"}); !errors.Is(err, ecs.ErrConflict) {
		t.Errorf("RunTask with a's token and other parameters = %v; want ConflictException", err)
	}
	if len(f.rec.launched) != 0 {
		t.Errorf("launched %d tasks after the restart; want none", len(f.rec.launched))
	}

	if got, want := f.listTasks("STOPPED"), sorted(a, b); !slices.Equal(got, want) {
		t.Errorf("ListTasks STOPPED = %v; want %v", got, want)
	}
	if got := f.encodedTasks(); len(got) != 0 {
		t.Errorf("after listing the stopped tasks, encoded = %v; want none", got)
	}
}

// The periodic expiry forgets stopped tasks that a restart left encoded,
// with their log streams and client tokens.
func TestExpireStopped_TasksLeftEncoded(t *testing.T) {
	f := newFixture(t)
	var forgotten []LogStream
	f.forget = func(ctx context.Context, s []LogStream) error {
		forgotten = append(forgotten, s...)
		return nil
	}
	f.open()
	f.register("job")
	ctx := context.Background()
	old := f.run("token-old")
	f.stop(old, 0)
	f.now = f.now.Add(40 * time.Minute)
	recent := f.run("token-recent")
	f.stop(recent, 0)
	f.now = f.now.Add(10 * time.Minute)

	f.open()
	if got, want := f.encodedTasks(), sorted(old, recent); !slices.Equal(got, want) {
		t.Fatalf("encoded at the start = %v; want %v", got, want)
	}
	f.now = f.now.Add(15 * time.Minute) // old stopped 65 minutes ago, recent 25
	if n, err := f.cp.ExpireStopped(ctx); n != 1 || err != nil {
		t.Fatalf("ExpireStopped = %d, %v; want 1", n, err)
	}
	if want := []LogStream{{"/ecsrun/tasks", "job/app/" + old}}; !slices.Equal(forgotten, want) {
		t.Errorf("streams forgotten = %v; want %v", forgotten, want)
	}
	if got := f.encodedTasks(); !slices.Equal(got, []string{recent}) {
		t.Errorf("encoded after the expiry = %v; want [%s], not decoded", got, recent)
	}
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{old, recent}})
	if err != nil || len(d.Tasks) != 1 || ecs.ResourceName(d.Tasks[0].TaskArn) != recent || len(d.Failures) != 1 || d.Failures[0].Reason != "MISSING" {
		t.Errorf("DescribeTasks = %+v, %v; want recent, and old MISSING", d, err)
	}
	// The expired task's token starts a new task; the other's replays.
	if again := f.run("token-old"); again == old {
		t.Errorf("RunTask with the expired task's token answered with it")
	}
	if again := f.run("token-recent"); again != recent {
		t.Errorf("RunTask with the kept task's token = %s; want %s", again, recent)
	}
}

// A state directory written by an ecsrun from before the columns that
// Open reads instead of decoding: the migration fills them from the
// stored tasks.
func TestOpen_TasksStoredBeforeTheirColumns(t *testing.T) {
	f := newFixture(t)
	f.register("job")
	ctx := context.Background()
	old, recent, running := f.run("token-old"), f.run("token-recent"), f.run("")
	f.stop(old, 0)
	f.now = f.now.Add(50 * time.Minute)
	f.stop(recent, 4)
	f.cp.Close()

	// The same rows in a database at the schema before the columns.
	dir := t.TempDir()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, db, "controlplane", migrations[:3]); err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		fmt.Sprintf(`ATTACH DATABASE '%s' AS src`, filepath.Join(f.dir, "ecsrun.db")),
		`INSERT INTO clusters SELECT * FROM src.clusters`,
		`INSERT INTO task_definitions SELECT * FROM src.task_definitions`,
		`INSERT INTO tasks(id, seq, cluster, stopped, body) SELECT id, seq, cluster, stopped, body FROM src.tasks`,
		`DETACH DATABASE src`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	f.dir = dir
	f.now = f.now.Add(20 * time.Minute) // old stopped 70 minutes ago, recent 20
	f.cp = nil
	f.open()
	if got := f.encodedTasks(); !slices.Equal(got, []string{recent}) {
		t.Errorf("encoded at the start = %v; want [%s] (old expired)", got, recent)
	}
	if got := f.listTasks("RUNNING"); !slices.Equal(got, []string{running}) {
		t.Errorf("ListTasks RUNNING = %v; want [%s]", got, running)
	}
	if again := f.run("token-recent"); again != recent {
		t.Errorf("RunTask with recent's token = %s; want %s", again, recent)
	}
	if again := f.run("token-old"); again == old {
		t.Errorf("RunTask with the expired task's token answered with it")
	}
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{recent}})
	if err != nil || len(d.Tasks) != 1 || *d.Tasks[0].Containers[0].ExitCode != 4 {
		t.Errorf("DescribeTasks(recent) = %+v, %v; want its exit code 4", d, err)
	}
}

// BenchmarkOpen_StoppedTasks opens a control plane that holds 1,000 tasks
// that stopped in the last hour (a CI machine's state directory after a
// busy hour).
func BenchmarkOpen_StoppedTasks(b *testing.B) {
	f := &fixture{t: &testing.T{}, dir: b.TempDir(), now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	f.open()
	f.register("job")
	for i := range 1000 {
		f.stop(f.run(fmt.Sprint("token-", i)), 0)
	}
	f.cp.Close()
	ctx := context.Background()
	db, err := store.Open(ctx, f.dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		cp, err := Open(ctx, Options{DB: db, Account: ecs.DefaultAccountInfo(), Now: func() time.Time { return f.now }})
		if err != nil {
			b.Fatal(err)
		}
		cp.Close()
	}
}
