package placement_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/placement"
	pt "github.com/ecsrun/ecsrun/internal/placement/placementtest"
)

// benchCluster builds n instances: alternately m5.large and t2.micro (so a
// memberOf on the type excludes half), over the given number of zones
// (each zone holds both types), with free memory between 4 and 11 GiB.
func benchCluster(n, zones int) *pt.Builder {
	b := pt.NewBuilder()
	for i := range n {
		typ := "m5.large"
		if i%2 == 1 {
			typ = "t2.micro"
		}
		b.Add(1, pt.Type(typ),
			pt.Attr("ecs.availability-zone", fmt.Sprintf("us-east-1-az%02d", (i/2)%zones)),
			pt.Free(16384, 4096+int64((i*7919)%8)*1024))
	}
	return b
}

func benchRequest(count int, strategies ...placement.Strategy) placement.Request {
	return placement.Request{
		Group:       "family:bench",
		Count:       count,
		Need:        need(256, 512),
		Constraints: []placement.Constraint{memberOf("attribute:ecs.instance-type == m5.large")},
		Strategies:  strategies,
	}
}

func runPlacementBench(b *testing.B, snap *placement.Snapshot, req placement.Request, check func(*placement.Plan)) {
	p := placement.NewPlanner()
	b.ReportAllocs()
	placed := 0
	var last *placement.Plan
	start := time.Now()
	for b.Loop() {
		plan, err := p.Plan(snap, req)
		if err != nil {
			b.Fatal(err)
		}
		placed += len(plan.Placements)
		last = plan
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(placed)/elapsed.Seconds(), "placements/s")
	if len(last.Failures) != 0 || len(last.Placements) != req.Count {
		b.Fatalf("placed %d, failed %d; want %d placed", len(last.Placements), len(last.Failures), req.Count)
	}
	check(last)
}

// BenchmarkPlacement_Binpack5000: 5,000 instances, half excluded by
// memberOf, 1,200 tasks binpacked on memory (Nomad: ~3,400 placements/s on
// a 2-core machine; goal >= 34,000).
func BenchmarkPlacement_Binpack5000(b *testing.B) {
	snap := benchCluster(5000, 50).Snapshot(b)
	req := benchRequest(1200, binpack("memory"))
	runPlacementBench(b, snap, req, func(plan *placement.Plan) {
		// Binpack: the first task lands on an instance with the least free
		// memory among the eligible ones (4 GiB).
		first := plan.Placements[0].InstanceARN
		for i := range snap.Len() {
			if in := snap.Instance(i); in.ARN == first {
				if in.Free.Memory != 4096 || in.Attributes["ecs.instance-type"] != "m5.large" {
					b.Fatalf("first task on %s with %d MiB (%s); want an m5.large with 4096", first, in.Free.Memory, in.Attributes["ecs.instance-type"])
				}
			}
		}
	})
}

// BenchmarkPlacement_SpreadBinpack5000: the same cluster over 50 zones,
// spread on the zone then binpack on memory (Nomad: ~35 placements/s;
// goal >= 10,000) with perfect spread.
func BenchmarkPlacement_SpreadBinpack5000(b *testing.B) {
	snap := benchCluster(5000, 50).Snapshot(b)
	req := benchRequest(1200, spread("attribute:ecs.availability-zone"), binpack("memory"))
	zoneOf := make(map[string]string, snap.Len())
	for i := range snap.Len() {
		in := snap.Instance(i)
		zoneOf[in.ARN] = in.Attributes["ecs.availability-zone"]
	}
	runPlacementBench(b, snap, req, func(plan *placement.Plan) {
		per := map[string]int{}
		for _, p := range plan.Placements {
			per[zoneOf[p.InstanceARN]]++
		}
		lo, hi := 1<<30, 0
		for _, n := range per {
			lo, hi = min(lo, n), max(hi, n)
		}
		if len(per) != 50 || hi-lo > 1 {
			b.Fatalf("tasks per zone range %d..%d over %d zones; want 50 zones differing by at most 1", lo, hi, len(per))
		}
	})
}

// BenchmarkPlacement_RandomScan5000: the random strategy (sampling, with
// the full scan as its fallback), for comparison.
func BenchmarkPlacement_RandomScan5000(b *testing.B) {
	snap := benchCluster(5000, 50).Snapshot(b)
	req := benchRequest(1200, placement.Strategy{Type: placement.Random})
	runPlacementBench(b, snap, req, func(*placement.Plan) {})
}

// BenchmarkPlacement_StatePlace10: what RunTask does per call: snapshot,
// plan 10 tasks over 5,000 instances, apply; releasing keeps the cluster
// from filling up.
func BenchmarkPlacement_StatePlace10(b *testing.B) {
	s := benchCluster(5000, 50).State(b)
	b.ReportAllocs()
	placed := 0
	start := time.Now()
	n := 0
	for b.Loop() {
		n++
		ids := make([]string, 10)
		for i := range ids {
			ids[i] = fmt.Sprintf("t%d-%d", n, i)
		}
		req := benchRequest(10, spread("attribute:ecs.availability-zone"), binpack("memory"))
		req.TaskIDs = ids
		res, err := s.Place(req)
		if err != nil {
			b.Fatal(err)
		}
		placed += len(res.Placements)
		if n%50 == 0 { // keep the cluster from filling up
			for k := n - 49; k <= n; k++ {
				for i := range 10 {
					s.Release(fmt.Sprintf("t%d-%d", k, i))
				}
			}
		}
	}
	b.ReportMetric(float64(placed)/time.Since(start).Seconds(), "placements/s")
}

// TestPlanner_AllocsIndependentOfCandidates shows that scoring does not
// allocate per candidate: planning over 5,000 instances allocates exactly
// as much as over 100, on both the indexed and the scan paths.
func TestPlanner_AllocsIndependentOfCandidates(t *testing.T) {
	small := benchCluster(100, 10).Snapshot(t)
	large := benchCluster(5000, 10).Snapshot(t)
	for _, strategies := range [][]placement.Strategy{
		{binpack("memory")},
		{spread("attribute:ecs.availability-zone"), binpack("memory")},
		{binpack("memory"), spread("attribute:ecs.availability-zone")},
		{{Type: placement.Random}},
	} {
		req := benchRequest(40, strategies...)
		allocs := func(snap *placement.Snapshot) float64 {
			p := placement.NewPlanner()
			p.Plan(snap, req) // warm the scratch space
			return testing.AllocsPerRun(5, func() {
				if _, err := p.Plan(snap, req); err != nil {
					t.Fatal(err)
				}
			})
		}
		if a, b := allocs(small), allocs(large); a != b {
			t.Errorf("%v: allocations over 100 instances = %v, over 5000 = %v; want equal", strategies, a, b)
		}
	}
}
