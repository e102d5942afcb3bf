package placement_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/placement"
	pt "github.com/ecsrun/ecsrun/internal/placement/placementtest"
	"github.com/ecsrun/ecsrun/internal/placement/query"
)

func arns(idx ...int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = pt.ARN(k)
	}
	return out
}

func spread(field string) placement.Strategy {
	return placement.Strategy{Type: placement.Spread, Field: field}
}

func binpack(field string) placement.Strategy {
	return placement.Strategy{Type: placement.Binpack, Field: field}
}

func memberOf(expr string) placement.Constraint {
	return placement.Constraint{Type: placement.MemberOf, Expression: expr}
}

var distinct = placement.Constraint{Type: placement.DistinctInstance}

func need(cpu, mem int64) placement.Need { return placement.Need{CPU: cpu, Memory: mem} }

// TestPlanner_Placements runs one request per case through the harness
// and checks where each task went, in task order.
func TestPlanner_Placements(t *testing.T) {
	tests := []struct {
		name  string
		build func(b *pt.Builder)
		req   placement.Request
		want  []int // instance index per placed task
		fails int
	}{
		{
			name:  "no strategy fills the first registered instance",
			build: func(b *pt.Builder) { b.Add(3, pt.Free(1024, 1024)) },
			req:   placement.Request{Group: "g", Count: 3, Need: need(256, 256)},
			want:  []int{0, 0, 0},
		},
		{
			name:  "binpack memory fills the fullest instance first",
			build: func(b *pt.Builder) { b.Add(3, pt.FreeMemory(4096, 1024, 2048)) },
			req:   placement.Request{Group: "g", Count: 5, Need: need(0, 512), Strategies: []placement.Strategy{binpack("memory")}},
			want:  []int{1, 1, 2, 2, 2},
		},
		{
			name: "binpack cpu",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Free(2048, 8192)).Add(1, pt.Free(512, 8192)).Add(1, pt.Free(1024, 8192))
			},
			req:  placement.Request{Group: "g", Count: 3, Need: need(512, 0), Strategies: []placement.Strategy{binpack("cpu")}},
			want: []int{1, 2, 2},
		},
		{
			name:  "spread instanceId round-robins",
			build: func(b *pt.Builder) { b.Add(3) },
			req:   placement.Request{Group: "g", Count: 6, Need: need(1, 1), Strategies: []placement.Strategy{spread("instanceId")}},
			want:  []int{0, 1, 2, 0, 1, 2},
		},
		{
			name:  "spread host is spread instanceId",
			build: func(b *pt.Builder) { b.Add(2) },
			req:   placement.Request{Group: "g", Count: 3, Need: need(1, 1), Strategies: []placement.Strategy{spread("host")}},
			want:  []int{0, 1, 0},
		},
		{
			name: "spread instanceId counts running tasks of the group only",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Tasks("g", 2)).Add(1, pt.Tasks("other", 5)).Add(1, pt.Tasks("g", 1))
			},
			req:  placement.Request{Group: "g", Count: 3, Need: need(1, 1), Strategies: []placement.Strategy{spread("instanceId")}},
			want: []int{1, 1, 2},
		},
		{
			name: "spread zone then binpack memory breaks zone ties by memory",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Zones("a"), pt.FreeMemory(4096)).
					Add(1, pt.Zones("a"), pt.FreeMemory(1024)).
					Add(1, pt.Zones("b"), pt.FreeMemory(2048)).
					Add(1, pt.Zones("b"), pt.FreeMemory(512))
			},
			req: placement.Request{Group: "g", Count: 4, Need: need(0, 256),
				Strategies: []placement.Strategy{spread("attribute:ecs.availability-zone"), binpack("memory")}},
			want: []int{3, 1, 3, 1},
		},
		{
			name: "binpack memory then spread instanceId breaks memory ties by task count",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Tasks("g", 1)).Add(1).Add(1, pt.FreeMemory(16384))
			},
			req: placement.Request{Group: "g", Count: 1, Need: need(0, 256),
				Strategies: []placement.Strategy{binpack("memory"), spread("instanceId")}},
			want: []int{1},
		},
		{
			name: "spread zone, spread instanceId, binpack memory",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Zones("a"), pt.FreeMemory(1024), pt.Tasks("g", 1)).
					Add(1, pt.Zones("a"), pt.FreeMemory(4096)).
					Add(1, pt.Zones("b"), pt.FreeMemory(2048)).
					Add(1, pt.Zones("b"), pt.FreeMemory(3072))
			},
			req: placement.Request{Group: "g", Count: 3, Need: need(0, 256),
				Strategies: []placement.Strategy{spread("attribute:ecs.availability-zone"), spread("instanceId"), binpack("memory")}},
			// zone b (0 tasks) first: binpack -> 2; then a and b tie at 1:
			// instance 1 (0 tasks) beats 3 (0 tasks) on memory? 3 has 3072 < 4096.
			want: []int{2, 3, 1},
		},
		{
			name: "binpack then attribute spread (scan path)",
			build: func(b *pt.Builder) {
				b.Add(2, pt.Zones("a", "b"), pt.FreeMemory(1024)).Add(1, pt.Zones("c"), pt.FreeMemory(2048))
			},
			req: placement.Request{Group: "g", Count: 3, Need: need(0, 512),
				Strategies: []placement.Strategy{binpack("memory"), spread("attribute:ecs.availability-zone")}},
			// tie at 1024 between a and b (both zones empty): a first; then
			// a has 512 left: fullest.
			want: []int{0, 0, 1},
		},
		{
			name: "spread on an attribute some instances lack: they form one bucket",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Attr("rack", "r1")).Add(2, pt.NoAttr("rack"))
			},
			req:  placement.Request{Group: "g", Count: 4, Need: need(1, 1), Strategies: []placement.Strategy{spread("attribute:rack")}},
			want: []int{0, 1, 0, 1},
		},
		{
			name:  "memberOf on instance type",
			build: func(b *pt.Builder) { b.Add(2, pt.Type("t2.micro")).Add(2, pt.Type("m5.large")) },
			req: placement.Request{Group: "g", Count: 4, Need: need(1, 1),
				Constraints: []placement.Constraint{memberOf("attribute:ecs.instance-type =~ m5.*")},
				Strategies:  []placement.Strategy{spread("instanceId")}},
			want: []int{2, 3, 2, 3},
		},
		{
			name: "memberOf not(task:group == database)",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Tasks("database", 1)).Add(1)
			},
			req: placement.Request{Group: "web", Count: 2, Need: need(1, 1),
				Constraints: []placement.Constraint{memberOf("not(task:group == database)")}},
			want: []int{1, 1},
		},
		{
			// ECS's runningTasksCount is the instance's tasks in RUNNING:
			// PENDING ones (earlier placements, and this request's own,
			// which start PENDING) do not count.
			name:  "memberOf runningTasksCount == 0 counts RUNNING tasks only",
			build: func(b *pt.Builder) { b.Add(1, pt.Tasks("x", 1)).Add(1, pt.PendingTasks("x", 2)).Add(1) },
			req: placement.Request{Group: "g", Count: 3, Need: need(1, 1),
				Constraints: []placement.Constraint{memberOf("runningTasksCount == 0")}, Strategies: []placement.Strategy{spread("instanceId")}},
			want: []int{1, 2, 1},
		},
		{
			name:  "memberOf runningTasksCount < 2 with running and pending tasks",
			build: func(b *pt.Builder) { b.Add(1, pt.Tasks("x", 2)).Add(1, pt.Tasks("x", 1), pt.PendingTasks("y", 3)) },
			req: placement.Request{Group: "g", Count: 2, Need: need(1, 1),
				Constraints: []placement.Constraint{memberOf("runningTasksCount < 2")}},
			want: []int{1, 1},
		},
		{
			name:  "memberOf task:group sees the request's own group",
			build: func(b *pt.Builder) { b.Add(2) },
			req: placement.Request{Group: "g", Count: 3, Need: need(1, 1),
				Constraints: []placement.Constraint{memberOf("task:group != g")}},
			want:  []int{0, 1},
			fails: 1,
		},
		{
			name:  "distinctInstance with more tasks than instances",
			build: func(b *pt.Builder) { b.Add(3) },
			req: placement.Request{Group: "g", Count: 5, Need: need(1, 1),
				Constraints: []placement.Constraint{distinct}},
			want:  []int{0, 1, 2},
			fails: 2,
		},
		{
			name:  "distinctInstance counts the group's running tasks",
			build: func(b *pt.Builder) { b.Add(1, pt.Tasks("g", 1)).Add(2) },
			req: placement.Request{Group: "g", Count: 2, Need: need(1, 1),
				Constraints: []placement.Constraint{distinct}},
			want: []int{1, 2},
		},
		{
			name:  "distinctInstance ignores other groups",
			build: func(b *pt.Builder) { b.Add(1, pt.Tasks("other", 1)) },
			req: placement.Request{Group: "g", Count: 1, Need: need(1, 1),
				Constraints: []placement.Constraint{distinct}},
			want: []int{0},
		},
		{
			name:  "draining and disconnected instances take no tasks",
			build: func(b *pt.Builder) { b.Add(1, pt.Draining()).Add(1, pt.Disconnected()).Add(1) },
			req:   placement.Request{Group: "g", Count: 2, Need: need(1, 1)},
			want:  []int{2, 2},
		},
		{
			name: "required attributes",
			build: func(b *pt.Builder) {
				b.Add(1).Add(1, pt.Attr("com.amazonaws.ecs.capability.docker-remote-api.1.19", ""))
			},
			req: placement.Request{Group: "g", Count: 1, Need: need(1, 1),
				RequiredAttributes: []placement.Attribute{{Name: "com.amazonaws.ecs.capability.docker-remote-api.1.19"}}},
			want: []int{1},
		},
		{
			name: "required attribute with a value",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Attr("ecs.cpu-architecture", "arm64")).Add(1, pt.Attr("ecs.cpu-architecture", "x86_64"))
			},
			req: placement.Request{Group: "g", Count: 1, Need: need(1, 1),
				RequiredAttributes: []placement.Attribute{{Name: "ecs.cpu-architecture", Value: "x86_64"}}},
			want: []int{1},
		},
		{
			name:  "static host ports: one task per instance",
			build: func(b *pt.Builder) { b.Add(1, pt.Ports(22, 80)).Add(2, pt.Ports(22)) },
			req: placement.Request{Group: "g", Count: 3, Need: placement.Need{CPU: 1, Memory: 1, TCPPorts: []uint16{80}},
				Strategies: []placement.Strategy{binpack("memory")}},
			want:  []int{1, 2},
			fails: 1,
		},
		{
			name:  "TCP and UDP ports are separate",
			build: func(b *pt.Builder) { b.Add(1, pt.Ports(53)) },
			req:   placement.Request{Group: "g", Count: 1, Need: placement.Need{UDPPorts: []uint16{53}}},
			want:  []int{0},
		},
		{
			name:  "resources used by earlier tasks of the request count",
			build: func(b *pt.Builder) { b.Add(2, pt.Free(1024, 1024)) },
			req:   placement.Request{Group: "g", Count: 5, Need: need(512, 256)},
			want:  []int{0, 0, 1, 1},
			fails: 1,
		},
		{
			name:  "GPUs",
			build: func(b *pt.Builder) { b.Add(1, pt.GPUs(1)).Add(1, pt.GPUs(2)) },
			req:   placement.Request{Group: "g", Count: 4, Need: placement.Need{GPUs: 1}},
			want:  []int{0, 1, 1},
			fails: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := pt.NewBuilder()
			tt.build(b)
			h := pt.NewHarness(t, b)
			res := h.Run(tt.req)
			if got, want := pt.ARNs(res), arns(tt.want...); !slices.Equal(got, want) {
				t.Errorf("placements = %v; want %v", short(got), short(want))
			}
			if got := len(res.Failures); got != tt.fails {
				t.Errorf("failures = %d (%+v); want %d", got, res.Failures, tt.fails)
			}
			if got := len(h.Recorder.Plans()); got != 1 {
				t.Errorf("recorded plans = %d; want 1", got)
			}
		})
	}
}

func short(arns []string) []string {
	out := make([]string, len(arns))
	for i, a := range arns {
		out[i] = strings.TrimPrefix(a, pt.ARNPrefix)
	}
	return out
}

func TestPlanner_SpreadThreeZones(t *testing.T) {
	b := pt.NewBuilder().Add(6, pt.Zones("us-east-1a", "us-east-1b", "us-east-1c"))
	h := pt.NewHarness(t, b)
	res := h.Run(placement.Request{Group: "family:web", Count: 9, Need: need(256, 512),
		Strategies: []placement.Strategy{spread("attribute:ecs.availability-zone")}})
	got := h.PerAttribute(res, "ecs.availability-zone")
	want := map[string]int{"us-east-1a": 3, "us-east-1b": 3, "us-east-1c": 3}
	if !mapsEqual(got, want) {
		t.Errorf("tasks per zone = %v; want %v", got, want)
	}
	// A second request of the same group keeps the balance.
	res = h.Run(placement.Request{Group: "family:web", Count: 2, Need: need(256, 512),
		Strategies: []placement.Strategy{spread("attribute:ecs.availability-zone")}})
	got = h.PerAttribute(res, "ecs.availability-zone")
	want = map[string]int{"us-east-1a": 1, "us-east-1b": 1}
	if !mapsEqual(got, want) {
		t.Errorf("second request per zone = %v; want %v", got, want)
	}
}

func TestPlanner_SpreadCountsRunningTasks(t *testing.T) {
	b := pt.NewBuilder().
		Add(1, pt.Zones("a"), pt.Tasks("g", 2)).
		Add(1, pt.Zones("b")).
		Add(1, pt.Zones("c"), pt.Tasks("other", 4))
	h := pt.NewHarness(t, b)
	res := h.Run(placement.Request{Group: "g", Count: 4, Need: need(1, 1),
		Strategies: []placement.Strategy{spread("attribute:ecs.availability-zone")}})
	got := h.PerAttribute(res, "ecs.availability-zone")
	want := map[string]int{"b": 2, "c": 2}
	if !mapsEqual(got, want) {
		t.Errorf("tasks per zone = %v; want %v", got, want)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestPlanner_Random(t *testing.T) {
	b := pt.NewBuilder().Add(5)
	snap := b.Snapshot(t)
	req := placement.Request{Group: "g", Count: 200, Need: need(1, 1), Seed: 42,
		Strategies: []placement.Strategy{{Type: placement.Random}}}
	p1, err := placement.PlanRequest(snap, req)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := placement.PlanRequest(snap, req)
	if !slices.Equal(placementARNs(p1), placementARNs(p2)) {
		t.Errorf("same seed gave different plans")
	}
	per := map[string]int{}
	for _, a := range placementARNs(p1) {
		per[a]++
	}
	if len(per) != 5 {
		t.Errorf("random used %d instances; want 5", len(per))
	}
	for a, n := range per {
		if n < 20 {
			t.Errorf("random put %d of 200 tasks on %s; want about 40", n, a)
		}
	}
	req.Seed = 43
	p3, _ := placement.PlanRequest(snap, req)
	if slices.Equal(placementARNs(p1), placementARNs(p3)) {
		t.Errorf("seeds 42 and 43 gave the same plan")
	}
	// Random after spread only breaks spread's ties.
	req.Strategies = []placement.Strategy{spread("instanceId"), {Type: placement.Random}}
	req.Count = 10
	p4, _ := placement.PlanRequest(snap, req)
	per = map[string]int{}
	for _, a := range placementARNs(p4) {
		per[a]++
	}
	for a, n := range per {
		if n != 2 {
			t.Errorf("spread then random put %d tasks on %s; want 2", n, a)
		}
	}
}

func placementARNs(p *placement.Plan) []string {
	out := make([]string, len(p.Placements))
	for i, pl := range p.Placements {
		out[i] = pl.InstanceARN
	}
	return out
}

func TestPlanner_Failures(t *testing.T) {
	tests := []struct {
		name   string
		build  func(b *pt.Builder)
		req    placement.Request
		reason placement.Reason
		arn    int
		detail string
	}{
		{
			name:   "RESOURCE:MEMORY when full",
			build:  func(b *pt.Builder) { b.Add(1, pt.Free(4096, 1024)) },
			req:    placement.Request{Group: "g", Count: 3, Need: need(0, 512)},
			reason: placement.ReasonMemory,
			detail: "1 container instances considered: 1 RESOURCE:MEMORY",
		},
		{
			name:   "RESOURCE:CPU",
			build:  func(b *pt.Builder) { b.Add(1, pt.Free(256, 8192)) },
			req:    placement.Request{Group: "g", Count: 1, Need: need(512, 0)},
			reason: placement.ReasonCPU,
		},
		{
			name:   "RESOURCE:PORTS",
			build:  func(b *pt.Builder) { b.Add(1, pt.Ports(8080)) },
			req:    placement.Request{Group: "g", Count: 1, Need: placement.Need{TCPPorts: []uint16{8080}}},
			reason: placement.ReasonPorts,
		},
		{
			name:   "RESOURCE:GPU",
			build:  func(b *pt.Builder) { b.Add(1) },
			req:    placement.Request{Group: "g", Count: 1, Need: placement.Need{GPUs: 1}},
			reason: placement.ReasonGPU,
		},
		{
			name:   "AGENT",
			build:  func(b *pt.Builder) { b.Add(1, pt.Disconnected()) },
			req:    placement.Request{Group: "g", Count: 1},
			reason: placement.ReasonAgent,
		},
		{
			name:   "ATTRIBUTE",
			build:  func(b *pt.Builder) { b.Add(1) },
			req:    placement.Request{Group: "g", Count: 1, RequiredAttributes: []placement.Attribute{{Name: "ecs.capability.efs"}}},
			reason: placement.ReasonAttribute,
		},
		{
			name:   "DRAINING",
			build:  func(b *pt.Builder) { b.Add(2, pt.Draining()) },
			req:    placement.Request{Group: "g", Count: 1},
			reason: placement.ReasonDraining,
		},
		{
			name:  "MemberOf",
			build: func(b *pt.Builder) { b.Add(2, pt.Type("t2.micro")) },
			req: placement.Request{Group: "g", Count: 1,
				Constraints: []placement.Constraint{memberOf("attribute:ecs.instance-type == m5.large")}},
			reason: placement.ReasonMemberOf,
			detail: "2 container instances considered: 2 MemberOf placement constraint unsatisfied",
		},
		{
			name:  "DistinctInstance",
			build: func(b *pt.Builder) { b.Add(2, pt.Tasks("g", 1)) },
			req: placement.Request{Group: "g", Count: 1,
				Constraints: []placement.Constraint{distinct}},
			reason: placement.ReasonDistinctInstance,
		},
		{
			name: "several reasons: the deepest stage wins, first such instance",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Disconnected()).
					Add(1, pt.Free(4096, 128)).
					Add(1, pt.Type("t2.micro")).
					Add(1, pt.Type("t2.micro")).
					Add(1, pt.Draining())
			},
			req: placement.Request{Group: "g", Count: 1, Need: need(0, 256),
				Constraints: []placement.Constraint{memberOf("attribute:ecs.instance-type == m5.large")}},
			reason: placement.ReasonMemberOf,
			arn:    2,
			detail: "5 container instances considered: 1 DRAINING, 1 AGENT, 1 RESOURCE:MEMORY, 2 MemberOf placement constraint unsatisfied",
		},
		{
			name: "resources checked before constraints",
			build: func(b *pt.Builder) {
				b.Add(1, pt.Free(4096, 128), pt.Type("t2.micro")).Add(1, pt.Free(4096, 128))
			},
			req: placement.Request{Group: "g", Count: 1, Need: need(0, 256),
				Constraints: []placement.Constraint{memberOf("attribute:ecs.instance-type == m5.large")}},
			reason: placement.ReasonMemory,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := pt.NewBuilder()
			tt.build(b)
			plan, err := placement.PlanRequest(b.Snapshot(t), tt.req)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if len(plan.Failures) == 0 {
				t.Fatalf("failures = none; want %s", tt.reason)
			}
			if got, want := len(plan.Failures)+len(plan.Placements), tt.req.Count; got != want {
				t.Errorf("placements + failures = %d; want %d", got, want)
			}
			f := plan.Failures[len(plan.Failures)-1]
			if f.Reason != tt.reason {
				t.Errorf("reason = %q; want %q (%s)", f.Reason, tt.reason, f.Detail)
			}
			if got, want := f.ARN, pt.ARN(tt.arn); got != want {
				t.Errorf("arn = %s; want %s", got, want)
			}
			if tt.detail != "" && f.Detail != tt.detail {
				t.Errorf("detail = %q; want %q", f.Detail, tt.detail)
			}
			if got, want := f.TaskIndex, tt.req.Count-1; got != want {
				t.Errorf("last failure TaskIndex = %d; want %d", got, want)
			}
		})
	}
}

func TestPlanner_Invalid(t *testing.T) {
	tooMany := make([]placement.Constraint, 11)
	for i := range tooMany {
		tooMany[i] = memberOf("agentConnected == true")
	}
	tests := []struct {
		name string
		req  placement.Request
		msg  string
	}{
		{"count 0", placement.Request{Count: 0}, "count must be at least 1"},
		{"11 constraints", placement.Request{Count: 1, Constraints: tooMany}, "too many placement constraints: 11, at most 10"},
		{"6 strategies", placement.Request{Count: 1, Strategies: make([]placement.Strategy, 6)}, "too many placement strategies: 6, at most 5"},
		{"binpack field", placement.Request{Count: 1, Strategies: []placement.Strategy{binpack("disk")}}, `binpack field "disk" is not cpu or memory`},
		{"spread field", placement.Request{Count: 1, Strategies: []placement.Strategy{spread("zone")}}, `spread field "zone" is not instanceId, host or attribute:<name>`},
		{"strategy type", placement.Request{Count: 1, Strategies: []placement.Strategy{{Type: "pack"}}}, `type "pack" is not spread, binpack or random`},
		{"constraint type", placement.Request{Count: 1, Constraints: []placement.Constraint{{Type: "oneOf"}}}, `type "oneOf" is not distinctInstance or memberOf`},
		{"distinct with expression", placement.Request{Count: 1, Constraints: []placement.Constraint{{Type: placement.DistinctInstance, Expression: "x"}}}, "distinctInstance takes no expression"},
		{"memberOf without expression", placement.Request{Count: 1, Constraints: []placement.Constraint{{Type: placement.MemberOf}}}, "memberOf needs an expression"},
		{"memberOf syntax", placement.Request{Count: 1, Constraints: []placement.Constraint{memberOf("attribute:x = y")}}, "position 13: expected an operator"},
		{"duplicate port", placement.Request{Count: 1, Need: placement.Need{TCPPorts: []uint16{80, 80}}}, "host port 80/tcp is used twice"},
		{"task ids", placement.Request{Count: 2, TaskIDs: []string{"a"}}, "1 task ids for 2 tasks"},
	}
	snap := pt.NewBuilder().Add(1).Snapshot(t)
	for _, tt := range tests {
		_, err := placement.PlanRequest(snap, tt.req)
		if !errors.Is(err, placement.ErrInvalid) {
			t.Errorf("%s: Plan = %v; want ErrInvalid", tt.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: Plan = %q; want it to contain %q", tt.name, err, tt.msg)
		}
	}
	_, err := placement.PlanRequest(snap, placement.Request{Count: 1, Constraints: []placement.Constraint{memberOf("attribute:a =~ (?=x)")}})
	var se *query.SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, query.ErrUnsupportedRegex) {
		t.Errorf("Plan with a lookahead = %v; want a *query.SyntaxError of kind ErrUnsupportedRegex", err)
	}
	empty, _ := placement.NewSnapshot(nil)
	if _, err := placement.PlanRequest(empty, placement.Request{Count: 1}); !errors.Is(err, placement.ErrNoInstances) {
		t.Errorf("Plan on an empty cluster = %v; want ErrNoInstances", err)
	}
}

func TestPlanner_TenConstraintsAndFiveStrategies(t *testing.T) {
	cons := []placement.Constraint{distinct}
	for range 9 {
		cons = append(cons, memberOf("agentConnected == true"))
	}
	strats := []placement.Strategy{spread("attribute:ecs.availability-zone"), spread("attribute:ecs.instance-type"),
		spread("instanceId"), binpack("memory"), binpack("cpu")}
	h := pt.NewHarness(t, pt.NewBuilder().Add(4, pt.Zones("a", "b")))
	res := h.Run(placement.Request{Group: "g", Count: 4, Need: need(1, 1), Constraints: cons, Strategies: strats})
	if got := len(pt.PerInstance(res)); got != 4 {
		t.Errorf("instances used = %d; want 4", got)
	}
}

func TestPlanner_GPUIDs(t *testing.T) {
	h := pt.NewHarness(t, pt.NewBuilder().Add(1, pt.GPUs(4)))
	res := h.Run(placement.Request{Group: "g", Count: 2, Need: placement.Need{GPUs: 2}})
	var got []string
	for _, p := range res.Placements {
		got = append(got, p.GPUIDs...)
	}
	if want := []string{"GPU-0", "GPU-1", "GPU-2", "GPU-3"}; !slices.Equal(got, want) {
		t.Errorf("GPU ids = %v; want %v", got, want)
	}
}

// TestPlanner_RandomSamplesFeasibleInstances covers random's sampling
// path: every task lands on a feasible instance, spread evenly over them,
// whether most instances are feasible (sampling succeeds) or almost none
// are (sampling gives up and the full scan places the tasks).
func TestPlanner_RandomSamplesFeasibleInstances(t *testing.T) {
	tests := []struct {
		name     string
		feasible int // of 1,000 instances, the first ones are t2.micro
		count    int
		want     int // distinct instances used at least
	}{
		{"most feasible", 1000, 300, 200},
		{"few feasible", 3, 30, 3},
		{"one feasible", 1, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := pt.NewBuilder().Add(tt.feasible, pt.Type("t2.micro")).Add(1000-tt.feasible, pt.Type("m5.large"))
			h := pt.NewHarness(t, b)
			res := h.Run(placement.Request{Group: "g", Count: tt.count, Need: need(16, 16), Seed: 7,
				Constraints: []placement.Constraint{memberOf("attribute:ecs.instance-type == t2.micro")},
				Strategies:  []placement.Strategy{{Type: placement.Random}}})
			if len(res.Placements) != tt.count || len(res.Failures) != 0 || res.Replanned != 0 {
				t.Fatalf("placed %d, failures %d, replanned %d; want %d placed as planned", len(res.Placements), len(res.Failures), res.Replanned, tt.count)
			}
			per := pt.PerInstance(res)
			if got := h.PerAttribute(res, "ecs.instance-type"); got["t2.micro"] != tt.count {
				t.Errorf("per type = %v; want all %d on t2.micro", got, tt.count)
			}
			if len(per) < tt.want {
				t.Errorf("used %d instances; want at least %d", len(per), tt.want)
			}
		})
	}
	// Resources taken earlier in the same plan count: 10 tasks of 1 GiB on
	// 4 instances of 3 GiB place 3, 3, 3 and fail one.
	b := pt.NewBuilder().Add(4, pt.Free(4096, 3072))
	plan, err := placement.PlanRequest(b.Snapshot(t), placement.Request{Group: "g", Count: 13, Need: need(0, 1024), Seed: 1,
		Strategies: []placement.Strategy{{Type: placement.Random}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Placements) != 12 || len(plan.Failures) != 1 || plan.Failures[0].Reason != placement.ReasonMemory {
		t.Errorf("placed %d, failures %+v; want 12 and one RESOURCE:MEMORY", len(plan.Placements), plan.Failures)
	}
	per := map[string]int{}
	for _, a := range placementARNs(plan) {
		per[a]++
	}
	for a, n := range per {
		if n != 3 {
			t.Errorf("%d tasks on %s; want 3", n, a)
		}
	}
}
