package logsapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/logs"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Wire constants of the service.
const (
	TargetPrefix = "Logs_20140328"
	JSONVersion  = "1.1"
)

// Error types of the service model used here.
const (
	typeInvalidParameter = "InvalidParameterException"
	typeNotFound         = "ResourceNotFoundException"
	typeExists           = "ResourceAlreadyExistsException"
	// typeUnimplemented answers the model's operations ecsrun lacks; the
	// message names the operation.
	typeUnimplemented = "InvalidOperationException"
	// typeInternal is the model's fault ("The service cannot complete the
	// request.").
	typeInternal = "ServiceUnavailableException"
)

// New returns the CloudWatch Logs service over st, to mount with
// awsjson.NewServer. It has no local S3 directory: use NewWithOptions for
// export tasks.
func New(st *logs.Store) *awsjson.Service { return NewWithOptions(st, Options{}) }

// Options configure the service beyond its store.
type Options struct {
	// S3Dir is the local S3 directory (<S3Dir>/<bucket>/<key>) export
	// tasks write to.
	S3Dir string
}

// NewWithOptions is New with options.
func NewWithOptions(st *logs.Store, opts Options) *awsjson.Service {
	a := &api{st: st}
	a.res, a.resErr = logsres.Open(context.Background(), st, logsres.Options{S3Dir: opts.S3Dir})
	handlers := map[string]awsjson.Handler{
		"CreateLogGroup":        a.createLogGroup,
		"CreateLogStream":       a.createLogStream,
		"DeleteLogGroup":        a.deleteLogGroup,
		"DeleteLogStream":       a.deleteLogStream,
		"PutRetentionPolicy":    a.putRetentionPolicy,
		"DeleteRetentionPolicy": a.deleteRetentionPolicy,
		"DescribeLogGroups":     a.describeLogGroups,
		"DescribeLogStreams":    a.describeLogStreams,
		"GetLogEvents":          a.getLogEvents,
		"FilterLogEvents":       a.filterLogEvents,
		"PutLogEvents":          a.putLogEvents,
	}
	a.addResourceHandlers(handlers)
	return &awsjson.Service{
		TargetPrefix:      TargetPrefix,
		JSONVersion:       JSONVersion,
		Name:              "Amazon CloudWatch Logs",
		SigningName:       "logs",
		Operations:        lm.Operations,
		Handlers:          handlers,
		ValidationType:    typeInvalidParameter,
		UnimplementedType: typeUnimplemented,
		Refusals:          refusals,
		Classify:          classifyRes,
		InternalType:      typeInternal,
	}
}

// Classify maps the logs package's error kinds to the service's error types.
func Classify(err error) (awsjson.Fault, bool) {
	var le *logs.Error
	if !errors.As(err, &le) {
		return awsjson.Fault{}, false
	}
	f := awsjson.Fault{Status: http.StatusBadRequest, Message: le.Msg}
	switch {
	case errors.Is(err, logs.ErrNotFound):
		f.Type = typeNotFound
	case errors.Is(err, logs.ErrExists):
		f.Type = typeExists
	case errors.Is(err, logs.ErrInvalid):
		f.Type = typeInvalidParameter
	default:
		return awsjson.Fault{}, false
	}
	return f, true
}

type api struct {
	st *logs.Store
	// res keeps tags, settings, subscription filters, destinations and
	// policies; resErr is why it could not open (every operation that needs
	// it answers with it).
	res    *logsres.Store
	resErr error
}

// groupName resolves logGroupName / logGroupIdentifier (a name or an ARN,
// with or without the trailing ":*"): exactly one must be given.
func groupName(name, ident string) (string, error) {
	switch {
	case name != "" && ident != "":
		return "", awsjson.Errorf(typeInvalidParameter, "LogGroupName and LogGroupIdentifier are mutually exclusive: pass only one.")
	case name != "":
		return name, nil
	case ident == "":
		return "", awsjson.Errorf(typeInvalidParameter, "Either logGroupName or logGroupIdentifier must be specified.")
	case !strings.HasPrefix(ident, "arn:"):
		return ident, nil
	}
	// arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]
	parts := strings.SplitN(ident, ":", 7)
	if len(parts) != 7 || parts[2] != "logs" || parts[5] != "log-group" {
		return "", awsjson.Errorf(typeInvalidParameter, "Invalid logGroupIdentifier %q: want a log group name or arn:aws:logs:<region>:<account>:log-group:<name>.", ident)
	}
	return strings.TrimSuffix(parts[6], ":*"), nil
}

func (a *api) createLogGroup(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.CreateLogGroupRequest)
	if a.resErr != nil {
		return nil, a.resErr
	}
	return nil, a.res.CreateLogGroup(ctx, logsres.NewGroup{
		Name: req.LogGroupName,
		GroupSettings: logsres.GroupSettings{
			KmsKeyID:           req.KmsKeyId,
			Class:              string(req.LogGroupClass),
			DeletionProtection: boolValue(req.DeletionProtectionEnabled),
		},
		Tags: req.Tags,
	})
}

func (a *api) createLogStream(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.CreateLogStreamRequest)
	return nil, a.st.CreateLogStream(ctx, req.LogGroupName, req.LogStreamName)
}

func (a *api) deleteLogGroup(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteLogGroupRequest)
	return nil, a.st.DeleteLogGroup(ctx, req.LogGroupName)
}

func (a *api) deleteLogStream(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteLogStreamRequest)
	return nil, a.st.DeleteLogStream(ctx, req.LogGroupName, req.LogStreamName)
}

func (a *api) putRetentionPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutRetentionPolicyRequest)
	return nil, a.st.PutRetentionPolicy(ctx, req.LogGroupName, req.RetentionInDays)
}

func (a *api) deleteRetentionPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteRetentionPolicyRequest)
	return nil, a.st.DeleteRetentionPolicy(ctx, req.LogGroupName)
}

func (a *api) describeLogGroups(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeLogGroupsRequest)
	if len(req.LogGroupIdentifiers) > 0 && (req.LogGroupNamePrefix != "" || req.LogGroupNamePattern != "") {
		return nil, awsjson.Errorf(typeInvalidParameter, "logGroupIdentifiers cannot be combined with logGroupNamePrefix or logGroupNamePattern.")
	}
	out := describeLogGroupsOutput{LogGroups: []logGroup{}}
	if len(req.LogGroupIdentifiers) > 0 {
		// Exact names (or ARNs), no paging.
		for _, id := range req.LogGroupIdentifiers {
			name, err := groupName("", id)
			if err != nil {
				return nil, err
			}
			g, err := a.st.LogGroup(ctx, name)
			if errors.Is(err, logs.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out.LogGroups = append(out.LogGroups, toLogGroup(g, false))
		}
		return a.withSettings(ctx, out, req.LogGroupClass, false)
	}
	groups, next, err := a.st.DescribeLogGroups(ctx, logs.GroupQuery{
		Prefix:    req.LogGroupNamePrefix,
		Pattern:   req.LogGroupNamePattern,
		Limit:     intValue(req.Limit),
		NextToken: req.NextToken,
	})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		out.LogGroups = append(out.LogGroups, toLogGroup(g, req.LogGroupNamePattern != ""))
	}
	out.NextToken = next
	return a.withSettings(ctx, out, req.LogGroupClass, req.LogGroupNamePattern != "")
}

func (a *api) describeLogStreams(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeLogStreamsRequest)
	group, err := groupName(req.LogGroupName, req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	streams, next, err := a.st.DescribeLogStreams(ctx, logs.StreamQuery{
		Group:      group,
		Prefix:     req.LogStreamNamePrefix,
		OrderBy:    string(req.OrderBy),
		Descending: boolValue(req.Descending),
		Limit:      intValue(req.Limit),
		NextToken:  req.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := describeLogStreamsOutput{LogStreams: make([]logStream, 0, len(streams)), NextToken: next}
	for _, s := range streams {
		out.LogStreams = append(out.LogStreams, toLogStream(s))
	}
	return out, nil
}

func (a *api) getLogEvents(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.GetLogEventsRequest)
	group, err := groupName(req.LogGroupName, req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	page, err := a.st.GetLogEvents(ctx, logs.EventQuery{
		Group:         group,
		Stream:        req.LogStreamName,
		StartTime:     int64Value(req.StartTime),
		EndTime:       int64Value(req.EndTime),
		Limit:         intValue(req.Limit),
		StartFromHead: boolValue(req.StartFromHead),
		NextToken:     req.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := getLogEventsOutput{
		Events:            make([]lm.OutputLogEvent, len(page.Events)),
		NextForwardToken:  page.NextForwardToken,
		NextBackwardToken: page.NextBackwardToken,
	}
	for i, e := range page.Events {
		out.Events[i] = lm.OutputLogEvent{Timestamp: &e.Timestamp, Message: e.Message, IngestionTime: &e.IngestionTime}
	}
	return out, nil
}

func (a *api) filterLogEvents(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.FilterLogEventsRequest)
	group, err := groupName(req.LogGroupName, req.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	page, err := a.st.FilterLogEvents(ctx, logs.FilterQuery{
		Group:            group,
		StreamNames:      req.LogStreamNames,
		StreamNamePrefix: req.LogStreamNamePrefix,
		StartTime:        int64Value(req.StartTime),
		EndTime:          int64Value(req.EndTime),
		Pattern:          req.FilterPattern,
		Limit:            intValue(req.Limit),
		Descending:       req.StartFromHead != nil && !*req.StartFromHead,
		NextToken:        req.NextToken,
	})
	if err != nil {
		return nil, err
	}
	out := filterLogEventsOutput{
		Events:             make([]lm.FilteredLogEvent, len(page.Events)),
		SearchedLogStreams: make([]lm.SearchedLogStream, len(page.Searched)),
		NextToken:          page.NextToken,
	}
	for i, e := range page.Events {
		out.Events[i] = lm.FilteredLogEvent{
			LogStreamName: e.Stream,
			Timestamp:     &e.Timestamp,
			Message:       e.Message,
			IngestionTime: &e.IngestionTime,
			EventId:       e.EventID(),
		}
	}
	for i, s := range page.Searched {
		out.SearchedLogStreams[i] = lm.SearchedLogStream{LogStreamName: s.Name, SearchedCompletely: &s.Complete}
	}
	return out, nil
}

func (a *api) putLogEvents(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutLogEventsRequest)
	events := make([]logs.Event, len(req.LogEvents))
	for i, e := range req.LogEvents {
		events[i] = logs.Event{Timestamp: e.Timestamp, Message: e.Message}
	}
	res, err := a.st.PutLogEvents(ctx, req.LogGroupName, req.LogStreamName, events)
	if err != nil {
		return nil, err
	}
	out := putLogEventsOutput{NextSequenceToken: res.NextSequenceToken}
	if r := res.Rejected; r != nil {
		out.RejectedLogEventsInfo = &rejectedLogEventsInfo{
			TooNewLogEventStartIndex: index(r.TooNewStart),
			TooOldLogEventEndIndex:   index(r.TooOldEnd),
			ExpiredLogEventEndIndex:  index(r.ExpiredEnd),
		}
	}
	return out, nil
}

func index(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := int32(*p)
	return &v
}

// intValue is an optional member's value, 0 when absent (the store's
// default).
func intValue(p *int32) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func int64Value(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func boolValue(p *bool) bool { return p != nil && *p }
