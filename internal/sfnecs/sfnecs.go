package sfnecs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/ecsrun/ecsrun/internal/sdkjson"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// ECS is the part of the ECS API the integration uses
// (*awsecs.Client satisfies it).
type ECS interface {
	RunTask(ctx context.Context, in *awsecs.RunTaskInput, optFns ...func(*awsecs.Options)) (*awsecs.RunTaskOutput, error)
	DescribeTasks(ctx context.Context, in *awsecs.DescribeTasksInput, optFns ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error)
	StopTask(ctx context.Context, in *awsecs.StopTaskInput, optFns ...func(*awsecs.Options)) (*awsecs.StopTaskOutput, error)
}

var _ ECS = (*awsecs.Client)(nil)

// Callbacks delivers the outcome of a task token (SendTaskSuccess,
// SendTaskFailure) to the Task state waiting for it.
type Callbacks interface {
	// Register starts listening for token (before the task that will
	// answer it runs). wait blocks until the token gets an outcome or ctx
	// ends, calling heartbeat on every SendTaskHeartbeat, and returns the
	// output SendTaskSuccess gave or the error SendTaskFailure gave; done
	// stops listening.
	Register(token string) (wait func(ctx context.Context, heartbeat func()) (any, *workflow.StatesError), done func())
}

// The ECS resources.
const (
	ResourceRunTask     = workflow.ResourceECSRunTask
	ResourceRunTaskSync = workflow.ResourceECSRunTaskSync
	ResourceRunTaskWait = workflow.ResourceECSRunTaskWaitForToken
)

// Error names this integration fails states with.
const (
	// ErrUnknown fails .sync and .waitForTaskToken states whose RunTask
	// answer lists failures.
	ErrUnknown = "AmazonECS.Unknown"
	// errPrefix prefixes the ECS error code of a failed call.
	errPrefix = "ECS."
	// errClient names a call that failed without an answer from ECS.
	errClient = "ECS.SdkClientException"
)

// Options configure an Integration.
type Options struct {
	// ECS is the ECS API.
	ECS ECS
	// Callbacks resolves task tokens; nil leaves runTask.waitForTaskToken
	// unsupported.
	Callbacks Callbacks
	// MaxPoll bounds the interval between DescribeTasks calls while a
	// .sync task runs (polls start at 25 ms and grow to it; 1 s when 0).
	MaxPoll time.Duration
	// Stopped, when set, returns a channel closed once the task may have
	// stopped, and a function that gives the channel up; a .sync wait then
	// describes the task at once instead of at its next poll (which stays,
	// for the stops the channel does not see). The engine sets it for its
	// own tasks.
	Stopped func(taskArn string) (<-chan struct{}, func())
}

// Integration runs the ECS Task states. It is a workflow.TaskRegistry.
type Integration struct {
	ecs       ECS
	callbacks Callbacks
	maxPoll   time.Duration
	stopped   func(taskArn string) (<-chan struct{}, func())
	checkOnly bool
	// firstPoll is the first interval between DescribeTasks calls (25 ms
	// when 0; tests set it).
	firstPoll time.Duration
}

var (
	_ workflow.TaskRegistry      = (*Integration)(nil)
	_ workflow.TaskHandler       = (*Integration)(nil)
	_ workflow.ParameterAdjuster = (*Integration)(nil)
	_ workflow.ParameterChecker  = (*Integration)(nil)
)

// New returns the integration.
func New(opts Options) *Integration {
	if opts.MaxPoll <= 0 {
		opts.MaxPoll = time.Second
	}
	return &Integration{ecs: opts.ECS, callbacks: opts.Callbacks, maxPoll: opts.MaxPoll, stopped: opts.Stopped}
}

// Checker validates definitions as an engine with the integration does,
// without running anything (its Lookup finds nothing).
func Checker() workflow.ResourceChecker {
	return &Integration{checkOnly: true}
}

// Supported lists the resources the integration runs.
func (g *Integration) Supported() []string {
	out := []string{ResourceRunTask, ResourceRunTaskSync}
	if g.callbacks != nil || g.checkOnly {
		out = append(out, ResourceRunTaskWait)
	}
	sort.Strings(out)
	return out
}

// Supports reports whether resource is one of Supported.
func (g *Integration) Supports(resource string) bool {
	for _, r := range g.Supported() {
		if r == resource {
			return true
		}
	}
	return false
}

// Lookup returns the integration for its resources.
func (g *Integration) Lookup(resource string) (workflow.TaskHandler, bool) {
	if g.checkOnly || !g.Supports(resource) {
		return nil, false
	}
	return g, true
}

// CheckParameters validates the Parameters of a runTask state.
func (g *Integration) CheckParameters(_ string, params map[string]any) []workflow.Problem {
	return CheckParameters(params)
}

// AdjustParameters adds StartedBy to the parameters of runTask.sync, as
// Step Functions does (the TaskScheduled event shows it).
func (g *Integration) AdjustParameters(resource string, params any) any {
	obj, ok := params.(map[string]any)
	if !ok || resource != ResourceRunTaskSync {
		return params
	}
	out := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		out[k] = v
	}
	out["StartedBy"] = StartedBy
	return out
}

// Invoke runs one Task state attempt. An attempt resumed after the engine
// restarted (req.Resume) whose task was submitted follows that task again
// (.sync) or waits for its token again (.waitForTaskToken); otherwise
// RunTask is called with a clientToken derived from the execution and the
// attempt's TaskScheduled event, so an attempt whose RunTask had been
// sent before the restart gets the task it started, not a second one.
func (g *Integration) Invoke(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	in, err := runTaskInput(req.Parameters)
	if err != nil {
		return nil, workflow.NewStatesError(workflow.ErrRuntime, err.Error())
	}
	if in.ClientToken == nil && req.ScheduledEventID > 0 {
		in.ClientToken = aws.String(ClientToken(req.ExecutionArn, req.ScheduledEventID))
	}
	var wait func(context.Context, func()) (any, *workflow.StatesError)
	if req.Resource == ResourceRunTaskWait {
		var done func()
		wait, done = g.callbacks.Register(req.Token)
		defer done()
	}
	if req.Resume != nil && req.Resume.Submitted != nil && req.Resource != ResourceRunTask {
		if t, ok := submittedTask(req.Resume.Submitted); ok {
			if req.Resource == ResourceRunTaskWait {
				return wait(ctx, req.Heartbeat)
			}
			return g.waitStopped(ctx, req, t)
		}
	}
	out, err := g.ecs.RunTask(ctx, in)
	if err != nil {
		return nil, callError(err)
	}
	resp := responseValue(out, out.ResultMetadata)
	if req.Resource == ResourceRunTask {
		return resp, nil
	}
	if len(out.Failures) > 0 || len(out.Tasks) == 0 {
		return nil, workflow.NewStatesError(ErrUnknown, failuresCause(out.Failures))
	}
	if req.Submitted != nil {
		req.Submitted(resp)
	}
	if req.Resource == ResourceRunTaskWait {
		return wait(ctx, req.Heartbeat)
	}
	return g.waitStopped(ctx, req, out.Tasks[0])
}

// ClientToken is the RunTask clientToken of the Task state attempt whose
// TaskScheduled event is scheduledEventID in execution executionArn.
func ClientToken(executionArn string, scheduledEventID int64) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", executionArn, scheduledEventID)))
	return hex.EncodeToString(sum[:16])
}

// submittedTask reads the task out of a recorded RunTask response.
func submittedTask(v any) (types.Task, bool) {
	m, _ := v.(map[string]any)
	ts, _ := m["Tasks"].([]any)
	if len(ts) == 0 {
		return types.Task{}, false
	}
	t, _ := ts[0].(map[string]any)
	arn, _ := t["TaskArn"].(string)
	cluster, _ := t["ClusterArn"].(string)
	if arn == "" {
		return types.Task{}, false
	}
	return types.Task{TaskArn: aws.String(arn), ClusterArn: aws.String(cluster)}, true
}

// waitStopped polls DescribeTasks until the task is STOPPED; when ctx ends
// first, it stops the task.
func (g *Integration) waitStopped(ctx context.Context, req *workflow.TaskRequest, t types.Task) (any, *workflow.StatesError) {
	in := &awsecs.DescribeTasksInput{Cluster: t.ClusterArn, Tasks: []string{aws.ToString(t.TaskArn)}}
	// Taken before the first look: a stop after it closes the channel.
	var stopped <-chan struct{}
	if g.stopped != nil {
		var unwatch func()
		stopped, unwatch = g.stopped(aws.ToString(t.TaskArn))
		defer unwatch()
	}
	poll := g.firstPoll
	if poll == 0 {
		poll = 25 * time.Millisecond
	}
	timer := time.NewTimer(poll)
	defer timer.Stop()
	errs := 0
	for {
		select {
		case <-ctx.Done():
			g.stop(ctx, req, t)
			return nil, workflow.NewStatesError("States.Aborted", "cancelled")
		case <-timer.C:
		case <-stopped:
			stopped = nil // closed once: the polls go on if it is not STOPPED yet
		}
		out, err := g.ecs.DescribeTasks(ctx, in)
		switch {
		case err != nil && ctx.Err() != nil:
			continue
		case err != nil:
			// Transient errors are retried a few times, as the SDK would.
			if errs++; errs >= 5 {
				return nil, callError(err)
			}
		case len(out.Tasks) == 0:
			return nil, workflow.NewStatesError(workflow.ErrTaskFailed, failuresCause(out.Failures))
		default:
			errs = 0
			task := out.Tasks[0]
			if aws.ToString(task.LastStatus) == "STOPPED" {
				v := sdkjson.Value(&task, sdkjson.Pascal)
				if TaskFailed(task) {
					return nil, workflow.NewStatesError(workflow.ErrTaskFailed, workflow.EncodeJSON(v))
				}
				return v, nil
			}
		}
		poll = min(poll*3/2, g.maxPoll)
		timer.Reset(poll)
	}
}

// TaskFailed reports whether a stopped task failed as Step Functions sees
// it: a container exited with a code other than 0, or never ran (no exit
// code, as when the task failed to start).
func TaskFailed(t types.Task) bool {
	if len(t.Containers) == 0 {
		return true
	}
	for _, c := range t.Containers {
		if c.ExitCode == nil || *c.ExitCode != 0 {
			return true
		}
	}
	return false
}

// StopReason is the stoppedReason of a task Step Functions stops because
// its state ended first (why is "timed out" or "aborted").
func StopReason(executionArn, why string) string {
	return fmt.Sprintf("The Task state in AWS Step Functions execution [%s] which was managing this resource %s", executionArn, why)
}

// stop stops a running .sync task whose state ended (timeout, heartbeat
// timeout, execution stopped or failed elsewhere: ctx's cause is then a
// *workflow.StatesError).
func (g *Integration) stop(ctx context.Context, req *workflow.TaskRequest, t types.Task) {
	var se *workflow.StatesError
	if !errors.As(context.Cause(ctx), &se) {
		// Not a state's end but the engine's: the execution stays
		// RUNNING, and its next start stops the task.
		return
	}
	why := "was aborted"
	if se.Name == workflow.ErrTimeout || se.Name == workflow.ErrHeartbeatTimeout {
		why = "timed out"
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	g.ecs.StopTask(sctx, &awsecs.StopTaskInput{Cluster: t.ClusterArn, Task: t.TaskArn, Reason: aws.String(truncate(StopReason(req.ExecutionArn, why), 255))})
}

// StopTasks stops tasks left running by executions that can no longer
// follow them (after an engine restart), with reason.
func (g *Integration) StopTasks(ctx context.Context, cluster string, taskArns []string, reason string) error {
	var errs []error
	for _, arn := range taskArns {
		_, err := g.ecs.StopTask(ctx, &awsecs.StopTaskInput{Cluster: aws.String(cluster), Task: aws.String(arn), Reason: aws.String(truncate(reason, 255))})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func failuresCause(fs []types.Failure) string {
	v := sdkjson.Value(&struct{ Failures []types.Failure }{fs}, sdkjson.Pascal)
	return workflow.EncodeJSON(v)
}

// callError is how Step Functions reports a failed ECS call: the error
// code prefixed with "ECS.", and the Java SDK's message as the cause.
func callError(err error) *workflow.StatesError {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return workflow.NewStatesError(errClient, "Unable to execute HTTP request: "+err.Error())
	}
	status, reqID := http.StatusBadRequest, ""
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status, reqID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	return workflow.NewStatesError(errPrefix+ae.ErrorCode(), fmt.Sprintf("%s (Service: AmazonECS; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		ae.ErrorMessage(), status, ae.ErrorCode(), reqID))
}

// responseValue is an SDK response as Step Functions shows it: its members
// plus the HTTP metadata the AWS Java SDK adds.
func responseValue(out any, md middleware.Metadata) any {
	v, _ := sdkjson.Value(out, sdkjson.Pascal).(map[string]any)
	if v == nil {
		v = map[string]any{}
	}
	return sdkjson.WithHTTPMetadata(v, md)
}
