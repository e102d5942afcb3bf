package logs

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// This file reads events across streams in a global order (FilterLogEvents
// and ScanEvents: by timestamp then id; EventsAfter: by id) with a bounded
// merge of blocks: the candidate blocks' rows (not their data) are read
// first, ordered by the smallest key an event of theirs can have; a block is
// decoded only when that key could come next, and the decoded blocks are
// merged as sorted runs (a heap of them). In memory: the candidate blocks'
// rows (48 bytes each) and the decoded blocks whose key ranges overlap the
// current position, never a whole group's events.

// mergeOrder is the order a merge yields events in.
type mergeOrder int

const (
	byTimeAsc  mergeOrder = iota // (timestamp, id) ascending
	byTimeDesc                   // (timestamp, id) descending
	byID                         // id ascending
)

// blockRef is a candidate block's row.
type blockRef struct {
	id, stream, last, minTS, maxTS, count int64
}

// mergeEvent is a decoded event with its stream id.
type mergeEvent struct {
	blockEvent
	stream int64
}

// run is a decoded block's events in the merge's order; evs[i] is next.
type run struct {
	evs []mergeEvent
	i   int
}

func (r *run) head() *blockEvent { return &r.evs[r.i].blockEvent }

// merger yields the events of a set of blocks in an order.
type merger struct {
	ctx   context.Context
	fetch *sql.Stmt // SELECT data FROM logs_blocks WHERE id = ?, in the reading transaction
	order mergeOrder
	// keep says whether an event is returned (time range, cursor).
	keep func(*blockEvent) bool

	blocks []blockRef // in opening order
	next   int        // blocks[next] is the next block to open
	runs   []run
	free   [][]mergeEvent // runs read to the end, for reuse
	dec    []blockEvent
	err    error
}

// less orders events in the merge's order.
func (m *merger) less(a, b *blockEvent) bool {
	switch m.order {
	case byTimeAsc:
		return a.ts < b.ts || (a.ts == b.ts && a.id < b.id)
	case byTimeDesc:
		return a.ts > b.ts || (a.ts == b.ts && a.id > b.id)
	default:
		return a.id < b.id
	}
}

// sortBlocks puts the blocks in opening order: by the first key an event
// of theirs can have.
func (m *merger) sortBlocks() {
	switch m.order {
	case byTimeAsc:
		slices.SortFunc(m.blocks, func(a, b blockRef) int { return cmp.Or(cmp.Compare(a.minTS, b.minTS), cmp.Compare(a.id, b.id)) })
	case byTimeDesc:
		slices.SortFunc(m.blocks, func(a, b blockRef) int { return cmp.Or(cmp.Compare(b.maxTS, a.maxTS), cmp.Compare(b.id, a.id)) })
	default:
		slices.SortFunc(m.blocks, func(a, b blockRef) int { return cmp.Compare(a.id, b.id) })
	}
}

// mayPrecede reports whether block b can hold an event that comes before
// (or ties with) e.
func (m *merger) mayPrecede(b *blockRef, e *blockEvent) bool {
	switch m.order {
	case byTimeAsc:
		return b.minTS <= e.ts
	case byTimeDesc:
		return b.maxTS >= e.ts
	default:
		return b.id < e.id
	}
}

// open decodes the next block into a sorted run.
func (m *merger) open() error {
	b := &m.blocks[m.next]
	m.next++
	var data []byte
	if err := m.fetch.QueryRowContext(m.ctx, b.id).Scan(&data); err != nil {
		return fmt.Errorf("read block %d: %w", b.id, err)
	}
	var err error
	if m.dec, err = checkBlock(m.dec[:0], blockMeta{first: b.id, last: b.last, count: b.count}, data); err != nil {
		return err
	}
	var evs []mergeEvent
	if n := len(m.free); n > 0 {
		evs, m.free = m.free[n-1][:0], m.free[:n-1]
	}
	for i := range m.dec {
		if m.keep(&m.dec[i]) {
			evs = append(evs, mergeEvent{m.dec[i], b.stream})
		}
	}
	if len(evs) == 0 {
		if cap(evs) > 0 {
			m.free = append(m.free, evs)
		}
		return nil
	}
	// A block is in id order; its timestamps usually are in order too.
	if !slices.IsSortedFunc(evs, m.cmp) {
		slices.SortFunc(evs, m.cmp)
	}
	m.runs = append(m.runs, run{evs: evs})
	m.up(len(m.runs) - 1)
	return nil
}

func (m *merger) cmp(a, b mergeEvent) int {
	switch {
	case m.less(&a.blockEvent, &b.blockEvent):
		return -1
	case m.less(&b.blockEvent, &a.blockEvent):
		return 1
	}
	return 0
}

// runs is a binary heap: runs[0]'s next event comes first.
func (m *merger) before(i, j int) bool { return m.less(m.runs[i].head(), m.runs[j].head()) }

func (m *merger) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !m.before(i, p) {
			return
		}
		m.runs[i], m.runs[p] = m.runs[p], m.runs[i]
		i = p
	}
}

func (m *merger) down(i int) {
	for {
		c := 2*i + 1
		if c >= len(m.runs) {
			return
		}
		if c+1 < len(m.runs) && m.before(c+1, c) {
			c++
		}
		if !m.before(c, i) {
			return
		}
		m.runs[i], m.runs[c] = m.runs[c], m.runs[i]
		i = c
	}
}

// Next returns the next event; ok is false at the end or on an error
// (Err).
func (m *merger) Next() (e mergeEvent, ok bool) {
	if m.err != nil {
		return e, false
	}
	for {
		if m.next < len(m.blocks) && (len(m.runs) == 0 || m.mayPrecede(&m.blocks[m.next], m.runs[0].head())) {
			if err := m.ctx.Err(); err != nil {
				m.err = err
				return e, false
			}
			if err := m.open(); err != nil {
				m.err = err
				return e, false
			}
			continue
		}
		if len(m.runs) == 0 {
			return e, false
		}
		r := &m.runs[0]
		e = r.evs[r.i]
		if r.i++; r.i == len(r.evs) {
			m.free = append(m.free, r.evs)
			last := len(m.runs) - 1
			m.runs[0] = m.runs[last]
			m.runs[last] = run{}
			m.runs = m.runs[:last]
		}
		m.down(0)
		return e, true
	}
}

// Err is the error that ended Next early.
func (m *merger) Err() error { return m.err }

// readMerge runs fn with a merger of the blocks the query selects (their
// id, stream_id, last_id, min_ts, max_ts and count, in that order), read in
// one read transaction so that the rows and the data agree.
func (s *Store) readMerge(ctx context.Context, order mergeOrder, keep func(*blockEvent) bool, query string, args []any, fn func(*merger) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	m := &merger{ctx: ctx, order: order, keep: keep}
	for rows.Next() {
		var b blockRef
		if err := rows.Scan(&b.id, &b.stream, &b.last, &b.minTS, &b.maxTS, &b.count); err != nil {
			rows.Close()
			return err
		}
		m.blocks = append(m.blocks, b)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	m.sortBlocks()
	m.fetch, err = tx.PrepareContext(ctx, `SELECT data FROM logs_blocks WHERE id = ?`)
	if err != nil {
		return err
	}
	defer m.fetch.Close()
	return fn(m)
}
