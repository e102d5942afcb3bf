package logs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// expireBatch is about how many events one transaction of ExpireEvents
// reads (in whole blocks), so that appenders never wait long behind it.
const expireBatch = 5000

// ExpireEvents deletes the events older than their group's retention
// (PutRetentionPolicy; groups without one keep every event), as CloudWatch
// Logs does, and returns how many it deleted. A stream that still holds
// events stays, its stored bytes and first event time brought up to date;
// one left empty that received nothing within the retention goes too. It deletes in
// small transactions; the engine calls it periodically, then gives the
// space back (store.Reclaim).
func (s *Store) ExpireEvents(ctx context.Context) (int64, error) {
	type policy struct {
		id     int64
		name   string
		cutoff int64
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, retention_days FROM logs_groups WHERE retention_days > 0`)
	if err != nil {
		return 0, fmt.Errorf("logs: expire events: %w", err)
	}
	var groups []policy
	now := s.now()
	for rows.Next() {
		var p policy
		var days int64
		if err := rows.Scan(&p.id, &p.name, &days); err != nil {
			rows.Close()
			return 0, fmt.Errorf("logs: expire events: %w", err)
		}
		p.cutoff = now.Add(-time.Duration(days) * 24 * time.Hour).UnixMilli()
		groups = append(groups, p)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("logs: expire events: %w", err)
	}
	var total int64
	for _, g := range groups {
		for {
			n, more, err := s.expireBatch(ctx, g.id, g.cutoff)
			total += n
			if err != nil {
				return total, fmt.Errorf("logs: expire events of %q: %w", g.name, err)
			}
			if !more {
				break
			}
		}
		if err := s.dropEmptyStreams(ctx, g.id, g.name, g.cutoff); err != nil {
			return total, fmt.Errorf("logs: expire streams of %q: %w", g.name, err)
		}
	}
	return total, nil
}

// dropEmptyStreams deletes the streams of group gid that hold no event and
// received none since cutoff (all theirs expired, or they never had one),
// so that a group under a retention policy that tasks keep adding streams
// to does not grow without bound either.
func (s *Store) dropEmptyStreams(ctx context.Context, gid int64, group string, cutoff int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM logs_streams AS st WHERE group_id = ?
				AND COALESCE(last_ingestion, creation_time) < ?
				AND NOT EXISTS (SELECT 1 FROM logs_blocks WHERE stream_id = st.id)
			RETURNING name`, gid, cutoff)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k := streamKey{group: group}
			if err := rows.Scan(&k.stream); err != nil {
				return err
			}
			delete(s.streams, k)
			s.tails.forgetAll()
		}
		return rows.Err()
	})
}

// expireBatch deletes the events of group gid older than cutoff from the
// blocks that hold some, about expireBatch events' worth of blocks at a time
// (more is true when it stopped there), and updates their streams. A block
// partly expired is written again with the events that remain, which keep
// their ids.
func (s *Store) expireBatch(ctx context.Context, gid, cutoff int64) (n int64, more bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT b.id, b.stream_id, b.last_id, b.count, b.data
			FROM logs_streams st JOIN logs_blocks b ON b.stream_id = st.id
			WHERE st.group_id = ? AND st.first_event < ? AND b.min_ts < ?`, gid, cutoff, cutoff)
		if err != nil {
			return err
		}
		type block struct {
			meta   blockMeta
			stream int64
			data   []byte
		}
		var blocks []block
		var read int64
		for rows.Next() {
			if read >= expireBatch {
				more = true
				break
			}
			var b block
			if err := rows.Scan(&b.meta.first, &b.stream, &b.meta.last, &b.meta.count, &b.data); err != nil {
				rows.Close()
				return err
			}
			blocks = append(blocks, b)
			read += b.meta.count
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(blocks) == 0 {
			return nil
		}
		s.tails.forgetAll()
		if err := keepHighID(ctx, tx); err != nil {
			return err
		}
		freed := map[int64]int64{}
		var evs []blockEvent
		var enc encoder
		for _, b := range blocks {
			if evs, err = checkBlock(evs[:0], b.meta, b.data); err != nil {
				return err
			}
			enc.reset()
			for _, e := range evs {
				if e.ts < cutoff {
					freed[b.stream] += int64(len(e.msg))
					n++
				} else {
					enc.add(e.id, e.ts, e.ingested, e.msg)
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM logs_blocks WHERE id = ?`, b.meta.first); err != nil {
				return err
			}
			if m := enc.meta; m.count > 0 {
				if _, err := tx.StmtContext(ctx, s.insert).ExecContext(ctx, m.first, b.stream, m.last, m.minTS, m.maxTS, m.count, m.bytes, enc.data()); err != nil {
					return err
				}
			}
		}
		for id, bytes := range freed {
			if _, err := tx.ExecContext(ctx, `UPDATE logs_streams SET stored_bytes = max(stored_bytes - ?1, 0),
				first_event = (SELECT min(min_ts) FROM logs_blocks WHERE stream_id = ?2) WHERE id = ?2`, bytes, id); err != nil {
				return err
			}
		}
		return nil
	})
	return n, more, err
}

// DeleteStreams deletes streams of group and their events, as
// DeleteLogStream does, skipping those that do not exist. The engine calls
// it when it forgets a stopped task, for the task's streams in its default
// log group.
func (s *Store) DeleteStreams(ctx context.Context, group string, streams []string) error {
	if len(streams) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		gid, err := s.groupID(ctx, tx, group)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, name := range streams {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM logs_streams WHERE group_id = ? AND name = ?`, gid, name).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("logs: delete log stream %q in %q: %w", name, group, err)
			}
			s.tails.forgetAll()
			if err := keepHighID(ctx, tx); err != nil {
				return err
			}
			for _, q := range []string{`DELETE FROM logs_blocks WHERE stream_id = ?`, `DELETE FROM logs_streams WHERE id = ?`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("logs: delete log stream %q in %q: %w", name, group, err)
				}
			}
			delete(s.streams, streamKey{group, name})
		}
		return nil
	})
}
