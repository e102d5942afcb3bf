package logs

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// StoredEvent is an event as the store returns it.
type StoredEvent struct {
	// ID is the event's place in the global ingestion order; it increases
	// along every stream.
	ID int64
	// Stream is the log stream's name.
	Stream        string
	Timestamp     int64
	IngestionTime int64
	Message       string
}

// EventID is the event's id as FilterLogEvents shows it.
func (e StoredEvent) EventID() string { return strconv.FormatInt(e.ID, 10) }

// size is how much the event weighs against MaxPageBytes.
func (e StoredEvent) size() int { return len(e.Message) + EventOverhead }

// EventQuery reads one stream for GetLogEvents.
type EventQuery struct {
	Group, Stream string
	// StartTime (inclusive) and EndTime (exclusive) bound the events'
	// timestamps; 0 leaves that side open.
	StartTime, EndTime int64
	// Limit is 1 to MaxEvents (MaxEvents when 0). A page also stops before
	// it would pass MaxPageBytes.
	Limit int
	// StartFromHead reads from the oldest event; otherwise a first call
	// returns the newest Limit events. Ignored when NextToken is set: the
	// token says which way to go.
	StartFromHead bool
	// NextToken is a NextForwardToken or NextBackwardToken from an earlier
	// page of the same stream.
	NextToken string
}

// EventPage is a page of GetLogEvents. The tokens are never empty.
type EventPage struct {
	// Events are in stream order, oldest first.
	Events            []StoredEvent
	NextForwardToken  string
	NextBackwardToken string
}

// Tokens are positions between events: position p lies just before the
// event with id p. A forward token reads the events at or after its
// position, a backward token those before it. The digits are the stream id
// and the position, so a token from another stream (or from a stream that was
// deleted and created again) is refused instead of silently skipping events.
const tokenDigits = 20

func formatToken(dir byte, stream, pos int64) string {
	return fmt.Sprintf("%c/%0*d%0*d", dir, tokenDigits, stream, tokenDigits, pos)
}

// parseToken reads a GetLogEvents token of the given stream.
func parseToken(tok string, stream int64) (forward bool, pos int64, err error) {
	if len(tok) != 2+2*tokenDigits || tok[1] != '/' || (tok[0] != 'f' && tok[0] != 'b') {
		return false, 0, errBadToken
	}
	sid, err1 := strconv.ParseInt(tok[2:2+tokenDigits], 10, 64)
	pos, err2 := strconv.ParseInt(tok[2+tokenDigits:], 10, 64)
	if err1 != nil || err2 != nil || sid != stream || pos < 0 {
		return false, 0, errBadToken
	}
	return tok[0] == 'f', pos, nil
}

// timeRange turns the optional StartTime/EndTime into SQL bounds.
func timeRange(start, end int64) (lo, hi int64, err error) {
	if start < 0 || end < 0 {
		return 0, 0, errf(ErrInvalid, "startTime and endTime must not be negative.")
	}
	hi = math.MaxInt64
	if end != 0 {
		hi = end
	}
	return start, hi, nil
}

// GetLogEvents reads a page of one stream with the service's token rules:
//
//   - Without a token, StartFromHead reads forward from the oldest event;
//     otherwise the page holds the newest Limit events in the time range.
//   - NextForwardToken points just after the page's last event and
//     NextBackwardToken just before its first. Passing one continues in
//     its direction; when nothing is left that way, the answer has no events
//     and gives back the token passed, unchanged.
//   - A forward token taken at the end of a stream returns, later, exactly
//     the events stored since: tail a stream by polling with it.
func (s *Store) GetLogEvents(ctx context.Context, q EventQuery) (EventPage, error) {
	limit, err := pageLimit(q.Limit, MaxEvents)
	if err != nil {
		return EventPage{}, err
	}
	lo, hi, err := timeRange(q.StartTime, q.EndTime)
	if err != nil {
		return EventPage{}, err
	}
	forward, pos := q.StartFromHead, int64(0)
	if forward || q.NextToken != "" {
		// A forward reader is likely to come back for what is stored
		// next (even when the stream does not exist yet).
		s.tails.watch(streamKey{q.Group, q.Stream}, s.now())
	}
	sid, err := s.streamID(ctx, s.db, q.Group, q.Stream)
	if err != nil {
		return EventPage{}, err
	}
	if q.NextToken != "" {
		if forward, pos, err = parseToken(q.NextToken, sid); err != nil {
			return EventPage{}, err
		}
	} else if !forward {
		// Read the end first: events stored after this read lie beyond it,
		// so the forward token of an empty page cannot skip them.
		var end int64
		if err := s.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT last_id FROM logs_blocks WHERE stream_id = ? ORDER BY id DESC LIMIT 1), 0)`, sid).Scan(&end); err != nil {
			return EventPage{}, fmt.Errorf("logs: get log events: %w", err)
		}
		pos = end + 1
	}
	var page EventPage
	if forward {
		if events, ok := s.tails.read(sid, q.Stream, pos, lo, hi, limit, s.now()); ok {
			page.Events = events
			return s.pageTokens(page, q, sid, forward, pos), nil
		}
	}
	events, err := s.readStream(ctx, sid, q.Stream, forward, pos, lo, hi, limit)
	if err != nil {
		return EventPage{}, fmt.Errorf("logs: get log events: %w", err)
	}
	page.Events = events
	if !forward {
		slices.Reverse(page.Events)
	}
	return s.pageTokens(page, q, sid, forward, pos), nil
}

// pageTokens sets the tokens of a page read from position pos.
func (s *Store) pageTokens(page EventPage, q EventQuery, sid int64, forward bool, pos int64) EventPage {
	switch {
	case len(page.Events) > 0:
		page.NextForwardToken = formatToken('f', sid, page.Events[len(page.Events)-1].ID+1)
		page.NextBackwardToken = formatToken('b', sid, page.Events[0].ID)
	case q.NextToken != "" && forward:
		page.NextForwardToken = q.NextToken
		page.NextBackwardToken = formatToken('b', sid, pos)
	case q.NextToken != "":
		page.NextBackwardToken = q.NextToken
		page.NextForwardToken = formatToken('f', sid, pos)
	default:
		page.NextForwardToken = formatToken('f', sid, pos)
		page.NextBackwardToken = formatToken('b', sid, pos)
	}
	return page
}

// readStream reads the events of stream sid (named stream) whose
// timestamps are in [lo, hi): forward, those at or after position pos in id
// order; backward, those before it, newest first. It stops at limit events
// and before MaxPageBytes (the page's first event always fits).
func (s *Store) readStream(ctx context.Context, sid int64, stream string, forward bool, pos, lo, hi int64, limit int) ([]StoredEvent, error) {
	var query string
	if forward {
		// From the block that holds pos, if any: the blocks of a stream
		// hold disjoint, increasing id ranges.
		query = `SELECT id, last_id, count, data FROM logs_blocks
			WHERE stream_id = ?1 AND id >= COALESCE((SELECT id FROM logs_blocks WHERE stream_id = ?1 AND id <= ?2 ORDER BY id DESC LIMIT 1), 0)
			AND last_id >= ?2 AND max_ts >= ?3 AND min_ts < ?4 ORDER BY id`
	} else {
		query = `SELECT id, last_id, count, data FROM logs_blocks
			WHERE stream_id = ?1 AND id < ?2 AND max_ts >= ?3 AND min_ts < ?4 ORDER BY id DESC`
	}
	rows, err := s.db.QueryContext(ctx, query, sid, pos, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		out   []StoredEvent
		buf   []blockEvent
		bytes int
	)
	for rows.Next() {
		var m blockMeta
		var data sql.RawBytes
		if err := rows.Scan(&m.first, &m.last, &m.count, &data); err != nil {
			return nil, err
		}
		if buf, err = checkBlock(buf[:0], m, data); err != nil {
			return nil, err
		}
		for i := range buf {
			e := &buf[i]
			if !forward {
				e = &buf[len(buf)-1-i]
			}
			if (forward && e.id < pos) || (!forward && e.id >= pos) || e.ts < lo || e.ts >= hi {
				continue
			}
			se := StoredEvent{ID: e.id, Stream: stream, Timestamp: e.ts, IngestionTime: e.ingested, Message: e.msg}
			if bytes += se.size(); bytes > MaxPageBytes && len(out) > 0 {
				return out, nil
			}
			if out == nil {
				out = make([]StoredEvent, 0, min(limit, max(len(buf)-i, 64)))
			}
			out = append(out, se)
			if len(out) == limit {
				return out, nil
			}
		}
	}
	return out, rows.Err()
}
