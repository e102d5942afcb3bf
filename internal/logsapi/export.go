package logsapi

import (
	"context"

	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/wire"
)

type createExportTaskOutput struct {
	TaskID string `json:"taskId"`
}

func (a *api) createExportTask(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.CreateExportTaskRequest)
	id, err := a.res.CreateExportTask(ctx, logsres.ExportTask{
		Name: req.TaskName, Group: req.LogGroupName, StreamPrefix: req.LogStreamNamePrefix,
		From: req.From, To: req.To, Destination: req.Destination, Prefix: req.DestinationPrefix,
	})
	if err != nil {
		return nil, err
	}
	return createExportTaskOutput{TaskID: id}, nil
}

type describeExportTasksOutput struct {
	ExportTasks []lm.ExportTask `json:"exportTasks"`
	NextToken   string          `json:"nextToken,omitempty"`
}

func (a *api) describeExportTasks(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeExportTasksRequest)
	ts, next, err := a.res.DescribeExportTasks(ctx, logsres.ExportQuery{
		ID: req.TaskId, Status: string(req.StatusCode), NextToken: req.NextToken, Limit: intValue(req.Limit),
	})
	if err != nil {
		return nil, err
	}
	out := describeExportTasksOutput{ExportTasks: make([]lm.ExportTask, len(ts)), NextToken: next}
	for i, t := range ts {
		from, to, created := t.From, t.To, t.CreationTime
		info := &lm.ExportTaskExecutionInfo{CreationTime: &created}
		if t.CompletionTime != 0 {
			done := t.CompletionTime
			info.CompletionTime = &done
		}
		out.ExportTasks[i] = lm.ExportTask{
			TaskId: t.ID, TaskName: t.Name, LogGroupName: t.Group, From: &from, To: &to,
			Destination: t.Destination, DestinationPrefix: t.Prefix,
			Status:        &lm.ExportTaskStatus{Code: lm.ExportTaskStatusCode(t.Status), Message: t.Message},
			ExecutionInfo: info,
		}
	}
	return out, nil
}

func (a *api) cancelExportTask(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.CancelExportTaskRequest)
	return nil, a.res.CancelExportTask(ctx, req.TaskId)
}
