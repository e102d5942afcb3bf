package executions

import (
	"context"
	"sync"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Tokens delivers task tokens' outcomes to the Task states waiting for
// them (the .waitForTaskToken pattern). It implements sfnecs.Callbacks.
type Tokens struct {
	mu      sync.Mutex
	waiting map[string]*Callback
	// ended remembers tokens whose wait is over, so a late answer gets
	// TaskTimedOut rather than InvalidToken; oldest first, bounded.
	ended    map[string]bool
	endOrder []string
}

// maxEnded bounds how many ended tokens are remembered.
const maxEnded = 10000

// NewTokens returns an empty token registry.
func NewTokens() *Tokens {
	return &Tokens{waiting: map[string]*Callback{}, ended: map[string]bool{}}
}

type tokenOutcome struct {
	out any
	err *workflow.StatesError
}

// Callback is one Task state's wait for its token.
type Callback struct {
	t         *Tokens
	token     string
	outcome   chan tokenOutcome
	heartbeat chan struct{}
}

// Expect registers token before the work that answers it starts, so an
// answer that comes quickly is not lost. Close the Callback when done.
func (t *Tokens) Expect(token string) *Callback {
	c := &Callback{t: t, token: token, outcome: make(chan tokenOutcome, 1), heartbeat: make(chan struct{}, 1)}
	t.mu.Lock()
	t.waiting[token] = c
	t.mu.Unlock()
	return c
}

// Wait blocks until the token is answered or ctx ends, calling heartbeat
// for each SendTaskHeartbeat.
func (c *Callback) Wait(ctx context.Context, heartbeat func()) (any, *workflow.StatesError) {
	for {
		select {
		case o := <-c.outcome:
			return o.out, o.err
		case <-c.heartbeat:
			if heartbeat != nil {
				heartbeat()
			}
		case <-ctx.Done():
			return nil, workflow.NewStatesError("States.Aborted", "cancelled")
		}
	}
}

// Close ends the wait: later answers get TaskTimedOut.
func (c *Callback) Close() {
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.waiting[c.token] == c {
		delete(t.waiting, c.token)
	}
	t.endLocked(c.token)
}

func (t *Tokens) endLocked(token string) {
	if t.ended[token] {
		return
	}
	t.ended[token] = true
	t.endOrder = append(t.endOrder, token)
	if len(t.endOrder) > maxEnded {
		delete(t.ended, t.endOrder[0])
		t.endOrder = t.endOrder[1:]
	}
}

// Register is Expect in the form sfnecs.Callbacks takes: wait blocks for
// the answer, done ends the wait.
func (t *Tokens) Register(token string) (wait func(ctx context.Context, heartbeat func()) (any, *workflow.StatesError), done func()) {
	c := t.Expect(token)
	return c.Wait, c.Close
}

// lookup returns the waiting callback of token, or the error Step
// Functions gives for it.
func (t *Tokens) lookup(token string) (*Callback, error) {
	if token == "" {
		return nil, errorf(ErrInvalidToken, "Invalid Token: 'Invalid token'")
	}
	c, ok := t.waiting[token]
	if ok {
		return c, nil
	}
	if t.ended[token] {
		return nil, errorf(ErrTaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'")
	}
	return nil, errorf(ErrInvalidToken, "Invalid Token: 'Invalid token'")
}

func (t *Tokens) answer(token string, o tokenOutcome) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, err := t.lookup(token)
	if err != nil {
		return err
	}
	delete(t.waiting, token)
	t.endLocked(token)
	c.outcome <- o
	return nil
}

// Succeed answers token with output (JSON text), as SendTaskSuccess.
func (t *Tokens) Succeed(token, output string) error {
	v, err := workflow.DecodeJSON([]byte(output))
	if err != nil {
		return errorf(ErrInvalidOutput, "Invalid State Machine Execution Output: '%v'", err)
	}
	return t.answer(token, tokenOutcome{out: v})
}

// Fail answers token with an error, as SendTaskFailure.
func (t *Tokens) Fail(token, errName, cause string) error {
	// What SendTaskFailure leaves out a Catch shows as null.
	se := &workflow.StatesError{Name: errName, Cause: cause, NullName: errName == "", NullCause: cause == ""}
	return t.answer(token, tokenOutcome{err: se})
}

// Heartbeat reports that the work on token is alive, as SendTaskHeartbeat.
func (t *Tokens) Heartbeat(token string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, err := t.lookup(token)
	if err != nil {
		return err
	}
	select {
	case c.heartbeat <- struct{}{}:
	default:
	}
	return nil
}
