package console

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/sigv4"
)

// testEnv is an engine on the fake runtime served with its console, as
// `ecsrun serve` serves them, and SDK clients for the test's own calls.
type testEnv struct {
	t    *testing.T
	rt   *fake.Runtime
	eng  *engine.Engine
	con  *Console
	srv  *httptest.Server
	ecs  *awsecs.Client
	logs *cloudwatchlogs.Client
	sfn  *sfn.Client
}

// testKey is the key of a console with credentials.
var testKey = sigv4.Key{Name: "test", AccessKeyID: "AKIDCONSOLETEST", SecretAccessKey: "console-secret"}

// newTestEnv opens the engine; with auth, serve's credentials are
// testKey and the API verifies signatures.
func newTestEnv(t *testing.T, auth bool) *testEnv {
	t.Helper()
	rt := fake.New()
	e := newTestEnvOn(t, rt, auth)
	e.rt = rt
	return e
}

// newTestEnvOn is newTestEnv on another runtime.
func newTestEnvOn(t *testing.T, rt runtime.Runtime, auth bool) *testEnv {
	t.Helper()
	return newTestEnvWith(t, engine.Options{Runtime: rt}, auth)
}

// newTestEnvWith is newTestEnv with engine options (a new state
// directory).
func newTestEnvWith(t *testing.T, opts engine.Options, auth bool) *testEnv {
	t.Helper()
	opts.StateDir, opts.PullBehavior = t.TempDir(), runtime.PullPreferCached
	var creds *sigv4.StaticCredentials
	provider := credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", "")
	if auth {
		var err error
		if creds, err = sigv4.NewStaticCredentials(testKey); err != nil {
			t.Fatal(err)
		}
		v, err := sigv4.NewVerifier(sigv4.Options{Credentials: creds})
		if err != nil {
			t.Fatal(err)
		}
		opts.Auth = v
		provider = credentials.NewStaticCredentialsProvider(testKey.AccessKeyID, testKey.SecretAccessKey, "")
	}
	eng, err := engine.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	cfg := aws.Config{Region: "us-east-1", Credentials: provider, HTTPClient: &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}}}
	base := aws.String("http://ecsrun.embedded")
	e := &testEnv{t: t, eng: eng,
		ecs:  awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = base }),
		logs: cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = base }),
		sfn:  sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = base }),
	}
	co := Options{ECS: e.ecs, Logs: e.logs, SFN: e.sfn, Interval: 100 * time.Millisecond}
	if creds != nil {
		co.Credentials = creds
	}
	e.con = New(co)
	e.srv = httptest.NewServer(Mount(eng.Handler(), e.con))
	t.Cleanup(func() {
		e.srv.CloseClientConnections() // the browser's event streams
		e.srv.Close()
	})
	return e
}

func (e *testEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	e.t.Cleanup(cancel)
	return ctx
}

// register registers a one-container task definition running command.
func (e *testEnv) register(family string, command ...string) string {
	e.t.Helper()
	return e.registerImage(family, "busybox", command...)
}

// registerImage is register with another image.
func (e *testEnv) registerImage(family, image string, command ...string) string {
	e.t.Helper()
	out, err := e.ecs.RegisterTaskDefinition(e.ctx(), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String(family),
		ContainerDefinitions: []types.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String(image), Essential: aws.Bool(true), Memory: aws.Int32(64),
			Command:      command,
			PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080), HostPort: aws.Int32(0)}},
		}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// run runs a task definition in the default cluster and returns the
// task's id.
func (e *testEnv) run(taskDef string) string {
	e.t.Helper()
	out, err := e.ecs.RunTask(e.ctx(), &awsecs.RunTaskInput{TaskDefinition: aws.String(taskDef), StartedBy: aws.String("console-test")})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(out.Tasks) != 1 {
		e.t.Fatalf("RunTask: %+v", out.Failures)
	}
	return shortArn(aws.ToString(out.Tasks[0].TaskArn))
}

// waitTask waits until the task's last status is want.
func (e *testEnv) waitTask(id, want string) types.Task {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := e.ecs.DescribeTasks(e.ctx(), &awsecs.DescribeTasksInput{Tasks: []string{id}})
		if err != nil {
			e.t.Fatal(err)
		}
		if len(out.Tasks) == 1 && aws.ToString(out.Tasks[0].LastStatus) == want {
			return out.Tasks[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("task %s is not %s in time: %+v", id, want, out.Tasks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
