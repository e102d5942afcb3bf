package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// FileName is the database file inside a state directory.
const FileName = "ecsrun.db"

// ErrLocked is returned when another process holds the database.
var ErrLocked = errors.New("state directory is in use by another process")

// Open opens (creating if needed) the database in dir with WAL journaling,
// foreign keys on and a busy timeout, and applies the base schema.
func Open(ctx context.Context, dir string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create state directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// auto_vacuum must come before journal_mode: it takes effect only on
	// a database that has no table yet (see reclaimable for older ones).
	// On a database that has tables it changes nothing, yet costs every
	// connection 1 to 8 ms (the engine's open, for every command): it is
	// given to a new database only.
	dsn := "file:" + path + "?"
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		dsn += "_pragma=auto_vacuum(INCREMENTAL)&"
	}
	dsn += "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(ON)" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(AutoCheckpointPages) + ")" +
		"&_pragma=journal_size_limit(" + strconv.Itoa(WALSizeLimit) + ")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := reclaimable(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT PRIMARY KEY,
		version   INTEGER NOT NULL
	)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	return db, nil
}

// Migrate applies, in one transaction each, the steps of component that the
// database has not seen yet. Steps are SQL scripts; their order is their
// version, so existing steps must never be edited or reordered, only appended.
func Migrate(ctx context.Context, db *sql.DB, component string, steps []string) error {
	var have int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_migrations WHERE component = ?`, component).Scan(&have)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: read %s schema version: %w", component, err)
	}
	if have > len(steps) {
		return fmt.Errorf("store: %s schema version %d is newer than this ecsrun knows (%d): upgrade ecsrun", component, have, len(steps))
	}
	for v := have; v < len(steps); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate %s: %w", component, err)
		}
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s to version %d: %w", component, v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(component, version) VALUES(?, ?)
			ON CONFLICT(component) DO UPDATE SET version = excluded.version`, component, v+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate %s: %w", component, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migrate %s: %w", component, err)
		}
	}
	return nil
}

// AutoCheckpointPages is the WAL size, in pages, at which a committing
// connection checkpoints the WAL itself (SQLite's wal_autocheckpoint); it
// is a backstop for Checkpoint, which keeps the WAL smaller without making
// a commit wait for the checkpoint's fsync.
const AutoCheckpointPages = 10000

// Checkpoint copies the WAL into the database every interval (a PASSIVE
// checkpoint: writers go on meanwhile) until ctx ends, so that commits
// rarely pay for a checkpoint. Errors are retried at the next interval.
func Checkpoint(ctx context.Context, db *sql.DB, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	}
}

// WALSizeLimit is the size, in bytes, to which SQLite truncates the WAL
// file when a checkpoint lets it start over (journal_size_limit): without
// it the file keeps the size of the largest burst of writes.
const WALSizeLimit = 4 << 20

// reclaimable makes a database give back the pages that deletes free
// (auto_vacuum INCREMENTAL, then Reclaim). A new database gets the setting
// from the connection string before its first table; one made by an older
// ecsrun has auto_vacuum NONE, which only a VACUUM changes: it runs once,
// when such a database is first opened.
func reclaimable(ctx context.Context, db *sql.DB) error {
	var mode int
	if err := db.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return fmt.Errorf("read auto_vacuum: %w", err)
	}
	const incremental = 2
	if mode == incremental {
		return nil
	}
	// The pragma is per connection until VACUUM writes it into the file:
	// run both on one connection.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return fmt.Errorf("set auto_vacuum: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("vacuum once to turn on auto_vacuum: %w", err)
	}
	return nil
}

// Reclaim gives the database's free pages back to the file system
// (incremental_vacuum) and truncates the WAL once it is checkpointed. The
// engine calls it after deleting in bulk (expired tasks, expired log
// events); it is cheap when there is nothing to give back. A checkpoint
// that readers keep from completing leaves the WAL for the next call.
func Reclaim(ctx context.Context, db *sql.DB) error {
	// Each step of the statement frees pages: read it to the end.
	rows, err := db.QueryContext(ctx, `PRAGMA incremental_vacuum`)
	if err == nil {
		for rows.Next() {
		}
		err = errors.Join(rows.Err(), rows.Close())
	}
	if err != nil {
		return fmt.Errorf("store: incremental vacuum: %w", err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}
