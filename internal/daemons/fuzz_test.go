package daemons

import (
	"context"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// FuzzReferences: daemon task definition references and page tokens from
// the wire never panic, and a page stays within the list.
func FuzzReferences(f *testing.F) {
	for _, s := range []string{"logs", "logs:1", "logs:0", "logs:-1", "logs:x", ":", "",
		"arn:aws:ecs:us-east-1:000000000000:daemon-task-definition/logs:1",
		"arn:aws:ecs:us-east-1:000000000000:daemon-task-definition/",
		"arn:aws:ecs:us-east-1:000000000000:task-definition/logs:1", "MQ", "LTE", "OTk5"} {
		f.Add(s)
	}
	m, _ := openManager(f, f.TempDir())
	if _, err := m.RegisterDaemonTaskDefinition(context.Background(), &ecsmodel.RegisterDaemonTaskDefinitionRequest{Family: "logs",
		ContainerDefinitions: []ecsmodel.DaemonContainerDefinition{{Name: "a", Image: "img"}}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m.mu.Lock()
		d, err := m.def(s)
		m.mu.Unlock()
		if err == nil && d == nil {
			t.Fatalf("def(%q): no definition and no error", s)
		}
		three := int32(3)
		start, end, err := pageOf(s, &three, 100, 5)
		if err == nil && (start < 0 || start > end || end > 5) {
			t.Fatalf("pageOf(%q) = %d, %d", s, start, end)
		}
		m.DeleteDaemonTaskDefinition(context.Background(), &ecsmodel.DeleteDaemonTaskDefinitionRequest{DaemonTaskDefinition: s + "x"})
	})
}
