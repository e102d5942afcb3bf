package logquery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logpattern"
)

// Transformation is a metric filter's metricTransformation.
type Transformation struct {
	MetricName      string            `json:"metricName"`
	MetricNamespace string            `json:"metricNamespace"`
	MetricValue     string            `json:"metricValue"`
	DefaultValue    *float64          `json:"defaultValue,omitempty"`
	Dimensions      map[string]string `json:"dimensions,omitempty"`
	Unit            string            `json:"unit,omitempty"`
}

// MetricFilter is a stored metric filter.
type MetricFilter struct {
	Group           string
	Name            string
	Pattern         string
	Transformations []Transformation
	// CreationTime is in milliseconds.
	CreationTime int64
	// The members below are stored and echoed: they shape what AWS
	// publishes, and ecsrun publishes no metrics.
	ApplyOnTransformedLogs    bool     `json:"applyOnTransformedLogs,omitempty"`
	FieldSelectionCriteria    string   `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFieldDimensions []string `json:"emitSystemFieldDimensions,omitempty"`
}

// MaxDimensions is the most dimensions a metric transformation has.
const MaxDimensions = 3

// ParsePattern parses a metric filter pattern; a syntax error is an
// ErrInvalid error with the service's message and the reason.
func ParsePattern(pattern string) (*logpattern.Pattern, error) {
	p, err := logpattern.Parse(pattern)
	var se *logpattern.SyntaxError
	if errors.As(err, &se) {
		return nil, errf(ErrInvalid, "Invalid metric filter pattern: %s", se.Msg)
	}
	return p, err
}

// checkTransformation validates t against the filter's pattern.
func checkTransformation(p *logpattern.Pattern, t Transformation) error {
	if t.MetricName == "" || t.MetricNamespace == "" || t.MetricValue == "" {
		return errf(ErrInvalid, "A metric transformation needs metricName, metricNamespace and metricValue.")
	}
	if strings.ContainsAny(t.MetricName, ":*$") || strings.ContainsAny(t.MetricNamespace, ":*$") {
		return errf(ErrInvalid, "Invalid metric name or namespace %q/%q: ':', '*' and '$' are not allowed.", t.MetricNamespace, t.MetricName)
	}
	if _, err := strconv.ParseFloat(t.MetricValue, 64); err != nil {
		if !strings.HasPrefix(t.MetricValue, "$") || !p.CheckSelector(t.MetricValue) {
			return errf(ErrInvalid, "Invalid metricValue %q: use a number, or a value of the filter pattern's events ($.path for a JSON pattern, $field for a field a space-delimited pattern names).", t.MetricValue)
		}
	}
	if len(t.Dimensions) == 0 {
		return nil
	}
	if p.Kind() != logpattern.JSON && p.Kind() != logpattern.Delimited {
		return errf(ErrInvalid, "The specified filter pattern does not support dimensions")
	}
	if len(t.Dimensions) > MaxDimensions {
		return errf(ErrInvalid, "A metric transformation has at most %d dimensions; this one has %d.", MaxDimensions, len(t.Dimensions))
	}
	if t.DefaultValue != nil {
		return errf(ErrInvalid, "A metric transformation with dimensions cannot have a defaultValue: remove one or the other.")
	}
	for k, v := range t.Dimensions {
		if !p.CheckSelector(v) {
			return errf(ErrInvalid, "Invalid value %q of dimension %q: a dimension's value names a value of the filter pattern's events ($.path for a JSON pattern, $field for a space-delimited one).", v, k)
		}
	}
	return nil
}

// PutMetricFilter creates or replaces a metric filter.
func (s *Service) PutMetricFilter(ctx context.Context, f MetricFilter) error {
	g, err := s.group(ctx, f.Group)
	if err != nil {
		return err
	}
	p, err := ParsePattern(f.Pattern)
	if err != nil {
		return err
	}
	if len(f.Transformations) != 1 {
		return errf(ErrInvalid, "A metric filter has exactly one metric transformation; %d were given.", len(f.Transformations))
	}
	if err := checkTransformation(p, f.Transformations[0]); err != nil {
		return err
	}
	trans, _ := json.Marshal(f.Transformations)
	extra, _ := json.Marshal(struct {
		A bool     `json:"applyOnTransformedLogs,omitempty"`
		F string   `json:"fieldSelectionCriteria,omitempty"`
		E []string `json:"emitSystemFieldDimensions,omitempty"`
	}{f.ApplyOnTransformedLogs, f.FieldSelectionCriteria, f.EmitSystemFieldDimensions})
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("logquery: put metric filter: %w", err)
	}
	defer tx.Rollback()
	// Filters of a deleted group with this name die with it.
	if _, err := tx.ExecContext(ctx, `DELETE FROM logquery_metric_filters WHERE group_name = ? AND group_created != ?`, g.Name, g.CreationTime); err != nil {
		return fmt.Errorf("logquery: put metric filter: %w", err)
	}
	var count, regexes int
	rows, err := tx.QueryContext(ctx, `SELECT pattern FROM logquery_metric_filters WHERE group_name = ? AND name != ?`, g.Name, f.Name)
	if err != nil {
		return fmt.Errorf("logquery: put metric filter: %w", err)
	}
	for rows.Next() {
		var pat string
		if err := rows.Scan(&pat); err != nil {
			rows.Close()
			return fmt.Errorf("logquery: put metric filter: %w", err)
		}
		count++
		if q, err := logpattern.Parse(pat); err == nil && q.UsesRegex() {
			regexes++
		}
	}
	rows.Close()
	if count >= MaxMetricFilters {
		return errf(ErrLimit, "Resource limit exceeded: log group %s already has %d metric filters.", g.Name, MaxMetricFilters)
	}
	if p.UsesRegex() && regexes >= MaxRegexMetricFilters {
		return errf(ErrLimit, "Resource limit exceeded: log group %s already has %d metric filters whose patterns use regular expressions.", g.Name, MaxRegexMetricFilters)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO logquery_metric_filters
		(group_name, group_created, name, pattern, transformations, creation_time, extra) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (group_name, name) DO UPDATE SET pattern = excluded.pattern,
			transformations = excluded.transformations, extra = excluded.extra`,
		g.Name, g.CreationTime, f.Name, f.Pattern, string(trans), s.nowMS(), string(extra))
	if err != nil {
		return fmt.Errorf("logquery: put metric filter: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("logquery: put metric filter: %w", err)
	}
	return nil
}

// FilterQuery chooses metric filters for DescribeMetricFilters.
type FilterQuery struct {
	Group, NamePrefix           string
	MetricName, MetricNamespace string
	// Limit is 1 to 50 (50 when 0).
	Limit     int
	NextToken string
}

// MaxDescribe is the largest (and default) page of DescribeMetricFilters.
const MaxDescribe = 50

// liveFilters joins the filters with their live groups (a filter outlives
// neither its group nor a group of the same name created since).
const liveFilters = `FROM logquery_metric_filters f JOIN logs_groups g ON g.name = f.group_name AND g.creation_time = f.group_created`

// DescribeMetricFilters lists metric filters by group name, then filter
// name.
func (s *Service) DescribeMetricFilters(ctx context.Context, q FilterQuery) ([]MetricFilter, string, error) {
	if q.NamePrefix != "" && q.Group == "" {
		return nil, "", errf(ErrInvalid, "filterNamePrefix requires logGroupName.")
	}
	if (q.MetricName == "") != (q.MetricNamespace == "") {
		return nil, "", errf(ErrInvalid, "metricName and metricNamespace must be given together.")
	}
	limit := q.Limit
	if limit == 0 {
		limit = MaxDescribe
	}
	if limit < 1 || limit > MaxDescribe {
		return nil, "", errf(ErrInvalid, "Invalid limit %d: it must be from 1 to %d.", limit, MaxDescribe)
	}
	if q.Group != "" {
		if _, err := s.group(ctx, q.Group); err != nil {
			return nil, "", err
		}
	}
	query := `SELECT f.group_name, f.name, f.pattern, f.transformations, f.creation_time, f.extra ` + liveFilters + ` WHERE 1`
	var args []any
	if q.Group != "" {
		query += ` AND f.group_name = ?`
		args = append(args, q.Group)
	}
	if q.NamePrefix != "" {
		query += ` AND substr(f.name, 1, ?) = ?`
		args = append(args, len(q.NamePrefix), q.NamePrefix)
	}
	if q.NextToken != "" {
		g, n, ok := decodeToken(q.NextToken)
		if !ok {
			return nil, "", errf(ErrInvalid, "The specified nextToken is invalid.")
		}
		query += ` AND (f.group_name, f.name) > (?, ?)`
		args = append(args, g, n)
	}
	query += ` ORDER BY f.group_name, f.name`
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("logquery: describe metric filters: %w", err)
	}
	defer rows.Close()
	var out []MetricFilter
	next := ""
	for rows.Next() {
		var f MetricFilter
		var trans, extra string
		if err := rows.Scan(&f.Group, &f.Name, &f.Pattern, &trans, &f.CreationTime, &extra); err != nil {
			return nil, "", fmt.Errorf("logquery: describe metric filters: %w", err)
		}
		if err := json.Unmarshal([]byte(trans), &f.Transformations); err != nil {
			return nil, "", fmt.Errorf("logquery: metric filter %s: %w", f.Name, err)
		}
		_ = json.Unmarshal([]byte(extra), &f)
		if q.MetricName != "" && !hasMetric(f, q.MetricName, q.MetricNamespace) {
			continue
		}
		if len(out) == limit {
			last := out[len(out)-1]
			next = encodeToken(last.Group, last.Name)
			break
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logquery: describe metric filters: %w", err)
	}
	return out, next, nil
}

func hasMetric(f MetricFilter, name, ns string) bool {
	for _, t := range f.Transformations {
		if t.MetricName == name && t.MetricNamespace == ns {
			return true
		}
	}
	return false
}

// MetricFilterCount is the number of metric filters of a group
// (DescribeLogGroups' metricFilterCount).
func (s *Service) MetricFilterCount(ctx context.Context, group string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) `+liveFilters+` WHERE f.group_name = ?`, group).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("logquery: count metric filters: %w", err)
	}
	return n, nil
}

// DeleteMetricFilter deletes a metric filter.
func (s *Service) DeleteMetricFilter(ctx context.Context, group, name string) error {
	g, err := s.group(ctx, group)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM logquery_metric_filters WHERE group_name = ? AND name = ? AND group_created = ?`, g.Name, name, g.CreationTime)
	if err != nil {
		return fmt.Errorf("logquery: delete metric filter: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errf(ErrNotFound, "The specified metric filter does not exist.")
	}
	return nil
}

// TestMatch is an event TestMetricFilter matched.
type TestMatch struct {
	// EventNumber counts the messages from 1.
	EventNumber int
	Message     string
	// Values are the values the pattern extracted ("$field" for
	// space-delimited patterns, "$.path" for JSON ones).
	Values map[string]string
}

// TestMetricFilter matches messages against a pattern.
func TestMetricFilter(pattern string, messages []string) ([]TestMatch, error) {
	p, err := ParsePattern(pattern)
	if err != nil {
		return nil, err
	}
	out := []TestMatch{}
	for i, m := range messages {
		if r := p.Test(m); r.Matched {
			out = append(out, TestMatch{EventNumber: i + 1, Message: m, Values: r.Values})
		}
	}
	return out, nil
}

func encodeToken(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00")))
}

func decodeToken(tok string) (string, string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", "", false
	}
	a, c, ok := strings.Cut(string(b), "\x00")
	return a, c, ok
}
