package logs

import (
	"context"
	"fmt"
)

// This file serves followers of a log group's new events (subscription
// filters' delivery, internal/logsdelivery): ids are the global ingestion
// order, so "events after id N" is a cursor that survives restarts.

// LastEventID returns the id of the newest stored event, 0 when there is
// none.
func (s *Store) LastEventID(ctx context.Context, q Queryer) (int64, error) {
	var id int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM logs_events`).Scan(&id); err != nil {
		return 0, fmt.Errorf("logs: last event id: %w", err)
	}
	return id, nil
}

// EventsAfter returns up to limit events of a group whose ids are above
// after, in ingestion order.
func (s *Store) EventsAfter(ctx context.Context, group string, after int64, limit int) ([]StoredEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, st.name, e.ts, e.ingested, e.message
		FROM logs_events e JOIN logs_streams st ON st.id = e.stream_id
		JOIN logs_groups g ON g.id = st.group_id
		WHERE g.name = ? AND e.id > ? ORDER BY e.id LIMIT ?`, group, after, limit)
	if err != nil {
		return nil, fmt.Errorf("logs: events of %q after %d: %w", group, after, err)
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		var e StoredEvent
		if err := rows.Scan(&e.ID, &e.Stream, &e.Timestamp, &e.IngestionTime, &e.Message); err != nil {
			return nil, fmt.Errorf("logs: events of %q after %d: %w", group, after, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("logs: events of %q after %d: %w", group, after, err)
	}
	return out, nil
}
