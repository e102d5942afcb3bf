package controlplane

import (
	"context"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// TestCreateService_NameOfADrainingService: a service's name cannot be
// used again while the deleted service drains, even by the very request
// that created it (ECS's error), only once it is INACTIVE.
func TestCreateService_NameOfADrainingService(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.register("job")
	in := &ecsmodel.CreateServiceRequest{ServiceName: "web", TaskDefinition: "job", DesiredCount: ptr32(0)}
	if _, err := f.cp.CreateService(ctx, in); err != nil {
		t.Fatal(err)
	}
	f.cp.StopScheduler() // the service stays DRAINING
	if _, err := f.cp.DeleteService(ctx, &ecsmodel.DeleteServiceRequest{Service: "web"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.cp.CreateService(ctx, in)
	if err == nil || !strings.Contains(err.Error(), "Unable to Start a service that is still Draining.") {
		t.Errorf("CreateService of a DRAINING service's name: %v; want Unable to Start a service that is still Draining.", err)
	}
}
