package logs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Event is a log event to store.
type Event struct {
	// Timestamp is when the event happened, in milliseconds since the epoch.
	Timestamp int64
	// Message is the line, without its trailing newline.
	Message string
}

// Append stores events at the end of a stream, creating the group and the
// stream first if they do not exist (the awslogs driver's behaviour with
// awslogs-create-group). It is the agent's fast path: one transaction and one
// row (a block of events, block.go) per call, so pass lines in batches. Events
// keep the order given, whatever their timestamps; empty messages are
// dropped, as CloudWatch Logs refuses them. Every event gets the same
// ingestion time.
func (s *Store) Append(ctx context.Context, group, stream string, events []Event) error {
	return s.AppendMarked(ctx, group, stream, events, "")
}

// AppendMarked is Append that also records mark, the writer's position in
// the source it copies into the stream, in the same transaction (unless
// mark is ""): a writer stopped at any moment finds with WriterMark exactly
// how far what was stored goes.
func (s *Store) AppendMarked(ctx context.Context, group, stream string, events []Event, mark string) error {
	if slices.ContainsFunc(events, func(e Event) bool { return e.Message == "" }) {
		events = slices.DeleteFunc(slices.Clone(events), func(e Event) bool { return e.Message == "" })
	}
	key := streamKey{group, stream}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, cached := s.streams[key]; !cached {
		if err := checkGroupName(group); err != nil {
			return err
		}
		if err := checkStreamName(stream); err != nil {
			return err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("logs: append to %s/%s: begin: %w", group, stream, err)
	}
	id, err := s.ensureStream(ctx, tx, group, stream)
	var ins inserted
	now := s.now()
	if err == nil && len(events) > 0 {
		ins, err = s.insertEvents(ctx, tx, id, events, now.UnixMilli())
		if errors.Is(err, errStaleStream) {
			// The stream was deleted since it was cached: create it again.
			delete(s.streams, key)
			if id, err = s.ensureStream(ctx, tx, group, stream); err == nil {
				ins, err = s.insertEvents(ctx, tx, id, events, now.UnixMilli())
			}
		}
	}
	if err == nil && mark != "" {
		_, err = tx.StmtContext(ctx, s.setMark).ExecContext(ctx, mark, id)
	}
	if err != nil {
		tx.Rollback()
		s.nextID = 0
		return fmt.Errorf("logs: append to %s/%s: %w", group, stream, err)
	}
	if err := tx.Commit(); err != nil {
		s.nextID = 0
		s.tails.forget(id)
		return fmt.Errorf("logs: append to %s/%s: commit: %w", group, stream, err)
	}
	s.streams[key] = id
	if len(events) > 0 {
		s.tails.record(key, id, ins.first, ins.seq == int64(len(events)), now.UnixMilli(), events, int(ins.bytes), now)
	}
	return nil
}

var errStaleStream = errors.New("log stream vanished")

// inserted is what insertEvents did.
type inserted struct {
	// seq is the stream's new sequence number.
	seq int64
	// first is the id of the first event stored; the others have the ids
	// that follow it, in order.
	first int64
	// bytes is the size of the messages.
	bytes int64
}

// insertEvents stores events in stream id, in blocks of consecutive ids,
// and updates the stream's statistics.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, id int64, events []Event, now int64) (inserted, error) {
	first, last := events[0].Timestamp, events[0].Timestamp
	var bytes int64
	for _, e := range events {
		first = min(first, e.Timestamp)
		last = max(last, e.Timestamp)
		bytes += int64(len(e.Message))
	}
	var seq int64
	err := tx.StmtContext(ctx, s.updStream).QueryRowContext(ctx, first, last, now, bytes, len(events), id).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return inserted{}, errStaleStream
	}
	if err != nil {
		return inserted{}, fmt.Errorf("update stream: %w", err)
	}
	next, err := s.nextEventID(ctx, tx)
	if err != nil {
		return inserted{}, err
	}
	ins := inserted{seq: seq, first: next, bytes: bytes}
	stmt := tx.StmtContext(ctx, s.insert)
	enc := &s.enc
	flush := func() error {
		m := enc.meta
		if _, err := stmt.ExecContext(ctx, m.first, id, m.last, m.minTS, m.maxTS, m.count, m.bytes, enc.data()); err != nil {
			return fmt.Errorf("insert events: %w", err)
		}
		return nil
	}
	enc.reset()
	for _, e := range events {
		enc.add(next, e.Timestamp, now, e.Message)
		next++
		if enc.full() {
			if err := flush(); err != nil {
				return inserted{}, err
			}
			enc.reset()
		}
	}
	if enc.meta.count > 0 {
		if err := flush(); err != nil {
			return inserted{}, err
		}
	}
	enc.trim()
	// Committed or not, the ids are taken: the caller resets nextID when
	// the transaction fails.
	s.nextID = next
	return ins, nil
}

// PutResult is what PutLogEvents answers.
type PutResult struct {
	// NextSequenceToken is the deprecated sequence token.
	NextSequenceToken string
	// Rejected is nil when every event was stored.
	Rejected *Rejected
}

// Rejected tells which events of a PutLogEvents batch were refused; each
// index is nil when no event was refused for that reason.
type Rejected struct {
	// TooNewStart is the index of the first event more than two hours in
	// the future; it and all later events were refused.
	TooNewStart *int
	// TooOldEnd is the index of the last event older than 14 days; it and
	// all earlier events were refused.
	TooOldEnd *int
	// ExpiredEnd is the index of the last event older than the group's
	// retention; it and all earlier events were refused.
	ExpiredEnd *int
}

// Limits of PutLogEvents.
const (
	maxFuture = 2 * time.Hour
	maxPast   = 14 * 24 * time.Hour
	maxSpan   = 24 * time.Hour
)

// PutLogEvents stores a batch in an existing stream with the rules of the
// PutLogEvents API: the batch must be in chronological order, at most
// MaxBatchBytes and MaxEvents events, and span at most 24 hours; events more
// than two hours ahead, older than 14 days or older than the group's
// retention are refused (and reported in Rejected) while the others are
// stored.
func (s *Store) PutLogEvents(ctx context.Context, group, stream string, events []Event) (PutResult, error) {
	if len(events) == 0 || len(events) > MaxEvents {
		return PutResult{}, errf(ErrInvalid, "A batch must hold 1 to %d log events; this one has %d.", MaxEvents, len(events))
	}
	var size int
	for i, e := range events {
		if e.Message == "" {
			return PutResult{}, errf(ErrInvalid, "Log event %d has an empty message.", i)
		}
		if i > 0 && e.Timestamp < events[i-1].Timestamp {
			return PutResult{}, errf(ErrInvalid, "Log events in a single PutLogEvents request must be in chronological order.")
		}
		size += len(e.Message) + EventOverhead
	}
	if size > MaxBatchBytes {
		return PutResult{}, errf(ErrInvalid, "Upload too large: %d bytes exceeds limit of %d", size, MaxBatchBytes)
	}
	var res PutResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		var retention int32
		gid, err := s.groupID(ctx, tx, group)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT retention_days FROM logs_groups WHERE id = ?`, gid).Scan(&retention); err != nil {
			return fmt.Errorf("logs: put log events: %w", err)
		}
		if id, err = s.streamID(ctx, tx, group, stream); err != nil {
			return err
		}
		now := s.now()
		lo, hi, rej := acceptWindow(events, now, retention)
		res.Rejected = rej
		accepted := events[lo:hi]
		if len(accepted) > 0 && time.Duration(accepted[len(accepted)-1].Timestamp-accepted[0].Timestamp)*time.Millisecond > maxSpan {
			return errf(ErrInvalid, "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
		}
		seq, err := s.streamSeq(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(accepted) > 0 {
			// The stream's tail does not follow this path: read it from
			// SQLite until Append starts a new one.
			s.tails.forget(id)
			ins, err := s.insertEvents(ctx, tx, id, accepted, now.UnixMilli())
			if err != nil {
				return fmt.Errorf("logs: put log events: %w", err)
			}
			seq = ins.seq
		}
		res.NextSequenceToken = sequenceToken(seq)
		return nil
	})
	return res, err
}

// acceptWindow returns the range events[lo:hi] of a chronological batch that
// the service accepts at now, and what it refuses.
func acceptWindow(events []Event, now time.Time, retentionDays int32) (lo, hi int, rej *Rejected) {
	tooOld := now.Add(-maxPast).UnixMilli()
	tooNew := now.Add(maxFuture).UnixMilli()
	expired := int64(-1 << 63)
	if retentionDays > 0 {
		expired = now.Add(-time.Duration(retentionDays) * 24 * time.Hour).UnixMilli()
	}
	oldEnd, expEnd := -1, -1
	for i, e := range events {
		if e.Timestamp < tooOld {
			oldEnd = i
		}
		if e.Timestamp < expired {
			expEnd = i
		}
	}
	hi = len(events)
	for hi > 0 && events[hi-1].Timestamp > tooNew {
		hi--
	}
	var r Rejected
	if oldEnd >= 0 {
		r.TooOldEnd = &oldEnd
	}
	if expEnd >= 0 {
		r.ExpiredEnd = &expEnd
	}
	if hi < len(events) {
		r.TooNewStart = &hi
	}
	if r != (Rejected{}) {
		rej = &r
	}
	lo = min(max(oldEnd, expEnd)+1, hi)
	return lo, hi, rej
}

// streamSeq returns the stream's sequence number.
func (s *Store) streamSeq(ctx context.Context, q querier, id int64) (int64, error) {
	var seq int64
	if err := q.QueryRowContext(ctx, `SELECT seq FROM logs_streams WHERE id = ?`, id).Scan(&seq); err != nil {
		return 0, fmt.Errorf("logs: read stream sequence: %w", err)
	}
	return seq, nil
}

// WriterMark returns the mark stored by the stream's last AppendMarked with
// one ("" when there is none); ErrNotFound when the stream does not exist.
func (s *Store) WriterMark(ctx context.Context, group, stream string) (string, error) {
	id, err := s.streamID(ctx, s.db, group, stream)
	if err != nil {
		return "", err
	}
	var mark sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT writer_mark FROM logs_streams WHERE id = ?`, id).Scan(&mark); err != nil {
		return "", fmt.Errorf("logs: read writer mark: %w", err)
	}
	return mark.String, nil
}
