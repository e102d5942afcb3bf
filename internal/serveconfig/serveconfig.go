package serveconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/efs"
)

// MaxCount is the largest count one instance declaration may stamp out.
const MaxCount = 10000

// File is the configuration file as written.
type File struct {
	// Clusters are created when missing.
	Clusters []ClusterDecl `json:"clusters"`
	// Instances are container instances to register.
	Instances []InstanceDecl `json:"instances"`
	// EFS maps EFS file systems to host directories and declares access
	// points.
	EFS EFSDecl `json:"efs"`
	// Endpoints are where workflow Task states reach other services
	// (lambda, sns, sqs, dynamodb, eventbridge: URL); they win over
	// AWS_ENDPOINT_URL_<SERVICE>.
	Endpoints map[string]string `json:"endpoints"`
	// AllowHostPaths lists host paths (and what is inside them) that tasks
	// may bind-mount although they hand over the host: the engine's state
	// directory, the Docker socket, "/" (see package hostmounts).
	AllowHostPaths []string `json:"allowHostPaths"`
	// AutoScalingGroups are virtual Auto Scaling groups, for capacity
	// providers (see AutoScalingGroupDecl).
	AutoScalingGroups []AutoScalingGroupDecl `json:"autoScalingGroups"`
}

// ClusterDecl declares a cluster.
type ClusterDecl struct {
	Name Scalar `json:"name"`
}

// InstanceDecl declares one container instance, or Count alike ones.
type InstanceDecl struct {
	// Name identifies the instance in its cluster; with Count > 1 the
	// instances are Name-1 ... Name-Count.
	Name Scalar `json:"name"`
	// Cluster is the cluster's name (default "default"); it is created
	// when missing.
	Cluster Scalar `json:"cluster"`
	// Count is how many instances to declare (default 1).
	Count int `json:"count"`
	// CPU in CPU units ("2048") or vCPUs ("2 vCPU"); Memory in MiB
	// ("4096") or GB ("4GB"). Both are required.
	CPU    Quantity `json:"cpu"`
	Memory Quantity `json:"memory"`
	// Ports and UDPPorts are host ports reserved on the instance.
	Ports    []int `json:"ports"`
	UDPPorts []int `json:"udpPorts"`
	// GPUs is the number of GPUs (ids gpu0, gpu1, ...).
	GPUs int `json:"gpus"`
	// Zone sets ecs.availability-zone; Zones instead spreads the instances
	// over several zones, round robin.
	Zone  Scalar   `json:"zone"`
	Zones []Scalar `json:"zones"`
	// InstanceType sets ecs.instance-type.
	InstanceType Scalar `json:"instanceType"`
	// Attributes are further attributes (name: value; an empty value sets
	// the attribute without a value).
	Attributes map[string]Scalar `json:"attributes"`
	// AgentConnected false simulates an instance whose agent is
	// disconnected (default true).
	AgentConnected *bool `json:"agentConnected"`
	// Tags are the instances' tags.
	Tags map[string]Scalar `json:"tags"`
}

// Scalar is a string, number or boolean, read as a string (so that YAML's
// `gpu: true` or `rack: 12` work as attribute values).
type Scalar string

// UnmarshalJSON accepts a JSON string, number or boolean.
func (s *Scalar) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*s = Scalar(v)
	case bool, float64:
		*s = Scalar(strings.TrimSpace(string(b)))
	default:
		return fmt.Errorf("want a string, number or boolean, got %s", b)
	}
	return nil
}

// Quantity is a number or a string with a unit.
type Quantity string

// UnmarshalJSON accepts a JSON number or string.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*q = Quantity(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a number or a string such as \"2 vCPU\" or \"4GB\", got %s", b)
	}
	*q = Quantity(n.String())
	return nil
}

// Config is a validated configuration with every instance stamped out.
type Config struct {
	// Clusters lists the clusters to create, including those instances
	// name, in order of first mention.
	Clusters []string
	// Instances lists every declared instance.
	Instances []Instance
	// EFS holds the EFS file systems and access points (its Dir is left
	// to the engine).
	EFS efs.Config
	// Endpoints maps services (EndpointServices) to the endpoint URLs
	// workflow Task states call them at.
	Endpoints map[string]string
	// AllowHostPaths are absolute host paths tasks may bind-mount although
	// they are protected (package hostmounts).
	AllowHostPaths []string
	// AutoScalingGroups are the declared Auto Scaling groups.
	AutoScalingGroups []AutoScalingGroup
}

// Instance is one declared container instance.
type Instance struct {
	Cluster string
	// Key is unique within the cluster (the name, or name-N).
	Key            string
	Resources      ecs.InstanceResources
	Attributes     map[string]string
	AgentConnected bool
	Tags           map[string]string
}

// Parse reads a configuration file, JSON or YAML (strictly: unknown
// members are errors), checks it and stamps out the instances.
func Parse(data []byte) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("the configuration file is empty")
	}
	if trimmed[0] != '{' {
		j, err := yaml.YAMLToJSONStrict(data)
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %s", ecs.YAMLErrorMessage(data, err))
		}
		data = j
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("invalid configuration: %v", err)
	}
	return f.expand()
}

func (f *File) expand() (*Config, error) {
	cfg := &Config{}
	seenCluster := map[string]bool{}
	addCluster := func(name, where string) error {
		if err := ecs.ValidateClusterName(name); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		if !seenCluster[name] {
			seenCluster[name] = true
			cfg.Clusters = append(cfg.Clusters, name)
		}
		return nil
	}
	for i, c := range f.Clusters {
		if err := addCluster(string(c.Name), fmt.Sprintf("clusters[%d].name", i)); err != nil {
			return nil, err
		}
	}
	keys := map[string]bool{}
	for i, d := range f.Instances {
		where := fmt.Sprintf("instances[%d]", i)
		if d.Name != "" {
			where += " (" + string(d.Name) + ")"
		}
		insts, err := d.expand()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		if err := addCluster(insts[0].Cluster, where+".cluster"); err != nil {
			return nil, err
		}
		for _, in := range insts {
			k := in.Cluster + "/" + in.Key
			if keys[k] {
				return nil, fmt.Errorf("%s: instance %s is declared twice in cluster %s; give each declaration its own name", where, in.Key, in.Cluster)
			}
			keys[k] = true
		}
		cfg.Instances = append(cfg.Instances, insts...)
	}
	groups := map[string]bool{}
	for i, d := range f.AutoScalingGroups {
		g, err := d.expand()
		if err != nil {
			return nil, fmt.Errorf("autoScalingGroups[%d]: %v", i, err)
		}
		if groups[g.Name] || (g.ARN != "" && groups[g.ARN]) {
			return nil, fmt.Errorf("autoScalingGroups[%d]: the group %s is declared twice", i, g.Name)
		}
		groups[g.Name], groups[g.ARN] = true, true
		cfg.AutoScalingGroups = append(cfg.AutoScalingGroups, g)
	}
	eps, err := checkEndpoints(f.Endpoints)
	if err != nil {
		return nil, err
	}
	cfg.Endpoints = eps
	e, err := f.EFS.expand()
	if err != nil {
		return nil, err
	}
	cfg.EFS = e
	for i, p := range f.AllowHostPaths {
		if !path.IsAbs(p) {
			return nil, fmt.Errorf("allowHostPaths[%d]: %q is not an absolute path; write it from the root, for example /var/run/docker.sock", i, p)
		}
		cfg.AllowHostPaths = append(cfg.AllowHostPaths, path.Clean(p))
	}
	return cfg, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func (d *InstanceDecl) expand() ([]Instance, error) {
	if !validName(string(d.Name)) {
		return nil, fmt.Errorf("name %q: give 1 to 64 letters, digits, hyphens, underscores or periods", d.Name)
	}
	cluster := string(d.Cluster)
	if cluster == "" {
		cluster = ecs.DefaultCluster
	}
	count := d.Count
	if count == 0 {
		count = 1
	}
	if count < 1 || count > MaxCount {
		return nil, fmt.Errorf("count must be between 1 and %d; got %d", MaxCount, d.Count)
	}
	if d.CPU == "" || d.Memory == "" {
		return nil, errors.New("cpu and memory are required (for example cpu: 2048, memory: 4GB)")
	}
	cpu, err := ecs.ParseCPU(string(d.CPU))
	if err != nil {
		return nil, fmt.Errorf("cpu: %v", err)
	}
	mem, err := ecs.ParseMemory(string(d.Memory))
	if err != nil {
		return nil, fmt.Errorf("memory: %v", err)
	}
	res := ecs.InstanceResources{CPU: int64(cpu), Memory: int64(mem)}
	if res.TCPPorts, err = ports("ports", d.Ports); err != nil {
		return nil, err
	}
	if res.UDPPorts, err = ports("udpPorts", d.UDPPorts); err != nil {
		return nil, err
	}
	if d.GPUs < 0 || d.GPUs > 64 {
		return nil, fmt.Errorf("gpus must be between 0 and 64; got %d", d.GPUs)
	}
	for g := range d.GPUs {
		res.GPUs = append(res.GPUs, "gpu"+strconv.Itoa(g))
	}
	if d.Zone != "" && len(d.Zones) > 0 {
		return nil, errors.New("give zone or zones, not both")
	}
	attrs := make(map[string]string, len(d.Attributes)+2)
	for k, v := range d.Attributes {
		attrs[k] = string(v)
	}
	for _, special := range []struct{ name, value, field string }{
		{ecs.AttrAvailabilityZone, string(d.Zone), "zone"}, {ecs.AttrInstanceType, string(d.InstanceType), "instanceType"},
	} {
		if special.value == "" {
			continue
		}
		if _, dup := attrs[special.name]; dup {
			return nil, fmt.Errorf("%s and attributes.%s both set %s; keep one", special.field, special.name, special.name)
		}
		attrs[special.name] = special.value
	}
	if _, dup := attrs[ecs.AttrAvailabilityZone]; dup && len(d.Zones) > 0 {
		return nil, fmt.Errorf("zones and attributes.%s both set the zone; keep one", ecs.AttrAvailabilityZone)
	}
	for _, z := range d.Zones {
		if err := ecs.ValidateAttribute(ecs.AttrAvailabilityZone, string(z)); err != nil || z == "" {
			return nil, fmt.Errorf("zones: %q is not a valid zone name", z)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		if err := ecs.ValidateAttribute(name, attrs[name]); err != nil {
			return nil, fmt.Errorf("attributes: %v", err)
		}
	}
	connected := d.AgentConnected == nil || *d.AgentConnected
	var tags map[string]string
	if d.Tags != nil {
		tags = make(map[string]string, len(d.Tags))
		for k, v := range d.Tags {
			tags[k] = string(v)
		}
	}
	out := make([]Instance, count)
	for n := range count {
		key := string(d.Name)
		if count > 1 {
			key += "-" + strconv.Itoa(n+1)
		}
		a := maps.Clone(attrs)
		if len(d.Zones) > 0 {
			a[ecs.AttrAvailabilityZone] = string(d.Zones[n%len(d.Zones)])
		}
		out[n] = Instance{
			Cluster: cluster, Key: key, Resources: res, Attributes: a,
			AgentConnected: connected, Tags: maps.Clone(tags),
		}
	}
	return out, nil
}

func ports(field string, ps []int) ([]uint16, error) {
	out := make([]uint16, 0, len(ps))
	for _, p := range ps {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("%s: %d is not a port number (1-65535)", field, p)
		}
		out = append(out, uint16(p))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
