package runtask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
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

// Exit codes of a run beyond the application's own.
const (
	// ExitNeverStarted: a task never started (RunTask failures, image pull
	// errors, stopCode TaskFailedToStart).
	ExitNeverStarted = 125
	// ExitTimeout: a timeout expired (the tasks were stopped first).
	ExitTimeout = 124
)

// Options describes one run.
type Options struct {
	// TaskDefinition is a file (JSON or YAML) to register, or family,
	// family:revision or an ARN to use as registered.
	TaskDefinition string
	Cluster        string
	// StartedBy is recorded on the tasks (default "ecsrun").
	StartedBy string
	// Poll is the first interval between DescribeTasks calls; it grows to
	// MaxPoll. Defaults: 10 ms and 1 s.
	Poll, MaxPoll time.Duration
	// Output receives container log lines; Progress receives status lines.
	Output, Progress io.Writer
}

// ContainerResult is how one container ended.
type ContainerResult struct {
	Name      string `json:"name"`
	Essential bool   `json:"essential"`
	ExitCode  *int32 `json:"exitCode,omitempty"`
	Reason    string `json:"reason,omitempty"`
	LogGroup  string `json:"logGroup,omitempty"`
	LogStream string `json:"logStream,omitempty"`
}

// TaskResult is how one task ended.
type TaskResult struct {
	TaskARN       string            `json:"taskArn"`
	LastStatus    string            `json:"lastStatus"`
	StopCode      string            `json:"stopCode,omitempty"`
	StoppedReason string            `json:"stoppedReason,omitempty"`
	Containers    []ContainerResult `json:"containers"`
	StartedAt     *time.Time        `json:"startedAt,omitempty"`
	StoppedAt     *time.Time        `json:"stoppedAt,omitempty"`
}

// Result is the outcome of a run.
type Result struct {
	TaskDefinitionARN string       `json:"taskDefinitionArn"`
	Tasks             []TaskResult `json:"tasks"`
	Failures          []string     `json:"failures,omitempty"`
	ExitCode          int          `json:"exitCode"`
}

// Runner runs tasks through the ECS and CloudWatch Logs APIs.
type Runner struct {
	ECS  ECS
	Logs Logs
}

// Run registers or resolves the task definition, runs one task, follows
// its logs until it stops and returns the result. The error is nil whenever a
// result (with its exit code) could be determined.
func (r *Runner) Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Poll == 0 {
		opts.Poll = 10 * time.Millisecond
	}
	if opts.MaxPoll == 0 {
		opts.MaxPoll = time.Second
	}
	if opts.StartedBy == "" {
		opts.StartedBy = "ecsrun"
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	td, err := r.taskDefinition(ctx, opts.TaskDefinition)
	if err != nil {
		return nil, err
	}
	res := &Result{TaskDefinitionARN: aws.ToString(td.TaskDefinitionArn)}
	fmt.Fprintf(opts.Progress, "TaskDefinition: %s\n", res.TaskDefinitionARN)
	out, err := r.ECS.RunTask(ctx, &awsecs.RunTaskInput{
		TaskDefinition: td.TaskDefinitionArn,
		Cluster:        nonEmpty(opts.Cluster),
		StartedBy:      aws.String(opts.StartedBy),
		Count:          aws.Int32(1),
	})
	if err != nil {
		return nil, fmt.Errorf("run task: %w", err)
	}
	for _, f := range out.Failures {
		res.Failures = append(res.Failures, fmt.Sprintf("%s: %s %s", aws.ToString(f.Arn), aws.ToString(f.Reason), aws.ToString(f.Detail)))
	}
	fmt.Fprintf(opts.Progress, "%d tasks were triggered successfully and %d failures were received.\n", len(out.Tasks), len(out.Failures))
	if len(out.Tasks) == 0 {
		res.ExitCode = ExitNeverStarted
		return res, nil
	}
	var arns []string
	for _, t := range out.Tasks {
		arns = append(arns, aws.ToString(t.TaskArn))
		fmt.Fprintf(opts.Progress, "Task => %s\n", aws.ToString(t.TaskArn))
	}
	w := &watcher{r: r, opts: opts, td: td, followers: map[string]*follower{}}
	tasks, err := w.wait(ctx, aws.ToString(out.Tasks[0].ClusterArn), arns)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		res.Tasks = append(res.Tasks, w.result(t))
	}
	res.ExitCode = exitCode(res.Tasks)
	return res, nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// taskDefinition registers a file or describes a named revision.
func (r *Runner) taskDefinition(ctx context.Context, ref string) (*types.TaskDefinition, error) {
	if data, err := os.ReadFile(ref); err == nil {
		in, err := ecs.DecodeTaskDefinitionFile(data)
		if err != nil {
			return nil, fmt.Errorf("task definition %s: %w", ref, err)
		}
		var sdkIn awsecs.RegisterTaskDefinitionInput
		if err := convert(in, &sdkIn); err != nil {
			return nil, fmt.Errorf("task definition %s: %w", ref, err)
		}
		out, err := r.ECS.RegisterTaskDefinition(ctx, &sdkIn)
		if err != nil {
			return nil, fmt.Errorf("register task definition %s: %w", ref, err)
		}
		return out.TaskDefinition, nil
	} else if looksLikeFile(ref) {
		return nil, fmt.Errorf("task definition file %s: %w", ref, err)
	}
	out, err := r.ECS.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)})
	if err != nil {
		return nil, fmt.Errorf("describe task definition %s: %w", ref, err)
	}
	return out.TaskDefinition, nil
}

func looksLikeFile(ref string) bool {
	return strings.ContainsAny(ref, "/\\") && !strings.HasPrefix(ref, "arn:") ||
		strings.HasSuffix(ref, ".json") || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
}

// exitCode is 0 when every essential container of every task exited 0,
// ExitNeverStarted when a task failed to start, and otherwise the first
// failing essential container's code.
func exitCode(tasks []TaskResult) int {
	for _, t := range tasks {
		if t.StopCode == string(types.TaskStopCodeTaskFailedToStart) {
			return ExitNeverStarted
		}
		for _, c := range t.Containers {
			if !c.Essential {
				continue
			}
			if c.ExitCode == nil {
				return ExitNeverStarted
			}
			if *c.ExitCode != 0 {
				return int(*c.ExitCode)
			}
		}
	}
	return 0
}

// watcher polls the tasks and follows their logs.
type watcher struct {
	r         *Runner
	opts      Options
	td        *types.TaskDefinition
	followers map[string]*follower // by task id + "/" + container
	last      map[string]string    // last status printed per task
	stopping  bool                 // the run was interrupted; tasks are being stopped
}

func (w *watcher) wait(ctx context.Context, cluster string, arns []string) ([]types.Task, error) {
	interval := w.opts.Poll
	started := time.Now()
	w.last = map[string]string{}
	for {
		out, err := w.r.ECS.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: arns})
		if err != nil {
			return nil, fmt.Errorf("describe tasks: %w", err)
		}
		if len(out.Failures) > 0 {
			f := out.Failures[0]
			return nil, fmt.Errorf("describe tasks: %s: %s", aws.ToString(f.Arn), aws.ToString(f.Reason))
		}
		done := len(out.Tasks) == len(arns)
		for _, t := range out.Tasks {
			w.progress(t)
			w.followLogs(ctx, t)
			if aws.ToString(t.LastStatus) != "STOPPED" {
				done = false
			}
		}
		if done {
			// Drain: every line written before STOPPED is in the store now.
			for _, t := range out.Tasks {
				w.followLogs(ctx, t)
			}
			return out.Tasks, nil
		}
		select {
		case <-ctx.Done():
			if w.stopping {
				return nil, ctx.Err()
			}
			return w.stopAll(ctx, cluster, arns)
		case <-time.After(interval):
		}
		// Poll at the first interval while tasks are young (most local tasks
		// are short), then back off towards MaxPoll.
		if time.Since(started) > 5*time.Second {
			if interval = interval * 3 / 2; interval > w.opts.MaxPoll {
				interval = w.opts.MaxPoll
			}
		}
	}
}

// StopGrace bounds how long an interrupted run waits for its tasks to stop
// after StopTask (the default stopTimeout is 30 s).
const StopGrace = 45 * time.Second

// stopAll stops the run's tasks after ctx was cancelled, waits (bounded) for
// them to stop while draining their logs, and returns ctx's error.
func (w *watcher) stopAll(ctx context.Context, cluster string, arns []string) ([]types.Task, error) {
	cause := ctx.Err()
	w.stopping = true
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), StopGrace)
	defer cancel()
	fmt.Fprintf(w.opts.Progress, "Stopping %d task(s) ...\n", len(arns))
	for _, arn := range arns {
		if _, err := w.r.ECS.StopTask(sctx, &awsecs.StopTaskInput{
			Cluster: aws.String(cluster), Task: aws.String(arn),
			Reason: aws.String("Stopped by ecsrun: the run-task command was interrupted"),
		}); err != nil {
			fmt.Fprintf(w.opts.Progress, "cannot stop %s: %v\n", arn, err)
		}
	}
	w.opts.Poll = 50 * time.Millisecond
	if _, err := w.wait(sctx, cluster, arns); err != nil && sctx.Err() != nil {
		fmt.Fprintf(w.opts.Progress, "the tasks did not stop within %s\n", StopGrace)
	}
	return nil, cause
}

func (w *watcher) progress(t types.Task) {
	arn, st := aws.ToString(t.TaskArn), aws.ToString(t.LastStatus)
	if w.last[arn] == st {
		return
	}
	w.last[arn] = st
	fmt.Fprintf(w.opts.Progress, "%s %s\n", ecs.ResourceName(arn), st)
}

// containerDef finds a container of the task definition.
func (w *watcher) containerDef(name string) *ecsmodel.ContainerDefinition {
	for _, cd := range w.td.ContainerDefinitions {
		if aws.ToString(cd.Name) != name {
			continue
		}
		out := &ecsmodel.ContainerDefinition{Name: name}
		if cd.Essential == nil || *cd.Essential {
			out.Essential = aws.Bool(true)
		} else {
			out.Essential = aws.Bool(false)
		}
		if lc := cd.LogConfiguration; lc != nil {
			out.LogConfiguration = &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriver(lc.LogDriver), Options: lc.Options}
		}
		return out
	}
	return nil
}

func (w *watcher) destination(taskID string, c types.Container) (group, stream string) {
	cd := w.containerDef(aws.ToString(c.Name))
	if cd == nil {
		return "", ""
	}
	def := &ecsmodel.TaskDefinition{Family: aws.ToString(w.td.Family)}
	return ecs.LogDestination(def, cd, taskID, aws.ToString(c.RuntimeId))
}

// followLogs prints every new line of every started container of t.
func (w *watcher) followLogs(ctx context.Context, t types.Task) {
	taskID := ecs.ResourceName(aws.ToString(t.TaskArn))
	for _, c := range t.Containers {
		if aws.ToString(c.RuntimeId) == "" {
			continue
		}
		key := taskID + "/" + aws.ToString(c.Name)
		f := w.followers[key]
		if f == nil {
			g, s := w.destination(taskID, c)
			if g == "" {
				continue
			}
			f = &follower{group: g, stream: s, prefix: fmt.Sprintf("%s %s | ", taskID[:min(8, len(taskID))], aws.ToString(c.Name))}
			w.followers[key] = f
		}
		f.poll(ctx, w.r.Logs, w.opts.Output)
	}
}

// follower tails one log stream with GetLogEvents forward tokens.
type follower struct {
	group, stream, prefix string
	token                 *string
}

func (f *follower) poll(ctx context.Context, l Logs, out io.Writer) {
	for {
		res, err := l.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName:  aws.String(f.group),
			LogStreamName: aws.String(f.stream),
			StartFromHead: aws.Bool(true),
			NextToken:     f.token,
		})
		if err != nil {
			var nf *cwltypes.ResourceNotFoundException
			if !errors.As(err, &nf) {
				fmt.Fprintf(out, "%s(cannot read logs: %v)\n", f.prefix, err)
			}
			return
		}
		for _, ev := range res.Events {
			fmt.Fprintf(out, "%s%s\n", f.prefix, aws.ToString(ev.Message))
		}
		same := f.token != nil && aws.ToString(res.NextForwardToken) == *f.token
		f.token = res.NextForwardToken
		if same || len(res.Events) == 0 {
			return
		}
	}
}

func (w *watcher) result(t types.Task) TaskResult {
	taskID := ecs.ResourceName(aws.ToString(t.TaskArn))
	tr := TaskResult{
		TaskARN:       aws.ToString(t.TaskArn),
		LastStatus:    aws.ToString(t.LastStatus),
		StopCode:      string(t.StopCode),
		StoppedReason: aws.ToString(t.StoppedReason),
		StartedAt:     t.StartedAt,
		StoppedAt:     t.StoppedAt,
	}
	for _, c := range t.Containers {
		cr := ContainerResult{Name: aws.ToString(c.Name), ExitCode: c.ExitCode, Reason: aws.ToString(c.Reason), Essential: true}
		if cd := w.containerDef(cr.Name); cd != nil {
			cr.Essential = *cd.Essential
		}
		cr.LogGroup, cr.LogStream = w.destination(taskID, c)
		tr.Containers = append(tr.Containers, cr)
	}
	return tr
}
