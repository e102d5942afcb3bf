package placement_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/ecsrun/ecsrun/internal/placement"
	pt "github.com/ecsrun/ecsrun/internal/placement/placementtest"
)

func TestState_ReleaseRestoresResources(t *testing.T) {
	h := pt.NewHarness(t, pt.NewBuilder().Add(1, pt.Free(1024, 2048), pt.Ports(22), pt.GPUs(2)))
	res := h.Run(placement.Request{Group: "g", Count: 2, Need: placement.Need{CPU: 256, Memory: 512, UDPPorts: []uint16{}, GPUs: 1},
		TaskIDs: []string{"t1", "t2"}})
	if len(res.Placements) != 2 {
		t.Fatalf("placements = %d; want 2 (%+v)", len(res.Placements), res.Failures)
	}
	in, _ := h.State.Instance(pt.ARN(0))
	if got, want := [2]int64{in.Free.CPU, in.Free.Memory}, [2]int64{512, 1024}; got != want {
		t.Errorf("free after 2 tasks = %v; want %v", got, want)
	}
	if got, want := in.RunningTasks, 0; got != want {
		t.Errorf("RunningTasks of 2 placed (PENDING) tasks = %d; want %d", got, want)
	}
	for _, id := range []string{"t1", "t2"} {
		if err := h.State.MarkRunning(id); err != nil {
			t.Fatalf("MarkRunning(%s): %v", id, err)
		}
	}
	in, _ = h.State.Instance(pt.ARN(0))
	if got, want := in.RunningTasks, 2; got != want {
		t.Errorf("RunningTasks after MarkRunning = %d; want %d", got, want)
	}
	if got, want := in.TaskGroups["g"], 2; got != want {
		t.Errorf("TaskGroups[g] = %d; want %d", got, want)
	}
	if len(in.Free.GPUs) != 0 {
		t.Errorf("free GPUs = %v; want none", in.Free.GPUs)
	}
	arn, err := h.State.Release("t1")
	if err != nil || arn != pt.ARN(0) {
		t.Fatalf("Release(t1) = %q, %v; want %q, nil", arn, err, pt.ARN(0))
	}
	in, _ = h.State.Instance(pt.ARN(0))
	if got, want := [2]int64{in.Free.CPU, in.Free.Memory}, [2]int64{768, 1536}; got != want {
		t.Errorf("free after release = %v; want %v", got, want)
	}
	if got, want := in.TaskGroups["g"], 1; got != want {
		t.Errorf("TaskGroups[g] after release = %d; want %d", got, want)
	}
	if got, want := in.Free.GPUs, []string{"GPU-0"}; !slices.Equal(got, want) {
		t.Errorf("free GPUs after release = %v; want %v", got, want)
	}
	if _, err := h.State.Release("t1"); !errors.Is(err, placement.ErrNotFound) {
		t.Errorf("Release(t1) again = %v; want ErrNotFound", err)
	}
	h.State.Release("t2")
	in, _ = h.State.Instance(pt.ARN(0))
	if in.RunningTasks != 0 || len(in.TaskGroups) != 0 {
		t.Errorf("after releasing all: RunningTasks = %d, TaskGroups = %v; want 0, empty", in.RunningTasks, in.TaskGroups)
	}
}

func TestState_PortsReservedAndReleased(t *testing.T) {
	h := pt.NewHarness(t, pt.NewBuilder().Add(1, pt.Ports(22)))
	req := placement.Request{Group: "g", Count: 1, Need: placement.Need{TCPPorts: []uint16{80}}, TaskIDs: []string{"a"}}
	h.Run(req)
	in, _ := h.State.Instance(pt.ARN(0))
	if got, want := in.Free.TCPPorts, []uint16{22, 80}; !slices.Equal(got, want) {
		t.Errorf("reserved ports = %v; want %v", got, want)
	}
	req.TaskIDs = []string{"b"}
	if res := h.Run(req); len(res.Failures) != 1 || res.Failures[0].Reason != placement.ReasonPorts {
		t.Errorf("second task on port 80 = %+v; want RESOURCE:PORTS", res)
	}
	h.State.Release("a")
	req.TaskIDs = []string{"c"}
	if res := h.Run(req); len(res.Placements) != 1 {
		t.Errorf("after release: %+v; want placed", res)
	}
}

func TestState_ApplyReplansConflicts(t *testing.T) {
	s := pt.NewBuilder().Add(2, pt.Free(1024, 1024)).State(t)
	p := placement.NewPlanner()
	req := placement.Request{Group: "g", Count: 2, Need: need(0, 1024), Strategies: []placement.Strategy{binpack("memory")}}
	snap := s.Snapshot()
	a, _ := p.Plan(snap, req)
	b, _ := p.Plan(snap, req) // same snapshot: same instances
	ra, err := s.Apply(a)
	if err != nil || len(ra.Placements) != 2 {
		t.Fatalf("Apply(a) = %+v, %v; want 2 placements", ra, err)
	}
	rb, err := s.Apply(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rb.Placements), 0; got != want {
		t.Errorf("Apply(b) placements = %d; want %d", got, want)
	}
	if got, want := rb.Replanned, 2; got != want {
		t.Errorf("Apply(b) Replanned = %d; want %d", got, want)
	}
	if len(rb.Failures) != 2 || rb.Failures[0].Reason != placement.ReasonMemory {
		t.Errorf("Apply(b) failures = %+v; want 2 RESOURCE:MEMORY", rb.Failures)
	}
	// The snapshot planned against did not change.
	if got := snap.Instance(0).Free.Memory; got != 1024 {
		t.Errorf("snapshot memory after commits = %d; want 1024", got)
	}
}

func TestState_ApplyRechecksAttributes(t *testing.T) {
	s := pt.NewBuilder().Add(2, pt.Type("m5.large")).State(t)
	req := placement.Request{Group: "g", Count: 1, Need: need(1, 1),
		Constraints: []placement.Constraint{memberOf("attribute:ecs.instance-type == m5.large")}}
	plan, _ := placement.PlanRequest(s.Snapshot(), req)
	if err := s.PutAttributes(pt.ARN(0), map[string]string{"ecs.instance-type": "t2.micro"}); err != nil {
		t.Fatal(err)
	}
	res, _ := s.Apply(plan)
	if got, want := pt.ARNs(res), arns(1); !slices.Equal(got, want) {
		t.Errorf("placements = %v; want %v", got, want)
	}
}

func TestState_ApplyDuplicateTaskID(t *testing.T) {
	s := pt.NewBuilder().Add(1).State(t)
	req := placement.Request{Group: "g", Count: 1, TaskIDs: []string{"x"}}
	if _, err := s.Place(req); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Place(req); !errors.Is(err, placement.ErrExists) {
		t.Errorf("Place with a used task id = %v; want ErrExists", err)
	}
}

func TestState_Instances(t *testing.T) {
	s := placement.NewState()
	if err := s.AddInstance(placement.Instance{ARN: "a", AgentConnected: true, Free: placement.Free{CPU: 10, Memory: 10}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInstance(placement.Instance{ARN: "a"}); !errors.Is(err, placement.ErrExists) {
		t.Errorf("AddInstance twice = %v; want ErrExists", err)
	}
	if err := s.AddInstance(placement.Instance{}); !errors.Is(err, placement.ErrInvalid) {
		t.Errorf("AddInstance without ARN = %v; want ErrInvalid", err)
	}
	s.AddInstance(placement.Instance{ARN: "b", AgentConnected: true, Free: placement.Free{CPU: 10, Memory: 10}})
	s.AddInstance(placement.Instance{ARN: "c", AgentConnected: true, Free: placement.Free{CPU: 10, Memory: 10}})
	snap := s.Snapshot()
	if err := s.SetStatus("a", placement.StatusDraining); err != nil {
		t.Fatal(err)
	}
	res, _ := s.Place(placement.Request{Group: "g", Count: 1, Need: need(1, 1), TaskIDs: []string{"t"}})
	if got, want := pt.ARNs(res), []string{"b"}; !slices.Equal(got, want) {
		t.Errorf("placement with a draining = %v; want %v", got, want)
	}
	if snap.Instance(0).Status != placement.StatusActive {
		t.Errorf("old snapshot saw the status change")
	}
	ids, err := s.RemoveInstance("b")
	if err != nil || !slices.Equal(ids, []string{"t"}) {
		t.Errorf("RemoveInstance(b) = %v, %v; want [t], nil", ids, err)
	}
	if got := len(s.Instances()); got != 2 {
		t.Errorf("Instances() = %d; want 2", got)
	}
	s.SetAgentConnected("c", false)
	res, _ = s.Place(placement.Request{Group: "g", Count: 1})
	if len(res.Failures) != 1 || res.Failures[0].Reason != placement.ReasonAgent || res.Failures[0].ARN != "c" {
		t.Errorf("failures = %+v; want AGENT on c", res.Failures)
	}
	s.DeleteAttributes("c", "nope")
	if _, err := s.RemoveInstance("zz"); !errors.Is(err, placement.ErrNotFound) {
		t.Errorf("RemoveInstance(zz) = %v; want ErrNotFound", err)
	}
	if err := s.Reserve("old", "c", "g", need(5, 5), nil); err != nil {
		t.Fatal(err)
	}
	in, _ := s.Instance("c")
	if in.Free.CPU != 5 || in.RunningTasks != 0 || in.TaskGroups["g"] != 1 {
		t.Errorf("after Reserve: free cpu %d, running %d, group g %d; want 5, 0, 1", in.Free.CPU, in.RunningTasks, in.TaskGroups["g"])
	}
	s.MarkRunning("old")
	if in, _ = s.Instance("c"); in.RunningTasks != 1 {
		t.Errorf("after MarkRunning: running %d; want 1", in.RunningTasks)
	}
	if arn, ok := s.TaskInstance("old"); !ok || arn != "c" {
		t.Errorf("TaskInstance(old) = %q, %v; want c, true", arn, ok)
	}
}

// TestState_ConcurrentPlaceNoOvercommit places from many goroutines at
// once (run with -race) and checks that no instance is overcommitted and
// that distinctInstance holds across requests.
func TestState_ConcurrentPlaceNoOvercommit(t *testing.T) {
	const instances, workers, perWorker = 20, 16, 25
	s := pt.NewBuilder().Add(instances, pt.Free(2048, 2048), pt.Zones("a", "b", "c")).State(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				req := placement.Request{Group: "g", Count: 3, Need: need(100, 256), Seed: uint64(w*1000 + i),
					Strategies: []placement.Strategy{spread("attribute:ecs.availability-zone"), binpack("memory")}}
				if i%3 == 1 {
					req.Strategies = []placement.Strategy{{Type: placement.Random}}
				}
				res, err := s.Place(req)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				placed += len(res.Placements)
				mu.Unlock()
			}
		}()
	}
	// A goroutine releasing and changing attributes meanwhile.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 50 {
			s.PutAttributes(pt.ARN(i%instances), map[string]string{"x": fmt.Sprint(i)})
			s.Snapshot()
		}
	}()
	wg.Wait()
	total := 0
	for _, in := range s.Instances() {
		if in.Free.Memory < 0 || in.Free.CPU < 0 {
			t.Errorf("%s overcommitted: free cpu %d, memory %d", in.ARN, in.Free.CPU, in.Free.Memory)
		}
		if got, want := in.Free.Memory, 2048-256*int64(in.TaskGroups["g"]); got != want {
			t.Errorf("%s free memory = %d; want %d for %d tasks", in.ARN, got, want, in.TaskGroups["g"])
		}
		total += in.TaskGroups["g"]
	}
	if want := instances * 8; placed != want || total != want {
		t.Errorf("placed %d (recorded %d); want %d: every instance full", placed, total, want)
	}

	// distinctInstance across concurrent requests.
	s = pt.NewBuilder().Add(instances).State(t)
	wg = sync.WaitGroup{}
	placed = 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Place(placement.Request{Group: "d", Count: 3, Need: need(1, 1),
				Constraints: []placement.Constraint{distinct}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			placed += len(res.Placements)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, in := range s.Instances() {
		if in.TaskGroups["d"] != 1 {
			t.Errorf("%s runs %d tasks of group d; want 1", in.ARN, in.TaskGroups["d"])
		}
	}
	if placed != instances {
		t.Errorf("placed %d with distinctInstance; want %d", placed, instances)
	}
}

// TestState_RunningTasksCountsRunningOnly walks tasks through placement,
// RUNNING and release and checks runningTasksCount as the query language
// and Instance see it after each step.
func TestState_RunningTasksCountsRunningOnly(t *testing.T) {
	type step struct {
		do          string // place N, reserve ID, run ID, release ID
		arg         string
		wantErr     error
		wantRunning int
		wantGroup   int
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"placed tasks are pending", []step{
			{do: "place", arg: "2", wantRunning: 0, wantGroup: 2},
		}},
		{"running after MarkRunning, once", []step{
			{do: "place", arg: "2", wantRunning: 0, wantGroup: 2},
			{do: "run", arg: "p0", wantRunning: 1, wantGroup: 2},
			{do: "run", arg: "p0", wantRunning: 1, wantGroup: 2},
			{do: "run", arg: "p1", wantRunning: 2, wantGroup: 2},
		}},
		{"releasing a pending task leaves the running count", []step{
			{do: "place", arg: "2", wantRunning: 0, wantGroup: 2},
			{do: "run", arg: "p0", wantRunning: 1, wantGroup: 2},
			{do: "release", arg: "p1", wantRunning: 1, wantGroup: 1},
			{do: "release", arg: "p0", wantRunning: 0, wantGroup: 0},
		}},
		{"reserved tasks are pending until marked", []step{
			{do: "reserve", arg: "old", wantRunning: 0, wantGroup: 1},
			{do: "run", arg: "old", wantRunning: 1, wantGroup: 1},
			{do: "release", arg: "old", wantRunning: 0, wantGroup: 0},
		}},
		{"unknown or released tasks", []step{
			{do: "run", arg: "nope", wantErr: placement.ErrNotFound},
			{do: "place", arg: "1", wantRunning: 0, wantGroup: 1},
			{do: "release", arg: "p0", wantRunning: 0, wantGroup: 0},
			{do: "run", arg: "p0", wantErr: placement.ErrNotFound},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := pt.NewHarness(t, pt.NewBuilder().Add(1))
			arn := pt.ARN(0)
			placed := 0
			for i, st := range tt.steps {
				var err error
				switch st.do {
				case "place":
					n, _ := strconv.Atoi(st.arg)
					var ids []string
					for range n {
						ids = append(ids, fmt.Sprintf("p%d", placed))
						placed++
					}
					res := h.Run(placement.Request{Group: "g", Count: n, Need: need(1, 1), TaskIDs: ids})
					if len(res.Placements) != n {
						t.Fatalf("step %d: placed %d of %d: %+v", i, len(res.Placements), n, res.Failures)
					}
				case "reserve":
					err = h.State.Reserve(st.arg, arn, "g", need(1, 1), nil)
				case "run":
					err = h.State.MarkRunning(st.arg)
				case "release":
					_, err = h.State.Release(st.arg)
				}
				if st.wantErr != nil {
					if !errors.Is(err, st.wantErr) {
						t.Fatalf("step %d (%s %s): error %v; want %v", i, st.do, st.arg, err, st.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d (%s %s): %v", i, st.do, st.arg, err)
				}
				in, _ := h.State.Instance(arn)
				if in.RunningTasks != st.wantRunning || in.TaskGroups["g"] != st.wantGroup {
					t.Errorf("step %d (%s %s): running %d, group g %d; want %d, %d", i, st.do, st.arg, in.RunningTasks, in.TaskGroups["g"], st.wantRunning, st.wantGroup)
				}
				// The query language sees the same count.
				expr := fmt.Sprintf("runningTasksCount == %d", st.wantRunning)
				res, err := h.State.Place(placement.Request{Group: "probe", Count: 1, Need: need(0, 0),
					Constraints: []placement.Constraint{memberOf(expr)}, TaskIDs: []string{fmt.Sprintf("probe%d", i)}})
				if err != nil || len(res.Placements) != 1 {
					t.Errorf("step %d: memberOf(%s) did not match (%v, %+v)", i, expr, err, res)
					continue
				}
				h.State.Release(fmt.Sprintf("probe%d", i))
			}
		})
	}
}
