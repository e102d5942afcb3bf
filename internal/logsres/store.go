package logsres

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/store"
)

// Component is the name the package's schema is migrated under.
const Component = "logsres"

// migrations are the schema steps. Append only; never edit one.
var migrations = []string{
	`CREATE TABLE logsres_groups (
		name                TEXT PRIMARY KEY,
		kms_key_id          TEXT NOT NULL DEFAULT '',
		class               TEXT NOT NULL DEFAULT 'STANDARD',
		deletion_protection INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE logsres_tags (
		arn   TEXT NOT NULL,
		key   TEXT NOT NULL,
		value TEXT NOT NULL,
		PRIMARY KEY (arn, key)
	);
	CREATE TABLE logsres_subscription_filters (
		group_name     TEXT NOT NULL,
		name           TEXT NOT NULL,
		pattern        TEXT NOT NULL,
		destination    TEXT NOT NULL,
		role_arn       TEXT NOT NULL,
		distribution   TEXT NOT NULL,
		transformed    INTEGER NOT NULL,
		field_criteria TEXT NOT NULL,
		system_fields  TEXT NOT NULL,
		creation_time  INTEGER NOT NULL,
		PRIMARY KEY (group_name, name)
	);
	CREATE TABLE logsres_destinations (
		name          TEXT PRIMARY KEY,
		target_arn    TEXT NOT NULL,
		role_arn      TEXT NOT NULL,
		access_policy TEXT NOT NULL DEFAULT '',
		creation_time INTEGER NOT NULL
	);
	CREATE TABLE logsres_resource_policies (
		scope        TEXT NOT NULL,
		resource_arn TEXT NOT NULL,
		name         TEXT NOT NULL,
		document     TEXT NOT NULL,
		updated      INTEGER NOT NULL,
		revision     TEXT NOT NULL,
		PRIMARY KEY (scope, resource_arn, name)
	);`,
	`CREATE TABLE logsres_export_tasks (
		id              TEXT PRIMARY KEY,
		name            TEXT NOT NULL,
		group_name      TEXT NOT NULL,
		stream_prefix   TEXT NOT NULL,
		from_ms         INTEGER NOT NULL,
		to_ms           INTEGER NOT NULL,
		destination     TEXT NOT NULL,
		prefix          TEXT NOT NULL,
		status          TEXT NOT NULL,
		message         TEXT NOT NULL,
		creation_time   INTEGER NOT NULL,
		completion_time INTEGER
	);`,
	// Resources kept whole as JSON documents, by kind and name
	// (deliveries and their sources and destinations, account policies,
	// data protection policies, transformers).
	`CREATE TABLE logsres_docs (
		kind TEXT NOT NULL,
		name TEXT NOT NULL,
		body TEXT NOT NULL,
		PRIMARY KEY (kind, name)
	);`,
	// The id of the last event a subscription filter has delivered (see
	// internal/logsdelivery).
	`ALTER TABLE logsres_subscription_filters ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;`,
}

// Error kinds of this package, besides logs.ErrNotFound, logs.ErrExists and
// logs.ErrInvalid.
var (
	// ErrLimit: a quota is reached (LimitExceededException).
	ErrLimit = errors.New("limit exceeded")
	// ErrTooManyTags: a resource would carry more than MaxTags tags.
	ErrTooManyTags = errors.New("too many tags")
	// ErrValidation: the request conflicts with the resource's state
	// (ValidationException), e.g. deleting a protected log group.
	ErrValidation = errors.New("validation")
	// ErrAborted: a concurrent change won (OperationAbortedException),
	// e.g. a stale expectedRevisionId.
	ErrAborted = errors.New("operation aborted")
	// ErrConflict: the resource is in use or exists in another form
	// (ConflictException).
	ErrConflict = errors.New("conflict")
	// ErrQuota: a service quota is reached (ServiceQuotaExceededException).
	ErrQuota = errors.New("service quota exceeded")
)

// Options configure a Store.
type Options struct {
	// S3Dir is the local S3 directory export tasks write to
	// (<S3Dir>/<bucket>/<key>); empty refuses CreateExportTask.
	S3Dir string
}

// Store keeps the resources. It is safe for concurrent use.
type Store struct {
	logs *logs.Store
	db   *sql.DB
	opts Options
	// exportGate, when set (by tests), runs before an export task starts.
	exportGate func(id string)
}

// opened holds the Store of each logs.Store, so that every API service
// over one logs store shares one Store (one deletion hook, one runner per
// export task).
var (
	openMu sync.Mutex
	opened = map[*logs.Store]*Store{}
)

// Open migrates the package's tables into the logs store's database,
// registers the log group deletion hook (deletion protection, and the
// removal of the group's settings, tags and subscription filters) and
// resumes the export tasks a previous process left unfinished. Opening the
// same logs store again returns the same Store (with its first Options).
func Open(ctx context.Context, ls *logs.Store, opts Options) (*Store, error) {
	openMu.Lock()
	defer openMu.Unlock()
	if s, ok := opened[ls]; ok {
		return s, nil
	}
	if err := store.Migrate(ctx, ls.DB(), Component, migrations); err != nil {
		return nil, fmt.Errorf("logsres: %w", err)
	}
	s := &Store{logs: ls, db: ls.DB(), opts: opts}
	ls.OnDeleteGroup(s.onDeleteGroup)
	if err := s.resumeExports(ctx); err != nil {
		return nil, err
	}
	opened[ls] = s
	return s, nil
}

// arn builds an ARN of the logs service in the store's region and account.
func (s *Store) arn(resource string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:%s", s.logs.Region(), s.logs.Account(), resource)
}

// GroupARN is a log group's ARN as tagging takes it (no ":*").
func (s *Store) GroupARN(name string) string { return s.arn("log-group:" + name) }

// DestinationARN is a destination's ARN.
func (s *Store) DestinationARN(name string) string { return s.arn("destination:" + name) }

func (s *Store) onDeleteGroup(ctx context.Context, tx *sql.Tx, group string) error {
	var protected bool
	err := tx.QueryRowContext(ctx, `SELECT deletion_protection FROM logsres_groups WHERE name = ?`, group).Scan(&protected)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("logsres: read log group %q: %w", group, err)
	}
	if protected {
		return logs.Errorf(ErrValidation, "Cannot delete log group with deletion protection enabled. Disable deletion protection first.")
	}
	for _, q := range []struct{ sql, arg string }{
		{`DELETE FROM logsres_groups WHERE name = ?`, group},
		{`DELETE FROM logsres_tags WHERE arn = ?`, s.GroupARN(group)},
		{`DELETE FROM logsres_subscription_filters WHERE group_name = ?`, group},
		{`DELETE FROM logsres_resource_policies WHERE scope = 'RESOURCE' AND resource_arn = ?`, s.GroupARN(group)},
		{`DELETE FROM logsres_docs WHERE kind IN ('` + strings.Join(groupDocKinds, "', '") + `') AND name = ?`, group},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.arg); err != nil {
			return fmt.Errorf("logsres: delete resources of log group %q: %w", group, err)
		}
	}
	return nil
}

// pageLimit applies a Describe page size's default and bounds (1 to 50).
func pageLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return 50, nil
	case limit < 0 || limit > 50:
		return 0, logs.Errorf(logs.ErrInvalid, "Invalid limit %d: it must be between 1 and 50.", limit)
	}
	return limit, nil
}

// encodeToken makes an opaque pagination token continuing after key.
func encodeToken(kind, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + key))
}

// decodeToken reverses encodeToken; "" for an empty token.
func decodeToken(kind, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	k, key, ok := strings.Cut(string(b), "\x00")
	if err != nil || !ok || k != kind {
		return "", logs.Errorf(logs.ErrInvalid, "The specified nextToken is invalid.")
	}
	return key, nil
}

// prefixCond selects the values of col starting with p (a range, so the
// primary key serves it).
func prefixCond(col, p string) (string, []any) {
	if p == "" {
		return "1", nil
	}
	return col + " >= ? AND " + col + " < ?", []any{p, p + "\xff"}
}
