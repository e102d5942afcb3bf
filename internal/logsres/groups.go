package logsres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Log group classes.
const (
	ClassStandard         = "STANDARD"
	ClassInfrequentAccess = "INFREQUENT_ACCESS"
	ClassDelivery         = "DELIVERY"
)

// Classes lists the log group classes.
var Classes = []string{ClassStandard, ClassInfrequentAccess, ClassDelivery}

// GroupSettings are a log group's settings beyond name and retention. A
// group that never got any (created by the awslogs driver) has the zero
// value but for Class, which is STANDARD.
type GroupSettings struct {
	KmsKeyID           string
	Class              string
	DeletionProtection bool
}

// NewGroup is a CreateLogGroup request.
type NewGroup struct {
	Name string
	GroupSettings
	Tags map[string]string
}

// CreateLogGroup creates a log group with its settings and tags in one
// transaction.
func (s *Store) CreateLogGroup(ctx context.Context, g NewGroup) error {
	if strings.HasPrefix(strings.ToLower(g.Name), "aws/") {
		return logs.Errorf(logs.ErrInvalid, "Log groups starting with AWS/ are reserved for AWS.")
	}
	if g.Class == "" {
		g.Class = ClassStandard
	}
	if !slices.Contains(Classes, g.Class) {
		return logs.Errorf(logs.ErrInvalid, "Invalid logGroupClass %q: it must be one of %s.", g.Class, strings.Join(Classes, ", "))
	}
	if err := checkKmsKey(g.KmsKeyID); err != nil {
		return err
	}
	if err := checkTags(g.Tags); err != nil {
		return err
	}
	return s.logs.CreateLogGroupWith(ctx, g.Name, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO logsres_groups (name, kms_key_id, class, deletion_protection) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET kms_key_id = excluded.kms_key_id, class = excluded.class, deletion_protection = excluded.deletion_protection`,
			g.Name, g.KmsKeyID, g.Class, g.DeletionProtection); err != nil {
			return fmt.Errorf("logsres: store log group %q: %w", g.Name, err)
		}
		return s.putTags(ctx, tx, s.GroupARN(g.Name), g.Tags, nil, false)
	})
}

// checkKmsKey accepts a KMS key ARN, as CloudWatch Logs requires one
// (a key id or alias alone is refused).
func checkKmsKey(k string) error {
	if k == "" {
		return nil
	}
	parts := strings.SplitN(k, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kms" || !(strings.HasPrefix(parts[5], "key/") || strings.HasPrefix(parts[5], "alias/")) {
		return logs.Errorf(logs.ErrInvalid, "Specified KMS key %q is not a KMS key ARN: use arn:aws:kms:<region>:<account>:key/<key id>.", k)
	}
	return nil
}

// Settings returns the settings of the named groups that have any, by
// name; a group missing from the map has the defaults.
func (s *Store) Settings(ctx context.Context, names []string) (map[string]GroupSettings, error) {
	out := map[string]GroupSettings{}
	for chunk := range slices.Chunk(names, 500) {
		args := make([]any, len(chunk))
		for i, n := range chunk {
			args[i] = n
		}
		rows, err := s.db.QueryContext(ctx, `SELECT name, kms_key_id, class, deletion_protection FROM logsres_groups WHERE name IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("logsres: read log group settings: %w", err)
		}
		for rows.Next() {
			var name string
			var g GroupSettings
			if err := rows.Scan(&name, &g.KmsKeyID, &g.Class, &g.DeletionProtection); err != nil {
				rows.Close()
				return nil, fmt.Errorf("logsres: read log group settings: %w", err)
			}
			out[name] = g
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("logsres: read log group settings: %w", err)
		}
	}
	return out, nil
}

// Setting returns one group's settings, defaults filled in.
func (s *Store) Setting(ctx context.Context, name string) (GroupSettings, error) {
	m, err := s.Settings(ctx, []string{name})
	if err != nil {
		return GroupSettings{}, err
	}
	g, ok := m[name]
	if !ok {
		g.Class = ClassStandard
	}
	return g, nil
}

// updateSettings changes a group's settings with fn, in a transaction;
// ErrNotFound when the group does not exist.
func (s *Store) updateSettings(ctx context.Context, group string, fn func(*GroupSettings) error) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		g := GroupSettings{Class: ClassStandard}
		err := tx.QueryRowContext(ctx, `SELECT kms_key_id, class, deletion_protection FROM logsres_groups WHERE name = ?`, group).Scan(&g.KmsKeyID, &g.Class, &g.DeletionProtection)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("logsres: read log group %q: %w", group, err)
		}
		if err := fn(&g); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO logsres_groups (name, kms_key_id, class, deletion_protection) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET kms_key_id = excluded.kms_key_id, class = excluded.class, deletion_protection = excluded.deletion_protection`,
			group, g.KmsKeyID, g.Class, g.DeletionProtection)
		if err != nil {
			return fmt.Errorf("logsres: store log group %q: %w", group, err)
		}
		return nil
	})
}

// AssociateKmsKey records the KMS key a group's data is encrypted with
// (locally the key is recorded and shown, not used: events are stored in
// the state directory's SQLite database).
func (s *Store) AssociateKmsKey(ctx context.Context, group, key string) error {
	if key == "" {
		return logs.Errorf(logs.ErrInvalid, "kmsKeyId is required: give the ARN of a KMS key.")
	}
	if err := checkKmsKey(key); err != nil {
		return err
	}
	return s.updateSettings(ctx, group, func(g *GroupSettings) error {
		g.KmsKeyID = key
		return nil
	})
}

// DisassociateKmsKey removes a group's KMS key.
func (s *Store) DisassociateKmsKey(ctx context.Context, group string) error {
	return s.updateSettings(ctx, group, func(g *GroupSettings) error {
		g.KmsKeyID = ""
		return nil
	})
}

// PutDeletionProtection turns a group's deletion protection on or off;
// DeleteLogGroup refuses a protected group.
func (s *Store) PutDeletionProtection(ctx context.Context, group string, on bool) error {
	return s.updateSettings(ctx, group, func(g *GroupSettings) error {
		g.DeletionProtection = on
		return nil
	})
}
