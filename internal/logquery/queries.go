package logquery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ecsrun/ecsrun/internal/insights"
	"github.com/ecsrun/ecsrun/internal/logs"
)

// Query statuses, as GetQueryResults and DescribeQueries show them.
const (
	StatusScheduled = "Scheduled"
	StatusRunning   = "Running"
	StatusComplete  = "Complete"
	StatusFailed    = "Failed"
	StatusCancelled = "Cancelled"
	StatusTimeout   = "Timeout"
)

// maxQueryTime bounds startTime and endTime (seconds): the year 9999.
const maxQueryTime = 253402300799

// LanguageCWLI is the Logs Insights query language, the one ecsrun runs.
const LanguageCWLI = "CWLI"

// QueryRequest starts a query.
type QueryRequest struct {
	// Language is "" or CWLI.
	Language string
	// Groups are log group names.
	Groups []string
	// StartTime and EndTime are seconds since the epoch; both ends are
	// included.
	StartTime, EndTime int64
	QueryString        string
	// Limit is the rows returned when the query has no limit command
	// (insights.DefaultLimit when 0).
	Limit int
}

// CompileQuery parses a query string; a syntax error is an
// ErrMalformedQuery error with the location.
func CompileQuery(q string) (*insights.Query, error) {
	p, err := insights.Parse(q)
	var se *insights.SyntaxError
	if errors.As(err, &se) {
		return nil, &Error{Kind: ErrMalformedQuery, Msg: se.Error(), Start: se.Start, End: se.End}
	}
	return p, err
}

func checkLanguage(lang string) error {
	if lang != "" && lang != LanguageCWLI {
		return errf(ErrInvalid, "Query language %s is not supported by ecsrun: write the query in the Logs Insights query language (queryLanguage CWLI).", lang)
	}
	return nil
}

// StartQuery checks and schedules a query and returns its id; it runs in
// the background.
func (s *Service) StartQuery(ctx context.Context, r QueryRequest) (string, error) {
	if err := checkLanguage(r.Language); err != nil {
		return "", err
	}
	if len(r.Groups) == 0 {
		return "", errf(ErrInvalid, "A query needs a log group: give logGroupName, logGroupNames or logGroupIdentifiers.")
	}
	if len(r.Groups) > MaxQueryGroups {
		return "", errf(ErrInvalid, "A query reads at most %d log groups; %d were given.", MaxQueryGroups, len(r.Groups))
	}
	if r.StartTime < 0 || r.EndTime < r.StartTime || r.EndTime > maxQueryTime {
		return "", errf(ErrInvalid, "endTime (%d) must not be before startTime (%d), and neither after %d; both are seconds since the epoch.", r.EndTime, r.StartTime, maxQueryTime)
	}
	if r.Limit < 0 || r.Limit > insights.MaxLimit {
		return "", errf(ErrInvalid, "Invalid limit %d: it must be from 1 to %d.", r.Limit, insights.MaxLimit)
	}
	q, err := CompileQuery(r.QueryString)
	if err != nil {
		return "", err
	}
	groups := slices.Compact(slices.Clone(r.Groups))
	for _, g := range groups {
		if _, err := s.logs.LogGroup(ctx, g); errors.Is(err, logs.ErrNotFound) {
			return "", errf(ErrNotFound, "Log group '%s' does not exist for account ID '%s'", g, s.account)
		} else if err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("logquery: closed")
	}
	if len(s.running) >= MaxConcurrentQueries {
		return "", errf(ErrLimit, "Resource limit exceeded: %d queries are already running; wait for one to finish or stop one with StopQuery.", MaxConcurrentQueries)
	}
	s.purge(ctx)
	id := uuid.NewString()
	gl, _ := json.Marshal(groups)
	lang := r.Language
	if lang == "" {
		lang = LanguageCWLI
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO logquery_queries (id, query_string, language, groups, start_time, end_time, row_limit, status, create_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, r.QueryString, lang, string(gl), r.StartTime, r.EndTime, r.Limit, StatusScheduled, s.nowMS())
	if err != nil {
		return "", fmt.Errorf("logquery: start query: %w", err)
	}
	s.launch(id, q, groups, r)
	return id, nil
}

// launch runs a query in the background; s.mu is held.
func (s *Service) launch(id string, q *insights.Query, groups []string, r QueryRequest) {
	ctx, cancel := context.WithTimeout(s.base, s.timeout)
	s.running[id] = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		s.execute(ctx, id, q, groups, r)
		s.mu.Lock()
		delete(s.running, id)
		s.mu.Unlock()
	}()
}

// testHookEvent, when set (by tests only), is called with the query's
// context for each event a query reads.
var testHookEvent func(ctx context.Context)

// storedResult is the JSON of a finished query's results.
type storedResult struct {
	Rows [][]insights.Field `json:"rows"`
}

func (s *Service) execute(ctx context.Context, id string, q *insights.Query, groups []string, r QueryRequest) {
	bg := context.WithoutCancel(ctx)
	s.setStatus(bg, id, StatusRunning, nil, nil, "")
	run := q.Start(insights.Options{Account: s.account, Limit: r.Limit})
	err := s.logs.ScanEvents(ctx, logs.ScanQuery{Groups: groups, StartTime: r.StartTime * 1000, EndTime: (r.EndTime + 1) * 1000}, func(e logs.ScannedEvent) error {
		if testHookEvent != nil {
			testHookEvent(ctx)
		}
		run.Add(insights.Event{
			Timestamp: e.Timestamp, IngestionTime: e.IngestionTime, Message: e.Message,
			Stream: e.Stream, Group: e.Group, Ptr: Pointer(e),
		})
		return nil
	})
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		s.setStatus(bg, id, StatusTimeout, nil, nil, "the query ran longer than "+s.timeout.String())
	case errors.Is(err, context.Canceled):
		// StopQuery set Cancelled; on Close the query stays Running and
		// runs again when the state is next opened.
	case err != nil:
		s.setStatus(bg, id, StatusFailed, nil, nil, err.Error())
	default:
		res := run.Result()
		s.setStatus(bg, id, StatusComplete, &storedResult{Rows: res.Rows}, &res.Stats, "")
	}
}

func (s *Service) setStatus(ctx context.Context, id, status string, res *storedResult, st *insights.Stats, msg string) {
	var rj, sj any
	if res != nil {
		b, _ := json.Marshal(res)
		rj = string(b)
	}
	if st != nil {
		b, _ := json.Marshal(st)
		sj = string(b)
	}
	// A query StopQuery cancelled stays Cancelled.
	_, _ = s.db.ExecContext(ctx, `UPDATE logquery_queries SET status = ?, results = coalesce(?, results), stats = coalesce(?, stats), message = ?
		WHERE id = ? AND status IN (?, ?)`, status, rj, sj, msg, id, StatusScheduled, StatusRunning)
}

// Pointer is an event's @ptr: an opaque reference to the event: its group,
// its id in the store and a digest of the event. Event ids can be used
// again once the events holding them are deleted (with their stream or
// group), so GetLogRecord checks the digest: a pointer never reads another
// event than the one it was made for.
func Pointer(e logs.ScannedEvent) string {
	return encodeToken(e.Group, strconv.FormatInt(e.ID, 10), eventDigest(e))
}

// PointerRef is what a Pointer holds.
type PointerRef struct {
	Group  string
	ID     int64
	Digest string
}

// ParsePointer reads a Pointer back.
func ParsePointer(ptr string) (PointerRef, bool) {
	g, rest, ok := decodeToken(ptr)
	if !ok || g == "" {
		return PointerRef{}, false
	}
	n, d, ok := strings.Cut(rest, "\x00")
	if !ok || len(d) != 16 || strings.Trim(d, "0123456789abcdef") != "" {
		return PointerRef{}, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	if err != nil || id <= 0 {
		return PointerRef{}, false
	}
	return PointerRef{Group: g, ID: id, Digest: d}, true
}

// eventDigest identifies an event's content: its stream, times and
// message.
func eventDigest(e logs.ScannedEvent) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", e.Stream, e.Timestamp, e.IngestionTime)
	h.Write([]byte(e.Message))
	return fmt.Sprintf("%016x", h.Sum64())
}

// LogRecord reads the event a query's @ptr points to and returns its
// fields as GetLogRecord shows them (insights.LogRecord).
//
// AWS documents two errors for GetLogRecord besides the service-wide ones:
// InvalidParameterException ("a parameter is specified incorrectly") and
// ResourceNotFoundException ("the specified resource does not exist"). A
// pointer that is not one @ptr could be (it does not decode) is the
// former, ErrInvalid; a well-formed pointer whose event is gone (its log
// group was deleted, its stream deleted, or the event expired) is the
// latter, ErrNotFound.
func (s *Service) LogRecord(ctx context.Context, ptr string) (map[string]string, error) {
	ref, ok := ParsePointer(ptr)
	if !ok {
		return nil, errf(ErrInvalid, "Invalid logRecordPointer: give the value of the @ptr field of a GetQueryResults row.")
	}
	e, err := s.logs.EventByID(ctx, ref.Group, ref.ID)
	if err == nil && eventDigest(e) != ref.Digest {
		err = logs.ErrEventNotFound()
	}
	if errors.Is(err, logs.ErrNotFound) {
		msg := "The specified log event does not exist."
		if le := (*logs.Error)(nil); errors.As(err, &le) {
			msg = le.Msg
		}
		return nil, errf(ErrNotFound, "%s (The log record pointer names an event of log group '%s'.)", msg, ref.Group)
	} else if err != nil {
		return nil, err
	}
	return insights.LogRecord(insights.Event{
		Timestamp: e.Timestamp, IngestionTime: e.IngestionTime, Message: e.Message,
		Stream: e.Stream, Group: e.Group,
	}, s.account), nil
}

// resume starts the queries left Scheduled or Running.
func (s *Service) resume(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id, query_string, groups, start_time, end_time, row_limit FROM logquery_queries WHERE status IN (?, ?)`, StatusScheduled, StatusRunning)
	if err != nil {
		return fmt.Errorf("logquery: resume queries: %w", err)
	}
	type pending struct {
		id     string
		r      QueryRequest
		groups []string
	}
	var ps []pending
	for rows.Next() {
		var p pending
		var gl string
		if err := rows.Scan(&p.id, &p.r.QueryString, &gl, &p.r.StartTime, &p.r.EndTime, &p.r.Limit); err != nil {
			rows.Close()
			return fmt.Errorf("logquery: resume queries: %w", err)
		}
		_ = json.Unmarshal([]byte(gl), &p.groups)
		ps = append(ps, p)
	}
	rows.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		q, err := CompileQuery(p.r.QueryString)
		if err != nil {
			s.setStatus(ctx, p.id, StatusFailed, nil, nil, err.Error())
			continue
		}
		s.launch(p.id, q, p.groups, p.r)
	}
	return nil
}

// purge deletes the queries older than ResultRetention.
func (s *Service) purge(ctx context.Context) {
	cut := s.now().Add(-ResultRetention).UnixMilli()
	_, _ = s.db.ExecContext(ctx, `DELETE FROM logquery_queries WHERE create_time < ? AND status NOT IN (?, ?)`, cut, StatusScheduled, StatusRunning)
}

// QueryResults is what GetQueryResults returns.
type QueryResults struct {
	Status   string
	Language string
	Rows     [][]insights.Field
	Stats    insights.Stats
	// Groups is how many log groups the query reads.
	Groups int
}

func (s *Service) lookup(ctx context.Context, id string) (*sql.Row, error) {
	cut := s.now().Add(-ResultRetention).UnixMilli()
	return s.db.QueryRowContext(ctx, `SELECT status, language, results, stats, groups, query_string, create_time FROM logquery_queries
		WHERE id = ? AND (create_time >= ? OR status IN (?, ?))`, id, cut, StatusScheduled, StatusRunning), nil
}

func errQueryNotFound(id string) error {
	return errf(ErrNotFound, "Query %s does not exist: its results are kept for %d days.", id, int(ResultRetention/(24*time.Hour)))
}

// GetQueryResults returns a query's status and, once Complete, its
// results.
func (s *Service) GetQueryResults(ctx context.Context, id string) (QueryResults, error) {
	row, _ := s.lookup(ctx, id)
	var out QueryResults
	var res, st sql.NullString
	var groups, qs string
	var created int64
	err := row.Scan(&out.Status, &out.Language, &res, &st, &groups, &qs, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return out, errQueryNotFound(id)
	}
	if err != nil {
		return out, fmt.Errorf("logquery: get query results: %w", err)
	}
	if res.Valid {
		var r storedResult
		if err := json.Unmarshal([]byte(res.String), &r); err != nil {
			return out, fmt.Errorf("logquery: query %s: %w", id, err)
		}
		out.Rows = r.Rows
	}
	if st.Valid {
		_ = json.Unmarshal([]byte(st.String), &out.Stats)
	}
	var names []string
	_ = json.Unmarshal([]byte(groups), &names)
	out.Groups = len(names)
	return out, nil
}

// StopQuery cancels a running query; false when it was not running.
func (s *Service) StopQuery(ctx context.Context, id string) (bool, error) {
	row, _ := s.lookup(ctx, id)
	var status, lang, groups, qs string
	var res, st sql.NullString
	var created int64
	err := row.Scan(&status, &lang, &res, &st, &groups, &qs, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errQueryNotFound(id)
	}
	if err != nil {
		return false, fmt.Errorf("logquery: stop query: %w", err)
	}
	if status != StatusScheduled && status != StatusRunning {
		return false, nil
	}
	r, err := s.db.ExecContext(ctx, `UPDATE logquery_queries SET status = ? WHERE id = ? AND status IN (?, ?)`, StatusCancelled, id, StatusScheduled, StatusRunning)
	if err != nil {
		return false, fmt.Errorf("logquery: stop query: %w", err)
	}
	s.mu.Lock()
	if cancel := s.running[id]; cancel != nil {
		cancel()
	}
	s.mu.Unlock()
	n, _ := r.RowsAffected()
	return n == 1, nil
}

// QueryInfo describes a query for DescribeQueries.
type QueryInfo struct {
	ID, QueryString, Status, Language string
	// Group is the query's first log group.
	Group string
	// CreateTime is in milliseconds.
	CreateTime int64
}

// DescribeQuery chooses queries for DescribeQueries.
type DescribeQuery struct {
	Group, Status, Language string
	// Max is 1 to 1000 (1000 when 0).
	Max       int
	NextToken string
}

// DescribeQueries lists the queries of the last ResultRetention, newest
// first.
func (s *Service) DescribeQueries(ctx context.Context, q DescribeQuery) ([]QueryInfo, string, error) {
	max := q.Max
	if max == 0 {
		max = 1000
	}
	if max < 1 || max > 1000 {
		return nil, "", errf(ErrInvalid, "Invalid maxResults %d: it must be from 1 to 1000.", max)
	}
	cut := s.now().Add(-ResultRetention).UnixMilli()
	query := `SELECT id, query_string, status, language, groups, create_time FROM logquery_queries WHERE (create_time >= ? OR status IN (?, ?))`
	args := []any{cut, StatusScheduled, StatusRunning}
	if q.Status != "" {
		query += ` AND status = ?`
		args = append(args, q.Status)
	}
	if q.Language != "" {
		query += ` AND language = ?`
		args = append(args, q.Language)
	}
	if q.Group != "" {
		query += ` AND EXISTS (SELECT 1 FROM json_each(groups) WHERE value = ?)`
		args = append(args, q.Group)
	}
	if q.NextToken != "" {
		ts, id, ok := decodeToken(q.NextToken)
		n, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil {
			return nil, "", errf(ErrInvalid, "The specified nextToken is invalid.")
		}
		query += ` AND (create_time, id) < (?, ?)`
		args = append(args, n, id)
	}
	query += ` ORDER BY create_time DESC, id DESC LIMIT ?`
	args = append(args, max+1)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("logquery: describe queries: %w", err)
	}
	defer rows.Close()
	var out []QueryInfo
	for rows.Next() {
		var qi QueryInfo
		var gl string
		if err := rows.Scan(&qi.ID, &qi.QueryString, &qi.Status, &qi.Language, &gl, &qi.CreateTime); err != nil {
			return nil, "", fmt.Errorf("logquery: describe queries: %w", err)
		}
		var groups []string
		_ = json.Unmarshal([]byte(gl), &groups)
		if len(groups) > 0 {
			qi.Group = groups[0]
		}
		out = append(out, qi)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logquery: describe queries: %w", err)
	}
	next := ""
	if len(out) > max {
		out = out[:max]
		last := out[max-1]
		next = encodeToken(strconv.FormatInt(last.CreateTime, 10), last.ID)
	}
	return out, next, nil
}

// QueryGroups returns the log groups a query reads (ListLogGroupsForQuery),
// a page of at most max (1 to 500; 50 when 0).
func (s *Service) QueryGroups(ctx context.Context, id string, max int, nextToken string) ([]string, string, error) {
	if max == 0 {
		max = 50
	}
	if max < 1 || max > 500 {
		return nil, "", errf(ErrInvalid, "Invalid maxResults %d: it must be from 1 to 500.", max)
	}
	row, _ := s.lookup(ctx, id)
	var status, lang, groups, qs string
	var res, st sql.NullString
	var created int64
	err := row.Scan(&status, &lang, &res, &st, &groups, &qs, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", errQueryNotFound(id)
	}
	if err != nil {
		return nil, "", fmt.Errorf("logquery: list log groups for query: %w", err)
	}
	var names []string
	_ = json.Unmarshal([]byte(groups), &names)
	start := 0
	if nextToken != "" {
		n, err := strconv.Atoi(nextToken)
		if err != nil || n < 0 || n > len(names) {
			return nil, "", errf(ErrInvalid, "The specified nextToken is invalid.")
		}
		start = n
	}
	end := min(len(names), start+max)
	next := ""
	if end < len(names) {
		next = strconv.Itoa(end)
	}
	return names[start:end], next, nil
}
