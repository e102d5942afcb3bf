package agent

import (
	"errors"
	"reflect"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/hostports"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

func TestPublishRanges(t *testing.T) {
	taken := map[int]bool{49001: true}
	alloc := hostports.New(49000, 49010, func(p int, proto string) bool { return !taken[p] })
	cd := &ecsmodel.ContainerDefinition{Name: "app", PortMappings: []ecsmodel.PortMapping{
		{ContainerPort: i32(80)},
		{ContainerPortRange: "8000-8002"},
		{ContainerPortRange: "53-54", Protocol: ecsmodel.TransportProtocolUdp},
	}}
	cs := runtime.ContainerSpec{NetworkMode: "bridge", PortBindings: []runtime.PortBinding{{ContainerPort: 80, Protocol: "tcp"}}}
	if err := publishRanges(&cs, cd, alloc); err != nil {
		t.Fatal(err)
	}
	want := []runtime.PortBinding{
		{ContainerPort: 80, Protocol: "tcp"},
		{ContainerPort: 8000, HostPort: 49002, Protocol: "tcp"}, {ContainerPort: 8001, HostPort: 49003, Protocol: "tcp"}, {ContainerPort: 8002, HostPort: 49004, Protocol: "tcp"},
		{ContainerPort: 53, HostPort: 49005, Protocol: "udp"}, {ContainerPort: 54, HostPort: 49006, Protocol: "udp"},
	}
	if !reflect.DeepEqual(cs.PortBindings, want) {
		t.Errorf("bindings = %+v; want %+v", cs.PortBindings, want)
	}
	shared := runtime.ContainerSpec{NetworkMode: "container:pause"}
	if err := publishRanges(&shared, cd, alloc); err != nil || len(shared.PortBindings) != 0 {
		t.Errorf("awsvpc container: bindings %+v, %v; want none (the task's own network interface)", shared.PortBindings, err)
	}
	big := &ecsmodel.ContainerDefinition{Name: "big", PortMappings: []ecsmodel.PortMapping{{ContainerPortRange: "1000-1020"}}}
	if err := publishRanges(&runtime.ContainerSpec{NetworkMode: "bridge"}, big, alloc); !errors.Is(err, hostports.ErrNoPorts) {
		t.Errorf("a range larger than the free ports: %v; want ErrNoPorts", err)
	}
}

func TestRangeBindings(t *testing.T) {
	pms := []ecsmodel.PortMapping{{ContainerPort: i32(80)}, {ContainerPortRange: "8000-8002"}}
	ports := []runtime.PortBinding{
		{ContainerPort: 80, HostPort: 32768, Protocol: "tcp"},
		{ContainerPort: 8001, HostPort: 49003, Protocol: "tcp"},
		{ContainerPort: 8000, HostPort: 49002, Protocol: "tcp"},
		{ContainerPort: 8002, HostPort: 49004, Protocol: "tcp"},
	}
	p := func(v int32) *int32 { return &v }
	want := []ecsmodel.NetworkBinding{
		{BindIP: "0.0.0.0", ContainerPort: p(80), HostPort: p(32768), Protocol: "tcp"},
		{BindIP: "0.0.0.0", Protocol: "tcp", ContainerPortRange: "8000-8002", HostPortRange: "49002-49004"},
	}
	if got := rangeBindings(ports, pms); !reflect.DeepEqual(got, want) {
		t.Errorf("rangeBindings = %+v; want %+v", got, want)
	}
}
