package logsres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// MaxTags is the most tags a resource carries.
const MaxTags = 50

// checkTags refuses the keys AWS reserves ("aws:" in any case). The model
// checks lengths, characters and counts of one request.
func checkTags(tags map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return logs.Errorf(logs.ErrInvalid, "Invalid tag key %q: keys starting with 'aws:' are reserved for use by AWS.", k)
		}
	}
	return nil
}

// Resource kinds that take tags.
const (
	KindLogGroup    = "log-group"
	KindDestination = "destination"
)

// resolve checks that arn names an existing taggable resource of this
// account and region, in tx, and returns it in the canonical form the
// tags are stored under.
func (s *Store) resolve(ctx context.Context, tx logs.Queryer, arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "logs" {
		return "", logs.Errorf(logs.ErrInvalid, "Invalid resourceArn %q: want the ARN of a log group (arn:aws:logs:<region>:<account>:log-group:<name>, without ':*'), a destination, a delivery source, a delivery destination, a delivery or a lookup table.", arn)
	}
	if parts[3] != s.logs.Region() || parts[4] != s.logs.Account() {
		return "", logs.Errorf(logs.ErrNotFound, "The specified resource does not exist: %s is not in this account (%s) and region (%s).", arn, s.logs.Account(), s.logs.Region())
	}
	kind, name := parts[5], parts[6]
	switch kind {
	case KindLogGroup:
		if strings.HasSuffix(name, ":*") {
			return "", logs.Errorf(logs.ErrInvalid, "Invalid resourceArn %q: leave out the trailing ':*' (use the logGroupArn DescribeLogGroups gives).", arn)
		}
		if err := s.logs.HasGroup(ctx, tx, name); err != nil {
			return "", err
		}
		return s.GroupARN(name), nil
	case KindDestination:
		if err := s.hasDestination(ctx, tx, name); err != nil {
			return "", err
		}
		return s.DestinationARN(name), nil
	case docDeliverySource, docDeliveryDestination, docDelivery, docLookupTable:
		var v json.RawMessage
		found, err := getDoc(ctx, tx, kind, name, &v)
		if err != nil {
			return "", err
		}
		if !found {
			return "", logs.Errorf(logs.ErrNotFound, "The specified resource does not exist: %s.", arn)
		}
		return s.arn(kind + ":" + name), nil
	}
	return "", logs.Errorf(logs.ErrInvalid, "Invalid resourceArn %q: resources of type %q take no tags here; log groups, destinations, delivery sources, delivery destinations, deliveries and lookup tables do.", arn, kind)
}

// TagResource adds or replaces tags of the resource arn names.
func (s *Store) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		canon, err := s.resolve(ctx, tx, arn)
		if err != nil {
			return err
		}
		return s.putTags(ctx, tx, canon, tags, ErrTooManyTags, true)
	})
}

// TagLogGroup is the deprecated form of TagResource for a log group.
func (s *Store) TagLogGroup(ctx context.Context, group string, tags map[string]string) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		return s.putTags(ctx, tx, s.GroupARN(group), tags, logs.ErrInvalid, true)
	})
}

// putTags stores tags of arn; with merge the existing ones stay. A result of
// more than MaxTags tags is refused with tooMany.
func (s *Store) putTags(ctx context.Context, tx *sql.Tx, arn string, tags map[string]string, tooMany error, merge bool) error {
	if len(tags) == 0 {
		return nil
	}
	if merge {
		have, err := tagsOf(ctx, tx, arn)
		if err != nil {
			return err
		}
		maps.Copy(have, tags)
		if len(have) > MaxTags {
			return logs.Errorf(tooMany, "A resource can have no more than %d tags: %s would have %d.", MaxTags, arn, len(have))
		}
	}
	for k, v := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO logsres_tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value`, arn, k, v); err != nil {
			return fmt.Errorf("logsres: tag %s: %w", arn, err)
		}
	}
	return nil
}

// UntagResource removes the tags with the given keys (absent keys are
// ignored, as AWS does).
func (s *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		canon, err := s.resolve(ctx, tx, arn)
		if err != nil {
			return err
		}
		return deleteTags(ctx, tx, canon, keys)
	})
}

// UntagLogGroup is the deprecated form of UntagResource for a log group.
func (s *Store) UntagLogGroup(ctx context.Context, group string, keys []string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		if err := s.logs.HasGroup(ctx, tx, group); err != nil {
			return err
		}
		return deleteTags(ctx, tx, s.GroupARN(group), keys)
	})
}

func deleteTags(ctx context.Context, tx *sql.Tx, arn string, keys []string) error {
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `DELETE FROM logsres_tags WHERE arn = ? AND key = ?`, arn, k); err != nil {
			return fmt.Errorf("logsres: untag %s: %w", arn, err)
		}
	}
	return nil
}

// ListTagsForResource returns the resource's tags (an empty map when it has
// none).
func (s *Store) ListTagsForResource(ctx context.Context, arn string) (map[string]string, error) {
	canon, err := s.resolve(ctx, s.db, arn)
	if err != nil {
		return nil, err
	}
	return tagsOf(ctx, s.db, canon)
}

// ListTagsLogGroup is the deprecated form of ListTagsForResource.
func (s *Store) ListTagsLogGroup(ctx context.Context, group string) (map[string]string, error) {
	if err := s.logs.HasGroup(ctx, s.db, group); err != nil {
		return nil, err
	}
	return tagsOf(ctx, s.db, s.GroupARN(group))
}

// GroupTags returns the tags of a log group (for ListLogGroups' tag
// filter).
func (s *Store) GroupTags(ctx context.Context, group string) (map[string]string, error) {
	return tagsOf(ctx, s.db, s.GroupARN(group))
}

type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func tagsOf(ctx context.Context, q rowsQueryer, arn string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT key, value FROM logsres_tags WHERE arn = ?`, arn)
	if err != nil {
		return nil, fmt.Errorf("logsres: read tags of %s: %w", arn, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("logsres: read tags of %s: %w", arn, err)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("logsres: read tags of %s: %w", arn, err)
	}
	return out, nil
}
