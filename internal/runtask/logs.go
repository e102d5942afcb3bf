package runtask

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// follower tails one container's log stream with GetLogEvents forward
// tokens, which never skip or repeat an event.
type follower struct {
	label             string // before the task id in each line ("" for none)
	taskID, container string
	group, stream     string
	token             *string
	next              time.Time // earliest next read while following
	// stoppedAt is set when the container stopped: the stream is drained,
	// then read until settle has passed since, and then closed.
	stoppedAt time.Time
	closed    bool
	failed    bool // an error was reported once
}

// logs follows every selected container of every task of a run.
type logs struct {
	api     Logs
	console *Console
	poll    time.Duration
	settle  time.Duration
	bucket  bucket
	byKey   map[string]*follower // task id + "/" + container
	order   []*follower
	cursor  int
}

func newLogs(api Logs, c *Console, poll, settle time.Duration, rate float64) *logs {
	return &logs{api: api, console: c, poll: poll, settle: settle, bucket: newBucket(rate), byKey: map[string]*follower{}}
}

// follow registers a container's stream (once).
func (l *logs) follow(taskID, container, group, stream string) *follower {
	key := taskID + "/" + container
	if f := l.byKey[key]; f != nil {
		return f
	}
	f := &follower{taskID: taskID, container: container, group: group, stream: stream}
	l.byKey[key] = f
	l.order = append(l.order, f)
	return f
}

// stopped marks a container as stopped at now: its stream is drained at
// once (every line the engine stored before reporting STOPPED is read), and
// read again until the settle time has passed.
func (l *logs) stopped(ctx context.Context, f *follower, now time.Time) {
	if f.closed || !f.stoppedAt.IsZero() {
		return
	}
	f.stoppedAt = now
	l.read(ctx, f, true)
	if l.settle <= 0 {
		f.closed = true
	}
}

// pollDue reads the streams whose turn it is, within the call budget.
func (l *logs) pollDue(ctx context.Context, now time.Time) {
	n := len(l.order)
	for i := 0; i < n; i++ {
		f := l.order[(l.cursor+i)%n]
		if f.closed || now.Before(f.next) {
			continue
		}
		if !l.bucket.take(now) {
			l.cursor = (l.cursor + i) % n
			return
		}
		f.next = now.Add(l.poll)
		if l.read(ctx, f, false) >= chattyPage {
			// A chatty stream: read on at its next turn of the budget
			// rather than fall behind by a page per poll interval.
			f.next = now
		}
		if !f.stoppedAt.IsZero() && now.Sub(f.stoppedAt) >= l.settle {
			f.closed = true
		}
	}
}

// nextDue returns when a stream is next due (and the call budget allows a
// read), or the zero time.
func (l *logs) nextDue() time.Time {
	var t time.Time
	for _, f := range l.order {
		if !f.closed && (t.IsZero() || f.next.Before(t)) {
			t = f.next
		}
	}
	if !t.IsZero() {
		if r := l.bucket.readyAt(time.Now()); r.After(t) {
			t = r
		}
	}
	return t
}

// drain reads every open stream to its end, waits out the settle time of
// stopped ones, and reads them a last time. Reads wait for the call budget.
func (l *logs) drain(ctx context.Context) {
	var latest time.Time
	for _, f := range l.order {
		if f.closed {
			continue
		}
		if err := l.bucket.wait(ctx); err != nil {
			return
		}
		l.read(ctx, f, true)
		if !f.stoppedAt.IsZero() && f.stoppedAt.Add(l.settle).After(latest) {
			latest = f.stoppedAt.Add(l.settle)
		}
	}
	if d := time.Until(latest); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	for _, f := range l.order {
		if f.closed {
			continue
		}
		if !f.stoppedAt.IsZero() && l.settle > 0 {
			if err := l.bucket.wait(ctx); err != nil {
				return
			}
			l.read(ctx, f, true)
		}
		f.closed = true
	}
}

// chattyPage is the size of a page from which a stream is read again at
// once (see pollDue).
const chattyPage = 1000

// read prints the stream's new events: one page, or every page when all.
// It returns how many events the last page held.
func (l *logs) read(ctx context.Context, f *follower, all bool) int {
	for {
		res, err := l.api.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName:  aws.String(f.group),
			LogStreamName: aws.String(f.stream),
			StartFromHead: aws.Bool(true),
			NextToken:     f.token,
		})
		if err != nil {
			var nf *cwltypes.ResourceNotFoundException
			if !errors.As(err, &nf) && !f.failed && ctx.Err() == nil {
				f.failed = true
				l.console.Infof("cannot read the logs of %s %s (%s %s): %v", shortID(f.taskID), f.container, f.group, f.stream, err)
			}
			return 0
		}
		l.console.lines(f.label, f.taskID, f.container, len(res.Events), func(i int) string { return aws.ToString(res.Events[i].Message) })
		same := f.token != nil && aws.ToString(res.NextForwardToken) == *f.token
		if res.NextForwardToken != nil {
			f.token = res.NextForwardToken
		}
		if same || len(res.Events) == 0 || !all {
			return len(res.Events)
		}
	}
}

// bucket is a token bucket limiting calls per second; a rate <= 0 means no
// limit.
type bucket struct {
	rate   float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64) bucket {
	return bucket{rate: rate, tokens: max(1, rate)}
}

func (b *bucket) refill(now time.Time) {
	if !b.last.IsZero() {
		b.tokens = min(max(1, b.rate), b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}

// take spends a token if one is available.
func (b *bucket) take(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// readyAt returns when a token is available (now when one is).
func (b *bucket) readyAt(now time.Time) time.Time {
	if b.rate <= 0 {
		return now
	}
	b.refill(now)
	if b.tokens >= 1 {
		return now
	}
	return now.Add(time.Duration((1 - b.tokens) / b.rate * float64(time.Second)))
}

// wait spends a token, waiting for one if needed.
func (b *bucket) wait(ctx context.Context) error {
	for !b.take(time.Now()) {
		d := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		t := time.NewTimer(max(d, time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
