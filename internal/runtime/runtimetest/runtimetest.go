package runtimetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// Harness drives one runtime in one test, within a deadline.
type Harness struct {
	T   *testing.T
	RT  runtime.Runtime
	Ctx context.Context
	// Spec returns a spec that runs the toolbox (internal/testimage) with
	// args; the Check methods need it.
	Spec func(args ...string) runtime.ContainerSpec
}

// New returns a harness on rt whose calls end after timeout.
func New(t *testing.T, rt runtime.Runtime, timeout time.Duration) *Harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return &Harness{T: t, RT: rt, Ctx: ctx}
}

// Create creates a container and removes it when the test ends.
func (h *Harness) Create(spec runtime.ContainerSpec) string {
	h.T.Helper()
	id, err := h.RT.Create(h.Ctx, spec)
	if err != nil {
		h.T.Fatalf("Create: %v", err)
	}
	h.T.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := h.RT.Remove(ctx, id); err != nil && !errors.Is(err, runtime.ErrNotFound) {
			h.T.Errorf("Remove: %v", err)
		}
	})
	return id
}

// Run creates and starts a container.
func (h *Harness) Run(spec runtime.ContainerSpec) string {
	h.T.Helper()
	id := h.Create(spec)
	if err := h.RT.Start(h.Ctx, id); err != nil {
		h.T.Fatalf("Start: %v", err)
	}
	return id
}

// Wait waits for a container to stop.
func (h *Harness) Wait(id string) runtime.ExitStatus {
	h.T.Helper()
	st, err := h.RT.Wait(h.Ctx, id)
	if err != nil {
		h.T.Fatalf("Wait: %v", err)
	}
	return st
}

// Logs returns the output a container has written.
func (h *Harness) Logs(id string, opts runtime.LogOptions) []runtime.LogLine {
	h.T.Helper()
	var lines []runtime.LogLine
	if err := h.RT.Logs(h.Ctx, id, opts, func(l runtime.LogLine) { lines = append(lines, l) }); err != nil {
		h.T.Fatalf("Logs: %v", err)
	}
	return lines
}

// Follow follows a container's output in the background: ready is closed
// when a line equal to readyText arrives, and done waits for the follow to
// end and returns every line.
func (h *Harness) Follow(id, readyText string) (ready <-chan struct{}, done func() []runtime.LogLine) {
	var (
		mu    sync.Mutex
		lines []runtime.LogLine
		once  sync.Once
		errC  = make(chan error, 1)
		r     = make(chan struct{})
	)
	go func() {
		errC <- h.RT.Logs(h.Ctx, id, runtime.LogOptions{Follow: true}, func(l runtime.LogLine) {
			mu.Lock()
			lines = append(lines, l)
			mu.Unlock()
			if l.Text == readyText {
				once.Do(func() { close(r) })
			}
		})
	}()
	return r, func() []runtime.LogLine {
		h.T.Helper()
		if err := <-errC; err != nil {
			h.T.Fatalf("Logs(Follow): %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		return lines
	}
}

// Await waits for c to be closed.
func (h *Harness) Await(c <-chan struct{}, what string) {
	h.T.Helper()
	select {
	case <-c:
	case <-h.Ctx.Done():
		h.T.Fatalf("timed out waiting for %s", what)
	}
}

// Texts returns lines as "stream:text".
func Texts(lines []runtime.LogLine) []string {
	var out []string
	for _, l := range lines {
		out = append(out, string(l.Stream)+":"+l.Text)
	}
	return out
}
