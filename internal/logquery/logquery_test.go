package logquery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T, opts Options) (*Service, *logs.Store) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := logs.Open(ctx, db, logs.Options{Now: opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := Open(ctx, db, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := st.CreateLogGroup(ctx, "/g"); err != nil {
		t.Fatal(err)
	}
	return s, st
}

func wait(t *testing.T, s *Service, id string) QueryResults {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := s.GetQueryResults(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != StatusScheduled && r.Status != StatusRunning {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s still %s", id, r.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestQueryTimeout(t *testing.T) {
	s, _ := open(t, Options{QueryTimeout: time.Nanosecond})
	id, err := s.StartQuery(context.Background(), QueryRequest{Groups: []string{"/g"}, EndTime: 10, QueryString: "fields @message"})
	if err != nil {
		t.Fatal(err)
	}
	if r := wait(t, s, id); r.Status != StatusTimeout {
		t.Fatalf("status = %s; want %s", r.Status, StatusTimeout)
	}
}

func TestQueryRetention(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	s, _ := open(t, Options{Now: c.now})
	ctx := context.Background()
	id, err := s.StartQuery(ctx, QueryRequest{Groups: []string{"/g"}, EndTime: 10, QueryString: "stats count(*)"})
	if err != nil {
		t.Fatal(err)
	}
	if r := wait(t, s, id); r.Status != StatusComplete {
		t.Fatalf("status = %s", r.Status)
	}
	c.add(ResultRetention - time.Minute)
	if _, err := s.GetQueryResults(ctx, id); err != nil {
		t.Fatalf("results within %v: %v", ResultRetention, err)
	}
	c.add(2 * time.Minute)
	if _, err := s.GetQueryResults(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("results after %v = %v; want ErrNotFound", ResultRetention, err)
	}
	if qs, _, err := s.DescribeQueries(ctx, DescribeQuery{}); err != nil || len(qs) != 0 {
		t.Fatalf("DescribeQueries after the retention = %v, %v", qs, err)
	}
}

func TestPointer(t *testing.T) {
	e := logs.ScannedEvent{StoredEvent: logs.StoredEvent{ID: 42, Stream: "s", Timestamp: 1, IngestionTime: 2, Message: "m"}, Group: "/a/b"}
	ref, ok := ParsePointer(Pointer(e))
	if !ok || ref.Group != "/a/b" || ref.ID != 42 || ref.Digest != eventDigest(e) {
		t.Fatalf("ParsePointer = %+v %v", ref, ok)
	}
	other := e
	other.Message = "n"
	if eventDigest(other) == ref.Digest {
		t.Fatal("two events have the same digest")
	}
	for _, bad := range []string{"", "!!", encodeToken("/a/b", "42"), encodeToken("", "42", ref.Digest), encodeToken("/a/b", "x", ref.Digest), encodeToken("/a/b", "0", ref.Digest), encodeToken("/a/b", "42", "short"), encodeToken("/a/b", "42", "0123456789abcdeZ")} {
		if ref, ok := ParsePointer(bad); ok {
			t.Errorf("ParsePointer(%q) = %+v; want it refused", bad, ref)
		}
	}
}

func TestCheckTransformation(t *testing.T) {
	zero := 0.0
	for _, tt := range []struct {
		pattern string
		tr      Transformation
		ok      bool
	}{
		{`{ $.a = 1 }`, Transformation{MetricName: "m", MetricNamespace: "n", MetricValue: "$.b.c"}, true},
		{`[a, b]`, Transformation{MetricName: "m", MetricNamespace: "n", MetricValue: "$b", Dimensions: map[string]string{"A": "$a"}}, true},
		{`x`, Transformation{MetricName: "m", MetricNamespace: "n", MetricValue: "2.5", DefaultValue: &zero}, true},
		{`x`, Transformation{MetricName: "m", MetricNamespace: "n", MetricValue: "$x"}, false},
		{`{ $.a = 1 }`, Transformation{MetricName: "m", MetricNamespace: "n", MetricValue: "1", DefaultValue: &zero, Dimensions: map[string]string{"A": "$.a"}}, false},
		{`{ $.a = 1 }`, Transformation{MetricName: "m", MetricNamespace: "n", MetricValue: "1", Dimensions: map[string]string{"A": "$.a", "B": "$.b", "C": "$.c", "D": "$.d"}}, false},
		{`{ $.a = 1 }`, Transformation{MetricName: "m", MetricNamespace: "n", MetricValue: "1", Dimensions: map[string]string{"A": "literal"}}, false},
		{`{ $.a = 1 }`, Transformation{MetricName: "m:x", MetricNamespace: "n", MetricValue: "1"}, false},
		{`{ $.a = 1 }`, Transformation{MetricName: "m", MetricValue: "1"}, false},
	} {
		p, err := ParsePattern(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkTransformation(p, tt.tr); (err == nil) != tt.ok {
			t.Errorf("checkTransformation(%q, %+v) = %v; want ok %v", tt.pattern, tt.tr, err, tt.ok)
		}
	}
}

func TestSchedule(t *testing.T) {
	at := time.Date(2026, 3, 29, 0, 10, 0, 0, time.UTC) // the night Paris moves to summer time
	for _, tt := range []struct {
		expr, tz string
		want     time.Time
	}{
		{"rate(5 minutes)", "", at.Add(5 * time.Minute)},
		{"rate(1 hour)", "", at.Add(time.Hour)},
		{"rate(2 days)", "", at.Add(48 * time.Hour)},
		{"cron(30 6 * * ? *)", "", time.Date(2026, 3, 29, 6, 30, 0, 0, time.UTC)},
		{"cron(30 6 * * ? *)", "Europe/Paris", time.Date(2026, 3, 29, 4, 30, 0, 0, time.UTC)},
		{"0 */2 * * *", "", time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC)},
		{"cron(0 9 ? * MON-FRI *)", "", time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC)},
	} {
		s, err := parseSchedule(tt.expr, tt.tz)
		if err != nil {
			t.Errorf("parseSchedule(%q, %q) = %v", tt.expr, tt.tz, err)
			continue
		}
		if got := s.Next(at); !got.Equal(tt.want) {
			t.Errorf("%s in %q: next after %v = %v; want %v", tt.expr, tt.tz, at, got.UTC(), tt.want)
		}
	}
	for _, bad := range []string{"rate(0 minutes)", "rate(5 weeks)", "cron(0 12 L * ? *)", "cron(0 12 * * ? 2030)", "cron(1 2 3)", "every day", "cron(61 * * * ? *)"} {
		if _, err := parseSchedule(bad, ""); !errors.Is(err, ErrValidation) {
			t.Errorf("parseSchedule(%q) = %v; want ErrValidation", bad, err)
		}
	}
	s, _ := parseSchedule("rate(1 hour)", "")
	q := &ScheduledQuery{ScheduleStart: at.Add(3 * time.Hour).UnixMilli(), ScheduleEnd: at.Add(10 * time.Hour).UnixMilli()}
	if got := nextRun(s, q, at); got != q.ScheduleStart {
		t.Errorf("nextRun before the schedule's start = %v", time.UnixMilli(got).UTC())
	}
	if got := nextRun(s, q, at.Add(10*time.Hour)); got != 0 {
		t.Errorf("nextRun after the schedule's end = %v; want 0", got)
	}
}

func TestStopQuery_Running(t *testing.T) {
	reading := make(chan struct{}, 1)
	testHookEvent = func(ctx context.Context) {
		select {
		case reading <- struct{}{}:
		default:
		}
		<-ctx.Done() // the query runs until it is stopped
	}
	t.Cleanup(func() { testHookEvent = nil })
	s, st := open(t, Options{})
	ctx := context.Background()
	if err := st.CreateLogStream(ctx, "/g", "s"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutLogEvents(ctx, "/g", "s", []logs.Event{{Timestamp: time.Now().UnixMilli(), Message: "x"}}); err != nil {
		t.Fatal(err)
	}
	id, err := s.StartQuery(ctx, QueryRequest{Groups: []string{"/g"}, EndTime: time.Now().Unix() + 60, QueryString: "fields @message"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-reading:
	case <-time.After(10 * time.Second):
		t.Fatal("the query never read an event")
	}
	if r, err := s.GetQueryResults(ctx, id); err != nil || r.Status != StatusRunning {
		t.Fatalf("while reading: %+v, %v; want Running", r, err)
	}
	if ok, err := s.StopQuery(ctx, id); err != nil || !ok {
		t.Fatalf("StopQuery = %v, %v; want true", ok, err)
	}
	if r := wait(t, s, id); r.Status != StatusCancelled {
		t.Fatalf("status = %s; want %s", r.Status, StatusCancelled)
	}
	if ok, err := s.StopQuery(ctx, id); err != nil || ok {
		t.Fatalf("StopQuery of a cancelled query = %v, %v; want false", ok, err)
	}
}
