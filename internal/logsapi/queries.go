package logsapi

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/logquery"
	"github.com/ecsrun/ecsrun/internal/logs"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Error types of the query operations.
const (
	typeMalformedQuery = "MalformedQueryException"
	typeQueryLimit     = "LimitExceededException"
)

// NewWithQueries returns the CloudWatch Logs service over st with the
// operations of q: metric filters, Logs Insights queries and query
// definitions. The model's operations that only AWS can serve (Live Tail,
// anomaly detection, data source
// fields) are refused with the reason and the local alternative.
func NewWithQueries(st *logs.Store, q *logquery.Service) *awsjson.Service {
	return WithQueries(New(st), st, q)
}

// WithQueries adds the operations of q (see NewWithQueries) to svc, the
// CloudWatch Logs service over st, and returns it.
func WithQueries(svc *awsjson.Service, st *logs.Store, q *logquery.Service) *awsjson.Service {
	a := &queryAPI{st: st, q: q}
	for op, h := range map[string]awsjson.Handler{
		"PutMetricFilter":          a.putMetricFilter,
		"DescribeMetricFilters":    a.describeMetricFilters,
		"DeleteMetricFilter":       a.deleteMetricFilter,
		"TestMetricFilter":         a.testMetricFilter,
		"StartQuery":               a.startQuery,
		"GetQueryResults":          a.getQueryResults,
		"StopQuery":                a.stopQuery,
		"DescribeQueries":          a.describeQueries,
		"ListLogGroupsForQuery":    a.listLogGroupsForQuery,
		"PutQueryDefinition":       a.putQueryDefinition,
		"DescribeQueryDefinitions": a.describeQueryDefinitions,
		"DeleteQueryDefinition":    a.deleteQueryDefinition,
		"GetLogGroupFields":        a.getLogGroupFields,
		"GetLogRecord":             a.getLogRecord,
		"PutIndexPolicy":           a.putIndexPolicy,
		"DescribeIndexPolicies":    a.describeIndexPolicies,
		"DeleteIndexPolicy":        a.deleteIndexPolicy,
		"DescribeFieldIndexes":     a.describeFieldIndexes,
	} {
		svc.Handlers[op] = h
	}
	for op, h := range a.scheduledHandlers() {
		svc.Handlers[op] = h
	}
	// DescribeLogGroups shows each group's metricFilterCount.
	if describe := svc.Handlers["DescribeLogGroups"]; describe != nil {
		svc.Handlers["DescribeLogGroups"] = func(ctx context.Context, in wire.Input) (any, error) {
			out, err := describe(ctx, in)
			if o, ok := out.(describeLogGroupsOutput); ok && err == nil {
				for i, g := range o.LogGroups {
					if g.MetricFilterCount == nil {
						continue
					}
					n, err := q.MetricFilterCount(ctx, g.LogGroupName)
					if err != nil {
						return nil, err
					}
					c := int32(n)
					o.LogGroups[i].MetricFilterCount = &c
				}
			}
			return out, err
		}
	}
	// A copy: New's Refusals is the package's own map, shared by every
	// service it returned.
	refused := maps.Clone(svc.Refusals)
	if refused == nil {
		refused = map[string]string{}
	}
	svc.Refusals = refused
	for op, reason := range queryRefusals {
		if _, ok := svc.Refusals[op]; !ok {
			svc.Refusals[op] = reason
		}
	}
	classify := svc.Classify
	svc.Classify = func(err error) (awsjson.Fault, bool) {
		if f, ok := classifyQuery(err); ok {
			return f, true
		}
		if classify != nil {
			return classify(err)
		}
		return awsjson.Fault{}, false
	}
	return svc
}

const (
	whyLiveTail = "Live Tail answers with an event stream (application/vnd.amazon.eventstream), which ecsrun's JSON API server does not speak; " +
		"follow a log group locally with `aws logs tail --follow` or by polling FilterLogEvents (both work against ecsrun)."
	whyAnomaly = "log anomaly detection runs AWS's machine-learning models over a log group's patterns, which exist only in AWS; " +
		"search for known patterns locally with metric filters (TestMetricFilter) or Logs Insights queries (StartQuery)."
	whyLogFields = "data sources (dataSourceName, dataSourceType) are AWS-vended log types processed by AWS pipelines, which do not exist locally; " +
		"list a log group's discovered fields with GetLogGroupFields."
)

var queryRefusals = map[string]string{
	"StartLiveTail":            whyLiveTail,
	"CreateLogAnomalyDetector": whyAnomaly,
	"GetLogAnomalyDetector":    whyAnomaly,
	"UpdateLogAnomalyDetector": whyAnomaly,
	"DeleteLogAnomalyDetector": whyAnomaly,
	"ListLogAnomalyDetectors":  whyAnomaly,
	"ListAnomalies":            whyAnomaly,
	"UpdateAnomaly":            whyAnomaly,
	"GetLogFields":             whyLogFields,
}

// classifyQuery maps logquery's error kinds to the service's error types.
func classifyQuery(err error) (awsjson.Fault, bool) {
	var qe *logquery.Error
	if !errors.As(err, &qe) {
		return awsjson.Fault{}, false
	}
	f := awsjson.Fault{Status: http.StatusBadRequest, Message: qe.Msg}
	switch {
	case errors.Is(err, logquery.ErrMalformedQuery):
		f.Type = typeMalformedQuery
		f.Members = map[string]any{"queryCompileError": map[string]any{
			"location": map[string]any{"startCharOffset": qe.Start, "endCharOffset": qe.End},
			"message":  qe.Msg,
		}}
	case errors.Is(err, logquery.ErrNotFound):
		f.Type = typeNotFound
	case errors.Is(err, logquery.ErrLimit):
		f.Type = typeQueryLimit
	case errors.Is(err, logquery.ErrInvalid):
		f.Type = typeInvalidParameter
	case errors.Is(err, logquery.ErrValidation):
		f.Type = typeSchedValidation
	case errors.Is(err, logquery.ErrConflict):
		f.Type = typeConflict
	default:
		return awsjson.Fault{}, false
	}
	return f, true
}

type queryAPI struct {
	st *logs.Store
	q  *logquery.Service
}

// Output shapes (lists always sent).

type metricTransformation struct {
	MetricName      string            `json:"metricName"`
	MetricNamespace string            `json:"metricNamespace"`
	MetricValue     string            `json:"metricValue"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
	Unit            string            `json:"unit,omitempty"`
}

type metricFilter struct {
	FilterName                string                 `json:"filterName"`
	FilterPattern             string                 `json:"filterPattern"`
	MetricTransformations     []metricTransformation `json:"metricTransformations"`
	CreationTime              int64                  `json:"creationTime"`
	LogGroupName              string                 `json:"logGroupName"`
	ApplyOnTransformedLogs    bool                   `json:"applyOnTransformedLogs"`
	FieldSelectionCriteria    string                 `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFieldDimensions []string               `json:"emitSystemFieldDimensions,omitempty"`
}

type describeMetricFiltersOutput struct {
	MetricFilters []metricFilter `json:"metricFilters"`
	NextToken     string         `json:"nextToken,omitempty"`
}

type matchRecord struct {
	EventNumber     int64             `json:"eventNumber"`
	EventMessage    string            `json:"eventMessage"`
	ExtractedValues map[string]string `json:"extractedValues"`
}

type testMetricFilterOutput struct {
	Matches []matchRecord `json:"matches"`
}

func (a *queryAPI) putMetricFilter(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutMetricFilterRequest)
	f := logquery.MetricFilter{
		Group: req.LogGroupName, Name: req.FilterName, Pattern: req.FilterPattern,
		ApplyOnTransformedLogs:    boolValue(req.ApplyOnTransformedLogs),
		FieldSelectionCriteria:    req.FieldSelectionCriteria,
		EmitSystemFieldDimensions: req.EmitSystemFieldDimensions,
	}
	for _, t := range req.MetricTransformations {
		f.Transformations = append(f.Transformations, logquery.Transformation{
			MetricName: t.MetricName, MetricNamespace: t.MetricNamespace, MetricValue: t.MetricValue,
			DefaultValue: t.DefaultValue, Dimensions: t.Dimensions, Unit: string(t.Unit),
		})
	}
	return nil, a.q.PutMetricFilter(ctx, f)
}

func (a *queryAPI) describeMetricFilters(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeMetricFiltersRequest)
	fs, next, err := a.q.DescribeMetricFilters(ctx, logquery.FilterQuery{
		Group: req.LogGroupName, NamePrefix: req.FilterNamePrefix,
		MetricName: req.MetricName, MetricNamespace: req.MetricNamespace,
		Limit: intValue(req.Limit), NextToken: req.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := describeMetricFiltersOutput{MetricFilters: make([]metricFilter, 0, len(fs)), NextToken: next}
	for _, f := range fs {
		mf := metricFilter{
			FilterName: f.Name, FilterPattern: f.Pattern, CreationTime: f.CreationTime, LogGroupName: f.Group,
			ApplyOnTransformedLogs: f.ApplyOnTransformedLogs, FieldSelectionCriteria: f.FieldSelectionCriteria,
			EmitSystemFieldDimensions: f.EmitSystemFieldDimensions,
			MetricTransformations:     []metricTransformation{},
		}
		for _, t := range f.Transformations {
			mf.MetricTransformations = append(mf.MetricTransformations, metricTransformation(t))
		}
		out.MetricFilters = append(out.MetricFilters, mf)
	}
	return out, nil
}

func (a *queryAPI) deleteMetricFilter(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteMetricFilterRequest)
	return nil, a.q.DeleteMetricFilter(ctx, req.LogGroupName, req.FilterName)
}

func (a *queryAPI) testMetricFilter(_ context.Context, in wire.Input) (any, error) {
	req := in.(*lm.TestMetricFilterRequest)
	ms, err := logquery.TestMetricFilter(req.FilterPattern, req.LogEventMessages)
	if err != nil {
		return nil, err
	}
	out := testMetricFilterOutput{Matches: make([]matchRecord, 0, len(ms))}
	for _, m := range ms {
		out.Matches = append(out.Matches, matchRecord{EventNumber: int64(m.EventNumber), EventMessage: m.Message, ExtractedValues: m.Values})
	}
	return out, nil
}

// queryGroups resolves StartQuery's log groups: exactly one of
// logGroupName, logGroupNames and logGroupIdentifiers (names or ARNs).
func queryGroups(name string, names, idents []string) ([]string, error) {
	given := 0
	for _, ok := range []bool{name != "", len(names) > 0, len(idents) > 0} {
		if ok {
			given++
		}
	}
	if given != 1 {
		return nil, awsjson.Errorf(typeInvalidParameter, "Exactly one of logGroupName, logGroupNames and logGroupIdentifiers must be specified.")
	}
	switch {
	case name != "":
		return []string{name}, nil
	case len(names) > 0:
		return names, nil
	}
	out := make([]string, len(idents))
	for i, id := range idents {
		g, err := groupName("", id)
		if err != nil {
			return nil, err
		}
		out[i] = g
	}
	return out, nil
}

func (a *queryAPI) startQuery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.StartQueryRequest)
	groups, err := queryGroups(req.LogGroupName, req.LogGroupNames, req.LogGroupIdentifiers)
	if err != nil {
		return nil, err
	}
	id, err := a.q.StartQuery(ctx, logquery.QueryRequest{
		Language: string(req.QueryLanguage), Groups: groups,
		StartTime: req.StartTime, EndTime: req.EndTime,
		QueryString: req.QueryString, Limit: intValue(req.Limit),
	})
	if err != nil {
		return nil, err
	}
	return struct {
		QueryID string `json:"queryId"`
	}{id}, nil
}

type resultField struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

type queryStatistics struct {
	RecordsMatched   float64 `json:"recordsMatched"`
	RecordsScanned   float64 `json:"recordsScanned"`
	BytesScanned     float64 `json:"bytesScanned"`
	LogGroupsScanned float64 `json:"logGroupsScanned,omitempty"`
}

type getQueryResultsOutput struct {
	QueryLanguage string          `json:"queryLanguage"`
	Results       [][]resultField `json:"results"`
	Statistics    queryStatistics `json:"statistics"`
	Status        string          `json:"status"`
}

func (a *queryAPI) getQueryResults(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetQueryResultsRequest)
	r, err := a.q.GetQueryResults(ctx, req.QueryId)
	if err != nil {
		return nil, err
	}
	out := getQueryResultsOutput{
		QueryLanguage: r.Language, Status: r.Status, Results: make([][]resultField, 0, len(r.Rows)),
		Statistics: queryStatistics{RecordsMatched: r.Stats.RecordsMatched, RecordsScanned: r.Stats.RecordsScanned, BytesScanned: r.Stats.BytesScanned},
	}
	if r.Status == logquery.StatusComplete {
		out.Statistics.LogGroupsScanned = float64(r.Groups)
	}
	for _, row := range r.Rows {
		fs := make([]resultField, len(row))
		for i, f := range row {
			fs[i] = resultField{f.Name, f.Value}
		}
		out.Results = append(out.Results, fs)
	}
	return out, nil
}

func (a *queryAPI) stopQuery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.StopQueryRequest)
	ok, err := a.q.StopQuery(ctx, req.QueryId)
	if err != nil {
		return nil, err
	}
	return struct {
		Success bool `json:"success"`
	}{ok}, nil
}

type queryInfo struct {
	QueryLanguage string `json:"queryLanguage"`
	QueryID       string `json:"queryId"`
	QueryString   string `json:"queryString"`
	Status        string `json:"status"`
	CreateTime    int64  `json:"createTime"`
	LogGroupName  string `json:"logGroupName,omitempty"`
}

func (a *queryAPI) describeQueries(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeQueriesRequest)
	qs, next, err := a.q.DescribeQueries(ctx, logquery.DescribeQuery{
		Group: req.LogGroupName, Status: string(req.Status), Language: string(req.QueryLanguage),
		Max: intValue(req.MaxResults), NextToken: req.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		Queries   []queryInfo `json:"queries"`
		NextToken string      `json:"nextToken,omitempty"`
	}{Queries: make([]queryInfo, 0, len(qs)), NextToken: next}
	for _, q := range qs {
		out.Queries = append(out.Queries, queryInfo{q.Language, q.ID, q.QueryString, q.Status, q.CreateTime, q.Group})
	}
	return out, nil
}

func (a *queryAPI) listLogGroupsForQuery(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.ListLogGroupsForQueryRequest)
	names, next, err := a.q.QueryGroups(ctx, req.QueryId, intValue(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := struct {
		LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
		NextToken           string   `json:"nextToken,omitempty"`
	}{LogGroupIdentifiers: make([]string, len(names)), NextToken: next}
	for i, n := range names {
		out.LogGroupIdentifiers[i] = a.st.GroupARN(n)
	}
	return out, nil
}

type queryParameter struct {
	Name         string `json:"name"`
	DefaultValue string `json:"defaultValue,omitempty"`
	Description  string `json:"description,omitempty"`
}

type queryDefinition struct {
	QueryLanguage     string           `json:"queryLanguage"`
	QueryDefinitionID string           `json:"queryDefinitionId"`
	Name              string           `json:"name"`
	QueryString       string           `json:"queryString"`
	LastModified      int64            `json:"lastModified"`
	LogGroupNames     []string         `json:"logGroupNames"`
	Parameters        []queryParameter `json:"parameters,omitempty"`
}

func (a *queryAPI) putQueryDefinition(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutQueryDefinitionRequest)
	d := logquery.Definition{
		ID: req.QueryDefinitionId, Name: req.Name, QueryString: req.QueryString,
		Language: string(req.QueryLanguage), Groups: req.LogGroupNames,
	}
	for _, p := range req.Parameters {
		d.Parameters = append(d.Parameters, logquery.Parameter{Name: p.Name, DefaultValue: p.DefaultValue, Description: p.Description})
	}
	id, err := a.q.PutDefinition(ctx, d)
	if err != nil {
		return nil, err
	}
	return struct {
		QueryDefinitionID string `json:"queryDefinitionId"`
	}{id}, nil
}

func (a *queryAPI) describeQueryDefinitions(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeQueryDefinitionsRequest)
	ds, next, err := a.q.DescribeDefinitions(ctx, logquery.DefinitionQuery{
		NamePrefix: req.QueryDefinitionNamePrefix, Language: string(req.QueryLanguage),
		Max: intValue(req.MaxResults), NextToken: req.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := struct {
		QueryDefinitions []queryDefinition `json:"queryDefinitions"`
		NextToken        string            `json:"nextToken,omitempty"`
	}{QueryDefinitions: make([]queryDefinition, 0, len(ds)), NextToken: next}
	for _, d := range ds {
		qd := queryDefinition{d.Language, d.ID, d.Name, d.QueryString, d.LastModified, d.Groups, nil}
		for _, p := range d.Parameters {
			qd.Parameters = append(qd.Parameters, queryParameter(p))
		}
		out.QueryDefinitions = append(out.QueryDefinitions, qd)
	}
	return out, nil
}

func (a *queryAPI) deleteQueryDefinition(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteQueryDefinitionRequest)
	if err := a.q.DeleteDefinition(ctx, req.QueryDefinitionId); err != nil {
		return nil, err
	}
	return struct {
		Success bool `json:"success"`
	}{true}, nil
}

type logGroupField struct {
	Name    string `json:"name"`
	Percent int    `json:"percent"`
}

func (a *queryAPI) getLogGroupFields(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetLogGroupFieldsRequest)
	group, err := groupName(req.LogGroupName, req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	fs, err := a.q.GroupFields(ctx, strings.TrimSpace(group), int64Value(req.Time))
	if err != nil {
		return nil, err
	}
	out := struct {
		LogGroupFields []logGroupField `json:"logGroupFields"`
	}{make([]logGroupField, len(fs))}
	for i, f := range fs {
		out.LogGroupFields[i] = logGroupField{f.Name, f.Percent}
	}
	return out, nil
}

// getLogRecord reads the event a @ptr of GetQueryResults points to. There
// is no data protection locally (nothing is masked), so unmask changes
// nothing: the record is the same either way.
func (a *queryAPI) getLogRecord(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetLogRecordRequest)
	rec, err := a.q.LogRecord(ctx, req.LogRecordPointer)
	if err != nil {
		return nil, err
	}
	return lm.GetLogRecordResponse{LogRecord: rec}, nil
}

type indexPolicy struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LastUpdateTime     int64  `json:"lastUpdateTime"`
	PolicyDocument     string `json:"policyDocument"`
	Source             string `json:"source"`
}

func (a *queryAPI) toIndexPolicy(p logquery.IndexPolicy) indexPolicy {
	return indexPolicy{a.st.GroupARN(p.Group), p.LastUpdate, p.Document, "LOG_GROUP"}
}

func (a *queryAPI) putIndexPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutIndexPolicyRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	p, err := a.q.PutIndexPolicy(ctx, group, req.PolicyDocument)
	if err != nil {
		return nil, err
	}
	return struct {
		IndexPolicy indexPolicy `json:"indexPolicy"`
	}{a.toIndexPolicy(p)}, nil
}

func (a *queryAPI) describeIndexPolicies(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeIndexPoliciesRequest)
	out := struct {
		IndexPolicies []indexPolicy `json:"indexPolicies"`
	}{[]indexPolicy{}}
	for _, id := range req.LogGroupIdentifiers {
		group, err := groupName("", id)
		if err != nil {
			return nil, err
		}
		p, ok, err := a.q.IndexPolicyOf(ctx, group)
		if err != nil {
			return nil, err
		}
		if ok {
			out.IndexPolicies = append(out.IndexPolicies, a.toIndexPolicy(p))
		}
	}
	return out, nil
}

func (a *queryAPI) deleteIndexPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteIndexPolicyRequest)
	group, err := groupName("", req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	return nil, a.q.DeleteIndexPolicy(ctx, group)
}

type fieldIndex struct {
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	FieldIndexName     string `json:"fieldIndexName"`
	LastScanTime       int64  `json:"lastScanTime"`
	FirstEventTime     int64  `json:"firstEventTime"`
	LastEventTime      int64  `json:"lastEventTime"`
	Type               string `json:"type"`
	IndexCategory      string `json:"indexCategory"`
}

func (a *queryAPI) describeFieldIndexes(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeFieldIndexesRequest)
	cats := make([]string, len(req.IndexCategories))
	for i, c := range req.IndexCategories {
		cats[i] = string(c)
	}
	out := struct {
		FieldIndexes []fieldIndex `json:"fieldIndexes"`
	}{[]fieldIndex{}}
	for _, id := range req.LogGroupIdentifiers {
		group, err := groupName("", id)
		if err != nil {
			return nil, err
		}
		fs, err := a.q.FieldIndexes(ctx, group, cats)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			out.FieldIndexes = append(out.FieldIndexes, fieldIndex{a.st.GroupARN(f.Group), f.Name, f.LastScanTime, f.FirstEventTime, f.LastEventTime, f.Type, f.Category})
		}
	}
	return out, nil
}
