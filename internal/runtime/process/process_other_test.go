//go:build !unix

package process_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
)

// Without Unix credentials a container with a user is refused at Create.
func TestRuntime_UserIsNotSupported(t *testing.T) {
	rt := process.New()
	_, err := rt.Create(context.Background(), runtime.ContainerSpec{Name: "app", EntryPoint: []string{"cmd"}, User: "1000"})
	if !errors.Is(err, runtime.ErrNotSupported) || !errors.Is(err, runtime.ErrCreate) {
		t.Fatalf("Create with a user = %v; want ErrCreate and ErrNotSupported", err)
	}
	if _, err := rt.Create(context.Background(), runtime.ContainerSpec{Name: "app", EntryPoint: []string{"cmd"}}); err != nil {
		t.Fatalf("Create without a user = %v", err)
	}
}
