package docker_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

func TestRuntime_VolumeDriversAndMissingDriver(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	drivers, err := h.rt.VolumeDrivers(h.ctx)
	if err != nil || !slices.Contains(drivers, "local") {
		t.Fatalf("VolumeDrivers = %q, %v; want local among them", drivers, err)
	}
	if testing.Short() {
		return // Docker takes 15 s to give up on a plugin
	}
	name := "ecsrun-test-" + randHex(8)
	err = h.rt.CreateVolume(h.ctx, runtime.VolumeSpec{Name: name, Driver: "ecsrun-no-such-driver"})
	if !errors.Is(err, runtime.ErrNoVolumeDriver) {
		t.Errorf("CreateVolume with a driver not installed = %v; want ErrNoVolumeDriver", err)
	}
	h.rt.RemoveVolume(h.ctx, name)
}
