package logsres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Account policy types.
const (
	PolicyDataProtection     = "DATA_PROTECTION_POLICY"
	PolicySubscriptionFilter = "SUBSCRIPTION_FILTER_POLICY"
	PolicyFieldIndex         = "FIELD_INDEX_POLICY"
	PolicyTransformer        = "TRANSFORMER_POLICY"
	PolicyMetricExtraction   = "METRIC_EXTRACTION_POLICY"
)

// MaxAccountPoliciesOfType is how many account policies of each type an
// account holds, as CloudWatch Logs documents its quotas.
var MaxAccountPoliciesOfType = map[string]int{
	PolicyDataProtection:     1,
	PolicySubscriptionFilter: 2,
	PolicyFieldIndex:         40,
	PolicyTransformer:        20,
	PolicyMetricExtraction:   5,
}

// AccountPolicy is an account-wide policy of a type.
type AccountPolicy struct {
	Name              string `json:"name"`
	Document          string `json:"document"`
	Updated           int64  `json:"updated"`
	Type              string `json:"type"`
	Scope             string `json:"scope"`
	SelectionCriteria string `json:"selectionCriteria,omitempty"`
}

const docAccountPolicy = "account-policy"

func accountPolicyKey(typ, name string) string { return typ + "/" + name }

// PutAccountPolicy creates or replaces an account policy. A data protection
// policy is the account's only one (its name replaces the old one's).
func (s *Store) PutAccountPolicy(ctx context.Context, p AccountPolicy) (AccountPolicy, error) {
	if p.Name == "" {
		return AccountPolicy{}, logs.Errorf(logs.ErrInvalid, "policyName is required.")
	}
	if err := checkPolicyDocument("policyDocument", p.Document); err != nil {
		return AccountPolicy{}, err
	}
	if p.Scope == "" {
		p.Scope = "ALL"
	}
	if p.SelectionCriteria != "" && p.Type != PolicySubscriptionFilter && p.Type != PolicyTransformer && p.Type != PolicyFieldIndex && p.Type != PolicyMetricExtraction {
		return AccountPolicy{}, logs.Errorf(logs.ErrInvalid, "selectionCriteria does not apply to %s policies.", p.Type)
	}
	if p.SelectionCriteria != "" && !strings.HasPrefix(p.SelectionCriteria, "LogGroupName NOT IN") && !strings.HasPrefix(p.SelectionCriteria, "LogGroupNamePrefix IN") {
		return AccountPolicy{}, logs.Errorf(logs.ErrInvalid, "Invalid selectionCriteria %q: use LogGroupName NOT IN [...] or LogGroupNamePrefix IN [...].", p.SelectionCriteria)
	}
	p.Updated = s.logs.NowMS()
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		var old AccountPolicy
		found, err := getDoc(ctx, tx, docAccountPolicy, accountPolicyKey(p.Type, p.Name), &old)
		if err != nil {
			return err
		}
		if !found {
			n, err := countDocs(ctx, tx, docAccountPolicy, p.Type+"/")
			if err != nil {
				return err
			}
			if p.Type == PolicyDataProtection && n > 0 {
				if _, err := tx.ExecContext(ctx, `DELETE FROM logsres_docs WHERE kind = ? AND name >= ? AND name < ?`, docAccountPolicy, p.Type+"/", p.Type+"/\xff"); err != nil {
					return fmt.Errorf("logsres: replace data protection policy: %w", err)
				}
			} else if n >= MaxAccountPoliciesOfType[p.Type] {
				return logs.Errorf(ErrLimit, "Resource limit exceeded. An account can have at most %d account policies of type %s.", MaxAccountPoliciesOfType[p.Type], p.Type)
			}
		}
		return putDoc(ctx, tx, docAccountPolicy, accountPolicyKey(p.Type, p.Name), p)
	})
	return p, err
}

func countDocs(ctx context.Context, q logs.Queryer, kind, prefix string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM logsres_docs WHERE kind = ? AND name >= ? AND name < ?`, kind, prefix, prefix+"\xff").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("logsres: count %s: %w", kind, err)
	}
	return n, nil
}

// DescribeAccountPolicies lists the account policies of a type (and name,
// when given).
func (s *Store) DescribeAccountPolicies(ctx context.Context, typ, name string) ([]AccountPolicy, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM logsres_docs WHERE kind = ? AND name >= ? AND name < ? ORDER BY name`, docAccountPolicy, typ+"/", typ+"/\xff")
	if err != nil {
		return nil, fmt.Errorf("logsres: describe account policies: %w", err)
	}
	defer rows.Close()
	out := []AccountPolicy{}
	for rows.Next() {
		var body string
		var p AccountPolicy
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("logsres: describe account policies: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			return nil, fmt.Errorf("logsres: describe account policies: %w", err)
		}
		if name == "" || p.Name == name {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// DeleteAccountPolicy deletes an account policy.
func (s *Store) DeleteAccountPolicy(ctx context.Context, typ, name string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		found, err := delDoc(ctx, tx, docAccountPolicy, accountPolicyKey(typ, name))
		if err != nil {
			return err
		}
		if !found {
			return notFound("Policy with name [%s] does not exist", name)
		}
		return nil
	})
}

// Kinds of documents that belong to one log group (named by it) and go
// with it.
const (
	docDataProtection = "data-protection"
	docTransformer    = "transformer"
	docBearerToken    = "bearer-token"
)

var groupDocKinds = []string{docDataProtection, docTransformer, docBearerToken}

// GroupPolicy is a log group's data protection policy.
type GroupPolicy struct {
	Document string `json:"document"`
	Updated  int64  `json:"updated"`
}

// PutDataProtectionPolicy sets a group's data protection policy. It is
// checked (a JSON policy with Statement) and stored; ecsrun does not mask
// events with it.
func (s *Store) PutDataProtectionPolicy(ctx context.Context, group, doc string) (GroupPolicy, error) {
	var v struct {
		Name      string            `json:"Name"`
		Version   string            `json:"Version"`
		Statement []json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil || len(v.Statement) == 0 {
		return GroupPolicy{}, logs.Errorf(logs.ErrInvalid, "Invalid policyDocument: a data protection policy is a JSON object with Name, Version and a Statement list (an Audit and a Deidentify statement).")
	}
	p := GroupPolicy{Document: doc, Updated: s.logs.NowMS()}
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		return putDoc(ctx, tx, docDataProtection, group, p)
	})
	return p, err
}

// GetDataProtectionPolicy returns a group's policy; ok is false when it
// has none.
func (s *Store) GetDataProtectionPolicy(ctx context.Context, group string) (p GroupPolicy, ok bool, err error) {
	if err := s.logs.HasGroup(ctx, s.db, group); err != nil {
		return p, false, err
	}
	ok, err = getDoc(ctx, s.db, docDataProtection, group, &p)
	return p, ok, err
}

// DeleteDataProtectionPolicy removes a group's policy.
func (s *Store) DeleteDataProtectionPolicy(ctx context.Context, group string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		found, err := delDoc(ctx, tx, docDataProtection, group)
		if err != nil {
			return err
		}
		if !found {
			return notFound("No data protection policy is attached to log group %s.", group)
		}
		return nil
	})
}

// PutBearerTokenAuthentication records whether a group accepts bearer
// tokens (shown by DescribeLogGroups).
func (s *Store) PutBearerTokenAuthentication(ctx context.Context, group string, on bool) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		if !on {
			_, err := delDoc(ctx, tx, docBearerToken, group)
			return err
		}
		return putDoc(ctx, tx, docBearerToken, group, true)
	})
}

// GroupFlags are what DescribeLogGroups shows of a group's documents.
type GroupFlags struct {
	DataProtection bool
	BearerToken    bool
}

// Flags returns the flags of the named groups that have any.
func (s *Store) Flags(ctx context.Context, names []string) (map[string]GroupFlags, error) {
	out := map[string]GroupFlags{}
	for chunk := range slices.Chunk(names, 500) {
		args := []any{docDataProtection, docBearerToken}
		for _, n := range chunk {
			args = append(args, n)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT kind, name FROM logsres_docs WHERE kind IN (?, ?) AND name IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("logsres: read log group flags: %w", err)
		}
		for rows.Next() {
			var kind, name string
			if err := rows.Scan(&kind, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("logsres: read log group flags: %w", err)
			}
			f := out[name]
			if kind == docDataProtection {
				f.DataProtection = true
			} else {
				f.BearerToken = true
			}
			out[name] = f
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("logsres: read log group flags: %w", err)
		}
	}
	return out, nil
}

// Storage tiers.
const (
	TierStandard           = "STANDARD"
	TierIntelligentTiering = "INTELLIGENT_TIERING"
)

// StorageTier is the account's storage tier policy.
type StorageTier struct {
	Tier    string `json:"tier"`
	Updated int64  `json:"updated"`
}

const docStorageTier = "storage-tier"

// PutStorageTierPolicy sets the account's storage tier (recorded: events
// stay in the state directory's database either way).
func (s *Store) PutStorageTierPolicy(ctx context.Context, tier string) (StorageTier, error) {
	t := StorageTier{Tier: tier, Updated: s.logs.NowMS()}
	err := s.logs.Write(ctx, func(tx *sql.Tx) error { return putDoc(ctx, tx, docStorageTier, "account", t) })
	return t, err
}

// GetStorageTierPolicy returns the account's storage tier; STANDARD (with
// no update time) until one is put.
func (s *Store) GetStorageTierPolicy(ctx context.Context) (StorageTier, error) {
	t := StorageTier{Tier: TierStandard}
	_, err := getDoc(ctx, s.db, docStorageTier, "account", &t)
	return t, err
}
