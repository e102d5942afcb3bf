package logsapi

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/logs"
)

// Direct answers GetLogEvents from the store in this process, with the
// SDK's input and output types: what the service answers over the API,
// without encoding and decoding each event as JSON. A run-task on the
// embedded engine follows a chatty container through it; a client of an
// `ecsrun serve` daemon or of AWS uses the API. Errors are the SDK's error
// types the API's answers decode to (ResourceNotFoundException,
// InvalidParameterException).
type Direct struct{ st *logs.Store }

// NewDirect returns a Direct reader of st.
func NewDirect(st *logs.Store) *Direct { return &Direct{st: st} }

// GetLogEvents reads a page of a stream as the GetLogEvents operation does.
// The options are ignored.
func (d *Direct) GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	group, err := groupName(deref(in.LogGroupName), deref(in.LogGroupIdentifier))
	if err != nil {
		return nil, sdkError(err)
	}
	page, err := d.st.GetLogEvents(ctx, logs.EventQuery{
		Group:         group,
		Stream:        deref(in.LogStreamName),
		StartTime:     deref(in.StartTime),
		EndTime:       deref(in.EndTime),
		Limit:         int(deref(in.Limit)),
		StartFromHead: deref(in.StartFromHead),
		NextToken:     deref(in.NextToken),
	})
	if err != nil {
		return nil, sdkError(err)
	}
	// The events' fields point into three arrays: three allocations per
	// page rather than per event.
	n := len(page.Events)
	out := &cloudwatchlogs.GetLogEventsOutput{
		Events:            make([]cwltypes.OutputLogEvent, n),
		NextForwardToken:  &page.NextForwardToken,
		NextBackwardToken: &page.NextBackwardToken,
	}
	times := make([]int64, 2*n)
	msgs := make([]string, n)
	for i, e := range page.Events {
		times[2*i], times[2*i+1], msgs[i] = e.Timestamp, e.IngestionTime, e.Message
		out.Events[i] = cwltypes.OutputLogEvent{Timestamp: &times[2*i], IngestionTime: &times[2*i+1], Message: &msgs[i]}
	}
	return out, nil
}

// sdkError turns an error of the store or of the request into the SDK's
// error type the API would answer with.
func sdkError(err error) error {
	var f *awsjson.Fault
	if !errors.As(err, &f) {
		if cf, ok := Classify(err); ok {
			f = &cf
		}
	}
	if f == nil {
		return err
	}
	msg := f.Message
	switch f.Type {
	case typeNotFound:
		return &cwltypes.ResourceNotFoundException{Message: &msg}
	case typeInvalidParameter:
		return &cwltypes.InvalidParameterException{Message: &msg}
	}
	return err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
