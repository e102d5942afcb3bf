package logsdelivery_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsdelivery"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/store"
)

// fakeLambda records the invocations it receives, by function name, and
// fails while failing is set.
type fakeLambda struct {
	mu      sync.Mutex
	calls   map[string][][]byte
	failing bool
}

func (f *fakeLambda) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// POST /2015-03-31/functions/<name>/invocations
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions/"), "/invocations")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.Write([]byte(`{"errorMessage":"boom"}`))
		return
	}
	f.calls[name] = append(f.calls[name], body)
	w.Write([]byte(`null`))
}

func (f *fakeLambda) take(name string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls[name]
	delete(f.calls, name)
	return c
}

func open(t *testing.T, dir string) (*logs.Store, *logsres.Store) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ls, err := logs.Open(ctx, db, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	rs, err := logsres.Open(ctx, ls, logsres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ls, rs
}

func TestFollower_DeliversMatchingEventsToLambda(t *testing.T) {
	ctx := context.Background()
	fake := &fakeLambda{calls: map[string][][]byte{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	client := lambda.New(lambda.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""), RetryMaxAttempts: 1,
	})
	dir := t.TempDir()
	ls, rs := open(t, dir)
	f := &logsdelivery.Follower{Logs: ls, Res: rs, Invoke: logsdelivery.LambdaInvoker(client), Account: "000000000000"}

	if err := ls.CreateLogGroup(ctx, "/app"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		if err := ls.CreateLogStream(ctx, "/app", s); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UnixMilli()
	put := func(stream string, msgs ...string) {
		t.Helper()
		var ev []logs.Event
		for _, m := range msgs {
			ev = append(ev, logs.Event{Timestamp: now, Message: m})
		}
		if _, err := ls.PutLogEvents(ctx, "/app", stream, ev); err != nil {
			t.Fatal(err)
		}
	}
	// Events before the filter exists are not delivered.
	put("a", "ERROR before")
	fn := "arn:aws:lambda:us-east-1:000000000000:function:ship"
	if err := rs.PutSubscriptionFilter(ctx, logsres.SubscriptionFilter{Group: "/app", Name: "errors", Pattern: "ERROR", DestinationARN: fn}); err != nil {
		t.Fatal(err)
	}
	put("a", "ERROR one", "fine", "ERROR two")
	put("b", "ERROR three")
	if err := f.Once(ctx); err != nil {
		t.Fatal(err)
	}
	calls := fake.take(fn)
	if len(calls) != 2 {
		t.Fatalf("%d invocations; want 2 (one a stream)", len(calls))
	}
	got := map[string][]string{}
	for _, c := range calls {
		m, err := logsdelivery.Decode(c)
		if err != nil {
			t.Fatal(err)
		}
		if m.MessageType != "DATA_MESSAGE" || m.Owner != "000000000000" || m.LogGroup != "/app" || len(m.SubscriptionFilters) != 1 || m.SubscriptionFilters[0] != "errors" {
			t.Fatalf("message = %+v", m)
		}
		for _, e := range m.LogEvents {
			if e.ID == "" || e.Timestamp != now {
				t.Fatalf("event = %+v", e)
			}
			got[m.LogStream] = append(got[m.LogStream], e.Message)
		}
	}
	if strings.Join(got["a"], "|") != "ERROR one|ERROR two" || strings.Join(got["b"], "|") != "ERROR three" {
		t.Fatalf("delivered = %v", got)
	}
	// Nothing new: nothing sent.
	if err := f.Once(ctx); err != nil || len(fake.take(fn)) != 0 {
		t.Fatalf("second pass: %v", err)
	}
	// A failing function gets the batch again once it recovers, also
	// after a restart.
	fake.failing = true
	put("b", "ERROR four")
	if err := f.Once(ctx); err == nil || !strings.Contains(err.Error(), "Unhandled") {
		t.Fatalf("failing function: %v", err)
	}
	fake.failing = false
	ls2, rs2 := open(t, dir)
	f2 := &logsdelivery.Follower{Logs: ls2, Res: rs2, Invoke: logsdelivery.LambdaInvoker(client), Account: "000000000000"}
	if err := f2.Once(ctx); err != nil {
		t.Fatal(err)
	}
	calls = fake.take(fn)
	if len(calls) != 1 {
		t.Fatalf("%d invocations after recovery; want 1", len(calls))
	}
	m, _ := logsdelivery.Decode(calls[0])
	if len(m.LogEvents) != 1 || m.LogEvents[0].Message != "ERROR four" {
		t.Fatalf("redelivered = %+v", m.LogEvents)
	}
}
