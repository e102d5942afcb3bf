package sfnapi

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/executions"
	sm "github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// MapRuns is what the Map Run operations need from the executions
// manager (a Manager that is not one answers them as unsupported).
type MapRuns interface {
	ListMapRuns(ctx context.Context, executionArn string, maxResults int32, token string) ([]*executions.MapRun, string, error)
	DescribeMapRun(ctx context.Context, arn string) (*executions.MapRun, error)
	UpdateMapRun(ctx context.Context, arn string, maxConcurrency *int, toleratedPercent *float64, toleratedCount *int64) error
	ListMapRunExecutions(ctx context.Context, mapRunArn, status string, maxResults int32, token string) ([]*executions.Execution, string, error)
	MapRunOf(ctx context.Context, executionArn string) string
}

var _ MapRuns = (*executions.Manager)(nil)

func (a *api) mapRuns() (MapRuns, error) {
	if mr, ok := a.m.(MapRuns); ok {
		return mr, nil
	}
	return nil, awsjson.Errorf(typeUnsupported, "Map Runs are not supported by this engine")
}

func (a *api) listMapRuns(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.ListMapRunsInput)
	mr, err := a.mapRuns()
	if err != nil {
		return nil, err
	}
	runs, next, err := mr.ListMapRuns(ctx, req.ExecutionArn, maxResults(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sm.ListMapRunsOutput{MapRuns: make([]sm.MapRunListItem, 0, len(runs)), NextToken: next}
	for _, r := range runs {
		out.MapRuns = append(out.MapRuns, sm.MapRunListItem{
			ExecutionArn: r.ExecutionArn, MapRunArn: r.Arn, StateMachineArn: r.StateMachineArn,
			StartDate: wire.At(r.Start), StopDate: wire.At(r.Stop),
		})
	}
	return out, nil
}

func (a *api) describeMapRun(ctx context.Context, in wire.Input) (any, error) {
	mr, err := a.mapRuns()
	if err != nil {
		return nil, err
	}
	r, err := mr.DescribeMapRun(ctx, in.(*sm.DescribeMapRunInput).MapRunArn)
	if err != nil {
		return nil, err
	}
	zero := int32(0)
	ic, ec := counts(r.Items), counts(r.Executions)
	return &sm.DescribeMapRunOutput{
		MapRunArn: r.Arn, ExecutionArn: r.ExecutionArn, Status: sm.MapRunStatus(r.Status),
		StartDate: wire.At(r.Start), StopDate: wire.At(r.Stop), MaxConcurrency: int32(r.MaxConcurrency),
		ToleratedFailurePercentage: r.ToleratedFailurePercentage, ToleratedFailureCount: r.ToleratedFailureCount,
		ItemCounts: (*sm.MapRunItemCounts)(&ic), ExecutionCounts: &ec, RedriveCount: &zero,
	}, nil
}

func counts(c workflow.MapRunCounts) sm.MapRunExecutionCounts {
	zero := int64(0)
	return sm.MapRunExecutionCounts{
		Pending: int64(c.Pending), Running: int64(c.Running), Succeeded: int64(c.Succeeded), Failed: int64(c.Failed),
		TimedOut: int64(c.TimedOut), Aborted: int64(c.Aborted), Total: int64(c.Total), ResultsWritten: int64(c.ResultsWritten),
		FailuresNotRedrivable: &zero, PendingRedrive: &zero,
	}
}

func (a *api) updateMapRun(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.UpdateMapRunInput)
	mr, err := a.mapRuns()
	if err != nil {
		return nil, err
	}
	var conc *int
	if req.MaxConcurrency != nil {
		n := int(*req.MaxConcurrency)
		conc = &n
	}
	if err := mr.UpdateMapRun(ctx, req.MapRunArn, conc, req.ToleratedFailurePercentage, req.ToleratedFailureCount); err != nil {
		return nil, err
	}
	return &sm.UpdateMapRunOutput{}, nil
}

// listMapRunExecutions answers ListExecutions with a mapRunArn: the child
// executions of a Map Run.
func (a *api) listMapRunExecutions(ctx context.Context, req *sm.ListExecutionsInput) (any, error) {
	mr, err := a.mapRuns()
	if err != nil {
		return nil, err
	}
	list, next, err := mr.ListMapRunExecutions(ctx, req.MapRunArn, string(req.StatusFilter), maxResults(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sm.ListExecutionsOutput{Executions: make([]sm.ExecutionListItem, 0, len(list)), NextToken: next}
	zero := int32(0)
	for _, ex := range list {
		out.Executions = append(out.Executions, sm.ExecutionListItem{
			ExecutionArn: ex.Arn, StateMachineArn: ex.StateMachineArn, Name: ex.Name, Status: sm.ExecutionStatus(ex.Status),
			StartDate: wire.At(ex.Start), StopDate: wire.At(ex.Stop), RedriveCount: &zero, MapRunArn: req.MapRunArn,
		})
	}
	return out, nil
}
