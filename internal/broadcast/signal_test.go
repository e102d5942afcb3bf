package broadcast

import (
	"sync"
	"testing"
	"time"
)

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestSignal_WakesEveryWaiterTakenBefore(t *testing.T) {
	var s Signal
	a, b := s.C(), s.C()
	if closed(a) || closed(b) {
		t.Fatal("channels closed before any Notify")
	}
	s.Notify()
	if !closed(a) || !closed(b) {
		t.Fatal("Notify did not close the channels taken before it")
	}
	c := s.C()
	if closed(c) {
		t.Fatal("a channel taken after Notify is already closed: the next change would not be waited for")
	}
	s.Notify()
	s.Notify() // nobody waits: no panic on a closed channel
	if !closed(c) {
		t.Fatal("second Notify did not close the channel taken after the first")
	}
}

// A waiter that takes C, then looks, then waits, never misses a change:
// each notifier changes the value and then notifies, and the waiters see
// every notifier's last value without a timeout.
func TestSignal_NoChangeIsMissed(t *testing.T) {
	var s Signal
	var mu sync.Mutex
	done := map[int]bool{}
	const notifiers, waiters = 4, 4
	var wg sync.WaitGroup
	for w := range waiters {
		wg.Go(func() {
			deadline := time.After(20 * time.Second)
			for {
				c := s.C()
				mu.Lock()
				n := len(done)
				mu.Unlock()
				if n == notifiers {
					return
				}
				select {
				case <-c:
				case <-deadline:
					t.Errorf("waiter %d saw %d of %d changes and was not woken again", w, n, notifiers)
					return
				}
			}
		})
	}
	for i := range notifiers {
		wg.Go(func() {
			for range 100 {
				s.Notify() // changes before the last one
			}
			mu.Lock()
			done[i] = true
			mu.Unlock()
			s.Notify()
		})
	}
	wg.Wait()
}
