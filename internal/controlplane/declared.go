package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// HostInstance describes the machine ecsrun runs on as a container
// instance of the default cluster.
type HostInstance struct {
	// CPU in CPU units (1024 per core) and Memory in MiB.
	CPU, Memory int64
	// Attributes are the built-in attributes (ecs.os-type,
	// ecs.instance-type, ...); the agent's capabilities are added.
	Attributes map[string]string
	// VersionInfo is reported as the instance's versionInfo.
	VersionInfo ecsmodel.VersionInfo
	// GPUs are the ids of the machine's NVIDIA GPUs (its GPU resource).
	GPUs []string
}

// registerHostLater registers the host again with what later delivers
// (see Options.HostLater), and then lets tasks be placed.
func (cp *ControlPlane) registerHostLater(later <-chan *HostInstance) {
	defer close(cp.hostDone)
	defer close(cp.hostReady)
	select {
	case h, ok := <-later:
		if !ok || h == nil {
			return
		}
		cp.mu.Lock()
		err := cp.registerHost(context.Background(), h, false)
		cp.mu.Unlock()
		if err != nil {
			cp.log.Error("cannot register the host instance's capabilities", "err", err)
		}
	case <-cp.hostStop:
	}
}

// awaitHost returns once the placement of in's tasks can rely on the host
// instance's attributes: at once, unless Options.HostLater is pending and
// they depend on a volume plugin's; else when the registration is
// complete, or with ctx's error.
func (cp *ControlPlane) awaitHost(ctx context.Context, in *ecsmodel.RunTaskRequest) error {
	select {
	case <-cp.hostReady:
		return nil
	default:
	}
	cp.mu.Lock()
	td, err := cp.taskDef(in.TaskDefinition)
	cp.mu.Unlock()
	if err != nil || !needsVolumePlugin(&td.Def, in) {
		return nil // runTasksOn says what is wrong
	}
	if cp.hostWanted != nil {
		cp.hostWanted()
	}
	select {
	case <-cp.hostReady:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// needsVolumePlugin reports whether placing a task of def (as in asks)
// depends on a volume plugin's capability attribute.
func needsVolumePlugin(def *ecsmodel.TaskDefinition, in *ecsmodel.RunTaskRequest) bool {
	for _, a := range def.RequiresAttributes {
		if ecs.IsVolumePluginAttribute(a.Name) {
			return true
		}
	}
	names := func(expr string) bool { return strings.Contains(expr, ecs.DockerPluginAttribute("")) }
	for _, c := range def.PlacementConstraints {
		if names(c.Expression) {
			return true
		}
	}
	for _, c := range in.PlacementConstraints {
		if names(c.Expression) {
			return true
		}
	}
	return false
}

// registerHost registers the host as the first container instance of the
// default cluster, or refreshes its resources and attributes; once the
// host instance has been deregistered it stays so. With keepPlugins, the
// volume plugin attributes the host had are kept beside h's (h's are not
// known yet). Callers hold cp.mu.
func (cp *ControlPlane) registerHost(ctx context.Context, h *HostInstance, keepPlugins bool) error {
	c := cp.clusters[ecs.DefaultCluster]
	if c == nil || c.Status != "ACTIVE" {
		return nil
	}
	var prev *instanceRecord
	for _, r := range cp.instances {
		if r.Source == sourceHost && r.Cluster == c.Name {
			prev = r
		}
	}
	if prev != nil && prev.Status == instanceInactive {
		return nil
	}
	attrs := h.Attributes
	if keepPlugins && prev != nil && prev.Declared != nil {
		attrs = maps.Clone(attrs)
		for name, value := range prev.Declared.Attributes {
			if _, ok := attrs[name]; !ok && ecs.IsVolumePluginAttribute(name) {
				attrs[name] = value
			}
		}
	}
	spec := instanceSpec{
		res:            ecs.InstanceResources{CPU: h.CPU, Memory: h.Memory, TCPPorts: slices.Clone(ecs.AgentPorts), GPUs: slices.Sorted(slices.Values(h.GPUs))},
		attrs:          cp.builtinAttributes(attrs, nil),
		info:           h.VersionInfo,
		agentConnected: true,
	}
	if _, err := ecs.ParseInstanceResources(spec.res.Wire()); err != nil {
		return fmt.Errorf("controlplane: host instance: %w", err)
	}
	spec = cp.redeclare(prev, spec)
	if prev != nil && sameRegistration(prev, spec) {
		return nil
	}
	_, err := cp.putInstance(ctx, c.Name, prev, "", sourceHost, spec)
	return err
}

// sameRegistration reports whether re-registering r with spec would change
// nothing.
func sameRegistration(r *instanceRecord, spec instanceSpec) bool {
	return r.AgentConnected == spec.agentConnected && r.VersionInfo == spec.info &&
		maps.Equal(r.Attributes, spec.attrs) && string(mustJSON(r.Resources)) == string(mustJSON(spec.res.Wire())) &&
		(spec.tags == nil || string(mustJSON(r.Tags)) == string(mustJSON(spec.tags))) &&
		(spec.declared == nil || string(mustJSON(r.Declared)) == string(mustJSON(spec.declared)))
}

// redeclare prepares the registration of a declaration (the host's, or a
// --config instance's) over prev, the instance as it is (nil when new):
// spec is recorded as the declaration, and what was changed through the
// API besides prev's declaration (custom attributes PutAttributes set,
// tags TagResource added) is kept where the declaration does not speak,
// within the limits. Callers hold cp.mu.
func (cp *ControlPlane) redeclare(prev *instanceRecord, spec instanceSpec) instanceSpec {
	spec.declared = &declaration{Attributes: maps.Clone(spec.attrs), Tags: slices.Clone(spec.tags)}
	if prev == nil || prev.Declared == nil {
		return spec
	}
	attrs := maps.Clone(spec.attrs)
	for name, value := range prev.Attributes {
		_, declared := prev.Declared.Attributes[name]
		_, set := attrs[name]
		if ecs.IsCustomAttribute(name) && !declared && !set {
			attrs[name] = value
		}
	}
	if checkAttributes(attrs) == nil {
		spec.attrs = attrs
	} else {
		cp.log.Warn("container instance: attributes set through the API are dropped, the declaration leaves no room for them", "instance", prev.ARN)
	}
	if spec.tags != nil {
		tags := slices.Clone(spec.tags)
		for _, t := range prev.Tags {
			if !hasTag(prev.Declared.Tags, t.Key) && !hasTag(tags, t.Key) {
				tags = append(tags, t)
			}
		}
		if countUserTags(tags) <= ecs.MaxTags {
			spec.tags = tags
		} else {
			cp.log.Warn("container instance: tags added through the API are dropped, the declaration leaves no room for them", "instance", prev.ARN)
		}
	}
	return spec
}

func hasTag(tags []ecsmodel.Tag, key string) bool {
	return slices.ContainsFunc(tags, func(t ecsmodel.Tag) bool { return t.Key == key })
}

// DeclaredInstance is a container instance declared by configuration
// (`ecsrun serve --config`). Its identity is its cluster and Key, so
// starting again with the same declaration finds the same instance, ARN
// included.
type DeclaredInstance struct {
	Cluster string
	// Key names the instance uniquely within its cluster.
	Key       string
	Resources ecs.InstanceResources
	// Attributes are set as given; missing built-in ones get defaults.
	Attributes map[string]string
	// AgentConnected false simulates a disconnected agent (placement
	// failures with reason AGENT).
	AgentConnected bool
	Tags           []ecsmodel.Tag
}

// Declare makes the clusters and declared container instances exist:
// clusters are created, instances registered or updated to match their
// declaration, and instances declared before but not any more are
// deregistered (unless tasks still run on them, which is logged).
func (cp *ControlPlane) Declare(ctx context.Context, clusters []string, instances []DeclaredInstance) error {
	for _, name := range clusters {
		if _, err := cp.CreateCluster(ctx, &ecsmodel.CreateClusterRequest{ClusterName: name}); err != nil {
			return fmt.Errorf("cluster %s: %w", name, err)
		}
	}
	for _, d := range instances {
		if _, err := cp.CreateCluster(ctx, &ecsmodel.CreateClusterRequest{ClusterName: d.Cluster}); err != nil {
			return fmt.Errorf("cluster %s: %w", d.Cluster, err)
		}
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	declared := map[string]bool{}
	for _, d := range instances {
		source := sourceConfig + d.Cluster + "/" + d.Key
		if declared[source] {
			return fmt.Errorf("container instance %s is declared twice in cluster %s", d.Key, d.Cluster)
		}
		declared[source] = true
		if _, err := ecs.ParseInstanceResources(d.Resources.Wire()); err != nil {
			return fmt.Errorf("container instance %s: %w", d.Key, err)
		}
		if err := ecs.ValidateTags(d.Tags); err != nil {
			return fmt.Errorf("container instance %s: %w", d.Key, err)
		}
		spec := instanceSpec{
			res: d.Resources, attrs: cp.builtinAttributes(d.Attributes, nil), tags: d.Tags, agentConnected: d.AgentConnected,
			info: ecsmodel.VersionInfo{AgentVersion: ecs.LocalAgentVersion, AgentHash: "ecsrun"},
		}
		if spec.tags == nil {
			spec.tags = []ecsmodel.Tag{}
		}
		if err := checkAttributes(spec.attrs); err != nil {
			return fmt.Errorf("container instance %s: %w", d.Key, err)
		}
		sum := sha256.Sum256([]byte(source))
		id := hex.EncodeToString(sum[:16])
		spec.ec2ID = "i-" + id[:17]
		prev := cp.instances[id]
		spec = cp.redeclare(prev, spec)
		if prev != nil && prev.Status != instanceInactive && sameRegistration(prev, spec) {
			continue
		}
		if _, err := cp.putInstance(ctx, d.Cluster, prev, id, source, spec); err != nil {
			return fmt.Errorf("container instance %s: %w", d.Key, err)
		}
	}
	for _, r := range cp.instances {
		if !strings.HasPrefix(r.Source, sourceConfig) || declared[r.Source] || r.Status == instanceInactive {
			continue
		}
		if n := len(cp.activeTasksOn(r.ID)); n > 0 {
			cp.log.Warn("container instance no longer declared keeps running its tasks", "instance", r.ARN, "tasks", n)
			continue
		}
		if err := cp.deactivate(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
