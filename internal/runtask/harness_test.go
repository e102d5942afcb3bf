package runtask

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
)

// harness is a local engine on the fake runtime, with a Runner talking to
// it in-process through aws-sdk-go-v2: the same path every target takes.
type harness struct {
	t    *testing.T
	rt   *fake.Runtime
	eng  *engine.Engine
	ecs  *awsecs.Client
	logs *cloudwatchlogs.Client
	dir  string
}

func newHarness(t *testing.T, rt runtime.Runtime) *harness {
	t.Helper()
	if rt == nil {
		rt = fake.New()
	}
	h := &harness{t: t, dir: t.TempDir()}
	if f, ok := rt.(*fake.Runtime); ok {
		h.rt = f
	}
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: h.dir, Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	h.eng = eng
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}
	h.ecs = awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://engine") })
	h.logs = cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String("http://engine") })
	return h
}

// file writes a task definition file and returns its path.
func (h *harness) file(name, content string) string {
	h.t.Helper()
	p := filepath.Join(h.t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// taskDef writes a one-container definition of image (the fake runtime's
// rules key on it) and returns its path.
func (h *harness) taskDef(family, image string) string {
	return h.file(family+".yaml", fmt.Sprintf("family: %s\ncontainerDefinitions:\n  - name: app\n    image: %s\n    memory: 64\n", family, image))
}

// output collects what a run prints.
type output struct {
	mu        sync.Mutex
	out, info bytes.Buffer
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
	on func(string)
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	n, err := w.b.Write(p)
	s := w.b.String()
	w.mu.Unlock()
	if w.on != nil {
		w.on(s)
	}
	return n, err
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.String()
}

func (o *output) Info() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.info.String()
}

// console returns a console writing into o; onOut sees the container
// output so far after every write.
func (o *output) console(onOut func(string)) *Console {
	return NewConsole(lockedWriter{&o.mu, &o.out, onOut}, lockedWriter{&o.mu, &o.info, nil}, ColourNever)
}

// run runs opts with a fresh output and fails the test when the run could
// not begin.
func (h *harness) run(ctx context.Context, opts Options) (*Report, *output) {
	h.t.Helper()
	o := &output{}
	if opts.Console == nil {
		opts.Console = o.console(nil)
	}
	rep, err := (&Runner{ECS: h.ecs, Logs: h.logs, Target: "test engine"}).Run(ctx, opts)
	if err != nil {
		h.t.Fatalf("Run: %v\n%s", err, o.Info())
	}
	return rep, o
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// describe returns a task as the engine describes it now.
func (h *harness) describe(arn string) (status, stoppedReason string) {
	h.t.Helper()
	out, err := h.ecs.DescribeTasks(context.Background(), &awsecs.DescribeTasksInput{Tasks: []string{arn}})
	if err != nil || len(out.Tasks) != 1 {
		h.t.Fatalf("DescribeTasks %s: %v %+v", arn, err, out)
	}
	return aws.ToString(out.Tasks[0].LastStatus), aws.ToString(out.Tasks[0].StoppedReason)
}

// stopAll stops tasks a test left running.
func (h *harness) stopAll(rep *Report) {
	for _, a := range rep.Attempts {
		if a.TaskArn != "" {
			h.ecs.StopTask(context.Background(), &awsecs.StopTaskInput{Task: aws.String(a.TaskArn)})
		}
	}
}

// slowPull is a runtime whose pulls of one image take a while, so its tasks
// stay PENDING.
type slowPull struct {
	*fake.Runtime
	image string
	delay time.Duration
}

func (s slowPull) Pull(ctx context.Context, image string, b runtime.PullBehavior) (runtime.PullResult, error) {
	if image == s.image {
		t := time.NewTimer(s.delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return runtime.PullResult{}, errors.Join(runtime.ErrPull, ctx.Err())
		case <-t.C:
		}
	}
	return s.Runtime.Pull(ctx, image, b)
}

func lines(s string) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
