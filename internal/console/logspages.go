package console

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// GroupRow is a log group.
type GroupRow struct {
	Name      string
	Retention int32
	Bytes     int64
	Created   *time.Time
}

func (c *Console) loadLogGroups(r *http.Request) (loaded, error) {
	var rows []GroupRow
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(c.opts.Logs, &cloudwatchlogs.DescribeLogGroupsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(r.Context())
		if err != nil {
			return loaded{}, err
		}
		for _, g := range out.LogGroups {
			row := GroupRow{Name: aws.ToString(g.LogGroupName), Retention: aws.ToInt32(g.RetentionInDays), Bytes: aws.ToInt64(g.StoredBytes)}
			if g.CreationTime != nil {
				t := time.UnixMilli(*g.CreationTime)
				row.Created = &t
			}
			rows = append(rows, row)
		}
	}
	return loaded{title: "Logs", nav: "logs", data: rows}, nil
}

// StreamRow is a log stream.
type StreamRow struct {
	Name      string
	LastEvent *time.Time
}

// LogGroupView is a log group's page: its streams, or the events that
// match a filter pattern.
type LogGroupView struct {
	Group, Pattern, Stream string
	Streams                []StreamRow
	Matches                []EventRow
	Searched               bool
	More                   bool
}

// EventRow is a log event.
type EventRow struct {
	Time    time.Time
	Stream  string
	Message string
}

// streamLimit bounds the streams a group's page lists, and matchLimit the
// events a search shows.
const (
	streamLimit = 200
	matchLimit  = 500
)

func (c *Console) loadLogGroup(r *http.Request) (loaded, error) {
	ctx := r.Context()
	q := r.URL.Query()
	v := LogGroupView{Group: q.Get("name"), Pattern: q.Get("q"), Stream: q.Get("stream")}
	if v.Group == "" {
		return loaded{}, badRequest("which log group? give its name as ?name=")
	}
	out, err := c.opts.Logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupName: aws.String(v.Group), OrderBy: logtypes.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(50),
	})
	if err != nil {
		return loaded{}, err
	}
	for _, s := range out.LogStreams {
		row := StreamRow{Name: aws.ToString(s.LogStreamName)}
		if s.LastEventTimestamp != nil {
			t := time.UnixMilli(*s.LastEventTimestamp)
			row.LastEvent = &t
		}
		v.Streams = append(v.Streams, row)
	}
	if q.Has("q") {
		v.Searched = true
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(v.Group), FilterPattern: aws.String(v.Pattern)}
		if v.Stream != "" {
			in.LogStreamNamePrefix = aws.String(v.Stream)
		}
		p := cloudwatchlogs.NewFilterLogEventsPaginator(c.opts.Logs, in)
		for p.HasMorePages() && len(v.Matches) < matchLimit {
			out, err := p.NextPage(ctx)
			if err != nil {
				return loaded{}, err
			}
			for _, ev := range out.Events {
				v.Matches = append(v.Matches, EventRow{Time: time.UnixMilli(aws.ToInt64(ev.Timestamp)), Stream: aws.ToString(ev.LogStreamName), Message: aws.ToString(ev.Message)})
			}
		}
		if len(v.Matches) > matchLimit {
			v.Matches, v.More = v.Matches[:matchLimit], true
		}
	}
	return loaded{title: "Log group " + v.Group, nav: "logs", data: v, live: true}, nil
}

// LogStreamView is a stream's page, tailing live.
type LogStreamView struct {
	Group, Stream string
	Events        []EventRow
}

// tailLimit is how many of its last events a stream's page shows.
const tailLimit = 1000

func (c *Console) loadLogStream(r *http.Request) (loaded, error) {
	q := r.URL.Query()
	v := LogStreamView{Group: q.Get("group"), Stream: q.Get("stream")}
	if v.Group == "" || v.Stream == "" {
		return loaded{}, badRequest("which log stream? give ?group= and ?stream=")
	}
	out, err := c.opts.Logs.GetLogEvents(r.Context(), &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(v.Group), LogStreamName: aws.String(v.Stream), Limit: aws.Int32(tailLimit)})
	if err != nil {
		return loaded{}, err
	}
	for _, ev := range out.Events {
		v.Events = append(v.Events, EventRow{Time: time.UnixMilli(aws.ToInt64(ev.Timestamp)), Message: aws.ToString(ev.Message)})
	}
	return loaded{title: v.Stream, nav: "logs", data: v, live: true}, nil
}
