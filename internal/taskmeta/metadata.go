package taskmeta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
)

// TaskResponse is the task metadata document (…/task).
type TaskResponse struct {
	Cluster               string              `json:"Cluster"`
	TaskARN               string              `json:"TaskARN"`
	Family                string              `json:"Family"`
	Revision              string              `json:"Revision"`
	DesiredStatus         string              `json:"DesiredStatus,omitempty"`
	KnownStatus           string              `json:"KnownStatus"`
	Containers            []ContainerResponse `json:"Containers,omitempty"`
	Limits                *Limits             `json:"Limits,omitempty"`
	PullStartedAt         *time.Time          `json:"PullStartedAt,omitempty"`
	PullStoppedAt         *time.Time          `json:"PullStoppedAt,omitempty"`
	ExecutionStoppedAt    *time.Time          `json:"ExecutionStoppedAt,omitempty"`
	AvailabilityZone      string              `json:"AvailabilityZone,omitempty"`
	TaskTags              map[string]string   `json:"TaskTags,omitempty"`
	ContainerInstanceTags map[string]string   `json:"ContainerInstanceTags,omitempty"`
	LaunchType            string              `json:"LaunchType,omitempty"`
}

// Limits are CPU (vCPUs for a task, CPU units for a container) and memory
// (MiB).
type Limits struct {
	CPU    *float64 `json:"CPU,omitempty"`
	Memory *int64   `json:"Memory,omitempty"`
}

// ContainerResponse is the container metadata document.
type ContainerResponse struct {
	DockerID      string            `json:"DockerId"`
	Name          string            `json:"Name"`
	DockerName    string            `json:"DockerName"`
	Image         string            `json:"Image"`
	ImageID       string            `json:"ImageID"`
	Ports         []Port            `json:"Ports,omitempty"`
	Labels        map[string]string `json:"Labels,omitempty"`
	DesiredStatus string            `json:"DesiredStatus"`
	KnownStatus   string            `json:"KnownStatus"`
	ExitCode      *int              `json:"ExitCode,omitempty"`
	Limits        Limits            `json:"Limits"`
	CreatedAt     *time.Time        `json:"CreatedAt,omitempty"`
	StartedAt     *time.Time        `json:"StartedAt,omitempty"`
	FinishedAt    *time.Time        `json:"FinishedAt,omitempty"`
	Type          string            `json:"Type"`
	LogDriver     string            `json:"LogDriver,omitempty"`
	LogOptions    map[string]string `json:"LogOptions,omitempty"`
	ContainerARN  string            `json:"ContainerARN,omitempty"`
	Health        *Health           `json:"Health,omitempty"`
	Networks      []Network         `json:"Networks,omitempty"`
}

// Port is a port mapping of a container.
type Port struct {
	ContainerPort int32  `json:"ContainerPort,omitempty"`
	Protocol      string `json:"Protocol,omitempty"`
	HostPort      int32  `json:"HostPort,omitempty"`
	HostIP        string `json:"HostIp,omitempty"`
}

// Health is a container's health status.
type Health struct {
	Status string `json:"status"`
}

// Network is a container's network attachment.
type Network struct {
	NetworkMode              string   `json:"NetworkMode"`
	IPv4Addresses            []string `json:"IPv4Addresses,omitempty"`
	AttachmentIndex          *int     `json:"AttachmentIndex,omitempty"`
	MACAddress               string   `json:"MACAddress,omitempty"`
	IPv4SubnetCIDRBlock      string   `json:"IPv4SubnetCIDRBlock,omitempty"`
	PrivateDNSName           string   `json:"PrivateDNSName,omitempty"`
	SubnetGatewayIpv4Address string   `json:"SubnetGatewayIpv4Address,omitempty"`
}

// document names what a metadata path answers.
type document int

const (
	containerDoc document = iota
	taskDoc
	taskWithTagsDoc
	containerStatsDoc
	taskStatsDoc
)

// metadata returns the handler of one metadata path of a version.
func (s *Server) metadata(version int, doc document) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.mu.Lock()
		ref, ok := s.containers[id]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, fmt.Sprintf("V%d metadata handler: no container has the endpoint id %q", version, id))
			return
		}
		ctx := r.Context()
		task, def, err := s.opts.Tasks.DescribeTask(ctx, ref.e.task.Cluster, ref.e.task.ARN)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, fmt.Sprintf("V%d metadata handler: unable to describe task %s: %v", version, ref.e.task.ARN, err))
			return
		}
		switch doc {
		case containerDoc:
			for i := range task.Containers {
				if task.Containers[i].Name == ref.name {
					writeJSON(w, http.StatusOK, s.container(ctx, version, task, def, &task.Containers[i]))
					return
				}
			}
			writeJSON(w, http.StatusNotFound, fmt.Sprintf("V%d metadata handler: task %s has no container %q", version, task.TaskArn, ref.name))
		case taskDoc, taskWithTagsDoc:
			writeJSON(w, http.StatusOK, s.task(ctx, version, task, def, doc == taskWithTagsDoc))
		case containerStatsDoc:
			for i := range task.Containers {
				if task.Containers[i].Name == ref.name {
					writeJSON(w, http.StatusOK, s.stats(ctx, &task.Containers[i]))
					return
				}
			}
			writeJSON(w, http.StatusOK, nil)
		case taskStatsDoc:
			all := map[string]json.RawMessage{}
			for i := range task.Containers {
				if id := task.Containers[i].RuntimeId; id != "" {
					all[id] = s.stats(ctx, &task.Containers[i])
				}
			}
			writeJSON(w, http.StatusOK, all)
		}
	}
}

// stats returns one stats sample of a running container, else JSON null.
func (s *Server) stats(ctx context.Context, c *ecsmodel.Container) json.RawMessage {
	if s.desc == nil || c.RuntimeId == "" || c.LastStatus != "RUNNING" {
		return json.RawMessage("null")
	}
	b, err := s.desc.Stats(ctx, c.RuntimeId)
	if err != nil || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return b
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// task builds the task document.
func (s *Server) task(ctx context.Context, version int, t *ecsmodel.Task, def *ecsmodel.TaskDefinition, withTags bool) TaskResponse {
	out := TaskResponse{
		Cluster:       t.ClusterArn,
		TaskARN:       t.TaskArn,
		Family:        def.Family,
		Revision:      strconv.Itoa(int(def.Revision)),
		DesiredStatus: t.DesiredStatus,
		KnownStatus:   t.LastStatus,
	}
	if t.LaunchType != ecsmodel.LaunchTypeFARGATE {
		// On EC2 the agent reports the cluster's name.
		out.Cluster = t.ClusterArn[strings.LastIndex(t.ClusterArn, "/")+1:]
	}
	if t.PullStartedAt != nil {
		out.PullStartedAt = timePtr(t.PullStartedAt.Time)
	}
	if t.PullStoppedAt != nil {
		out.PullStoppedAt = timePtr(t.PullStoppedAt.Time)
	}
	if t.ExecutionStoppedAt != nil {
		out.ExecutionStoppedAt = timePtr(t.ExecutionStoppedAt.Time)
	}
	var lim Limits
	if cpu, err := strconv.ParseFloat(t.Cpu, 64); err == nil {
		vcpu := cpu / 1024
		lim.CPU = &vcpu
	}
	if mem, err := strconv.ParseInt(t.Memory, 10, 64); err == nil {
		lim.Memory = &mem
	}
	if lim.CPU != nil || lim.Memory != nil {
		out.Limits = &lim
	}
	if version >= 4 {
		out.AvailabilityZone = t.AvailabilityZone
		out.LaunchType = string(t.LaunchType)
	}
	if withTags {
		out.TaskTags = map[string]string{}
		for _, tag := range t.Tags {
			out.TaskTags[tag.Key] = tag.Value
		}
		out.ContainerInstanceTags = map[string]string{}
	}
	for i := range t.Containers {
		out.Containers = append(out.Containers, s.container(ctx, version, t, def, &t.Containers[i]))
	}
	return out
}

// container builds one container's document from the task, its definition
// and what the runtime says about the container.
func (s *Server) container(ctx context.Context, version int, t *ecsmodel.Task, def *ecsmodel.TaskDefinition, c *ecsmodel.Container) ContainerResponse {
	out := ContainerResponse{
		DockerID:      c.RuntimeId,
		Name:          c.Name,
		Image:         c.Image,
		DesiredStatus: t.DesiredStatus,
		KnownStatus:   c.LastStatus,
		Type:          "NORMAL",
	}
	if c.ExitCode != nil {
		code := int(*c.ExitCode)
		out.ExitCode = &code
	}
	var cd *ecsmodel.ContainerDefinition
	for i := range def.ContainerDefinitions {
		if def.ContainerDefinitions[i].Name == c.Name {
			cd = &def.ContainerDefinitions[i]
		}
	}
	cpu, mem := 0.0, int64(0)
	if cd != nil {
		cpu = float64(cd.Cpu)
		if cd.Memory != nil {
			mem = int64(*cd.Memory)
		}
		if out.Image == "" {
			out.Image = cd.Image
		}
		if version >= 4 && cd.LogConfiguration != nil {
			out.LogDriver = string(cd.LogConfiguration.LogDriver)
			out.LogOptions = cd.LogConfiguration.Options
		}
		if cd.HealthCheck != nil {
			out.Health = &Health{Status: string(c.HealthStatus)}
		}
	}
	out.Limits = Limits{CPU: &cpu, Memory: &mem}
	if version >= 4 {
		out.ContainerARN = c.ContainerArn
	}
	for _, b := range c.NetworkBindings {
		p := Port{Protocol: string(b.Protocol), HostIP: b.BindIP}
		if b.ContainerPort != nil {
			p.ContainerPort = *b.ContainerPort
		}
		if b.HostPort != nil {
			p.HostPort = *b.HostPort
		}
		out.Ports = append(out.Ports, p)
	}
	if def.NetworkMode == ecsmodel.NetworkModeAwsvpc && cd != nil {
		for _, pm := range cd.PortMappings {
			if pm.ContainerPort != nil {
				proto := string(pm.Protocol)
				if proto == "" {
					proto = "tcp"
				}
				out.Ports = append(out.Ports, Port{ContainerPort: *pm.ContainerPort, Protocol: proto})
			}
		}
	}
	if c.RuntimeId == "" || s.opts.Runtime == nil {
		return out
	}
	if st, err := s.opts.Runtime.Inspect(ctx, c.RuntimeId); err == nil {
		out.DockerName = st.Name
		out.ImageID = st.ImageID
		out.Labels = st.Labels
		out.StartedAt = timePtr(st.StartedAt)
		if st.Running && out.KnownStatus == "PENDING" {
			// Started, and the agent's report of it still on its way.
			out.KnownStatus = "RUNNING"
		}
		if st.Exited {
			out.FinishedAt = timePtr(st.FinishedAt)
		}
	}
	if s.desc == nil {
		return out
	}
	if d, err := s.desc.Details(ctx, c.RuntimeId); err == nil {
		out.CreatedAt = timePtr(d.CreatedAt)
		out.Networks = networks(version, t, def, d)
	}
	return out
}

// networks reports a container's networks under the task's network mode.
func networks(version int, t *ecsmodel.Task, def *ecsmodel.TaskDefinition, d runtime.Details) []Network {
	mode := string(def.NetworkMode)
	switch mode {
	case "":
		mode = string(ecsmodel.NetworkModeBridge)
	case string(ecsmodel.NetworkModeNone):
		return nil
	case string(ecsmodel.NetworkModeHost):
		return []Network{{NetworkMode: mode}}
	}
	var out []Network
	for i, a := range d.Networks {
		n := Network{NetworkMode: mode, IPv4Addresses: []string{a.IPv4}}
		if version >= 4 && mode == string(ecsmodel.NetworkModeAwsvpc) {
			idx := i
			n.AttachmentIndex = &idx
			n.MACAddress = a.MAC
			if ip, err := netip.ParseAddr(a.IPv4); err == nil && a.PrefixLen > 0 {
				if p, err := ip.Prefix(a.PrefixLen); err == nil {
					n.IPv4SubnetCIDRBlock = p.String()
				}
				n.PrivateDNSName = "ip-" + strings.ReplaceAll(a.IPv4, ".", "-") + "." + region(t.TaskArn) + ".compute.internal"
				if a.Gateway != "" {
					n.SubnetGatewayIpv4Address = a.Gateway + "/" + strconv.Itoa(a.PrefixLen)
				}
			}
		}
		out = append(out, n)
	}
	return out
}

// region returns the region of an ARN.
func region(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}
