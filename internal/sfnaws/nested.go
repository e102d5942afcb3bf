package sfnaws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Executions is the part of the engine's Step Functions the nested
// executions use (*executions.Manager satisfies it). Errors are
// *executions.Error kinds.
type Executions interface {
	StartExecution(ctx context.Context, stateMachineArn string, o executions.StartOptions) (*executions.Execution, error)
	// Wait blocks until the execution ends (or ctx does).
	Wait(ctx context.Context, executionArn string) (*executions.Execution, error)
	StopExecution(ctx context.Context, executionArn, errName, cause string) (*executions.Execution, error)
}

var _ Executions = (*executions.Manager)(nil)

// startInput is the Parameters of states:startExecution.
type startInput struct {
	StateMachineArn string
	Name            string
	Input           any
	TraceHeader     string
}

func parseStartInput(p any) (startInput, error) {
	obj, ok := p.(map[string]any)
	if !ok {
		return startInput{}, &ParameterError{Msg: "Parameters must be an object"}
	}
	var in startInput
	for k, v := range obj {
		switch k {
		case "StateMachineArn", "Name", "TraceHeader":
			s, ok := v.(string)
			if !ok {
				return startInput{}, paramErr("/"+k, "expected a string, got %s", jsonKind(v))
			}
			switch k {
			case "StateMachineArn":
				in.StateMachineArn = s
			case "Name":
				in.Name = s
			default:
				in.TraceHeader = s
			}
		case "Input":
			in.Input = v
		default:
			return startInput{}, paramErr("", "the field %q is not supported (StateMachineArn, Name, Input, TraceHeader)", k)
		}
	}
	if in.StateMachineArn == "" {
		return startInput{}, paramErr("", "the field \"StateMachineArn\" is required")
	}
	return in, nil
}

// inputText is the execution input: a string is the JSON text itself,
// nothing is {}, anything else is written as JSON.
func inputText(v any) string {
	switch x := v.(type) {
	case nil:
		return "{}"
	case string:
		return x
	}
	return workflow.EncodeJSON(v)
}

// startExecution runs states:startExecution on the engine: the request
// answers {ExecutionArn, StartDate}; .sync and .sync:2 wait for the
// execution and answer its description (Output as JSON text, or with
// .sync:2 as JSON), failing with States.TaskFailed unless it succeeded;
// .waitForTaskToken waits for the task token. When the state ends first
// (timeout, execution stopped), the nested execution is stopped.
func (g *Integration) startExecution(ctx context.Context, r resource, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	in, err := parseStartInput(params(req))
	if err != nil {
		return nil, svcStates.callError(err)
	}
	var wait func(context.Context, func()) (any, *workflow.StatesError)
	if r.pattern == patternToken {
		var done func()
		wait, done = g.opts.Callbacks.Register(req.Token)
		defer done()
	}
	ex, err := g.opts.Executions.StartExecution(ctx, in.StateMachineArn, executions.StartOptions{Name: in.Name, Input: inputText(in.Input)})
	if err != nil {
		return nil, statesError(err)
	}
	started := map[string]any{"ExecutionArn": ex.Arn, "StartDate": epochMillis(ex.Start)}
	if r.pattern == patternRequest {
		return started, nil
	}
	if req.Submitted != nil {
		req.Submitted(started)
	}
	if r.pattern == patternToken {
		return wait(ctx, req.Heartbeat)
	}
	done, err := g.opts.Executions.Wait(ctx, ex.Arn)
	if err != nil {
		if ctx.Err() != nil {
			g.stopNested(ctx, req, ex.Arn)
			return nil, workflow.NewStatesError("States.Aborted", "cancelled")
		}
		return nil, statesError(err)
	}
	desc := describe(done, r.pattern == patternSync2)
	if done.Status != workflow.StatusSucceeded {
		return nil, workflow.NewStatesError(workflow.ErrTaskFailed, workflow.EncodeJSON(desc))
	}
	return desc, nil
}

// stopNested stops a nested execution whose state ended first (ctx's
// cause is then a *workflow.StatesError); when the engine itself is
// closing, the execution is left to the next start, as its parent is.
func (g *Integration) stopNested(ctx context.Context, req *workflow.TaskRequest, arn string) {
	var se *workflow.StatesError
	if !errors.As(context.Cause(ctx), &se) {
		return
	}
	why := "was aborted"
	if se.Name == workflow.ErrTimeout || se.Name == workflow.ErrHeartbeatTimeout {
		why = "timed out"
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	g.opts.Executions.StopExecution(sctx, arn, "", fmt.Sprintf("The Task state in AWS Step Functions execution [%s] which was managing this execution %s", req.ExecutionArn, why))
}

// describe is an ended execution as DescribeExecution answers it, with
// Input and Output as JSON values when asJSON (.sync:2).
func describe(ex *executions.Execution, asJSON bool) map[string]any {
	data := func(s string) any {
		if !asJSON {
			return s
		}
		if v, err := workflow.DecodeJSON([]byte(s)); err == nil {
			return v
		}
		return s
	}
	v := map[string]any{
		"ExecutionArn":    ex.Arn,
		"StateMachineArn": ex.StateMachineArn,
		"Name":            ex.Name,
		"Status":          ex.Status,
		"StartDate":       epochMillis(ex.Start),
		"Input":           data(ex.Input),
		"InputDetails":    map[string]any{"Included": true},
	}
	if !ex.Stop.IsZero() {
		v["StopDate"] = epochMillis(ex.Stop)
	}
	if ex.Status == workflow.StatusSucceeded {
		v["Output"] = data(ex.Output)
		v["OutputDetails"] = map[string]any{"Included": true}
	}
	if ex.Error != "" {
		v["Error"] = ex.Error
	}
	if ex.Cause != "" {
		v["Cause"] = ex.Cause
	}
	return v
}

func epochMillis(t time.Time) json.Number {
	return json.Number(strconv.FormatInt(t.UnixMilli(), 10))
}

// statesError is how Step Functions reports a failed call to itself:
// StepFunctions.<Kind>Exception, with the Java SDK's message.
func statesError(err error) *workflow.StatesError {
	var e *executions.Error
	if !errors.As(err, &e) {
		return workflow.NewStatesError(svcStates.prefix+".SdkClientException", "Unable to execute HTTP request: "+err.Error())
	}
	code := e.Kind.Error()
	name := code
	if !strings.HasSuffix(name, "Exception") {
		name += "Exception"
	}
	return workflow.NewStatesError(svcStates.prefix+"."+name, fmt.Sprintf("%s (Service: %s; Status Code: 400; Error Code: %s; Request ID: null; Proxy: null)", e.Msg, svcStates.java, code))
}
