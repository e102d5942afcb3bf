package logsapi_test

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/ecsrun/ecsrun/internal/logquery"
	"github.com/ecsrun/ecsrun/internal/logs"
)

// TestGetLogRecord reads back, with GetLogRecord, the @ptr of a Logs
// Insights query's row: the record has every field the query's record has
// (the JSON fields flattened with dots), timestamps in epoch milliseconds.
func TestGetLogRecord(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e, closeEnv := newQueryEnv(t, dir)
	g, s := "/app/rec", "web/1"
	e.group(t, g, s)
	ts := time.Now().Add(-time.Minute).UnixMilli()
	msg := `{"level":"ERROR","http":{"status":503,"path":"/pay"},"tags":["a","b"],"ok":false,"latency":12.5}`
	e.putAt(t, g, s, ts, msg, "plain text line")
	evs, err := e.c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: &g, LogStreamName: &s, StartFromHead: aws.Bool(true)})
	if err != nil || len(evs.Events) != 2 {
		t.Fatalf("GetLogEvents = %+v %v", evs, err)
	}
	ingested := aws.ToInt64(evs.Events[0].IngestionTime)

	query := func(q string) map[string]string {
		t.Helper()
		out, err := e.c.StartQuery(ctx, &cwl.StartQueryInput{LogGroupName: &g, StartTime: aws.Int64(ts/1000 - 60), EndTime: aws.Int64(time.Now().Unix() + 60), QueryString: &q})
		if err != nil {
			t.Fatal(err)
		}
		res := waitQuery(t, e, aws.ToString(out.QueryId))
		if res.Status != types.QueryStatusComplete || len(res.Results) != 1 {
			t.Fatalf("%s: results = %s %+v", q, res.Status, res.Results)
		}
		return row(res.Results[0])
	}
	get := func(ptr string, unmask bool) map[string]string {
		t.Helper()
		out, err := e.c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: &ptr, Unmask: unmask})
		if err != nil {
			t.Fatalf("GetLogRecord(%s): %v", ptr, err)
		}
		return out.LogRecord
	}

	r := query(`filter level = "ERROR"`)
	ptr := r["@ptr"]
	if ptr == "" {
		t.Fatalf("row has no @ptr: %v", r)
	}
	want := map[string]string{
		"@timestamp":     strconv.FormatInt(ts, 10),
		"@ingestionTime": strconv.FormatInt(ingested, 10),
		"@message":       msg,
		"@logStream":     s,
		"@log":           "123456789012:" + g,
		"level":          "ERROR",
		"http.status":    "503",
		"http.path":      "/pay",
		"tags.0":         "a",
		"tags.1":         "b",
		"ok":             "false",
		"latency":        "12.5",
	}
	rec := get(ptr, false)
	if !maps.Equal(rec, want) {
		t.Fatalf("logRecord = %v\nwant %v", rec, want)
	}
	// The same fields as the query's row (which adds @ptr), with the same
	// values but for the times, which the row shows as dates.
	for f, v := range r {
		switch f {
		case "@ptr":
		case "@timestamp", "@ingestionTime":
			ms, _ := strconv.ParseInt(rec[f], 10, 64)
			if got := time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000"); got != v {
				t.Errorf("%s: record %s (%s), row %s", f, rec[f], got, v)
			}
		default:
			if rec[f] != v {
				t.Errorf("%s: record %q, row %q", f, rec[f], v)
			}
		}
	}
	if len(rec) != len(r)-1 {
		t.Errorf("record fields %v, row fields %v", slices.Sorted(maps.Keys(rec)), slices.Sorted(maps.Keys(r)))
	}
	// No data protection locally: unmask gives the same record.
	if um := get(ptr, true); !maps.Equal(um, want) {
		t.Fatalf("unmasked logRecord = %v", um)
	}

	// A message that is not JSON has only the built-in fields.
	plain := query(`fields @message | filter @message like /plain/`)["@ptr"]
	want2 := map[string]string{
		"@timestamp":     strconv.FormatInt(ts+1, 10),
		"@ingestionTime": strconv.FormatInt(aws.ToInt64(evs.Events[1].IngestionTime), 10),
		"@message":       "plain text line",
		"@logStream":     s,
		"@log":           "123456789012:" + g,
	}
	if got := get(plain, false); !maps.Equal(got, want2) {
		t.Fatalf("logRecord = %v\nwant %v", got, want2)
	}

	// A pointer that is not a @ptr, and one whose event never was.
	_, err = e.c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: aws.String("not a pointer")})
	wantErrContains(t, err, "InvalidParameterException", "logRecordPointer", "@ptr")
	_, err = e.c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: aws.String(logquery.Pointer(logs.ScannedEvent{Group: g, StoredEvent: logs.StoredEvent{ID: 1 << 40}}))})
	wantErrContains(t, err, "ResourceNotFoundException", g)

	// Pointers stay valid across a restart.
	closeEnv()
	e, _ = newQueryEnv(t, dir)
	if got := get(ptr, false); !maps.Equal(got, want) {
		t.Fatalf("after restart, logRecord = %v", got)
	}

	// The event of a deleted log group is gone.
	if _, err := e.c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: &ptr})
	wantErrContains(t, err, "ResourceNotFoundException", "log group does not exist", g)
	// A group of the same name created again does not hold the old event.
	e.group(t, g, s)
	e.putAt(t, g, s, ts, "new")
	_, err = e.c.GetLogRecord(ctx, &cwl.GetLogRecordInput{LogRecordPointer: &ptr})
	wantErrContains(t, err, "ResourceNotFoundException", "log event does not exist")
}
