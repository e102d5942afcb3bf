package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ecsrun/ecsrun/internal/flowgraph"
	"github.com/ecsrun/ecsrun/internal/runtask"
	"github.com/ecsrun/ecsrun/internal/sdkjson"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/sfnresource"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Exit codes of `ecsrun workflow run`, by how the execution ended.
const (
	ExitWorkflowFailed   = 3
	ExitWorkflowTimedOut = 4
	ExitWorkflowAborted  = 5
)

// workflowFlags are what the workflow subcommands share.
type workflowFlags struct {
	endpoint string
	output   string
	ef       engineFlags
}

// add adds the flags of a command that runs tasks: the shared ones and
// the engine's (how containers run); output says whether the command
// prints text or JSON (--output).
func (f *workflowFlags) add(cmd *cobra.Command, output bool) {
	f.addShared(cmd, output)
	f.ef.add(cmd.Flags())
}

// addShared adds the flags every workflow command that reaches an engine
// has.
func (f *workflowFlags) addShared(cmd *cobra.Command, output bool) {
	fs := cmd.Flags()
	fs.StringVar(&f.endpoint, "endpoint-url", os.Getenv("AWS_ENDPOINT_URL_SFN"), "Step Functions endpoint to use instead of the local engine (its ECS API is reached at the same URL; default $AWS_ENDPOINT_URL_SFN)")
	f.output = "text"
	if output {
		fs.StringVar(&f.output, "output", "text", `"text" or "json"`)
	}
}

// addReader adds the flags of a command that only reads executions. The
// engine flags are not listed in its help; they are still accepted, for
// the engine it opens when no daemon holds the state directory (such as
// --runtime process on a machine without Docker).
func (f *workflowFlags) addReader(cmd *cobra.Command, output bool) {
	f.addShared(cmd, output)
	engine := pflag.NewFlagSet("engine", pflag.ContinueOnError)
	f.ef.add(engine)
	engine.VisitAll(func(fl *pflag.Flag) { fl.Hidden = true })
	cmd.Flags().AddFlagSet(engine)
}

func (f *workflowFlags) check() error {
	if f.output != "text" && f.output != "json" {
		return &usageError{fmt.Errorf("--output must be text or json, not %q", f.output)}
	}
	return nil
}

func newWorkflow(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workflow",
		Short: "Run Amazon States Language state machines whose tasks are ECS tasks",
		Long: `Run AWS Step Functions state machines (Amazon States Language, JSONPath)
whose Task states run ECS tasks (arn:aws:states:::ecs:runTask, .sync and
.waitForTaskToken), on the local engine or against a Step Functions endpoint.`,
	}
	cmd.AddCommand(newWorkflowRun(e), newWorkflowList(e), newWorkflowDescribe(e), newWorkflowHistory(e), newWorkflowValidate(e), newWorkflowGraph(e))
	return cmd
}

// sfnClients returns the ECS clients of the target (see localClients) and
// a Step Functions client for the same endpoint and credentials.
func (e *env) sfnClients(ctx context.Context, f *workflowFlags) (*clients, *sfn.Client, error) {
	c, err := e.localClients(ctx, &f.ef, f.endpoint)
	if err != nil {
		return nil, nil, err
	}
	o := c.ECS.Options()
	client := sfn.NewFromConfig(aws.Config{Region: o.Region, Credentials: o.Credentials, HTTPClient: o.HTTPClient},
		func(so *sfn.Options) { so.BaseEndpoint = o.BaseEndpoint })
	return c, client, nil
}

// readDefinition reads and validates a definition file as the engine would.
func readDefinition(path string) (string, *workflow.StateMachine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, &usageError{err}
	}
	sm, err := workflow.Parse(data, workflow.ParseOptions{Resources: sfnresource.Checker{}})
	if err != nil {
		return "", nil, &usageError{fmt.Errorf("%s: %w", path, err)}
	}
	return string(data), sm, nil
}

// readInput reads --input: JSON text, or @FILE.
func readInput(s string) (string, error) {
	if s == "" {
		return "{}", nil
	}
	if name, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", &usageError{fmt.Errorf("--input: %w", err)}
		}
		s = string(b)
	}
	if _, err := workflow.DecodeJSON([]byte(s)); err != nil {
		return "", &usageError{fmt.Errorf("--input is not valid JSON: %v", err)}
	}
	return s, nil
}

var nameUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// machineName derives a state machine name from a definition file name.
func machineName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name := strings.Trim(nameUnsafe.ReplaceAllString(base, "-"), "-")
	if name == "" {
		name = "workflow"
	}
	if len(name) > 80 {
		name = name[:80]
	}
	return name
}

func newWorkflowRun(e *env) *cobra.Command {
	var (
		f          workflowFlags
		input      string
		name       string
		execName   string
		roleArn    string
		taskDefs   []string
		reuse      bool
		expandEnv  bool
		timeScale  float64
		graphFile  string
		pollPeriod time.Duration
		mockFile   string
		testCase   string
		colourFlag string
		logsFlag   string
	)
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a state machine and follow it to its end",
		Long: `Create (or update) the state machine in FILE, start an execution, and follow
it: each state entered and left, each ECS task submitted and how it ended, each
retry. Progress goes to standard error; the execution's output (or, with
--output json, a JSON document describing the execution) to standard output.

Without --endpoint-url it runs on the local engine (the ecsrun serve daemon
holding --state-dir, or an engine started inside this command).

Exit codes:
  0     the execution SUCCEEDED
  3     it FAILED
  4     it TIMED_OUT
  5     it was ABORTED (stopped by someone else)
  130   interrupted (SIGINT): the execution was stopped first
  143   terminated (SIGTERM): the execution was stopped first
  1     ecsrun itself failed (the engine, the API)
  2     the command line, the definition or the input is wrong`,
		Example: `  ecsrun workflow run examples/workflows/retry-catch.json \
      --task-definition examples/workflows/job.json --reuse-if-unchanged \
      --input '{"exitCode": "3"}' --time-scale 0.01
  ecsrun workflow run flow.json --input '{"n": 3}' --output json
  ecsrun workflow run flow.json --input @input.json --graph run.svg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if timeScale <= 0 {
				return &usageError{fmt.Errorf("--time-scale must be positive, not %v", timeScale)}
			}
			var mockData []byte
			if mockFile != "" {
				if testCase == "" {
					return &usageError{errors.New("--mock-config needs --test-case NAME (the test case to run)")}
				}
				if _, err := readMockConfig(mockFile, "--mock-config"); err != nil {
					return err
				}
				mockData, _ = os.ReadFile(mockFile)
			}
			def, parsed, err := readDefinition(args[0])
			if err != nil {
				return err
			}
			in, err := readInput(input)
			if err != nil {
				return err
			}
			if name == "" {
				name = machineName(args[0])
			}
			if roleArn == "" {
				roleArn = "arn:aws:iam::" + e.accountID + ":role/ecsrun-workflow"
			}
			colour, err := runtask.ParseColour(colourFlag)
			if err != nil {
				return &usageError{err}
			}
			logMode, err := runtask.ParseLogMode(logsFlag)
			if err != nil || logMode == runtask.LogsEssential {
				return &usageError{fmt.Errorf("--logs must be all or none, not %q", logsFlag)}
			}
			ctx := cmd.Context()
			c, client, err := e.sfnClients(ctx, &f)
			if err != nil {
				return err
			}
			defer c.Close()
			// Container output and progress both go to standard error:
			// standard output holds the execution's output (or the JSON
			// document) alone.
			console := runtask.NewConsole(e.stderr, e.stderr, colour)
			fmt.Fprintf(e.stderr, "Target: %s\n", c.Where)
			for _, td := range taskDefs {
				_, desc, err := runtask.ResolveTaskDefinition(ctx, c.ECS, td, reuse, expandEnv)
				var fe *runtask.FileError
				if errors.As(err, &fe) {
					return &usageError{err}
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "TaskDefinition: %s\n", desc)
			}
			smArn, err := putStateMachine(ctx, client, name, def, roleArn)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "StateMachine: %s\n", smArn)
			var opts []func(*sfn.Options)
			if timeScale != 1 {
				opts = append(opts, sfn.WithAPIOptions(smithyhttp.AddHeaderValue(sfnapi.DelayScaleHeader, fmt.Sprint(timeScale))))
			}
			startArn := smArn
			if testCase != "" {
				// As Step Functions Local: stateMachineArn#TestCase.
				startArn += "#" + testCase
				fmt.Fprintf(e.stderr, "TestCase: %s\n", testCase)
			}
			if mockData != nil {
				opts = append(opts, sfn.WithAPIOptions(smithyhttp.AddHeaderValue(sfnapi.MockConfigHeader, base64.StdEncoding.EncodeToString(mockData))))
			}
			start, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(startArn), Name: nonEmptyString(execName), Input: aws.String(in)}, opts...)
			if err != nil {
				return sfnError("start execution", err)
			}
			arn := aws.ToString(start.ExecutionArn)
			fmt.Fprintf(e.stderr, "Execution: %s\n", arn)
			p := newProgress(aws.ToTime(start.StartDate), parsed, timeScale)
			p.watched = true
			var logs *runtask.LogFollower
			if logMode != runtask.LogsNone {
				logs = runtask.NewLogFollower(c.followLogs(), console, logTuning(f.endpoint))
			}
			w := newRunWatch(client, c.ECS, console, logs, p, arn, pollPeriod)
			w.noDefaultLogGroup = remoteEndpoint(f.endpoint)
			if c.waitExecution != nil {
				ended := make(chan struct{})
				wctx, cancel := context.WithCancel(ctx)
				defer cancel()
				go func() {
					if c.waitExecution(wctx, arn) == nil {
						close(ended)
					}
				}()
				w.ended = ended
			}
			ex, events, err := w.run(ctx)
			if sig := e.signal(); sig != nil || errors.Is(err, context.Canceled) {
				console.EndStatus()
				return e.interruptExecution(client, arn, sig)
			}
			if err != nil {
				return err
			}
			w.summary(ex)
			if graphFile != "" {
				g := flowgraph.New(parsed)
				g.Color(historyEvents(events))
				if err := os.WriteFile(graphFile, []byte(g.SVG(name+" · "+string(ex.Status))), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "Graph: %s\n", graphFile)
			}
			if err := printExecution(e.stdout, f.output, ex); err != nil {
				return err
			}
			return executionExit(ex)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&input, "input", "", "execution input: JSON text, or @FILE (default {})")
	fl.StringVar(&name, "state-machine-name", "", "name of the state machine to create or update (default: the file's base name)")
	fl.StringVar(&execName, "name", "", "name of the execution (default: a UUID)")
	fl.StringVar(&roleArn, "role-arn", "", "role of the state machine (default arn:aws:iam::<account>:role/ecsrun-workflow; required by AWS)")
	fl.StringArrayVar(&taskDefs, "task-definition", nil, "task definition file (JSON or YAML, as for run-task) to register before the run; repeatable")
	fl.BoolVar(&reuse, "reuse-if-unchanged", false, "register a --task-definition file only when it differs from its family's latest ACTIVE revision")
	fl.BoolVar(&expandEnv, "expand-env", false, "expand ${VAR} and ${VAR:-default} in the --task-definition files from the environment")
	fl.Float64Var(&timeScale, "time-scale", 1, "multiply Wait states and retry delays by this factor (e.g. 0.01 for tests); timeouts are not scaled")
	fl.StringVar(&graphFile, "graph", "", "write the state graph, coloured by this execution, as SVG to this file")
	fl.DurationVar(&pollPeriod, "poll", 200*time.Millisecond, "how often to read the execution's history")
	fl.StringVar(&mockFile, "mock-config", "", "Step Functions mock configuration (Step Functions Local's format) whose --test-case answers Task states with mocked responses")
	fl.StringVar(&testCase, "test-case", "", "run this test case of the mock configuration (--mock-config, or the engine's: serve --mock-config or $SFN_MOCK_CONFIG); the state machine name (--state-machine-name) must be the one the configuration names")
	fl.StringVar(&logsFlag, "logs", "all", `follow the output of the ECS tasks' containers: "all" or "none"`)
	fl.StringVar(&colourFlag, "color", "auto", "colour the log prefixes: auto (on a terminal, unless NO_COLOR is set), always or never")
	f.add(cmd, true)
	return cmd
}

func nonEmptyString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// putStateMachine creates the state machine, or updates the one of that
// name, and returns its ARN.
func putStateMachine(ctx context.Context, client *sfn.Client, name, def, roleArn string) (string, error) {
	out, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(roleArn)})
	if err == nil {
		return aws.ToString(out.StateMachineArn), nil
	}
	var exists *sfntypes.StateMachineAlreadyExists
	if !errors.As(err, &exists) {
		return "", sfnError("create state machine", err)
	}
	// Same name: find it and update it.
	p := sfn.NewListStateMachinesPaginator(client, &sfn.ListStateMachinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", sfnError("list state machines", err)
		}
		for _, sm := range page.StateMachines {
			if aws.ToString(sm.Name) == name {
				if _, err := client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: aws.String(def), RoleArn: aws.String(roleArn)}); err != nil {
					return "", sfnError("update state machine "+name, err)
				}
				return aws.ToString(sm.StateMachineArn), nil
			}
		}
	}
	return "", sfnError("create state machine", err)
}

// sfnError words a failed Step Functions call as the AWS CLI does
// ("start execution: InvalidName: Invalid Name: 'bad name!'"), without the
// SDK's transport details. Errors about what the user gave (a name, an
// ARN, the input, the definition) are usage errors.
func sfnError(op string, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := fmt.Errorf("%s: %s: %s", op, ae.ErrorCode(), ae.ErrorMessage())
	switch ae.ErrorCode() {
	case "InvalidName", "InvalidArn", "InvalidExecutionInput", "InvalidDefinition", "ExecutionAlreadyExists",
		"ExecutionDoesNotExist", "StateMachineDoesNotExist", "StateMachineDeleting", "ValidationException":
		return &usageError{e}
	}
	return e
}

func isExecutionEnd(t sfntypes.HistoryEventType) bool {
	switch t {
	case sfntypes.HistoryEventTypeExecutionSucceeded, sfntypes.HistoryEventTypeExecutionFailed,
		sfntypes.HistoryEventTypeExecutionTimedOut, sfntypes.HistoryEventTypeExecutionAborted:
		return true
	}
	return false
}

func history(ctx context.Context, client *sfn.Client, arn string) ([]sfntypes.HistoryEvent, error) {
	var out []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, sfnError("execution history", err)
		}
		out = append(out, page.Events...)
	}
	return out, nil
}

// interruptExecution stops the execution after a signal, waits for it to
// end, and returns the exit error of the signal.
func (e *env) interruptExecution(client *sfn.Client, arn string, sig os.Signal) error {
	code, name := ExitInterrupted, "SIGINT"
	if sig == syscall.SIGTERM {
		code, name = ExitTerminated, "SIGTERM"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Ecsrun.Interrupted"), Cause: aws.String("ecsrun workflow run received " + name)})
	if err != nil {
		return &exitError{code: code, err: fmt.Errorf("%s: stopping the execution failed: %w", name, err)}
	}
	return &exitError{code: code, err: fmt.Errorf("%s: the execution was stopped", name)}
}

func executionExit(ex *sfn.DescribeExecutionOutput) error {
	switch ex.Status {
	case sfntypes.ExecutionStatusSucceeded:
		return nil
	case sfntypes.ExecutionStatusTimedOut:
		return &exitError{code: ExitWorkflowTimedOut}
	case sfntypes.ExecutionStatusAborted:
		return &exitError{code: ExitWorkflowAborted}
	}
	return &exitError{code: ExitWorkflowFailed}
}

// printExecution writes the result: the output (text), or the execution
// (json).
func printExecution(w io.Writer, format string, ex *sfn.DescribeExecutionOutput) error {
	if format == "json" {
		return writeJSON(w, sdkjson.Value(ex, sdkjson.Camel))
	}
	if ex.Output != nil {
		v, err := workflow.DecodeJSON([]byte(aws.ToString(ex.Output)))
		if err == nil {
			return writeJSON(w, v)
		}
		fmt.Fprintln(w, aws.ToString(ex.Output))
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// historyEvents converts SDK history events for the graph.
func historyEvents(evs []sfntypes.HistoryEvent) []flowgraph.Event {
	out := make([]flowgraph.Event, len(evs))
	for i, ev := range evs {
		fe := flowgraph.Event{ID: ev.Id, Prev: ev.PreviousEventId, Type: string(ev.Type)}
		if d := ev.StateEnteredEventDetails; d != nil {
			fe.State = aws.ToString(d.Name)
		}
		if d := ev.StateExitedEventDetails; d != nil {
			fe.State = aws.ToString(d.Name)
		}
		out[i] = fe
	}
	return out
}

func newWorkflowHistory(e *env) *cobra.Command {
	var f workflowFlags
	cmd := &cobra.Command{
		Use:   "history EXECUTION_ARN",
		Short: "Print the history of an execution",
		Long: `Print an execution's history events: one line each (id, time since the
start, type, what happened), or with --output json the events as
GetExecutionHistory returns them.`,
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
			evs, err := history(ctx, client, args[0])
			if err != nil {
				return err
			}
			if f.output == "json" {
				list := make([]any, len(evs))
				for i := range evs {
					list[i] = sdkjson.Value(&evs[i], sdkjson.Camel)
				}
				return writeJSON(e.stdout, map[string]any{"events": list})
			}
			var start time.Time
			if len(evs) > 0 {
				start = aws.ToTime(evs[0].Timestamp)
			}
			// The definition tells the retries apart (a state machine
			// deleted since is no reason not to print the history).
			var sm *workflow.StateMachine
			if d, err := client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(args[0])}); err == nil {
				sm, _ = workflow.Parse([]byte(aws.ToString(d.Definition)), workflow.ParseOptions{})
			}
			printHistory(e.stdout, newProgress(start, sm, 1), evs)
			return nil
		},
	}
	f.addReader(cmd, true)
	return cmd
}

func newWorkflowValidate(e *env) *cobra.Command {
	var express bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check state machine definitions",
		Long: `Check state machine definitions as CreateStateMachine would on the local
engine: the structure of every state, the paths, the intrinsic functions, the
transitions, the Task resources (the ECS integration) and their RunTask
parameters; also a malformed task definition or cluster ARN in them, which
CreateStateMachine accepts and RunTask refuses when the state runs. Each
problem names the field at fault and the diagnostic code
ValidateStateMachineDefinition gives it (SCHEMA_VALIDATION_FAILED,
MISSING_END_STATE, MISSING_TRANSITION_TARGET, DUPLICATE_STATE_NAME, ...).
Exits 1 when a file has problems.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				data, err := os.ReadFile(path)
				if err != nil {
					return &usageError{err}
				}
				probs := workflow.Validate(data, workflow.ParseOptions{Resources: sfnresource.RunChecker{}, Express: express})
				if len(probs) == 0 {
					fmt.Fprintf(e.stdout, "%s: valid\n", path)
					continue
				}
				bad++
				for _, p := range probs {
					loc := p.Location()
					if loc == "" {
						loc = "/"
					}
					fmt.Fprintf(e.stdout, "%s: %s: %s: %s\n", path, loc, p.DiagnosticCode(), p.Message)
				}
			}
			if bad > 0 {
				return &exitError{code: ExitError, err: fmt.Errorf("%d of %d definitions have problems", bad, len(args))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&express, "express", false, "validate for an EXPRESS state machine (no .sync, .waitForTaskToken or activities)")
	return cmd
}

func newWorkflowGraph(e *env) *cobra.Command {
	var (
		f      workflowFlags
		format string
		out    string
	)
	cmd := &cobra.Command{
		Use:   "graph FILE|EXECUTION_ARN",
		Short: "Draw a state machine as SVG or DOT, coloured by an execution",
		Long: `Draw the state graph of a definition FILE, or of the state machine an
execution ran (EXECUTION_ARN), coloured by what the execution did: states
succeeded, failed, caught by a Catch, running, not run; the transitions taken;
the task attempts. SVG is drawn by ecsrun itself; --format dot writes Graphviz.`,
		Example: `  ecsrun workflow graph examples/workflows/retry-catch.json -o flow.svg
  ecsrun workflow graph arn:aws:states:us-east-1:000000000000:execution:retry-catch:1f0c... -o run.svg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "svg" && format != "dot" {
				return &usageError{fmt.Errorf("--format must be svg or dot, not %q", format)}
			}
			var g *flowgraph.Graph
			title := ""
			if _, err := os.Stat(args[0]); err == nil || !strings.HasPrefix(args[0], "arn:") {
				_, sm, err := readDefinition(args[0])
				if err != nil {
					return err
				}
				g, title = flowgraph.New(sm), machineName(args[0])
			} else {
				ctx := cmd.Context()
				c, client, err := e.sfnClients(ctx, &f)
				if err != nil {
					return err
				}
				defer c.Close()
				d, err := client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(args[0])})
				if err != nil {
					return sfnError("describe state machine for execution", err)
				}
				sm, err := workflow.Parse([]byte(aws.ToString(d.Definition)), workflow.ParseOptions{Resources: sfnresource.Checker{}})
				if err != nil {
					return err
				}
				evs, err := history(ctx, client, args[0])
				if err != nil {
					return err
				}
				ex, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(args[0])})
				if err != nil {
					return sfnError("describe execution", err)
				}
				g = flowgraph.New(sm)
				g.Color(historyEvents(evs))
				title = aws.ToString(d.Name) + " · " + aws.ToString(ex.Name) + " · " + string(ex.Status)
			}
			text := g.SVG(title)
			if format == "dot" {
				text = g.DOT(title)
			}
			if out == "" || out == "-" {
				_, err := io.WriteString(e.stdout, text)
				return err
			}
			return os.WriteFile(out, []byte(text), 0o644)
		},
	}
	cmd.Flags().StringVar(&format, "format", "svg", `"svg" or "dot"`)
	cmd.Flags().StringVarP(&out, "output-file", "o", "", "write to this file instead of standard output")
	f.addReader(cmd, false)
	return cmd
}
