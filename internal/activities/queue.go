package activities

import (
	"context"
	"slices"
	"sync"
	"time"
)

// task is an activity task waiting for, or taken by, a worker.
type task struct {
	token string
	input string
	// started records ActivityStarted with the worker's name.
	started func(worker string)
}

// poller is a GetActivityTask call waiting for a task.
type poller struct {
	got chan *task // receives at most one task
}

// queue holds one activity's tasks and waiting pollers; at most one of
// the two lists is non-empty.
type queue struct {
	tasks   []*task
	pollers []*poller
}

// queues are the queues of every activity, in memory.
type queues struct {
	mu sync.Mutex
	m  map[string]*queue
	// maxPollers bounds the pollers waiting on one activity.
	maxPollers int
	closed     chan struct{}
	closeOnce  sync.Once
}

func newQueues(maxPollers int) *queues {
	return &queues{m: map[string]*queue{}, maxPollers: maxPollers, closed: make(chan struct{})}
}

func (qs *queues) queueLocked(arn string) *queue {
	q := qs.m[arn]
	if q == nil {
		q = &queue{}
		qs.m[arn] = q
	}
	return q
}

// dropIfEmptyLocked forgets an activity's queue when nothing waits on it.
func (qs *queues) dropIfEmptyLocked(arn string, q *queue) {
	if len(q.tasks) == 0 && len(q.pollers) == 0 {
		delete(qs.m, arn)
	}
}

// push queues t for the activity arn, handing it to the longest-waiting
// poller if there is one.
func (qs *queues) push(arn string, t *task) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.queueLocked(arn)
	if len(q.pollers) > 0 {
		p := q.pollers[0]
		q.pollers = q.pollers[1:]
		p.got <- t
		qs.dropIfEmptyLocked(arn, q)
		return
	}
	q.tasks = append(q.tasks, t)
}

// remove takes t out of the queue if no worker took it; it reports
// whether it did.
func (qs *queues) remove(arn string, t *task) bool {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.m[arn]
	if q == nil {
		return false
	}
	i := slices.Index(q.tasks, t)
	if i < 0 {
		return false
	}
	q.tasks = slices.Delete(q.tasks, i, i+1)
	qs.dropIfEmptyLocked(arn, q)
	return true
}

// pushFront puts back a task that a poller received but could not hand to
// its worker (the worker went away).
func (qs *queues) pushFront(arn string, t *task) {
	qs.mu.Lock()
	q := qs.queueLocked(arn)
	if len(q.pollers) > 0 {
		p := q.pollers[0]
		q.pollers = q.pollers[1:]
		p.got <- t
		qs.dropIfEmptyLocked(arn, q)
		qs.mu.Unlock()
		return
	}
	q.tasks = slices.Insert(q.tasks, 0, t)
	qs.mu.Unlock()
}

// poll waits up to timeout for a task of the activity arn. It returns nil
// when none came (or the queues closed), and ErrActivityWorkerLimitExceeded
// when too many pollers already wait.
func (qs *queues) poll(ctx context.Context, arn string, timeout time.Duration) (*task, error) {
	qs.mu.Lock()
	q := qs.queueLocked(arn)
	if len(q.tasks) > 0 {
		t := q.tasks[0]
		q.tasks = q.tasks[1:]
		qs.dropIfEmptyLocked(arn, q)
		qs.mu.Unlock()
		return t, nil
	}
	if len(q.pollers) >= qs.maxPollers {
		qs.dropIfEmptyLocked(arn, q)
		qs.mu.Unlock()
		return nil, errorf(ErrActivityWorkerLimitExceeded, "Activity Worker Limit Exceeded: '%d workers already poll %s'", qs.maxPollers, arn)
	}
	p := &poller{got: make(chan *task, 1)}
	q.pollers = append(q.pollers, p)
	qs.mu.Unlock()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case t := <-p.got:
		if ctx.Err() != nil {
			qs.pushFront(arn, t)
			return nil, ctx.Err()
		}
		return t, nil
	case <-timer.C:
	case <-ctx.Done():
	case <-qs.closed:
	}
	qs.mu.Lock()
	if q := qs.m[arn]; q != nil {
		if i := slices.Index(q.pollers, p); i >= 0 {
			q.pollers = slices.Delete(q.pollers, i, i+1)
			qs.dropIfEmptyLocked(arn, q)
			qs.mu.Unlock()
			return nil, ctx.Err()
		}
	}
	qs.mu.Unlock()
	// A task was handed over as the wait ended.
	t := <-p.got
	if ctx.Err() != nil {
		qs.pushFront(arn, t)
		return nil, ctx.Err()
	}
	return t, nil
}

// close ends every poll (they answer no task).
func (qs *queues) close() {
	qs.closeOnce.Do(func() { close(qs.closed) })
}
