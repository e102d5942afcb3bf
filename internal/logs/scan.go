package logs

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
)

// ScanQuery chooses the events ScanEvents reads.
type ScanQuery struct {
	// Groups are log group names; a group that does not exist is an
	// errGroupNotFound error.
	Groups []string
	// StartTime (inclusive) and EndTime (exclusive) bound the events'
	// timestamps in milliseconds; 0 leaves that side open.
	StartTime, EndTime int64
}

// ScannedEvent is an event ScanEvents read, with its group.
type ScannedEvent struct {
	StoredEvent
	Group string
}

// ScanEvents calls fn with every event of the groups in the time range,
// newest first (by timestamp, then ingestion order), for readers that see
// whole groups: Logs Insights queries and field discovery. It stops at the
// first error fn returns, or when ctx is done, and returns that error.
func (s *Store) ScanEvents(ctx context.Context, q ScanQuery, fn func(ScannedEvent) error) error {
	lo, hi, err := timeRange(q.StartTime, q.EndTime)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ids := make([]int64, len(q.Groups))
	for i, g := range q.Groups {
		if ids[i], err = s.groupID(ctx, s.db, g); err != nil {
			return err
		}
	}
	idList, _ := json.Marshal(ids)
	type names struct{ stream, group string }
	byStream := map[int64]names{}
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.name, g.name FROM logs_streams s JOIN logs_groups g ON g.id = s.group_id
		WHERE s.group_id IN (SELECT value FROM json_each(?))`, string(idList))
	if err != nil {
		return fmt.Errorf("logs: scan events: %w", err)
	}
	for rows.Next() {
		var id int64
		var n names
		if err := rows.Scan(&id, &n.stream, &n.group); err != nil {
			rows.Close()
			return fmt.Errorf("logs: scan events: %w", err)
		}
		byStream[id] = n
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("logs: scan events: %w", err)
	}
	query := `SELECT b.id, b.stream_id, b.last_id, b.min_ts, b.max_ts, b.count FROM logs_blocks b JOIN logs_streams s ON s.id = b.stream_id
		WHERE s.group_id IN (SELECT value FROM json_each(?)) AND b.max_ts >= ? AND b.min_ts < ?`
	keep := func(e *blockEvent) bool { return e.ts >= lo && e.ts < hi }
	var fnErr error
	err = s.readMerge(ctx, byTimeDesc, keep, query, []any{string(idList), lo, hi}, func(m *merger) error {
		for {
			me, ok := m.Next()
			if !ok {
				return m.Err()
			}
			n, ok := byStream[me.stream]
			if !ok {
				// A stream created since the names were read.
				var err error
				if n.stream, n.group, err = s.streamNames(ctx, me.stream); err != nil {
					return err
				}
				byStream[me.stream] = n
			}
			e := ScannedEvent{StoredEvent: StoredEvent{ID: me.id, Stream: n.stream, Timestamp: me.ts, IngestionTime: me.ingested, Message: me.msg}, Group: n.group}
			if fnErr = fn(e); fnErr != nil {
				return fnErr
			}
			if fnErr = ctx.Err(); fnErr != nil {
				return fnErr
			}
		}
	})
	if err != nil && (fnErr == nil || err != fnErr) {
		return fmt.Errorf("logs: scan events: %w", err)
	}
	return err
}

// streamNames returns the names of stream id and of its group.
func (s *Store) streamNames(ctx context.Context, id int64) (stream, group string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT s.name, g.name FROM logs_streams s JOIN logs_groups g ON g.id = s.group_id WHERE s.id = ?`, id).Scan(&stream, &group)
	return stream, group, err
}

// errEventNotFound: no event of the group has the id.
var errEventNotFound = &Error{Kind: ErrNotFound, Msg: "The specified log event does not exist."}

// EventByID reads one event of a group by its ID (GetLogRecord reads the
// event a query's @ptr names). A group that does not exist is an
// errGroupNotFound error; an id that is not one of the group's events (it
// expired, its stream was deleted, or it never was) is an ErrNotFound error
// too.
func (s *Store) EventByID(ctx context.Context, group string, id int64) (ScannedEvent, error) {
	gid, err := s.groupID(ctx, s.db, group)
	if err != nil {
		return ScannedEvent{}, err
	}
	// In each stream of the group, the block with the largest first id at
	// most id holds the event, if any does: a stream's blocks hold
	// disjoint id ranges (blocks of different streams may overlap).
	rows, err := s.db.QueryContext(ctx, `SELECT b.id, b.last_id, b.count, b.data, s.name FROM logs_streams s
		JOIN logs_blocks b ON b.id = (SELECT id FROM logs_blocks WHERE stream_id = s.id AND id <= ?1 ORDER BY id DESC LIMIT 1)
		WHERE s.group_id = ?2 AND b.last_id >= ?1`, id, gid)
	if err != nil {
		return ScannedEvent{}, fmt.Errorf("logs: read event %d of %q: %w", id, group, err)
	}
	defer rows.Close()
	var evs []blockEvent
	for rows.Next() {
		var (
			m      blockMeta
			stream string
			data   sql.RawBytes
		)
		if err := rows.Scan(&m.first, &m.last, &m.count, &data, &stream); err != nil {
			return ScannedEvent{}, fmt.Errorf("logs: read event %d of %q: %w", id, group, err)
		}
		if evs, err = checkBlock(evs[:0], m, data); err != nil {
			return ScannedEvent{}, fmt.Errorf("logs: read event %d of %q: %w", id, group, err)
		}
		i, found := slices.BinarySearchFunc(evs, id, func(e blockEvent, id int64) int { return cmp.Compare(e.id, id) })
		if found {
			ev := evs[i]
			return ScannedEvent{StoredEvent: StoredEvent{ID: ev.id, Stream: stream, Timestamp: ev.ts, IngestionTime: ev.ingested, Message: ev.msg}, Group: group}, nil
		}
	}
	if err := rows.Err(); err != nil {
		return ScannedEvent{}, fmt.Errorf("logs: read event %d of %q: %w", id, group, err)
	}
	return ScannedEvent{}, errEventNotFound
}
