package logs

import (
	"context"
	"database/sql"
	"fmt"
)

// This file lets the packages that keep a log group's other resources
// (tags, subscription filters, policies: internal/logsres) share the
// Store's database and write lock, so their rows change in the same
// transactions as the groups they belong to.

// DeleteHook runs inside the transaction that deletes a log group, before
// the group's rows go. An error refuses the deletion (deletion protection)
// and rolls it back.
type DeleteHook func(ctx context.Context, tx *sql.Tx, group string) error

// OnDeleteGroup registers h to run whenever DeleteLogGroup deletes a group.
// Register hooks before the Store is used.
func (s *Store) OnDeleteGroup(h DeleteHook) { s.deleteHooks = append(s.deleteHooks, h) }

// DB returns the database the Store keeps its tables in.
func (s *Store) DB() *sql.DB { return s.db }

// Region returns the region written into ARNs.
func (s *Store) Region() string { return s.region }

// Account returns the account id written into ARNs.
func (s *Store) Account() string { return s.account }

// NowMS returns the Store's clock in milliseconds since the epoch.
func (s *Store) NowMS() int64 { return s.nowMS() }

// Write runs fn in a write transaction serialised with the Store's own
// writes.
func (s *Store) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.write(ctx, fn)
}

// Queryer is what *sql.DB and *sql.Tx have in common for reads.
type Queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// HasGroup returns nil when the named group exists, the service's
// ResourceNotFound error (ErrNotFound) when it does not.
func (s *Store) HasGroup(ctx context.Context, q Queryer, name string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM logs_groups WHERE name = ?`, name).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return errGroupNotFound
	case err != nil:
		return fmt.Errorf("logs: find log group %q: %w", name, err)
	}
	return nil
}

// CreateLogGroupWith creates a log group as CreateLogGroup does and runs fn
// in the same transaction (to store the group's tags and settings with it);
// an error of fn undoes the creation.
func (s *Store) CreateLogGroupWith(ctx context.Context, name string, fn func(tx *sql.Tx) error) error {
	if err := checkGroupName(name); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO logs_groups (name, creation_time) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, s.nowMS())
		if err != nil {
			return fmt.Errorf("logs: create log group %q: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGroupExists
		}
		return fn(tx)
	})
}

// ErrGroupNotFound returns the service's error for a missing log group.
func ErrGroupNotFound() error { return errGroupNotFound }

// ErrEventNotFound returns the error of a log event that does not exist.
func ErrEventNotFound() error { return errEventNotFound }

// Errorf returns a caller's mistake of the given kind (ErrNotFound,
// ErrExists, ErrInvalid) with the service's message.
func Errorf(kind error, format string, args ...any) error { return errf(kind, format, args...) }

// GroupCursor returns the DescribeLogGroups token that continues after the
// named group (for listings that filter the groups further).
func GroupCursor(name string) string { return encodeCursor("g", name) }
