package agent

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/hostports"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// portRange reads a containerPortRange, "first-last".
func portRange(s string) (first, last int, ok bool) {
	return hostports.ParseRange(s)
}

// protocolOf returns a port mapping's protocol, tcp by default.
func protocolOf(pm ecsmodel.PortMapping) string {
	if pm.Protocol != "" {
		return string(pm.Protocol)
	}
	return "tcp"
}

// publishRanges adds to cs, a bridge container's spec, the bindings of the
// containerPortRange mappings of cd, as the ECS agent publishes them: each
// range onto a contiguous run of free host ports of the dynamic range, port
// by port. Containers without their own bridge network publish nothing.
func publishRanges(cs *runtime.ContainerSpec, cd *ecsmodel.ContainerDefinition, alloc *hostports.Allocator) error {
	if cs.NetworkMode != "bridge" {
		return nil
	}
	for _, pm := range cd.PortMappings {
		if pm.ContainerPortRange == "" {
			continue
		}
		lo, hi, ok := portRange(pm.ContainerPortRange)
		if !ok {
			return fmt.Errorf("invalid containerPortRange %q", pm.ContainerPortRange)
		}
		proto := protocolOf(pm)
		first, err := alloc.Range(hi-lo+1, proto)
		if err != nil {
			return fmt.Errorf("unable to find contiguous host ports for containerPortRange %s: %w", pm.ContainerPortRange, err)
		}
		for i := 0; i <= hi-lo; i++ {
			cs.PortBindings = append(cs.PortBindings, runtime.PortBinding{ContainerPort: lo + i, HostPort: first + i, Protocol: proto})
		}
	}
	return nil
}

// rangeBindings reports a container's bindings as ECS does: one per
// containerPort mapping, and one per containerPortRange mapping (per
// address) with the containerPortRange and the hostPortRange it got.
func rangeBindings(ports []runtime.PortBinding, pms []ecsmodel.PortMapping) []ecsmodel.NetworkBinding {
	type key struct {
		rng   string
		ip    string
		proto string
	}
	inRange := func(p runtime.PortBinding) (string, bool) {
		for _, pm := range pms {
			if pm.ContainerPortRange == "" || protocolOf(pm) != p.Protocol {
				continue
			}
			if lo, hi, ok := portRange(pm.ContainerPortRange); ok && p.ContainerPort >= lo && p.ContainerPort <= hi {
				return pm.ContainerPortRange, true
			}
		}
		return "", false
	}
	var single []runtime.PortBinding
	var order []key
	hosts := map[key][2]int{}
	for _, p := range ports {
		rng, ok := inRange(p)
		if !ok {
			single = append(single, p)
			continue
		}
		k := key{rng, p.HostIP, p.Protocol}
		h, seen := hosts[k]
		if !seen {
			order = append(order, k)
			h = [2]int{p.HostPort, p.HostPort}
		}
		hosts[k] = [2]int{min(h[0], p.HostPort), max(h[1], p.HostPort)}
	}
	out := bindings(single)
	for _, k := range order {
		ip := k.ip
		if ip == "" {
			ip = "0.0.0.0"
		}
		h := hosts[k]
		out = append(out, ecsmodel.NetworkBinding{
			BindIP: ip, Protocol: ecsmodel.TransportProtocol(k.proto),
			ContainerPortRange: k.rng, HostPortRange: strconv.Itoa(h[0]) + "-" + strconv.Itoa(h[1]),
		})
	}
	return out
}

// hasPortRange reports whether cd maps a containerPortRange.
func hasPortRange(cd *ecsmodel.ContainerDefinition) bool {
	for _, pm := range cd.PortMappings {
		if strings.TrimSpace(pm.ContainerPortRange) != "" {
			return true
		}
	}
	return false
}
