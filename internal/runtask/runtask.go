package runtask

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	"sigs.k8s.io/yaml"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtask/request"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// ECS is the part of the ECS API client the step uses.
type ECS interface {
	RegisterTaskDefinition(context.Context, *awsecs.RegisterTaskDefinitionInput, ...func(*awsecs.Options)) (*awsecs.RegisterTaskDefinitionOutput, error)
	DescribeTaskDefinition(context.Context, *awsecs.DescribeTaskDefinitionInput, ...func(*awsecs.Options)) (*awsecs.DescribeTaskDefinitionOutput, error)
	RunTask(context.Context, *awsecs.RunTaskInput, ...func(*awsecs.Options)) (*awsecs.RunTaskOutput, error)
	DescribeTasks(context.Context, *awsecs.DescribeTasksInput, ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error)
	StopTask(context.Context, *awsecs.StopTaskInput, ...func(*awsecs.Options)) (*awsecs.StopTaskOutput, error)
}

// Logs is the part of the CloudWatch Logs client the step uses.
type Logs interface {
	GetLogEvents(context.Context, *cloudwatchlogs.GetLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
}

var (
	_ ECS  = (*awsecs.Client)(nil)
	_ Logs = (*cloudwatchlogs.Client)(nil)
)

// Runner runs tasks through the ECS and CloudWatch Logs APIs. ECS and Logs
// may be nil for a dry run of a task definition file.
type Runner struct {
	ECS  ECS
	Logs Logs
	// Changes, when set, returns a channel closed at the target's next
	// task change (an engine in this process): the run describes its
	// tasks again at once (at most every tenth of the poll interval,
	// scaled with the tasks) rather than at its next poll, and polls only
	// every MaxPoll besides.
	Changes func() <-chan struct{}
	// Target describes where the tasks run, for the report.
	Target string
}

// MaxBatch is the most tasks one RunTask call starts.
const MaxBatch = 10

// describeBatch is the most tasks one DescribeTasks call describes.
const describeBatch = 100

// Run resolves the task definition and request, runs the tasks (retrying
// as the policy says), follows their logs, and returns the report. The
// error is non-nil only when the run could not begin (a bad file, a
// rejected registration); once tasks were asked for, every outcome is in
// the report. When ctx is cancelled (an interrupt) every task the run
// started is stopped and waited for (at most StopGrace) before Run returns.
func (r *Runner) Run(ctx context.Context, opts Options) (*Report, error) {
	o := opts
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	calls := &callCounter{counts: map[string]int{}}
	api := &Runner{Target: r.Target, Changes: r.Changes}
	if r.ECS != nil {
		api.ECS = countingECS{r.ECS, calls}
	}
	if r.Logs != nil {
		api.Logs = countingLogs{r.Logs, calls}
	}
	ref := o.TaskDefinition
	if ref == "" {
		ref = o.Request.TaskDefinition
	}
	if ref == "" {
		return nil, errors.New("no task definition: give --task-definition FILE|FAMILY[:REVISION]|ARN, or taskDefinition in the request file")
	}
	started := time.Now()
	td, err := api.resolveTaskDefinition(ctx, ref, &o)
	if err != nil {
		return nil, err
	}
	req, err := buildRequest(&o, td)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Version:              ReportVersion,
		Target:               r.Target,
		TaskDefinitionArn:    aws.ToString(td.def.TaskDefinitionArn),
		TaskDefinitionSource: td.source,
		Request:              req,
		Count:                o.Count,
		Wait:                 string(o.Wait),
		StartedAt:            started,
		Attempts:             []Attempt{},
		Tasks:                []TaskSummary{},
	}
	c := o.Console
	printHeader(c, td, req)
	for _, w := range td.warnings {
		c.Infof("Warning: %s", w)
		rep.Warnings = append(rep.Warnings, w)
	}
	if o.Notices != nil {
		for _, n := range o.Notices(td.def, req) {
			c.Infof("Warning: %s", n)
			rep.Warnings = append(rep.Warnings, n)
		}
	}
	if o.DryRun {
		rep.DryRun = true
		if td.file != nil && td.source == SourceFile {
			rep.TaskDefinition = td.file // what would be registered
		} else {
			wireDef := new(ecsmodel.TaskDefinition)
			if err := fromSDK(td.def, wireDef); err != nil {
				return nil, err
			}
			rep.TaskDefinition = wireDef
		}
		for n := o.Count; n > 0; n -= MaxBatch {
			rep.Batches = append(rep.Batches, min(n, MaxBatch))
		}
		c.Infof("Dry run: would trigger %s in %s; nothing was registered or run.", plural(o.Count, "task"), plural(len(rep.Batches), "RunTask call"))
		rep.finish(calls)
		return rep, nil
	}
	l := newLoop(api, &o, td, req)
	l.run(ctx)
	rep.Attempts = l.records()
	rep.TimedOut = l.stopping == stopTimeout
	if l.stopping == stopInterrupt {
		rep.Interrupted = "interrupted"
		if o.Signal != nil {
			rep.Interrupted, _ = o.Signal()
		}
	}
	rep.finish(calls)
	return rep, nil
}

// finish sets the end time, the call counts and the exit code.
func (rep *Report) finish(calls *callCounter) {
	rep.FinishedAt = time.Now()
	rep.DurationSeconds = rep.FinishedAt.Sub(rep.StartedAt).Seconds()
	rep.APICalls = calls.snapshot()
	if rep.DryRun {
		rep.ExitCode, rep.ExitReason = 0, "dry run"
		return
	}
	rep.ExitCode, rep.ExitReason = rep.Summarise()
}

// buildRequest completes the request for the resolved task definition:
// task-definition-dependent overrides, the default startedBy, the model's
// constraints checked.
func buildRequest(o *Options, td *taskDef) (*ecsmodel.RunTaskRequest, error) {
	req := new(ecsmodel.RunTaskRequest)
	if err := json.Unmarshal(mustJSON(&o.Request), req); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	req.TaskDefinition = aws.ToString(td.def.TaskDefinitionArn)
	if req.TaskDefinition == "" {
		req.TaskDefinition = aws.ToString(td.def.Family)
	}
	req.Count, req.ClientToken = nil, ""
	if req.StartedBy == "" {
		req.StartedBy = "ecsrun"
	}
	var cs []request.Container
	for _, cd := range td.def.ContainerDefinitions {
		cs = append(cs, request.Container{Name: aws.ToString(cd.Name), Essential: cd.Essential == nil || *cd.Essential})
	}
	if err := request.Apply(req, o.Changes, cs); err != nil {
		return nil, err
	}
	if s := o.SuccessContainer; s != "" && !slices.ContainsFunc(cs, func(c request.Container) bool { return c.Name == s }) {
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		return nil, fmt.Errorf("--success-container: the task definition has no container %q; its containers are %s", s, strings.Join(names, ", "))
	}
	var v wire.Violations
	req.Validate("", &v)
	if v.Len() > 0 {
		return nil, fmt.Errorf("request: %s", v.Error())
	}
	return req, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// fromSDK copies an SDK task definition into the wire shape (camelCase).
func fromSDK(def *types.TaskDefinition, out *ecsmodel.TaskDefinition) error {
	c := *def
	c.RegisteredAt, c.DeregisteredAt, c.DeleteRequestedAt = nil, nil, nil
	return convert(&c, out)
}

// printHeader writes the Harness-style head of the progress log: the task
// definition and the request's content.
func printHeader(c *Console, td *taskDef, req *ecsmodel.RunTaskRequest) {
	c.Infof("TaskDefinition: %s", td.describe())
	c.Infof(" ECS Task Request Definition Content")
	c.Infof("%s", requestYAML(req))
}

// WriteDryRun writes what a dry run resolved as one YAML document: the
// task definition, the request, the count and the RunTask batches.
func WriteDryRun(w io.Writer, rep *Report) error {
	var td any
	if err := json.Unmarshal(mustJSON(rep.TaskDefinition), &td); err != nil {
		return err
	}
	var req map[string]any
	if err := json.Unmarshal([]byte(requestJSON(rep.Request, true)), &req); err != nil {
		return err
	}
	y, err := yaml.Marshal(map[string]any{"taskDefinition": td, "request": req, "count": rep.Count, "batches": rep.Batches})
	if err != nil {
		return err
	}
	_, err = w.Write(y)
	return err
}

// requestJSON renders the request without false defaults, and without the
// task definition unless withTD.
func requestJSON(req *ecsmodel.RunTaskRequest, withTD bool) string {
	var m map[string]any
	if err := json.Unmarshal(mustJSON(req), &m); err != nil {
		return "{}"
	}
	if !withTD {
		delete(m, "taskDefinition")
	}
	for k, v := range m {
		if v == false {
			delete(m, k)
		}
	}
	return string(mustJSON(m))
}

// requestYAML renders the request as the Harness step shows it: YAML,
// without the task definition (printed above it) and without false
// defaults.
func requestYAML(req *ecsmodel.RunTaskRequest) string {
	y, err := yaml.JSONToYAML([]byte(requestJSON(req, false)))
	if err != nil {
		return err.Error()
	}
	return strings.TrimRight(string(y), "\n")
}

// newRunID returns a random id for the run's client tokens.
func newRunID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%016x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// randFloat is the default jitter source.
func randFloat() float64 { return mathrand.Float64() }

// errorCode returns an API error's code and message.
func errorCode(err error) (code, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "RequestError", err.Error()
}

// callCounter counts API operations by "Service.Operation".
type callCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *callCounter) add(op string) {
	c.mu.Lock()
	c.counts[op]++
	c.mu.Unlock()
}

func (c *callCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

type countingECS struct {
	ECS
	c *callCounter
}

func (e countingECS) RegisterTaskDefinition(ctx context.Context, in *awsecs.RegisterTaskDefinitionInput, o ...func(*awsecs.Options)) (*awsecs.RegisterTaskDefinitionOutput, error) {
	e.c.add("ECS.RegisterTaskDefinition")
	return e.ECS.RegisterTaskDefinition(ctx, in, o...)
}

func (e countingECS) DescribeTaskDefinition(ctx context.Context, in *awsecs.DescribeTaskDefinitionInput, o ...func(*awsecs.Options)) (*awsecs.DescribeTaskDefinitionOutput, error) {
	e.c.add("ECS.DescribeTaskDefinition")
	return e.ECS.DescribeTaskDefinition(ctx, in, o...)
}

func (e countingECS) RunTask(ctx context.Context, in *awsecs.RunTaskInput, o ...func(*awsecs.Options)) (*awsecs.RunTaskOutput, error) {
	e.c.add("ECS.RunTask")
	return e.ECS.RunTask(ctx, in, o...)
}

func (e countingECS) DescribeTasks(ctx context.Context, in *awsecs.DescribeTasksInput, o ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error) {
	e.c.add("ECS.DescribeTasks")
	return e.ECS.DescribeTasks(ctx, in, o...)
}

func (e countingECS) StopTask(ctx context.Context, in *awsecs.StopTaskInput, o ...func(*awsecs.Options)) (*awsecs.StopTaskOutput, error) {
	e.c.add("ECS.StopTask")
	return e.ECS.StopTask(ctx, in, o...)
}

type countingLogs struct {
	Logs
	c *callCounter
}

func (l countingLogs) GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, o ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	l.c.add("Logs.GetLogEvents")
	return l.Logs.GetLogEvents(ctx, in, o...)
}

// logDestination returns the log group and stream of a task's container.
func logDestination(def *types.TaskDefinition, taskID string, c types.Container) (group, stream string, awslogs bool) {
	for _, cd := range def.ContainerDefinitions {
		if aws.ToString(cd.Name) != aws.ToString(c.Name) {
			continue
		}
		w := &ecsmodel.ContainerDefinition{Name: aws.ToString(cd.Name)}
		if lc := cd.LogConfiguration; lc != nil {
			w.LogConfiguration = &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriver(lc.LogDriver), Options: lc.Options}
			awslogs = lc.LogDriver == types.LogDriverAwslogs
		}
		group, stream = ecs.LogDestination(&ecsmodel.TaskDefinition{Family: aws.ToString(def.Family)}, w, taskID, aws.ToString(c.RuntimeId))
		return group, stream, awslogs
	}
	return "", "", false
}

// essential reports whether the task definition's container is essential.
func essential(def *types.TaskDefinition, name string) bool {
	for _, cd := range def.ContainerDefinitions {
		if aws.ToString(cd.Name) == name {
			return cd.Essential == nil || *cd.Essential
		}
	}
	return true
}
