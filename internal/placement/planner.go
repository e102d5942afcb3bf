package placement

import (
	"fmt"
	"strings"
)

// Plan is where the tasks of one request go, computed from a snapshot. It
// is a proposal: State.Apply re-checks it against the current state and
// commits it.
type Plan struct {
	// Request is the request planned.
	Request Request
	// Placements lists the placed tasks in TaskIndex order.
	Placements []Placement
	// Failures lists the tasks that could not be placed, in TaskIndex
	// order.
	Failures []Failure
	// SnapshotVersion is the version of the snapshot planned against.
	SnapshotVersion uint64

	spec *spec
}

// cand is the plan-local state of one feasible instance.
type cand struct {
	cpu, mem int64
	pos      int32 // index of the node in the snapshot
	group    int32 // tasks of the request's group on it, snapshot + plan
	gpus     int32 // GPUs left
	placed   int32 // tasks placed on it by this plan
	slots    [MaxStrategies]int32
}

// posCount is a non-candidate node running tasks of the request's group:
// they still count for spread.
type posCount struct{ pos, n int32 }

// Planner computes plans. It keeps scratch space between calls so that
// planning allocates little; a Planner is not safe for concurrent use (use
// one per goroutine, or State.Place, which pools them).
type Planner struct {
	cands   []cand
	alive   []int32 // scan mode: indexes of candidates still feasible
	others  []posCount
	values  [MaxStrategies]map[string]int32 // spread slot: value -> bucket
	missing [MaxStrategies]int32            // spread slot: bucket without the attribute
	counts  [MaxStrategies][]int32          // spread slot: bucket -> tasks of the group
	heap    []int32                         // indexed mode: every bucket's heap, back to back
	hstart  []int32
	hlen    []int32
	touched map[int32]int32 // sampling: node position -> candidate
	v       view
}

// NewPlanner returns a Planner.
func NewPlanner() *Planner { return &Planner{} }

// Plan places req's tasks on snap's instances. It returns an error
// wrapping ErrInvalid for a malformed request (bad constraint, strategy,
// query expression, limits) and ErrNoInstances when the snapshot is empty;
// tasks that cannot be placed are Failures, not errors.
func (p *Planner) Plan(snap *Snapshot, req Request) (*Plan, error) {
	sp, err := compile(req)
	if err != nil {
		return nil, err
	}
	return p.plan(snap, sp)
}

// PlanRequest plans with a fresh Planner; see Planner.Plan.
func PlanRequest(snap *Snapshot, req Request) (*Plan, error) {
	return NewPlanner().Plan(snap, req)
}

func (p *Planner) plan(snap *Snapshot, sp *spec) (*Plan, error) {
	if len(snap.nodes) == 0 {
		return nil, ErrNoInstances
	}
	pl := &Plan{Request: sp.req, SnapshotVersion: snap.version, spec: sp}
	if len(sp.strats) == 1 && sp.strats[0].kind == stRandom && p.planSampled(snap, sp, pl) {
		p.v = view{}
		return pl, nil
	}
	p.setup(snap, sp)

	// Choose the algorithm. When every strategy key but a leading
	// attribute spread is local to an instance, placing a task changes the
	// keys of one instance (and one spread counter) only, so candidates live
	// in per-bucket heaps: O(buckets + log n) per task. Random, or attribute
	// spread after another strategy, changes many keys at once: scan.
	indexed := true
	lead := -1
	local := sp.strats
	for k, s := range sp.strats {
		switch {
		case s.kind == stRandom:
			indexed = false
		case s.kind == stSpreadAttr && k > 0:
			indexed = false
		}
	}
	if indexed && len(sp.strats) > 0 && sp.strats[0].kind == stSpreadAttr {
		lead, local = sp.strats[0].slot, sp.strats[1:]
	}
	if indexed {
		p.buildHeaps(lead, local)
	} else {
		p.alive = p.alive[:0]
		for ci := range p.cands {
			p.alive = append(p.alive, int32(ci))
		}
	}

	for t := 0; t < sp.req.Count; t++ {
		var ci, at int32
		if indexed {
			ci, at = p.chooseIndexed(lead, local)
		} else {
			ci, at = p.chooseScan(sp, t)
		}
		if ci < 0 {
			f := p.failure(snap, sp)
			for ; t < sp.req.Count; t++ {
				f.TaskIndex = t
				pl.Failures = append(pl.Failures, f)
			}
			break
		}
		p.take(snap, sp, pl, t, ci)
		c := &p.cands[ci]
		n := snap.nodes[c.pos]
		for _, s := range sp.strats {
			if s.kind == stSpreadAttr {
				p.counts[s.slot][c.slots[s.slot]]++
			}
		}
		ok := sp.stage(n, c.cpu, c.mem, int(c.gpus), int(c.group), int(c.placed), &p.v) == stagePass
		if indexed {
			b := at
			if ok {
				p.siftDown(b, 0, local)
			} else {
				p.popRoot(b, local)
			}
		} else if !ok {
			last := len(p.alive) - 1
			p.alive[at] = p.alive[last]
			p.alive = p.alive[:last]
		}
	}
	p.v = view{}
	return pl, nil
}

// take places task t on candidate ci: it records the placement in the plan
// and takes the task's resources from the candidate.
func (p *Planner) take(snap *Snapshot, sp *spec, pl *Plan, t int, ci int32) {
	c := &p.cands[ci]
	n := snap.nodes[c.pos]
	place := Placement{TaskIndex: t, InstanceARN: n.inst.ARN}
	if sp.req.TaskIDs != nil {
		place.TaskID = sp.req.TaskIDs[t]
	}
	if k := sp.need.GPUs; k > 0 {
		used := len(n.inst.Free.GPUs) - int(c.gpus)
		place.GPUIDs = append([]string(nil), n.inst.Free.GPUs[used:used+k]...)
	}
	pl.Placements = append(pl.Placements, place)
	c.cpu -= sp.need.CPU
	c.mem -= sp.need.Memory
	c.gpus -= int32(sp.need.GPUs)
	c.group++
	c.placed++
}

// maxSamples is how many instances sampling draws for one task before it
// gives up.
const maxSamples = 32

// planSampled places the tasks of a request whose only strategy is random
// by drawing instances (seeded) and taking the first one that passes the
// filters, instead of filtering every instance. It is rejection sampling,
// so each task still lands on an instance chosen uniformly among the
// feasible ones, as the full scan would choose it, but in O(1) when most
// instances are feasible: RunTask's default strategy on a big cluster.
// When maxSamples draws in a row fail for one task it returns false with
// nothing placed, and the caller plans with the full filter and scan
// (which also explains failures).
func (p *Planner) planSampled(snap *Snapshot, sp *spec, pl *Plan) bool {
	n := uint64(len(snap.nodes))
	p.cands = p.cands[:0]
	if p.touched == nil {
		p.touched = make(map[int32]int32)
	}
	clear(p.touched)
	for t := 0; t < sp.req.Count; t++ {
		ci := int32(-1)
		for try := uint64(0); try < maxSamples && ci < 0; try++ {
			pos := int32(mix(sp.req.Seed, uint64(t), try|1<<40) % n)
			nd := snap.nodes[pos]
			k, seen := p.touched[pos]
			if !seen {
				in := &nd.inst
				c := cand{cpu: in.Free.CPU, mem: in.Free.Memory, pos: pos,
					group: int32(in.TaskGroups[sp.req.Group]), gpus: int32(len(in.Free.GPUs))}
				if sp.stage(nd, c.cpu, c.mem, int(c.gpus), int(c.group), 0, &p.v) != stagePass {
					continue
				}
				k = int32(len(p.cands))
				p.cands = append(p.cands, c)
				p.touched[pos] = k
			} else {
				c := &p.cands[k]
				if sp.stage(nd, c.cpu, c.mem, int(c.gpus), int(c.group), int(c.placed), &p.v) != stagePass {
					continue
				}
			}
			ci = k
		}
		if ci < 0 {
			pl.Placements = pl.Placements[:0]
			return false
		}
		p.take(snap, sp, pl, t, ci)
	}
	return true
}

// setup collects the feasible candidates and the spread counters.
func (p *Planner) setup(snap *Snapshot, sp *spec) {
	p.cands = p.cands[:0]
	p.others = p.others[:0]
	group := sp.req.Group
	for i, n := range snap.nodes {
		in := &n.inst
		g := in.TaskGroups[group]
		if sp.stage(n, in.Free.CPU, in.Free.Memory, len(in.Free.GPUs), g, 0, &p.v) != stagePass {
			if g > 0 {
				p.others = append(p.others, posCount{int32(i), int32(g)})
			}
			continue
		}
		p.cands = append(p.cands, cand{
			cpu: in.Free.CPU, mem: in.Free.Memory, pos: int32(i),
			group: int32(g), gpus: int32(len(in.Free.GPUs)),
		})
	}
	for _, s := range sp.strats {
		if s.kind != stSpreadAttr {
			continue
		}
		k := s.slot
		if p.values[k] == nil {
			p.values[k] = make(map[string]int32)
		}
		clear(p.values[k])
		p.missing[k] = -1
		p.counts[k] = p.counts[k][:0]
		for ci := range p.cands {
			c := &p.cands[ci]
			c.slots[k] = p.bucket(k, s.attr, snap.nodes[c.pos], true)
			p.counts[k][c.slots[k]] += c.group
		}
		for _, o := range p.others {
			if b := p.bucket(k, s.attr, snap.nodes[o.pos], false); b >= 0 {
				p.counts[k][b] += o.n
			}
		}
	}
}

// bucket returns the spread bucket of node n's attribute value, creating it
// if asked (or -1).
func (p *Planner) bucket(k int, attr string, n *node, create bool) int32 {
	val, ok := n.inst.Attributes[attr]
	if !ok {
		if p.missing[k] < 0 && create {
			p.missing[k] = int32(len(p.counts[k]))
			p.counts[k] = append(p.counts[k], 0)
		}
		return p.missing[k]
	}
	b, found := p.values[k][val]
	if !found {
		if !create {
			return -1
		}
		b = int32(len(p.counts[k]))
		p.values[k][val] = b
		p.counts[k] = append(p.counts[k], 0)
	}
	return b
}

// key returns a candidate's score for a strategy: lower is better.
func (p *Planner) key(sp *spec, s *strat, c *cand, task int) int64 {
	switch s.kind {
	case stSpreadAttr:
		return int64(p.counts[s.slot][c.slots[s.slot]])
	case stSpreadInstance:
		return int64(c.group)
	case stBinpackCPU:
		return c.cpu
	case stBinpackMemory:
		return c.mem
	}
	return int64(mix(sp.req.Seed, uint64(task), uint64(c.pos)) >> 1)
}

// mix is splitmix64 over the seed, the task and the instance: a random
// strategy key that needs no state and no allocation.
func mix(seed, task, pos uint64) uint64 {
	z := seed ^ task*0x9e3779b97f4a7c15 ^ pos*0xbf58476d1ce4e5b9
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// chooseScan compares every feasible candidate, strategy by strategy,
// lazily: the next key is computed only on a tie. It returns the candidate
// and its index in alive, or -1.
func (p *Planner) chooseScan(sp *spec, task int) (int32, int32) {
	best, bestAt := int32(-1), int32(-1)
	var bk [MaxStrategies]int64
	ns := len(sp.strats)
	for at, ci := range p.alive {
		c := &p.cands[ci]
		if best >= 0 {
			worse, decided := false, false
			for k := 0; k < ns; k++ {
				if v := p.key(sp, &sp.strats[k], c, task); v != bk[k] {
					worse, decided = v > bk[k], true
					break
				}
			}
			if !decided {
				worse = c.pos > p.cands[best].pos
			}
			if worse {
				continue
			}
		}
		best, bestAt = ci, int32(at)
		for k := 0; k < ns; k++ {
			bk[k] = p.key(sp, &sp.strats[k], c, task)
		}
	}
	return best, bestAt
}

// less orders candidates by the instance-local strategies, then by
// registration order.
func less(local []strat, a, b *cand) bool {
	for i := range local {
		var x, y int64
		switch local[i].kind {
		case stSpreadInstance:
			x, y = int64(a.group), int64(b.group)
		case stBinpackCPU:
			x, y = a.cpu, b.cpu
		case stBinpackMemory:
			x, y = a.mem, b.mem
		}
		if x != y {
			return x < y
		}
	}
	return a.pos < b.pos
}

// buildHeaps puts each candidate in the heap of its lead spread bucket
// (one heap when there is no leading spread).
func (p *Planner) buildHeaps(lead int, local []strat) {
	nb := 1
	if lead >= 0 {
		nb = len(p.counts[lead])
	}
	p.hstart = resize(p.hstart, nb)
	p.hlen = resize(p.hlen, nb)
	clear(p.hlen)
	bucketOf := func(c *cand) int32 {
		if lead < 0 {
			return 0
		}
		return c.slots[lead]
	}
	for ci := range p.cands {
		p.hlen[bucketOf(&p.cands[ci])]++
	}
	off := int32(0)
	for b := range nb {
		p.hstart[b] = off
		off += p.hlen[b]
		p.hlen[b] = 0
	}
	p.heap = resize(p.heap, len(p.cands))
	for ci := range p.cands {
		b := bucketOf(&p.cands[ci])
		p.heap[p.hstart[b]+p.hlen[b]] = int32(ci)
		p.hlen[b]++
	}
	for b := range nb {
		for i := p.hlen[b]/2 - 1; i >= 0; i-- {
			p.siftDown(int32(b), i, local)
		}
	}
}

func resize(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

func (p *Planner) siftDown(b, i int32, local []strat) {
	h := p.heap[p.hstart[b] : p.hstart[b]+p.hlen[b]]
	n := int32(len(h))
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && less(local, &p.cands[h[r]], &p.cands[h[l]]) {
			m = r
		}
		if !less(local, &p.cands[h[m]], &p.cands[h[i]]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

func (p *Planner) popRoot(b int32, local []strat) {
	s, n := p.hstart[b], p.hlen[b]
	p.heap[s] = p.heap[s+n-1]
	p.hlen[b]--
	p.siftDown(b, 0, local)
}

// chooseIndexed returns the best candidate and its bucket, or -1: the
// bucket with the fewest tasks of the group (when spread leads), ties
// broken by the heap tops.
func (p *Planner) chooseIndexed(lead int, local []strat) (int32, int32) {
	best := int32(-1)
	for b := range int32(len(p.hlen)) {
		if p.hlen[b] == 0 {
			continue
		}
		if best >= 0 {
			if lead >= 0 {
				cb, cbest := p.counts[lead][b], p.counts[lead][best]
				if cb != cbest {
					if cb < cbest {
						best = b
					}
					continue
				}
			}
			if !less(local, &p.cands[p.heap[p.hstart[b]]], &p.cands[p.heap[p.hstart[best]]]) {
				continue
			}
		}
		best = b
	}
	if best < 0 {
		return -1, -1
	}
	return p.heap[p.hstart[best]], best
}

// failure explains why no instance can take one more task; see Failure
// for how the reason is chosen.
func (p *Planner) failure(snap *Snapshot, sp *spec) Failure {
	local := make([]int32, len(snap.nodes))
	for i := range local {
		local[i] = -1
	}
	for ci := range p.cands {
		local[p.cands[ci].pos] = int32(ci)
	}
	var counts [numStages]int
	deepest, arn := -1, ""
	for i, n := range snap.nodes {
		in := &n.inst
		var st int
		if ci := local[i]; ci >= 0 {
			c := &p.cands[ci]
			st = sp.stage(n, c.cpu, c.mem, int(c.gpus), int(c.group), int(c.placed), &p.v)
		} else {
			st = sp.stage(n, in.Free.CPU, in.Free.Memory, len(in.Free.GPUs), in.TaskGroups[sp.req.Group], 0, &p.v)
		}
		counts[st]++
		if st > deepest {
			deepest, arn = st, in.ARN
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d container instances considered:", len(snap.nodes))
	sep := " "
	for st, c := range counts {
		if c > 0 && st != stagePass {
			fmt.Fprintf(&b, "%s%d %s", sep, c, strings.TrimSuffix(string(stageReason(st)), "."))
			sep = ", "
		}
	}
	return Failure{ARN: arn, Reason: stageReason(deepest), Detail: b.String()}
}
