package serveconfig

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

const example = `
clusters:
  - name: demo
instances:
  - name: web
    cluster: demo
    count: 4
    cpu: 2 vCPU
    memory: 4GB
    ports: [22, 22, 80]
    zones: [us-east-1a, us-east-1b, us-east-1c]
    instanceType: m5.large
    attributes: {stack: blue, gpu-ready: "", rack: 12, spot: true}
    tags: {team: a}
  - name: big
    cpu: 8192
    memory: 32768
    gpus: 2
    zone: us-east-1d
    agentConnected: false
`

func TestParse_Example(t *testing.T) {
	cfg, err := Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"demo", "default"}; !reflect.DeepEqual(cfg.Clusters, want) {
		t.Errorf("clusters = %q; want %q", cfg.Clusters, want)
	}
	if len(cfg.Instances) != 5 {
		t.Fatalf("%d instances; want 5", len(cfg.Instances))
	}
	zones := []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"}
	for i, in := range cfg.Instances[:4] {
		if want := "web-" + string(rune('1'+i)); in.Key != want || in.Cluster != "demo" {
			t.Errorf("instance %d = %s/%s; want demo/%s", i, in.Cluster, in.Key, want)
		}
		wantAttrs := map[string]string{"ecs.availability-zone": zones[i], "ecs.instance-type": "m5.large", "stack": "blue", "gpu-ready": "", "rack": "12", "spot": "true"}
		if !reflect.DeepEqual(in.Attributes, wantAttrs) {
			t.Errorf("instance %d attributes = %v; want %v", i, in.Attributes, wantAttrs)
		}
		wantRes := ecs.InstanceResources{CPU: 2048, Memory: 4096, TCPPorts: []uint16{22, 80}, UDPPorts: []uint16{}}
		if !reflect.DeepEqual(in.Resources, wantRes) {
			t.Errorf("instance %d resources = %+v; want %+v", i, in.Resources, wantRes)
		}
		if !in.AgentConnected || in.Tags["team"] != "a" {
			t.Errorf("instance %d: connected %v, tags %v; want connected with team=a", i, in.AgentConnected, in.Tags)
		}
	}
	big := cfg.Instances[4]
	if big.Key != "big" || big.Cluster != "default" || big.AgentConnected ||
		!reflect.DeepEqual(big.Resources.GPUs, []string{"gpu0", "gpu1"}) || big.Attributes["ecs.availability-zone"] != "us-east-1d" {
		t.Errorf("big = %+v; want default/big, disconnected, 2 GPUs, zone us-east-1d", big)
	}
}

func TestParse_JSON(t *testing.T) {
	cfg, err := Parse([]byte(`{"instances": [{"name": "a", "cpu": "1024", "memory": 2048}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Instances) != 1 || cfg.Instances[0].Key != "a" || cfg.Instances[0].Resources.Memory != 2048 {
		t.Errorf("instances = %+v", cfg.Instances)
	}
}

func TestParse_Errors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"empty", "  \n", "empty"},
		{"bad yaml", "instances: [", "invalid YAML"},
		{"unknown member", "instances:\n  - name: a\n    cpu: 1\n    memory: 1\n    zonez: [x]\n", `unknown field "zonez"`},
		{"no name", "instances:\n  - cpu: 1\n    memory: 1\n", "name"},
		{"no memory", "instances:\n  - name: a\n    cpu: 1024\n", "cpu and memory are required"},
		{"bad cpu", "instances:\n  - name: a\n    cpu: lots\n    memory: 1\n", "cpu:"},
		{"zero count", "instances:\n  - name: a\n    cpu: 1\n    memory: 1\n    count: -1\n", "count must be"},
		{"zone and zones", "instances:\n  - name: a\n    cpu: 1\n    memory: 1\n    zone: zone-x\n    zones: [zone-y]\n", "zone or zones"},
		{"zone twice", "instances:\n  - name: a\n    cpu: 1\n    memory: 1\n    zone: zone-x\n    attributes: {ecs.availability-zone: zone-y}\n", "keep one"},
		{"bad port", "instances:\n  - name: a\n    cpu: 1\n    memory: 1\n    ports: [70000]\n", "not a port number"},
		{"bad attribute", "instances:\n  - name: a\n    cpu: 1\n    memory: 1\n    attributes: {\"bad name\": x}\n", "attributes:"},
		{"bad cluster", "instances:\n  - name: a\n    cluster: no/slash\n    cpu: 1\n    memory: 1\n", "cluster"},
		{"twice", "instances:\n  - {name: a, cpu: 1, memory: 1, count: 2}\n  - {name: a-1, cpu: 1, memory: 1}\n", "declared twice"},
		{"bad cpu type", "instances:\n  - {name: a, cpu: [1], memory: 1}\n", "number or a string"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v; want one containing %q", tt.name, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte(`{"clusters":[{"name":"x"}],"instances":[{"name":"a","cpu":1,"memory":"1GB","count":3,"zones":["a","b"]}]}`))
	f.Add([]byte("instances:\n  - {name: a, cpu: 1, memory: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			return
		}
		for _, in := range cfg.Instances {
			if in.Key == "" || in.Cluster == "" || in.Resources.CPU <= 0 || in.Resources.Memory <= 0 {
				t.Fatalf("accepted an invalid instance %+v from %q", in, data)
			}
		}
		for _, g := range cfg.AutoScalingGroups {
			if g.Name == "" || g.CPU <= 0 || g.Memory <= 0 || g.MinSize < 0 || g.MinSize > g.Desired || g.Desired > g.MaxSize {
				t.Fatalf("accepted an invalid group %+v from %q", g, data)
			}
		}
	})
}

func TestParse_AllowHostPaths(t *testing.T) {
	cfg, err := Parse([]byte("allowHostPaths: [/var/run/docker.sock, /srv/ecsrun/efs/]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/var/run/docker.sock", "/srv/ecsrun/efs"}; !reflect.DeepEqual(cfg.AllowHostPaths, want) {
		t.Errorf("AllowHostPaths = %q; want %q", cfg.AllowHostPaths, want)
	}
	if _, err := Parse([]byte("allowHostPaths: [docker.sock]\n")); err == nil || !strings.Contains(err.Error(), "allowHostPaths[0]") {
		t.Errorf("Parse of a relative allowed path = %v; want an error naming allowHostPaths[0]", err)
	}
}
