package logsdelivery

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsres"
)

// Invoker calls a Lambda function with a payload.
type Invoker func(ctx context.Context, functionARN string, payload []byte) error

// BatchSize is how many events a filter reads at a time.
const BatchSize = 1000

// Follower delivers Lambda subscriptions.
type Follower struct {
	Logs    *logs.Store
	Res     *logsres.Store
	Invoke  Invoker
	Account string
	// Log receives a line per failed delivery (nil discards).
	Log *slog.Logger
}

// Run delivers every interval until ctx ends.
func (f *Follower) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := f.Once(ctx); err != nil && ctx.Err() == nil && f.Log != nil {
			f.Log.Warn("logs subscription delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once delivers what every Lambda subscription has pending, a batch at a
// time, and returns the first failure (the filters after it still run; a
// failed batch is retried on the next call).
func (f *Follower) Once(ctx context.Context) error {
	subs, err := f.Res.Subscriptions(ctx, "lambda")
	if err != nil {
		return err
	}
	var first error
	for _, s := range subs {
		if err := f.deliver(ctx, s); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// deliver sends one filter's pending events, stream by stream, and moves
// its cursor past what was sent.
func (f *Follower) deliver(ctx context.Context, s logsres.SubscriptionFilter) error {
	pat, err := logs.CompilePattern(s.Pattern)
	if err != nil {
		return fmt.Errorf("subscription filter %s of %s: %w", s.Name, s.Group, err)
	}
	cursor := s.Delivered
	for {
		events, err := f.Logs.EventsAfter(ctx, s.Group, cursor, BatchSize)
		if err != nil || len(events) == 0 {
			return err
		}
		var order []string
		byStream := map[string][]logs.StoredEvent{}
		for _, e := range events {
			if !pat.Match(e.Message) {
				continue
			}
			if _, ok := byStream[e.Stream]; !ok {
				order = append(order, e.Stream)
			}
			byStream[e.Stream] = append(byStream[e.Stream], e)
		}
		for _, stream := range order {
			batch := byStream[stream]
			payload, err := Encode(f.Account, s.Group, stream, s.Name, batch)
			if err == nil {
				err = f.Invoke(ctx, s.DestinationARN, payload)
			}
			if err != nil {
				// Everything before this batch's first event was sent
				// (or did not match); resume there next time.
				if mark := batch[0].ID - 1; mark > cursor {
					f.Res.MarkDelivered(ctx, s.Group, s.Name, s.DestinationARN, mark)
				}
				return fmt.Errorf("deliver %d events of %s/%s to %s (subscription filter %s): %w", len(batch), s.Group, stream, s.DestinationARN, s.Name, err)
			}
		}
		cursor = events[len(events)-1].ID
		if err := f.Res.MarkDelivered(ctx, s.Group, s.Name, s.DestinationARN, cursor); err != nil {
			return err
		}
		if len(events) < BatchSize {
			return nil
		}
	}
}
