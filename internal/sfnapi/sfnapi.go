package sfnapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/activities"
	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/sfnmock"
	sm "github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Wire constants of the service.
const (
	TargetPrefix = "AWSStepFunctions"
	JSONVersion  = "1.0"
	// DelayScaleHeader carries the delay scale of a started execution.
	DelayScaleHeader = "X-Ecsrun-Delay-Scale"
	// MockConfigHeader carries, base64-encoded, the mock configuration of
	// an execution started with stateMachineArn#TestCase (ecsrun workflow
	// run --mock-config); without it the engine's configuration applies.
	MockConfigHeader = "X-Ecsrun-Mock-Config"
)

// Error types used beyond those named after executions' kinds.
const (
	typeValidation = "ValidationException"
	// typeUnsupported answers the model's operations ecsrun lacks.
	typeUnsupported = "UnsupportedOperation"
	typeInternal    = "InternalFailure"
)

// Manager is what the API needs from the executions manager.
type Manager interface {
	Versions
	CreateStateMachine(ctx context.Context, name, definition, roleArn, typ string) (*executions.StateMachine, error)
	DescribeStateMachine(ctx context.Context, arn string) (*executions.StateMachine, error)
	UpdateStateMachine(ctx context.Context, arn string, definition, roleArn *string) (*executions.StateMachine, error)
	DeleteStateMachine(ctx context.Context, arn string) error
	ListStateMachines(ctx context.Context, maxResults int32, token string) ([]*executions.StateMachine, string, error)
	ValidateDefinitionType(definition, typ string) []executions.Diagnostic
	StartExecution(ctx context.Context, arn string, o executions.StartOptions) (*executions.Execution, error)
	StartSyncExecution(ctx context.Context, arn string, o executions.StartOptions) (*executions.Execution, error)
	DescribeExecution(ctx context.Context, arn string) (*executions.Execution, error)
	ListExecutions(ctx context.Context, smArn, status string, maxResults int32, token string) ([]*executions.Execution, string, error)
	StopExecution(ctx context.Context, arn, errName, cause string) (*executions.Execution, error)
	GetExecutionHistory(ctx context.Context, arn string, maxResults int32, token string, reverse, includeData bool) (*executions.HistoryPage, error)
	ListExecutionsRedriven(ctx context.Context, smArn, status, redriven string, maxResults int32, token string) ([]*executions.Execution, string, error)
	RedriveExecution(ctx context.Context, arn string) (*executions.Execution, error)
	Redrivable(ctx context.Context, ex *executions.Execution) (bool, string)
}

// Tokens answers task tokens.
type Tokens interface {
	Succeed(token, output string) error
	Fail(token, errName, cause string) error
	Heartbeat(token string) error
}

// Activities keeps activities and hands their tasks to workers.
type Activities interface {
	Create(ctx context.Context, name string, tags []activities.Tag, encryption any) (*activities.Activity, error)
	Describe(ctx context.Context, arn string) (*activities.Activity, error)
	List(ctx context.Context, maxResults int32, token string) ([]*activities.Activity, string, error)
	Delete(ctx context.Context, arn string) error
	GetTask(ctx context.Context, arn, worker string) (token, input string, err error)
}

var (
	_ Manager    = (*executions.Manager)(nil)
	_ Tokens     = (*executions.Tokens)(nil)
	_ Activities = (*activities.Manager)(nil)
)

// New returns the Step Functions service, to mount with awsjson.NewServer.
func New(m Manager, tokens Tokens, acts Activities) *awsjson.Service {
	a := &api{m: m, tokens: tokens, acts: acts}
	svc := &awsjson.Service{
		TargetPrefix: TargetPrefix,
		JSONVersion:  JSONVersion,
		Name:         "AWS Step Functions",
		SigningName:  "states",
		Operations:   sm.Operations,
		Handlers: map[string]awsjson.Handler{
			"CreateStateMachine":               a.createStateMachine,
			"DescribeStateMachine":             a.describeStateMachine,
			"ListStateMachines":                a.listStateMachines,
			"UpdateStateMachine":               a.updateStateMachine,
			"DeleteStateMachine":               a.deleteStateMachine,
			"ValidateStateMachineDefinition":   a.validate,
			"StartExecution":                   a.startExecution,
			"StartSyncExecution":               a.startSyncExecution,
			"DescribeExecution":                a.describeExecution,
			"DescribeStateMachineForExecution": a.describeStateMachineForExecution,
			"ListExecutions":                   a.listExecutions,
			"StopExecution":                    a.stopExecution,
			"GetExecutionHistory":              a.getExecutionHistory,
			"RedriveExecution":                 a.redriveExecution,
			"SendTaskSuccess":                  a.sendTaskSuccess,
			"SendTaskFailure":                  a.sendTaskFailure,
			"SendTaskHeartbeat":                a.sendTaskHeartbeat,
			"CreateActivity":                   a.createActivity,
			"DescribeActivity":                 a.describeActivity,
			"ListActivities":                   a.listActivities,
			"DeleteActivity":                   a.deleteActivity,
			"GetActivityTask":                  a.getActivityTask,
			"ListMapRuns":                      a.listMapRuns,
			"DescribeMapRun":                   a.describeMapRun,
			"UpdateMapRun":                     a.updateMapRun,
		},
		ValidationType:    typeValidation,
		UnimplementedType: typeUnsupported,
		Classify:          Classify,
		InternalType:      typeInternal,
	}
	for op, h := range a.versionHandlers() {
		svc.Handlers[op] = h
	}
	return svc
}

// Classify maps the executions and activities packages' error kinds to
// error types of the same names.
func Classify(err error) (awsjson.Fault, bool) {
	if e := (*executions.Error)(nil); errors.As(err, &e) {
		return awsjson.Fault{Type: e.Kind.Error(), Status: faultStatus(e.Kind), Message: e.Msg}, true
	}
	if e := (*activities.Error)(nil); errors.As(err, &e) {
		return awsjson.Fault{Type: e.Kind.Error(), Status: http.StatusBadRequest, Message: e.Msg}, true
	}
	return awsjson.Fault{}, false
}

type api struct {
	m      Manager
	tokens Tokens
	acts   Activities
}

func at(t interface{ IsZero() bool }) bool { return !t.IsZero() }

func boolp(b bool) *bool { return &b }

func describeStateMachine(s *executions.StateMachine) *sm.DescribeStateMachineOutput {
	return &sm.DescribeStateMachineOutput{
		StateMachineArn: s.Arn, Name: s.Name, Status: sm.StateMachineStatusACTIVE, Definition: s.Definition,
		RoleArn: s.RoleArn, Type: sm.StateMachineType(s.Type), CreationDate: wire.At(s.Created),
		LoggingConfiguration: &sm.LoggingConfiguration{Level: sm.LogLevelOFF, IncludeExecutionData: boolp(false)},
		TracingConfiguration: &sm.TracingConfiguration{Enabled: boolp(false)},
		RevisionId:           revision(s),
	}
}

// revision is shown once a state machine has been updated, as AWS does
// (the first revision has no id).
func revision(s *executions.StateMachine) string {
	return s.RevisionID
}

func (a *api) createStateMachine(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.CreateStateMachineInput)
	if req.VersionDescription != "" && (req.Publish == nil || !*req.Publish) {
		return nil, errDescriptionWithoutPublish()
	}
	s, err := a.m.CreateStateMachine(ctx, req.Name, req.Definition, req.RoleArn, string(req.Type))
	if err != nil {
		return nil, err
	}
	version, err := a.publishAfter(ctx, s, req.Publish, req.VersionDescription)
	if err != nil {
		return nil, err
	}
	return &sm.CreateStateMachineOutput{StateMachineArn: s.Arn, CreationDate: wire.At(s.Created), StateMachineVersionArn: version}, nil
}

func (a *api) describeStateMachine(ctx context.Context, in wire.Input) (any, error) {
	arn := in.(*sm.DescribeStateMachineInput).StateMachineArn
	if isQualified(arn) {
		v, err := a.m.DescribeStateMachineVersion(ctx, arn)
		if err != nil {
			return nil, err
		}
		return describeVersion(v), nil
	}
	s, err := a.m.DescribeStateMachine(ctx, arn)
	if err != nil {
		return nil, err
	}
	return describeStateMachine(s), nil
}

func maxResults(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func (a *api) listStateMachines(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.ListStateMachinesInput)
	list, next, err := a.m.ListStateMachines(ctx, maxResults(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sm.ListStateMachinesOutput{StateMachines: make([]sm.StateMachineListItem, 0, len(list)), NextToken: next}
	for _, s := range list {
		out.StateMachines = append(out.StateMachines, sm.StateMachineListItem{StateMachineArn: s.Arn, Name: s.Name, Type: sm.StateMachineType(s.Type), CreationDate: wire.At(s.Created)})
	}
	return out, nil
}

func (a *api) updateStateMachine(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.UpdateStateMachineInput)
	if req.VersionDescription != "" && (req.Publish == nil || !*req.Publish) {
		return nil, errDescriptionWithoutPublish()
	}
	var def, role *string
	if req.Definition != "" {
		def = &req.Definition
	}
	if req.RoleArn != "" {
		role = &req.RoleArn
	}
	s, err := a.m.UpdateStateMachine(ctx, req.StateMachineArn, def, role)
	if err != nil {
		return nil, err
	}
	version, err := a.publishAfter(ctx, s, req.Publish, req.VersionDescription)
	if err != nil {
		return nil, err
	}
	return &sm.UpdateStateMachineOutput{UpdateDate: wire.At(s.Updated), RevisionId: revision(s), StateMachineVersionArn: version}, nil
}

func (a *api) deleteStateMachine(ctx context.Context, in wire.Input) (any, error) {
	return nil, a.m.DeleteStateMachine(ctx, in.(*sm.DeleteStateMachineInput).StateMachineArn)
}

func (a *api) validate(_ context.Context, in wire.Input) (any, error) {
	req := in.(*sm.ValidateStateMachineDefinitionInput)
	diags := a.m.ValidateDefinitionType(req.Definition, string(req.Type))
	out := &sm.ValidateStateMachineDefinitionOutput{
		Result: sm.ValidateStateMachineDefinitionResultCodeOK, Diagnostics: make([]sm.ValidateStateMachineDefinitionDiagnostic, 0, len(diags)), Truncated: boolp(false),
	}
	max := len(diags)
	if req.MaxResults != nil && *req.MaxResults > 0 && int(*req.MaxResults) < max {
		max = int(*req.MaxResults)
		out.Truncated = boolp(true)
	}
	for _, d := range diags[:max] {
		out.Diagnostics = append(out.Diagnostics, sm.ValidateStateMachineDefinitionDiagnostic{
			Severity: sm.ValidateStateMachineDefinitionSeverityERROR, Code: d.Code, Message: d.Message, Location: d.Location,
		})
	}
	if len(diags) > 0 {
		out.Result = sm.ValidateStateMachineDefinitionResultCodeFAIL
	}
	return out, nil
}

// startOptions reads the execution's name, input and the ecsrun delay
// scale header.
func startOptions(ctx context.Context, name, input string) (executions.StartOptions, error) {
	o := executions.StartOptions{Name: name, Input: input}
	if h := awsjson.Header(ctx).Get(DelayScaleHeader); h != "" {
		f, err := strconv.ParseFloat(h, 64)
		if err != nil || f <= 0 {
			return o, awsjson.Errorf(typeValidation, "%s must be a positive number, not %q", DelayScaleHeader, h)
		}
		o.DelayScale = f
	}
	if h := awsjson.Header(ctx).Get(MockConfigHeader); h != "" {
		data, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			return o, awsjson.Errorf(typeValidation, "%s must be base64: %v", MockConfigHeader, err)
		}
		c, err := sfnmock.Parse(data)
		if err != nil {
			return o, awsjson.Errorf(typeValidation, "%v", err)
		}
		o.Mocks = c
	}
	return o, nil
}

func (a *api) startExecution(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.StartExecutionInput)
	o, err := startOptions(ctx, req.Name, req.Input)
	if err != nil {
		return nil, err
	}
	ex, err := a.m.StartExecution(ctx, req.StateMachineArn, o)
	if err != nil {
		return nil, err
	}
	return &sm.StartExecutionOutput{ExecutionArn: ex.Arn, StartDate: wire.At(ex.Start)}, nil
}

func (a *api) startSyncExecution(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.StartSyncExecutionInput)
	o, err := startOptions(ctx, req.Name, req.Input)
	if err != nil {
		return nil, err
	}
	ex, err := a.m.StartSyncExecution(ctx, req.StateMachineArn, o)
	if err != nil {
		return nil, err
	}
	return &sm.StartSyncExecutionOutput{
		ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name,
		StartDate: wire.At(ex.Start), StopDate: wire.At(ex.Stop), Status: sm.SyncExecutionStatus(ex.Status),
		Error: ex.Error, Cause: ex.Cause, Input: ex.Input, InputDetails: &sm.CloudWatchEventsExecutionDataDetails{Included: boolp(true)},
		Output: ex.Output, OutputDetails: &sm.CloudWatchEventsExecutionDataDetails{Included: boolp(true)},
		BillingDetails: &sm.BillingDetails{},
	}, nil
}

func describeExecution(ex *executions.Execution, redrivable bool, why string) *sm.DescribeExecutionOutput {
	count := int32(ex.RedriveCount)
	out := &sm.DescribeExecutionOutput{
		ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: sm.ExecutionStatus(ex.Status),
		StartDate: wire.At(ex.Start), StopDate: wire.At(ex.Stop), Input: ex.Input,
		InputDetails: &sm.CloudWatchEventsExecutionDataDetails{Included: boolp(true)},
		Error:        ex.Error, Cause: ex.Cause, RedriveCount: &count, RedriveDate: wire.At(ex.RedriveDate),
		RedriveStatus: sm.ExecutionRedriveStatusNOTREDRIVABLE, RedriveStatusReason: why,
		StateMachineVersionArn: ex.VersionArn, StateMachineAliasArn: ex.AliasArn,
	}
	if ex.Status == workflow.StatusSucceeded {
		out.Output = ex.Output
		out.OutputDetails = &sm.CloudWatchEventsExecutionDataDetails{Included: boolp(true)}
	}
	if redrivable {
		out.RedriveStatus = sm.ExecutionRedriveStatusREDRIVABLE
	}
	return out
}

func (a *api) describeExecution(ctx context.Context, in wire.Input) (any, error) {
	ex, err := a.m.DescribeExecution(ctx, in.(*sm.DescribeExecutionInput).ExecutionArn)
	if err != nil {
		return nil, err
	}
	ok, why := a.m.Redrivable(ctx, ex)
	out := describeExecution(ex, ok, why)
	if mr, ok := a.m.(MapRuns); ok {
		out.MapRunArn = mr.MapRunOf(ctx, ex.Arn)
	}
	return out, nil
}

func (a *api) redriveExecution(ctx context.Context, in wire.Input) (any, error) {
	ex, err := a.m.RedriveExecution(ctx, in.(*sm.RedriveExecutionInput).ExecutionArn)
	if err != nil {
		return nil, err
	}
	return &sm.RedriveExecutionOutput{RedriveDate: wire.At(ex.RedriveDate)}, nil
}

// describeStateMachineForExecution answers with the definition the
// execution runs (the state machine may have changed since).
func (a *api) describeStateMachineForExecution(ctx context.Context, in wire.Input) (any, error) {
	ex, err := a.m.DescribeExecution(ctx, in.(*sm.DescribeStateMachineForExecutionInput).ExecutionArn)
	if err != nil {
		return nil, err
	}
	name := ex.StateMachineArn[strings.LastIndexByte(ex.StateMachineArn, ':')+1:]
	return &sm.DescribeStateMachineForExecutionOutput{
		StateMachineArn: ex.StateMachineArn, Name: name, Definition: ex.Definition, RoleArn: ex.RoleArn, UpdateDate: wire.At(ex.Start),
		LoggingConfiguration: &sm.LoggingConfiguration{Level: sm.LogLevelOFF, IncludeExecutionData: boolp(false)},
		TracingConfiguration: &sm.TracingConfiguration{Enabled: boolp(false)},
	}, nil
}

func (a *api) listExecutions(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.ListExecutionsInput)
	if req.MapRunArn != "" && req.StateMachineArn == "" {
		return a.listMapRunExecutions(ctx, req)
	}
	if req.StateMachineArn == "" {
		return nil, awsjson.Errorf(typeValidation, "Must provide a StateMachine ARN or MapRun ARN")
	}
	list, next, err := a.m.ListExecutionsRedriven(ctx, req.StateMachineArn, string(req.StatusFilter), string(req.RedriveFilter), maxResults(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sm.ListExecutionsOutput{Executions: make([]sm.ExecutionListItem, 0, len(list)), NextToken: next}
	for _, ex := range list {
		count := int32(ex.RedriveCount)
		out.Executions = append(out.Executions, sm.ExecutionListItem{
			ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: sm.ExecutionStatus(ex.Status),
			StartDate: wire.At(ex.Start), StopDate: wire.At(ex.Stop), RedriveCount: &count, RedriveDate: wire.At(ex.RedriveDate),
			StateMachineVersionArn: ex.VersionArn, StateMachineAliasArn: ex.AliasArn,
		})
	}
	return out, nil
}

func (a *api) stopExecution(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.StopExecutionInput)
	ex, err := a.m.StopExecution(ctx, req.ExecutionArn, req.Error, req.Cause)
	if err != nil {
		return nil, err
	}
	return &sm.StopExecutionOutput{StopDate: wire.At(ex.Stop)}, nil
}

func (a *api) getExecutionHistory(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.GetExecutionHistoryInput)
	reverse := req.ReverseOrder != nil && *req.ReverseOrder
	include := req.IncludeExecutionData == nil || *req.IncludeExecutionData
	p, err := a.m.GetExecutionHistory(ctx, req.ExecutionArn, maxResults(req.MaxResults), req.NextToken, reverse, include)
	if err != nil {
		return nil, err
	}
	out := &sm.GetExecutionHistoryOutput{Events: p.Events, NextToken: p.NextToken}
	if out.Events == nil {
		out.Events = []sm.HistoryEvent{}
	}
	return out, nil
}

func (a *api) sendTaskSuccess(_ context.Context, in wire.Input) (any, error) {
	req := in.(*sm.SendTaskSuccessInput)
	return struct{}{}, a.tokens.Succeed(req.TaskToken, req.Output)
}

func (a *api) sendTaskFailure(_ context.Context, in wire.Input) (any, error) {
	req := in.(*sm.SendTaskFailureInput)
	return struct{}{}, a.tokens.Fail(req.TaskToken, req.Error, req.Cause)
}

func (a *api) sendTaskHeartbeat(_ context.Context, in wire.Input) (any, error) {
	return struct{}{}, a.tokens.Heartbeat(in.(*sm.SendTaskHeartbeatInput).TaskToken)
}
