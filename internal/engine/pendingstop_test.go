package engine

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
)

// hangingRegistry is a registry on loopback that accepts connections and
// never answers, so that pulling an image from it keeps a task PENDING
// (until the runtime's PullStartTimeout; the Docker daemon itself gives up
// after about 25 s). pulling is closed once the daemon has connected.
func hangingRegistry(t *testing.T) (host string, pulling <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	connected := make(chan struct{})
	var (
		mu    sync.Mutex
		conns []net.Conn
		once  sync.Once
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			once.Do(func() { close(connected) })
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), connected
}

// newPullHarness is newHarness whose runtime waits a minute for a registry
// to answer (not the default 3 s), so that a pull from hangingRegistry
// outlasts the test's stop.
func newPullHarness(t *testing.T) *harness {
	t.Helper()
	h, _ := newHarness(t)
	h.close()
	rt, err := docker.New(docker.Options{PullStartTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	h.rt = rt
	h.open()
	return h
}

// checkNeverStarted checks that a task stopped while PENDING stopped
// promptly as the user asked, and that no container of it ever started.
func (h *harness) checkNeverStarted(t *testing.T, task types.Task, reason string) {
	t.Helper()
	if task.StopCode != types.TaskStopCodeUserInitiated || aws.ToString(task.StoppedReason) != reason {
		t.Errorf("stop = %s %q; want UserInitiated %q", task.StopCode, aws.ToString(task.StoppedReason), reason)
	}
	for _, c := range task.Containers {
		if c.ExitCode != nil || aws.ToString(c.Reason) != "" {
			t.Errorf("container %s: exit code %v, reason %q; want neither (it never ran)", aws.ToString(c.Name), aws.ToInt32(c.ExitCode), aws.ToString(c.Reason))
		}
	}
	states, err := h.rt.List(ctx(h.t), map[string]string{"com.amazonaws.ecs.task-arn": aws.ToString(task.TaskArn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		if !st.StartedAt.IsZero() || st.Running {
			t.Errorf("container %s started at %v; want it never started", st.Name, st.StartedAt)
		}
	}
}

// StopTask of a task still pulling its image: the pull is abandoned, the
// task is STOPPED at once (UserInitiated) and its container never starts.
func TestEngine_StopTaskWhilePullingNeverStarts(t *testing.T) {
	h := newPullHarness(t)
	registry, pulling := hangingRegistry(t)
	arn := h.run("pending-stop", container("app", registry+"/ecsrun-test/never:1", true))
	select {
	case <-pulling:
	case <-time.After(30 * time.Second):
		t.Fatal("the engine never pulled the image")
	}
	if task := h.waitFor(arn, "PENDING", func(t types.Task) bool { return aws.ToString(t.LastStatus) == "PENDING" }); aws.ToString(task.LastStatus) != "PENDING" {
		t.Fatalf("task is %s; want PENDING", aws.ToString(task.LastStatus))
	}
	asked := time.Now()
	if _, err := h.ecs.StopTask(ctx(t), &awsecs.StopTaskInput{Task: aws.String(arn), Reason: aws.String("not needed")}); err != nil {
		t.Fatal(err)
	}
	task := h.waitStopped(arn)
	if d := time.Since(asked); d > 8*time.Second {
		t.Errorf("STOPPED %v after StopTask; want it at once, not after the pull", d.Round(time.Second))
	}
	h.checkNeverStarted(t, task, "not needed")
}

// A workflow's .sync task that is still PENDING when its state times out
// or its execution is stopped is stopped the same way: it never starts.
func TestEngine_SyncTaskStoppedWhilePendingNeverStarts(t *testing.T) {
	h := newPullHarness(t)
	registry, _ := hangingRegistry(t)
	if _, err := h.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{Family: aws.String("pending-sync"),
		ContainerDefinitions: []types.ContainerDefinition{container("app", registry+"/ecsrun-test/never:1", true)}}); err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient: &http.Client{Transport: &inproc.Transport{Handler: h.eng.Handler()}}}
	states := sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String("http://engine") })
	cases := []struct {
		name    string
		timeout string // the Task state's TimeoutSeconds, or none
		stop    bool   // StopExecution once the task is PENDING
		why     string
	}{
		{"state timeout", `,"TimeoutSeconds":2`, false, "timed out"},
		{"StopExecution", "", true, "was aborted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := fmt.Sprintf(`{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
				"Parameters":{"TaskDefinition":"pending-sync"}%s,"End":true}}}`, c.timeout)
			sm, err := states.CreateStateMachine(ctx(t), &sfn.CreateStateMachineInput{Name: aws.String("pending-" + fmt.Sprint(len(c.timeout))),
				Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::000000000000:role/test")})
			if err != nil {
				t.Fatal(err)
			}
			ex, err := states.StartExecution(ctx(t), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
			if err != nil {
				t.Fatal(err)
			}
			var arn string
			deadline := time.After(30 * time.Second)
			for arn == "" {
				out, err := h.ecs.ListTasks(ctx(t), &awsecs.ListTasksInput{Family: aws.String("pending-sync")})
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range out.TaskArns {
					if !slices.Contains(h.arns, a) {
						arn = a
					}
				}
				select {
				case <-deadline:
					t.Fatal("the execution ran no task")
				case <-time.After(20 * time.Millisecond):
				}
			}
			h.arns = append(h.arns, arn)
			h.waitFor(arn, "PENDING", func(t types.Task) bool { return aws.ToString(t.LastStatus) == "PENDING" })
			if c.stop {
				if _, err := states.StopExecution(ctx(t), &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn}); err != nil {
					t.Fatal(err)
				}
			}
			asked := time.Now()
			task := h.waitStopped(arn)
			if d := time.Since(asked); d > 10*time.Second {
				t.Errorf("STOPPED %v later; want it stopped at once, not after the pull", d.Round(time.Second))
			}
			h.checkNeverStarted(t, task, fmt.Sprintf("The Task state in AWS Step Functions execution [%s] which was managing this resource %s", aws.ToString(ex.ExecutionArn), c.why))
			if out := waitExecution(t, states, aws.ToString(ex.ExecutionArn)); c.stop && out.Status != sfntypes.ExecutionStatusAborted {
				t.Errorf("execution %s; want ABORTED", out.Status)
			}
		})
	}
}
