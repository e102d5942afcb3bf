package executions

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// VersionsComponent is the store component of the versions, aliases and
// the versions and aliases executions ran (apart from Component so that
// its steps migrate on their own).
const VersionsComponent = "executions.versions"

// versionMigrations are the schema steps of VersionsComponent; append only.
// They run after Component's.
var versionMigrations = []string{
	`CREATE TABLE sfn_versions (
		sm_arn      TEXT NOT NULL,
		number      INTEGER NOT NULL,
		definition  TEXT NOT NULL,
		role_arn    TEXT NOT NULL,
		revision_id TEXT NOT NULL,
		description TEXT NOT NULL,
		created_ms  INTEGER NOT NULL,
		PRIMARY KEY (sm_arn, number)
	) WITHOUT ROWID;
	CREATE TABLE sfn_version_numbers (
		sm_arn TEXT PRIMARY KEY,
		last   INTEGER NOT NULL
	);
	CREATE TABLE sfn_aliases (
		arn         TEXT PRIMARY KEY,
		sm_arn      TEXT NOT NULL,
		name        TEXT NOT NULL,
		description TEXT NOT NULL,
		routes      TEXT NOT NULL,
		created_ms  INTEGER NOT NULL,
		updated_ms  INTEGER NOT NULL
	);
	CREATE INDEX sfn_aliases_by_machine ON sfn_aliases(sm_arn, created_ms);
	CREATE TABLE sfn_execution_refs (
		execution_arn TEXT PRIMARY KEY,
		version_arn   TEXT NOT NULL,
		alias_arn     TEXT NOT NULL
	);
	CREATE INDEX sfn_execution_refs_by_version ON sfn_execution_refs(version_arn);
	CREATE INDEX sfn_execution_refs_by_alias ON sfn_execution_refs(alias_arn);
	-- A state machine's first revision has no id (AWS shows none until an
	-- update); revisions are ids from then on.
	UPDATE sfn_state_machines SET revision_id = '' WHERE updated_ms = created_ms;`,
}

// Version is a published, immutable snapshot of a state machine.
type Version struct {
	Arn             string // the state machine's ARN, ":", the number
	StateMachineArn string
	Name            string // the state machine's name
	Number          int
	Definition      string
	RoleArn         string
	Type            string
	// RevisionID is the revision it was published from ("" for the
	// state machine's first revision).
	RevisionID  string
	Description string
	Created     time.Time
}

// Alias points to one or two versions of a state machine.
type Alias struct {
	Arn             string
	StateMachineArn string
	Name            string
	Description     string
	Routes          []Route
	Created         time.Time
	Updated         time.Time
}

// querier is a database or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs f in a write transaction.
func (d db) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("executions: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("executions: commit: %w", err)
	}
	return nil
}

// stateMachineIn reads a state machine through q (the database or a
// transaction); ErrStateMachineDoesNotExist when there is none.
func stateMachineIn(ctx context.Context, q querier, arn string) (*StateMachine, error) {
	sm, err := scanStateMachine(q.QueryRowContext(ctx, `SELECT `+smColumns+` FROM sfn_state_machines WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errorf(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("executions: read state machine: %w", err)
	}
	return sm, nil
}

const versionColumns = `v.sm_arn, v.number, v.definition, v.role_arn, v.revision_id, v.description, v.created_ms, s.name, s.type`

func scanVersion(row interface{ Scan(...any) error }) (*Version, error) {
	var v Version
	var created int64
	if err := row.Scan(&v.StateMachineArn, &v.Number, &v.Definition, &v.RoleArn, &v.RevisionID, &v.Description, &created, &v.Name, &v.Type); err != nil {
		return nil, err
	}
	v.Arn, v.Created = versionArn(v.StateMachineArn, v.Number), fromMs(created)
	return &v, nil
}

const versionFrom = ` FROM sfn_versions v JOIN sfn_state_machines s ON s.arn = v.sm_arn`

// versionIn returns version n of smArn, or nil.
func versionIn(ctx context.Context, q querier, smArn string, n int) (*Version, error) {
	return versionWhere(ctx, q, ` WHERE v.sm_arn = ? AND v.number = ?`, smArn, n)
}

// versionOfRevision returns the version published from a revision, or nil.
func versionOfRevision(ctx context.Context, q querier, smArn, revision string) (*Version, error) {
	return versionWhere(ctx, q, ` WHERE v.sm_arn = ? AND v.revision_id = ? ORDER BY v.number DESC LIMIT 1`, smArn, revision)
}

// versionWhere returns the first version the query's tail (its WHERE
// clause and order) selects, or nil.
func versionWhere(ctx context.Context, q querier, where string, args ...any) (*Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionColumns+versionFrom+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("executions: read version: %w", err)
	}
	return v, nil
}

// versionsIn lists a state machine's versions, newest first.
func versionsIn(ctx context.Context, q querier, smArn string, offset, limit int) ([]*Version, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+versionColumns+versionFrom+` WHERE v.sm_arn = ? ORDER BY v.number DESC LIMIT ? OFFSET ?`, smArn, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("executions: list versions: %w", err)
	}
	defer rows.Close()
	var out []*Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("executions: list versions: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func countVersions(ctx context.Context, q querier, smArn string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sfn_versions WHERE sm_arn = ?`, smArn).Scan(&n); err != nil {
		return 0, fmt.Errorf("executions: count versions: %w", err)
	}
	return n, nil
}

// nextVersionNumber reserves the next version number of a state machine:
// numbers are never reused, even after their version is deleted.
func nextVersionNumber(ctx context.Context, q querier, smArn string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `INSERT INTO sfn_version_numbers(sm_arn, last) VALUES(?, 1)
		ON CONFLICT(sm_arn) DO UPDATE SET last = last + 1 RETURNING last`, smArn).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("executions: number a version: %w", err)
	}
	return n, nil
}

func insertVersion(ctx context.Context, q querier, v *Version) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sfn_versions(sm_arn, number, definition, role_arn, revision_id, description, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?)`,
		v.StateMachineArn, v.Number, v.Definition, v.RoleArn, v.RevisionID, v.Description, ms(v.Created))
	if err != nil {
		return fmt.Errorf("executions: store version: %w", err)
	}
	return nil
}

func deleteVersion(ctx context.Context, q querier, smArn string, n int) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM sfn_versions WHERE sm_arn = ? AND number = ?`, smArn, n); err != nil {
		return fmt.Errorf("executions: delete version: %w", err)
	}
	return nil
}

// deleteVersionsAndAliases removes what a deleted state machine had.
func deleteVersionsAndAliases(ctx context.Context, q querier, smArn string) error {
	for _, stmt := range []string{
		`DELETE FROM sfn_versions WHERE sm_arn = ?`,
		`DELETE FROM sfn_version_numbers WHERE sm_arn = ?`,
		`DELETE FROM sfn_aliases WHERE sm_arn = ?`,
	} {
		if _, err := q.ExecContext(ctx, stmt, smArn); err != nil {
			return fmt.Errorf("executions: delete versions and aliases: %w", err)
		}
	}
	return nil
}

const aliasColumns = `arn, sm_arn, name, description, routes, created_ms, updated_ms`

type storedRoute struct {
	Version string `json:"version"`
	Weight  int    `json:"weight"`
}

func scanAlias(row interface{ Scan(...any) error }) (*Alias, error) {
	var a Alias
	var routes string
	var created, updated int64
	if err := row.Scan(&a.Arn, &a.StateMachineArn, &a.Name, &a.Description, &routes, &created, &updated); err != nil {
		return nil, err
	}
	var rs []storedRoute
	if err := json.Unmarshal([]byte(routes), &rs); err != nil {
		return nil, fmt.Errorf("decode routes of alias %s: %w", a.Arn, err)
	}
	for _, r := range rs {
		a.Routes = append(a.Routes, Route{VersionArn: r.Version, Weight: r.Weight})
	}
	a.Created, a.Updated = fromMs(created), fromMs(updated)
	return &a, nil
}

func encodeRoutes(routes []Route) string {
	rs := make([]storedRoute, len(routes))
	for i, r := range routes {
		rs[i] = storedRoute{Version: r.VersionArn, Weight: r.Weight}
	}
	b, _ := json.Marshal(rs)
	return string(b)
}

// aliasIn returns an alias, or nil.
func aliasIn(ctx context.Context, q querier, arn string) (*Alias, error) {
	a, err := scanAlias(q.QueryRowContext(ctx, `SELECT `+aliasColumns+` FROM sfn_aliases WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("executions: read alias: %w", err)
	}
	return a, nil
}

// aliasesIn lists a state machine's aliases, oldest first; with a
// version ARN, only those that route to it.
func aliasesIn(ctx context.Context, q querier, smArn, version string) ([]*Alias, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+aliasColumns+` FROM sfn_aliases WHERE sm_arn = ? ORDER BY created_ms, rowid`, smArn)
	if err != nil {
		return nil, fmt.Errorf("executions: list aliases: %w", err)
	}
	defer rows.Close()
	var out []*Alias
	for rows.Next() {
		a, err := scanAlias(rows)
		if err != nil {
			return nil, fmt.Errorf("executions: list aliases: %w", err)
		}
		if version == "" || a.routesTo(version) {
			out = append(out, a)
		}
	}
	return out, rows.Err()
}

func (a *Alias) routesTo(version string) bool {
	for _, r := range a.Routes {
		if r.VersionArn == version {
			return true
		}
	}
	return false
}

func countAliases(ctx context.Context, q querier, smArn string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sfn_aliases WHERE sm_arn = ?`, smArn).Scan(&n); err != nil {
		return 0, fmt.Errorf("executions: count aliases: %w", err)
	}
	return n, nil
}

func putAlias(ctx context.Context, q querier, a *Alias) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sfn_aliases(`+aliasColumns+`) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(arn) DO UPDATE SET description = excluded.description, routes = excluded.routes, updated_ms = excluded.updated_ms`,
		a.Arn, a.StateMachineArn, a.Name, a.Description, encodeRoutes(a.Routes), ms(a.Created), ms(a.Updated))
	if err != nil {
		return fmt.Errorf("executions: store alias: %w", err)
	}
	return nil
}

func deleteAlias(ctx context.Context, q querier, arn string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM sfn_aliases WHERE arn = ?`, arn); err != nil {
		return fmt.Errorf("executions: delete alias: %w", err)
	}
	return nil
}

// putExecutionRefs records the version and alias an execution runs.
func putExecutionRefs(ctx context.Context, q querier, ex *Execution) error {
	if ex.VersionArn == "" {
		return nil
	}
	_, err := q.ExecContext(ctx, `INSERT OR REPLACE INTO sfn_execution_refs(execution_arn, version_arn, alias_arn) VALUES(?, ?, ?)`,
		ex.Arn, ex.VersionArn, ex.AliasArn)
	if err != nil {
		return fmt.Errorf("executions: store the version of an execution: %w", err)
	}
	return nil
}

// loadExecutionRefs fills in the versions and aliases of executions.
func loadExecutionRefs(ctx context.Context, q querier, exs ...*Execution) error {
	if len(exs) == 0 {
		return nil
	}
	byArn := make(map[string]*Execution, len(exs))
	args := make([]any, 0, len(exs))
	for _, ex := range exs {
		byArn[ex.Arn] = ex
		args = append(args, ex.Arn)
	}
	rows, err := q.QueryContext(ctx, `SELECT execution_arn, version_arn, alias_arn FROM sfn_execution_refs WHERE execution_arn IN (?`+strings.Repeat(",?", len(args)-1)+`)`, args...)
	if err != nil {
		return fmt.Errorf("executions: read the versions of executions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var arn, version, alias string
		if err := rows.Scan(&arn, &version, &alias); err != nil {
			return fmt.Errorf("executions: read the versions of executions: %w", err)
		}
		if ex := byArn[arn]; ex != nil {
			ex.VersionArn, ex.AliasArn = version, alias
		}
	}
	return rows.Err()
}

// executionsByRef lists the executions started from a version
// (column version_arn) or an alias (alias_arn), newest first.
func (d db) executionsByRef(ctx context.Context, column, arn, status, redriven string, offset, limit int) ([]*Execution, error) {
	if column != "version_arn" && column != "alias_arn" {
		return nil, fmt.Errorf("executions: no execution reference %q", column)
	}
	q := `SELECT ` + exColumns + ` FROM sfn_executions WHERE arn IN (SELECT execution_arn FROM sfn_execution_refs WHERE ` + column + ` = ?)`
	args := []any{arn}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	q += redriveCondition(redriven)
	q += ` ORDER BY start_ms DESC, rowid DESC LIMIT ? OFFSET ?`
	args = append(args, limit, offset)
	return d.queryExecutions(ctx, q, args...)
}
