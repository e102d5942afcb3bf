package logs

import (
	"context"
	"fmt"
)

// This file serves followers of a log group's new events (subscription
// filters' delivery, internal/logsdelivery): ids are the global ingestion
// order, so "events after id N" is a cursor that survives restarts.

// LastEventID returns the id of the newest event ever stored (even if it
// was deleted since: ids are never given twice), 0 when there is none.
func (s *Store) LastEventID(ctx context.Context, q Queryer) (int64, error) {
	var id int64
	if err := q.QueryRowContext(ctx, `SELECT max((SELECT high_id FROM logs_meta),
		COALESCE((SELECT last_id FROM logs_blocks ORDER BY id DESC LIMIT 1), 0))`).Scan(&id); err != nil {
		return 0, fmt.Errorf("logs: last event id: %w", err)
	}
	return id, nil
}

// EventsAfter returns up to limit events of a group whose ids are above
// after, in ingestion order.
func (s *Store) EventsAfter(ctx context.Context, group string, after int64, limit int) ([]StoredEvent, error) {
	names := map[int64]string{}
	rows, err := s.db.QueryContext(ctx, `SELECT st.id, st.name FROM logs_streams st JOIN logs_groups g ON g.id = st.group_id WHERE g.name = ?`, group)
	if err != nil {
		return nil, fmt.Errorf("logs: events of %q after %d: %w", group, after, err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("logs: events of %q after %d: %w", group, after, err)
		}
		names[id] = name
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("logs: events of %q after %d: %w", group, after, err)
	}
	// Per stream, the blocks from the one that holds after on.
	query := `SELECT b.id, b.stream_id, b.last_id, b.min_ts, b.max_ts, b.count
		FROM logs_streams st JOIN logs_groups g ON g.id = st.group_id JOIN logs_blocks b ON b.stream_id = st.id
		WHERE g.name = ?1 AND b.last_id > ?2
		AND b.id >= COALESCE((SELECT id FROM logs_blocks WHERE stream_id = st.id AND id <= ?2 ORDER BY id DESC LIMIT 1), 0)`
	keep := func(e *blockEvent) bool { return e.id > after }
	var out []StoredEvent
	err = s.readMerge(ctx, byID, keep, query, []any{group, after}, func(m *merger) error {
		for len(out) < limit {
			me, ok := m.Next()
			if !ok {
				return m.Err()
			}
			name, ok := names[me.stream]
			if !ok {
				var err error
				if name, _, err = s.streamNames(ctx, me.stream); err != nil {
					return err
				}
				names[me.stream] = name
			}
			out = append(out, StoredEvent{ID: me.id, Stream: name, Timestamp: me.ts, IngestionTime: me.ingested, Message: me.msg})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("logs: events of %q after %d: %w", group, after, err)
	}
	return out, nil
}
