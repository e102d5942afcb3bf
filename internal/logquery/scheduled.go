package logquery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // schedules name IANA time zones; hosts may lack zoneinfo

	"github.com/google/uuid"
	"github.com/robfig/cron/v3"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Scheduled query states and execution statuses, as the model names them.
const (
	StateEnabled  = "ENABLED"
	StateDisabled = "DISABLED"

	ExecRunning      = "Running"
	ExecComplete     = "Complete"
	ExecFailed       = "Failed"
	ExecInvalidQuery = "InvalidQuery"
	ExecTimeout      = "Timeout"

	DestComplete = "COMPLETE"
	DestFailed   = "FAILED"
)

// DefaultStartTimeOffset is how far back (seconds) a scheduled query reads
// when its startTimeOffset is not given.
const DefaultStartTimeOffset = 300

// MaxScheduledQueries is the most scheduled queries an account has.
const MaxScheduledQueries = 1000

// S3Destination is where a scheduled query writes its results: an
// s3://bucket/prefix URI, written under Options.S3Dir as
// <S3Dir>/<bucket>/<prefix>/<name>/<queryId>.json.
type S3Destination struct {
	URI          string `json:"destinationIdentifier"`
	RoleARN      string `json:"roleArn"`
	OwnerAccount string `json:"ownerAccountId,omitempty"`
	KMSKey       string `json:"kmsKeyId,omitempty"`
}

// ScheduledQuery is a stored scheduled query.
type ScheduledQuery struct {
	Name, Description, Language, QueryString string
	Groups                                   []string
	Expression, Timezone                     string
	// StartOffset and EndOffset (seconds) place the time range before
	// each run.
	StartOffset, EndOffset int64
	Destination            *S3Destination
	// ScheduleStart and ScheduleEnd (milliseconds, 0 for none) bound the
	// runs.
	ScheduleStart, ScheduleEnd int64
	RoleARN, State             string

	// Set by the service (milliseconds).
	ARN                             string
	Created, Updated, LastTriggered int64
	LastStatus                      string
	next                            int64
}

// schedule is a parsed schedule expression.
type schedule interface {
	Next(time.Time) time.Time
}

type rate time.Duration

// Next is the time one rate after t.
func (r rate) Next(t time.Time) time.Time { return t.Add(time.Duration(r)) }

var rateRE = regexp.MustCompile(`^rate\(\s*([0-9]+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)

// parseSchedule reads rate(N unit), cron(min hour dom month dow [year]) or
// a standard five-field cron expression, in the time zone tz.
func parseSchedule(expr, tz string) (schedule, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, errf(ErrValidation, "Invalid timezone %q: use an IANA time zone name such as UTC or Europe/Paris.", tz)
		}
		loc = l
	}
	e := strings.TrimSpace(expr)
	if m := rateRE.FindStringSubmatch(e); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[m[2][0]]
		if n < 1 {
			return nil, errf(ErrValidation, "Invalid scheduleExpression %q: the rate must be at least 1.", expr)
		}
		return rate(time.Duration(n) * unit), nil
	}
	if strings.HasPrefix(e, "cron(") && strings.HasSuffix(e, ")") {
		e = strings.TrimSpace(e[5 : len(e)-1])
	}
	fields := strings.Fields(e)
	if len(fields) == 6 {
		if fields[5] != "*" && fields[5] != "?" {
			return nil, errf(ErrValidation, "Invalid scheduleExpression %q: ecsrun runs schedules whose year field is * only.", expr)
		}
		fields = fields[:5]
	}
	if len(fields) != 5 || strings.ContainsAny(strings.Join(fields, " "), "LW#") {
		return nil, errf(ErrValidation, "Invalid scheduleExpression %q: use rate(N minutes|hours|days) or cron(minutes hours day-of-month month day-of-week [year]); the L, W and # forms are not supported.", expr)
	}
	s, err := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow).Parse("CRON_TZ=" + loc.String() + " " + strings.Join(fields, " "))
	if err != nil {
		return nil, errf(ErrValidation, "Invalid scheduleExpression %q: %v.", expr, err)
	}
	return s, nil
}

// checkScheduled validates q and resolves its log groups.
func (s *Service) checkScheduled(ctx context.Context, q *ScheduledQuery) (schedule, error) {
	if q.Language != LanguageCWLI {
		return nil, errf(ErrValidation, "Query language %s is not supported by ecsrun: write the query in the Logs Insights query language (CWLI).", q.Language)
	}
	if _, err := CompileQuery(q.QueryString); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, errf(ErrValidation, "Invalid queryString: %s", e.Msg)
		}
		return nil, err
	}
	if len(q.Groups) == 0 {
		return nil, errf(ErrValidation, "A scheduled query needs logGroupIdentifiers (1 to %d log groups).", MaxQueryGroups)
	}
	for _, g := range q.Groups {
		if _, err := s.logs.LogGroup(ctx, g); errors.Is(err, logs.ErrNotFound) {
			return nil, errf(ErrNotFound, "Log group '%s' does not exist for account ID '%s'", g, s.account)
		} else if err != nil {
			return nil, err
		}
	}
	if q.StartOffset < 0 || q.EndOffset < 0 || q.EndOffset > q.StartOffset {
		return nil, errf(ErrValidation, "startTimeOffset (%d) and endTimeOffset (%d) are seconds before each run: both at least 0, endTimeOffset not above startTimeOffset.", q.StartOffset, q.EndOffset)
	}
	if q.ScheduleEnd != 0 && q.ScheduleEnd < q.ScheduleStart {
		return nil, errf(ErrValidation, "scheduleEndTime must not be before scheduleStartTime.")
	}
	if q.State == "" {
		q.State = StateEnabled
	}
	if q.Destination != nil {
		if _, _, ok := splitS3(q.Destination.URI); !ok {
			return nil, errf(ErrValidation, "Invalid S3 destinationIdentifier %q: want s3://bucket/prefix.", q.Destination.URI)
		}
	}
	return parseSchedule(q.Expression, q.Timezone)
}

func splitS3(uri string) (bucket, prefix string, ok bool) {
	rest, found := strings.CutPrefix(uri, "s3://")
	if !found {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" || strings.Contains(prefix, "..") || strings.Contains(bucket, "..") {
		return "", "", false
	}
	return bucket, strings.Trim(prefix, "/"), true
}

// ScheduledARN is a scheduled query's ARN.
func (s *Service) ScheduledARN(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:scheduled-query:%s", s.region, s.account, name)
}

// scheduledName resolves an identifier (a name or an ARN).
func (s *Service) scheduledName(id string) string {
	if i := strings.Index(id, ":scheduled-query:"); strings.HasPrefix(id, "arn:") && i >= 0 {
		return id[i+len(":scheduled-query:"):]
	}
	return id
}

// nextRun is the first run of sched after t, not before the schedule's
// start; 0 when the schedule has ended.
func nextRun(sched schedule, q *ScheduledQuery, after time.Time) int64 {
	if q.ScheduleStart > 0 && after.UnixMilli() < q.ScheduleStart {
		if _, ok := sched.(rate); ok {
			return q.ScheduleStart // a rate starts counting at the schedule's start
		}
		after = time.UnixMilli(q.ScheduleStart - 1)
	}
	n := sched.Next(after)
	if n.IsZero() || q.ScheduleEnd > 0 && n.UnixMilli() > q.ScheduleEnd {
		return 0
	}
	return n.UnixMilli()
}

// CreateScheduledQuery stores a scheduled query and returns its ARN.
func (s *Service) CreateScheduledQuery(ctx context.Context, q ScheduledQuery) (string, error) {
	sched, err := s.checkScheduled(ctx, &q)
	if err != nil {
		return "", err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM logquery_scheduled`).Scan(&n); err != nil {
		return "", fmt.Errorf("logquery: create scheduled query: %w", err)
	}
	if n >= MaxScheduledQueries {
		return "", errf(ErrLimit, "Service quota exceeded: the account already has %d scheduled queries.", MaxScheduledQueries)
	}
	now := s.now()
	q.ARN, q.Created, q.Updated = s.ScheduledARN(q.Name), now.UnixMilli(), now.UnixMilli()
	q.next = nextRun(sched, &q, now)
	if err := s.saveScheduled(ctx, q, true); err != nil {
		return "", err
	}
	return q.ARN, nil
}

// UpdateScheduledQuery replaces a scheduled query's settings.
func (s *Service) UpdateScheduledQuery(ctx context.Context, id string, q ScheduledQuery) (ScheduledQuery, error) {
	old, err := s.GetScheduledQuery(ctx, id)
	if err != nil {
		return ScheduledQuery{}, err
	}
	q.Name = old.Name
	sched, err := s.checkScheduled(ctx, &q)
	if err != nil {
		return ScheduledQuery{}, err
	}
	now := s.now()
	q.ARN, q.Created, q.Updated = old.ARN, old.Created, now.UnixMilli()
	q.LastTriggered, q.LastStatus = old.LastTriggered, old.LastStatus
	q.next = nextRun(sched, &q, now)
	if err := s.saveScheduled(ctx, q, false); err != nil {
		return ScheduledQuery{}, err
	}
	return q, nil
}

func (s *Service) saveScheduled(ctx context.Context, q ScheduledQuery, create bool) error {
	groups, _ := json.Marshal(q.Groups)
	var dest any
	if q.Destination != nil {
		b, _ := json.Marshal(q.Destination)
		dest = string(b)
	}
	args := []any{q.Description, q.Language, q.QueryString, string(groups), q.Expression, q.Timezone, q.StartOffset, q.EndOffset,
		dest, q.ScheduleStart, q.ScheduleEnd, q.RoleARN, q.State, q.Updated, q.next, q.Name}
	if create {
		_, err := s.db.ExecContext(ctx, `INSERT INTO logquery_scheduled (description, language, query_string, groups, expression, timezone,
			start_offset, end_offset, destination, schedule_start, schedule_end, role_arn, state, updated, next_run, name, created, last_triggered, last_status)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`, append(args, q.Created)...)
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return errf(ErrConflict, "A scheduled query named %s already exists.", q.Name)
		}
		if err != nil {
			return fmt.Errorf("logquery: create scheduled query: %w", err)
		}
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE logquery_scheduled SET description = ?, language = ?, query_string = ?, groups = ?, expression = ?,
		timezone = ?, start_offset = ?, end_offset = ?, destination = ?, schedule_start = ?, schedule_end = ?, role_arn = ?, state = ?,
		updated = ?, next_run = ? WHERE name = ?`, args...)
	if err != nil {
		return fmt.Errorf("logquery: update scheduled query: %w", err)
	}
	return nil
}

const scheduledCols = `name, description, language, query_string, groups, expression, timezone, start_offset, end_offset, destination,
	schedule_start, schedule_end, role_arn, state, created, updated, last_triggered, last_status, next_run`

func (s *Service) scanScheduled(row interface{ Scan(...any) error }) (ScheduledQuery, error) {
	var q ScheduledQuery
	var groups string
	var dest sql.NullString
	err := row.Scan(&q.Name, &q.Description, &q.Language, &q.QueryString, &groups, &q.Expression, &q.Timezone, &q.StartOffset, &q.EndOffset,
		&dest, &q.ScheduleStart, &q.ScheduleEnd, &q.RoleARN, &q.State, &q.Created, &q.Updated, &q.LastTriggered, &q.LastStatus, &q.next)
	if err != nil {
		return q, err
	}
	_ = json.Unmarshal([]byte(groups), &q.Groups)
	if dest.Valid {
		q.Destination = &S3Destination{}
		_ = json.Unmarshal([]byte(dest.String), q.Destination)
	}
	q.ARN = s.ScheduledARN(q.Name)
	return q, nil
}

// GetScheduledQuery returns a scheduled query by name or ARN.
func (s *Service) GetScheduledQuery(ctx context.Context, id string) (ScheduledQuery, error) {
	q, err := s.scanScheduled(s.db.QueryRowContext(ctx, `SELECT `+scheduledCols+` FROM logquery_scheduled WHERE name = ?`, s.scheduledName(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return q, errf(ErrNotFound, "Scheduled query %s does not exist.", id)
	}
	if err != nil {
		return q, fmt.Errorf("logquery: get scheduled query: %w", err)
	}
	return q, nil
}

// DeleteScheduledQuery deletes a scheduled query and its history.
func (s *Service) DeleteScheduledQuery(ctx context.Context, id string) error {
	name := s.scheduledName(id)
	res, err := s.db.ExecContext(ctx, `DELETE FROM logquery_scheduled WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("logquery: delete scheduled query: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errf(ErrNotFound, "Scheduled query %s does not exist.", id)
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM logquery_scheduled_runs WHERE name = ?`, name)
	return err
}

// ListScheduledQueries lists scheduled queries by name, a page of at most
// max (1 to 1000; 1000 when 0), optionally in one state.
func (s *Service) ListScheduledQueries(ctx context.Context, state string, max int, next string) ([]ScheduledQuery, string, error) {
	if max == 0 {
		max = 1000
	}
	if max < 1 || max > 1000 {
		return nil, "", errf(ErrValidation, "Invalid maxResults %d: it must be from 1 to 1000.", max)
	}
	query := `SELECT ` + scheduledCols + ` FROM logquery_scheduled WHERE name > ?`
	args := []any{next}
	if state != "" {
		query += ` AND state = ?`
		args = append(args, state)
	}
	query += ` ORDER BY name LIMIT ?`
	args = append(args, max+1)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("logquery: list scheduled queries: %w", err)
	}
	defer rows.Close()
	var out []ScheduledQuery
	for rows.Next() {
		q, err := s.scanScheduled(rows)
		if err != nil {
			return nil, "", fmt.Errorf("logquery: list scheduled queries: %w", err)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logquery: list scheduled queries: %w", err)
	}
	token := ""
	if len(out) > max {
		out = out[:max]
		token = out[max-1].Name
	}
	return out, token, nil
}

// Run is one run of a scheduled query.
type Run struct {
	QueryID   string
	Status    string
	Triggered int64
	Error     string
	// Destination is set when the query has one.
	Destination *RunDestination
}

// RunDestination is what a run wrote.
type RunDestination struct {
	Type, Identifier, Status, Processed, Error string
}

// History returns the runs of a scheduled query triggered in [start, end]
// (milliseconds), newest first, optionally of some statuses only.
func (s *Service) History(ctx context.Context, id string, start, end int64, statuses []string) ([]Run, error) {
	q, err := s.GetScheduledQuery(ctx, id)
	if err != nil {
		return nil, err
	}
	if end < start {
		return nil, errf(ErrValidation, "endTime must not be before startTime.")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT query_id, status, triggered, error, destination FROM logquery_scheduled_runs
		WHERE name = ? AND triggered >= ? AND triggered <= ? ORDER BY triggered DESC, rowid DESC`, q.Name, start, end)
	if err != nil {
		return nil, fmt.Errorf("logquery: scheduled query history: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var dest sql.NullString
		if err := rows.Scan(&r.QueryID, &r.Status, &r.Triggered, &r.Error, &dest); err != nil {
			return nil, fmt.Errorf("logquery: scheduled query history: %w", err)
		}
		if dest.Valid {
			r.Destination = &RunDestination{}
			_ = json.Unmarshal([]byte(dest.String), r.Destination)
		}
		if len(statuses) == 0 || contains(statuses, r.Status) {
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RunDue runs the enabled scheduled queries whose next run is due, one
// after the other, and returns how many ran. The service calls it every
// second; tests call it with their clock.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT `+scheduledCols+` FROM logquery_scheduled WHERE state = ? AND next_run > 0 AND next_run <= ? ORDER BY next_run`,
		StateEnabled, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("logquery: scheduled queries: %w", err)
	}
	var due []ScheduledQuery
	for rows.Next() {
		q, err := s.scanScheduled(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("logquery: scheduled queries: %w", err)
		}
		due = append(due, q)
	}
	rows.Close()
	for _, q := range due {
		if err := s.runScheduled(ctx, q, now); err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

func (s *Service) runScheduled(ctx context.Context, q ScheduledQuery, now time.Time) error {
	triggered := q.next
	run := Run{Triggered: now.UnixMilli()}
	end := time.UnixMilli(triggered).Add(-time.Duration(q.EndOffset) * time.Second).Unix()
	start := time.UnixMilli(triggered).Add(-time.Duration(q.StartOffset) * time.Second).Unix()
	compiled, err := CompileQuery(q.QueryString)
	if err != nil {
		run.Status, run.Error = ExecInvalidQuery, err.Error()
	} else {
		id := uuid.NewString()
		run.QueryID = id
		groups, _ := json.Marshal(q.Groups)
		req := QueryRequest{Groups: q.Groups, StartTime: max(start, 0), EndTime: max(end, 0), QueryString: q.QueryString}
		_, err = s.db.ExecContext(ctx, `INSERT INTO logquery_queries (id, query_string, language, groups, start_time, end_time, row_limit, status, create_time)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`, id, q.QueryString, LanguageCWLI, string(groups), req.StartTime, req.EndTime, StatusScheduled, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("logquery: run scheduled query %s: %w", q.Name, err)
		}
		qctx, cancel := context.WithTimeout(ctx, s.timeout)
		s.execute(qctx, id, compiled, q.Groups, req)
		cancel()
		if ctx.Err() != nil {
			return nil // closing: the run is due again when the state is next opened
		}
		res, err := s.GetQueryResults(context.WithoutCancel(ctx), id)
		switch {
		case err != nil:
			run.Status, run.Error = ExecFailed, err.Error()
		case res.Status == StatusComplete:
			run.Status = ExecComplete
			if q.Destination != nil {
				run.Destination = s.deliver(q, id, res)
			}
		case res.Status == StatusTimeout:
			run.Status = ExecTimeout
		default:
			run.Status, run.Error = ExecFailed, "the query ended "+res.Status
		}
	}
	var dest any
	if run.Destination != nil {
		b, _ := json.Marshal(run.Destination)
		dest = string(b)
	}
	if sched, err := parseSchedule(q.Expression, q.Timezone); err == nil {
		q.next = nextRun(sched, &q, now)
	} else {
		q.next = 0
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO logquery_scheduled_runs (name, query_id, status, triggered, error, destination) VALUES (?, ?, ?, ?, ?, ?)`,
		q.Name, run.QueryID, run.Status, run.Triggered, run.Error, dest)
	if err == nil {
		_, err = s.db.ExecContext(ctx, `UPDATE logquery_scheduled SET last_triggered = ?, last_status = ?, next_run = ? WHERE name = ?`,
			run.Triggered, run.Status, q.next, q.Name)
	}
	if err != nil {
		return fmt.Errorf("logquery: record the run of scheduled query %s: %w", q.Name, err)
	}
	return nil
}

// deliver writes a run's results, as JSON, to the local S3 directory.
func (s *Service) deliver(q ScheduledQuery, id string, res QueryResults) *RunDestination {
	d := &RunDestination{Type: "S3", Identifier: q.Destination.URI}
	bucket, prefix, _ := splitS3(q.Destination.URI)
	key := strings.TrimPrefix(prefix+"/"+q.Name+"/"+id+".json", "/")
	if s.s3Dir == "" {
		d.Status, d.Error = DestFailed, "ecsrun has no local S3 directory to write to"
		return d
	}
	rows := make([][]map[string]string, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = make([]map[string]string, len(r))
		for j, f := range r {
			rows[i][j] = map[string]string{"field": f.Name, "value": f.Value}
		}
	}
	b, _ := json.MarshalIndent(map[string]any{"queryId": id, "results": rows, "statistics": res.Stats}, "", "  ")
	path := filepath.Join(s.s3Dir, bucket, filepath.FromSlash(key))
	err := os.MkdirAll(filepath.Dir(path), 0o755)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		d.Status, d.Error = DestFailed, err.Error()
		return d
	}
	d.Status, d.Processed = DestComplete, "s3://"+bucket+"/"+key
	return d
}

// scheduler calls RunDue every second until the service closes.
func (s *Service) scheduler() {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.base.Done():
			return
		case <-t.C:
			_, _ = s.RunDue(s.base)
		}
	}
}
