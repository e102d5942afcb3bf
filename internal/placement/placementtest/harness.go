package placementtest

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/placement"
)

// ARNPrefix is the ARN prefix of built instances; instance i is
// ARNPrefix + fmt.Sprintf("%05d", i).
const ARNPrefix = "arn:aws:ecs:us-east-1:123456789012:container-instance/default/"

// ARN returns the ARN of the i-th built instance.
func ARN(i int) string { return fmt.Sprintf("%s%05d", ARNPrefix, i) }

// Option adjusts the i-th instance of a batch (i counts within the batch).
type Option func(i int, in *placement.Instance)

// Builder builds container instances for tests.
type Builder struct {
	insts []placement.Instance
	epoch time.Time
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{epoch: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// Add adds n ACTIVE, connected instances with 4096 CPU units and 8192 MiB
// free, in us-east-1a, of type m5.large, then applies opts to each.
func (b *Builder) Add(n int, opts ...Option) *Builder {
	for i := range n {
		k := len(b.insts)
		in := placement.Instance{
			ARN:            ARN(k),
			EC2InstanceID:  fmt.Sprintf("i-%017x", k),
			Status:         placement.StatusActive,
			AgentConnected: true,
			AgentVersion:   "1.80.0",
			RegisteredAt:   b.epoch.Add(time.Duration(k) * time.Minute),
			Attributes: map[string]string{
				"ecs.availability-zone": "us-east-1a",
				"ecs.instance-type":     "m5.large",
				"ecs.os-type":           "linux",
			},
			Free:       placement.Free{CPU: 4096, Memory: 8192},
			TaskGroups: map[string]int{},
		}
		for _, o := range opts {
			o(i, &in)
		}
		b.insts = append(b.insts, in)
	}
	return b
}

// Instances returns copies of the built instances.
func (b *Builder) Instances() []placement.Instance {
	out := make([]placement.Instance, len(b.insts))
	for i, in := range b.insts {
		in.Attributes = maps.Clone(in.Attributes)
		in.TaskGroups = maps.Clone(in.TaskGroups)
		in.Free.TCPPorts = slices.Clone(in.Free.TCPPorts)
		in.Free.UDPPorts = slices.Clone(in.Free.UDPPorts)
		in.Free.GPUs = slices.Clone(in.Free.GPUs)
		out[i] = in
	}
	return out
}

// Snapshot returns a snapshot of the built instances.
func (b *Builder) Snapshot(t testing.TB) *placement.Snapshot {
	t.Helper()
	s, err := placement.NewSnapshot(b.Instances())
	if err != nil {
		t.Fatalf("NewSnapshot: %v", err)
	}
	return s
}

// State returns a placement.State holding the built instances.
func (b *Builder) State(t testing.TB) *placement.State {
	t.Helper()
	s := placement.NewState()
	for _, in := range b.Instances() {
		if err := s.AddInstance(in); err != nil {
			t.Fatalf("AddInstance(%s): %v", in.ARN, err)
		}
	}
	return s
}

// Zones spreads a batch round-robin over availability zones.
func Zones(zones ...string) Option {
	return func(i int, in *placement.Instance) {
		in.Attributes["ecs.availability-zone"] = zones[i%len(zones)]
	}
}

// Attr sets an attribute.
func Attr(name, value string) Option {
	return func(_ int, in *placement.Instance) { in.Attributes[name] = value }
}

// NoAttr removes an attribute.
func NoAttr(name string) Option {
	return func(_ int, in *placement.Instance) { delete(in.Attributes, name) }
}

// Type sets ecs.instance-type.
func Type(t string) Option { return Attr("ecs.instance-type", t) }

// Free sets the free CPU units and MiB.
func Free(cpu, memory int64) Option {
	return func(_ int, in *placement.Instance) { in.Free.CPU, in.Free.Memory = cpu, memory }
}

// FreeMemory sets the free MiB of the i-th instance of the batch to
// memory[i].
func FreeMemory(memory ...int64) Option {
	return func(i int, in *placement.Instance) { in.Free.Memory = memory[i%len(memory)] }
}

// Ports reserves TCP host ports.
func Ports(ports ...uint16) Option {
	return func(_ int, in *placement.Instance) { in.Free.TCPPorts = append(in.Free.TCPPorts, ports...) }
}

// UDPPorts reserves UDP host ports.
func UDPPorts(ports ...uint16) Option {
	return func(_ int, in *placement.Instance) { in.Free.UDPPorts = append(in.Free.UDPPorts, ports...) }
}

// GPUs gives the instance n free GPUs.
func GPUs(n int) Option {
	return func(_ int, in *placement.Instance) {
		for g := range n {
			in.Free.GPUs = append(in.Free.GPUs, fmt.Sprintf("GPU-%d", g))
		}
	}
}

// Draining marks the instances DRAINING.
func Draining() Option {
	return func(_ int, in *placement.Instance) { in.Status = placement.StatusDraining }
}

// Disconnected marks the agents disconnected.
func Disconnected() Option {
	return func(_ int, in *placement.Instance) { in.AgentConnected = false }
}

// Tasks records n running tasks of a group on each instance.
func Tasks(group string, n int) Option {
	return func(_ int, in *placement.Instance) {
		in.TaskGroups[group] += n
		in.RunningTasks += n
	}
}

// PendingTasks records n tasks of a group on each instance that are not
// RUNNING yet (they count in TaskGroups, not in RunningTasks).
func PendingTasks(group string, n int) Option {
	return func(_ int, in *placement.Instance) { in.TaskGroups[group] += n }
}

// AgentVersion sets the agent version.
func AgentVersion(v string) Option {
	return func(_ int, in *placement.Instance) { in.AgentVersion = v }
}

// Recorder is a placement.Committer that records every plan and result
// and delegates to a State.
type Recorder struct {
	State *placement.State

	mu      sync.Mutex
	plans   []*placement.Plan
	results []*placement.Result
}

var _ placement.Committer = (*Recorder)(nil)

// Apply records the plan, commits it to the State and records the result.
func (r *Recorder) Apply(p *placement.Plan) (*placement.Result, error) {
	res, err := r.State.Apply(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.plans = append(r.plans, p)
	if err == nil {
		r.results = append(r.results, res)
	}
	return res, err
}

// Plans returns the recorded plans.
func (r *Recorder) Plans() []*placement.Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.plans)
}

// Results returns the recorded results.
func (r *Recorder) Results() []*placement.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.results)
}

// Harness runs requests against an in-memory cluster.
type Harness struct {
	T        testing.TB
	State    *placement.State
	Recorder *Recorder
	Planner  *placement.Planner
}

// NewHarness returns a harness over the built instances.
func NewHarness(t testing.TB, b *Builder) *Harness {
	t.Helper()
	s := b.State(t)
	return &Harness{T: t, State: s, Recorder: &Recorder{State: s}, Planner: placement.NewPlanner()}
}

// Run plans req against a snapshot, commits the plan through the Recorder
// and returns the result; errors fail the test.
func (h *Harness) Run(req placement.Request) *placement.Result {
	h.T.Helper()
	res, err := h.TryRun(req)
	if err != nil {
		h.T.Fatalf("Run(%+v): %v", req, err)
	}
	return res
}

// TryRun is Run returning the error.
func (h *Harness) TryRun(req placement.Request) (*placement.Result, error) {
	plan, err := h.Planner.Plan(h.State.Snapshot(), req)
	if err != nil {
		return nil, err
	}
	return h.Recorder.Apply(plan)
}

// PerAttribute counts a result's placements per value of an instance
// attribute ("" for instances without it).
func (h *Harness) PerAttribute(res *placement.Result, attr string) map[string]int {
	out := map[string]int{}
	for _, p := range res.Placements {
		in, ok := h.State.Instance(p.InstanceARN)
		if !ok {
			h.T.Fatalf("placement on unknown instance %s", p.InstanceARN)
		}
		out[in.Attributes[attr]]++
	}
	return out
}

// PerInstance counts a result's placements per instance ARN.
func PerInstance(res *placement.Result) map[string]int {
	out := map[string]int{}
	for _, p := range res.Placements {
		out[p.InstanceARN]++
	}
	return out
}

// ARNs returns the instance ARNs of a result's placements, in task order.
func ARNs(res *placement.Result) []string {
	out := make([]string, len(res.Placements))
	for i, p := range res.Placements {
		out[i] = p.InstanceARN
	}
	return out
}
