package logsres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Resource policy scopes.
const (
	ScopeAccount  = "ACCOUNT"
	ScopeResource = "RESOURCE"
)

// MaxAccountPolicies is how many account-scoped resource policies a region
// holds.
const MaxAccountPolicies = 10

// ResourcePolicy is a resource policy: account-wide (named) or attached to
// one log group.
type ResourcePolicy struct {
	Name        string
	Document    string
	Updated     int64
	Scope       string
	ResourceARN string
	RevisionID  string
}

// PutResourcePolicy creates or replaces a resource policy. With a
// resourceARN it is the log group's policy; expectedRevision must then name
// the revision being replaced (empty for a new one).
func (s *Store) PutResourcePolicy(ctx context.Context, p ResourcePolicy, expectedRevision string) (ResourcePolicy, error) {
	if p.Document == "" {
		return ResourcePolicy{}, logs.Errorf(logs.ErrInvalid, "policyDocument is required.")
	}
	if err := checkPolicyDocument("policyDocument", p.Document); err != nil {
		return ResourcePolicy{}, err
	}
	p.Scope = ScopeAccount
	if p.ResourceARN != "" {
		p.Scope = ScopeResource
	} else if p.Name == "" {
		return ResourcePolicy{}, logs.Errorf(logs.ErrInvalid, "policyName is required for an account-level resource policy (one without resourceArn).")
	}
	p.Updated = s.logs.NowMS()
	p.RevisionID = newRevision()
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		if p.Scope == ScopeResource {
			canon, err := s.resolveGroupARN(ctx, tx, p.ResourceARN)
			if err != nil {
				return err
			}
			p.ResourceARN = canon
		}
		var current string
		err := tx.QueryRowContext(ctx, `SELECT revision FROM logsres_resource_policies WHERE scope = ? AND resource_arn = ? AND name = ?`, p.Scope, p.ResourceARN, p.Name).Scan(&current)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("logsres: read resource policy: %w", err)
		}
		if p.Scope == ScopeResource && expectedRevision != current {
			if exists {
				return logs.Errorf(ErrAborted, "The expectedRevisionId %q does not match the policy's current revision %q: read it with DescribeResourcePolicies and retry.", expectedRevision, current)
			}
			return logs.Errorf(ErrAborted, "The expectedRevisionId %q names no revision: %s has no resource policy yet; leave expectedRevisionId out to create one.", expectedRevision, p.ResourceARN)
		}
		if !exists && p.Scope == ScopeAccount {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM logsres_resource_policies WHERE scope = ?`, ScopeAccount).Scan(&n); err != nil {
				return fmt.Errorf("logsres: count resource policies: %w", err)
			}
			if n >= MaxAccountPolicies {
				return logs.Errorf(ErrLimit, "Resource limit exceeded. A region holds at most %d resource policies; delete one with DeleteResourcePolicy first.", MaxAccountPolicies)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO logsres_resource_policies (scope, resource_arn, name, document, updated, revision) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (scope, resource_arn, name) DO UPDATE SET document = excluded.document, updated = excluded.updated, revision = excluded.revision`,
			p.Scope, p.ResourceARN, p.Name, p.Document, p.Updated, p.RevisionID)
		if err != nil {
			return fmt.Errorf("logsres: store resource policy: %w", err)
		}
		return nil
	})
	return p, err
}

// resolveGroupARN checks that arn names an existing log group (":*"
// allowed) and returns its canonical ARN.
func (s *Store) resolveGroupARN(ctx context.Context, q logs.Queryer, arn string) (string, error) {
	return s.resolve(ctx, q, strings.TrimSuffix(arn, ":*"))
}

func newRevision() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DescribeResourcePolicies lists the account's policies, or the policy of
// the log group resourceARN names.
func (s *Store) DescribeResourcePolicies(ctx context.Context, scope, resourceARN, nextToken string, limit int) ([]ResourcePolicy, string, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeToken("rp", nextToken)
	if err != nil {
		return nil, "", err
	}
	if resourceARN != "" {
		if scope == ScopeAccount {
			return nil, "", logs.Errorf(logs.ErrInvalid, "policyScope ACCOUNT cannot be combined with resourceArn.")
		}
		scope = ScopeResource
		if resourceARN, err = s.resolveGroupARN(ctx, s.db, resourceARN); errors.Is(err, logs.ErrNotFound) {
			// The model gives DescribeResourcePolicies no ResourceNotFound:
			// a missing log group has no policy.
			return nil, "", nil
		} else if err != nil {
			return nil, "", err
		}
	} else if scope == "" {
		scope = ScopeAccount
	}
	where, args := "scope = ? AND (name > ? OR ? = '')", []any{scope, after, after}
	if resourceARN != "" {
		where += " AND resource_arn = ?"
		args = append(args, resourceARN)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, document, updated, scope, resource_arn, revision FROM logsres_resource_policies WHERE `+where+` ORDER BY name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("logsres: describe resource policies: %w", err)
	}
	defer rows.Close()
	var out []ResourcePolicy
	for rows.Next() {
		var p ResourcePolicy
		if err := rows.Scan(&p.Name, &p.Document, &p.Updated, &p.Scope, &p.ResourceARN, &p.RevisionID); err != nil {
			return nil, "", fmt.Errorf("logsres: describe resource policies: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logsres: describe resource policies: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeToken("rp", out[limit-1].Name)
	}
	return out, next, nil
}

// DeleteResourcePolicy deletes an account policy by name, or a log group's
// policy by resourceARN (checking expectedRevision when given).
func (s *Store) DeleteResourcePolicy(ctx context.Context, name, resourceARN, expectedRevision string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		scope := ScopeAccount
		if resourceARN != "" {
			scope = ScopeResource
			canon, err := s.resolveGroupARN(ctx, tx, resourceARN)
			if err != nil {
				return err
			}
			resourceARN = canon
		} else if name == "" {
			return logs.Errorf(logs.ErrInvalid, "Give policyName (an account-level policy) or resourceArn (a log group's policy).")
		}
		var current string
		err := tx.QueryRowContext(ctx, `SELECT revision FROM logsres_resource_policies WHERE scope = ? AND resource_arn = ? AND name = ?`, scope, resourceARN, name).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			if scope == ScopeResource {
				return logs.Errorf(logs.ErrNotFound, "No resource policy is attached to %s.", resourceARN)
			}
			return logs.Errorf(logs.ErrNotFound, "Policy with name [%s] does not exist", name)
		}
		if err != nil {
			return fmt.Errorf("logsres: read resource policy: %w", err)
		}
		if expectedRevision != "" && expectedRevision != current {
			return logs.Errorf(ErrAborted, "The expectedRevisionId %q does not match the policy's current revision %q.", expectedRevision, current)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM logsres_resource_policies WHERE scope = ? AND resource_arn = ? AND name = ?`, scope, resourceARN, name); err != nil {
			return fmt.Errorf("logsres: delete resource policy: %w", err)
		}
		return nil
	})
}
