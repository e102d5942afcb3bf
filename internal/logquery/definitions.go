package logquery

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/google/uuid"

	"github.com/ecsrun/ecsrun/internal/insights"
	"github.com/ecsrun/ecsrun/internal/logs"
)

// Parameter is a query definition's parameter.
type Parameter struct {
	Name         string `json:"name"`
	DefaultValue string `json:"defaultValue,omitempty"`
	Description  string `json:"description,omitempty"`
}

// Definition is a saved query (PutQueryDefinition).
type Definition struct {
	ID, Name, QueryString, Language string
	Groups                          []string
	Parameters                      []Parameter
	// LastModified is in milliseconds.
	LastModified int64
}

// MaxDefinitions is the most query definitions an account has.
const MaxDefinitions = 1000

// PutDefinition creates a query definition, or replaces the one d.ID names,
// and returns its id.
func (s *Service) PutDefinition(ctx context.Context, d Definition) (string, error) {
	if err := checkLanguage(d.Language); err != nil {
		return "", err
	}
	if d.Language == "" {
		d.Language = LanguageCWLI
	}
	if d.Name == "" || d.QueryString == "" {
		return "", errf(ErrInvalid, "A query definition needs a name and a queryString.")
	}
	gl, _ := json.Marshal(orEmpty(d.Groups))
	pl, _ := json.Marshal(orEmptyParams(d.Parameters))
	if d.ID != "" {
		res, err := s.db.ExecContext(ctx, `UPDATE logquery_definitions SET name = ?, query_string = ?, groups = ?, language = ?, parameters = ?, last_modified = ? WHERE id = ?`,
			d.Name, d.QueryString, string(gl), d.Language, string(pl), s.nowMS(), d.ID)
		if err != nil {
			return "", fmt.Errorf("logquery: put query definition: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return "", errf(ErrNotFound, "Query definition %s does not exist.", d.ID)
		}
		return d.ID, nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM logquery_definitions`).Scan(&n); err != nil {
		return "", fmt.Errorf("logquery: put query definition: %w", err)
	}
	if n >= MaxDefinitions {
		return "", errf(ErrLimit, "Resource limit exceeded: the account already has %d query definitions.", MaxDefinitions)
	}
	id := uuid.NewString()
	_, err := s.db.ExecContext(ctx, `INSERT INTO logquery_definitions (id, name, query_string, groups, language, parameters, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, d.Name, d.QueryString, string(gl), d.Language, string(pl), s.nowMS())
	if err != nil {
		return "", fmt.Errorf("logquery: put query definition: %w", err)
	}
	return id, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyParams(p []Parameter) []Parameter {
	if p == nil {
		return []Parameter{}
	}
	return p
}

// DefinitionQuery chooses query definitions.
type DefinitionQuery struct {
	NamePrefix, Language string
	// Max is 1 to 1000 (1000 when 0).
	Max       int
	NextToken string
}

// DescribeDefinitions lists query definitions by name.
func (s *Service) DescribeDefinitions(ctx context.Context, q DefinitionQuery) ([]Definition, string, error) {
	max := q.Max
	if max == 0 {
		max = 1000
	}
	if max < 1 || max > 1000 {
		return nil, "", errf(ErrInvalid, "Invalid maxResults %d: it must be from 1 to 1000.", max)
	}
	query := `SELECT id, name, query_string, groups, language, parameters, last_modified FROM logquery_definitions WHERE substr(name, 1, ?) = ?`
	args := []any{len(q.NamePrefix), q.NamePrefix}
	if q.Language != "" {
		query += ` AND language = ?`
		args = append(args, q.Language)
	}
	if q.NextToken != "" {
		name, id, ok := decodeToken(q.NextToken)
		if !ok {
			return nil, "", errf(ErrInvalid, "The specified nextToken is invalid.")
		}
		query += ` AND (name, id) > (?, ?)`
		args = append(args, name, id)
	}
	query += ` ORDER BY name, id LIMIT ?`
	args = append(args, max+1)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("logquery: describe query definitions: %w", err)
	}
	defer rows.Close()
	var out []Definition
	for rows.Next() {
		var d Definition
		var gl, pl string
		if err := rows.Scan(&d.ID, &d.Name, &d.QueryString, &gl, &d.Language, &pl, &d.LastModified); err != nil {
			return nil, "", fmt.Errorf("logquery: describe query definitions: %w", err)
		}
		_ = json.Unmarshal([]byte(gl), &d.Groups)
		_ = json.Unmarshal([]byte(pl), &d.Parameters)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logquery: describe query definitions: %w", err)
	}
	next := ""
	if len(out) > max {
		out = out[:max]
		next = encodeToken(out[max-1].Name, out[max-1].ID)
	}
	return out, next, nil
}

// DeleteDefinition deletes a query definition.
func (s *Service) DeleteDefinition(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM logquery_definitions WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("logquery: delete query definition: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errf(ErrNotFound, "Query definition %s does not exist.", id)
	}
	return nil
}

// GroupField is a field of a log group's events with the percentage of
// events that have it.
type GroupField struct {
	Name    string
	Percent int
}

// FieldWindow is the span of events GetLogGroupFields reads: the last 15
// minutes, or 8 minutes either side of the time asked for.
const (
	fieldWindowMS = 15 * 60 * 1000
	fieldHalfMS   = 8 * 60 * 1000
)

// GroupFields returns the fields of a group's events in the window that
// ends now (at == 0) or is centred on at (seconds), most frequent first.
func (s *Service) GroupFields(ctx context.Context, group string, at int64) ([]GroupField, error) {
	if _, err := s.group(ctx, group); err != nil {
		return nil, err
	}
	lo, hi := s.nowMS()-fieldWindowMS, s.nowMS()+1
	if at > 0 {
		lo, hi = at*1000-fieldHalfMS, at*1000+fieldHalfMS
	}
	counts := map[string]int{}
	total := 0
	err := s.logs.ScanEvents(ctx, logs.ScanQuery{Groups: []string{group}, StartTime: max(lo, 0), EndTime: hi}, func(e logs.ScannedEvent) error {
		total++
		for _, n := range insights.FieldNames(e.Message) {
			counts[n]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]GroupField, 0, len(counts))
	for n, c := range counts {
		out = append(out, GroupField{Name: n, Percent: c * 100 / total})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Percent != out[j].Percent {
			return out[i].Percent > out[j].Percent
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}
