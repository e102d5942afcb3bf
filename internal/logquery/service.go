package logquery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/store"
)

// Component is the name the package's schema is migrated under.
const Component = "logquery"

var migrations = []string{
	`CREATE TABLE logquery_metric_filters (
		group_name      TEXT    NOT NULL,
		group_created   INTEGER NOT NULL, -- the group's creationTime: a filter dies with its group
		name            TEXT    NOT NULL,
		pattern         TEXT    NOT NULL,
		transformations TEXT    NOT NULL, -- JSON
		creation_time   INTEGER NOT NULL,
		extra           TEXT    NOT NULL, -- JSON: applyOnTransformedLogs, fieldSelectionCriteria, emitSystemFieldDimensions
		PRIMARY KEY (group_name, name)
	);
	CREATE TABLE logquery_queries (
		id           TEXT    PRIMARY KEY,
		query_string TEXT    NOT NULL,
		language     TEXT    NOT NULL,
		groups       TEXT    NOT NULL, -- JSON list of names
		start_time   INTEGER NOT NULL, -- seconds
		end_time     INTEGER NOT NULL,
		row_limit    INTEGER NOT NULL,
		status       TEXT    NOT NULL,
		create_time  INTEGER NOT NULL, -- milliseconds
		results      TEXT,             -- JSON, when Complete
		stats        TEXT,
		message      TEXT
	);
	CREATE TABLE logquery_definitions (
		id            TEXT    PRIMARY KEY,
		name          TEXT    NOT NULL,
		query_string  TEXT    NOT NULL,
		groups        TEXT    NOT NULL,
		language      TEXT    NOT NULL,
		parameters    TEXT    NOT NULL,
		last_modified INTEGER NOT NULL
	);`,
	`CREATE TABLE logquery_index_policies (
		group_name    TEXT    NOT NULL PRIMARY KEY,
		group_created INTEGER NOT NULL,
		document      TEXT    NOT NULL,
		last_update   INTEGER NOT NULL
	);`,
	`CREATE TABLE logquery_scheduled (
		name           TEXT    NOT NULL PRIMARY KEY,
		description    TEXT    NOT NULL,
		language       TEXT    NOT NULL,
		query_string   TEXT    NOT NULL,
		groups         TEXT    NOT NULL,
		expression     TEXT    NOT NULL,
		timezone       TEXT    NOT NULL,
		start_offset   INTEGER NOT NULL,
		end_offset     INTEGER NOT NULL,
		destination    TEXT,
		schedule_start INTEGER NOT NULL,
		schedule_end   INTEGER NOT NULL,
		role_arn       TEXT    NOT NULL,
		state          TEXT    NOT NULL,
		created        INTEGER NOT NULL,
		updated        INTEGER NOT NULL,
		last_triggered INTEGER NOT NULL,
		last_status    TEXT    NOT NULL,
		next_run       INTEGER NOT NULL -- milliseconds; 0: the schedule has ended
	);
	CREATE TABLE logquery_scheduled_runs (
		name        TEXT    NOT NULL,
		query_id    TEXT    NOT NULL,
		status      TEXT    NOT NULL,
		triggered   INTEGER NOT NULL,
		error       TEXT    NOT NULL,
		destination TEXT
	);
	CREATE INDEX logquery_scheduled_runs_name ON logquery_scheduled_runs (name, triggered);`,
}

// Options configure a Service.
type Options struct {
	// Account goes into @log and ARNs (logs.DefaultAccount when empty).
	Account string
	// Region goes into ARNs (logs.DefaultRegion when empty).
	Region string
	// S3Dir is the local S3 directory (<S3Dir>/<bucket>/<key>) scheduled
	// queries deliver their results to; without it, deliveries fail.
	S3Dir string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// QueryTimeout ends a query that runs longer with status Timeout
	// (DefaultQueryTimeout when 0).
	QueryTimeout time.Duration
}

// Service quotas and times, as CloudWatch Logs has them.
const (
	// MaxMetricFilters is the most metric filters a log group has.
	MaxMetricFilters = 100
	// MaxRegexMetricFilters is the most metric filters of a log group
	// whose patterns use regular expressions.
	MaxRegexMetricFilters = 5
	// MaxConcurrentQueries is the most queries running at once.
	MaxConcurrentQueries = 30
	// MaxQueryGroups is the most log groups one query reads.
	MaxQueryGroups = 50
	// DefaultQueryTimeout is how long a query may run.
	DefaultQueryTimeout = 60 * time.Minute
	// ResultRetention is how long query results are kept.
	ResultRetention = 7 * 24 * time.Hour
)

// Service serves metric filters, queries and query definitions over a
// logs store. It is safe for concurrent use.
type Service struct {
	db      *sql.DB
	logs    *logs.Store
	account string
	region  string
	s3Dir   string
	now     func() time.Time
	timeout time.Duration

	mu      sync.Mutex
	running map[string]context.CancelFunc // queries in flight
	runMu   sync.Mutex                    // serialises RunDue
	closed  bool
	wg      sync.WaitGroup
	base    context.Context
	stop    context.CancelFunc
}

// Open migrates the package's tables in db (the database of st) and
// resumes the queries a previous process left Scheduled or Running.
func Open(ctx context.Context, db *sql.DB, st *logs.Store, opts Options) (*Service, error) {
	if err := store.Migrate(ctx, db, Component, migrations); err != nil {
		return nil, fmt.Errorf("logquery: %w", err)
	}
	s := &Service{db: db, logs: st, account: opts.Account, region: opts.Region, s3Dir: opts.S3Dir, now: opts.Now, timeout: opts.QueryTimeout, running: map[string]context.CancelFunc{}}
	if s.account == "" {
		s.account = logs.DefaultAccount
	}
	if s.region == "" {
		s.region = logs.DefaultRegion
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout == 0 {
		s.timeout = DefaultQueryTimeout
	}
	s.base, s.stop = context.WithCancel(context.Background())
	if err := s.resume(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.wg.Add(1)
	go s.scheduler()
	return s, nil
}

// Close stops the running queries (they run again when the state is
// opened next) and the scheduler of scheduled queries, and waits for them.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
	return nil
}

func (s *Service) nowMS() int64 { return s.now().UnixMilli() }

// group returns the named log group or a not-found error with the
// service's message.
func (s *Service) group(ctx context.Context, name string) (logs.Group, error) {
	g, err := s.logs.LogGroup(ctx, name)
	if errors.Is(err, logs.ErrNotFound) {
		return logs.Group{}, errf(ErrNotFound, "The specified log group does not exist.")
	}
	return g, err
}
