package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/spf13/cobra"

	"github.com/ecsrun/ecsrun/internal/sdkjson"
)

// executionStatuses are ListExecutions' status filters.
var executionStatuses = []string{"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}

func newWorkflowList(e *env) *cobra.Command {
	var (
		f       workflowFlags
		status  string
		machine string
		limit   int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List executions, newest first",
		Long: `List the executions of every state machine (or of --state-machine, a name
or an ARN), newest first: name, state machine, status, start time and how long
it ran. --status keeps those of one status. --output json prints
{"executions": [...]} as ListExecutions returns them.`,
		Example: `  ecsrun workflow list
  ecsrun workflow list --state-machine retry-catch --status FAILED
  ecsrun workflow list --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			status = strings.ToUpper(status)
			if status != "" && !slices.Contains(executionStatuses, status) {
				return &usageError{fmt.Errorf("--status must be one of %s, not %q", strings.Join(executionStatuses, ", "), status)}
			}
			ctx := cmd.Context()
			c, client, err := e.sfnClients(ctx, &f)
			if err != nil {
				return err
			}
			defer c.Close()
			machines, err := stateMachineArns(ctx, client, machine)
			if err != nil {
				return err
			}
			var list []sfntypes.ExecutionListItem
			for _, arn := range machines {
				in := &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), StatusFilter: sfntypes.ExecutionStatus(status)}
				p := sfn.NewListExecutionsPaginator(client, in)
				for p.HasMorePages() && (limit <= 0 || len(list) < limit*len(machines)) {
					page, err := p.NextPage(ctx)
					if err != nil {
						return sfnError("list executions", err)
					}
					list = append(list, page.Executions...)
				}
			}
			slices.SortStableFunc(list, func(a, b sfntypes.ExecutionListItem) int {
				return aws.ToTime(b.StartDate).Compare(aws.ToTime(a.StartDate))
			})
			if limit > 0 && len(list) > limit {
				list = list[:limit]
			}
			if f.output == "json" {
				items := make([]any, len(list))
				for i := range list {
					items[i] = sdkjson.Value(&list[i], sdkjson.Camel)
				}
				return writeJSON(e.stdout, map[string]any{"executions": items})
			}
			return writeExecutionTable(e.stdout, list, time.Now())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&status, "status", "", "only executions of this status: "+strings.Join(executionStatuses, ", "))
	fl.StringVar(&machine, "state-machine", "", "only the executions of this state machine (name or ARN)")
	fl.IntVar(&limit, "limit", 100, "at most this many executions (0: all)")
	f.addReader(cmd, true)
	return cmd
}

// stateMachineArns resolves --state-machine (a name or an ARN; every
// state machine when empty).
func stateMachineArns(ctx context.Context, client *sfn.Client, machine string) ([]string, error) {
	if strings.HasPrefix(machine, "arn:") {
		return []string{machine}, nil
	}
	var arns []string
	p := sfn.NewListStateMachinesPaginator(client, &sfn.ListStateMachinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, sfnError("list state machines", err)
		}
		for _, sm := range page.StateMachines {
			if machine == "" || aws.ToString(sm.Name) == machine {
				arns = append(arns, aws.ToString(sm.StateMachineArn))
			}
		}
	}
	if machine != "" && len(arns) == 0 {
		return nil, &usageError{fmt.Errorf("--state-machine: there is no state machine named %q (`aws stepfunctions list-state-machines` lists them)", machine)}
	}
	return arns, nil
}

// writeExecutionTable prints executions as a table.
func writeExecutionTable(w io.Writer, list []sfntypes.ExecutionListItem, now time.Time) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "no executions")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE MACHINE\tSTATUS\tSTARTED\tDURATION")
	for _, ex := range list {
		start := aws.ToTime(ex.StartDate)
		end := now
		if ex.StopDate != nil {
			end = *ex.StopDate
		}
		took := roundDuration(end.Sub(start)).String()
		if ex.StopDate == nil {
			took += " so far"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", aws.ToString(ex.Name), resourceName(aws.ToString(ex.StateMachineArn)), ex.Status,
			start.Local().Format("2006-01-02 15:04:05"), took)
	}
	return tw.Flush()
}

// resourceName is the name at the end of a Step Functions ARN
// (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME).
func resourceName(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }

func newWorkflowDescribe(e *env) *cobra.Command {
	var f workflowFlags
	cmd := &cobra.Command{
		Use:   "describe EXECUTION",
		Short: "Describe an execution: status, times, input, output, error, its ECS tasks",
		Long: `Describe an execution (its ARN, or its name when one state machine has an
execution of that name): status, start and stop times, input and output, the
Error and Cause of a failure (JSON pretty-printed), and the ECS tasks its
states ran with how each ended. --output json prints DescribeExecution's
document with "ecsTasks" added.`,
		Example: `  ecsrun workflow describe arn:aws:states:us-east-1:000000000000:execution:retry-catch:3ce9bf81-9cbb-428f-963d-99d5882eb021
  ecsrun workflow describe 3ce9bf81-9cbb-428f-963d-99d5882eb021 --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, client, err := e.sfnClients(ctx, &f)
			if err != nil {
				return err
			}
			defer c.Close()
			arn, err := executionArn(ctx, client, args[0])
			if err != nil {
				return err
			}
			ex, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				return sfnError("describe execution", err)
			}
			evs, err := history(ctx, client, arn)
			if err != nil {
				return err
			}
			tasks := executionTasks(evs)
			refreshTasks(ctx, c.ECS, tasks)
			if f.output == "json" {
				doc, _ := sdkjson.Value(ex, sdkjson.Camel).(map[string]any)
				if doc == nil {
					doc = map[string]any{}
				}
				list := make([]any, len(tasks))
				for i, t := range tasks {
					list[i] = t.json()
				}
				doc["ecsTasks"] = list
				return writeJSON(e.stdout, doc)
			}
			writeDescription(e.stdout, ex, tasks, time.Now())
			return nil
		},
	}
	f.addReader(cmd, true)
	return cmd
}

// executionArn resolves an execution given by ARN or by name.
func executionArn(ctx context.Context, client *sfn.Client, ref string) (string, error) {
	if strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	machines, err := stateMachineArns(ctx, client, "")
	if err != nil {
		return "", err
	}
	var found []string
	for _, sm := range machines {
		p := sfn.NewListExecutionsPaginator(client, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return "", sfnError("list executions", err)
			}
			for _, ex := range page.Executions {
				if aws.ToString(ex.Name) == ref {
					found = append(found, aws.ToString(ex.ExecutionArn))
				}
			}
		}
	}
	switch len(found) {
	case 0:
		return "", &usageError{fmt.Errorf("there is no execution named %q (give its ARN, or see `ecsrun workflow list`)", ref)}
	case 1:
		return found[0], nil
	}
	return "", &usageError{fmt.Errorf("%d executions are named %q; give the ARN of one: %s", len(found), ref, strings.Join(found, ", "))}
}

// describedTask is an ECS task an execution ran, as describe shows it.
type describedTask struct {
	State string
	ecsTask
}

func (t describedTask) json() map[string]any {
	cs := make([]any, len(t.Containers))
	for i, c := range t.Containers {
		m := map[string]any{"name": c.Name}
		if c.LastStatus != "" {
			m["lastStatus"] = c.LastStatus
		}
		if c.ExitCode != nil {
			m["exitCode"] = *c.ExitCode
		}
		if c.Reason != "" {
			m["reason"] = c.Reason
		}
		cs[i] = m
	}
	m := map[string]any{"state": t.State, "taskArn": t.TaskArn, "lastStatus": t.LastStatus, "containers": cs}
	for k, v := range map[string]string{"clusterArn": t.ClusterArn, "taskDefinitionArn": t.TaskDefinitionArn, "stopCode": t.StopCode, "stoppedReason": t.StoppedReason} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// executionTasks reads the ECS tasks an execution's states ran from its
// history (TaskSubmitted, and the tasks of TaskSucceeded and TaskFailed),
// in the order they started, with the last word the history has on each.
func executionTasks(evs []sfntypes.HistoryEvent) []describedTask {
	p := newProgress(time.Time{}, nil, 1)
	var out []describedTask
	index := map[string]int{}
	for _, ev := range evs {
		label := p.track(ev)
		var text string
		switch {
		case ev.TaskSubmittedEventDetails != nil:
			text = aws.ToString(ev.TaskSubmittedEventDetails.Output)
		case ev.TaskSucceededEventDetails != nil:
			text = aws.ToString(ev.TaskSucceededEventDetails.Output)
		case ev.TaskFailedEventDetails != nil:
			text = aws.ToString(ev.TaskFailedEventDetails.Cause)
		default:
			continue
		}
		for _, t := range ecsTasksOf(text) {
			if i, ok := index[t.TaskArn]; ok {
				out[i].ecsTask = t
				continue
			}
			index[t.TaskArn] = len(out)
			out = append(out, describedTask{State: label, ecsTask: t})
		}
	}
	return out
}

// refreshTasks describes the tasks whose end the history does not tell
// (those of runTask and .waitForTaskToken states); tasks ECS no longer
// knows keep what the history says.
func refreshTasks(ctx context.Context, api ecsAPI, tasks []describedTask) {
	byCluster := map[string][]int{}
	for i, t := range tasks {
		if t.LastStatus != "STOPPED" {
			byCluster[t.ClusterArn] = append(byCluster[t.ClusterArn], i)
		}
	}
	for cluster, idx := range byCluster {
		for chunk := range slices.Chunk(idx, 100) {
			arns := make([]string, len(chunk))
			for i, k := range chunk {
				arns[i] = tasks[k].TaskArn
			}
			out, err := api.DescribeTasks(ctx, &awsecs.DescribeTasksInput{Cluster: nonEmptyString(cluster), Tasks: arns})
			if err != nil {
				continue
			}
			for _, st := range out.Tasks {
				for _, k := range chunk {
					if tasks[k].TaskArn == aws.ToString(st.TaskArn) {
						tasks[k].ecsTask = fromSDKTask(st)
					}
				}
			}
		}
	}
}

// writeDescription prints an execution for a person.
func writeDescription(w io.Writer, ex *sfn.DescribeExecutionOutput, tasks []describedTask, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("Execution", aws.ToString(ex.ExecutionArn))
	row("State machine", aws.ToString(ex.StateMachineArn))
	row("Status", string(ex.Status))
	start := aws.ToTime(ex.StartDate)
	row("Started", start.Local().Format(time.RFC3339Nano))
	if ex.StopDate != nil {
		row("Stopped", fmt.Sprintf("%s (after %s)", ex.StopDate.Local().Format(time.RFC3339Nano), roundDuration(ex.StopDate.Sub(start))))
	} else {
		row("Running for", roundDuration(now.Sub(start)).String())
	}
	tw.Flush()
	block := func(k, v string) {
		if v == "" {
			return
		}
		fmt.Fprintf(w, "%s:\n  %s\n", k, strings.ReplaceAll(v, "\n", "\n  "))
	}
	block("Input", formatJSONText(aws.ToString(ex.Input)))
	block("Output", formatJSONText(aws.ToString(ex.Output)))
	if e := aws.ToString(ex.Error); e != "" {
		fmt.Fprintf(w, "Error: %s\n", e)
	}
	block("Cause", formatCause(aws.ToString(ex.Cause)))
	if len(tasks) == 0 {
		return
	}
	fmt.Fprintf(w, "ECS tasks (%d):\n", len(tasks))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range tasks {
		status := orDefault(t.LastStatus, "submitted")
		if t.LastStatus == "STOPPED" {
			status = t.stoppedLine()
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.State, taskID(t.TaskArn), status)
	}
	tw.Flush()
}

// formatJSONText pretty-prints JSON text (other text as it is).
func formatJSONText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return prettyText(s, false)
}
