package logs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/store"
)

// Component is the name the store's schema is migrated under.
const Component = "logs"

// migrations are the store's schema steps. Append only; never edit one.
var migrations = []string{
	`CREATE TABLE logs_groups (
		id             INTEGER PRIMARY KEY,
		name           TEXT    NOT NULL UNIQUE,
		creation_time  INTEGER NOT NULL,
		retention_days INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE logs_streams (
		id             INTEGER PRIMARY KEY,
		group_id       INTEGER NOT NULL,
		name           TEXT    NOT NULL,
		creation_time  INTEGER NOT NULL,
		first_event    INTEGER,
		last_event     INTEGER,
		last_ingestion INTEGER,
		seq            INTEGER NOT NULL DEFAULT 0,
		stored_bytes   INTEGER NOT NULL DEFAULT 0,
		UNIQUE (group_id, name)
	);
	-- id is the global ingestion order; the index on stream_id carries the
	-- rowid, so it orders a stream's events by id.
	CREATE TABLE logs_events (
		id        INTEGER PRIMARY KEY,
		stream_id INTEGER NOT NULL,
		ts        INTEGER NOT NULL,
		ingested  INTEGER NOT NULL,
		message   TEXT    NOT NULL
	);
	CREATE INDEX logs_events_stream ON logs_events (stream_id);`,
	// The position of the writer that copies a source into the stream
	// (AppendMarked), committed with the events it stored.
	`ALTER TABLE logs_streams ADD COLUMN writer_mark TEXT;`,
	// Events are stored in blocks, one row per appended batch (block.go);
	// id is the block's first event id, so the index on stream_id orders a
	// stream's blocks by id. logs_meta.high_id is set, by every
	// transaction that deletes events, to the largest id given so far
	// (keepHighID): the next id is above it and above the newest block's,
	// so ids are never given twice. Open then moves logs_events into
	// blocks (convertLegacyEvents) and drops it.
	`CREATE TABLE logs_blocks (
		id        INTEGER PRIMARY KEY,
		stream_id INTEGER NOT NULL,
		last_id   INTEGER NOT NULL,
		min_ts    INTEGER NOT NULL,
		max_ts    INTEGER NOT NULL,
		count     INTEGER NOT NULL,
		bytes     INTEGER NOT NULL,
		data      BLOB    NOT NULL
	);
	CREATE INDEX logs_blocks_stream ON logs_blocks (stream_id);
	CREATE TABLE logs_meta (
		one     INTEGER PRIMARY KEY CHECK (one = 1),
		high_id INTEGER NOT NULL
	);
	INSERT INTO logs_meta (one, high_id) VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM logs_events));`,
	// Blocks may be compressed (blockFormatS2, block.go). The step changes
	// no row: it raises the version, so that an older ecsrun, which cannot
	// read such a block, refuses the database and says to upgrade instead
	// of failing on the first compressed block it reads.
	`UPDATE logs_meta SET high_id = high_id;`,
}

// Defaults used when Options leave them empty.
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "000000000000"
)

// Service limits.
const (
	// MaxEvents is the largest number of events one page returns (and the
	// default limit of GetLogEvents and FilterLogEvents).
	MaxEvents = 10000
	// MaxPageBytes caps a page of events: the messages in UTF-8 plus
	// EventOverhead bytes per event, as CloudWatch Logs counts them.
	MaxPageBytes = 1 << 20
	// MaxBatchBytes caps a PutLogEvents batch, counted the same way.
	MaxBatchBytes = 1 << 20
	// EventOverhead is what CloudWatch Logs adds to each message's length
	// when it sizes a batch or a page.
	EventOverhead = 26
	// MaxDescribe is the largest (and default) page of DescribeLogGroups and
	// DescribeLogStreams.
	MaxDescribe = 50
)

// Options configure a Store.
type Options struct {
	// Region and Account go into ARNs (DefaultRegion, DefaultAccount when
	// empty).
	Region  string
	Account string
	// Now is the clock (time.Now when nil); ingestion times, creation
	// times and the expiry of events come from it.
	Now func() time.Time
	// CreateRetention gives a retention, in days (one of RetentionDays), to
	// the groups named when Append or EnsureStream creates them (the
	// engine's default task log group); a group created any other way, or
	// not named, keeps its events until a PutRetentionPolicy.
	CreateRetention map[string]int32
}

// Store holds log groups, streams and events in SQLite. It is safe for
// concurrent use. Writes from this process are serialised by the Store, so
// concurrent appenders never wait in SQLite's busy handler.
type Store struct {
	db      *sql.DB
	region  string
	account string
	now     func() time.Time
	// createRetention is Options.CreateRetention.
	createRetention map[string]int32
	// deleteHooks run in DeleteLogGroup's transaction (see OnDeleteGroup).
	deleteHooks []DeleteHook

	// wmu serialises write transactions; streams caches stream ids by
	// group and stream name for Append (guarded by wmu).
	wmu     sync.Mutex
	streams map[streamKey]int64

	// tails keep the newest events of followed streams (tail.go).
	tails tails

	// nextID is the id the next event stored gets, 0 until read from the
	// database (guarded by wmu; reset when a write transaction fails). It
	// relies, as the tails do, on this Store being the only writer of its
	// tables; a second writer's ids would collide on logs_blocks' primary
	// key (an error, never a silent reuse).
	nextID int64
	// enc builds blocks (guarded by wmu).
	enc encoder

	insert    *sql.Stmt
	updStream *sql.Stmt
	setMark   *sql.Stmt
	closeOnce sync.Once
	prepared  []*sql.Stmt
}

type streamKey struct{ group, stream string }

// Open migrates the store's tables in db and prepares its statements. The
// caller keeps ownership of db; Close releases the statements only.
func Open(ctx context.Context, db *sql.DB, opts Options) (*Store, error) {
	if err := store.Migrate(ctx, db, Component, migrations); err != nil {
		return nil, fmt.Errorf("logs: %w", err)
	}
	if err := convertLegacyEvents(ctx, db); err != nil {
		return nil, err
	}
	s := &Store{
		db:      db,
		region:  opts.Region,
		account: opts.Account,
		now:     opts.Now,
		streams: map[streamKey]int64{},

		createRetention: opts.CreateRetention,
	}
	if s.region == "" {
		s.region = DefaultRegion
	}
	if s.account == "" {
		s.account = DefaultAccount
	}
	if s.now == nil {
		s.now = time.Now
	}
	var perr error
	prep := func(q string) *sql.Stmt {
		if perr != nil {
			return nil
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			perr = fmt.Errorf("logs: prepare statement: %w", err)
			return nil
		}
		s.prepared = append(s.prepared, st)
		return st
	}
	s.insert = prep(`INSERT INTO logs_blocks (id, stream_id, last_id, min_ts, max_ts, count, bytes, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	s.updStream = prep(`UPDATE logs_streams SET
		first_event    = CASE WHEN first_event IS NULL OR first_event > ?1 THEN ?1 ELSE first_event END,
		last_event     = CASE WHEN last_event IS NULL OR last_event < ?2 THEN ?2 ELSE last_event END,
		last_ingestion = ?3,
		stored_bytes   = stored_bytes + ?4,
		seq            = seq + ?5
		WHERE id = ?6
		RETURNING seq`)
	s.setMark = prep(`UPDATE logs_streams SET writer_mark = ? WHERE id = ?`)
	if perr != nil {
		s.Close()
		return nil, perr
	}
	return s, nil
}

// Close releases the prepared statements. It does not close the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		for _, st := range s.prepared {
			st.Close()
		}
	})
	return nil
}

// GroupARN returns the ARN of a log group,
// arn:aws:logs:<region>:<account>:log-group:<name> (DescribeLogGroups shows
// it as logGroupArn, and with ":*" appended as arn).
func (s *Store) GroupARN(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", s.region, s.account, name)
}

// StreamARN returns the ARN of a log stream.
func (s *Store) StreamARN(group, stream string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", s.region, s.account, group, stream)
}

var (
	groupNameRE  = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]+$`)
	streamNameRE = regexp.MustCompile(`^[^:*]*$`)
)

// checkGroupName reports a log group name the service would refuse.
func checkGroupName(name string) error {
	if name == "" || len(name) > 512 || !groupNameRE.MatchString(name) {
		return errf(ErrInvalid, "Invalid log group name %q: it must be 1 to 512 characters from a-z, A-Z, 0-9, '_', '-', '/', '.' and '#'.", clip(name))
	}
	return nil
}

// checkStreamName reports a log stream name the service would refuse.
func checkStreamName(name string) error {
	if name == "" || len(name) > 512 || !streamNameRE.MatchString(name) {
		return errf(ErrInvalid, "Invalid log stream name %q: it must be 1 to 512 characters, none of them ':' or '*'.", clip(name))
	}
	return nil
}

// clip used to shorten long values; AWS quotes the whole offending value,
// so it returns s unchanged.
func clip(s string) string { return s }

func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// groupID returns the id of the named group, or errGroupNotFound.
func (s *Store) groupID(ctx context.Context, q querier, name string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM logs_groups WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errGroupNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("logs: find log group %q: %w", name, err)
	}
	return id, nil
}

// streamID returns the id of the named stream; errGroupNotFound or
// errStreamNotFound when either is missing.
func (s *Store) streamID(ctx context.Context, q querier, group, stream string) (int64, error) {
	gid, err := s.groupID(ctx, q, group)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.QueryRowContext(ctx, `SELECT id FROM logs_streams WHERE group_id = ? AND name = ?`, gid, stream).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errStreamNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("logs: find log stream %q in %q: %w", stream, group, err)
	}
	return id, nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// write runs fn in a write transaction, serialised with the Store's other
// writes.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("logs: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		s.nextID = 0
		return err
	}
	if err := tx.Commit(); err != nil {
		s.nextID = 0
		return fmt.Errorf("logs: commit: %w", err)
	}
	return nil
}

// nextEventID returns the id the next event stored gets, reading it in tx
// the first time.
func (s *Store) nextEventID(ctx context.Context, tx *sql.Tx) (int64, error) {
	if s.nextID > 0 {
		return s.nextID, nil
	}
	var high int64
	err := tx.QueryRowContext(ctx, `SELECT max((SELECT high_id FROM logs_meta),
		COALESCE((SELECT last_id FROM logs_blocks ORDER BY id DESC LIMIT 1), 0))`).Scan(&high)
	if err != nil {
		return 0, fmt.Errorf("read next event id: %w", err)
	}
	s.nextID = high + 1
	return s.nextID, nil
}

// keepHighID records in tx, before events are deleted, the largest event
// id given so far, so that deleting the newest events never lets their ids
// be given again.
func keepHighID(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE logs_meta SET high_id = max(high_id,
		COALESCE((SELECT last_id FROM logs_blocks ORDER BY id DESC LIMIT 1), 0))`)
	if err != nil {
		return fmt.Errorf("logs: keep the last event id: %w", err)
	}
	return nil
}
