package capacity

import (
	"context"
	"strings"
	"testing"
	"time"

	cp "github.com/ecsrun/ecsrun/internal/capacityproviders"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
	"github.com/ecsrun/ecsrun/internal/store"
)

// fakeClusters records what the registry asks of the control plane.
type fakeClusters struct {
	cluster string // where every provider is associated ("" none)
	busy    map[string]bool
	waiting []cp.Resources
	added   map[string]string // key -> cluster
	removed []string
}

func (f *fakeClusters) ProviderClusters(string) []string {
	if f.cluster == "" {
		return nil
	}
	return []string{f.cluster}
}
func (f *fakeClusters) ProviderInUse(string) string { return "" }
func (f *fakeClusters) GroupUsage(string) (map[string]bool, []cp.Resources) {
	return f.busy, f.waiting
}
func (f *fakeClusters) AddGroupInstance(_ context.Context, cluster, _ string, in GroupInstance) error {
	f.added[in.Key] = cluster
	return nil
}
func (f *fakeClusters) RemoveGroupInstance(_ context.Context, key string) error {
	delete(f.added, key)
	f.removed = append(f.removed, key)
	return nil
}
func (f *fakeClusters) PlaceWaiting(context.Context) { f.waiting = nil }

func open(t *testing.T, dir string, now func() time.Time) *Registry {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r, err := Open(context.Background(), Options{DB: db, Account: ecs.DefaultAccountInfo(), Now: now,
		Groups: []serveconfig.AutoScalingGroup{{Name: "g", MaxSize: 5, CPU: 1024, Memory: 1024}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRegistry_StepAndRestart: a managed group grows for waiting tasks,
// shrinks after the low period, and keeps its instances across a restart.
func TestRegistry_StepAndRestart(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	r := open(t, dir, now)
	ctx := context.Background()
	if _, err := r.CreateCapacityProvider(ctx, &ecsmodel.CreateCapacityProviderRequest{Name: "p", AutoScalingGroupProvider: &ecsmodel.AutoScalingGroupProvider{
		AutoScalingGroupArn: "g", ManagedScaling: &ecsmodel.ManagedScaling{Status: ecsmodel.ManagedScalingStatusENABLED, InstanceWarmupPeriod: new(int32)},
		ManagedTerminationProtection: ecsmodel.ManagedTerminationProtectionENABLED}}); err != nil {
		t.Fatal(err)
	}
	f := &fakeClusters{added: map[string]string{}}
	r.Attach(f)
	r.Step(ctx)
	if len(f.added) != 0 {
		t.Fatalf("a provider in no cluster registered %v", f.added)
	}
	f.cluster = "c"
	f.waiting = []cp.Resources{{CPU: 1024, Memory: 512}, {CPU: 1024, Memory: 512}, {CPU: 512, Memory: 512}}
	r.Step(ctx)
	if len(f.added) != 3 || f.added["g/1"] != "c" {
		t.Fatalf("three tasks of which two fill an instance: added %v; want g/1..g/3 in c", f.added)
	}
	f.busy = map[string]bool{"g/1": true}
	r.Step(ctx)
	clock = clock.Add(cp.ScaleInAfter)
	r.Step(ctx)
	if len(f.added) != 1 || f.added["g/1"] == "" || strings.Join(f.removed, " ") != "g/2 g/3" {
		t.Fatalf("after the low period: kept %v, removed %v; want g/1 kept, g/2 and g/3 (launched together) removed", f.added, f.removed)
	}

	// A restart finds the group as it was.
	r2 := open(t, dir, now)
	f2 := &fakeClusters{cluster: "c", busy: map[string]bool{"g/1": true}, added: map[string]string{}}
	r2.Attach(f2)
	r2.Step(ctx)
	if len(f2.added) != 1 || f2.added["g/1"] != "c" {
		t.Errorf("after a restart: %v; want g/1 in c", f2.added)
	}
}

func TestRegistry_DescribeErrors(t *testing.T) {
	r := open(t, t.TempDir(), time.Now)
	ctx := context.Background()
	for _, tc := range []struct {
		in   ecsmodel.DescribeCapacityProvidersRequest
		want string
	}{
		{ecsmodel.DescribeCapacityProvidersRequest{MaxResults: new(int32)}, "between 1 and 10"},
		{ecsmodel.DescribeCapacityProvidersRequest{NextToken: "x"}, "nextToken"},
		{ecsmodel.DescribeCapacityProvidersRequest{Cluster: "c"}, "Managed Instances"},
		{ecsmodel.DescribeCapacityProvidersRequest{CapacityProviders: make([]string, 101)}, "at most 100"},
	} {
		if _, err := r.DescribeCapacityProviders(ctx, &tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DescribeCapacityProviders(%+v) = %v; want an error containing %q", tc.in, err, tc.want)
		}
	}
	if _, err := r.CreateCapacityProvider(ctx, &ecsmodel.CreateCapacityProviderRequest{Name: "m", ManagedInstancesProvider: &ecsmodel.CreateManagedInstancesProviderConfiguration{}}); err == nil ||
		!strings.Contains(err.Error(), "managedInstancesProvider") {
		t.Errorf("a Managed Instances provider: %v; want a refusal naming managedInstancesProvider", err)
	}
}
