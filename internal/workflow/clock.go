package workflow

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is the interpreter's only source of time. Wait states, retry
// delays and timeouts are timers on it, so tests can run hours of
// workflow time instantly with a FakeClock.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer from a Clock.
type Timer interface {
	// C delivers the fire time once.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// IdleTracker is implemented by clocks that advance by themselves when
// every goroutine of an execution is waiting on them (FakeClock in
// auto-advance mode). The interpreter calls Hold when a goroutine of the
// execution starts working and Release when it blocks on a timer or ends.
type IdleTracker interface {
	Hold()
	Release()
}

// RealClock is the wall clock.
type RealClock struct{}

var _ Clock = RealClock{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// FakeClock is a manual clock for tests. Time moves only through Advance,
// or, in auto-advance mode, to the next timer's deadline whenever all held
// work has been released (see IdleTracker).
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	auto    bool
	holds   int
	changed chan struct{}
}

var (
	_ Clock       = (*FakeClock)(nil)
	_ IdleTracker = (*FakeClock)(nil)
)

// NewFakeClock returns a FakeClock at start.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start, changed: make(chan struct{})}
}

// SetAutoAdvance turns auto-advance mode on or off.
func (c *FakeClock) SetAutoAdvance(on bool) {
	c.mu.Lock()
	c.auto = on
	c.mu.Unlock()
}

type fakeTimer struct {
	c     *FakeClock
	at    time.Time
	ch    chan time.Time
	fired bool
	seq   int
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, x := range t.c.timers {
		if x == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			t.c.notifyLocked()
			return true
		}
	}
	return false
}

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer firing when the fake time reaches now+d.
func (c *FakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), ch: make(chan time.Time, 1), seq: len(c.timers)}
	if d <= 0 {
		t.fired = true
		t.ch <- c.now
		return t
	}
	c.timers = append(c.timers, t)
	c.notifyLocked()
	return t
}

func (c *FakeClock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Advance moves time forward by d, firing every timer that comes due.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advanceToLocked(c.now.Add(d))
}

func (c *FakeClock) advanceToLocked(to time.Time) {
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(to) {
			t.fired = true
			t.ch <- t.at
			continue
		}
		keep = append(keep, t)
	}
	c.timers = keep
	if to.After(c.now) {
		c.now = to
	}
	c.notifyLocked()
}

// AdvanceToNext moves time to the earliest pending timer and fires it.
// It reports false when no timer is pending.
func (c *FakeClock) AdvanceToNext() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.advanceNextLocked()
}

func (c *FakeClock) advanceNextLocked() bool {
	if len(c.timers) == 0 {
		return false
	}
	next := c.timers[0].at
	for _, t := range c.timers {
		if t.at.Before(next) {
			next = t.at
		}
	}
	c.advanceToLocked(next)
	return true
}

// Pending returns the number of timers that have not fired.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// BlockUntil waits until at least n timers are pending or ctx ends.
func (c *FakeClock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		if len(c.timers) >= n {
			c.mu.Unlock()
			return nil
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Hold marks one more goroutine as working.
func (c *FakeClock) Hold() {
	c.mu.Lock()
	c.holds++
	c.mu.Unlock()
}

// Release marks a goroutine as blocked or finished; in auto-advance mode,
// when none is working, time jumps to the next timer.
func (c *FakeClock) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holds--
	if c.auto && c.holds <= 0 {
		c.advanceNextLocked()
	}
}
