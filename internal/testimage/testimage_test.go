package testimage

import (
	"context"
	"testing"
	"time"
)

func TestBuild_ImageRunsToolbox(t *testing.T) {
	tag := Image(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, err := newClient("")
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	img, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Config.Entrypoint; len(got) != 1 || got[0] != "/toolbox" {
		t.Fatalf("Entrypoint = %q; want [/toolbox]", got)
	}
	if img.Config.Labels[HashLabel] == "" {
		t.Fatalf("label %s missing: %v", HashLabel, img.Config.Labels)
	}
	// A second Build in a fresh once reuses the image (same hash).
	if err := build(ctx, cli, tag); err != nil {
		t.Fatal(err)
	}
	again, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != img.ID {
		t.Fatalf("rebuild changed the image id %s -> %s; want it reused", img.ID, again.ID)
	}
}
