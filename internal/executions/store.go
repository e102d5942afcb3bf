package executions

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// Component is the store component name of this package's tables.
const Component = "executions"

// migrations are the schema steps; append only.
var migrations = []string{
	`CREATE TABLE sfn_state_machines (
		arn         TEXT PRIMARY KEY,
		name        TEXT NOT NULL UNIQUE,
		definition  TEXT NOT NULL,
		role_arn    TEXT NOT NULL,
		type        TEXT NOT NULL,
		created_ms  INTEGER NOT NULL,
		updated_ms  INTEGER NOT NULL,
		revision_id TEXT NOT NULL
	);
	CREATE TABLE sfn_executions (
		arn        TEXT PRIMARY KEY,
		sm_arn     TEXT NOT NULL,
		name       TEXT NOT NULL,
		status     TEXT NOT NULL,
		input      TEXT NOT NULL,
		output     TEXT,
		error      TEXT,
		cause      TEXT,
		start_ms   INTEGER NOT NULL,
		stop_ms    INTEGER,
		definition TEXT NOT NULL,
		role_arn   TEXT NOT NULL,
		delay_scale REAL NOT NULL DEFAULT 1
	);
	CREATE INDEX sfn_executions_by_machine ON sfn_executions(sm_arn, start_ms);
	CREATE INDEX sfn_executions_by_status ON sfn_executions(status);
	CREATE TABLE sfn_events (
		execution_arn TEXT NOT NULL,
		id            INTEGER NOT NULL,
		event         TEXT NOT NULL,
		PRIMARY KEY (execution_arn, id)
	) WITHOUT ROWID;`,
	// What an execution needs to resume after a restart and to be
	// redriven: its secret (task tokens and jitter derive from it), the
	// mock test case it runs, and its redrives.
	`ALTER TABLE sfn_executions ADD COLUMN secret TEXT NOT NULL DEFAULT '';
	ALTER TABLE sfn_executions ADD COLUMN test_case TEXT NOT NULL DEFAULT '';
	ALTER TABLE sfn_executions ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE sfn_executions ADD COLUMN redrive_ms INTEGER;`,
}

// StateMachine is a stored state machine.
type StateMachine struct {
	Arn        string
	Name       string
	Definition string
	RoleArn    string
	Type       string // STANDARD or EXPRESS
	Created    time.Time
	Updated    time.Time
	// RevisionID identifies the current revision; "" for the first
	// (Step Functions shows none until the first update).
	RevisionID string
}

// Execution is a stored execution.
type Execution struct {
	Arn             string
	StateMachineArn string
	Name            string
	Status          string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
	Input           string // JSON text
	Output          string // JSON text, when SUCCEEDED
	Error, Cause    string
	Start           time.Time
	Stop            time.Time // zero while RUNNING
	Definition      string    // the definition it runs
	RoleArn         string
	DelayScale      float64
	// VersionArn and AliasArn are the version and the alias it was
	// started from ("" when none).
	VersionArn, AliasArn string
	// Secret is the execution's key (workflow.Options.Key).
	Secret []byte
	// TestCase is the mock test case it runs ("" for none).
	TestCase string
	// RedriveCount and RedriveDate: how often, and when last, it was
	// redriven.
	RedriveCount int
	RedriveDate  time.Time
}

// StatusRunning is the status of an execution that has not ended.
const StatusRunning = "RUNNING"

type db struct{ *sql.DB }

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

const smColumns = `arn, name, definition, role_arn, type, created_ms, updated_ms, revision_id`

func scanStateMachine(row interface{ Scan(...any) error }) (*StateMachine, error) {
	var sm StateMachine
	var created, updated int64
	if err := row.Scan(&sm.Arn, &sm.Name, &sm.Definition, &sm.RoleArn, &sm.Type, &created, &updated, &sm.RevisionID); err != nil {
		return nil, err
	}
	sm.Created, sm.Updated = fromMs(created), fromMs(updated)
	return &sm, nil
}

func (d db) stateMachine(ctx context.Context, arn string) (*StateMachine, error) {
	return stateMachineIn(ctx, d, arn)
}

func (d db) insertStateMachine(ctx context.Context, sm *StateMachine) error {
	_, err := d.ExecContext(ctx, `INSERT INTO sfn_state_machines(`+smColumns+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?)`,
		sm.Arn, sm.Name, sm.Definition, sm.RoleArn, sm.Type, ms(sm.Created), ms(sm.Updated), sm.RevisionID)
	if err != nil {
		return fmt.Errorf("executions: store state machine: %w", err)
	}
	return nil
}

func (d db) updateStateMachine(ctx context.Context, sm *StateMachine) error {
	_, err := d.ExecContext(ctx, `UPDATE sfn_state_machines SET definition = ?, role_arn = ?, updated_ms = ?, revision_id = ? WHERE arn = ?`,
		sm.Definition, sm.RoleArn, ms(sm.Updated), sm.RevisionID, sm.Arn)
	if err != nil {
		return fmt.Errorf("executions: update state machine: %w", err)
	}
	return nil
}

func (d db) deleteStateMachine(ctx context.Context, arn string) error {
	if _, err := d.ExecContext(ctx, `DELETE FROM sfn_state_machines WHERE arn = ?`, arn); err != nil {
		return fmt.Errorf("executions: delete state machine: %w", err)
	}
	return nil
}

func (d db) stateMachines(ctx context.Context, offset, limit int) ([]*StateMachine, error) {
	rows, err := d.QueryContext(ctx, `SELECT `+smColumns+` FROM sfn_state_machines ORDER BY name LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("executions: list state machines: %w", err)
	}
	defer rows.Close()
	var out []*StateMachine
	for rows.Next() {
		sm, err := scanStateMachine(rows)
		if err != nil {
			return nil, fmt.Errorf("executions: list state machines: %w", err)
		}
		out = append(out, sm)
	}
	return out, rows.Err()
}

const exColumns = `arn, sm_arn, name, status, input, output, error, cause, start_ms, stop_ms, definition, role_arn, delay_scale, secret, test_case, redrive_count, redrive_ms`

func scanExecution(row interface{ Scan(...any) error }) (*Execution, error) {
	var e Execution
	var output, errName, cause sql.NullString
	var start int64
	var stop, redrive sql.NullInt64
	var secret string
	if err := row.Scan(&e.Arn, &e.StateMachineArn, &e.Name, &e.Status, &e.Input, &output, &errName, &cause, &start, &stop, &e.Definition, &e.RoleArn, &e.DelayScale,
		&secret, &e.TestCase, &e.RedriveCount, &redrive); err != nil {
		return nil, err
	}
	e.Secret, _ = hex.DecodeString(secret)
	if redrive.Valid {
		e.RedriveDate = fromMs(redrive.Int64)
	}
	e.Output, e.Error, e.Cause = output.String, errName.String, cause.String
	e.Start = fromMs(start)
	if stop.Valid {
		e.Stop = fromMs(stop.Int64)
	}
	return &e, nil
}

func (d db) execution(ctx context.Context, arn string) (*Execution, error) {
	e, err := scanExecution(d.QueryRowContext(ctx, `SELECT `+exColumns+` FROM sfn_executions WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errorf(ErrExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
	}
	if err != nil {
		return nil, fmt.Errorf("executions: read execution: %w", err)
	}
	return e, nil
}

func (d db) insertExecution(ctx context.Context, e *Execution) error {
	_, err := d.ExecContext(ctx, `INSERT INTO sfn_executions(`+exColumns+`) VALUES(?, ?, ?, ?, ?, NULL, NULL, NULL, ?, NULL, ?, ?, ?, ?, ?, 0, NULL)`,
		e.Arn, e.StateMachineArn, e.Name, e.Status, e.Input, ms(e.Start), e.Definition, e.RoleArn, e.DelayScale, hex.EncodeToString(e.Secret), e.TestCase)
	if err != nil {
		return fmt.Errorf("executions: store execution: %w", err)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// closeExecution records the end of a running execution; it reports false
// when the execution had already ended.
func (d db) closeExecution(ctx context.Context, e *Execution) (bool, error) {
	res, err := d.ExecContext(ctx, `UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, stop_ms = ? WHERE arn = ? AND status = ?`,
		e.Status, nullable(e.Output), nullable(e.Error), nullable(e.Cause), ms(e.Stop), e.Arn, StatusRunning)
	if err != nil {
		return false, fmt.Errorf("executions: close execution: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// reopenExecution marks a closed execution RUNNING again for a redrive;
// it reports false when it was not closed with status from.
func (d db) reopenExecution(ctx context.Context, e *Execution, from string) (bool, error) {
	res, err := d.ExecContext(ctx, `UPDATE sfn_executions SET status = ?, output = NULL, error = NULL, cause = NULL, stop_ms = NULL, redrive_count = ?, redrive_ms = ? WHERE arn = ? AND status = ?`,
		StatusRunning, e.RedriveCount, ms(e.RedriveDate), e.Arn, from)
	if err != nil {
		return false, fmt.Errorf("executions: redrive execution: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// executions lists a state machine's executions, newest first.
// redriven is "REDRIVEN", "NOT_REDRIVEN" or "" (all).
func (d db) executions(ctx context.Context, smArn, status, redriven string, offset, limit int) ([]*Execution, error) {
	q := `SELECT ` + exColumns + ` FROM sfn_executions WHERE sm_arn = ?`
	args := []any{smArn}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	q += redriveCondition(redriven)
	q += ` ORDER BY start_ms DESC, rowid DESC LIMIT ? OFFSET ?`
	args = append(args, limit, offset)
	return d.queryExecutions(ctx, q, args...)
}

// redriveCondition is the SQL condition of ListExecutions' redriveFilter:
// "REDRIVEN", "NOT_REDRIVEN" or "" (all).
func redriveCondition(redriven string) string {
	switch redriven {
	case "REDRIVEN":
		return ` AND redrive_count > 0`
	case "NOT_REDRIVEN":
		return ` AND redrive_count = 0`
	}
	return ""
}

func (d db) queryExecutions(ctx context.Context, q string, args ...any) ([]*Execution, error) {
	rows, err := d.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("executions: list executions: %w", err)
	}
	defer rows.Close()
	var out []*Execution
	for rows.Next() {
		e, err := scanExecution(rows)
		if err != nil {
			return nil, fmt.Errorf("executions: list executions: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (d db) running(ctx context.Context) ([]*Execution, error) {
	return d.queryExecutions(ctx, `SELECT `+exColumns+` FROM sfn_executions WHERE status = ?`, StatusRunning)
}

func (d db) appendEvent(ctx context.Context, arn string, ev sfnmodel.HistoryEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("executions: encode event: %w", err)
	}
	if _, err := d.ExecContext(ctx, `INSERT INTO sfn_events(execution_arn, id, event) VALUES(?, ?, ?)`, arn, ev.Id, string(b)); err != nil {
		return fmt.Errorf("executions: store event: %w", err)
	}
	return nil
}

// events returns the events of an execution with ids in (after, ...],
// ascending, or [..., before) descending when reverse, at most limit.
func (d db) events(ctx context.Context, arn string, from int64, reverse bool, limit int) ([]sfnmodel.HistoryEvent, error) {
	q := `SELECT event FROM sfn_events WHERE execution_arn = ? AND id > ? ORDER BY id LIMIT ?`
	if reverse {
		q = `SELECT event FROM sfn_events WHERE execution_arn = ? AND id < ? ORDER BY id DESC LIMIT ?`
	}
	rows, err := d.QueryContext(ctx, q, arn, from, limit)
	if err != nil {
		return nil, fmt.Errorf("executions: read history: %w", err)
	}
	defer rows.Close()
	var out []sfnmodel.HistoryEvent
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("executions: read history: %w", err)
		}
		var ev sfnmodel.HistoryEvent
		if err := json.Unmarshal([]byte(s), &ev); err != nil {
			return nil, fmt.Errorf("executions: decode event: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

func (d db) lastEventID(ctx context.Context, arn string) (int64, error) {
	var n sql.NullInt64
	if err := d.QueryRowContext(ctx, `SELECT MAX(id) FROM sfn_events WHERE execution_arn = ?`, arn).Scan(&n); err != nil {
		return 0, fmt.Errorf("executions: read history: %w", err)
	}
	return n.Int64, nil
}
