package placement

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/ecsrun/ecsrun/internal/placement/query"
)

// node is the placement-side record of one instance. Nodes reachable from
// a Snapshot are immutable; State clones a node before changing it.
type node struct {
	inst Instance // owned copy: sorted ports, private maps and slices
	gen  uint64   // State generation that may still mutate the node
}

func newNode(in Instance) (*node, error) {
	if in.ARN == "" {
		return nil, fmt.Errorf("container instance without an ARN: %w", ErrInvalid)
	}
	switch in.Status {
	case "":
		in.Status = StatusActive
	case StatusActive, StatusDraining:
	default:
		return nil, fmt.Errorf("container instance %s: status %q is not ACTIVE or DRAINING: %w", in.ARN, in.Status, ErrInvalid)
	}
	n := &node{inst: in}
	n.inst.Attributes = maps.Clone(in.Attributes)
	n.inst.TaskGroups = make(map[string]int, len(in.TaskGroups))
	for g, c := range in.TaskGroups {
		if c > 0 {
			n.inst.TaskGroups[g] = c
		}
	}
	n.inst.RunningTasks = max(in.RunningTasks, 0)
	n.inst.Free.TCPPorts = sortedPorts(in.Free.TCPPorts)
	n.inst.Free.UDPPorts = sortedPorts(in.Free.UDPPorts)
	n.inst.Free.GPUs = slices.Clone(in.Free.GPUs)
	return n, nil
}

func sortedPorts(p []uint16) []uint16 {
	p = slices.Clone(p)
	slices.Sort(p)
	return slices.Compact(p)
}

// clone returns a private deep copy (attributes are replaced, never
// changed in place, so they are shared).
func (n *node) clone() *node {
	c := &node{inst: n.inst}
	c.inst.TaskGroups = maps.Clone(n.inst.TaskGroups)
	c.inst.Free.TCPPorts = slices.Clone(n.inst.Free.TCPPorts)
	c.inst.Free.UDPPorts = slices.Clone(n.inst.Free.UDPPorts)
	c.inst.Free.GPUs = slices.Clone(n.inst.Free.GPUs)
	return c
}

// export returns a deep copy for callers.
func (n *node) export() Instance {
	in := n.inst
	in.Attributes = maps.Clone(n.inst.Attributes)
	in.TaskGroups = maps.Clone(n.inst.TaskGroups)
	in.Free.TCPPorts = slices.Clone(n.inst.Free.TCPPorts)
	in.Free.UDPPorts = slices.Clone(n.inst.Free.UDPPorts)
	in.Free.GPUs = slices.Clone(n.inst.Free.GPUs)
	return in
}

// Snapshot is an immutable view of a cluster's container instances, in
// registration order. Plans are computed from snapshots without locks.
type Snapshot struct {
	nodes   []*node
	version uint64
}

// NewSnapshot builds a snapshot from instances (copied), in the given
// order. ARNs must be unique.
func NewSnapshot(instances []Instance) (*Snapshot, error) {
	s := &Snapshot{nodes: make([]*node, 0, len(instances))}
	seen := make(map[string]bool, len(instances))
	for _, in := range instances {
		if seen[in.ARN] {
			return nil, fmt.Errorf("container instance %s: %w", in.ARN, ErrExists)
		}
		seen[in.ARN] = true
		n, err := newNode(in)
		if err != nil {
			return nil, err
		}
		s.nodes = append(s.nodes, n)
	}
	return s, nil
}

// Len returns the number of instances.
func (s *Snapshot) Len() int { return len(s.nodes) }

// Instance returns a copy of the i-th instance.
func (s *Snapshot) Instance(i int) Instance { return s.nodes[i].export() }

// Version returns the State version the snapshot was taken at (0 for
// snapshots built with NewSnapshot).
func (s *Snapshot) Version() uint64 { return s.version }

// view presents a node, plus the tasks of the request's group placed on it
// earlier in the same plan, to the query language. Those tasks are PENDING:
// they count for task:group, not for runningTasksCount.
type view struct {
	n     *node
	group string
	extra int
}

var _ query.Instance = (*view)(nil)

func (v *view) AgentConnected() bool { return v.n.inst.AgentConnected }
func (v *view) AgentVersion() string { return v.n.inst.AgentVersion }
func (v *view) Attribute(name string) (string, bool) {
	s, ok := v.n.inst.Attributes[name]
	return s, ok
}
func (v *view) EC2InstanceID() string   { return v.n.inst.EC2InstanceID }
func (v *view) RegisteredAt() time.Time { return v.n.inst.RegisteredAt }
func (v *view) RunningTasksCount() int  { return v.n.inst.RunningTasks }
func (v *view) AnyTaskGroup(m query.Matcher) bool {
	if v.extra > 0 && m.MatchString(v.group) {
		return true
	}
	for g, c := range v.n.inst.TaskGroups {
		if c > 0 && m.MatchString(g) {
			return true
		}
	}
	return false
}
