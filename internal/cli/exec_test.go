package cli

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/connguard"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// TestExec runs commands in a busybox task's container with `ecsrun exec`,
// through a serve endpoint and through an engine started for the command,
// and checks the refusal of a task run without enableExecuteCommand.
func TestExec(t *testing.T) {
	image := testimage.Busybox(t)
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	dir := t.TempDir()
	open := func() (*engine.Engine, *awsecs.Client) {
		eng, err := engine.Open(context.Background(), engine.Options{StateDir: dir, Runtime: rt, PullBehavior: runtime.PullPreferCached, NoHostInstance: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
			HTTPClient: &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}}}
		return eng, awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://engine") })
	}
	eng, e := open()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := e.RegisterTaskDefinition(ctx, &awsecs.RegisterTaskDefinitionInput{Family: aws.String("exec"),
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String(image), Memory: aws.Int32(64), Command: []string{"sleep", "300"}, StopTimeout: aws.Int32(1)}}}); err != nil {
		t.Fatal(err)
	}
	runTask := func(enable bool) string {
		out, err := e.RunTask(ctx, &awsecs.RunTaskInput{TaskDefinition: aws.String("exec"), EnableExecuteCommand: enable})
		if err != nil || len(out.Tasks) != 1 {
			t.Fatalf("RunTask: %v %+v", err, out)
		}
		arn := aws.ToString(out.Tasks[0].TaskArn)
		for {
			d, err := e.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Tasks: []string{arn}})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(d.Tasks[0].LastStatus) == "RUNNING" {
				if d.Tasks[0].EnableExecuteCommand != enable {
					t.Errorf("DescribeTasks enableExecuteCommand %v, want %v", d.Tasks[0].EnableExecuteCommand, enable)
				}
				return arn
			}
			select {
			case <-ctx.Done():
				t.Fatalf("task %s never RUNNING", arn)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	withExec, without := runTask(true), runTask(false)
	stop := func(e *awsecs.Client) {
		for _, arn := range []string{withExec, without} {
			e.StopTask(ctx, &awsecs.StopTaskInput{Task: aws.String(arn)})
		}
	}
	// Served as `ecsrun serve` serves: behind connguard.
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	guard := connguard.New(tcp, connguard.DefaultLimits(1024))
	srv := guard.Server(eng.Handler())
	go srv.Serve(guard)
	srvURL := "http://" + guard.Addr().String()

	code, out, errOut := runIn(t, "hello\n", "exec", withExec, "--endpoint-url", srvURL, "-i", "--", "sh", "-c", "read x; echo got $x; echo oops >&2; exit 3")
	if code != 3 || out != "got hello\n" || !strings.Contains(errOut, "oops") {
		t.Errorf("exec through serve: exit %d, stdout %q, stderr %q; want 3, %q, oops", code, out, errOut, "got hello\n")
	}
	code, _, errOut = runIn(t, "", "exec", without, "--endpoint-url", srvURL, "--", "true")
	if code == 0 || !strings.Contains(errOut, "execute command was not enabled when the task was run") {
		t.Errorf("exec in a task without enableExecuteCommand: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runIn(t, "", "exec", withExec, "--endpoint-url", srvURL, "--container", "nope", "--", "true")
	if code == 0 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("exec in a missing container: exit %d, stderr %q", code, errOut)
	}

	// An engine started for the command (the embedded target) re-adopts
	// the task and runs the session in-process.
	srv.Close()
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runIn(t, "", "exec", withExec, "--state-dir", dir, "--pull", "prefer-cached", "--", "echo", "it's embedded")
	if code != 0 || out != "it's embedded\n" {
		t.Errorf("exec on the embedded engine: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	eng, e = open()
	defer eng.Close()
	stop(e)
}
