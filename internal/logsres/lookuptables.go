package logsres

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ecsrun/ecsrun/internal/logs"
)

const docLookupTable = "lookup-table"

// MaxLookupTables is how many lookup tables an account holds.
const MaxLookupTables = 100

// LookupTable is a CSV table Logs Insights queries can join with.
type LookupTable struct {
	Name        string   `json:"name"`
	ARN         string   `json:"arn"`
	Description string   `json:"description,omitempty"`
	Body        string   `json:"body"`
	Fields      []string `json:"fields"`
	Records     int64    `json:"records"`
	Updated     int64    `json:"updated"`
	KmsKeyID    string   `json:"kmsKeyId,omitempty"`
}

// LookupTableARN is a lookup table's ARN.
func (s *Store) LookupTableARN(name string) string { return s.arn("lookup-table:" + name) }

// parseTable checks a lookup table's CSV: UTF-8, a header row of unique
// column names, rows of the header's width. It returns the columns and the
// number of data rows.
func parseTable(body string) ([]string, int64, error) {
	if !utf8.ValidString(body) {
		return nil, 0, validation("tableBody must be UTF-8.")
	}
	r := csv.NewReader(strings.NewReader(body))
	header, err := r.Read()
	if err != nil {
		return nil, 0, validation("tableBody must be CSV whose first row names the columns: %v.", err)
	}
	seen := map[string]bool{}
	for _, h := range header {
		if h == "" || seen[h] {
			return nil, 0, validation("tableBody's header row must name each column once; %q is empty or repeated.", h)
		}
		seen[h] = true
	}
	var n int64
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return header, n, nil
		}
		if err != nil {
			return nil, 0, validation("tableBody row %d: %v.", n+2, err)
		}
		n++
	}
}

func (s *Store) lookupName(arn string) (string, error) {
	name, ok := strings.CutPrefix(arn, s.arn("lookup-table:"))
	if !ok || name == "" {
		return "", logs.Errorf(logs.ErrInvalid, "Invalid lookupTableArn %q: want %s.", arn, s.LookupTableARN("<name>"))
	}
	return name, nil
}

// CreateLookupTable stores a new table from CSV.
func (s *Store) CreateLookupTable(ctx context.Context, t LookupTable, tags map[string]string) (LookupTable, error) {
	var err error
	if t.Fields, t.Records, err = parseTable(t.Body); err != nil {
		return LookupTable{}, err
	}
	if err := checkKmsKey(t.KmsKeyID); err != nil {
		return LookupTable{}, err
	}
	if err := checkTags(tags); err != nil {
		return LookupTable{}, err
	}
	t.ARN = s.LookupTableARN(t.Name)
	t.Updated = s.logs.NowMS()
	err = s.logs.Write(ctx, func(tx *sql.Tx) error {
		var old json.RawMessage
		found, err := getDoc(ctx, tx, docLookupTable, t.Name, &old)
		if err != nil {
			return err
		}
		if found {
			return logs.Errorf(logs.ErrExists, "Lookup table %s already exists.", t.Name)
		}
		n, err := countDocs(ctx, tx, docLookupTable, "")
		if err != nil {
			return err
		}
		if n >= MaxLookupTables {
			return logs.Errorf(ErrLimit, "Resource limit exceeded. An account holds at most %d lookup tables.", MaxLookupTables)
		}
		if err := putDoc(ctx, tx, docLookupTable, t.Name, t); err != nil {
			return err
		}
		return s.putTags(ctx, tx, t.ARN, tags, logs.ErrInvalid, false)
	})
	return t, err
}

// GetLookupTable returns a table by ARN.
func (s *Store) GetLookupTable(ctx context.Context, arn string) (LookupTable, error) {
	var t LookupTable
	name, err := s.lookupName(arn)
	if err != nil {
		return t, err
	}
	found, err := getDoc(ctx, s.db, docLookupTable, name, &t)
	if err == nil && !found {
		err = notFound("Lookup table %s does not exist.", arn)
	}
	return t, err
}

// UpdateLookupTable replaces a table's content, description or key (the
// ones given; kmsKey "" with clearKey removes the key).
func (s *Store) UpdateLookupTable(ctx context.Context, arn string, desc, body, kmsKey *string) (LookupTable, error) {
	name, err := s.lookupName(arn)
	if err != nil {
		return LookupTable{}, err
	}
	var fields []string
	var records int64
	if body != nil {
		if fields, records, err = parseTable(*body); err != nil {
			return LookupTable{}, err
		}
	}
	if kmsKey != nil {
		if err := checkKmsKey(*kmsKey); err != nil {
			return LookupTable{}, err
		}
	}
	var t LookupTable
	err = s.logs.Write(ctx, func(tx *sql.Tx) error {
		found, err := getDoc(ctx, tx, docLookupTable, name, &t)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Lookup table %s does not exist.", arn)
		}
		if desc != nil {
			t.Description = *desc
		}
		if body != nil {
			t.Body, t.Fields, t.Records = *body, fields, records
		}
		if kmsKey != nil {
			t.KmsKeyID = *kmsKey
		}
		t.Updated = s.logs.NowMS()
		return putDoc(ctx, tx, docLookupTable, name, t)
	})
	return t, err
}

// DescribeLookupTables lists tables in name order (without their content).
func (s *Store) DescribeLookupTables(ctx context.Context, prefix, nextToken string, limit int) ([]LookupTable, string, error) {
	switch {
	case limit == 0:
		limit = 50
	case limit < 1 || limit > 100:
		return nil, "", logs.Errorf(logs.ErrInvalid, "Invalid maxResults %d: it must be between 1 and 100.", limit)
	}
	after, err := decodeToken(docLookupTable, nextToken)
	if err != nil {
		return nil, "", err
	}
	cond, args := prefixCond("name", prefix)
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM logsres_docs WHERE kind = ? AND name > ? AND `+cond+` ORDER BY name LIMIT ?`,
		append(append([]any{docLookupTable, after}, args...), limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("logsres: describe lookup tables: %w", err)
	}
	defer rows.Close()
	var out []LookupTable
	for rows.Next() {
		var body string
		var t LookupTable
		if err := rows.Scan(&body); err != nil {
			return nil, "", fmt.Errorf("logsres: describe lookup tables: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &t); err != nil {
			return nil, "", fmt.Errorf("logsres: describe lookup tables: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logsres: describe lookup tables: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeToken(docLookupTable, out[limit-1].Name)
	}
	return out, next, nil
}

// DeleteLookupTable deletes a table and its tags.
func (s *Store) DeleteLookupTable(ctx context.Context, arn string) error {
	name, err := s.lookupName(arn)
	if err != nil {
		return err
	}
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		found, err := delDoc(ctx, tx, docLookupTable, name)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Lookup table %s does not exist.", arn)
		}
		return deleteAllTags(ctx, tx, s.LookupTableARN(name))
	})
}
