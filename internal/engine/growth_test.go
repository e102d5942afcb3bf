package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/store"
)

// stateSize is the size of the database and its WAL in dir.
func stateSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, name := range []string{store.FileName, store.FileName + "-wal"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err == nil {
			n += fi.Size()
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return n
}

// settledSize is the size of the engine's database and WAL once the WAL
// is checkpointed and truncated (the WAL's own bound is
// store.WALSizeLimit, or what a burst of writes needs until the next
// checkpoint).
func settledSize(t *testing.T, e *Engine) int64 {
	t.Helper()
	c := ctx(t)
	for {
		var busy, log, done int
		if err := e.db.QueryRowContext(c, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &log, &done); err != nil {
			t.Fatal(err)
		}
		if busy == 0 {
			return stateSize(t, e.opts.StateDir)
		}
		select {
		case <-c.Done():
			t.Fatal("the WAL could not be checkpointed")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestEngine_StateStaysBounded runs rounds of short chatty tasks, half of
// them logging to the default task log group and half to an awslogs group
// with a one-day retention, moves the clock past the task retention and
// the log retention after each, and runs the janitor: the state directory
// must not grow from round to round, and must give the space back.
func TestEngine_StateStaysBounded(t *testing.T) {
	const (
		rounds   = 5
		perRound = 400 // tasks, 200 per log group
		lines    = 20
	)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	rt := fake.New()
	text := make([]string, lines)
	for i := range text {
		text[i] = fmt.Sprintf("line %02d %s", i, strings.Repeat("x", 100))
	}
	rt.Default(fake.Exits(0, text...))
	h := &harness{t: t, dir: t.TempDir(), rt: rt}
	eng, err := Open(context.Background(), Options{
		StateDir: h.dir, Runtime: rt, Now: now,
		TaskRetention: time.Minute, ContainerRetention: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h.connect(eng)
	c := ctx(t)
	if _, err := h.logs.CreateLogGroup(c, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/chatty")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.logs.PutRetentionPolicy(c, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String("/chatty"), RetentionInDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	for _, def := range []*awsecs.RegisterTaskDefinitionInput{
		{Family: aws.String("plain"), ContainerDefinitions: []types.ContainerDefinition{container("app", "chatty", true)}},
		{Family: aws.String("awslogs"), ContainerDefinitions: []types.ContainerDefinition{func() types.ContainerDefinition {
			cd := container("app", "chatty", true)
			cd.LogConfiguration = &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/chatty", "awslogs-stream-prefix": "chatty", "awslogs-region": "us-east-1",
			}}
			return cd
		}()}},
	} {
		if _, err := h.ecs.RegisterTaskDefinition(c, def); err != nil {
			t.Fatal(err)
		}
	}

	var peaks []int64
	for round := range rounds {
		var arns []string
		for i := 0; i < perRound; i += 10 {
			family := "plain"
			if i%20 == 10 {
				family = "awslogs"
			}
			out, err := h.ecs.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String(family), Count: aws.Int32(10)})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Tasks) != 10 {
				t.Fatalf("RunTask: %d tasks, failures %+v; want 10", len(out.Tasks), out.Failures)
			}
			for _, task := range out.Tasks {
				arns = append(arns, aws.ToString(task.TaskArn))
			}
		}
		waitAllStopped(t, h, arns)
		// The output is stored before the task stops.
		got := h.logLines(ecs.DefaultLogGroup, "plain/app/"+taskID(arns[0]))
		if len(got) != lines {
			t.Fatalf("round %d: %d lines stored; want %d", round, len(got), lines)
		}
		peaks = append(peaks, settledSize(t, eng))
		// Past the task retention and the one-day log retention.
		clock.Add(int64(25 * time.Hour))
		if err := eng.Tidy(c); err != nil {
			t.Fatal(err)
		}
		if _, err := h.logs.GetLogEvents(c, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String(ecs.DefaultLogGroup), LogStreamName: aws.String("plain/app/" + taskID(arns[0])),
		}); err == nil {
			t.Fatalf("round %d: the log stream of a forgotten task is still in %s", round, ecs.DefaultLogGroup)
		}
	}
	t.Logf("state directory after each round, before the janitor: %v bytes; after the last janitor: %d", peaks, settledSize(t, eng))
	// A round's tasks and lines take the same room each time, once the
	// previous round's are gone.
	if bound := peaks[0] + peaks[0]/2; peaks[rounds-1] > bound {
		t.Errorf("state directory after round %d = %d bytes; want at most %d (1.5 times the first round's %d): it grows with every round", rounds, peaks[rounds-1], bound, peaks[0])
	}
	// The janitor gives the space back.
	if got, bound := settledSize(t, eng), int64(maxIdleState); got > bound {
		t.Errorf("state directory after the janitor = %d bytes; want at most %d", got, bound)
	}
	// The awslogs group keeps its streams (ECS never deletes them) but not
	// their expired events.
	g, err := h.logs.DescribeLogGroups(c, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	for _, lg := range g.LogGroups {
		switch aws.ToString(lg.LogGroupName) {
		case "/chatty":
			if aws.ToInt64(lg.StoredBytes) != 0 {
				t.Errorf("/chatty stores %d bytes after its retention; want 0", aws.ToInt64(lg.StoredBytes))
			}
		case ecs.DefaultLogGroup:
			if got := aws.ToInt32(lg.RetentionInDays); got != DefaultTaskLogRetentionDays {
				t.Errorf("%s retention = %d days; want %d", ecs.DefaultLogGroup, got, DefaultTaskLogRetentionDays)
			}
		}
	}
}

// maxIdleState is the size the state directory of an engine with no task
// left and no log event comes back to (its schema, one cluster, the host
// instance, the streams of awslogs groups).
const maxIdleState = 1 << 20

// waitAllStopped waits until every task in arns is STOPPED.
func waitAllStopped(t *testing.T, h *harness, arns []string) {
	t.Helper()
	c := ctx(t)
	for len(arns) > 0 {
		batch := arns[:min(len(arns), 100)]
		out, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Tasks: batch})
		if err != nil {
			t.Fatal(err)
		}
		stopped := 0
		for _, task := range out.Tasks {
			if aws.ToString(task.LastStatus) == "STOPPED" {
				stopped++
			}
		}
		if stopped == len(batch) {
			arns = arns[len(batch):]
			continue
		}
		select {
		case <-c.Done():
			t.Fatalf("timed out waiting for %d tasks to stop", len(arns))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestOpen_DefaultTaskLogRetentionOnceForOlderStateDirectories(t *testing.T) {
	dir := t.TempDir()
	c := ctx(t)
	// A state directory whose task log group an older ecsrun created, with
	// no retention.
	db, err := store.Open(c, dir)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := logs.Open(c, db, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.CreateLogGroup(c, ecs.DefaultLogGroup); err != nil {
		t.Fatal(err)
	}
	ls.Close()
	db.Close()

	retention := func() int32 {
		t.Helper()
		eng, err := Open(c, Options{StateDir: dir, Runtime: fake.New(), NoHostInstance: true})
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		g, err := eng.logs.LogGroup(c, ecs.DefaultLogGroup)
		if err != nil {
			t.Fatal(err)
		}
		if g.RetentionInDays == DefaultTaskLogRetentionDays {
			// The user removes it: it stays removed.
			if err := eng.logs.DeleteRetentionPolicy(c, ecs.DefaultLogGroup); err != nil {
				t.Fatal(err)
			}
		}
		return g.RetentionInDays
	}
	if got := retention(); got != DefaultTaskLogRetentionDays {
		t.Fatalf("retention of %s after the upgrade = %d; want %d", ecs.DefaultLogGroup, got, DefaultTaskLogRetentionDays)
	}
	if got := retention(); got != 0 {
		t.Fatalf("retention of %s after DeleteRetentionPolicy and a restart = %d; want 0 (the user's choice stays)", ecs.DefaultLogGroup, got)
	}
	if _, err := Open(c, Options{StateDir: t.TempDir(), Runtime: fake.New(), NoHostInstance: true, TaskLogRetentionDays: 2}); err == nil || !strings.Contains(err.Error(), "1, 3, 5, 7") {
		t.Fatalf("Open with a 2-day task log retention = %v; want an error listing the values allowed", err)
	}
}
