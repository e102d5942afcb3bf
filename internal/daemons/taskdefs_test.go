package daemons

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/store"
)

// fakeCP registers backing task definitions; the manager's other calls
// are not made by these tests (the embedded nil interface would panic).
type fakeCP struct {
	ControlPlane
	registered []*ecsmodel.RegisterTaskDefinitionRequest
}

func (f *fakeCP) RegisterTaskDefinition(_ context.Context, in *ecsmodel.RegisterTaskDefinitionRequest) (*ecsmodel.RegisterTaskDefinitionResponse, error) {
	f.registered = append(f.registered, in)
	arn := fmt.Sprintf("arn:aws:ecs:us-east-1:000000000000:task-definition/%s:%d", in.Family, len(f.registered))
	return &ecsmodel.RegisterTaskDefinitionResponse{TaskDefinition: &ecsmodel.TaskDefinition{TaskDefinitionArn: arn}}, nil
}

func openManager(t testing.TB, dir string) (*Manager, *fakeCP) {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := Open(context.Background(), Options{DB: db, Account: ecs.DefaultAccountInfo()})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCP{}
	m.Attach(f)
	return m, f
}

func TestDaemonTaskDefinitions(t *testing.T) {
	dir := t.TempDir()
	m, f := openManager(t, dir)
	c := context.Background()
	reg := func(family string) string {
		t.Helper()
		out, err := m.RegisterDaemonTaskDefinition(c, &ecsmodel.RegisterDaemonTaskDefinitionRequest{Family: family, PidMode: ecsmodel.DaemonPidModeShared,
			ContainerDefinitions: []ecsmodel.DaemonContainerDefinition{{Name: "a", Image: "img", Command: []string{"serve"}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.DaemonTaskDefinitionArn
	}
	reg("logs")
	reg("logs")
	reg("metrics")
	reg("logs")
	if _, err := m.DeleteDaemonTaskDefinition(c, &ecsmodel.DeleteDaemonTaskDefinitionRequest{DaemonTaskDefinition: "logs:2"}); err != nil {
		t.Fatal(err)
	}
	if b := f.registered[0]; b.Family != "ecs-daemon-logs" || b.PidMode != ecsmodel.PidModeHost || b.ContainerDefinitions[0].Image != "img" ||
		!slices.Equal(b.RequiresCompatibilities, []ecsmodel.Compatibility{ecsmodel.CompatibilityEC2}) {
		t.Errorf("backing task definition = %+v", b)
	}

	// Reopened from the same database: the registry is the same.
	m, _ = openManager(t, dir)
	list := func(in ecsmodel.ListDaemonTaskDefinitionsRequest) []string {
		t.Helper()
		var out []string
		for {
			page, err := m.ListDaemonTaskDefinitions(c, &in)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page.DaemonTaskDefinitions {
				out = append(out, lastPart(d.Arn)+"/"+string(d.Status))
			}
			if page.NextToken == "" {
				return out
			}
			in.NextToken = page.NextToken
		}
	}
	one := int32(1)
	for _, tc := range []struct {
		name string
		in   ecsmodel.ListDaemonTaskDefinitionsRequest
		want []string
	}{
		{"ACTIVE by default, by family and revision", ecsmodel.ListDaemonTaskDefinitionsRequest{},
			[]string{"logs:1/ACTIVE", "logs:3/ACTIVE", "metrics:1/ACTIVE"}},
		{"one a page", ecsmodel.ListDaemonTaskDefinitionsRequest{MaxResults: &one},
			[]string{"logs:1/ACTIVE", "logs:3/ACTIVE", "metrics:1/ACTIVE"}},
		{"DESC", ecsmodel.ListDaemonTaskDefinitionsRequest{Sort: "DESC"},
			[]string{"metrics:1/ACTIVE", "logs:3/ACTIVE", "logs:1/ACTIVE"}},
		{"ALL of a family", ecsmodel.ListDaemonTaskDefinitionsRequest{Family: "logs", Status: "ALL"},
			[]string{"logs:1/ACTIVE", "logs:2/DELETED", "logs:3/ACTIVE"}},
		{"a prefix, last registered", ecsmodel.ListDaemonTaskDefinitionsRequest{FamilyPrefix: "lo", Revision: "LAST_REGISTERED"},
			[]string{"logs:3/ACTIVE"}},
		{"DELETE_IN_PROGRESS: none (no daemon deploys logs:2)", ecsmodel.ListDaemonTaskDefinitionsRequest{Status: "DELETE_IN_PROGRESS"}, nil},
	} {
		if got := list(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v; want %v", tc.name, got, tc.want)
		}
	}

	for _, tc := range []struct {
		ref  string
		want string // "" for an error
	}{
		{"logs", "logs:3"},
		{"logs:2", "logs:2"},
		{"arn:aws:ecs:us-east-1:000000000000:daemon-task-definition/metrics:1", "metrics:1"},
		{"logs:9", ""},
		{"arn:aws:ecs:us-east-1:111111111111:daemon-task-definition/logs:1", ""},
		{"arn:aws:ecs:us-east-1:000000000000:task-definition/logs:1", ""},
		{"logs:x", ""},
	} {
		out, err := m.DescribeDaemonTaskDefinition(c, &ecsmodel.DescribeDaemonTaskDefinitionRequest{DaemonTaskDefinition: tc.ref})
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("Describe %s: %s; want an error", tc.ref, out.DaemonTaskDefinition.DaemonTaskDefinitionArn)
		case tc.want == "":
			var e *ecs.Error
			if !errors.As(err, &e) {
				t.Errorf("Describe %s: %v is not an ECS error", tc.ref, err)
			}
		case err != nil:
			t.Errorf("Describe %s: %v", tc.ref, err)
		case lastPart(out.DaemonTaskDefinition.DaemonTaskDefinitionArn) != tc.want:
			t.Errorf("Describe %s = %s; want %s", tc.ref, out.DaemonTaskDefinition.DaemonTaskDefinitionArn, tc.want)
		}
	}
	if _, err := m.DeleteDaemonTaskDefinition(c, &ecsmodel.DeleteDaemonTaskDefinitionRequest{DaemonTaskDefinition: "logs:2"}); !errors.Is(err, ecs.ErrClient) {
		t.Errorf("deleting a DELETED revision: %v; want ClientException", err)
	}
}

func TestBackingFamily(t *testing.T) {
	f := backingFamily("x" + fmt.Sprintf("%0254d", 0))
	if len(f) > 255 || ecs.ValidateFamily(f) != nil {
		t.Errorf("backingFamily of a 255-character family = %d characters, valid %v", len(f), ecs.ValidateFamily(f))
	}
	if backingFamily("a") != "ecs-daemon-a" || backingFamily("x"+fmt.Sprintf("%0254d", 0)) == backingFamily("x"+fmt.Sprintf("%0253d", 1)) {
		t.Error("backingFamily does not keep families apart")
	}
}
