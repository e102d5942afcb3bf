package broadcast

import "sync"

// Signal wakes its waiters when Notify is called. A waiter takes C before
// it looks at what may change, then waits on it: a change after the look
// has closed the channel it holds, so no change is missed. The zero value
// is ready to use; a Signal must not be copied after first use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// C returns the channel closed at the next Notify.
func (s *Signal) C() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes everyone waiting on a channel C returned before it.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
