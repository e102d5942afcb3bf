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
	g, id, ok := ParsePointer(Pointer("/a/b", 42))
	if !ok || g != "/a/b" || id != 42 {
		t.Fatalf("ParsePointer = %q %d %v", g, id, ok)
	}
	if _, _, ok := ParsePointer("!!"); ok {
		t.Fatal("ParsePointer accepted garbage")
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
