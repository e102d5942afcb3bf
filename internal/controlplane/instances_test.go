package controlplane

import (
	"context"
	"errors"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
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
