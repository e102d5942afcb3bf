package runtime

import (
	"context"
	"sync"
)

// Output holds the output of a container whose runtime captures it itself
// (the process and fake runtimes): the lines in the order they were read,
// and whether the container has ended, so no more will come. The zero value
// is empty and ready; it is safe for concurrent use.
type Output struct {
	mu      sync.Mutex
	lines   []LogLine
	ended   bool
	changed chan struct{} // closed and replaced on every change
}

// changedLocked returns the channel closed at the next change.
func (o *Output) changedLocked() chan struct{} {
	if o.changed == nil {
		o.changed = make(chan struct{})
	}
	return o.changed
}

func (o *Output) notifyLocked() {
	if o.changed != nil {
		close(o.changed)
		o.changed = nil
	}
}

// Add appends lines.
func (o *Output) Add(lines ...LogLine) {
	if len(lines) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lines = append(o.lines, lines...)
	o.notifyLocked()
}

// End records that the container has ended: every line is in.
func (o *Output) End() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = true
	o.notifyLocked()
}

// Reopen records that the container runs again (it was restarted): lines
// may come after End.
func (o *Output) Reopen() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = false
	o.notifyLocked()
}

// Read delivers the lines written at or after opts.Since, in order; with
// opts.Follow it keeps delivering until End and the last line. It returns
// ctx's error if ctx ends first.
func (o *Output) Read(ctx context.Context, opts LogOptions, fn func(LogLine)) error {
	next := 0
	for {
		o.mu.Lock()
		batch := o.lines[next:len(o.lines):len(o.lines)]
		next = len(o.lines)
		ended := o.ended
		changed := o.changedLocked()
		o.mu.Unlock()
		for _, l := range batch {
			if opts.Since.IsZero() || !l.Time.Before(opts.Since) {
				fn(l)
			}
		}
		if len(batch) > 0 {
			continue // more may have arrived meanwhile
		}
		if !opts.Follow || ended {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
