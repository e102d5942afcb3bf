package logsapi

import (
	"context"
	"errors"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/logquery"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Error types of the scheduled query operations.
const (
	typeSchedValidation = "ValidationException"
	typeConflict        = "ConflictException"
	typeQuotaReached    = "ServiceQuotaExceededException"
)

func (a *queryAPI) scheduledHandlers() map[string]awsjson.Handler {
	return map[string]awsjson.Handler{
		"CreateScheduledQuery":     a.createScheduledQuery,
		"GetScheduledQuery":        a.getScheduledQuery,
		"UpdateScheduledQuery":     a.updateScheduledQuery,
		"DeleteScheduledQuery":     a.deleteScheduledQuery,
		"ListScheduledQueries":     a.listScheduledQueries,
		"GetScheduledQueryHistory": a.getScheduledQueryHistory,
	}
}

// scheduledError gives the scheduled query operations their error types:
// ValidationException for bad parameters, ServiceQuotaExceededException for
// quotas.
func scheduledError(err error) error {
	var qe *logquery.Error
	if !errors.As(err, &qe) {
		return err
	}
	switch {
	case errors.Is(err, logquery.ErrInvalid), errors.Is(err, logquery.ErrMalformedQuery):
		return awsjson.Errorf(typeSchedValidation, "%s", qe.Msg)
	case errors.Is(err, logquery.ErrLimit):
		return awsjson.Errorf(typeQuotaReached, "%s", qe.Msg)
	}
	return err
}

type s3Configuration struct {
	DestinationIdentifier string `json:"destinationIdentifier"`
	RoleArn               string `json:"roleArn"`
	OwnerAccountID        string `json:"ownerAccountId,omitempty"`
	KmsKeyID              string `json:"kmsKeyId,omitempty"`
}

type destinationConfiguration struct {
	S3Configuration *s3Configuration `json:"s3Configuration,omitempty"`
}

type scheduledQuery struct {
	ScheduledQueryArn        string                    `json:"scheduledQueryArn"`
	Name                     string                    `json:"name"`
	Description              string                    `json:"description,omitempty"`
	QueryLanguage            string                    `json:"queryLanguage"`
	QueryString              string                    `json:"queryString"`
	LogGroupIdentifiers      []string                  `json:"logGroupIdentifiers"`
	ScheduleExpression       string                    `json:"scheduleExpression"`
	Timezone                 string                    `json:"timezone,omitempty"`
	StartTimeOffset          int64                     `json:"startTimeOffset"`
	EndTimeOffset            int64                     `json:"endTimeOffset"`
	DestinationConfiguration *destinationConfiguration `json:"destinationConfiguration,omitempty"`
	State                    string                    `json:"state"`
	ScheduleType             string                    `json:"scheduleType"`
	LastTriggeredTime        *int64                    `json:"lastTriggeredTime,omitempty"`
	LastExecutionStatus      string                    `json:"lastExecutionStatus,omitempty"`
	ScheduleStartTime        *int64                    `json:"scheduleStartTime,omitempty"`
	ScheduleEndTime          *int64                    `json:"scheduleEndTime,omitempty"`
	ExecutionRoleArn         string                    `json:"executionRoleArn"`
	CreationTime             int64                     `json:"creationTime"`
	LastUpdatedTime          int64                     `json:"lastUpdatedTime"`
}

func nonZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func toScheduledQuery(q logquery.ScheduledQuery) scheduledQuery {
	out := scheduledQuery{
		ScheduledQueryArn: q.ARN, Name: q.Name, Description: q.Description, QueryLanguage: q.Language, QueryString: q.QueryString,
		LogGroupIdentifiers: q.Groups, ScheduleExpression: q.Expression, Timezone: q.Timezone,
		StartTimeOffset: q.StartOffset, EndTimeOffset: q.EndOffset, State: q.State, ScheduleType: "CUSTOMER_MANAGED",
		LastTriggeredTime: nonZero(q.LastTriggered), LastExecutionStatus: q.LastStatus,
		ScheduleStartTime: nonZero(q.ScheduleStart), ScheduleEndTime: nonZero(q.ScheduleEnd),
		ExecutionRoleArn: q.RoleARN, CreationTime: q.Created, LastUpdatedTime: q.Updated,
	}
	if d := q.Destination; d != nil {
		out.DestinationConfiguration = &destinationConfiguration{&s3Configuration{d.URI, d.RoleARN, d.OwnerAccount, d.KMSKey}}
	}
	return out
}

// scheduledInput converts the members Create and Update share.
func scheduledInput(lang lm.QueryLanguage, qs string, ids []string, expr, tz string, startOff, endOff *int64,
	dest *lm.DestinationConfiguration, start, end *int64, role string, state lm.ScheduledQueryState) (logquery.ScheduledQuery, error) {
	q := logquery.ScheduledQuery{
		Language: string(lang), QueryString: qs, Expression: expr, Timezone: tz,
		StartOffset: logquery.DefaultStartTimeOffset, EndOffset: int64Value(endOff),
		ScheduleStart: int64Value(start), ScheduleEnd: int64Value(end), RoleARN: role, State: string(state),
	}
	if startOff != nil {
		q.StartOffset = *startOff
	}
	for _, id := range ids {
		g, err := groupName("", id)
		if err != nil {
			return q, awsjson.Errorf(typeSchedValidation, "Invalid log group identifier %q: want a log group name or ARN.", id)
		}
		q.Groups = append(q.Groups, g)
	}
	if dest != nil {
		if dest.LookupTableConfiguration != nil {
			return q, awsjson.Errorf(typeSchedValidation, "ecsrun delivers scheduled query results to S3 only (s3Configuration): lookup table destinations are not supported.")
		}
		if c := dest.S3Configuration; c != nil {
			q.Destination = &logquery.S3Destination{URI: c.DestinationIdentifier, RoleARN: c.RoleArn, OwnerAccount: c.OwnerAccountId, KMSKey: c.KmsKeyId}
		}
	}
	return q, nil
}

func (a *queryAPI) createScheduledQuery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.CreateScheduledQueryRequest)
	q, err := scheduledInput(req.QueryLanguage, req.QueryString, req.LogGroupIdentifiers, req.ScheduleExpression, req.Timezone,
		req.StartTimeOffset, req.EndTimeOffset, req.DestinationConfiguration, req.ScheduleStartTime, req.ScheduleEndTime, req.ExecutionRoleArn, req.State)
	if err != nil {
		return nil, err
	}
	q.Name, q.Description = req.Name, req.Description
	arn, err := a.q.CreateScheduledQuery(ctx, q)
	if err != nil {
		return nil, scheduledError(err)
	}
	got, err := a.q.GetScheduledQuery(ctx, arn)
	if err != nil {
		return nil, err
	}
	return struct {
		ScheduledQueryArn string `json:"scheduledQueryArn"`
		State             string `json:"state"`
	}{arn, got.State}, nil
}

func (a *queryAPI) getScheduledQuery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetScheduledQueryRequest)
	q, err := a.q.GetScheduledQuery(ctx, req.Identifier)
	if err != nil {
		return nil, scheduledError(err)
	}
	return toScheduledQuery(q), nil
}

func (a *queryAPI) updateScheduledQuery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.UpdateScheduledQueryRequest)
	q, err := scheduledInput(req.QueryLanguage, req.QueryString, req.LogGroupIdentifiers, req.ScheduleExpression, req.Timezone,
		req.StartTimeOffset, req.EndTimeOffset, req.DestinationConfiguration, req.ScheduleStartTime, req.ScheduleEndTime, req.ExecutionRoleArn, req.State)
	if err != nil {
		return nil, err
	}
	q.Description = req.Description
	got, err := a.q.UpdateScheduledQuery(ctx, req.Identifier, q)
	if err != nil {
		return nil, scheduledError(err)
	}
	return toScheduledQuery(got), nil
}

func (a *queryAPI) deleteScheduledQuery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteScheduledQueryRequest)
	return nil, scheduledError(a.q.DeleteScheduledQuery(ctx, req.Identifier))
}

func (a *queryAPI) listScheduledQueries(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.ListScheduledQueriesRequest)
	out := struct {
		ScheduledQueries []scheduledQuerySummary `json:"scheduledQueries"`
		NextToken        string                  `json:"nextToken,omitempty"`
	}{ScheduledQueries: []scheduledQuerySummary{}}
	if req.ScheduleType == "AWS_MANAGED" {
		return out, nil // ecsrun has no AWS-managed scheduled queries
	}
	qs, next, err := a.q.ListScheduledQueries(ctx, string(req.State), intValue(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, scheduledError(err)
	}
	for _, q := range qs {
		sq := toScheduledQuery(q)
		out.ScheduledQueries = append(out.ScheduledQueries, scheduledQuerySummary{
			ScheduledQueryArn: sq.ScheduledQueryArn, Name: sq.Name, State: sq.State, ScheduleType: sq.ScheduleType,
			LastTriggeredTime: sq.LastTriggeredTime, LastExecutionStatus: sq.LastExecutionStatus,
			ScheduleExpression: sq.ScheduleExpression, Timezone: sq.Timezone, DestinationConfiguration: sq.DestinationConfiguration,
			CreationTime: sq.CreationTime, LastUpdatedTime: sq.LastUpdatedTime,
		})
	}
	out.NextToken = next
	return out, nil
}

type scheduledQuerySummary struct {
	ScheduledQueryArn        string                    `json:"scheduledQueryArn"`
	Name                     string                    `json:"name"`
	State                    string                    `json:"state"`
	ScheduleType             string                    `json:"scheduleType"`
	LastTriggeredTime        *int64                    `json:"lastTriggeredTime,omitempty"`
	LastExecutionStatus      string                    `json:"lastExecutionStatus,omitempty"`
	ScheduleExpression       string                    `json:"scheduleExpression"`
	Timezone                 string                    `json:"timezone,omitempty"`
	DestinationConfiguration *destinationConfiguration `json:"destinationConfiguration,omitempty"`
	CreationTime             int64                     `json:"creationTime"`
	LastUpdatedTime          int64                     `json:"lastUpdatedTime"`
}

type scheduledDestination struct {
	DestinationType       string `json:"destinationType"`
	DestinationIdentifier string `json:"destinationIdentifier"`
	Status                string `json:"status"`
	ProcessedIdentifier   string `json:"processedIdentifier,omitempty"`
	ErrorMessage          string `json:"errorMessage,omitempty"`
}

type triggerRecord struct {
	QueryID            string                 `json:"queryId,omitempty"`
	ExecutionStatus    string                 `json:"executionStatus"`
	TriggeredTimestamp int64                  `json:"triggeredTimestamp"`
	ErrorMessage       string                 `json:"errorMessage,omitempty"`
	Destinations       []scheduledDestination `json:"destinations"`
}

func (a *queryAPI) getScheduledQueryHistory(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetScheduledQueryHistoryRequest)
	statuses := make([]string, len(req.ExecutionStatuses))
	for i, s := range req.ExecutionStatuses {
		statuses[i] = string(s)
	}
	q, err := a.q.GetScheduledQuery(ctx, req.Identifier)
	if err != nil {
		return nil, scheduledError(err)
	}
	runs, err := a.q.History(ctx, req.Identifier, req.StartTime, req.EndTime, statuses)
	if err != nil {
		return nil, scheduledError(err)
	}
	if max := intValue(req.MaxResults); max > 0 && len(runs) > max {
		runs = runs[:max]
	}
	out := struct {
		Name              string          `json:"name"`
		ScheduledQueryArn string          `json:"scheduledQueryArn"`
		TriggerHistory    []triggerRecord `json:"triggerHistory"`
	}{q.Name, q.ARN, make([]triggerRecord, 0, len(runs))}
	for _, r := range runs {
		tr := triggerRecord{QueryID: r.QueryID, ExecutionStatus: r.Status, TriggeredTimestamp: r.Triggered, ErrorMessage: r.Error, Destinations: []scheduledDestination{}}
		if d := r.Destination; d != nil {
			tr.Destinations = append(tr.Destinations, scheduledDestination{d.Type, d.Identifier, d.Status, d.Processed, d.Error})
		}
		out.TriggerHistory = append(out.TriggerHistory, tr)
	}
	return out, nil
}
