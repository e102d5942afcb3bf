package sfnresource

import (
	"github.com/ecsrun/ecsrun/internal/sfnecs"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Checker validates Task resources and their Parameters as AWS Step
// Functions does when a state machine is created, whatever can run here.
// The zero value is ready to use.
type Checker struct{}

var (
	_ workflow.ResourceChecker   = Checker{}
	_ workflow.ParameterChecker  = Checker{}
	_ workflow.ResourceExplainer = Checker{}
)

// Supports reports whether AWS accepts resource.
func (Checker) Supports(resource string) bool {
	_, err := Parse(resource)
	return err == nil
}

// Supported describes the accepted forms.
func (Checker) Supported() []string {
	return []string{
		"arn:aws:states:::SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken] (optimized integrations)",
		"arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken] (AWS SDK integrations)",
		"arn:aws:lambda:REGION:ACCOUNT:function:NAME[:VERSION|:ALIAS]",
		"arn:aws:states:REGION:ACCOUNT:activity:NAME",
		"arn:aws:states:::http:invoke",
	}
}

// Unsupported says why AWS refuses resource ("" when it accepts it).
func (Checker) Unsupported(resource string) string {
	if _, err := Parse(resource); err != nil {
		return err.Error()
	}
	return ""
}

// CheckParameters validates the Parameters of a Task state (see the
// package function).
func (Checker) CheckParameters(resource string, params map[string]any) []workflow.Problem {
	return CheckParameters(resource, params)
}

// RunChecker is Checker plus what the services refuse only when a state
// runs: a malformed task definition reference or cluster ARN in the
// Parameters of an ECS runTask state. `workflow validate` uses it;
// CreateStateMachine uses Checker, since AWS accepts such definitions.
type RunChecker struct{ Checker }

var _ workflow.ParameterChecker = RunChecker{}

// CheckParameters validates the Parameters of a Task state as Checker
// does, and the ECS references of a runTask state.
func (c RunChecker) CheckParameters(resource string, params map[string]any) []workflow.Problem {
	out := c.Checker.CheckParameters(resource, params)
	if r, err := Parse(resource); err == nil && r.Kind == KindOptimized && r.Service == "ecs" && r.Action == "runTask" {
		out = append(out, sfnecs.CheckReferences(params)...)
	}
	return out
}
