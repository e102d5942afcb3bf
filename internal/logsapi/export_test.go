package logsapi_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/store"
)

// newS3Env is newEnv with a local S3 directory.
func newS3Env(t *testing.T, dir, s3 string) *env {
	t.Helper()
	ctx := testCtx(t)
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := logs.Open(ctx, db, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := awsjson.NewServer(logsapi.NewWithOptions(st, logsapi.Options{S3Dir: s3}))
	modelcheck.Attach(t, srv)
	c := cwl.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}, func(o *cwl.Options) {
		o.BaseEndpoint = aws.String("http://local")
		o.HTTPClient = &http.Client{Transport: &inproc.Transport{Handler: srv}}
		o.RetryMaxAttempts = 1
	})
	return &env{st: st, srv: srv, c: c}
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLogs_ExportTasks(t *testing.T) {
	ctx := testCtx(t)
	s3 := t.TempDir()
	if err := os.Mkdir(filepath.Join(s3, "archive"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newS3Env(t, t.TempDir(), s3)
	g := "/ecs/export"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(time.Minute).Truncate(time.Second).UnixMilli()
	for _, s := range []string{"web/1", "web/2", "worker/1"} {
		if _, err := e.c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &g, LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
		var ev []types.InputLogEvent
		for i, m := range []string{"first " + s, "second " + s, "late " + s} {
			ev = append(ev, types.InputLogEvent{Timestamp: aws.Int64(base + int64(i)*1000), Message: aws.String(m)})
		}
		if _, err := e.c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &g, LogStreamName: aws.String(s), LogEvents: ev}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.c.CreateExportTask(ctx, &cwl.CreateExportTaskInput{
		TaskName: aws.String("web-export"), LogGroupName: &g, LogStreamNamePrefix: aws.String("web/"),
		From: aws.Int64(base), To: aws.Int64(base + 1000), Destination: aws.String("archive"), DestinationPrefix: aws.String("logs/2026"),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.TaskId)
	var task types.ExportTask
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := e.c.DescribeExportTasks(ctx, &cwl.DescribeExportTasksInput{TaskId: &id})
		if err != nil || len(d.ExportTasks) != 1 {
			t.Fatalf("describe: %+v %v", d, err)
		}
		task = d.ExportTasks[0]
		if task.Status.Code == types.ExportTaskStatusCodeCompleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("task status = %+v", task.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if aws.ToString(task.TaskName) != "web-export" || aws.ToString(task.LogGroupName) != g || aws.ToString(task.Destination) != "archive" ||
		aws.ToString(task.DestinationPrefix) != "logs/2026" || aws.ToInt64(task.From) != base || aws.ToInt64(task.To) != base+1000 ||
		task.ExecutionInfo == nil || aws.ToInt64(task.ExecutionInfo.CompletionTime) == 0 {
		t.Fatalf("task = %+v", task)
	}
	root := filepath.Join(s3, "archive", "logs", "2026")
	if b, err := os.ReadFile(filepath.Join(root, "aws-logs-write-test")); err != nil || string(b) != "Permission Check Successful" {
		t.Fatalf("write test object: %q %v", b, err)
	}
	stamp := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z") }
	for _, s := range []string{"web/1", "web/2"} {
		got := gunzip(t, filepath.Join(root, id, s, "000000.gz"))
		want := stamp(base) + " first " + s + "\n" + stamp(base+1000) + " second " + s + "\n"
		if got != want {
			t.Errorf("%s = %q; want %q", s, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, id, "worker")); !os.IsNotExist(err) {
		t.Errorf("worker/1 was exported (prefix web/): %v", err)
	}
	// Finished tasks cannot be cancelled; unknown ones are not found.
	_, err = e.c.CancelExportTask(ctx, &cwl.CancelExportTaskInput{TaskId: &id})
	wantErrContains(t, err, "InvalidOperationException", "already finished")
	_, err = e.c.CancelExportTask(ctx, &cwl.CancelExportTaskInput{TaskId: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified export task does not exist.")
	_, err = e.c.CreateExportTask(ctx, &cwl.CreateExportTaskInput{LogGroupName: &g, From: aws.Int64(base), To: aws.Int64(base + 1000), Destination: aws.String("no-such-bucket")})
	wantErrContains(t, err, "InvalidParameterException", "The specified bucket does not exist")
	d, err := e.c.DescribeExportTasks(ctx, &cwl.DescribeExportTasksInput{StatusCode: types.ExportTaskStatusCodeRunning})
	if err != nil || len(d.ExportTasks) != 0 {
		t.Fatalf("RUNNING tasks = %+v %v", d, err)
	}
}
