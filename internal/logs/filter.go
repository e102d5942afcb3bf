package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// FilterQuery searches a group for FilterLogEvents.
type FilterQuery struct {
	Group string
	// StreamNames or StreamNamePrefix (not both) choose the streams; with
	// neither, every stream of the group is searched. Names of streams that
	// do not exist are ignored.
	StreamNames      []string
	StreamNamePrefix string
	// StartTime (inclusive) and EndTime (exclusive) bound the events'
	// timestamps; 0 leaves that side open.
	StartTime, EndTime int64
	// Pattern is a filter pattern (see CompilePattern); empty matches all.
	Pattern string
	// Limit is 1 to MaxEvents (MaxEvents when 0). A page also stops before
	// it would pass MaxPageBytes.
	Limit int
	// Descending returns the newest events first (the API's startFromHead
	// false). Ignored when NextToken is set: the token keeps its direction.
	Descending bool
	NextToken  string
}

// SearchedStream tells whether a stream was searched completely.
type SearchedStream struct {
	Name     string
	Complete bool
}

// FilterPage is a page of FilterLogEvents.
type FilterPage struct {
	// Events are ordered by timestamp, then by ingestion order, across
	// the streams searched.
	Events []StoredEvent
	// Searched lists the streams searched.
	Searched []SearchedStream
	// NextToken is empty when the search is finished.
	NextToken string
}

// filterScanBudget caps the rows one FilterLogEvents call examines; a call
// that runs out returns what it found with a NextToken to go on from, as the
// service does with partially full (even empty) pages.
const filterScanBudget = 100_000

// FilterLogEvents searches the chosen streams of a group, interleaved by
// timestamp then ingestion order, a page at a time. NextToken is empty when
// there is nothing more to read.
func (s *Store) FilterLogEvents(ctx context.Context, q FilterQuery) (FilterPage, error) {
	if len(q.StreamNames) > 0 && q.StreamNamePrefix != "" {
		return FilterPage{}, errf(ErrInvalid, "logStreamNames and logStreamNamePrefix are mutually exclusive: pass one or the other.")
	}
	limit, err := pageLimit(q.Limit, MaxEvents)
	if err != nil {
		return FilterPage{}, err
	}
	lo, hi, err := timeRange(q.StartTime, q.EndTime)
	if err != nil {
		return FilterPage{}, err
	}
	pat, err := CompilePattern(q.Pattern)
	if err != nil {
		return FilterPage{}, err
	}
	desc := q.Descending
	var after *cursor
	if q.NextToken != "" {
		c, err := parseFilterToken(q.NextToken)
		if err != nil {
			return FilterPage{}, err
		}
		desc, after = c.desc, &c
	}
	gid, err := s.groupID(ctx, s.db, q.Group)
	if err != nil {
		return FilterPage{}, err
	}
	names, ids, err := s.selectStreams(ctx, gid, q.StreamNames, q.StreamNamePrefix)
	if err != nil {
		return FilterPage{}, err
	}
	var page FilterPage
	if len(ids) == 0 {
		return page, nil
	}
	idList, _ := json.Marshal(ids)
	// The candidate blocks: those that can hold an event in the range and
	// after the cursor.
	query := `SELECT id, stream_id, last_id, min_ts, max_ts, count FROM logs_blocks
		WHERE stream_id IN (SELECT value FROM json_each(?)) AND max_ts >= ? AND min_ts < ?`
	blo, bhi := lo, hi
	if after != nil {
		if desc {
			bhi = min(hi, after.ts+1)
		} else {
			blo = max(lo, after.ts)
		}
	}
	args := []any{string(idList), blo, bhi}
	order := byTimeAsc
	if desc {
		order = byTimeDesc
	}
	keep := func(e *blockEvent) bool {
		if e.ts < lo || e.ts >= hi {
			return false
		}
		switch {
		case after == nil:
			return true
		case desc:
			return e.ts < after.ts || (e.ts == after.ts && e.id < after.id)
		default:
			return e.ts > after.ts || (e.ts == after.ts && e.id > after.id)
		}
	}
	var (
		scanned, bytes int
		more           bool
		resume         cursor // where the next page starts
	)
	err = s.readMerge(ctx, order, keep, query, args, func(m *merger) error {
		for scanned < filterScanBudget {
			me, ok := m.Next()
			if !ok {
				break
			}
			e := StoredEvent{ID: me.id, Timestamp: me.ts, IngestionTime: me.ingested, Message: me.msg}
			scanned++
			if !pat.Match(e.Message) {
				if scanned == filterScanBudget {
					more, resume = true, cursor{desc, e.Timestamp, e.ID}
				}
				continue
			}
			if len(page.Events) == limit || (bytes+e.size() > MaxPageBytes && len(page.Events) > 0) {
				more = true // a match beyond the full page: resume after the last event
				break
			}
			e.Stream = names[me.stream]
			bytes += e.size()
			page.Events = append(page.Events, e)
			resume = cursor{desc, e.Timestamp, e.ID}
			if scanned == filterScanBudget {
				more = true
			}
		}
		return m.Err()
	})
	if err != nil {
		return FilterPage{}, fmt.Errorf("logs: filter log events: %w", err)
	}
	if more {
		page.NextToken = resume.token()
	}
	for _, id := range ids {
		page.Searched = append(page.Searched, SearchedStream{Name: names[id], Complete: !more})
	}
	return page, nil
}

// selectStreams returns the ids (in name order) and names of the chosen
// streams of group gid.
func (s *Store) selectStreams(ctx context.Context, gid int64, names []string, prefix string) (map[int64]string, []int64, error) {
	cond, pargs := prefixCond("name", prefix)
	query := `SELECT id, name FROM logs_streams WHERE group_id = ? AND ` + cond + ` ORDER BY name`
	args := append([]any{gid}, pargs...)
	if len(names) > 0 {
		list, _ := json.Marshal(names)
		query = `SELECT id, name FROM logs_streams WHERE group_id = ? AND name IN (SELECT value FROM json_each(?)) ORDER BY name`
		args = []any{gid, string(list)}
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("logs: filter log events: %w", err)
	}
	defer rows.Close()
	byID := map[int64]string{}
	var ids []int64
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, nil, fmt.Errorf("logs: filter log events: %w", err)
		}
		byID[id] = name
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("logs: filter log events: %w", err)
	}
	return byID, ids, nil
}

// cursor is a position in a FilterLogEvents scan: just after (in the scan's
// direction) the event (ts, id).
type cursor struct {
	desc bool
	ts   int64
	id   int64
}

func (c cursor) token() string {
	kind := "fa"
	if c.desc {
		kind = "fd"
	}
	return encodeCursor(kind, strconv.FormatInt(c.ts, 10), strconv.FormatInt(c.id, 10))
}

func parseFilterToken(tok string) (cursor, error) {
	for _, kind := range []string{"fa", "fd"} {
		f, ok := decodeCursor(tok, kind, 2)
		if !ok {
			continue
		}
		ts, err1 := strconv.ParseInt(f[0], 10, 64)
		id, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			break
		}
		return cursor{kind == "fd", ts, id}, nil
	}
	return cursor{}, errBadToken
}
