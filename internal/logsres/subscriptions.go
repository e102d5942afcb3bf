package logsres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// MaxSubscriptionFilters is how many subscription filters a log group may
// have.
const MaxSubscriptionFilters = 2

// Distributions of a subscription filter's events over a Kinesis stream's
// shards.
const (
	DistributionByLogStream = "ByLogStream"
	DistributionRandom      = "Random"
)

// SubscriptionFilter is a log group's subscription filter.
type SubscriptionFilter struct {
	Group                  string
	Name                   string
	Pattern                string
	DestinationARN         string
	RoleARN                string
	Distribution           string
	ApplyOnTransformedLogs bool
	FieldSelectionCriteria string
	EmitSystemFields       []string
	CreationTime           int64
	// Delivered is the id of the last event delivered (Subscriptions only).
	Delivered int64
}

// DestinationKind names the kind of resource a subscription's destination
// ARN names: "lambda", "kinesis", "firehose" or "logs" (a destination of
// PutDestination).
func DestinationKind(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 6 || parts[0] != "arn" || parts[3] == "" || parts[4] == "" {
		return "", false
	}
	res := strings.Join(parts[5:], ":")
	switch {
	case parts[2] == "lambda" && strings.HasPrefix(res, "function:") && len(res) > len("function:"):
		return "lambda", true
	case parts[2] == "kinesis" && strings.HasPrefix(res, "stream/") && len(res) > len("stream/"):
		return "kinesis", true
	case parts[2] == "firehose" && strings.HasPrefix(res, "deliverystream/") && len(res) > len("deliverystream/"):
		return "firehose", true
	case parts[2] == "logs" && strings.HasPrefix(res, "destination:") && len(res) > len("destination:"):
		return "logs", true
	}
	return "", false
}

// PutSubscriptionFilter creates or replaces a subscription filter.
func (s *Store) PutSubscriptionFilter(ctx context.Context, f SubscriptionFilter) error {
	if _, err := logs.CompilePattern(f.Pattern); err != nil {
		return err
	}
	kind, ok := DestinationKind(f.DestinationARN)
	if !ok {
		return logs.Errorf(logs.ErrInvalid, "Invalid destinationArn %q: it must be the ARN of a Lambda function (arn:aws:lambda:<region>:<account>:function:<name>), a Kinesis data stream (arn:aws:kinesis:...:stream/<name>), a Firehose delivery stream (arn:aws:firehose:...:deliverystream/<name>) or a CloudWatch Logs destination (arn:aws:logs:...:destination:<name>).", f.DestinationARN)
	}
	if (kind == "kinesis" || kind == "firehose") && f.RoleARN == "" {
		return logs.Errorf(logs.ErrInvalid, "roleArn is required for a %s destination: give the role CloudWatch Logs assumes to put records into %s.", kind, f.DestinationARN)
	}
	switch f.Distribution {
	case "":
		f.Distribution = DistributionByLogStream
	case DistributionByLogStream, DistributionRandom:
	default:
		return logs.Errorf(logs.ErrInvalid, "Invalid distribution %q: it must be ByLogStream or Random.", f.Distribution)
	}
	if f.EmitSystemFields == nil {
		f.EmitSystemFields = []string{}
	}
	fields, _ := json.Marshal(f.EmitSystemFields)
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, f.Group); err != nil {
			return err
		}
		if kind == "logs" {
			parts := strings.SplitN(f.DestinationARN, ":", 7)
			if parts[3] == s.logs.Region() && parts[4] == s.logs.Account() {
				if err := s.hasDestination(ctx, tx, strings.TrimPrefix(parts[5]+":"+parts[6], "destination:")); err != nil {
					return err
				}
			}
		}
		var n int
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(name = ?), 0) > 0 FROM logsres_subscription_filters WHERE group_name = ?`, f.Name, f.Group).Scan(&n, &exists); err != nil {
			return fmt.Errorf("logsres: count subscription filters: %w", err)
		}
		if !exists && n >= MaxSubscriptionFilters {
			return logs.Errorf(ErrLimit, "Resource limit exceeded. A log group can have at most %d subscription filters; %s has %d.", MaxSubscriptionFilters, f.Group, n)
		}
		// A new filter delivers the events that come after it.
		last, err := s.logs.LastEventID(ctx, tx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO logsres_subscription_filters
			(group_name, name, pattern, destination, role_arn, distribution, transformed, field_criteria, system_fields, creation_time, delivered)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (group_name, name) DO UPDATE SET pattern = excluded.pattern, destination = excluded.destination,
				role_arn = excluded.role_arn, distribution = excluded.distribution, transformed = excluded.transformed,
				field_criteria = excluded.field_criteria, system_fields = excluded.system_fields`,
			f.Group, f.Name, f.Pattern, f.DestinationARN, f.RoleARN, f.Distribution, f.ApplyOnTransformedLogs,
			f.FieldSelectionCriteria, string(fields), s.logs.NowMS(), last)
		if err != nil {
			return fmt.Errorf("logsres: store subscription filter: %w", err)
		}
		return nil
	})
}

// SubscriptionQuery selects a group's subscription filters.
type SubscriptionQuery struct {
	Group, Prefix, NextToken string
	Limit                    int
}

// DescribeSubscriptionFilters lists a group's filters in name order.
func (s *Store) DescribeSubscriptionFilters(ctx context.Context, q SubscriptionQuery) ([]SubscriptionFilter, string, error) {
	limit, err := pageLimit(q.Limit)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeToken("sf", q.NextToken)
	if err != nil {
		return nil, "", err
	}
	if err := s.logs.HasGroup(ctx, s.db, q.Group); err != nil {
		return nil, "", err
	}
	cond, args := prefixCond("name", q.Prefix)
	rows, err := s.db.QueryContext(ctx, `SELECT group_name, name, pattern, destination, role_arn, distribution, transformed, field_criteria, system_fields, creation_time
		FROM logsres_subscription_filters WHERE group_name = ? AND name > ? AND `+cond+` ORDER BY name LIMIT ?`,
		append(append([]any{q.Group, after}, args...), limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("logsres: describe subscription filters: %w", err)
	}
	defer rows.Close()
	var out []SubscriptionFilter
	for rows.Next() {
		var f SubscriptionFilter
		var fields string
		if err := rows.Scan(&f.Group, &f.Name, &f.Pattern, &f.DestinationARN, &f.RoleARN, &f.Distribution, &f.ApplyOnTransformedLogs, &f.FieldSelectionCriteria, &fields, &f.CreationTime); err != nil {
			return nil, "", fmt.Errorf("logsres: describe subscription filters: %w", err)
		}
		json.Unmarshal([]byte(fields), &f.EmitSystemFields)
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logsres: describe subscription filters: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeToken("sf", out[limit-1].Name)
	}
	return out, next, nil
}

// DeleteSubscriptionFilter deletes a filter.
func (s *Store) DeleteSubscriptionFilter(ctx context.Context, group, name string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM logsres_subscription_filters WHERE group_name = ? AND name = ?`, group, name)
		if err != nil {
			return fmt.Errorf("logsres: delete subscription filter: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return logs.Errorf(logs.ErrNotFound, "The specified subscription filter does not exist.")
		}
		return nil
	})
}

// Subscriptions returns every subscription filter whose destination is of
// the given kind (see DestinationKind), with its delivery cursor.
func (s *Store) Subscriptions(ctx context.Context, kind string) ([]SubscriptionFilter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT group_name, name, pattern, destination, delivered FROM logsres_subscription_filters ORDER BY group_name, name`)
	if err != nil {
		return nil, fmt.Errorf("logsres: list subscription filters: %w", err)
	}
	defer rows.Close()
	var out []SubscriptionFilter
	for rows.Next() {
		var f SubscriptionFilter
		if err := rows.Scan(&f.Group, &f.Name, &f.Pattern, &f.DestinationARN, &f.Delivered); err != nil {
			return nil, fmt.Errorf("logsres: list subscription filters: %w", err)
		}
		if k, _ := DestinationKind(f.DestinationARN); k == kind {
			out = append(out, f)
		}
	}
	return out, rows.Err()
}

// MarkDelivered moves a filter's delivery cursor forward to id (a filter
// deleted or replaced by another destination in the meantime is left
// alone).
func (s *Store) MarkDelivered(ctx context.Context, group, name, destination string, id int64) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE logsres_subscription_filters SET delivered = ? WHERE group_name = ? AND name = ? AND destination = ? AND delivered < ?`, id, group, name, destination, id)
		if err != nil {
			return fmt.Errorf("logsres: mark delivered: %w", err)
		}
		return nil
	})
}
