package executions

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecsrun/ecsrun/internal/sfnmock"
	"github.com/ecsrun/ecsrun/internal/sfnresource"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Error names of the dispatch chain.
const (
	// ErrIntegrationUnavailable fails a Task state whose resource nothing
	// here runs: no mock for the state, no integration that supports it.
	ErrIntegrationUnavailable = "Ecsrun.IntegrationUnavailable"
)

// Dispatcher decides, per Task invocation, what answers it:
//
//	mocked response of the execution's test case for the state
//	  └─ else the first registry whose Supports(resource) is true
//	       └─ else Ecsrun.IntegrationUnavailable, naming the resource and
//	          both remedies (a mock, an endpoint)
//
// It is the workflow.TaskRegistry of one execution.
type Dispatcher struct {
	mocks      *sfnmock.Mocks
	registries []workflow.TaskRegistry
}

var _ workflow.TaskRegistry = (*Dispatcher)(nil)

// NewDispatcher returns the chain for one execution; mocks may be nil.
func NewDispatcher(mocks *sfnmock.Mocks, registries ...workflow.TaskRegistry) *Dispatcher {
	var rs []workflow.TaskRegistry
	for _, r := range registries {
		if r != nil {
			rs = append(rs, r)
		}
	}
	return &Dispatcher{mocks: mocks, registries: rs}
}

// Supports is true for every resource: what cannot run fails at run time
// with a clear error, and validation is the job of the resource checker.
func (d *Dispatcher) Supports(string) bool { return true }

// Supported lists what the registries run.
func (d *Dispatcher) Supported() []string {
	var out []string
	for _, r := range d.registries {
		out = append(out, r.Supported()...)
	}
	return out
}

// Lookup returns the chain's handler for resource.
func (d *Dispatcher) Lookup(resource string) (workflow.TaskHandler, bool) {
	return &dispatch{d: d, resource: resource}, true
}

// registry returns the handler of the first registry that supports
// resource.
func (d *Dispatcher) registry(resource string) workflow.TaskHandler {
	for _, r := range d.registries {
		if r.Supports(resource) {
			if h, ok := r.Lookup(resource); ok {
				return h
			}
		}
	}
	return nil
}

type dispatch struct {
	d        *Dispatcher
	resource string
}

var (
	_ workflow.TaskHandler       = (*dispatch)(nil)
	_ workflow.ParameterAdjuster = (*dispatch)(nil)
)

// AdjustParameters lets the integration that would run the resource
// change its parameters (ECS .sync adds StartedBy), mocked or not, so
// TaskScheduled shows what Step Functions sends.
func (h *dispatch) AdjustParameters(resource string, params any) any {
	if a, ok := h.d.registry(resource).(workflow.ParameterAdjuster); ok {
		return a.AdjustParameters(resource, params)
	}
	return params
}

// Invoke answers from the mock, else the integration, else fails.
func (h *dispatch) Invoke(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	if h.d.mocks.Has(req.StateName) {
		return h.mocked(req)
	}
	if t := h.d.registry(h.resource); t != nil {
		return t.Invoke(ctx, req)
	}
	return nil, workflow.NewStatesError(ErrIntegrationUnavailable, unavailable(h.resource, req.StateName))
}

// mocked answers one invocation from the test case. For .sync and
// .waitForTaskToken the mocked response is the job's or the callback's
// outcome, so, as AWS records a submitted job, TaskSubmitted comes first
// (its output is the mocked result, {} for a Throw: there is no real
// submission to show); the outcome follows at once.
func (h *dispatch) mocked(req *workflow.TaskRequest) (any, *workflow.StatesError) {
	n, o, ok := h.d.mocks.Next(req.StateName)
	if !ok {
		r := h.d.mocks.Response(req.StateName)
		return nil, workflow.NewStatesError(workflow.ErrRuntime, fmt.Sprintf(
			"The mocked response %q of test case %q has no entry for invocation %d of state %q (it covers invocations %s; invocations count from 0, retries included).",
			r.Name, h.d.mocks.TestCase, n, req.StateName, r.Invocations()))
	}
	if p, err := sfnresource.Parse(h.resource); err == nil && p.Pattern != sfnresource.RequestResponse && req.Submitted != nil {
		if o.Throw != nil {
			req.Submitted(map[string]any{})
		} else {
			req.Submitted(o.Return)
		}
	}
	if o.Throw != nil {
		return nil, workflow.NewStatesError(o.Throw.Error, o.Throw.Cause)
	}
	return o.Return, nil
}

// unavailable words the error of a resource nothing runs.
func unavailable(resource, state string) string {
	what, env := describe(resource)
	var b strings.Builder
	fmt.Fprintf(&b, "Nothing runs %s here (state %q, resource %s). Either mock it: give ecsrun a mock configuration whose test case maps state %q to a mocked response "+
		"(ecsrun workflow run --mock-config FILE --test-case NAME; or ecsrun serve --mock-config FILE, or SFN_MOCK_CONFIG, and StartExecution with stateMachineArn#TestCase)",
		what, state, resource, state)
	if env != "" {
		fmt.Fprintf(&b, "; or point it at an endpoint that runs it: set %s (or AWS_ENDPOINT_URL) where the engine runs", env)
	}
	b.WriteString(".")
	return b.String()
}

// endpointEnv names the AWS_ENDPOINT_URL_<SERVICE> variable of the
// services whose Step Functions name differs from their SDK service id.
var endpointEnv = map[string]string{
	"states":           "AWS_ENDPOINT_URL_SFN",
	"sfn":              "AWS_ENDPOINT_URL_SFN",
	"events":           "AWS_ENDPOINT_URL_EVENTBRIDGE",
	"eventbridge":      "AWS_ENDPOINT_URL_EVENTBRIDGE",
	"cloudwatchlogs":   "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
	"elasticmapreduce": "AWS_ENDPOINT_URL_EMR",
	"emr-containers":   "AWS_ENDPOINT_URL_EMR_CONTAINERS",
	"emr-serverless":   "AWS_ENDPOINT_URL_EMR_SERVERLESS",
	"apigateway":       "AWS_ENDPOINT_URL_API_GATEWAY",
}

// describe returns what a resource calls and the endpoint variable that
// would route it ("" when no endpoint applies, as for activities).
func describe(resource string) (string, string) {
	r, err := sfnresource.Parse(resource)
	if err != nil {
		return resource, ""
	}
	env := func(svc string) string {
		if e, ok := endpointEnv[svc]; ok {
			return e
		}
		return "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(svc, "-", "_"))
	}
	switch r.Kind {
	case sfnresource.KindActivity:
		return "activity " + r.Name + " (start an activity worker that polls it with GetActivityTask)", ""
	case sfnresource.KindLambda:
		return "Lambda function " + r.Name, env("lambda")
	case sfnresource.KindHTTP:
		return "the HTTP task", ""
	case sfnresource.KindSDK:
		return "the AWS SDK integration " + r.Service + ":" + r.Action, env(r.Service)
	}
	return r.Service + ":" + r.Action + string(r.Pattern), env(r.Service)
}
