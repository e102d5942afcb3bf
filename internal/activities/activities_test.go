package activities_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/activities"
	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

func open(t *testing.T, poll time.Duration) (*activities.Manager, *executions.Tokens) {
	return openWith(t, activities.Options{PollTimeout: poll})
}

func openWith(t *testing.T, opts activities.Options) (*activities.Manager, *executions.Tokens) {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tokens := executions.NewTokens()
	opts.DB, opts.Account, opts.Tokens = db, "123456789012", tokens
	m, err := activities.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m, tokens
}

func TestManager_CreateDescribeListDelete(t *testing.T) {
	m, _ := open(t, time.Second)
	ctx := context.Background()
	a, err := m.Create(ctx, "work", []activities.Tag{{Key: "k", Value: "v"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:states:us-east-1:123456789012:activity:work"; a.Arn != want {
		t.Errorf("Arn = %q; want %q", a.Arn, want)
	}
	again, err := m.Create(ctx, "work", nil, nil)
	if err != nil || again.Arn != a.Arn || !again.Created.Equal(a.Created) {
		t.Errorf("Create again = %+v, %v; want the same activity", again, err)
	}
	for _, name := range []string{"", "has space", "a/b", string(make([]byte, 81))} {
		if _, err := m.Create(ctx, name, nil, nil); !errors.Is(err, activities.ErrInvalidName) {
			t.Errorf("Create(%q) = %v; want InvalidName", name, err)
		}
	}
	if _, err := m.Create(ctx, "second", nil, nil); err != nil {
		t.Fatal(err)
	}
	page, next, err := m.List(ctx, 1, "")
	if err != nil || len(page) != 1 || page[0].Name != "work" || next == "" {
		t.Fatalf("List(1) = %v, %q, %v; want [work] and a next token", page, next, err)
	}
	page, next, err = m.List(ctx, 1, next)
	if err != nil || len(page) != 1 || page[0].Name != "second" || next != "" {
		t.Fatalf("List(1, next) = %v, %q, %v; want [second], no next token", page, next, err)
	}
	if _, _, err := m.List(ctx, 1, "bogus"); !errors.Is(err, activities.ErrInvalidToken) {
		t.Errorf("List(bad token) = %v; want InvalidToken", err)
	}
	for _, arn := range []string{"nope", "arn:aws:states:us-east-1:123456789012:stateMachine:work"} {
		if _, err := m.Describe(ctx, arn); !errors.Is(err, activities.ErrInvalidArn) {
			t.Errorf("Describe(%q) = %v; want InvalidArn", arn, err)
		}
	}
	if err := m.Delete(ctx, a.Arn); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(ctx, a.Arn); err != nil {
		t.Errorf("Delete of a deleted activity = %v; want nil", err)
	}
	if _, err := m.Describe(ctx, a.Arn); !errors.Is(err, activities.ErrActivityDoesNotExist) {
		t.Errorf("Describe(deleted) = %v; want ActivityDoesNotExist", err)
	}
	if _, _, err := m.GetTask(ctx, a.Arn, "w"); !errors.Is(err, activities.ErrActivityDoesNotExist) {
		t.Errorf("GetTask(deleted) = %v; want ActivityDoesNotExist", err)
	}
}

func TestManager_PollAnswersNoTokenAfterTimeout(t *testing.T) {
	m, _ := open(t, 50*time.Millisecond)
	ctx := context.Background()
	a, _ := m.Create(ctx, "idle", nil, nil)
	start := time.Now()
	tok, in, err := m.GetTask(ctx, a.Arn, "w")
	if err != nil || tok != "" || in != "" {
		t.Fatalf("GetTask = %q, %q, %v; want no task", tok, in, err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("GetTask answered after %v; want the poll timeout", d)
	}
}

// invoke runs the activity handler as a Task state would, recording the
// Scheduled and Started calls.
type invocation struct {
	mu        sync.Mutex
	scheduled bool
	worker    *string
	out       any
	err       *workflow.StatesError
	done      chan struct{}
}

func invoke(ctx context.Context, m *activities.Manager, arn string, params any) *invocation {
	inv := &invocation{done: make(chan struct{})}
	h, ok := m.Lookup(arn)
	if !ok {
		panic("no handler for " + arn)
	}
	req := &workflow.TaskRequest{
		Resource: arn, Parameters: params, Heartbeat: func() {},
		Scheduled: func() { inv.mu.Lock(); inv.scheduled = true; inv.mu.Unlock() },
		Started:   func(w string) { inv.mu.Lock(); inv.worker = &w; inv.mu.Unlock() },
	}
	go func() {
		defer close(inv.done)
		inv.out, inv.err = h.Invoke(ctx, req)
	}()
	return inv
}

func TestManager_TaskGoesToAWorkerAndItsTokenAnswers(t *testing.T) {
	m, tokens := open(t, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, _ := m.Create(ctx, "work", nil, nil)
	inv := invoke(ctx, m, a.Arn, map[string]any{"n": 1})
	tok, in, err := m.GetTask(ctx, a.Arn, "worker-1")
	if err != nil || tok == "" || in != `{"n":1}` {
		t.Fatalf("GetTask = %q, %q, %v; want a token and the input", tok, in, err)
	}
	inv.mu.Lock()
	if !inv.scheduled || inv.worker == nil || *inv.worker != "worker-1" {
		t.Errorf("scheduled %v, worker %v; want scheduled, started by worker-1", inv.scheduled, inv.worker)
	}
	inv.mu.Unlock()
	if err := tokens.Heartbeat(tok); err != nil {
		t.Errorf("Heartbeat = %v", err)
	}
	if err := tokens.Succeed(tok, `{"ok":true}`); err != nil {
		t.Fatal(err)
	}
	<-inv.done
	if inv.err != nil || workflow.EncodeJSON(inv.out) != `{"ok":true}` {
		t.Errorf("Invoke = %v, %v; want {\"ok\":true}", workflow.EncodeJSON(inv.out), inv.err)
	}
	if err := tokens.Succeed(tok, `{}`); !errors.Is(err, executions.ErrTaskTimedOut) {
		t.Errorf("second SendTaskSuccess = %v; want TaskTimedOut", err)
	}
}

func TestManager_WaitingWorkerGetsTheTaskAtOnce(t *testing.T) {
	m, tokens := open(t, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, _ := m.Create(ctx, "work", nil, nil)
	got := make(chan string, 1)
	go func() {
		tok, _, _ := m.GetTask(ctx, a.Arn, "")
		got <- tok
	}()
	// Queue the task once the poll waits (either order must work: a task
	// queued first is taken by the poll at once).
	inv := invoke(ctx, m, a.Arn, "x")
	tok := <-got
	if tok == "" {
		t.Fatal("the waiting worker got no task")
	}
	tokens.Fail(tok, "Oops", "bad")
	<-inv.done
	if inv.err == nil || inv.err.Name != "Oops" || inv.err.Cause != "bad" {
		t.Errorf("Invoke error = %v; want Oops: bad", inv.err)
	}
}

func TestManager_MissingActivityFailsAtRunTime(t *testing.T) {
	m, _ := open(t, time.Second)
	arn := m.Arn("gone")
	inv := invoke(context.Background(), m, arn, nil)
	<-inv.done
	if inv.err == nil || inv.err.Name != workflow.ErrRuntime || inv.err.Cause != "The activity "+arn+" does not exist." || inv.scheduled {
		t.Errorf("Invoke = %v (scheduled %v); want States.Runtime, not scheduled", inv.err, inv.scheduled)
	}
}

func TestManager_AbandonedTaskLeavesTheQueue(t *testing.T) {
	m, _ := open(t, 100*time.Millisecond)
	ctx := context.Background()
	a, _ := m.Create(ctx, "work", nil, nil)
	ictx, cancel := context.WithCancel(ctx)
	inv := invoke(ictx, m, a.Arn, nil)
	for {
		inv.mu.Lock()
		s := inv.scheduled
		inv.mu.Unlock()
		if s {
			break
		}
		runtime.Gosched()
	}
	cancel() // the state timed out before any worker came
	<-inv.done
	if tok, _, err := m.GetTask(ctx, a.Arn, "late"); tok != "" || err != nil {
		t.Errorf("GetTask after the state ended = %q, %v; want no task", tok, err)
	}
}

func TestManager_WorkerLimit(t *testing.T) {
	const limit = 3
	m, _ := openWith(t, activities.Options{PollTimeout: time.Minute, MaxPollers: limit})
	ctx, cancel := context.WithCancel(context.Background())
	a, _ := m.Create(ctx, "busy", nil, nil)
	var wg sync.WaitGroup
	for range limit {
		wg.Go(func() { m.GetTask(ctx, a.Arn, "") })
	}
	defer func() { cancel(); wg.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for m.Waiting(a.Arn) < limit {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d pollers waiting after 30 s", m.Waiting(a.Arn), limit)
		}
		runtime.Gosched()
	}
	if _, _, err := m.GetTask(ctx, a.Arn, ""); !errors.Is(err, activities.ErrActivityWorkerLimitExceeded) {
		t.Errorf("GetTask with %d pollers waiting = %v; want ActivityWorkerLimitExceeded", limit, err)
	}
}
