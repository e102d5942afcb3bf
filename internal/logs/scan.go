package logs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, s.name, g.name, e.ts, e.ingested, e.message
		FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id JOIN logs_groups g ON g.id = s.group_id
		WHERE s.group_id IN (SELECT value FROM json_each(?)) AND e.ts >= ? AND e.ts < ?
		ORDER BY e.ts DESC, e.id DESC`, string(idList), lo, hi)
	if err != nil {
		return fmt.Errorf("logs: scan events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e ScannedEvent
		if err := rows.Scan(&e.ID, &e.Stream, &e.Group, &e.Timestamp, &e.IngestionTime, &e.Message); err != nil {
			return fmt.Errorf("logs: scan events: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("logs: scan events: %w", err)
	}
	return nil
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
	e := ScannedEvent{Group: group}
	err = s.db.QueryRowContext(ctx, `SELECT e.id, s.name, e.ts, e.ingested, e.message
		FROM logs_events e JOIN logs_streams s ON s.id = e.stream_id
		WHERE e.id = ? AND s.group_id = ?`, id, gid).Scan(&e.ID, &e.Stream, &e.Timestamp, &e.IngestionTime, &e.Message)
	if errors.Is(err, sql.ErrNoRows) {
		return ScannedEvent{}, errEventNotFound
	}
	if err != nil {
		return ScannedEvent{}, fmt.Errorf("logs: read event %d of %q: %w", id, group, err)
	}
	return e, nil
}
