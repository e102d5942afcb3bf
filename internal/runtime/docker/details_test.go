package docker_test

import (
	"encoding/json"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

func TestDetails_AddressesAndSharedNamespace(t *testing.T) {
	h := newHarness(t)
	owner := h.Create(h.spec("forever"))
	if err := h.rt.Start(h.ctx, owner); err != nil {
		t.Fatal(err)
	}
	joiner := h.spec("forever")
	joiner.NetworkMode = "container:" + owner
	member := h.Create(joiner)
	if err := h.rt.Start(h.ctx, member); err != nil {
		t.Fatal(err)
	}
	d, err := h.rt.Details(h.ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if d.NetworkMode != "bridge" && d.NetworkMode != "default" {
		t.Errorf("owner network mode %q; want bridge", d.NetworkMode)
	}
	if len(d.Networks) != 1 || net.ParseIP(d.Networks[0].IPv4) == nil || d.Networks[0].PrefixLen == 0 {
		t.Fatalf("owner networks %+v; want one bridge address", d.Networks)
	}
	if time.Since(d.CreatedAt) > time.Hour || d.CreatedAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("CreatedAt %v; want about now", d.CreatedAt)
	}
	m, err := h.rt.Details(h.ctx, member)
	if err != nil {
		t.Fatal(err)
	}
	if m.NetworkMode != "container:"+owner || len(m.Networks) != 1 || m.Networks[0].IPv4 != d.Networks[0].IPv4 {
		t.Errorf("member details %+v; want the owner's address %s", m, d.Networks[0].IPv4)
	}
	if _, err := h.rt.Details(h.ctx, "ecsrun-no-such-container"); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("Details of a missing container: %v; want ErrNotFound", err)
	}
}

func TestStats_OneSample(t *testing.T) {
	h := newHarness(t)
	id := h.Create(h.spec("forever"))
	if err := h.rt.Start(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	b, err := h.rt.Stats(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Read        string         `json:"read"`
		MemoryStats map[string]any `json:"memory_stats"`
		CPUStats    map[string]any `json:"cpu_stats"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Read == "" || doc.CPUStats == nil {
		t.Errorf("Stats = %s, %v; want Docker's stats document", b, err)
	}
}
