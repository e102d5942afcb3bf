package logquery

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/ecsrun/ecsrun/internal/insights"
	"github.com/ecsrun/ecsrun/internal/logs"
)

// Field index types.
const (
	IndexTypeField = "FIELD_INDEX"
	IndexTypeFacet = "FACET"
)

// MaxIndexFields is the most fields a log group's index policy names.
const MaxIndexFields = 20

// IndexPolicy is a log group's field index policy. ecsrun's queries scan
// every event, so the policy speeds nothing up; it is kept, validated and
// reported as AWS does.
type IndexPolicy struct {
	Group    string
	Document string
	// LastUpdate is in milliseconds.
	LastUpdate int64
}

// indexFields parses a policy document: {"Fields": [...], "FieldsV2":
// {"name": {"type": "FIELD_INDEX"|"FACET"}}}, and returns the fields with
// their types.
func indexFields(doc string) (map[string]string, error) {
	var p struct {
		Fields   []string `json:"Fields"`
		FieldsV2 map[string]struct {
			Type string `json:"type"`
		} `json:"FieldsV2"`
	}
	d := json.NewDecoder(bytes.NewReader([]byte(doc)))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return nil, errf(ErrInvalid, "Invalid index policy document: %v; want {\"Fields\": [\"name\", ...]} and/or {\"FieldsV2\": {\"name\": {\"type\": \"FIELD_INDEX\" or \"FACET\"}}}.", err)
	}
	fields := map[string]string{}
	for _, f := range p.Fields {
		if f == "" {
			return nil, errf(ErrInvalid, "Invalid index policy document: a field name is empty.")
		}
		fields[f] = IndexTypeField
	}
	for f, v := range p.FieldsV2 {
		if _, dup := fields[f]; dup {
			return nil, errf(ErrInvalid, "Invalid index policy document: field %q is in both Fields and FieldsV2; name it once.", f)
		}
		switch v.Type {
		case IndexTypeField, IndexTypeFacet:
		default:
			return nil, errf(ErrInvalid, "Invalid index policy document: field %q has type %q; want FIELD_INDEX or FACET.", f, v.Type)
		}
		fields[f] = v.Type
	}
	if len(fields) == 0 {
		return nil, errf(ErrInvalid, "Invalid index policy document: it must name at least one field index.")
	}
	if len(fields) > MaxIndexFields {
		return nil, errf(ErrLimit, "Resource limit exceeded: an index policy names at most %d fields; this one names %d.", MaxIndexFields, len(fields))
	}
	return fields, nil
}

// PutIndexPolicy creates or replaces a log group's index policy.
func (s *Service) PutIndexPolicy(ctx context.Context, group, doc string) (IndexPolicy, error) {
	g, err := s.group(ctx, group)
	if err != nil {
		return IndexPolicy{}, err
	}
	if _, err := indexFields(doc); err != nil {
		return IndexPolicy{}, err
	}
	p := IndexPolicy{Group: g.Name, Document: doc, LastUpdate: s.nowMS()}
	_, err = s.db.ExecContext(ctx, `INSERT INTO logquery_index_policies (group_name, group_created, document, last_update) VALUES (?, ?, ?, ?)
		ON CONFLICT (group_name) DO UPDATE SET group_created = excluded.group_created, document = excluded.document, last_update = excluded.last_update`,
		g.Name, g.CreationTime, doc, p.LastUpdate)
	if err != nil {
		return IndexPolicy{}, fmt.Errorf("logquery: put index policy: %w", err)
	}
	return p, nil
}

// IndexPolicyOf returns a group's index policy; ok is false when it has
// none.
func (s *Service) IndexPolicyOf(ctx context.Context, group string) (IndexPolicy, bool, error) {
	g, err := s.group(ctx, group)
	if err != nil {
		return IndexPolicy{}, false, err
	}
	p := IndexPolicy{Group: g.Name}
	err = s.db.QueryRowContext(ctx, `SELECT document, last_update FROM logquery_index_policies WHERE group_name = ? AND group_created = ?`,
		g.Name, g.CreationTime).Scan(&p.Document, &p.LastUpdate)
	if errors.Is(err, sql.ErrNoRows) {
		return IndexPolicy{}, false, nil
	}
	if err != nil {
		return IndexPolicy{}, false, fmt.Errorf("logquery: describe index policies: %w", err)
	}
	return p, true, nil
}

// DeleteIndexPolicy deletes a group's index policy.
func (s *Service) DeleteIndexPolicy(ctx context.Context, group string) error {
	g, err := s.group(ctx, group)
	if err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM logquery_index_policies WHERE group_name = ? AND group_created = ?`, g.Name, g.CreationTime)
	if err != nil {
		return fmt.Errorf("logquery: delete index policy: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errf(ErrNotFound, "The specified log group has no index policy.")
	}
	return nil
}

// FieldIndex is a field index found in a group's events.
type FieldIndex struct {
	Group, Name, Type, Category string
	// FirstEventTime and LastEventTime bound the events that have the
	// field; LastScanTime is when ecsrun looked (milliseconds).
	FirstEventTime, LastEventTime, LastScanTime int64
}

// Index categories.
const (
	CategoryDefault = "DEFAULT"
	CategoryCustom  = "CUSTOM"
)

// FieldIndexes returns the field indexes of a group found in its events:
// @logStream (DEFAULT) and the fields of its index policy (CUSTOM), when
// categories (DEFAULT, CUSTOM, AUTO, INACTIVE; empty for DEFAULT, CUSTOM and
// INACTIVE) asks for them. ecsrun indexes nothing automatically and keeps
// no inactive indexes.
func (s *Service) FieldIndexes(ctx context.Context, group string, categories []string) ([]FieldIndex, error) {
	want := map[string]bool{CategoryDefault: true, CategoryCustom: true}
	if len(categories) > 0 {
		want = map[string]bool{}
		for _, c := range categories {
			want[c] = true
		}
	}
	p, ok, err := s.IndexPolicyOf(ctx, group)
	if err != nil {
		return nil, err
	}
	fields := map[string]FieldIndex{}
	if want[CategoryDefault] {
		fields["@logStream"] = FieldIndex{Name: "@logStream", Type: IndexTypeField, Category: CategoryDefault}
	}
	if ok && want[CategoryCustom] {
		custom, _ := indexFields(p.Document)
		for f, typ := range custom {
			fields[f] = FieldIndex{Name: f, Type: typ, Category: CategoryCustom}
		}
	}
	if len(fields) == 0 {
		return []FieldIndex{}, nil
	}
	err = s.logs.ScanEvents(ctx, logs.ScanQuery{Groups: []string{group}}, func(e logs.ScannedEvent) error {
		for _, name := range insights.FieldNames(e.Message) {
			f, ok := fields[name]
			if !ok {
				continue
			}
			if f.FirstEventTime == 0 || e.Timestamp < f.FirstEventTime {
				f.FirstEventTime = e.Timestamp
			}
			if e.Timestamp > f.LastEventTime {
				f.LastEventTime = e.Timestamp
			}
			fields[name] = f
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := s.nowMS()
	var out []FieldIndex
	for _, f := range fields {
		if f.LastEventTime == 0 {
			continue // not found in the events
		}
		f.Group, f.LastScanTime = group, now
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
