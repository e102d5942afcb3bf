package controlplane

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/store"
)

// TestListAttributes_NeedsTargetType covers what the SDKs check before
// sending (targetType is required), for clients that do not.
func TestListAttributes_NeedsTargetType(t *testing.T) {
	f := newFixture(t)
	_, err := f.cp.ListAttributes(context.Background(), &ecsmodel.ListAttributesRequest{})
	if !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Errorf("ListAttributes without targetType: %v; want InvalidParameterException", err)
	}
}

// TestDeclare_RejectsBadDeclarations: declarations are checked like API
// registrations.
func TestDeclare_RejectsBadDeclarations(t *testing.T) {
	f := newFixture(t)
	ok := DeclaredInstance{Cluster: "d", Key: "a", Resources: ecs.InstanceResources{CPU: 1024, Memory: 1024}, AgentConnected: true}
	bad := []struct {
		name string
		d    []DeclaredInstance
	}{
		{"twice", []DeclaredInstance{ok, ok}},
		{"no memory", []DeclaredInstance{{Cluster: "d", Key: "b", Resources: ecs.InstanceResources{CPU: 1024}}}},
		{"bad attribute", []DeclaredInstance{{Cluster: "d", Key: "c", Resources: ok.Resources, Attributes: map[string]string{"a b": "x"}}}},
	}
	for _, tt := range bad {
		if err := f.cp.Declare(context.Background(), nil, tt.d); err == nil {
			t.Errorf("%s: Declare accepted %+v", tt.name, tt.d)
		}
	}
	if err := f.cp.Declare(context.Background(), []string{"e"}, []DeclaredInstance{ok}); err != nil {
		t.Fatal(err)
	}
	out, err := f.cp.ListContainerInstances(context.Background(), &ecsmodel.ListContainerInstancesRequest{Cluster: "d"})
	if err != nil || len(out.ContainerInstanceArns) != 1 {
		t.Errorf("after Declare: %v, %v; want one instance", out, err)
	}
	if _, err := f.cp.DescribeClusters(context.Background(), &ecsmodel.DescribeClustersRequest{Clusters: []string{"e"}}); err != nil {
		t.Errorf("declared cluster: %v", err)
	}
}

// TestHostInstance_StaysDeregistered: once deregistered, the host instance
// is not registered again at a later start, also after deregistered
// instances have expired (the task retention).
func TestHostInstance_StaysDeregistered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	open := func() *ControlPlane {
		t.Helper()
		db, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cp, err := Open(ctx, Options{DB: db, Account: ecs.DefaultAccountInfo(), Now: func() time.Time { return now },
			Host: &HostInstance{CPU: 2048, Memory: 4096, Attributes: map[string]string{ecs.AttrInstanceType: "local"}}})
		if err != nil {
			t.Fatal(err)
		}
		cp.Start(&recorder{})
		return cp
	}
	list := func(cp *ControlPlane) []string {
		t.Helper()
		out, err := cp.ListContainerInstances(ctx, &ecsmodel.ListContainerInstancesRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return out.ContainerInstanceArns
	}
	cp := open()
	arns := list(cp)
	if len(arns) != 1 {
		t.Fatalf("default cluster instances = %v; want the host", arns)
	}
	if _, err := cp.DeregisterContainerInstance(ctx, &ecsmodel.DeregisterContainerInstanceRequest{ContainerInstance: arns[0]}); err != nil {
		t.Fatal(err)
	}
	for _, later := range []time.Duration{time.Minute, 3 * time.Hour, 48 * time.Hour} {
		now = now.Add(later)
		if got := list(open()); len(got) != 0 {
			t.Errorf("%v later: default cluster instances = %v; want none (the host stays deregistered)", later, got)
		}
	}
}
