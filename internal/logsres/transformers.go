package logsres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logstransform"
)

// Transformer is a log group's transformer configuration.
type Transformer struct {
	Config   json.RawMessage `json:"config"`
	Created  int64           `json:"created"`
	Modified int64           `json:"modified"`
}

// ErrInvalidOperation: the resource is not in a state that allows the
// operation (InvalidOperationException).
var ErrInvalidOperation = errors.New("invalid operation")

// CompileTransformer checks a transformer configuration (the JSON of the
// API's transformerConfig), as PutTransformer and TestTransformer do.
func CompileTransformer(config []byte) (*logstransform.Transformer, error) {
	t, err := logstransform.Compile(config)
	if err != nil {
		return nil, logs.Errorf(logs.ErrInvalid, "Invalid transformerConfig: %s.", trimKind(err))
	}
	return t, nil
}

func trimKind(err error) string {
	msg := err.Error()
	if p := logstransform.ErrInvalid.Error() + ": "; len(msg) > len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	return msg
}

// PutTransformer sets a Standard-class group's transformer.
func (s *Store) PutTransformer(ctx context.Context, group string, config []byte) error {
	if _, err := CompileTransformer(config); err != nil {
		return err
	}
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		var class string
		err := tx.QueryRowContext(ctx, `SELECT class FROM logsres_groups WHERE name = ?`, group).Scan(&class)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if class != "" && class != ClassStandard {
			return logs.Errorf(ErrInvalidOperation, "Log group %s is of class %s: transformers apply to STANDARD log groups only.", group, class)
		}
		now := s.logs.NowMS()
		t := Transformer{Config: config, Created: now, Modified: now}
		var old Transformer
		found, err := getDoc(ctx, tx, docTransformer, group, &old)
		if err != nil {
			return err
		}
		if found {
			t.Created = old.Created
		}
		return putDoc(ctx, tx, docTransformer, group, t)
	})
}

// GetTransformer returns a group's transformer.
func (s *Store) GetTransformer(ctx context.Context, group string) (Transformer, error) {
	var t Transformer
	if err := s.logs.HasGroup(ctx, s.db, group); err != nil {
		return t, err
	}
	found, err := getDoc(ctx, s.db, docTransformer, group, &t)
	if err == nil && !found {
		err = notFound("Log group %s has no transformer.", group)
	}
	return t, err
}

// DeleteTransformer removes a group's transformer.
func (s *Store) DeleteTransformer(ctx context.Context, group string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		found, err := delDoc(ctx, tx, docTransformer, group)
		if err == nil && !found {
			err = notFound("Log group %s has no transformer.", group)
		}
		return err
	})
}
