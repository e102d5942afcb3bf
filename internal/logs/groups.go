package logs

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Group is a log group as DescribeLogGroups shows it.
type Group struct {
	Name string
	// CreationTime is in milliseconds since the epoch.
	CreationTime int64
	// RetentionInDays is 0 when events never expire.
	RetentionInDays int32
	// ARN is arn:aws:logs:<region>:<account>:log-group:<name>.
	ARN string
	// StoredBytes is the sum of the group's streams' message bytes.
	StoredBytes int64
}

// Stream is a log stream as DescribeLogStreams shows it. The event times are
// nil until the stream holds an event.
type Stream struct {
	Name                string
	CreationTime        int64
	FirstEventTimestamp *int64
	LastEventTimestamp  *int64
	LastIngestionTime   *int64
	// UploadSequenceToken is the deprecated PutLogEvents sequence token
	// (the service ignores it now); it counts the events stored.
	UploadSequenceToken string
	ARN                 string
	StoredBytes         int64
}

// RetentionDays lists the retention periods PutRetentionPolicy accepts.
var RetentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CreateLogGroup creates a log group; ErrExists if it exists.
func (s *Store) CreateLogGroup(ctx context.Context, name string) error {
	if err := checkGroupName(name); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO logs_groups (name, creation_time) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, s.nowMS())
		if err != nil {
			return fmt.Errorf("logs: create log group %q: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGroupExists
		}
		return nil
	})
}

// CreateLogStream creates a stream in an existing group: ErrNotFound if the
// group is missing, ErrExists if the stream exists.
func (s *Store) CreateLogStream(ctx context.Context, group, stream string) error {
	if err := checkGroupName(group); err != nil {
		return err
	}
	if err := checkStreamName(stream); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		gid, err := s.groupID(ctx, tx, group)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO logs_streams (group_id, name, creation_time) VALUES (?, ?, ?) ON CONFLICT (group_id, name) DO NOTHING`, gid, stream, s.nowMS())
		if err != nil {
			return fmt.Errorf("logs: create log stream %q in %q: %w", stream, group, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStreamExists
		}
		return nil
	})
}

// EnsureStream creates the group and the stream unless they exist, as the
// awslogs driver does with awslogs-create-group "true". It never fails
// because either exists already.
func (s *Store) EnsureStream(ctx context.Context, group, stream string) error {
	if err := checkGroupName(group); err != nil {
		return err
	}
	if err := checkStreamName(stream); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := s.ensureStream(ctx, tx, group, stream)
		return err
	})
}

// ensureStream returns the id of the stream, creating the group and the
// stream if missing. The caller holds wmu.
func (s *Store) ensureStream(ctx context.Context, tx *sql.Tx, group, stream string) (int64, error) {
	key := streamKey{group, stream}
	if id, ok := s.streams[key]; ok {
		return id, nil
	}
	now := s.nowMS()
	if _, err := tx.ExecContext(ctx, `INSERT INTO logs_groups (name, creation_time, retention_days) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, group, now, s.createRetention[group]); err != nil {
		return 0, fmt.Errorf("logs: create log group %q: %w", group, err)
	}
	gid, err := s.groupID(ctx, tx, group)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO logs_streams (group_id, name, creation_time) VALUES (?, ?, ?) ON CONFLICT (group_id, name) DO NOTHING`, gid, stream, now); err != nil {
		return 0, fmt.Errorf("logs: create log stream %q in %q: %w", stream, group, err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM logs_streams WHERE group_id = ? AND name = ?`, gid, stream).Scan(&id); err != nil {
		return 0, fmt.Errorf("logs: find log stream %q in %q: %w", stream, group, err)
	}
	// The cache is filled only after the transaction commits (see Append),
	// so a rolled-back creation leaves no stale id behind.
	return id, nil
}

// DeleteLogGroup deletes a group with all its streams and events.
func (s *Store) DeleteLogGroup(ctx context.Context, name string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		gid, err := s.groupID(ctx, tx, name)
		if err != nil {
			return err
		}
		for _, h := range s.deleteHooks {
			if err := h(ctx, tx, name); err != nil {
				return err
			}
		}
		s.tails.forgetAll()
		if err := keepHighID(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM logs_blocks WHERE stream_id IN (SELECT id FROM logs_streams WHERE group_id = ?)`,
			`DELETE FROM logs_streams WHERE group_id = ?`,
			`DELETE FROM logs_groups WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, gid); err != nil {
				return fmt.Errorf("logs: delete log group %q: %w", name, err)
			}
		}
		for k := range s.streams {
			if k.group == name {
				delete(s.streams, k)
			}
		}
		return nil
	})
}

// DeleteLogStream deletes a stream and its events.
func (s *Store) DeleteLogStream(ctx context.Context, group, stream string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		id, err := s.streamID(ctx, tx, group, stream)
		if err != nil {
			return err
		}
		s.tails.forgetAll()
		if err := keepHighID(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM logs_blocks WHERE stream_id = ?`,
			`DELETE FROM logs_streams WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("logs: delete log stream %q in %q: %w", stream, group, err)
			}
		}
		delete(s.streams, streamKey{group, stream})
		return nil
	})
}

// PutRetentionPolicy sets how many days the group's events are kept (one of
// RetentionDays). PutLogEvents refuses expired events, and ExpireEvents
// deletes those stored.
func (s *Store) PutRetentionPolicy(ctx context.Context, group string, days int32) error {
	if !slices.Contains(RetentionDays, days) {
		return errf(ErrInvalid, "Invalid retentionInDays %d: it must be one of %s.", days, joinInts(RetentionDays))
	}
	return s.setRetention(ctx, group, days)
}

// DeleteRetentionPolicy makes the group's events never expire.
func (s *Store) DeleteRetentionPolicy(ctx context.Context, group string) error {
	return s.setRetention(ctx, group, 0)
}

func (s *Store) setRetention(ctx context.Context, group string, days int32) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE logs_groups SET retention_days = ? WHERE name = ?`, days, group)
		if err != nil {
			return fmt.Errorf("logs: set retention of %q: %w", group, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGroupNotFound
		}
		return nil
	})
}

func joinInts(v []int32) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(int(n))
	}
	return strings.Join(parts, ", ")
}

// LogGroup describes one group; ErrNotFound if it does not exist.
func (s *Store) LogGroup(ctx context.Context, name string) (Group, error) {
	groups, _, err := s.describeGroups(ctx, `g.name = ?`, []any{name}, 1)
	if err != nil {
		return Group{}, err
	}
	if len(groups) == 0 {
		return Group{}, errGroupNotFound
	}
	return groups[0], nil
}

// GroupQuery selects log groups for DescribeLogGroups.
type GroupQuery struct {
	// Prefix keeps the groups whose name starts with it.
	Prefix string
	// Pattern keeps the groups whose name contains it (case-sensitive).
	// Prefix and Pattern are mutually exclusive.
	Pattern string
	// Limit is the page size, 1 to MaxDescribe (MaxDescribe when 0).
	Limit int
	// NextToken continues a previous page.
	NextToken string
}

// DescribeLogGroups lists groups in name order, a page at a time; next is
// empty on the last page.
func (s *Store) DescribeLogGroups(ctx context.Context, q GroupQuery) (groups []Group, next string, err error) {
	if q.Prefix != "" && q.Pattern != "" {
		return nil, "", errf(ErrInvalid, "logGroupNamePattern and logGroupNamePrefix are mutually exclusive. Only one of these parameters can be passed.")
	}
	limit, err := pageLimit(q.Limit, MaxDescribe)
	if err != nil {
		return nil, "", err
	}
	after := ""
	if q.NextToken != "" {
		f, ok := decodeCursor(q.NextToken, "g", 1)
		if !ok {
			return nil, "", errBadToken
		}
		after = f[0]
	}
	cond, args := prefixCond("g.name", q.Prefix)
	return s.describeGroups(ctx, `g.name > ? AND instr(g.name, ?) > 0 AND `+cond,
		append([]any{after, q.Pattern}, args...), limit)
}

// describeGroups lists the groups matching where, in name order, at most
// limit of them; next continues after the last.
func (s *Store) describeGroups(ctx context.Context, where string, args []any, limit int) (groups []Group, next string, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.name, g.creation_time, g.retention_days,
			(SELECT COALESCE(SUM(stored_bytes), 0) FROM logs_streams WHERE group_id = g.id)
		FROM logs_groups g WHERE `+where+` ORDER BY g.name LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", fmt.Errorf("logs: describe log groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.Name, &g.CreationTime, &g.RetentionInDays, &g.StoredBytes); err != nil {
			return nil, "", fmt.Errorf("logs: describe log groups: %w", err)
		}
		g.ARN = s.GroupARN(g.Name)
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logs: describe log groups: %w", err)
	}
	if len(groups) > limit {
		groups = groups[:limit]
		next = encodeCursor("g", groups[limit-1].Name)
	}
	return groups, next, nil
}

// Orders of DescribeLogStreams.
const (
	OrderByName          = "LogStreamName"
	OrderByLastEventTime = "LastEventTime"
)

// StreamQuery selects the streams of a group for DescribeLogStreams.
type StreamQuery struct {
	Group string
	// Prefix keeps the streams whose name starts with it; not allowed with
	// OrderByLastEventTime.
	Prefix string
	// OrderBy is OrderByName (when empty) or OrderByLastEventTime.
	OrderBy    string
	Descending bool
	// Limit is the page size, 1 to MaxDescribe (MaxDescribe when 0).
	Limit     int
	NextToken string
}

// DescribeLogStreams lists a group's streams a page at a time; next is empty
// on the last page. Streams without events sort before all others by
// LastEventTime.
func (s *Store) DescribeLogStreams(ctx context.Context, q StreamQuery) (streams []Stream, next string, err error) {
	byTime := false
	switch q.OrderBy {
	case "", OrderByName:
	case OrderByLastEventTime:
		byTime = true
		if q.Prefix != "" {
			return nil, "", errf(ErrInvalid, "Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, "", errf(ErrInvalid, "Invalid orderBy %q: it must be %s or %s.", q.OrderBy, OrderByName, OrderByLastEventTime)
	}
	limit, err := pageLimit(q.Limit, MaxDescribe)
	if err != nil {
		return nil, "", err
	}
	gid, err := s.groupID(ctx, s.db, q.Group)
	if err != nil {
		return nil, "", err
	}
	kind := "n"
	if byTime {
		kind = "t"
	}
	if q.Descending {
		kind += "d"
	}
	cmp, dir := ">", "ASC"
	if q.Descending {
		cmp, dir = "<", "DESC"
	}
	cond, pargs := prefixCond("name", q.Prefix)
	where := "group_id = ? AND " + cond
	args := append([]any{gid}, pargs...)
	if q.NextToken != "" {
		if byTime {
			f, ok := decodeCursor(q.NextToken, kind, 2)
			if !ok {
				return nil, "", errBadToken
			}
			t, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return nil, "", errBadToken
			}
			where += fmt.Sprintf(" AND (COALESCE(last_event, -1) %s ? OR (COALESCE(last_event, -1) = ? AND name %s ?))", cmp, cmp)
			args = append(args, t, t, f[1])
		} else {
			f, ok := decodeCursor(q.NextToken, kind, 1)
			if !ok {
				return nil, "", errBadToken
			}
			where += " AND name " + cmp + " ?"
			args = append(args, f[0])
		}
	}
	order := "name " + dir
	if byTime {
		order = "COALESCE(last_event, -1) " + dir + ", name " + dir
	}
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, `SELECT name, creation_time, first_event, last_event, last_ingestion, seq, stored_bytes
		FROM logs_streams WHERE `+where+` ORDER BY `+order+` LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("logs: describe log streams: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st Stream
		var first, last, ingested sql.NullInt64
		var seq int64
		if err := rows.Scan(&st.Name, &st.CreationTime, &first, &last, &ingested, &seq, &st.StoredBytes); err != nil {
			return nil, "", fmt.Errorf("logs: describe log streams: %w", err)
		}
		st.FirstEventTimestamp = nullable(first)
		st.LastEventTimestamp = nullable(last)
		st.LastIngestionTime = nullable(ingested)
		st.UploadSequenceToken = sequenceToken(seq)
		st.ARN = s.StreamARN(q.Group, st.Name)
		streams = append(streams, st)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("logs: describe log streams: %w", err)
	}
	if len(streams) > limit {
		streams = streams[:limit]
		lastS := streams[limit-1]
		if byTime {
			t := int64(-1)
			if lastS.LastEventTimestamp != nil {
				t = *lastS.LastEventTimestamp
			}
			next = encodeCursor(kind, strconv.FormatInt(t, 10), lastS.Name)
		} else {
			next = encodeCursor(kind, lastS.Name)
		}
	}
	return streams, next, nil
}

func nullable(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

// sequenceToken formats the deprecated upload sequence token.
func sequenceToken(seq int64) string { return fmt.Sprintf("%056d", seq) }

// prefixCond returns an SQL condition selecting the values of col that start
// with p, and its arguments. It is a range, so an index on col serves it:
// "\xff" never occurs in UTF-8, so p+"\xff" sorts after every value that
// starts with p.
func prefixCond(col, p string) (string, []any) {
	if p == "" {
		return "1", nil
	}
	return col + " >= ? AND " + col + " < ?", []any{p, p + "\xff"}
}

// pageLimit applies a page size's default and bounds.
func pageLimit(limit, max int) (int, error) {
	switch {
	case limit == 0:
		return max, nil
	case limit < 0 || limit > max:
		return 0, errf(ErrInvalid, "Invalid limit %d: it must be between 1 and %d.", limit, max)
	}
	return limit, nil
}

// encodeCursor makes an opaque pagination token of a kind and fields.
func encodeCursor(kind string, fields ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + strings.Join(fields, "\x00")))
}

// decodeCursor reverses encodeCursor, checking the kind and field count.
func decodeCursor(tok, kind string, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, false
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != n+1 || parts[0] != kind {
		return nil, false
	}
	return parts[1:], true
}
