package capacity

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	cp "github.com/ecsrun/ecsrun/internal/capacityproviders"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// group is a declared Auto Scaling group and its state.
type group struct {
	decl  serveconfig.AutoScalingGroup
	state groupState
}

// groupState is what a group stores.
type groupState struct {
	Desired int `json:"desired"`
	// Declared is the desiredCapacity of the declaration the group last
	// started with: a new one in the configuration resets Desired.
	Declared  int             `json:"declared"`
	Instances []groupInstance `json:"instances"`
	Seq       int             `json:"seq"`
	LowSince  time.Time       `json:"lowSince,omitzero"`
	// Cluster is where the instances are registered ("" when none).
	Cluster string `json:"cluster,omitempty"`
}

type groupInstance struct {
	Key        string    `json:"key"`
	Zone       string    `json:"zone,omitempty"`
	LaunchedAt time.Time `json:"launchedAt"`
}

func (r *Registry) saveGroup(ctx context.Context, name string, st groupState) error {
	b, _ := json.Marshal(st)
	if _, err := r.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO autoscaling_groups(name, body) VALUES(?, ?)
		ON CONFLICT(name) DO UPDATE SET body = excluded.body`, name, b); err != nil {
		return fmt.Errorf("capacity: store group: %w", err)
	}
	return nil
}

// Run steps every interval until ctx ends, the first time at once. When
// steps is not nil it drives the loop instead (tests): one step for each
// channel received, which Run closes once that step is done.
func (r *Registry) Run(ctx context.Context, interval time.Duration, steps <-chan chan struct{}) {
	if steps != nil {
		for {
			select {
			case <-ctx.Done():
				return
			case done := <-steps:
				r.Step(ctx)
				close(done)
			}
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r.Step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step brings every group once toward where it should be: the size its
// provider's managed scaling decides (or its declared desired capacity),
// its instances registered in the provider's cluster; then the tasks
// waiting for capacity are placed.
func (r *Registry) Step(ctx context.Context) {
	r.mu.Lock()
	clusters := r.clusters
	names := slices.Sorted(maps.Keys(r.groups))
	r.mu.Unlock()
	if clusters == nil || len(names) == 0 {
		return // without groups no task waits for capacity
	}
	for _, name := range names {
		if err := r.stepGroup(ctx, clusters, name); err != nil && ctx.Err() == nil {
			r.log.Warn("auto scaling group", "group", name, "err", err)
		}
	}
	clusters.PlaceWaiting(ctx)
}

func (r *Registry) stepGroup(ctx context.Context, clusters Clusters, name string) error {
	r.mu.Lock()
	g := r.groups[name]
	var prov *record
	for _, p := range r.providers {
		if p.Status == ecsmodel.CapacityProviderStatusACTIVE && p.Group == name {
			prov = p
		}
	}
	var asg ecsmodel.AutoScalingGroupProvider
	provName := ""
	if prov != nil {
		asg, provName = prov.ASG, prov.Name
	}
	st := g.state
	st.Instances = slices.Clone(st.Instances)
	decl := g.decl
	r.mu.Unlock()

	cluster := ""
	if provName != "" {
		if cs := clusters.ProviderClusters(provName); len(cs) > 0 {
			cluster = cs[0]
		}
	}
	now := r.now()
	var remove []string
	if cluster != st.Cluster && st.Cluster != "" {
		// The provider left the cluster (or was deleted): its instances
		// deregister; they register again where it is associated next.
		for _, in := range st.Instances {
			remove = append(remove, in.Key)
		}
	}
	if provName != "" && cluster != "" && asg.ManagedScaling.Status == ecsmodel.ManagedScalingStatusENABLED {
		busy, waiting := clusters.GroupUsage(provName)
		in := cp.Group{
			MinSize: decl.MinSize, MaxSize: decl.MaxSize,
			TargetCapacity: int(*asg.ManagedScaling.TargetCapacity),
			MinStep:        int(*asg.ManagedScaling.MinimumScalingStepSize),
			MaxStep:        int(*asg.ManagedScaling.MaximumScalingStepSize),
			Warmup:         time.Duration(*asg.ManagedScaling.InstanceWarmupPeriod) * time.Second,
			Protected:      asg.ManagedTerminationProtection == ecsmodel.ManagedTerminationProtectionENABLED,
			Size:           cp.Resources{CPU: decl.CPU, Memory: decl.Memory},
			Waiting:        waiting, LowSince: st.LowSince,
		}
		for _, gi := range st.Instances {
			in.Instances = append(in.Instances, cp.Instance{ID: gi.Key, Zone: gi.Zone, LaunchedAt: gi.LaunchedAt, Busy: busy[gi.Key]})
		}
		d := cp.Scale(in, now)
		st.LowSince = d.LowSince
		if d.Launch > 0 || len(d.Terminate) > 0 {
			r.log.Info("managed scaling", "provider", provName, "group", name, "M", d.M, "N", d.N,
				"capacityProviderReservation", d.Reservation, "desired", d.Desired, "launch", d.Launch, "terminate", d.Terminate)
		}
		st.Desired = len(st.Instances) + d.Launch - len(d.Terminate)
		for _, k := range d.Terminate {
			st.Instances = slices.DeleteFunc(st.Instances, func(gi groupInstance) bool { return gi.Key == k })
			remove = append(remove, k)
		}
	}
	// The group keeps its desired size: launch or retire instances (idle
	// ones, newest first, when shrinking without managed scaling).
	for len(st.Instances) < st.Desired {
		st.Seq++
		gi := groupInstance{Key: name + "/" + strconv.Itoa(st.Seq), LaunchedAt: now}
		if len(decl.Zones) > 0 {
			gi.Zone = decl.Zones[(st.Seq-1)%len(decl.Zones)]
		}
		st.Instances = append(st.Instances, gi)
	}
	for len(st.Instances) > st.Desired {
		k := st.Instances[len(st.Instances)-1].Key
		st.Instances = st.Instances[:len(st.Instances)-1]
		remove = append(remove, k)
	}
	for _, k := range remove {
		if err := clusters.RemoveGroupInstance(ctx, k); err != nil {
			return err
		}
	}
	st.Cluster = cluster
	if cluster != "" {
		for _, gi := range st.Instances {
			attrs := maps.Clone(decl.Attributes)
			if gi.Zone != "" {
				attrs[ecs.AttrAvailabilityZone] = gi.Zone
			}
			err := clusters.AddGroupInstance(ctx, cluster, provName, GroupInstance{Key: gi.Key, CPU: decl.CPU, Memory: decl.Memory, Attributes: attrs})
			if err != nil {
				return err
			}
		}
	}
	if err := r.saveGroup(ctx, name, st); err != nil {
		return err
	}
	r.mu.Lock()
	r.groups[name].state = st
	r.mu.Unlock()
	return nil
}
