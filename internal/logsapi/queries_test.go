package logsapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/logquery"
	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/modelcheck"
	"github.com/ecsrun/ecsrun/internal/store"
)

// newQueryEnv is newEnv with the query operations; closing it (by
// t.Cleanup, or close) stops its queries.
func newQueryEnv(t *testing.T, dir string) (*env, func()) {
	t.Helper()
	e, _, closeAll := newQueryEnvWith(t, dir, logquery.Options{})
	return e, closeAll
}

// newQueryEnvWith is newQueryEnv with options of the query service, which
// it returns too.
func newQueryEnvWith(t *testing.T, dir string, opts logquery.Options) (*env, *logquery.Service, func()) {
	t.Helper()
	ctx := testCtx(t)
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := logs.Open(ctx, db, logs.Options{Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	opts.Account = "123456789012"
	q, err := logquery.Open(ctx, db, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeAll := func() {
		if !closed {
			closed = true
			q.Close()
			st.Close()
			db.Close()
		}
	}
	t.Cleanup(closeAll)
	srv := awsjson.NewServer(logsapi.NewWithQueries(st, q))
	modelcheck.Attach(t, srv)
	c := cwl.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}, func(o *cwl.Options) {
		o.BaseEndpoint = aws.String("http://local")
		o.HTTPClient = &http.Client{Transport: &inproc.Transport{Handler: srv}}
		o.RetryMaxAttempts = 1
	})
	return &env{st: st, srv: srv, c: c}, q, closeAll
}

func (e *env) group(t *testing.T, g string, streams ...string) {
	t.Helper()
	ctx := testCtx(t)
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		if _, err := e.c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: &g, LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) putAt(t *testing.T, group, stream string, ts int64, messages ...string) {
	t.Helper()
	var ev []types.InputLogEvent
	for i, m := range messages {
		ev = append(ev, types.InputLogEvent{Timestamp: aws.Int64(ts + int64(i)), Message: aws.String(m)})
	}
	if _, err := e.c.PutLogEvents(testCtx(t), &cwl.PutLogEventsInput{LogGroupName: &group, LogStreamName: &stream, LogEvents: ev}); err != nil {
		t.Fatal(err)
	}
}

func TestMetricFilters(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e, closeEnv := newQueryEnv(t, dir)
	g := "/app/api"
	e.group(t, g)
	put := func(name, pattern string, tr types.MetricTransformation) error {
		_, err := e.c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{
			LogGroupName: &g, FilterName: &name, FilterPattern: &pattern,
			MetricTransformations: []types.MetricTransformation{tr},
		})
		return err
	}
	latency := types.MetricTransformation{
		MetricName: aws.String("Latency"), MetricNamespace: aws.String("App"), MetricValue: aws.String("$.latency"),
		Dimensions: map[string]string{"Path": "$.path"}, Unit: types.StandardUnitMilliseconds,
	}
	if err := put("latency", `{ $.latency > 0 }`, latency); err != nil {
		t.Fatal(err)
	}
	errorsTr := types.MetricTransformation{MetricName: aws.String("Errors"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1"), DefaultValue: aws.Float64(0)}
	if err := put("errors", `ERROR -retry`, errorsTr); err != nil {
		t.Fatal(err)
	}
	status := types.MetricTransformation{MetricName: aws.String("Bytes"), MetricNamespace: aws.String("Web"), MetricValue: aws.String("$size")}
	if err := put("status-5xx", `[ip, user, ..., status=5*, size]`, status); err != nil {
		t.Fatal(err)
	}
	// Replacing keeps one filter of that name.
	if err := put("errors", `?ERROR ?FATAL`, errorsTr); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name, pattern string
		tr            types.MetricTransformation
		code, msg     string
	}{
		{"bad", `{ $.latency > }`, errorsTr, "InvalidParameterException", ""},
		{"dims", `ERROR`, types.MetricTransformation{MetricName: aws.String("E"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1"), Dimensions: map[string]string{"a": "$.a"}},
			"InvalidParameterException", "The specified filter pattern does not support dimensions"},
		{"dims-default", `{ $.a = 1 }`, types.MetricTransformation{MetricName: aws.String("E"), MetricNamespace: aws.String("App"), MetricValue: aws.String("1"), DefaultValue: aws.Float64(0), Dimensions: map[string]string{"a": "$.a"}},
			"InvalidParameterException", ""},
		{"value", `ERROR`, types.MetricTransformation{MetricName: aws.String("E"), MetricNamespace: aws.String("App"), MetricValue: aws.String("$.x")}, "InvalidParameterException", ""},
		{"field", `[a, b]`, types.MetricTransformation{MetricName: aws.String("E"), MetricNamespace: aws.String("App"), MetricValue: aws.String("$c")}, "InvalidParameterException", ""},
	} {
		err := put(tt.name, tt.pattern, tt.tr)
		wantAPIError(t, err, tt.code, tt.msg)
	}
	err := put("x", `{ $.a = }`, errorsTr)
	var ae smithy.APIError
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.ErrorMessage(), "Invalid metric filter pattern") {
		t.Fatalf("bad pattern: %v; want the message to start with Invalid metric filter pattern", err)
	}
	_, err = e.c.PutMetricFilter(ctx, &cwl.PutMetricFilterInput{LogGroupName: aws.String("/nope"), FilterName: aws.String("f"), FilterPattern: aws.String("x"), MetricTransformations: []types.MetricTransformation{errorsTr}})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	names := func(in cwl.DescribeMetricFiltersInput) []string {
		t.Helper()
		out, err := e.c.DescribeMetricFilters(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, f := range out.MetricFilters {
			n = append(n, aws.ToString(f.FilterName))
		}
		return n
	}
	if got := names(cwl.DescribeMetricFiltersInput{LogGroupName: &g}); !slices.Equal(got, []string{"errors", "latency", "status-5xx"}) {
		t.Fatalf("filters = %q", got)
	}
	if got := names(cwl.DescribeMetricFiltersInput{LogGroupName: &g, FilterNamePrefix: aws.String("lat")}); !slices.Equal(got, []string{"latency"}) {
		t.Fatalf("prefix lat = %q", got)
	}
	if got := names(cwl.DescribeMetricFiltersInput{MetricName: aws.String("Bytes"), MetricNamespace: aws.String("Web")}); !slices.Equal(got, []string{"status-5xx"}) {
		t.Fatalf("metric Web/Bytes = %q", got)
	}
	_, err = e.c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{MetricName: aws.String("Bytes")})
	wantAPIError(t, err, "InvalidParameterException", "")
	var paged []string
	p := cwl.NewDescribeMetricFiltersPaginator(e.c, &cwl.DescribeMetricFiltersInput{LogGroupName: &g, Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.MetricFilters {
			paged = append(paged, aws.ToString(f.FilterName))
		}
	}
	if !slices.Equal(paged, []string{"errors", "latency", "status-5xx"}) {
		t.Fatalf("paged = %q", paged)
	}
	out, err := e.c.DescribeMetricFilters(ctx, &cwl.DescribeMetricFiltersInput{LogGroupName: &g, FilterNamePrefix: aws.String("latency")})
	if err != nil {
		t.Fatal(err)
	}
	f := out.MetricFilters[0]
	tr := f.MetricTransformations[0]
	if aws.ToString(f.FilterPattern) != `{ $.latency > 0 }` || aws.ToInt64(f.CreationTime) == 0 || aws.ToString(f.LogGroupName) != g ||
		aws.ToString(tr.MetricValue) != "$.latency" || tr.Dimensions["Path"] != "$.path" || tr.Unit != types.StandardUnitMilliseconds {
		t.Fatalf("filter = %+v %+v", f, tr)
	}
	groups, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: &g})
	if err != nil || aws.ToInt32(groups.LogGroups[0].MetricFilterCount) != 3 {
		t.Fatalf("DescribeLogGroups = %+v, %v; want metricFilterCount 3", groups, err)
	}

	// Acknowledged filters survive a restart.
	closeEnv()
	e, _ = newQueryEnv(t, dir)
	if got := names(cwl.DescribeMetricFiltersInput{LogGroupName: &g}); len(got) != 3 {
		t.Fatalf("after reopen: %q", got)
	}
	if _, err := e.c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: &g, FilterName: aws.String("errors")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteMetricFilter(ctx, &cwl.DeleteMetricFilterInput{LogGroupName: &g, FilterName: aws.String("errors")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified metric filter does not exist.")
	// A filter dies with its group, and a new group of that name has none.
	if _, err := e.c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	e.group(t, g)
	if got := names(cwl.DescribeMetricFiltersInput{}); len(got) != 0 {
		t.Fatalf("filters of a deleted group = %q", got)
	}

	// The quota of 100 per group.
	for i := range logquery.MaxMetricFilters {
		if err := put(fmt.Sprintf("f%03d", i), "x", errorsTr); err != nil {
			t.Fatal(err)
		}
	}
	wantAPIError(t, put("one-more", "x", errorsTr), "LimitExceededException", "")
}

func TestTestMetricFilter(t *testing.T) {
	ctx := testCtx(t)
	e, _ := newQueryEnv(t, t.TempDir())
	msgs := []string{
		`127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`,
		`127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5872`,
		`not an access log line`,
	}
	out, err := e.c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{
		FilterPattern:    aws.String(`[ip, identity, user_id, timestamp, request, status_code = 5*, size]`),
		LogEventMessages: msgs,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Matches) != 1 {
		t.Fatalf("matches = %+v", out.Matches)
	}
	m := out.Matches[0]
	want := map[string]string{"$ip": "127.0.0.1", "$identity": "-", "$user_id": "frank", "$timestamp": "10/Oct/2000:13:35:22 -0700",
		"$request": "GET /apache_pb.gif HTTP/1.0", "$status_code": "500", "$size": "5872"}
	if m.EventNumber != 2 || aws.ToString(m.EventMessage) != msgs[1] || fmt.Sprint(m.ExtractedValues) != fmt.Sprint(want) {
		t.Fatalf("match = %d %q %v", m.EventNumber, aws.ToString(m.EventMessage), m.ExtractedValues)
	}
	out, err = e.c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String(`{ $.level = "ERROR" }`), LogEventMessages: []string{`{"level":"ERROR"}`, `{"level":"INFO"}`}})
	if err != nil || len(out.Matches) != 1 || out.Matches[0].ExtractedValues["$.level"] != "ERROR" {
		t.Fatalf("JSON test = %+v, %v", out, err)
	}
	_, err = e.c.TestMetricFilter(ctx, &cwl.TestMetricFilterInput{FilterPattern: aws.String(`Status: x`), LogEventMessages: []string{"x"}})
	wantAPIError(t, err, "InvalidParameterException", "Invalid metric filter pattern: Invalid character(s) in term ':': quote terms that hold characters other than letters, digits, '_', '-' and '.' (\"Status:\").")
}

func TestFilterLogEvents_JSONAndDelimited(t *testing.T) {
	ctx := testCtx(t)
	e, _ := newQueryEnv(t, t.TempDir())
	g := "/json"
	e.group(t, g, "s")
	e.putAt(t, g, "s", now(), `{"level":"ERROR","ms":900}`, `{"level":"ERROR","ms":10}`, `{"level":"INFO","ms":2000}`, `10.0.0.1 GET 503`, `10.0.0.2 GET 200`)
	for pattern, want := range map[string][]string{
		`{ $.level = "ERROR" && $.ms > 100 }`:   {`{"level":"ERROR","ms":900}`},
		`{ $.ms >= 900 || $.level NOT EXISTS }`: {`{"level":"ERROR","ms":900}`, `{"level":"INFO","ms":2000}`},
		`[ip, method, status=5*]`:               {`10.0.0.1 GET 503`},
	} {
		out, err := e.c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: &g, FilterPattern: aws.String(pattern)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, ev := range out.Events {
			got = append(got, aws.ToString(ev.Message))
		}
		if !slices.Equal(got, want) {
			t.Errorf("FilterLogEvents(%s) = %q; want %q", pattern, got, want)
		}
	}
}

// waitQuery polls GetQueryResults until the query leaves Scheduled and
// Running.
func waitQuery(t *testing.T, e *env, id string) *cwl.GetQueryResultsOutput {
	t.Helper()
	ctx := testCtx(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := e.c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: &id})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.QueryStatusScheduled && out.Status != types.QueryStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s still %s", id, out.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func row(fs []types.ResultField) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[aws.ToString(f.Field)] = aws.ToString(f.Value)
	}
	return m
}

func TestInsightsQueries(t *testing.T) {
	ctx := testCtx(t)
	e, _ := newQueryEnv(t, t.TempDir())
	g, g2 := "/svc/api", "/svc/worker"
	e.group(t, g, "web-1", "web-2")
	e.group(t, g2, "w")
	base := (time.Now().Add(-10*time.Minute).UnixMilli() / 60000) * 60000
	e.putAt(t, g, "web-1", base, `{"level":"INFO","latency":120,"path":"/a"}`, `{"level":"ERROR","latency":480,"path":"/b"}`)
	e.putAt(t, g, "web-2", base+60_000, `{"level":"ERROR","latency":30,"path":"/a"}`, `GET /health 200`)
	e.putAt(t, g2, "w", base+120_000, `job done in 5s`)
	start, end := base/1000-60, time.Now().Unix()+60

	start1 := func(q string, groups ...string) string {
		t.Helper()
		out, err := e.c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupNames: groups, StartTime: aws.Int64(start), EndTime: aws.Int64(end), QueryString: &q})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QueryId)
	}

	id := start1(`fields @timestamp, @message, @logStream, @log, level, latency | filter level = "ERROR" | sort latency desc`, g)
	res := waitQuery(t, e, id)
	if res.Status != types.QueryStatusComplete || len(res.Results) != 2 {
		t.Fatalf("results = %s %+v", res.Status, res.Results)
	}
	r0 := row(res.Results[0])
	if r0["latency"] != "480" || r0["@logStream"] != "web-1" || r0["@log"] != "123456789012:/svc/api" || r0["@ptr"] == "" ||
		r0["@timestamp"] != time.UnixMilli(base+1).UTC().Format("2006-01-02 15:04:05.000") {
		t.Fatalf("row = %v", r0)
	}
	if s := res.Statistics; s.RecordsScanned != 4 || s.RecordsMatched != 2 || s.BytesScanned == 0 || s.LogGroupsScanned != 1 {
		t.Fatalf("statistics = %+v", s)
	}

	id2 := start1(`stats count(*) as n, avg(latency) as avg by bin(1m) | sort bin(1m) asc`, g, g2)
	res = waitQuery(t, e, id2)
	var bins []string
	for _, r := range res.Results {
		m := row(r)
		bins = append(bins, m["n"]+"/"+m["avg"])
		if _, ok := m["@ptr"]; ok {
			t.Fatal("stats rows have no @ptr")
		}
	}
	if !slices.Equal(bins, []string{"2/300", "2/30", "1/"}) {
		t.Fatalf("bins = %q", bins)
	}

	id3 := start1(`parse @message "job done in *s" as secs | filter ispresent(secs) | display secs`, g2)
	if r := waitQuery(t, e, id3); len(r.Results) != 1 || row(r.Results[0])["secs"] != "5" {
		t.Fatalf("parse = %+v", r.Results)
	}

	// Identifiers by ARN and a query limit.
	out, err := e.c.StartQuery(ctx, &cwl.StartQueryInput{
		LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:123456789012:log-group:" + g},
		StartTime:           aws.Int64(start), EndTime: aws.Int64(end), QueryString: aws.String("fields @message"), Limit: aws.Int32(1),
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := waitQuery(t, e, aws.ToString(out.QueryId)); len(r.Results) != 1 || row(r.Results[0])["@message"] != "GET /health 200" {
		t.Fatalf("limit 1 = %+v", r.Results)
	}

	// Malformed queries: MalformedQueryException with the location.
	_, err = e.c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupName: &g, StartTime: aws.Int64(start), EndTime: aws.Int64(end), QueryString: aws.String("fields @message | frobnicate")})
	var mq *types.MalformedQueryException
	if !errors.As(err, &mq) || mq.QueryCompileError == nil || mq.QueryCompileError.Location == nil ||
		aws.ToInt32(mq.QueryCompileError.Location.StartCharOffset) != 18 || aws.ToInt32(mq.QueryCompileError.Location.EndCharOffset) != 28 {
		t.Fatalf("malformed query: %v (%+v)", err, mq)
	}
	for _, tt := range []struct {
		in   cwl.StartQueryInput
		code string
	}{
		{cwl.StartQueryInput{LogGroupName: aws.String("/missing"), QueryString: aws.String("fields @message")}, "ResourceNotFoundException"},
		{cwl.StartQueryInput{LogGroupName: &g, LogGroupNames: []string{g}, QueryString: aws.String("fields @message")}, "InvalidParameterException"},
		{cwl.StartQueryInput{LogGroupName: &g, QueryString: aws.String("fields @message"), QueryLanguage: types.QueryLanguagePpl}, "InvalidParameterException"},
		{cwl.StartQueryInput{LogGroupName: &g, StartTime: aws.Int64(10), EndTime: aws.Int64(5), QueryString: aws.String("fields @message")}, "InvalidParameterException"},
	} {
		if tt.in.StartTime == nil {
			tt.in.StartTime, tt.in.EndTime = aws.Int64(start), aws.Int64(end)
		}
		_, err := e.c.StartQuery(ctx, &tt.in)
		wantAPIError(t, err, tt.code, "")
	}

	// StopQuery of a finished query does nothing.
	stop, err := e.c.StopQuery(ctx, &cwl.StopQueryInput{QueryId: &id})
	if err != nil || stop.Success {
		t.Fatalf("StopQuery(complete) = %+v, %v", stop, err)
	}
	_, err = e.c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: aws.String("00000000-0000-0000-0000-000000000000")})
	wantAPIError(t, err, "ResourceNotFoundException", "")

	dq, err := e.c.DescribeQueries(ctx, &cwl.DescribeQueriesInput{LogGroupName: &g2})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range dq.Queries {
		ids = append(ids, aws.ToString(q.QueryId))
		if q.Status != types.QueryStatusComplete || aws.ToInt64(q.CreateTime) == 0 || q.QueryLanguage != types.QueryLanguageCwli {
			t.Fatalf("query info = %+v", q)
		}
	}
	if !slices.Equal(ids, []string{id3, id2}) {
		t.Fatalf("DescribeQueries(%s) = %q; want newest first %q", g2, ids, []string{id3, id2})
	}
	all, err := e.c.DescribeQueries(ctx, &cwl.DescribeQueriesInput{Status: types.QueryStatusComplete, MaxResults: aws.Int32(2)})
	if err != nil || len(all.Queries) != 2 || all.NextToken == nil {
		t.Fatalf("DescribeQueries page = %+v, %v", all, err)
	}
	lg, err := e.c.ListLogGroupsForQuery(ctx, &cwl.ListLogGroupsForQueryInput{QueryId: &id2})
	if err != nil || !slices.Equal(lg.LogGroupIdentifiers, []string{"arn:aws:logs:us-east-1:123456789012:log-group:/svc/api", "arn:aws:logs:us-east-1:123456789012:log-group:/svc/worker"}) {
		t.Fatalf("ListLogGroupsForQuery = %+v, %v", lg, err)
	}

	// Field discovery.
	fields, err := e.c.GetLogGroupFields(ctx, &cwl.GetLogGroupFieldsInput{LogGroupName: &g, Time: aws.Int64(base/1000 + 60)})
	if err != nil {
		t.Fatal(err)
	}
	pct := map[string]int32{}
	for _, f := range fields.LogGroupFields {
		pct[aws.ToString(f.Name)] = f.Percent
	}
	if pct["@message"] != 100 || pct["level"] != 75 || pct["path"] != 75 {
		t.Fatalf("fields = %v", pct)
	}
}

func TestInsightsQuery_ResumedAfterRestart(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e, closeEnv := newQueryEnv(t, dir)
	g := "/r"
	e.group(t, g, "s")
	e.putAt(t, g, "s", now(), "a", "b", "c")
	out, err := e.c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupName: &g, StartTime: aws.Int64(0), EndTime: aws.Int64(time.Now().Unix() + 60), QueryString: aws.String("stats count(*) as n")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.QueryId)
	closeEnv() // the query may not have finished: it runs again on open
	e, _ = newQueryEnv(t, dir)
	res := waitQuery(t, e, id)
	if res.Status != types.QueryStatusComplete || len(res.Results) != 1 || row(res.Results[0])["n"] != "3" {
		t.Fatalf("after restart: %s %+v", res.Status, res.Results)
	}
}

func TestQueryDefinitions(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e, closeEnv := newQueryEnv(t, dir)
	put, err := e.c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{Name: aws.String("errors/by-path"), QueryString: aws.String("filter level = 'ERROR' | stats count(*) by path"), LogGroupNames: []string{"/svc/api"}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(put.QueryDefinitionId)
	if _, err := e.c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{Name: aws.String("latency"), QueryString: aws.String("stats avg(latency)")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{QueryDefinitionId: &id, Name: aws.String("errors/by-path"), QueryString: aws.String("filter level = 'ERROR' | stats count(*) as n by path")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.PutQueryDefinition(ctx, &cwl.PutQueryDefinitionInput{QueryDefinitionId: aws.String("6b6c0f8e-0000-4000-8000-000000000000"), Name: aws.String("x"), QueryString: aws.String("fields @message")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	closeEnv()
	e, _ = newQueryEnv(t, dir)
	d, err := e.c.DescribeQueryDefinitions(ctx, &cwl.DescribeQueryDefinitionsInput{QueryDefinitionNamePrefix: aws.String("errors/")})
	if err != nil || len(d.QueryDefinitions) != 1 {
		t.Fatalf("DescribeQueryDefinitions = %+v, %v", d, err)
	}
	qd := d.QueryDefinitions[0]
	if aws.ToString(qd.QueryDefinitionId) != id || !strings.Contains(aws.ToString(qd.QueryString), "as n by path") || len(qd.LogGroupNames) != 0 || aws.ToInt64(qd.LastModified) == 0 {
		t.Fatalf("definition = %+v", qd)
	}
	all, err := e.c.DescribeQueryDefinitions(ctx, &cwl.DescribeQueryDefinitionsInput{MaxResults: aws.Int32(1)})
	if err != nil || len(all.QueryDefinitions) != 1 || all.NextToken == nil {
		t.Fatalf("page = %+v, %v", all, err)
	}
	if del, err := e.c.DeleteQueryDefinition(ctx, &cwl.DeleteQueryDefinitionInput{QueryDefinitionId: &id}); err != nil || !del.Success {
		t.Fatalf("DeleteQueryDefinition = %+v, %v", del, err)
	}
	_, err = e.c.DeleteQueryDefinition(ctx, &cwl.DeleteQueryDefinitionInput{QueryDefinitionId: &id})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}

func TestQueryRefusals(t *testing.T) {
	ctx := testCtx(t)
	e, _ := newQueryEnv(t, t.TempDir())
	var ae smithy.APIError
	_, err := e.c.StartLiveTail(ctx, &cwl.StartLiveTailInput{LogGroupIdentifiers: []string{"arn:aws:logs:us-east-1:123456789012:log-group:/g"}})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidOperationException" || !strings.Contains(ae.ErrorMessage(), "aws logs tail --follow") {
		t.Fatalf("StartLiveTail = %v", err)
	}
	_, err = e.c.ListLogAnomalyDetectors(ctx, &cwl.ListLogAnomalyDetectorsInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidOperationException" || !strings.Contains(ae.ErrorMessage(), "ListLogAnomalyDetectors") {
		t.Fatalf("ListLogAnomalyDetectors = %v", err)
	}
}

func TestIndexPolicies(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e, closeEnv := newQueryEnv(t, dir)
	g := "/idx"
	e.group(t, g, "s")
	base := now()
	e.putAt(t, g, "s", base, `{"requestId":"r1","status":200}`, `plain text`, `{"requestId":"r2","api":"Get"}`)
	doc := `{"Fields":["requestId"],"FieldsV2":{"api":{"type":"FACET"},"absent":{"type":"FIELD_INDEX"}}}`
	put, err := e.c.PutIndexPolicy(ctx, &cwl.PutIndexPolicyInput{LogGroupIdentifier: &g, PolicyDocument: &doc})
	if err != nil {
		t.Fatal(err)
	}
	if p := put.IndexPolicy; aws.ToString(p.LogGroupIdentifier) != "arn:aws:logs:us-east-1:123456789012:log-group:/idx" || aws.ToString(p.PolicyDocument) != doc || p.Source != types.IndexSourceLogGroup {
		t.Fatalf("indexPolicy = %+v", p)
	}
	for _, bad := range []string{`{}`, `{"Fields":["a"],"FieldsV2":{"a":{"type":"FACET"}}}`, `{"FieldsV2":{"a":{"type":"NOPE"}}}`, `{"Other":1}`, `not json`} {
		_, err := e.c.PutIndexPolicy(ctx, &cwl.PutIndexPolicyInput{LogGroupIdentifier: &g, PolicyDocument: aws.String(bad)})
		wantAPIError(t, err, "InvalidParameterException", "")
	}
	_, err = e.c.PutIndexPolicy(ctx, &cwl.PutIndexPolicyInput{LogGroupIdentifier: aws.String("/missing"), PolicyDocument: &doc})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	closeEnv()
	e, _ = newQueryEnv(t, dir)
	d, err := e.c.DescribeIndexPolicies(ctx, &cwl.DescribeIndexPoliciesInput{LogGroupIdentifiers: []string{g}})
	if err != nil || len(d.IndexPolicies) != 1 || aws.ToString(d.IndexPolicies[0].PolicyDocument) != doc || aws.ToInt64(d.IndexPolicies[0].LastUpdateTime) == 0 {
		t.Fatalf("DescribeIndexPolicies after a restart = %+v, %v", d, err)
	}
	fi, err := e.c.DescribeFieldIndexes(ctx, &cwl.DescribeFieldIndexesInput{LogGroupIdentifiers: []string{g}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fi.FieldIndexes {
		got = append(got, fmt.Sprintf("%s:%s:%s:%d-%d", aws.ToString(f.FieldIndexName), f.IndexCategory, f.Type, aws.ToInt64(f.FirstEventTime)-base, aws.ToInt64(f.LastEventTime)-base))
	}
	if want := []string{"@logStream:DEFAULT:FIELD_INDEX:0-2", "api:CUSTOM:FACET:2-2", "requestId:CUSTOM:FIELD_INDEX:0-2"}; !slices.Equal(got, want) {
		t.Fatalf("DescribeFieldIndexes = %q; want %q", got, want)
	}
	if _, err := e.c.DeleteIndexPolicy(ctx, &cwl.DeleteIndexPolicyInput{LogGroupIdentifier: &g}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteIndexPolicy(ctx, &cwl.DeleteIndexPolicyInput{LogGroupIdentifier: &g})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	if d, err := e.c.DescribeIndexPolicies(ctx, &cwl.DescribeIndexPoliciesInput{LogGroupIdentifiers: []string{g}}); err != nil || len(d.IndexPolicies) != 0 {
		t.Fatalf("DescribeIndexPolicies after delete = %+v, %v", d, err)
	}
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestScheduledQueries(t *testing.T) {
	ctx := testCtx(t)
	dir, s3 := t.TempDir(), t.TempDir()
	clk := &testClock{t: time.Now()}
	e, q, closeEnv := newQueryEnvWith(t, dir, logquery.Options{Now: clk.now, S3Dir: s3})
	g := "/sched"
	e.group(t, g, "s")
	e.putAt(t, g, "s", now(), `{"level":"ERROR"}`, `{"level":"INFO"}`, `{"level":"ERROR"}`)
	create := cwl.CreateScheduledQueryInput{
		Name: aws.String("errors"), QueryLanguage: types.QueryLanguageCwli,
		QueryString:         aws.String(`filter level = "ERROR" | stats count(*) as n`),
		LogGroupIdentifiers: []string{g}, ScheduleExpression: aws.String("rate(1 minute)"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/logs"),
		DestinationConfiguration: &types.DestinationConfiguration{S3Configuration: &types.S3Configuration{
			DestinationIdentifier: aws.String("s3://reports/hourly"), RoleArn: aws.String("arn:aws:iam::123456789012:role/s3"),
		}},
	}
	out, err := e.c.CreateScheduledQuery(ctx, &create)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ScheduledQueryArn)
	if arn != "arn:aws:logs:us-east-1:123456789012:scheduled-query:errors" || out.State != types.ScheduledQueryStateEnabled {
		t.Fatalf("CreateScheduledQuery = %s %s", arn, out.State)
	}
	_, err = e.c.CreateScheduledQuery(ctx, &create)
	wantAPIError(t, err, "ConflictException", "")
	for name, mutate := range map[string]func(*cwl.CreateScheduledQueryInput){
		"bad schedule": func(in *cwl.CreateScheduledQueryInput) { in.ScheduleExpression = aws.String("every minute") },
		"bad cron":     func(in *cwl.CreateScheduledQueryInput) { in.ScheduleExpression = aws.String("cron(0 12 L * ? *)") },
		"bad query":    func(in *cwl.CreateScheduledQueryInput) { in.QueryString = aws.String("stats nope(x)") },
		"bad timezone": func(in *cwl.CreateScheduledQueryInput) { in.Timezone = aws.String("Mars/Olympus") },
		"bad offsets": func(in *cwl.CreateScheduledQueryInput) {
			in.StartTimeOffset, in.EndTimeOffset = aws.Int64(60), aws.Int64(120)
		},
		"bad s3": func(in *cwl.CreateScheduledQueryInput) {
			in.DestinationConfiguration = &types.DestinationConfiguration{S3Configuration: &types.S3Configuration{DestinationIdentifier: aws.String("s3://ab..cd/x"), RoleArn: aws.String("arn:aws:iam::123456789012:role/s3")}}
		},
	} {
		in := create
		in.Name = aws.String("other")
		mutate(&in)
		_, err := e.c.CreateScheduledQuery(ctx, &in)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
			t.Errorf("%s: %v; want ValidationException", name, err)
		}
	}
	missing := create
	missing.Name, missing.LogGroupIdentifiers = aws.String("other"), []string{"/missing"}
	_, err = e.c.CreateScheduledQuery(ctx, &missing)
	wantAPIError(t, err, "ResourceNotFoundException", "")
	cron := create
	cron.Name, cron.ScheduleExpression, cron.Timezone, cron.DestinationConfiguration = aws.String("daily"), aws.String("cron(30 6 * * ? *)"), aws.String("Europe/Paris"), nil
	if _, err := e.c.CreateScheduledQuery(ctx, &cron); err != nil {
		t.Fatal(err)
	}

	// The schedule comes due: the query runs and its results land in S3.
	clk.add(61 * time.Second)
	if n, err := q.RunDue(ctx); err != nil || n != 1 {
		t.Fatalf("RunDue = %d, %v; want 1 run", n, err)
	}
	h, err := e.c.GetScheduledQueryHistory(ctx, &cwl.GetScheduledQueryHistoryInput{Identifier: aws.String("errors"), StartTime: aws.Int64(0), EndTime: aws.Int64(clk.now().Add(time.Hour).UnixMilli())})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.TriggerHistory) != 1 || h.TriggerHistory[0].ExecutionStatus != types.ExecutionStatusComplete || len(h.TriggerHistory[0].Destinations) != 1 {
		t.Fatalf("history = %+v", h.TriggerHistory)
	}
	run := h.TriggerHistory[0]
	d := run.Destinations[0]
	qid := aws.ToString(run.QueryId)
	if d.Status != types.ActionStatusComplete || aws.ToString(d.ProcessedIdentifier) != "s3://reports/hourly/errors/"+qid+".json" {
		t.Fatalf("destination = %+v", d)
	}
	body, err := os.ReadFile(filepath.Join(s3, "reports", "hourly", "errors", qid+".json"))
	if err != nil || !strings.Contains(string(body), `"value": "2"`) {
		t.Fatalf("delivered object = %s, %v", body, err)
	}
	if r, err := e.c.GetQueryResults(ctx, &cwl.GetQueryResultsInput{QueryId: &qid}); err != nil || len(r.Results) != 1 || row(r.Results[0])["n"] != "2" {
		t.Fatalf("GetQueryResults of the run = %+v, %v", r, err)
	}
	got, err := e.c.GetScheduledQuery(ctx, &cwl.GetScheduledQueryInput{Identifier: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if got.LastExecutionStatus != types.ExecutionStatusComplete || aws.ToInt64(got.LastTriggeredTime) == 0 || aws.ToInt64(got.StartTimeOffset) != logquery.DefaultStartTimeOffset ||
		aws.ToString(got.DestinationConfiguration.S3Configuration.DestinationIdentifier) != "s3://reports/hourly" || got.ScheduleType != types.ScheduleTypeCustomerManaged {
		t.Fatalf("GetScheduledQuery = %+v", got)
	}

	// Disabled, it does not run.
	upd := cwl.UpdateScheduledQueryInput{
		Identifier: aws.String("errors"), QueryLanguage: types.QueryLanguageCwli, QueryString: create.QueryString,
		LogGroupIdentifiers: []string{g}, ScheduleExpression: aws.String("rate(1 minute)"), ExecutionRoleArn: create.ExecutionRoleArn,
		State: types.ScheduledQueryStateDisabled,
	}
	if u, err := e.c.UpdateScheduledQuery(ctx, &upd); err != nil || u.State != types.ScheduledQueryStateDisabled || u.DestinationConfiguration != nil {
		t.Fatalf("UpdateScheduledQuery = %+v, %v", u, err)
	}
	clk.add(2 * time.Minute)
	if n, err := q.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("RunDue of a disabled query = %d, %v", n, err)
	}

	// Stored across a restart.
	closeEnv()
	e, _, _ = newQueryEnvWith(t, dir, logquery.Options{Now: clk.now, S3Dir: s3})
	l, err := e.c.ListScheduledQueries(ctx, &cwl.ListScheduledQueriesInput{})
	if err != nil || len(l.ScheduledQueries) != 2 || aws.ToString(l.ScheduledQueries[0].Name) != "daily" || l.ScheduledQueries[1].LastExecutionStatus != types.ExecutionStatusComplete {
		t.Fatalf("ListScheduledQueries = %+v, %v", l, err)
	}
	if l, err := e.c.ListScheduledQueries(ctx, &cwl.ListScheduledQueriesInput{State: types.ScheduledQueryStateDisabled}); err != nil || len(l.ScheduledQueries) != 1 {
		t.Fatalf("ListScheduledQueries DISABLED = %+v, %v", l, err)
	}
	if _, err := e.c.DeleteScheduledQuery(ctx, &cwl.DeleteScheduledQueryInput{Identifier: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetScheduledQuery(ctx, &cwl.GetScheduledQueryInput{Identifier: &arn})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = e.c.DeleteScheduledQuery(ctx, &cwl.DeleteScheduledQueryInput{Identifier: &arn})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}
