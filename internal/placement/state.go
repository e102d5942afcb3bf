package placement

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
)

// Committer commits plans. *State implements it; test harnesses wrap it
// to record plans.
type Committer interface {
	// Apply re-checks a plan against the current state and commits it.
	Apply(p *Plan) (*Result, error)
}

// Snapshotter hands out snapshots to plan against. *State implements it.
type Snapshotter interface {
	// Snapshot returns an immutable view of the current instances.
	Snapshot() *Snapshot
}

var (
	_ Committer   = (*State)(nil)
	_ Snapshotter = (*State)(nil)
)

// allocation is what a committed task holds.
type allocation struct {
	arn     string
	group   string
	need    Need
	gpus    []string
	running bool // counted in the instance's RunningTasks (MarkRunning)
}

// State is the in-memory cluster state the control plane holds: container
// instances with what is left of their resources, and the tasks placed on
// them. It is safe for concurrent use.
//
// Planning happens outside the lock on an immutable Snapshot; Apply
// serialises commits, re-checking every placement against the current
// state, so concurrent callers never overcommit an instance:
//
//	caller A ─Snapshot()─▶ Plan (no lock) ─┐
//	caller B ─Snapshot()─▶ Plan (no lock) ─┤
//	                                       ▼
//	                 Apply (mutex): for each placement
//	                   still fits? ── yes ─▶ commit (resources, ports,
//	                      │                  GPUs, group counts)
//	                      no
//	                      ▼
//	                 re-plan those tasks against the current state,
//	                 still under the mutex, and commit or fail them
//
// Snapshots are copy-on-write: a node reachable from a published snapshot
// is cloned before it changes, so taking a snapshot is O(1) when nothing
// changed and a pointer copy otherwise. Place, what RunTask uses, plans
// and commits under the lock in one step and publishes no snapshot, so it
// copies nothing.
type State struct {
	mu        sync.Mutex
	nodes     []*node
	byARN     map[string]int
	published bool   // nodes slice is shared with a snapshot
	gen       uint64 // nodes with this gen are private to the state
	version   uint64
	snap      *Snapshot
	tasks     map[string]allocation
	seq       uint64
	planners  sync.Pool
}

// NewState returns an empty cluster state.
func NewState() *State {
	return &State{
		byARN: make(map[string]int),
		tasks: make(map[string]allocation),
		gen:   1,
	}
}

// Snapshot returns an immutable view of the instances.
func (s *State) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *State) snapshotLocked() *Snapshot {
	if s.snap == nil {
		s.snap = &Snapshot{nodes: s.nodes, version: s.version}
		s.published = true
		s.gen++
	}
	return s.snap
}

// changed records a change to the instances.
func (s *State) changed() {
	s.snap = nil
	s.version++
	if s.published {
		s.nodes = slices.Clone(s.nodes)
		s.published = false
	}
}

// mutable returns node i, cloned first if a snapshot may hold it.
func (s *State) mutable(i int) *node {
	s.changed()
	n := s.nodes[i]
	if n.gen != s.gen {
		n = n.clone()
		n.gen = s.gen
		s.nodes[i] = n
	}
	return n
}

func (s *State) find(arn string) (int, error) {
	i, ok := s.byARN[arn]
	if !ok {
		return 0, fmt.Errorf("container instance %s: %w", arn, ErrNotFound)
	}
	return i, nil
}

// AddInstance registers a container instance; Free is what it offers.
func (s *State) AddInstance(in Instance) error {
	n, err := newNode(in)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byARN[in.ARN]; ok {
		return fmt.Errorf("container instance %s: %w", in.ARN, ErrExists)
	}
	s.changed()
	n.gen = s.gen
	s.byARN[in.ARN] = len(s.nodes)
	s.nodes = append(s.nodes, n)
	return nil
}

// RemoveInstance deregisters a container instance and forgets the tasks
// placed on it, returning their ids.
func (s *State) RemoveInstance(arn string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.find(arn)
	if err != nil {
		return nil, err
	}
	s.changed()
	s.nodes = slices.Delete(s.nodes, i, i+1)
	delete(s.byARN, arn)
	for j := i; j < len(s.nodes); j++ {
		s.byARN[s.nodes[j].inst.ARN] = j
	}
	var ids []string
	for id, a := range s.tasks {
		if a.arn == arn {
			ids = append(ids, id)
			delete(s.tasks, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// SetStatus sets an instance ACTIVE or DRAINING.
func (s *State) SetStatus(arn string, st Status) error {
	if st != StatusActive && st != StatusDraining {
		return fmt.Errorf("status %q is not ACTIVE or DRAINING: %w", st, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.find(arn)
	if err != nil {
		return err
	}
	s.mutable(i).inst.Status = st
	return nil
}

// SetAgentConnected records whether an instance's agent is connected.
func (s *State) SetAgentConnected(arn string, connected bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.find(arn)
	if err != nil {
		return err
	}
	s.mutable(i).inst.AgentConnected = connected
	return nil
}

// PutAttributes sets attributes on an instance (PutAttributes).
func (s *State) PutAttributes(arn string, attrs map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.find(arn)
	if err != nil {
		return err
	}
	n := s.mutable(i)
	m := maps.Clone(n.inst.Attributes) // attribute maps are shared, never changed in place
	if m == nil {
		m = make(map[string]string, len(attrs))
	}
	maps.Copy(m, attrs)
	n.inst.Attributes = m
	return nil
}

// DeleteAttributes removes attributes from an instance (DeleteAttributes).
func (s *State) DeleteAttributes(arn string, names ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.find(arn)
	if err != nil {
		return err
	}
	n := s.mutable(i)
	m := maps.Clone(n.inst.Attributes)
	for _, name := range names {
		delete(m, name)
	}
	n.inst.Attributes = m
	return nil
}

// Instance returns a copy of an instance as it is now.
func (s *State) Instance(arn string) (Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byARN[arn]
	if !ok {
		return Instance{}, false
	}
	return s.nodes[i].export(), true
}

// Instances returns copies of all instances in registration order.
func (s *State) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Instance, len(s.nodes))
	for i, n := range s.nodes {
		out[i] = n.export()
	}
	return out
}

// Len returns the number of instances.
func (s *State) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.nodes)
}

// TaskInstance returns the ARN of the instance a task was placed on.
func (s *State) TaskInstance(taskID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.tasks[taskID]
	return a.arn, ok
}

// Place plans a request against the current state and commits the plan,
// both under the lock: what RunTask does. Planning under the lock
// publishes no snapshot, so the commit copies nothing (after a snapshot,
// the next change copies the instance list and each node it touches).
// Callers that want to plan without holding the lock use Snapshot, a
// Planner and Apply.
func (s *State) Place(req Request) (*Result, error) {
	sp, err := compile(req)
	if err != nil {
		return nil, err
	}
	p, _ := s.planners.Get().(*Planner)
	if p == nil {
		p = NewPlanner()
	}
	defer s.planners.Put(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkTaskIDs(sp); err != nil {
		return nil, err
	}
	// The nodes do not change while the lock is held, so they can be
	// planned against in place.
	plan, err := p.plan(&Snapshot{nodes: s.nodes, version: s.version}, sp)
	if err != nil {
		return nil, err
	}
	return s.applyLocked(plan)
}

// checkTaskIDs refuses task ids already committed; callers hold s.mu.
func (s *State) checkTaskIDs(sp *spec) error {
	for _, id := range sp.req.TaskIDs {
		if _, ok := s.tasks[id]; ok {
			return fmt.Errorf("task %s: %w", id, ErrExists)
		}
	}
	return nil
}

// Apply commits a plan made by a Planner from one of this state's
// snapshots (or any snapshot with the same instances). Each placement is
// re-checked against the current state: status, agent, required
// attributes, CPU, memory, ports, GPUs, memberOf and distinctInstance.
// Placements that no longer fit, and tasks the plan could not place, are
// planned again against the current state under the lock and committed or
// reported as failures. Task ids already committed give ErrExists and
// nothing is committed.
func (s *State) Apply(plan *Plan) (*Result, error) {
	if plan == nil || plan.spec == nil {
		return nil, fmt.Errorf("plan not made by a Planner: %w", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkTaskIDs(plan.spec); err != nil {
		return nil, err
	}
	return s.applyLocked(plan)
}

// applyLocked is Apply; callers hold s.mu and have checked the task ids.
func (s *State) applyLocked(plan *Plan) (*Result, error) {
	sp := plan.spec
	ids := make([]string, sp.req.Count)
	for t := range ids {
		if sp.req.TaskIDs != nil {
			ids[t] = sp.req.TaskIDs[t]
		} else {
			s.seq++
			ids[t] = fmt.Sprintf("task-%d", s.seq)
		}
	}
	res := &Result{}
	var retry []int
	for _, pl := range plan.Placements {
		i, ok := s.byARN[pl.InstanceARN]
		if !ok || !s.fits(i, sp) {
			retry = append(retry, pl.TaskIndex)
			continue
		}
		res.Placements = append(res.Placements, s.commit(i, sp, pl.TaskIndex, ids[pl.TaskIndex]))
	}
	res.Replanned = len(retry)
	for _, f := range plan.Failures {
		retry = append(retry, f.TaskIndex)
	}
	if len(retry) > 0 && len(s.nodes) > 0 {
		sort.Ints(retry)
		sub := *sp
		sub.req.Count = len(retry)
		sub.req.TaskIDs = nil
		p, _ := s.planners.Get().(*Planner)
		if p == nil {
			p = NewPlanner()
		}
		// The nodes do not change while the lock is held, so they can be
		// planned against in place.
		again, err := p.plan(&Snapshot{nodes: s.nodes, version: s.version}, &sub)
		s.planners.Put(p)
		if err != nil {
			return nil, err
		}
		for _, pl := range again.Placements {
			t := retry[pl.TaskIndex]
			i := s.byARN[pl.InstanceARN]
			if !s.fits(i, sp) { // cannot happen: planned under the lock
				return nil, fmt.Errorf("re-planned task %d does not fit %s", t, pl.InstanceARN)
			}
			res.Placements = append(res.Placements, s.commit(i, sp, t, ids[t]))
		}
		for _, f := range again.Failures {
			f.TaskIndex = retry[f.TaskIndex]
			res.Failures = append(res.Failures, f)
		}
	} else if len(retry) > 0 {
		return nil, ErrNoInstances // every instance was removed since the snapshot
	}
	slices.SortFunc(res.Placements, func(a, b Placement) int { return a.TaskIndex - b.TaskIndex })
	slices.SortFunc(res.Failures, func(a, b Failure) int { return a.TaskIndex - b.TaskIndex })
	return res, nil
}

// fits re-checks one more task of sp on node i against the current state.
func (s *State) fits(i int, sp *spec) bool {
	n := s.nodes[i]
	in := &n.inst
	var v view
	return sp.stage(n, in.Free.CPU, in.Free.Memory, len(in.Free.GPUs), in.TaskGroups[sp.req.Group], 0, &v) == stagePass
}

// commit records a task on node i.
func (s *State) commit(i int, sp *spec, t int, id string) Placement {
	n := s.mutable(i)
	in := &n.inst
	in.Free.CPU -= sp.need.CPU
	in.Free.Memory -= sp.need.Memory
	in.Free.TCPPorts = addPorts(in.Free.TCPPorts, sp.need.TCPPorts)
	in.Free.UDPPorts = addPorts(in.Free.UDPPorts, sp.need.UDPPorts)
	var gpus []string
	if k := sp.need.GPUs; k > 0 {
		gpus = slices.Clone(in.Free.GPUs[:k])
		in.Free.GPUs = slices.Delete(in.Free.GPUs, 0, k)
	}
	in.TaskGroups[sp.req.Group]++
	s.tasks[id] = allocation{arn: in.ARN, group: sp.req.Group, need: sp.need, gpus: gpus}
	return Placement{TaskIndex: t, TaskID: id, InstanceARN: in.ARN, GPUIDs: gpus}
}

// Reserve records a task that is already on an instance (a control plane
// adopting its tasks after a restart). It is a fact, not a request: it is
// recorded even if it overcommits the instance. Like a placed task it
// counts as PENDING until MarkRunning.
func (s *State) Reserve(taskID, arn, group string, need Need, gpuIDs []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tasks[taskID]; ok {
		return fmt.Errorf("task %s: %w", taskID, ErrExists)
	}
	i, err := s.find(arn)
	if err != nil {
		return err
	}
	n := s.mutable(i)
	in := &n.inst
	in.Free.CPU -= need.CPU
	in.Free.Memory -= need.Memory
	need.TCPPorts = sortedPorts(need.TCPPorts)
	need.UDPPorts = sortedPorts(need.UDPPorts)
	in.Free.TCPPorts = addPorts(in.Free.TCPPorts, need.TCPPorts)
	in.Free.UDPPorts = addPorts(in.Free.UDPPorts, need.UDPPorts)
	in.Free.GPUs = slices.DeleteFunc(in.Free.GPUs, func(g string) bool { return slices.Contains(gpuIDs, g) })
	in.TaskGroups[group]++
	s.tasks[taskID] = allocation{arn: arn, group: group, need: need, gpus: slices.Clone(gpuIDs)}
	return nil
}

// MarkRunning records that a placed or reserved task reached RUNNING: from
// now on it counts in its instance's RunningTasks (runningTasksCount) until
// Release. Marking a task twice changes nothing; a task the state does not
// hold (never placed, or released) answers ErrNotFound.
func (s *State) MarkRunning(taskID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.tasks[taskID]
	if !ok {
		return fmt.Errorf("task %s: %w", taskID, ErrNotFound)
	}
	if a.running {
		return nil
	}
	a.running = true
	s.tasks[taskID] = a
	if i, ok := s.byARN[a.arn]; ok {
		s.mutable(i).inst.RunningTasks++
	}
	return nil
}

// Release frees what a stopped task held (ECS counts a stopping task's
// resources as free at once) and returns the instance it ran on. A task
// whose instance was removed is forgotten.
func (s *State) Release(taskID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.tasks[taskID]
	if !ok {
		return "", fmt.Errorf("task %s: %w", taskID, ErrNotFound)
	}
	delete(s.tasks, taskID)
	i, ok := s.byARN[a.arn]
	if !ok {
		return a.arn, nil
	}
	n := s.mutable(i)
	in := &n.inst
	in.Free.CPU += a.need.CPU
	in.Free.Memory += a.need.Memory
	in.Free.TCPPorts = removePorts(in.Free.TCPPorts, a.need.TCPPorts)
	in.Free.UDPPorts = removePorts(in.Free.UDPPorts, a.need.UDPPorts)
	in.Free.GPUs = append(in.Free.GPUs, a.gpus...)
	slices.Sort(in.Free.GPUs)
	if in.TaskGroups[a.group]--; in.TaskGroups[a.group] <= 0 {
		delete(in.TaskGroups, a.group)
	}
	if a.running {
		in.RunningTasks = max(in.RunningTasks-1, 0)
	}
	return a.arn, nil
}

func addPorts(have, add []uint16) []uint16 {
	if len(add) == 0 {
		return have
	}
	have = append(have, add...)
	slices.Sort(have)
	return slices.Compact(have)
}

func removePorts(have, rm []uint16) []uint16 {
	if len(rm) == 0 {
		return have
	}
	return slices.DeleteFunc(have, func(p uint16) bool { _, ok := slices.BinarySearch(rm, p); return ok })
}
