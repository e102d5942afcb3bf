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
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(ON)" +
		"&_pragma=wal_autocheckpoint(" + strconv.Itoa(AutoCheckpointPages) + ")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
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
