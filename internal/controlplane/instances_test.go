package controlplane

import (
	"context"
	"errors"
	"sync"
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

// TestHostInstance_Later: an engine whose runtime answers late (its volume
// plugins) opens with the host instance's previous plugins, places no task
// needing a plugin until the registration is complete, and then places
// them on the plugins the host has from then on; other tasks are placed at
// once. Close ends the wait when the answer never comes.
func TestHostInstance_Later(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	oldPlugin, newPlugin := ecs.DockerPluginAttribute("old"), ecs.DockerPluginAttribute("fresh")
	host := func(plugins ...string) *HostInstance {
		// As the engine does: the agent's capabilities, and the plugins
		// once they are known.
		h := &HostInstance{CPU: 2048, Memory: 4096, Attributes: map[string]string{ecs.AttrInstanceType: "local"}}
		for _, name := range append(ecs.AgentCapabilities(), plugins...) {
			h.Attributes[name] = ""
		}
		return h
	}
	open := func(h *HostInstance, later <-chan *HostInstance, wanted func()) *ControlPlane {
		t.Helper()
		db, err := store.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cp, err := Open(ctx, Options{DB: db, Account: ecs.DefaultAccountInfo(), Now: func() time.Time { return now }, Host: h, HostLater: later, HostWanted: wanted})
		if err != nil {
			t.Fatal(err)
		}
		cp.Start(&recorder{})
		return cp
	}
	hostAttrs := func(cp *ControlPlane) map[string]bool {
		t.Helper()
		list, err := cp.ListContainerInstances(ctx, &ecsmodel.ListContainerInstancesRequest{})
		if err != nil || len(list.ContainerInstanceArns) != 1 {
			t.Fatalf("ListContainerInstances: %v, %v; want the host", list, err)
		}
		out, err := cp.DescribeContainerInstances(ctx, &ecsmodel.DescribeContainerInstancesRequest{ContainerInstances: list.ContainerInstanceArns})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, a := range out.ContainerInstances[0].Attributes {
			got[a.Name] = true
		}
		return got
	}

	// The first engine's host has the plugin "old".
	cp := open(host(oldPlugin), nil, nil)
	cp.Close()

	// The second's runtime has "fresh" instead, and says so late: when
	// a task waits for it (HostWanted).
	later := make(chan *HostInstance)
	asked := make(chan struct{})
	var askOnce sync.Once
	cp = open(host(), later, func() { askOnce.Do(func() { close(asked) }) })
	if got := hostAttrs(cp); !got[oldPlugin] || got[newPlugin] || !got[ecs.AgentCapabilities()[0]] {
		t.Errorf("before the runtime answers, the host has %s %v, %s %v and %s %v; want the previous plugins and the agent's capabilities",
			oldPlugin, got[oldPlugin], newPlugin, got[newPlugin], ecs.AgentCapabilities()[0], got[ecs.AgentCapabilities()[0]])
	}
	plain := func(cp *ControlPlane) {
		t.Helper()
		if _, err := cp.RegisterTaskDefinition(ctx, &ecsmodel.RegisterTaskDefinitionRequest{
			Family: "plain", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Image: "busybox", Memory: ptr32(64)}},
		}); err != nil {
			t.Fatal(err)
		}
		out, err := cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "plain"})
		if err != nil || len(out.Tasks) != 1 {
			t.Fatalf("RunTask of a task needing no plugin while the host's registration waits: %+v, %v; want one task", out, err)
		}
	}
	plain(cp)
	select {
	case <-asked:
		t.Error("a task needing no plugin asked for the host's registration")
	default:
	}
	if _, err := cp.RegisterTaskDefinition(ctx, &ecsmodel.RegisterTaskDefinitionRequest{
		Family:               "plugged",
		ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Image: "busybox", Memory: ptr32(64)}},
		Volumes:              []ecsmodel.Volume{{Name: "data", DockerVolumeConfiguration: &ecsmodel.DockerVolumeConfiguration{Driver: "fresh", Scope: ecsmodel.ScopeTask}}},
	}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out *ecsmodel.RunTaskResponse
		err error
	}
	ran := make(chan result, 1)
	go func() {
		out, err := cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "plugged"})
		ran <- result{out, err}
	}()
	select {
	case r := <-ran:
		t.Fatalf("RunTask answered before the host's registration was complete: %+v, %v", r.out, r.err)
	case <-asked:
	case <-time.After(30 * time.Second):
		t.Fatal("a task needing a plugin did not ask for the host's registration")
	}
	select {
	case r := <-ran:
		t.Fatalf("RunTask answered before the host's registration was complete: %+v, %v", r.out, r.err)
	case later <- host(newPlugin):
	}
	r := <-ran
	if r.err != nil || len(r.out.Tasks) != 1 {
		t.Fatalf("RunTask once the host has the plugin: %+v, %v; want one task", r.out, r.err)
	}
	if got := hostAttrs(cp); got[oldPlugin] || !got[newPlugin] {
		t.Errorf("after the runtime answered, the host has %s %v and %s %v; want only the new plugin", oldPlugin, got[oldPlugin], newPlugin, got[newPlugin])
	}
	cp.Close()

	// A runtime that never answers: Close does not wait for it, and a
	// RunTask waiting meanwhile ends with its context.
	cp = open(host(), make(chan *HostInstance), nil)
	plain(cp)
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := cp.RunTask(wctx, &ecsmodel.RunTaskRequest{TaskDefinition: "plugged"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RunTask while the host's registration waits, context ended: %v; want its error", err)
	}
	closed := make(chan struct{})
	go func() { cp.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waits for a registration that never comes")
	}
}
