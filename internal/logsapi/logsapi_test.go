package logsapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/store"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type env struct {
	st  *logs.Store
	srv *awsjson.Server
	c   *cwl.Client
}

// newEnv opens the store in dir and returns an SDK client talking to it
// in-process.
func newEnv(t *testing.T, dir string) *env {
	t.Helper()
	ctx := testCtx(t)
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := logs.Open(ctx, db, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := awsjson.NewServer(logsapi.New(st))
	modelcheck.Attach(t, srv)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	c := cwl.NewFromConfig(cfg, func(o *cwl.Options) {
		o.BaseEndpoint = aws.String("http://local")
		o.HTTPClient = &http.Client{Transport: &inproc.Transport{Handler: srv}}
		o.RetryMaxAttempts = 1
	})
	return &env{st: st, srv: srv, c: c}
}

func now() int64 { return time.Now().UnixMilli() }

// put writes n events "<prefix>0".. into an existing stream.
func (e *env) put(t *testing.T, group, stream, prefix string, n int) {
	t.Helper()
	ts := now()
	var ev []types.InputLogEvent
	for i := range n {
		ev = append(ev, types.InputLogEvent{Timestamp: aws.Int64(ts), Message: aws.String(fmt.Sprintf("%s%d", prefix, i))})
	}
	if _, err := e.c.PutLogEvents(testCtx(t), &cwl.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream, LogEvents: ev}); err != nil {
		t.Fatal(err)
	}
}

func msgs(events []types.OutputLogEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, aws.ToString(e.Message))
	}
	return out
}

func seq(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// wantAPIError checks err is an API error of the given type (and message
// when msg is not empty).
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v; want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("error = %s %q; want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func TestLogs_CreatePutGetTail(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	g, s := "/ecs/app", "ecs/web/abc123"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "The specified log group already exists")
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("error %T is not the SDK's ResourceAlreadyExistsException", err)
	}
	if _, err := e.c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &g, LogStreamName: &s}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &g, LogStreamName: &s})
	wantAPIError(t, err, "ResourceAlreadyExistsException", "The specified log stream already exists")

	// An empty stream: startFromHead false gives no events and a forward
	// token that catches what comes next.
	out, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 0 || !strings.HasPrefix(aws.ToString(out.NextForwardToken), "f/") || !strings.HasPrefix(aws.ToString(out.NextBackwardToken), "b/") {
		t.Fatalf("empty stream: %d events, tokens %q %q", len(out.Events), aws.ToString(out.NextForwardToken), aws.ToString(out.NextBackwardToken))
	}
	tail := out.NextForwardToken

	e.put(t, g, s, "a", 25)

	// Forward paging from the head until the token comes back unchanged.
	var got []string
	tok := (*string)(nil)
	for i := 0; ; i++ {
		if i > 10 {
			t.Fatal("forward paging never ended")
		}
		out, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, StartFromHead: aws.Bool(true), Limit: aws.Int32(10), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, msgs(out.Events)...)
		if tok != nil && *out.NextForwardToken == *tok {
			if len(out.Events) != 0 {
				t.Fatalf("token unchanged but %d events", len(out.Events))
			}
			break
		}
		tok = out.NextForwardToken
	}
	if want := seq("a", 0, 25); !slices.Equal(got, want) {
		t.Fatalf("forward paging = %q; want %q", got, want)
	}

	// startFromHead false (the default) returns the last N.
	out, err = e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, Limit: aws.Int32(5)})
	if err != nil {
		t.Fatal(err)
	}
	if want := seq("a", 20, 25); !slices.Equal(msgs(out.Events), want) {
		t.Fatalf("last 5 = %q; want %q", msgs(out.Events), want)
	}
	if ev := out.Events[0]; aws.ToInt64(ev.IngestionTime) == 0 || aws.ToInt64(ev.Timestamp) == 0 {
		t.Fatalf("event %+v lacks timestamp or ingestionTime", ev)
	}
	// Backward from there.
	out, err = e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, Limit: aws.Int32(5), NextToken: out.NextBackwardToken})
	if err != nil {
		t.Fatal(err)
	}
	if want := seq("a", 15, 20); !slices.Equal(msgs(out.Events), want) {
		t.Fatalf("backward page = %q; want %q", msgs(out.Events), want)
	}

	// Tailing: the token taken while the stream was empty sees every event
	// once; after more are appended, polling with the last forward token
	// gives exactly the new ones.
	got = nil
	for {
		out, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, StartFromHead: aws.Bool(true), NextToken: tail})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, msgs(out.Events)...)
		if *out.NextForwardToken == *tail {
			break
		}
		tail = out.NextForwardToken
	}
	if want := seq("a", 0, 25); !slices.Equal(got, want) {
		t.Fatalf("tail from the empty stream = %q; want %q", got, want)
	}
	e.put(t, g, s, "b", 3)
	if err := e.st.Append(ctx, g, s, []logs.Event{{Timestamp: now(), Message: "from the agent"}}); err != nil {
		t.Fatal(err)
	}
	out, err = e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, StartFromHead: aws.Bool(true), NextToken: tail})
	if err != nil {
		t.Fatal(err)
	}
	if want := append(seq("b", 0, 3), "from the agent"); !slices.Equal(msgs(out.Events), want) {
		t.Fatalf("new events = %q; want %q", msgs(out.Events), want)
	}

	// The SDK's paginator walks the whole stream.
	p := cwl.NewGetLogEventsPaginator(e.c, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, StartFromHead: aws.Bool(true), Limit: aws.Int32(7)},
		func(o *cwl.GetLogEventsPaginatorOptions) { o.StopOnDuplicateToken = true })
	got = nil
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 20 {
			t.Fatal("GetLogEvents paginator never ended")
		}
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, msgs(out.Events)...)
	}
	if len(got) != 29 {
		t.Fatalf("paginator read %d events; want 29", len(got))
	}
}

func TestLogs_Errors(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	g, s := "g", "s"
	if err := e.st.Append(ctx, g, s, []logs.Event{{Timestamp: now(), Message: "x"}}); err != nil {
		t.Fatal(err)
	}
	missing := "missing"
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"GetLogEvents missing group", func() error {
			_, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &missing, LogStreamName: &s})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"GetLogEvents missing stream", func() error {
			_, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &missing})
			return err
		}, "ResourceNotFoundException", "The specified log stream does not exist."},
		{"GetLogEvents invalid token", func() error {
			_, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, NextToken: aws.String("f/123")})
			return err
		}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"GetLogEvents limit over 10000", func() error {
			_, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, Limit: aws.Int32(10001)})
			return err
		}, "InvalidParameterException", ""},
		{"GetLogEvents limit 0", func() error {
			_, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, Limit: aws.Int32(0)})
			return err
		}, "InvalidParameterException", ""},
		{"GetLogEvents name and identifier", func() error {
			_, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogGroupIdentifier: &g, LogStreamName: &s})
			return err
		}, "InvalidParameterException", ""},
		{"FilterLogEvents names and prefix", func() error {
			_, err := e.c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &g, LogStreamNames: []string{s}, LogStreamNamePrefix: &s})
			return err
		}, "InvalidParameterException", ""},
		{"FilterLogEvents missing group", func() error {
			_, err := e.c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &missing})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"FilterLogEvents bad JSON pattern", func() error {
			_, err := e.c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &g, FilterPattern: aws.String(`{ $.level = }`)})
			return err
		}, "InvalidParameterException", ""},
		{"FilterLogEvents invalid token", func() error {
			_, err := e.c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &g, NextToken: aws.String("nope")})
			return err
		}, "InvalidParameterException", "The specified nextToken is invalid."},
		{"DescribeLogStreams missing group", func() error {
			_, err := e.c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: &missing})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"DescribeLogStreams prefix with LastEventTime", func() error {
			_, err := e.c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: &g, LogStreamNamePrefix: &s, OrderBy: types.OrderByLastEventTime})
			return err
		}, "InvalidParameterException", ""},
		{"PutLogEvents missing stream", func() error {
			_, err := e.c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &g, LogStreamName: &missing, LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now()), Message: aws.String("x")}}})
			return err
		}, "ResourceNotFoundException", "The specified log stream does not exist."},
		{"PutLogEvents out of order", func() error {
			_, err := e.c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &g, LogStreamName: &s, LogEvents: []types.InputLogEvent{
				{Timestamp: aws.Int64(now()), Message: aws.String("x")}, {Timestamp: aws.Int64(now() - 1000), Message: aws.String("y")}}})
			return err
		}, "InvalidParameterException", ""},
		{"CreateLogGroup bad name", func() error {
			_, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("bad name")})
			return err
		}, "InvalidParameterException", ""},
		{"DeleteLogGroup missing", func() error {
			_, err := e.c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: &missing})
			return err
		}, "ResourceNotFoundException", "The specified log group does not exist."},
		{"DeleteLogStream missing", func() error {
			_, err := e.c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: &g, LogStreamName: &missing})
			return err
		}, "ResourceNotFoundException", "The specified log stream does not exist."},
		{"unimplemented operation", func() error {
			_, err := e.c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupName: &g, QueryString: aws.String("fields @message"), StartTime: aws.Int64(0), EndTime: aws.Int64(1)})
			return err
		}, "InvalidOperationException", "ecsrun does not implement StartQuery yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), tt.code, tt.msg)
		})
	}
	var nf *types.ResourceNotFoundException
	_, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &missing, LogStreamName: &s})
	if !errors.As(err, &nf) {
		t.Fatalf("error %T is not the SDK's ResourceNotFoundException", err)
	}
}

func TestLogs_FilterLogEvents(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	g := "/ecs/job"
	base := now() - 60_000
	type line struct {
		stream string
		dt     int64
		msg    string
	}
	for _, l := range []line{
		{"ecs/main/t1", 0, "starting"},
		{"ecs/main/t1", 20, "ERROR first failure"},
		{"ecs/sidecar/t1", 10, "sidecar up"},
		{"ecs/sidecar/t1", 20, "ERROR sidecar failure"},
		{"other/x", 5, "unrelated ERROR"},
		{"ecs/main/t1", 40, "done"},
	} {
		if err := e.st.Append(ctx, g, l.stream, []logs.Event{{Timestamp: base + l.dt, Message: l.msg}}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(in cwl.FilterLogEventsInput) []string {
		t.Helper()
		in.LogGroupName = &g
		var got []string
		p := cwl.NewFilterLogEventsPaginator(e.c, &in)
		for pages := 0; p.HasMorePages(); pages++ {
			if pages > 20 {
				t.Fatal("FilterLogEvents paginator never ended")
			}
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if in.Limit != nil && len(out.Events) > int(*in.Limit) {
				t.Fatalf("page of %d events; limit %d", len(out.Events), *in.Limit)
			}
			for _, ev := range out.Events {
				if aws.ToString(ev.EventId) == "" || aws.ToInt64(ev.IngestionTime) == 0 {
					t.Fatalf("event %+v lacks eventId or ingestionTime", ev)
				}
				got = append(got, aws.ToString(ev.LogStreamName)+":"+aws.ToString(ev.Message))
			}
		}
		return got
	}
	tests := []struct {
		name string
		in   cwl.FilterLogEventsInput
		want []string
	}{
		{"all interleaved, paged", cwl.FilterLogEventsInput{Limit: aws.Int32(2)}, []string{
			"ecs/main/t1:starting", "other/x:unrelated ERROR", "ecs/sidecar/t1:sidecar up",
			"ecs/main/t1:ERROR first failure", "ecs/sidecar/t1:ERROR sidecar failure", "ecs/main/t1:done"}},
		{"prefix", cwl.FilterLogEventsInput{LogStreamNamePrefix: aws.String("ecs/"), Limit: aws.Int32(1)}, []string{
			"ecs/main/t1:starting", "ecs/sidecar/t1:sidecar up", "ecs/main/t1:ERROR first failure",
			"ecs/sidecar/t1:ERROR sidecar failure", "ecs/main/t1:done"}},
		{"names", cwl.FilterLogEventsInput{LogStreamNames: []string{"ecs/sidecar/t1", "other/x"}}, []string{
			"other/x:unrelated ERROR", "ecs/sidecar/t1:sidecar up", "ecs/sidecar/t1:ERROR sidecar failure"}},
		{"pattern", cwl.FilterLogEventsInput{FilterPattern: aws.String("ERROR failure"), Limit: aws.Int32(1)}, []string{
			"ecs/main/t1:ERROR first failure", "ecs/sidecar/t1:ERROR sidecar failure"}},
		{"quoted and alternatives", cwl.FilterLogEventsInput{FilterPattern: aws.String(`?"sidecar up" ?done`)}, []string{
			"ecs/sidecar/t1:sidecar up", "ecs/main/t1:done"}},
		{"time range", cwl.FilterLogEventsInput{StartTime: aws.Int64(base + 10), EndTime: aws.Int64(base + 40)}, []string{
			"ecs/sidecar/t1:sidecar up", "ecs/main/t1:ERROR first failure", "ecs/sidecar/t1:ERROR sidecar failure"}},
		{"newest first", cwl.FilterLogEventsInput{StartFromHead: aws.Bool(false), LogStreamNames: []string{"ecs/main/t1"}, Limit: aws.Int32(2)}, []string{
			"ecs/main/t1:done", "ecs/main/t1:ERROR first failure", "ecs/main/t1:starting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.in); !slices.Equal(got, tt.want) {
				t.Fatalf("FilterLogEvents = %q; want %q", got, tt.want)
			}
		})
	}
	out, err := e.c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &g, LogStreamNamePrefix: aws.String("ecs/")})
	if err != nil {
		t.Fatal(err)
	}
	if out.NextToken != nil {
		t.Fatalf("nextToken = %q on the last page; want none", *out.NextToken)
	}
	if len(out.SearchedLogStreams) != 2 || !aws.ToBool(out.SearchedLogStreams[0].SearchedCompletely) {
		t.Fatalf("searchedLogStreams = %+v; want 2 searched completely", out.SearchedLogStreams)
	}
}

func TestLogs_DescribePaging(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	var wantGroups []string
	for i := range 7 {
		name := fmt.Sprintf("/ecs/g%02d", i)
		wantGroups = append(wantGroups, name)
		if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &name}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("zz")}); err != nil {
		t.Fatal(err)
	}
	var got []string
	gp := cwl.NewDescribeLogGroupsPaginator(e.c, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/ecs/"), Limit: aws.Int32(3)})
	for pages := 0; gp.HasMorePages(); pages++ {
		if pages > 10 {
			t.Fatal("DescribeLogGroups paginator never ended")
		}
		out, err := gp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, lg := range out.LogGroups {
			got = append(got, aws.ToString(lg.LogGroupName))
			if want := "arn:aws:logs:us-east-1:000000000000:log-group:" + aws.ToString(lg.LogGroupName); aws.ToString(lg.LogGroupArn) != want || aws.ToString(lg.Arn) != want+":*" {
				t.Fatalf("group ARNs %q %q; want %q and with :*", aws.ToString(lg.LogGroupArn), aws.ToString(lg.Arn), want)
			}
			if lg.RetentionInDays != nil || aws.ToInt64(lg.CreationTime) == 0 {
				t.Fatalf("group %+v: want no retention and a creation time", lg)
			}
		}
	}
	if !slices.Equal(got, wantGroups) {
		t.Fatalf("DescribeLogGroups = %q; want %q", got, wantGroups)
	}
	// No parameters at all (no limit on the wire) lists everything.
	all, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.LogGroups) != 8 || all.NextToken != nil {
		t.Fatalf("DescribeLogGroups{} = %d groups, token %v; want 8, none", len(all.LogGroups), all.NextToken)
	}
	byID, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:000000000000:log-group:zz", "nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(byID.LogGroups) != 1 || aws.ToString(byID.LogGroups[0].LogGroupName) != "zz" {
		t.Fatalf("DescribeLogGroups by identifier = %+v; want zz", byID.LogGroups)
	}

	g := "/ecs/g00"
	var wantStreams []string
	for i := range 5 {
		name := fmt.Sprintf("ecs/app/t%d", i)
		wantStreams = append(wantStreams, name)
		if i == 4 {
			// One stream without events.
			if _, err := e.c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &g, LogStreamName: &name}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := e.st.Append(ctx, g, name, []logs.Event{{Timestamp: 1000 * int64(10-i), Message: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	streams := func(in cwl.DescribeLogStreamsInput) []string {
		in.LogGroupName = &g
		var got []string
		p := cwl.NewDescribeLogStreamsPaginator(e.c, &in)
		for pages := 0; p.HasMorePages(); pages++ {
			if pages > 10 {
				t.Fatal("DescribeLogStreams paginator never ended")
			}
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range out.LogStreams {
				got = append(got, aws.ToString(s.LogStreamName))
			}
		}
		return got
	}
	if got := streams(cwl.DescribeLogStreamsInput{Limit: aws.Int32(2)}); !slices.Equal(got, wantStreams) {
		t.Fatalf("DescribeLogStreams = %q; want %q", got, wantStreams)
	}
	if got, want := streams(cwl.DescribeLogStreamsInput{OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true), Limit: aws.Int32(2)}),
		[]string{"ecs/app/t0", "ecs/app/t1", "ecs/app/t2", "ecs/app/t3", "ecs/app/t4"}; !slices.Equal(got, want) {
		t.Fatalf("DescribeLogStreams by LastEventTime descending = %q; want %q", got, want)
	}
	if got := streams(cwl.DescribeLogStreamsInput{LogStreamNamePrefix: aws.String("ecs/app/t3")}); !slices.Equal(got, []string{"ecs/app/t3"}) {
		t.Fatalf("DescribeLogStreams by prefix = %q", got)
	}
	out, err := e.c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupIdentifier: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:/ecs/g00"), LogStreamNamePrefix: aws.String("ecs/app/t")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range out.LogStreams {
		empty := aws.ToString(s.LogStreamName) == "ecs/app/t4"
		if (s.FirstEventTimestamp == nil) != empty || (s.LastEventTimestamp == nil) != empty || (s.LastIngestionTime == nil) != empty {
			t.Fatalf("stream %s: event times %v %v %v; want them only on streams with events", aws.ToString(s.LogStreamName), s.FirstEventTimestamp, s.LastEventTimestamp, s.LastIngestionTime)
		}
		if !strings.HasSuffix(aws.ToString(s.Arn), ":log-group:/ecs/g00:log-stream:"+aws.ToString(s.LogStreamName)) {
			t.Fatalf("stream ARN %q", aws.ToString(s.Arn))
		}
	}

	// Retention shows up, deleting removes.
	if _, err := e.c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: &g, RetentionInDays: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	one, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: &g})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(one.LogGroups[0].RetentionInDays) != 30 {
		t.Fatalf("retention = %v; want 30", one.LogGroups[0].RetentionInDays)
	}
	if _, err := e.c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: &g, LogStreamName: aws.String("ecs/app/t0")}); err != nil {
		t.Fatal(err)
	}
	if got := streams(cwl.DescribeLogStreamsInput{}); len(got) != 4 {
		t.Fatalf("streams after DeleteLogStream = %q", got)
	}
	if _, err := e.c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: &g})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestLogs_PutLogEventsRejected(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	g, s := "g", "s"
	if err := e.st.EnsureStream(ctx, g, s); err != nil {
		t.Fatal(err)
	}
	n := now()
	out, err := e.c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: &g, LogStreamName: &s, LogEvents: []types.InputLogEvent{
		{Timestamp: aws.Int64(n - 15*24*3600*1000), Message: aws.String("too old")},
		{Timestamp: aws.Int64(n), Message: aws.String("fine")},
		{Timestamp: aws.Int64(n + 3*3600*1000), Message: aws.String("too new")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.RejectedLogEventsInfo
	if r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 0 || r.TooOldLogEventEndIndex == nil || aws.ToInt32(r.TooNewLogEventStartIndex) != 2 || r.ExpiredLogEventEndIndex != nil {
		t.Fatalf("rejectedLogEventsInfo = %+v; want tooOld end 0, tooNew start 2, no expired", r)
	}
	get, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(msgs(get.Events), []string{"fine"}) {
		t.Fatalf("stored %q; want only the accepted event", msgs(get.Events))
	}
}

func TestLogs_PersistAcrossReopen(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e := newEnv(t, dir)
	g, s := "/ecs/persist", "ecs/c/1"
	if err := e.st.Append(ctx, g, s, []logs.Event{{Timestamp: now(), Message: "before"}}); err != nil {
		t.Fatal(err)
	}
	first, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, dir)
	if err := e2.st.Append(ctx, g, s, []logs.Event{{Timestamp: now(), Message: "after"}}); err != nil {
		t.Fatal(err)
	}
	out, err := e2.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, StartFromHead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(msgs(out.Events), []string{"before", "after"}) {
		t.Fatalf("after reopening: %q", msgs(out.Events))
	}
	out, err = e2.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, StartFromHead: aws.Bool(true), NextToken: first.NextForwardToken})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(msgs(out.Events), []string{"after"}) {
		t.Fatalf("old forward token after reopening: %q; want after", msgs(out.Events))
	}
}

// TestLogs_RawWire checks what Python clients index without checking:
// events lists are always present, and absent optional members are accepted.
func TestLogs_RawWire(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	if err := e.st.EnsureStream(ctx, "g", "s"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ op, body, want string }{
		{"GetLogEvents", `{"logGroupName":"g","logStreamName":"s"}`, `"events":[]`},
		{"FilterLogEvents", `{"logGroupName":"g"}`, `"events":[]`},
		{"DescribeLogStreams", `{"logGroupName":"g"}`, `"logStreams":[{`},
		{"DescribeLogGroups", `{}`, `"logGroups":[{`},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://local/", strings.NewReader(c.body))
		req.Header.Set("X-Amz-Target", "Logs_20140328."+c.op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := (&inproc.Transport{Handler: e.srv}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(b), c.want) {
			t.Fatalf("%s: %d %s; want 200 containing %s", c.op, resp.StatusCode, b, c.want)
		}
	}
}
