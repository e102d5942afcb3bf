package logsres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Destination is a CloudWatch Logs destination: a name other accounts'
// subscription filters send to, in front of a Kinesis or Firehose stream.
type Destination struct {
	Name         string
	TargetARN    string
	RoleARN      string
	AccessPolicy string
	ARN          string
	CreationTime int64
}

var errDestinationNotFound = logs.Errorf(logs.ErrNotFound, "The specified destination does not exist.")

func (s *Store) hasDestination(ctx context.Context, q logs.Queryer, name string) error {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM logsres_destinations WHERE name = ?`, name).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errDestinationNotFound
	case err != nil:
		return fmt.Errorf("logsres: find destination %q: %w", name, err)
	}
	return nil
}

// PutDestination creates or updates a destination; tags apply to a new
// one. It returns the destination as stored.
func (s *Store) PutDestination(ctx context.Context, d Destination, tags map[string]string) (Destination, error) {
	kind, ok := DestinationKind(d.TargetARN)
	if !ok || (kind != "kinesis" && kind != "firehose") {
		return Destination{}, logs.Errorf(logs.ErrInvalid, "Invalid targetArn %q: a destination sends to a Kinesis data stream (arn:aws:kinesis:<region>:<account>:stream/<name>) or a Firehose delivery stream (arn:aws:firehose:<region>:<account>:deliverystream/<name>).", d.TargetARN)
	}
	if err := checkRoleARN(d.RoleARN); err != nil {
		return Destination{}, err
	}
	if err := checkTags(tags); err != nil {
		return Destination{}, err
	}
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		exists := s.hasDestination(ctx, tx, d.Name) == nil
		if _, err := tx.ExecContext(ctx, `INSERT INTO logsres_destinations (name, target_arn, role_arn, creation_time) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET target_arn = excluded.target_arn, role_arn = excluded.role_arn`,
			d.Name, d.TargetARN, d.RoleARN, s.logs.NowMS()); err != nil {
			return fmt.Errorf("logsres: store destination %q: %w", d.Name, err)
		}
		if !exists {
			return s.putTags(ctx, tx, s.DestinationARN(d.Name), tags, logs.ErrInvalid, false)
		}
		return nil
	})
	if err != nil {
		return Destination{}, err
	}
	return s.destination(ctx, d.Name)
}

func checkRoleARN(r string) error {
	parts := strings.SplitN(r, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return logs.Errorf(logs.ErrInvalid, "Invalid roleArn %q: want arn:aws:iam::<account>:role/<name>.", r)
	}
	return nil
}

// checkPolicyDocument checks that a policy is a JSON object, as IAM-style
// policies are.
func checkPolicyDocument(member, doc string) error {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return logs.Errorf(logs.ErrInvalid, "Invalid %s: it must be a JSON policy document (an object): %v.", member, err)
	}
	return nil
}

// PutDestinationPolicy sets the access policy of an existing destination.
func (s *Store) PutDestinationPolicy(ctx context.Context, name, policy string) error {
	if err := checkPolicyDocument("accessPolicy", policy); err != nil {
		return err
	}
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE logsres_destinations SET access_policy = ? WHERE name = ?`, policy, name)
		if err != nil {
			return fmt.Errorf("logsres: store destination policy: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// The model gives PutDestinationPolicy no ResourceNotFound.
			return logs.Errorf(logs.ErrInvalid, "The specified destination does not exist: create %s with PutDestination first.", name)
		}
		return nil
	})
}

func (s *Store) destination(ctx context.Context, name string) (Destination, error) {
	ds, _, err := s.describeDestinations(ctx, "name = ?", []any{name}, 1)
	if err != nil {
		return Destination{}, err
	}
	if len(ds) == 0 {
		return Destination{}, errDestinationNotFound
	}
	return ds[0], nil
}

// DescribeDestinations lists destinations in name order.
func (s *Store) DescribeDestinations(ctx context.Context, prefix, nextToken string, limit int) ([]Destination, string, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeToken("d", nextToken)
	if err != nil {
		return nil, "", err
	}
	cond, args := prefixCond("name", prefix)
	return s.describeDestinations(ctx, "name > ? AND "+cond, append([]any{after}, args...), limit)
}

func (s *Store) describeDestinations(ctx context.Context, where string, args []any, limit int) ([]Destination, string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, target_arn, role_arn, access_policy, creation_time FROM logsres_destinations WHERE `+where+` ORDER BY name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("logsres: describe destinations: %w", err)
	}
	defer rows.Close()
	var out []Destination
	for rows.Next() {
		var d Destination
		if err := rows.Scan(&d.Name, &d.TargetARN, &d.RoleARN, &d.AccessPolicy, &d.CreationTime); err != nil {
			return nil, "", fmt.Errorf("logsres: describe destinations: %w", err)
		}
		d.ARN = s.DestinationARN(d.Name)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logsres: describe destinations: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeToken("d", out[limit-1].Name)
	}
	return out, next, nil
}

// DeleteDestination deletes a destination and its tags.
func (s *Store) DeleteDestination(ctx context.Context, name string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM logsres_destinations WHERE name = ?`, name)
		if err != nil {
			return fmt.Errorf("logsres: delete destination: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errDestinationNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM logsres_tags WHERE arn = ?`, s.DestinationARN(name)); err != nil {
			return fmt.Errorf("logsres: delete destination tags: %w", err)
		}
		return nil
	})
}
