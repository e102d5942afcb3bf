package executions

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/mapruns"
	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// MapRunsComponent is the store component of the Map Run tables.
const MapRunsComponent = "mapruns"

// mapRunMigrations are the Map Run tables' schema steps; append only.
var mapRunMigrations = []string{
	`CREATE TABLE sfn_map_runs (
		arn               TEXT PRIMARY KEY,
		execution_arn     TEXT NOT NULL,
		state_machine_arn TEXT NOT NULL,
		start_ms          INTEGER NOT NULL,
		stop_ms           INTEGER,
		status            TEXT NOT NULL,
		max_concurrency   INTEGER NOT NULL,
		tolerated_count   INTEGER NOT NULL,
		tolerated_percent REAL NOT NULL,
		item_counts       TEXT NOT NULL,
		execution_counts  TEXT NOT NULL,
		error             TEXT,
		cause             TEXT
	);
	CREATE INDEX sfn_map_runs_by_execution ON sfn_map_runs(execution_arn, start_ms);
	CREATE TABLE sfn_map_run_children (
		map_run_arn   TEXT NOT NULL,
		idx           INTEGER NOT NULL,
		execution_arn TEXT NOT NULL,
		PRIMARY KEY (map_run_arn, idx)
	) WITHOUT ROWID;
	CREATE INDEX sfn_map_run_children_by_execution ON sfn_map_run_children(execution_arn);`,
}

// MapRun is a stored Map Run.
type MapRun struct {
	Arn                        string
	ExecutionArn               string
	StateMachineArn            string // the child executions' state machine
	Start, Stop                time.Time
	Status                     string // RUNNING, SUCCEEDED, FAILED, ABORTED
	MaxConcurrency             int
	ToleratedFailureCount      int64
	ToleratedFailurePercentage float64
	Items, Executions          workflow.MapRunCounts
	Error, Cause               string
}

// mapRuns is the Manager's workflow.MapRunner: objects in the local S3
// directory, Map Runs and child executions in the store.
type mapRuns struct {
	m     *Manager
	s3Dir string
	mu    sync.Mutex
	live  map[string]*workflow.MapRun
}

var _ workflow.MapRunner = (*mapRuns)(nil)

func openMapRuns(ctx context.Context, m *Manager) (*mapRuns, error) {
	if err := store.Migrate(ctx, m.opts.DB, MapRunsComponent, mapRunMigrations); err != nil {
		return nil, err
	}
	return &mapRuns{m: m, s3Dir: m.opts.S3Dir, live: map[string]*workflow.MapRun{}}, nil
}

// objectPath is where the object bucket/key lives in the S3 directory.
func (r *mapRuns) objectPath(bucket, key string) (string, error) {
	if r.s3Dir == "" {
		return "", errors.New("no local S3 directory is configured (ecsrun --s3-dir DIR, or <state dir>/s3)")
	}
	if bucket == "" || strings.ContainsAny(bucket, `/\`) || bucket == "." || bucket == ".." {
		return "", fmt.Errorf("%q is not a bucket name", bucket)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return "", fmt.Errorf("the object key %q contains a . or .. segment", key)
		}
	}
	return filepath.Join(r.s3Dir, bucket, filepath.FromSlash(key)), nil
}

// GetObject reads <S3 dir>/bucket/key.
func (r *mapRuns) GetObject(_ context.Context, bucket, key string) ([]byte, error) {
	p, err := r.objectPath(bucket, key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("The specified key does not exist. (Bucket: %s, Key: %s; ecsrun reads it from %s)", bucket, key, p)
	}
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s from %s: %v", bucket, key, p, err)
	}
	return b, nil
}

// ListObjects lists the files under <S3 dir>/bucket whose keys start with
// prefix, by key.
func (r *mapRuns) ListObjects(_ context.Context, bucket, prefix string) ([]mapruns.Object, error) {
	root, err := r.objectPath(bucket, "x")
	if err != nil {
		return nil, err
	}
	root = filepath.Dir(root)
	if _, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("The specified bucket does not exist. (Bucket: %s; ecsrun lists the directory %s)", bucket, root)
	}
	var out []mapruns.Object
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := md5.Sum(b)
		out = append(out, mapruns.Object{Key: key, Size: info.Size(), ETag: `"` + hex.EncodeToString(sum[:]) + `"`, LastModified: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing s3://%s/%s: %v", bucket, prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// PutObject writes <S3 dir>/bucket/key (atomically).
func (r *mapRuns) PutObject(_ context.Context, bucket, key string, body []byte) error {
	p, err := r.objectPath(bucket, key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("writing s3://%s/%s: %v", bucket, key, err)
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		return fmt.Errorf("writing s3://%s/%s: %v", bucket, key, err)
	}
	return os.Rename(tmp, p)
}

// StartMapRun stores a new Map Run.
func (r *mapRuns) StartMapRun(ctx context.Context, run *workflow.MapRun) error {
	r.mu.Lock()
	r.live[run.Arns.MapRun] = run
	r.mu.Unlock()
	s := run.Snapshot()
	items, _ := json.Marshal(s.Items)
	execs, _ := json.Marshal(s.Executions)
	_, err := r.m.opts.DB.ExecContext(ctx, `INSERT INTO sfn_map_runs(arn, execution_arn, state_machine_arn, start_ms, status, max_concurrency, tolerated_count, tolerated_percent, item_counts, execution_counts) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.Arns.MapRun, run.ExecutionArn, run.Arns.StateMachine, ms(run.Start), s.Status, s.MaxConcurrency, s.ToleratedFailureCount, s.ToleratedFailurePercentage, string(items), string(execs))
	if err != nil {
		return fmt.Errorf("executions: store map run: %w", err)
	}
	return nil
}

// MapRunChanged stores a Map Run's counts, limits and status.
func (r *mapRuns) MapRunChanged(run *workflow.MapRun) {
	if r.m.isClosing() {
		return
	}
	s := run.Snapshot()
	items, _ := json.Marshal(s.Items)
	execs, _ := json.Marshal(s.Executions)
	var stop any
	if !s.Stop.IsZero() {
		stop = ms(s.Stop)
		r.mu.Lock()
		delete(r.live, run.Arns.MapRun)
		r.mu.Unlock()
	}
	_, err := r.m.opts.DB.ExecContext(context.Background(), `UPDATE sfn_map_runs SET status = ?, stop_ms = ?, max_concurrency = ?, tolerated_count = ?, tolerated_percent = ?, item_counts = ?, execution_counts = ?, error = ?, cause = ? WHERE arn = ?`,
		s.Status, stop, s.MaxConcurrency, s.ToleratedFailureCount, s.ToleratedFailurePercentage, string(items), string(execs), nullable(s.Error), nullable(s.Cause), run.Arns.MapRun)
	if err != nil {
		r.m.opts.Log.Error("store map run", "mapRun", run.Arns.MapRun, "err", err)
	}
}

// RunChild runs a child execution as an execution of its own: stored,
// with its history, describable and stoppable like any other.
func (r *mapRuns) RunChild(ctx context.Context, mr *workflow.MapRun, child *workflow.MapChild) *workflow.Result {
	m := r.m
	ex := &Execution{
		Arn: child.Arn, StateMachineArn: mr.Arns.StateMachine, Name: child.Name, Status: StatusRunning,
		Input: workflow.EncodeJSON(child.Input), Start: m.now(), Definition: mr.Definition, DelayScale: 1,
	}
	if parent, err := m.db.execution(ctx, mr.ExecutionArn); err == nil {
		ex.RoleArn, ex.DelayScale = parent.RoleArn, parent.DelayScale
	}
	fail := func(err error) *workflow.Result {
		return &workflow.Result{Status: workflow.StatusFailed, Error: workflow.NewStatesError(workflow.ErrRuntime, err.Error())}
	}
	if err := m.db.insertExecution(ctx, ex); err != nil {
		return fail(err)
	}
	if _, err := m.opts.DB.ExecContext(ctx, `INSERT INTO sfn_map_run_children(map_run_arn, idx, execution_arn) VALUES(?, ?, ?)`, mr.Arns.MapRun, child.Index, child.Arn); err != nil {
		return fail(err)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rn := &run{cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.running[ex.Arn] = rn
	m.mu.Unlock()
	defer close(rn.done)
	res := child.Run(cctx, &sink{m: m, arn: ex.Arn, started: make(chan struct{})})
	m.finish(ex, res)
	return res
}

// ListMapRuns lists the Map Runs an execution started, oldest first.
func (m *Manager) ListMapRuns(ctx context.Context, executionArn string, maxResults int32, token string) ([]*MapRun, string, error) {
	if _, err := m.DescribeExecution(ctx, executionArn); err != nil {
		return nil, "", err
	}
	off, err := page(token)
	if err != nil {
		return nil, "", err
	}
	n := pageSize(maxResults)
	runs, err := m.queryMapRuns(ctx, `WHERE execution_arn = ? ORDER BY start_ms, arn LIMIT ? OFFSET ?`, executionArn, n+1, off)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(runs) > n {
		runs, next = runs[:n], pageToken(off+n)
	}
	return runs, next, nil
}

// DescribeMapRun returns a Map Run.
func (m *Manager) DescribeMapRun(ctx context.Context, arn string) (*MapRun, error) {
	if _, err := parseArn(arn, "mapRun"); err != nil {
		return nil, err
	}
	runs, err := m.queryMapRuns(ctx, `WHERE arn = ?`, arn)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, errorf(ErrResourceNotFound, "Resource not found: '%s'", arn)
	}
	return runs[0], nil
}

// UpdateMapRun changes a running Map Run's MaxConcurrency and tolerated
// failures (nil leaves one as it is).
func (m *Manager) UpdateMapRun(ctx context.Context, arn string, maxConcurrency *int, toleratedPercent *float64, toleratedCount *int64) error {
	if maxConcurrency == nil && toleratedPercent == nil && toleratedCount == nil {
		return errorf(ErrValidation, "At least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount must be specified")
	}
	if toleratedPercent != nil && (*toleratedPercent < 0 || *toleratedPercent > 100) {
		return errorf(ErrValidation, "toleratedFailurePercentage must be between 0 and 100")
	}
	run, err := m.DescribeMapRun(ctx, arn)
	if err != nil {
		return err
	}
	m.maps.mu.Lock()
	live := m.maps.live[arn]
	m.maps.mu.Unlock()
	if live == nil || run.Status != mapruns.StatusRunning {
		return errorf(ErrValidation, "Map Run '%s' has ended (%s); only a running Map Run can be updated", arn, run.Status)
	}
	live.Update(maxConcurrency, toleratedCount, toleratedPercent)
	m.maps.MapRunChanged(live)
	return nil
}

// ListMapRunExecutions lists the child executions of a Map Run, in item
// order.
func (m *Manager) ListMapRunExecutions(ctx context.Context, mapRunArn, status string, maxResults int32, token string) ([]*Execution, string, error) {
	if _, err := m.DescribeMapRun(ctx, mapRunArn); err != nil {
		return nil, "", err
	}
	off, err := page(token)
	if err != nil {
		return nil, "", err
	}
	n := pageSize(maxResults)
	q := `SELECT e.arn FROM sfn_map_run_children c JOIN sfn_executions e ON e.arn = c.execution_arn WHERE c.map_run_arn = ?`
	args := []any{mapRunArn}
	if status != "" {
		q += ` AND e.status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY c.idx LIMIT ? OFFSET ?`
	args = append(args, n+1, off)
	rows, err := m.opts.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("executions: list map run executions: %w", err)
	}
	var arns []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			rows.Close()
			return nil, "", err
		}
		arns = append(arns, a)
	}
	rows.Close()
	var out []*Execution
	for _, a := range arns {
		ex, err := m.db.execution(ctx, a)
		if err != nil {
			return nil, "", err
		}
		out = append(out, ex)
	}
	next := ""
	if len(out) > n {
		out, next = out[:n], pageToken(off+n)
	}
	return out, next, nil
}

// MapRunOf returns the Map Run that started a child execution ("" for
// other executions).
func (m *Manager) MapRunOf(ctx context.Context, executionArn string) string {
	var arn string
	if err := m.opts.DB.QueryRowContext(ctx, `SELECT map_run_arn FROM sfn_map_run_children WHERE execution_arn = ?`, executionArn).Scan(&arn); err != nil {
		return ""
	}
	return arn
}

func (m *Manager) queryMapRuns(ctx context.Context, where string, args ...any) ([]*MapRun, error) {
	rows, err := m.opts.DB.QueryContext(ctx, `SELECT arn, execution_arn, state_machine_arn, start_ms, stop_ms, status, max_concurrency, tolerated_count, tolerated_percent, item_counts, execution_counts, error, cause FROM sfn_map_runs `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("executions: read map runs: %w", err)
	}
	defer rows.Close()
	var out []*MapRun
	for rows.Next() {
		var r MapRun
		var start int64
		var stop sql.NullInt64
		var items, execs string
		var errName, cause sql.NullString
		if err := rows.Scan(&r.Arn, &r.ExecutionArn, &r.StateMachineArn, &start, &stop, &r.Status, &r.MaxConcurrency, &r.ToleratedFailureCount, &r.ToleratedFailurePercentage, &items, &execs, &errName, &cause); err != nil {
			return nil, fmt.Errorf("executions: read map run: %w", err)
		}
		r.Start = fromMs(start)
		if stop.Valid {
			r.Stop = fromMs(stop.Int64)
		}
		_ = json.Unmarshal([]byte(items), &r.Items)
		_ = json.Unmarshal([]byte(execs), &r.Executions)
		r.Error, r.Cause = errName.String, cause.String
		out = append(out, &r)
	}
	return out, rows.Err()
}
