package logsres

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Export task status codes.
const (
	ExportPending       = "PENDING"
	ExportRunning       = "RUNNING"
	ExportPendingCancel = "PENDING_CANCEL"
	ExportCompleted     = "COMPLETED"
	ExportCancelled     = "CANCELLED"
	ExportFailed        = "FAILED"
)

// DefaultExportPrefix is the key prefix of an export task that names none.
const DefaultExportPrefix = "exportedlogs"

// WriteTestKey is the object an export writes first under its prefix, as
// CloudWatch Logs does to check that it may write to the bucket.
const WriteTestKey = "aws-logs-write-test"

// ExportTask is an export of a log group's events to S3.
type ExportTask struct {
	ID, Name, Group, StreamPrefix string
	From, To                      int64
	Destination, Prefix           string
	Status, Message               string
	CreationTime                  int64
	// CompletionTime is 0 until the task ends.
	CompletionTime int64
}

var bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// CreateExportTask starts exporting the events of a group with timestamps
// from..to (inclusive), of the streams starting with StreamPrefix, to
// <S3Dir>/<Destination>/<Prefix>/<task id>/<stream>/000000.gz. One task of
// the account may be PENDING or RUNNING at a time.
func (s *Store) CreateExportTask(ctx context.Context, t ExportTask) (string, error) {
	if s.opts.S3Dir == "" {
		return "", logs.Errorf(logs.ErrInvalid, "CreateExportTask writes to the local S3 directory, and this server has none: start ecsrun with --s3-dir DIR (or ECSRUN_S3_DIR).")
	}
	if t.From > t.To {
		return "", logs.Errorf(logs.ErrInvalid, "Invalid time range: from (%d) is after to (%d).", t.From, t.To)
	}
	if !bucketRE.MatchString(t.Destination) || strings.Contains(t.Destination, "..") {
		return "", logs.Errorf(logs.ErrInvalid, "Invalid destination %q: give an S3 bucket name (3 to 63 characters: a-z, 0-9, '.', '-').", t.Destination)
	}
	bucket := filepath.Join(s.opts.S3Dir, t.Destination)
	if fi, err := os.Stat(bucket); err != nil || !fi.IsDir() {
		return "", logs.Errorf(logs.ErrInvalid, "The specified bucket does not exist: %s (the local S3 directory stands in for S3: create the directory %s).", t.Destination, bucket)
	}
	if t.Prefix == "" {
		t.Prefix = DefaultExportPrefix
	}
	if clean := path.Clean("/" + t.Prefix); clean == "/" || strings.Contains(t.Prefix, "..") || len(t.Prefix) > 1024 {
		return "", logs.Errorf(logs.ErrInvalid, "Invalid destinationPrefix %q: give an S3 key prefix of at most 1024 bytes without '..'.", t.Prefix)
	}
	g, err := s.logs.LogGroup(ctx, t.Group)
	if err != nil {
		return "", err
	}
	if t.To < g.CreationTime {
		return "", logs.Errorf(logs.ErrInvalid, "Invalid to %d: it is earlier than the creation of log group %s (%d).", t.To, t.Group, g.CreationTime)
	}
	t.ID = newTaskID()
	t.Status, t.Message = ExportPending, "Pending."
	t.CreationTime = s.logs.NowMS()
	err = s.logs.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM logsres_export_tasks WHERE status IN ('PENDING', 'RUNNING', 'PENDING_CANCEL')`).Scan(&n); err != nil {
			return fmt.Errorf("logsres: count export tasks: %w", err)
		}
		if n > 0 {
			return logs.Errorf(ErrLimit, "Resource limit exceeded. An account can have one active (PENDING or RUNNING) export task at a time: wait for it (DescribeExportTasks) or cancel it (CancelExportTask).")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO logsres_export_tasks (id, name, group_name, stream_prefix, from_ms, to_ms, destination, prefix, status, message, creation_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Name, t.Group, t.StreamPrefix, t.From, t.To, t.Destination, t.Prefix, t.Status, t.Message, t.CreationTime)
		if err != nil {
			return fmt.Errorf("logsres: store export task: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	go s.runExport(t)
	return t.ID, nil
}

func newTaskID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// resumeExports restarts the tasks a previous process left active (the
// export rewrites its files, so running it again is safe) and ends those
// whose cancellation was asked.
func (s *Store) resumeExports(ctx context.Context) error {
	tasks, _, err := s.DescribeExportTasks(ctx, ExportQuery{Active: true, Limit: 50})
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.Status == ExportPendingCancel {
			s.finishExport(t.ID, ExportCancelled, "Cancelled by user.")
			continue
		}
		go s.runExport(t)
	}
	return nil
}

// setStatus moves a task from one of from to status; false when it was in
// none of them.
func (s *Store) setStatus(id, status, msg string, done bool, from ...string) bool {
	ctx := context.Background()
	var moved bool
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE logsres_export_tasks SET status = ?, message = ?, completion_time = CASE WHEN ? THEN ? ELSE completion_time END WHERE id = ? AND status IN (?` + strings.Repeat(", ?", len(from)-1) + `)`
		args := []any{status, msg, done, s.logs.NowMS(), id}
		for _, f := range from {
			args = append(args, f)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		moved = n > 0
		return nil
	})
	return err == nil && moved
}

func (s *Store) finishExport(id, status, msg string) {
	s.setStatus(id, status, msg, true, ExportPending, ExportRunning, ExportPendingCancel)
}

// runExport writes the task's objects and records how it ended.
func (s *Store) runExport(t ExportTask) {
	if s.exportGate != nil {
		s.exportGate(t.ID)
	}
	if !s.setStatus(t.ID, ExportRunning, "Running.", false, ExportPending, ExportRunning) {
		s.finishExport(t.ID, ExportCancelled, "Cancelled by user.")
		return
	}
	switch err := s.export(t); {
	case errors.Is(err, errCancelled):
		s.finishExport(t.ID, ExportCancelled, "Cancelled by user.")
	case err != nil:
		s.finishExport(t.ID, ExportFailed, err.Error())
	default:
		s.finishExport(t.ID, ExportCompleted, "Completed successfully.")
	}
}

var errCancelled = errors.New("cancelled")

func (s *Store) cancelAsked(id string) bool {
	var status string
	err := s.db.QueryRow(`SELECT status FROM logsres_export_tasks WHERE id = ?`, id).Scan(&status)
	return err == nil && status == ExportPendingCancel
}

// export writes the write-test object, then one gzip object per stream,
// each line "<timestamp, RFC 3339 in UTC with milliseconds> <message>".
func (s *Store) export(t ExportTask) error {
	ctx := context.Background()
	root := filepath.Join(s.opts.S3Dir, t.Destination, filepath.FromSlash(path.Clean("/"+t.Prefix)))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("Could not write to the bucket: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, WriteTestKey), []byte("Permission Check Successful"), 0o644); err != nil {
		return fmt.Errorf("Could not write to the bucket: %v", err)
	}
	dir := filepath.Join(root, t.ID)
	files := map[string]*exportFile{}
	defer func() {
		for _, f := range files {
			f.abort()
		}
	}()
	q := logs.FilterQuery{Group: t.Group, StreamNamePrefix: t.StreamPrefix, StartTime: t.From, EndTime: t.To + 1}
	for {
		page, err := s.logs.FilterLogEvents(ctx, q)
		if err != nil {
			return fmt.Errorf("Could not read log group %s: %v", t.Group, err)
		}
		for _, e := range page.Events {
			f := files[e.Stream]
			if f == nil {
				if f, err = newExportFile(filepath.Join(dir, e.Stream, "000000.gz")); err != nil {
					return err
				}
				files[e.Stream] = f
			}
			ts := time.UnixMilli(e.Timestamp).UTC().Format("2006-01-02T15:04:05.000Z")
			if err := f.line(ts, e.Message); err != nil {
				return err
			}
		}
		if s.cancelAsked(t.ID) {
			return errCancelled
		}
		if page.NextToken == "" {
			break
		}
		q.NextToken = page.NextToken
	}
	for name, f := range files {
		if err := f.commit(); err != nil {
			return err
		}
		delete(files, name)
	}
	return nil
}

// exportFile is one object being written: a temporary file renamed into
// place when complete.
type exportFile struct {
	path string
	tmp  *os.File
	buf  *bufio.Writer
	gz   *gzip.Writer
}

func newExportFile(p string) (*exportFile, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("Could not write to the bucket: %v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".export-*")
	if err != nil {
		return nil, fmt.Errorf("Could not write to the bucket: %v", err)
	}
	buf := bufio.NewWriter(tmp)
	return &exportFile{path: p, tmp: tmp, buf: buf, gz: gzip.NewWriter(buf)}, nil
}

func (f *exportFile) line(ts, msg string) error {
	if _, err := fmt.Fprintf(f.gz, "%s %s\n", ts, msg); err != nil {
		return fmt.Errorf("Could not write to the bucket: %v", err)
	}
	return nil
}

func (f *exportFile) commit() error {
	err := f.gz.Close()
	if err == nil {
		err = f.buf.Flush()
	}
	if err == nil {
		err = f.tmp.Close()
	}
	if err == nil {
		err = os.Rename(f.tmp.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.tmp.Name())
		return fmt.Errorf("Could not write to the bucket: %v", err)
	}
	return nil
}

func (f *exportFile) abort() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

// ExportQuery selects export tasks.
type ExportQuery struct {
	ID, Status string
	// Active keeps the PENDING, RUNNING and PENDING_CANCEL tasks.
	Active    bool
	NextToken string
	Limit     int
}

// DescribeExportTasks lists tasks, newest first.
func (s *Store) DescribeExportTasks(ctx context.Context, q ExportQuery) ([]ExportTask, string, error) {
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeToken("et", q.NextToken)
	if err != nil {
		return nil, "", err
	}
	where, args := "1", []any{}
	if q.ID != "" {
		where += " AND id = ?"
		args = append(args, q.ID)
	}
	if q.Status != "" {
		where += " AND status = ?"
		args = append(args, q.Status)
	}
	if q.Active {
		where += " AND status IN ('PENDING', 'RUNNING', 'PENDING_CANCEL')"
	}
	if after != "" {
		// The cursor is "<creation time>/<id>" of the last task shown.
		var ct int64
		var id string
		if _, err := fmt.Sscanf(strings.Replace(after, "/", " ", 1), "%d %s", &ct, &id); err != nil {
			return nil, "", logs.Errorf(logs.ErrInvalid, "The specified nextToken is invalid.")
		}
		where += " AND (creation_time < ? OR (creation_time = ? AND id > ?))"
		args = append(args, ct, ct, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, group_name, stream_prefix, from_ms, to_ms, destination, prefix, status, message, creation_time, COALESCE(completion_time, 0)
		FROM logsres_export_tasks WHERE `+where+` ORDER BY creation_time DESC, id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("logsres: describe export tasks: %w", err)
	}
	defer rows.Close()
	var out []ExportTask
	for rows.Next() {
		var t ExportTask
		if err := rows.Scan(&t.ID, &t.Name, &t.Group, &t.StreamPrefix, &t.From, &t.To, &t.Destination, &t.Prefix, &t.Status, &t.Message, &t.CreationTime, &t.CompletionTime); err != nil {
			return nil, "", fmt.Errorf("logsres: describe export tasks: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logsres: describe export tasks: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeToken("et", fmt.Sprintf("%d/%s", last.CreationTime, last.ID))
	}
	return out, next, nil
}

// CancelExportTask asks a PENDING or RUNNING task to stop; it ends
// CANCELLED.
func (s *Store) CancelExportTask(ctx context.Context, id string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM logsres_export_tasks WHERE id = ?`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return logs.Errorf(logs.ErrNotFound, "The specified export task does not exist.")
		}
		if err != nil {
			return fmt.Errorf("logsres: read export task: %w", err)
		}
		if status != ExportPending && status != ExportRunning {
			return logs.Errorf(ErrInvalidOperation, "The specified export task has already finished (status %s).", status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE logsres_export_tasks SET status = ?, message = ? WHERE id = ?`, ExportPendingCancel, "Cancelling.", id); err != nil {
			return fmt.Errorf("logsres: cancel export task: %w", err)
		}
		return nil
	})
}
