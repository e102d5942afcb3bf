package testimage

import (
	"context"
	"strings"
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
	if !strings.HasPrefix(tag, "ecsrun-test/toolbox:") || tag == DefaultTag {
		t.Fatalf("Image = %q; want the content tag ecsrun-test/toolbox:<hash>", tag)
	}
	latest, err := cli.ImageInspect(ctx, DefaultTag)
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != img.ID {
		t.Logf("%s was moved on by another checkout's toolbox meanwhile", DefaultTag)
	}
	// A second Build in a fresh once reuses the image (same hash).
	ref, err := build(ctx, cli, DefaultTag)
	if err != nil || ref != tag {
		t.Fatalf("build = %q, %v; want %q again", ref, err, tag)
	}
	again, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != img.ID {
		t.Fatalf("rebuild changed the image id %s -> %s; want it reused", img.ID, again.ID)
	}
}
