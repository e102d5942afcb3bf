package cli

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtask"
)

// A workflow run is followed by one goroutine, in ticks:
//
//	new history events (newest first, down to the last seen)
//	  -> progress lines; ECS tasks found in TaskSubmitted / TaskSucceeded /
//	     TaskFailed (a stopped task's JSON is taken as a description of it)
//	DescribeTasks of the tasks not yet STOPPED -> status lines
//	container log streams due -> log lines (runtask.LogFollower)
//	the live status line
//
// until the execution has ended; then the tasks its states were waiting
// for are described until they stop (for a short while), and their logs
// drained.

// ECSAPI is what a workflow run needs of ECS to follow its tasks.
type ecsAPI interface {
	DescribeTasks(ctx context.Context, in *awsecs.DescribeTasksInput, o ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *awsecs.DescribeTaskDefinitionInput, o ...func(*awsecs.Options)) (*awsecs.DescribeTaskDefinitionOutput, error)
}

// runWatch follows one execution.
type runWatch struct {
	sfn     *sfn.Client
	ecs     ecsAPI
	console *runtask.Console
	logs    *runtask.LogFollower // nil: container output not followed
	p       *progress
	arn     string
	period  time.Duration
	// stopWait bounds the wait, after the execution ended, for the tasks
	// its states waited for to stop.
	stopWait time.Duration
	// noDefaultLogGroup skips containers without an awslogs configuration
	// (on AWS their output is nowhere to read).
	noDefaultLogGroup bool
	// ended, when set, is closed once the execution has ended (the
	// embedded engine's): the watch reads the history then instead of at
	// its next poll.
	ended <-chan struct{}

	lastID   int64
	events   []sfntypes.HistoryEvent
	tasks    map[string]*watchedTask
	order    []*watchedTask
	defs     map[string]*ecstypes.TaskDefinition // by ARN; nil when it could not be described
	descErrs int
}

// watchedTask is an ECS task an execution started.
type watchedTask struct {
	ecsTask
	label string // the state's label
	// wait says a state waits for the task to stop (runTask.sync).
	wait    bool
	stopped bool
}

func newRunWatch(client *sfn.Client, api ecsAPI, c *runtask.Console, logs *runtask.LogFollower, p *progress, arn string, period time.Duration) *runWatch {
	return &runWatch{sfn: client, ecs: api, console: c, logs: logs, p: p, arn: arn, period: period, stopWait: 30 * time.Second,
		tasks: map[string]*watchedTask{}, defs: map[string]*ecstypes.TaskDefinition{}}
}

// run follows the execution until it ends; it returns the ended
// execution and its whole history.
func (w *runWatch) run(ctx context.Context) (*sfn.DescribeExecutionOutput, []sfntypes.HistoryEvent, error) {
	defer w.console.EndStatus()
	for {
		evs, err := w.newEvents(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, ev := range evs {
			w.event(ctx, ev)
		}
		w.describe(ctx)
		if w.logs != nil {
			w.logs.Poll(ctx, time.Now())
		}
		if n := len(w.events); n > 0 && isExecutionEnd(w.events[n-1].Type) {
			out, err := w.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(w.arn)})
			if err != nil {
				return nil, nil, sfnError("describe execution", err)
			}
			if out.Status != sfntypes.ExecutionStatusRunning {
				w.finish(ctx)
				return out, w.events, nil
			}
		}
		w.status(time.Now())
		if !w.sleep(ctx) {
			return nil, nil, ctx.Err()
		}
	}
}

// sleep waits a poll period, or less when the execution ends meanwhile;
// false when ctx ended first.
func (w *runWatch) sleep(ctx context.Context) bool {
	t := time.NewTimer(w.period)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-w.ended:
		w.ended = nil // once: it stays closed
	}
	return true
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// newEvents returns the events after the last one seen, reading the
// history newest first so that a long history is not read again each
// time.
func (w *runWatch) newEvents(ctx context.Context) ([]sfntypes.HistoryEvent, error) {
	var fresh []sfntypes.HistoryEvent
	pager := sfn.NewGetExecutionHistoryPaginator(w.sfn, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(w.arn), ReverseOrder: true, MaxResults: 200})
pages:
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, sfnError("execution history", err)
		}
		for _, ev := range page.Events {
			if ev.Id <= w.lastID {
				break pages
			}
			fresh = append(fresh, ev)
		}
	}
	slices.Reverse(fresh)
	if n := len(fresh); n > 0 {
		w.lastID = fresh[n-1].Id
	}
	w.events = append(w.events, fresh...)
	return fresh, nil
}

func (w *runWatch) infof(at time.Time, format string, args ...any) {
	w.console.Infof("%s %s", w.p.at(at), fmt.Sprintf(format, args...))
}

// event handles one history event: the ECS tasks it names first (so that a
// stopped task's line and its last log lines come before the line saying
// what the state made of it), then its line.
func (w *runWatch) event(ctx context.Context, ev sfntypes.HistoryEvent) {
	label := w.p.track(ev)
	var text string
	wait := false
	switch {
	case ev.TaskSubmittedEventDetails != nil:
		text = aws.ToString(ev.TaskSubmittedEventDetails.Output)
		wait = strings.HasSuffix(aws.ToString(ev.TaskSubmittedEventDetails.Resource), ".sync") ||
			strings.Contains(aws.ToString(ev.TaskSubmittedEventDetails.Resource), ".sync:")
	case ev.TaskSucceededEventDetails != nil:
		text = aws.ToString(ev.TaskSucceededEventDetails.Output)
	case ev.TaskFailedEventDetails != nil:
		text = aws.ToString(ev.TaskFailedEventDetails.Cause)
	}
	line := ""
	ts := ecsTasksOf(text)
	if ev.TaskSubmittedEventDetails != nil || ev.TaskSucceededEventDetails != nil && len(ts) > 0 && ts[0].LastStatus != "STOPPED" {
		// The tasks are new: say so before their first status.
		line = w.p.describe(ev)
		w.print(ev, line)
		line = "-"
	}
	for _, t := range ts {
		w.seen(ctx, label, t, wait, aws.ToTime(ev.Timestamp))
	}
	if line == "" {
		w.print(ev, w.p.describe(ev))
	}
}

func (w *runWatch) print(ev sfntypes.HistoryEvent, line string) {
	if line != "" {
		w.infof(aws.ToTime(ev.Timestamp), "%s", line)
	}
}

// seen takes in what a history event or DescribeTasks says of a task.
func (w *runWatch) seen(ctx context.Context, label string, t ecsTask, wait bool, now time.Time) {
	wt := w.tasks[t.TaskArn]
	if wt == nil {
		wt = &watchedTask{label: label, wait: wait}
		wt.TaskArn = t.TaskArn
		w.tasks[t.TaskArn] = wt
		w.order = append(w.order, wt)
	}
	if wt.stopped {
		return
	}
	prev := wt.LastStatus
	cluster, def := wt.ClusterArn, wt.TaskDefinitionArn
	wt.ecsTask = t
	if wt.ClusterArn == "" {
		wt.ClusterArn = cluster
	}
	if wt.TaskDefinitionArn == "" {
		wt.TaskDefinitionArn = def
	}
	w.followLogs(ctx, wt, time.Now())
	switch {
	case wt.LastStatus == "STOPPED":
		wt.stopped = true
		w.infof(now, "%s %s: %s", wt.label, shortTask(wt.TaskArn), wt.stoppedLine())
	case wt.LastStatus != prev && prev != "" && !w.console.Live():
		w.infof(now, "%s %s: %s", wt.label, shortTask(wt.TaskArn), wt.LastStatus)
	case wt.LastStatus != prev && prev == "" && !w.console.Live() && wt.LastStatus != "PROVISIONING":
		w.infof(now, "%s %s: %s", wt.label, shortTask(wt.TaskArn), wt.LastStatus)
	}
}

// followLogs follows the streams of the task's containers once they
// exist, and drains those of a stopped task.
func (w *runWatch) followLogs(ctx context.Context, wt *watchedTask, now time.Time) {
	if w.logs == nil {
		return
	}
	def := w.taskDefinition(ctx, wt.TaskDefinitionArn)
	if def == nil {
		return
	}
	id := taskID(wt.TaskArn)
	for _, c := range wt.Containers {
		if c.RuntimeID == "" && c.ExitCode == nil && c.LastStatus != "RUNNING" {
			continue // not created yet: no stream
		}
		group, stream, awslogs := logDestination(def, id, c)
		if stream == "" || !awslogs && w.noDefaultLogGroup {
			continue
		}
		w.logs.Follow(wt.label, id, c.Name, group, stream)
		if wt.LastStatus == "STOPPED" {
			w.logs.Stopped(ctx, id, c.Name, now)
		}
	}
}

// taskDefinition describes a task definition once.
func (w *runWatch) taskDefinition(ctx context.Context, arn string) *ecstypes.TaskDefinition {
	if arn == "" {
		return nil
	}
	if def, ok := w.defs[arn]; ok {
		return def
	}
	out, err := w.ecs.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		if ctx.Err() == nil {
			w.console.Infof("cannot follow the logs of the tasks of %s: %v", arn, err)
		}
		w.defs[arn] = nil
		return nil
	}
	w.defs[arn] = out.TaskDefinition
	return out.TaskDefinition
}

// logDestination returns the log group and stream of a task's container
// (ecsrun's own group for a container without an awslogs configuration).
func logDestination(def *ecstypes.TaskDefinition, taskID string, c ecsContainer) (group, stream string, awslogs bool) {
	for _, cd := range def.ContainerDefinitions {
		if aws.ToString(cd.Name) != c.Name {
			continue
		}
		w := &ecsmodel.ContainerDefinition{Name: c.Name}
		if lc := cd.LogConfiguration; lc != nil {
			w.LogConfiguration = &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriver(lc.LogDriver), Options: lc.Options}
			awslogs = lc.LogDriver == ecstypes.LogDriverAwslogs
		}
		group, stream = ecs.LogDestination(&ecsmodel.TaskDefinition{Family: aws.ToString(def.Family)}, w, taskID, c.RuntimeID)
		return group, stream, awslogs
	}
	return "", "", false
}

// describe polls the tasks not yet stopped, at most 100 per call.
func (w *runWatch) describe(ctx context.Context) {
	byCluster := map[string][]string{}
	var clusters []string
	for _, wt := range w.order {
		if wt.stopped {
			continue
		}
		if _, ok := byCluster[wt.ClusterArn]; !ok {
			clusters = append(clusters, wt.ClusterArn)
		}
		byCluster[wt.ClusterArn] = append(byCluster[wt.ClusterArn], wt.TaskArn)
	}
	for _, cluster := range clusters {
		for arns := range slices.Chunk(byCluster[cluster], 100) {
			out, err := w.ecs.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: nonEmptyString(cluster), Tasks: arns})
			if err != nil {
				if ctx.Err() == nil && w.descErrs == 0 {
					w.console.Infof("cannot describe the ECS tasks of the execution: %v", err)
				}
				w.descErrs++
				return
			}
			w.descErrs = 0
			for _, t := range out.Tasks {
				if wt := w.tasks[aws.ToString(t.TaskArn)]; wt != nil {
					w.seen(ctx, wt.label, fromSDKTask(t), wt.wait, time.Now())
				}
			}
		}
	}
}

func fromSDKTask(t ecstypes.Task) ecsTask {
	out := ecsTask{TaskArn: aws.ToString(t.TaskArn), ClusterArn: aws.ToString(t.ClusterArn), TaskDefinitionArn: aws.ToString(t.TaskDefinitionArn),
		LastStatus: aws.ToString(t.LastStatus), StopCode: string(t.StopCode), StoppedReason: aws.ToString(t.StoppedReason)}
	for _, c := range t.Containers {
		out.Containers = append(out.Containers, ecsContainer{Name: aws.ToString(c.Name), LastStatus: aws.ToString(c.LastStatus),
			ExitCode: c.ExitCode, Reason: aws.ToString(c.Reason), RuntimeID: aws.ToString(c.RuntimeId)})
	}
	return out
}

// finish waits a little for the tasks states were waiting for to stop (an
// execution that failed or was stopped stops them), then drains the logs.
func (w *runWatch) finish(ctx context.Context) {
	deadline := time.Now().Add(w.stopWait)
	for w.waiting() && time.Now().Before(deadline) {
		w.status(time.Now())
		if !sleepCtx(ctx, w.period) {
			break
		}
		w.describe(ctx)
		if w.logs != nil {
			w.logs.Poll(ctx, time.Now())
		}
	}
	w.console.EndStatus()
	if w.logs != nil {
		w.logs.Drain(ctx)
	}
}

func (w *runWatch) waiting() bool {
	for _, wt := range w.order {
		if wt.wait && !wt.stopped {
			return true
		}
	}
	return false
}

// status redraws the live status line: the time, the states running, the
// ECS tasks not stopped with their status, the retries pending.
func (w *runWatch) status(now time.Time) {
	if !w.console.Live() {
		return
	}
	var parts []string
	tasksOf := map[string][]string{}
	for _, wt := range w.order {
		if !wt.stopped {
			tasksOf[wt.label] = append(tasksOf[wt.label], shortTask(wt.TaskArn)+" "+orDefault(wt.LastStatus, "submitted"))
		}
	}
	for _, s := range w.p.openStates(now) {
		name, _, _ := strings.Cut(s, ": ")
		if ts := tasksOf[name]; len(ts) > 0 {
			s += " (" + strings.Join(ts, ", ") + ")"
			delete(tasksOf, name)
		}
		parts = append(parts, s)
	}
	for label, ts := range tasksOf {
		parts = append(parts, label+" ("+strings.Join(ts, ", ")+")")
	}
	const most = 3
	if len(parts) > most {
		parts = append(parts[:most], fmt.Sprintf("+%d more", len(parts)-most))
	}
	line := fmt.Sprintf("[%s] running", now.Sub(w.p.start).Round(time.Second))
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, " · ")
	}
	w.console.Status(line)
}

// summary writes how the execution ended: its status and duration, and
// for a failure the Error and a readable Cause; and the ECS tasks it ran.
func (w *runWatch) summary(ex *sfn.DescribeExecutionOutput) {
	took := ""
	if ex.StartDate != nil && ex.StopDate != nil {
		took = " in " + roundDuration(ex.StopDate.Sub(*ex.StartDate)).String()
	}
	w.console.Infof("Execution %s%s", ex.Status, took)
	if ex.Status != sfntypes.ExecutionStatusSucceeded {
		if e := aws.ToString(ex.Error); e != "" {
			w.console.Infof("  Error: %s", e)
		}
		if c := formatCause(aws.ToString(ex.Cause)); c != "" {
			w.console.Infof("  Cause: %s", strings.ReplaceAll(c, "\n", "\n  "))
		}
	}
	if len(w.order) == 0 {
		return
	}
	w.console.Infof("  ECS tasks: %d", len(w.order))
	const most = 20
	for i, wt := range w.order {
		if i == most {
			w.console.Infof("    … and %d more (ecsrun workflow describe %s)", len(w.order)-most, w.arn)
			break
		}
		status := orDefault(wt.LastStatus, "submitted")
		if wt.stopped {
			status = wt.stoppedLine()
		}
		w.console.Infof("    %s %s: %s", wt.label, shortTask(wt.TaskArn), status)
	}
}

// remoteEndpoint reports whether an endpoint is not on this machine (Amazon
// ECS and Step Functions, as far as ecsrun can tell).
func remoteEndpoint(endpoint string) bool {
	if endpoint == "" {
		return false
	}
	u, err := url.Parse(endpoint)
	return err != nil || !isLoopback(u.Hostname())
}

// logTuning is how container logs are read: as run-task reads them on the
// local engine, or on AWS (see runtask.Options.AWSTuning).
func logTuning(endpoint string) runtask.LogFollowerOptions {
	if remoteEndpoint(endpoint) {
		return runtask.LogFollowerOptions{Poll: 2 * time.Second, Rate: 5, Settle: 5 * time.Second}
	}
	return runtask.LogFollowerOptions{}
}
