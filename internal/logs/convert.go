package logs

import (
	"context"
	"database/sql"
	"fmt"
)

// convertLegacyEvents moves the events of a state directory written before
// blocks (the table logs_events, one row per event) into blocks with the
// same ids, stream by stream, then drops the table, in one transaction: it
// happens once, or not at all and again at the next Open. The migration
// that created logs_blocks already set logs_meta.high_id to the largest
// legacy id. A store created by this version finds logs_events empty (the
// first migration step created it) and only drops it.
func convertLegacyEvents(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'logs_events'`).Scan(&n); err != nil {
		return fmt.Errorf("logs: convert events to blocks: %w", err)
	}
	if n == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("logs: convert events to blocks: %w", err)
	}
	defer tx.Rollback()
	if err := convertLegacyTx(ctx, tx); err != nil {
		return fmt.Errorf("logs: convert events to blocks: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("logs: convert events to blocks: %w", err)
	}
	return nil
}

func convertLegacyTx(ctx context.Context, tx *sql.Tx) error {
	// Another process may have converted since the check above.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'logs_events'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO logs_blocks (id, stream_id, last_id, min_ts, max_ts, count, bytes, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	// The events are read in stream and id order (the stream index carries
	// the id) a stream at a time, so that no block is written while the
	// cursor is open on the table it reads.
	var streams []int64
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT stream_id FROM logs_events ORDER BY stream_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		streams = append(streams, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	var enc encoder
	flush := func(sid int64) error {
		m := enc.meta
		if m.count == 0 {
			return nil
		}
		_, err := ins.ExecContext(ctx, m.first, sid, m.last, m.minTS, m.maxTS, m.count, m.bytes, enc.data())
		enc.reset()
		return err
	}
	for _, sid := range streams {
		// A block's worth of events at a time, after the last id read.
		var after int64 = -1 << 63
		for {
			rows, err := tx.QueryContext(ctx, `SELECT id, ts, ingested, CAST(message AS BLOB) FROM logs_events
				WHERE stream_id = ? AND id > ? ORDER BY id LIMIT ?`, sid, after, blockMaxEvents)
			if err != nil {
				return err
			}
			enc.reset()
			read := 0
			for rows.Next() {
				var id, ts, ingested int64
				var msg sql.RawBytes
				if err := rows.Scan(&id, &ts, &ingested, &msg); err != nil {
					rows.Close()
					return err
				}
				if enc.full() {
					break
				}
				after = id
				read++
				if len(msg) > 0 { // a block holds no empty message (never stored)
					enc.add(id, ts, ingested, string(msg))
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := flush(sid); err != nil {
				return err
			}
			if read == 0 {
				break
			}
		}
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE logs_events`)
	return err
}
