package depgraph

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Condition is what a container waits for in a dependency.
type Condition string

// Dependency conditions (the ECS ContainerCondition values).
const (
	// Start: the dependency has started (it runs, or ran and stopped).
	Start Condition = "START"
	// Complete: the dependency has exited, with any exit code.
	Complete Condition = "COMPLETE"
	// Success: the dependency has exited with exit code 0.
	Success Condition = "SUCCESS"
	// Healthy: the dependency's health check reports HEALTHY.
	Healthy Condition = "HEALTHY"
)

// Valid reports whether c is one of the four conditions.
func (c Condition) Valid() bool {
	switch c {
	case Start, Complete, Success, Healthy:
		return true
	}
	return false
}

// Dependency says that a container waits for Container to reach Condition.
type Dependency struct {
	Container string
	Condition Condition
}

// Container is one node of the graph.
type Container struct {
	Name string
	// DependsOn lists what the container waits for before it starts; the
	// caller adds links and volumesFrom sources here as Start dependencies.
	DependsOn []Dependency
	// StartTimeout is how long other containers wait, from this container's
	// start, for it to reach COMPLETE, SUCCESS or HEALTHY (0: no limit).
	StartTimeout time.Duration
	// shutdownAfter lists the containers that must stop before this one may
	// stop: those that name it in dependsOn. New fills it in.
	shutdownAfter []string
}

// Errors returned (wrapped) by New.
var (
	ErrUnknownContainer = errors.New("dependency on a container that is not in the task")
	ErrCycle            = errors.New("container dependencies form a cycle")
	ErrInvalid          = errors.New("invalid dependency")
)

// Graph is the dependency graph of one task. It is immutable.
type Graph struct {
	order  []string
	byName map[string]*Container
}

// New builds the graph of containers, in definition order. It rejects
// duplicate names, dependencies on unknown containers, unknown conditions,
// self-dependencies and cycles.
func New(containers []Container) (*Graph, error) {
	g := &Graph{byName: make(map[string]*Container, len(containers))}
	for _, c := range containers {
		if _, dup := g.byName[c.Name]; dup {
			return nil, fmt.Errorf("depgraph: container %q: %w: the name is used twice", c.Name, ErrInvalid)
		}
		c.DependsOn = slices.Clone(c.DependsOn)
		c.shutdownAfter = nil
		g.byName[c.Name] = &c
		g.order = append(g.order, c.Name)
	}
	for _, name := range g.order {
		c := g.byName[name]
		for _, d := range c.DependsOn {
			switch {
			case !d.Condition.Valid():
				return nil, fmt.Errorf("depgraph: container %q: %w: unknown condition %q for %q", name, ErrInvalid, d.Condition, d.Container)
			case d.Container == name:
				return nil, fmt.Errorf("depgraph: container %q: %w: it depends on itself", name, ErrInvalid)
			case g.byName[d.Container] == nil:
				return nil, fmt.Errorf("depgraph: container %q: %w: %q", name, ErrUnknownContainer, d.Container)
			}
			t := g.byName[d.Container]
			if !slices.Contains(t.shutdownAfter, name) {
				t.shutdownAfter = append(t.shutdownAfter, name)
			}
		}
	}
	if cycle := g.cycle(); cycle != nil {
		return nil, fmt.Errorf("depgraph: %w: %s", ErrCycle, strings.Join(cycle, " -> "))
	}
	return g, nil
}

// cycle returns a dependency cycle (first name repeated at the end), or nil.
func (g *Graph) cycle() []string {
	return Cycle(g.order, func(name string) []string {
		deps := make([]string, len(g.byName[name].DependsOn))
		for i, d := range g.byName[name].DependsOn {
			deps[i] = d.Container
		}
		return deps
	})
}

// Cycle returns a cycle of the directed graph whose nodes are names and
// whose edges from a node are deps(node), as the path that closes it: the
// first node is repeated at the end ([a b c a] for a -> b -> c -> a). It
// answers nil when there is no cycle. The search is depth-first, starting
// from names in order and following each node's edges in order, so the same
// graph always gives the same cycle. A node that deps names but names does
// not hold is visited like the others (deps is asked for its edges).
//
// Cycle is the one cycle check of ecsrun: New uses it for a task's
// graph, and task definition validation (internal/ecs) for dependsOn.
func Cycle(names []string, deps func(name string) []string) []string {
	const (
		unvisited = iota
		active
		done
	)
	state := make(map[string]int, len(names))
	var path []string
	var visit func(string) []string
	visit = func(name string) []string {
		state[name] = active
		path = append(path, name)
		for _, d := range deps(name) {
			switch state[d] {
			case active:
				i := slices.Index(path, d)
				return append(slices.Clone(path[i:]), d)
			case unvisited:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, name := range names {
		if state[name] == unvisited {
			if c := visit(name); c != nil {
				return c
			}
		}
	}
	return nil
}

// Names returns the containers in definition order.
func (g *Graph) Names() []string { return slices.Clone(g.order) }

// Status is a container's known status.
type Status int

// Container statuses.
const (
	Pending Status = iota
	Running
	Stopped
)

// Health is a container's health status.
type Health int

// Health statuses.
const (
	HealthUnknown Health = iota
	HealthHealthy
	HealthUnhealthy
)

// State is what is known about one container.
type State struct {
	Status Status
	// Ran is true once the container has been started (it is running, or it
	// ran and stopped).
	Ran bool
	// StartedAt is when it started (zero when it never did).
	StartedAt time.Time
	// ExitCode is the code it exited with, once known.
	ExitCode *int
	Health   Health
}

// Blocked is a pending container that can never start.
type Blocked struct {
	Container string
	// Reason starts "dependency graph: " and says which dependency failed.
	Reason string
}

// Plan is what may happen now.
type Plan struct {
	// Start lists the pending containers whose dependencies are all met, in
	// definition order.
	Start []string
	// Blocked lists the pending containers that can never start.
	Blocked []Blocked
	// Recheck is the earliest time a start timeout expires for a container
	// still waiting (zero when none can): plan again then.
	Recheck time.Time
}

// outcome of one dependency.
type outcome int

const (
	wait outcome = iota
	met
	never
)

// Plan decides, for every pending container, whether it may start now, can
// never start, or must keep waiting. Containers missing from states count as
// pending.
func (g *Graph) Plan(states map[string]State, now time.Time) Plan {
	eff := make(map[string]State, len(g.order))
	for _, name := range g.order {
		eff[name] = states[name]
	}
	var p Plan
	blocked := map[string]bool{}
	// Blocked containers become "stopped, never ran" for those waiting on
	// them; repeat until nothing new is blocked.
	for changed := true; changed; {
		changed = false
		for _, name := range g.order {
			if eff[name].Status != Pending || blocked[name] {
				continue
			}
			for _, d := range g.byName[name].DependsOn {
				o, why, _ := g.resolve(d, eff[d.Container], now)
				if o == never {
					blocked[name] = true
					changed = true
					p.Blocked = append(p.Blocked, Blocked{Container: name, Reason: fmt.Sprintf("dependency graph: container %q cannot start: %q (condition %s) %s", name, d.Container, d.Condition, why)})
					eff[name] = State{Status: Stopped}
					break
				}
			}
		}
	}
	for _, name := range g.order {
		if eff[name].Status != Pending {
			continue
		}
		ready := true
		for _, d := range g.byName[name].DependsOn {
			o, _, deadline := g.resolve(d, eff[d.Container], now)
			if o != met {
				ready = false
				if !deadline.IsZero() && (p.Recheck.IsZero() || deadline.Before(p.Recheck)) {
					p.Recheck = deadline
				}
			}
		}
		if ready {
			p.Start = append(p.Start, name)
		}
	}
	return p
}

// resolve evaluates one dependency against the target's state. For a wait
// bounded by the target's start timeout it returns the deadline.
func (g *Graph) resolve(d Dependency, t State, now time.Time) (outcome, string, time.Time) {
	if t.Status == Stopped && !t.Ran {
		return never, "stopped without ever running", time.Time{}
	}
	switch d.Condition {
	case Start:
		if t.Ran {
			return met, "", time.Time{}
		}
		return wait, "", time.Time{}
	case Complete:
		switch {
		case t.Status == Stopped && t.ExitCode != nil:
			return met, "", time.Time{}
		case t.Status == Stopped:
			return never, "stopped without an exit code", time.Time{}
		}
	case Success:
		switch {
		case t.Status == Stopped && t.ExitCode != nil && *t.ExitCode == 0:
			return met, "", time.Time{}
		case t.Status == Stopped && t.ExitCode != nil:
			return never, fmt.Sprintf("exited with code %d, not 0", *t.ExitCode), time.Time{}
		case t.Status == Stopped:
			return never, "stopped without an exit code", time.Time{}
		}
	case Healthy:
		switch {
		case t.Status == Running && t.Health == HealthHealthy:
			return met, "", time.Time{}
		case t.Status == Stopped:
			return never, "stopped before it was healthy", time.Time{}
		}
	default:
		return never, "has an unknown condition", time.Time{}
	}
	// COMPLETE, SUCCESS and HEALTHY waits are bounded by the target's
	// startTimeout, counted from its start.
	target := g.byName[d.Container]
	if t.Status != Running || t.StartedAt.IsZero() || target.StartTimeout <= 0 {
		return wait, "", time.Time{}
	}
	deadline := t.StartedAt.Add(target.StartTimeout)
	if !now.Before(deadline) {
		return never, fmt.Sprintf("did not get there within its startTimeout of %v", target.StartTimeout), time.Time{}
	}
	return wait, "", deadline
}

// StopBlockers returns the containers, in definition order, that must stop
// before name may stop (they depend on it and have not stopped yet). Empty
// means name may stop now.
func (g *Graph) StopBlockers(name string, states map[string]State) []string {
	c := g.byName[name]
	if c == nil {
		return nil
	}
	var out []string
	for _, n := range g.order {
		if slices.Contains(c.shutdownAfter, n) && states[n].Status != Stopped {
			out = append(out, n)
		}
	}
	return out
}
