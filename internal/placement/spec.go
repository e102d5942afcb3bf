package placement

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/placement/query"
)

// strategy kinds after validation.
type stratKind uint8

const (
	stSpreadAttr stratKind = iota
	stSpreadInstance
	stBinpackCPU
	stBinpackMemory
	stRandom
)

type strat struct {
	kind stratKind
	attr string // stSpreadAttr
	slot int    // stSpreadAttr: index of its bucket counters
}

// spec is a validated, compiled request: the equivalence class all Count
// tasks of a request share.
type spec struct {
	req      Request
	need     Need // ports sorted
	members  []*query.Expr
	dynamic  bool // some memberOf depends on the tasks placed
	distinct bool
	strats   []strat
	spreads  int // number of stSpreadAttr strategies
}

// compile validates a request, with ECS's limits and messages.
func compile(req Request) (*spec, error) {
	if req.Count < 1 {
		return nil, fmt.Errorf("count must be at least 1, got %d: %w", req.Count, ErrInvalid)
	}
	if req.TaskIDs != nil {
		if len(req.TaskIDs) != req.Count {
			return nil, fmt.Errorf("%d task ids for %d tasks: %w", len(req.TaskIDs), req.Count, ErrInvalid)
		}
		seen := make(map[string]bool, len(req.TaskIDs))
		for _, id := range req.TaskIDs {
			if id == "" || seen[id] {
				return nil, fmt.Errorf("task id %q is empty or repeated: %w", id, ErrInvalid)
			}
			seen[id] = true
		}
	}
	n := req.Need
	if n.CPU < 0 || n.Memory < 0 || n.GPUs < 0 {
		return nil, fmt.Errorf("negative resource need (cpu %d, memory %d, gpus %d): %w", n.CPU, n.Memory, n.GPUs, ErrInvalid)
	}
	sp := &spec{req: req, need: n}
	var err error
	if sp.need.TCPPorts, err = checkPorts(n.TCPPorts, "tcp"); err != nil {
		return nil, err
	}
	if sp.need.UDPPorts, err = checkPorts(n.UDPPorts, "udp"); err != nil {
		return nil, err
	}
	for _, a := range req.RequiredAttributes {
		if a.Name == "" {
			return nil, fmt.Errorf("required attribute without a name: %w", ErrInvalid)
		}
	}
	if len(req.Constraints) > MaxConstraints {
		return nil, fmt.Errorf("too many placement constraints: %d, at most %d counting the task definition's: %w",
			len(req.Constraints), MaxConstraints, ErrInvalid)
	}
	for i, c := range req.Constraints {
		switch c.Type {
		case DistinctInstance:
			if strings.TrimSpace(c.Expression) != "" {
				return nil, fmt.Errorf("placement constraint %d: distinctInstance takes no expression: %w", i+1, ErrInvalid)
			}
			sp.distinct = true
		case MemberOf:
			if strings.TrimSpace(c.Expression) == "" {
				return nil, fmt.Errorf("placement constraint %d: memberOf needs an expression: %w", i+1, ErrInvalid)
			}
			e, err := query.Compile(c.Expression)
			if err != nil {
				return nil, fmt.Errorf("placement constraint %d: invalid memberOf expression %q: %w: %w", i+1, c.Expression, err, ErrInvalid)
			}
			sp.members = append(sp.members, e)
			sp.dynamic = sp.dynamic || e.Dynamic()
		default:
			return nil, fmt.Errorf("placement constraint %d: type %q is not distinctInstance or memberOf: %w", i+1, c.Type, ErrInvalid)
		}
	}
	if len(req.Strategies) > MaxStrategies {
		return nil, fmt.Errorf("too many placement strategies: %d, at most %d: %w", len(req.Strategies), MaxStrategies, ErrInvalid)
	}
	for i, s := range req.Strategies {
		st, err := compileStrategy(s)
		if err != nil {
			return nil, fmt.Errorf("placement strategy %d: %w", i+1, err)
		}
		if len(sp.strats) > 0 && sp.strats[len(sp.strats)-1].kind == stRandom {
			continue // random leaves no ties for later strategies to break
		}
		if st.kind == stSpreadAttr {
			st.slot = sp.spreads
			sp.spreads++
		}
		sp.strats = append(sp.strats, st)
	}
	return sp, nil
}

func compileStrategy(s Strategy) (strat, error) {
	switch s.Type {
	case Spread:
		switch {
		case s.Field == "instanceId" || s.Field == "host":
			return strat{kind: stSpreadInstance}, nil
		case strings.HasPrefix(s.Field, "attribute:") && len(s.Field) > len("attribute:"):
			return strat{kind: stSpreadAttr, attr: s.Field[len("attribute:"):]}, nil
		}
		return strat{}, fmt.Errorf("spread field %q is not instanceId, host or attribute:<name>: %w", s.Field, ErrInvalid)
	case Binpack:
		switch s.Field {
		case "cpu":
			return strat{kind: stBinpackCPU}, nil
		case "memory":
			return strat{kind: stBinpackMemory}, nil
		}
		return strat{}, fmt.Errorf("binpack field %q is not cpu or memory: %w", s.Field, ErrInvalid)
	case Random:
		return strat{kind: stRandom}, nil
	}
	return strat{}, fmt.Errorf("type %q is not spread, binpack or random: %w", s.Type, ErrInvalid)
}

func checkPorts(p []uint16, proto string) ([]uint16, error) {
	s := slices.Clone(p)
	slices.Sort(s)
	for i, v := range s {
		if v == 0 {
			return nil, fmt.Errorf("host port 0/%s is dynamic and is not a placement need: %w", proto, ErrInvalid)
		}
		if i > 0 && s[i-1] == v {
			return nil, fmt.Errorf("host port %d/%s is used twice: %w", v, proto, ErrInvalid)
		}
	}
	return s, nil
}

// portsClash reports whether two sorted port lists share a port.
func portsClash(a, b []uint16) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			return true
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return false
}

// stage returns the first pipeline stage node n fails for one more task of
// the spec, given what the plan already put there (cpu/mem/gpus left and
// tasks of the group placed), or stagePass.
func (sp *spec) stage(n *node, cpu, mem int64, gpus int, group, placed int, v *view) int {
	in := &n.inst
	switch {
	case in.Status != StatusActive:
		return stageDraining
	case !in.AgentConnected:
		return stageAgent
	}
	for _, a := range sp.req.RequiredAttributes {
		val, ok := in.Attributes[a.Name]
		if !ok || (a.Value != "" && val != a.Value) {
			return stageAttribute
		}
	}
	switch {
	case cpu < sp.need.CPU:
		return stageCPU
	case mem < sp.need.Memory:
		return stageMemory
	case (placed > 0 && len(sp.need.TCPPorts)+len(sp.need.UDPPorts) > 0) ||
		portsClash(sp.need.TCPPorts, in.Free.TCPPorts) || portsClash(sp.need.UDPPorts, in.Free.UDPPorts):
		return stagePorts
	case gpus < sp.need.GPUs:
		return stageGPU
	}
	if len(sp.members) > 0 {
		*v = view{n: n, group: sp.req.Group, extra: placed}
		for _, e := range sp.members {
			if !e.Eval(v) {
				return stageMemberOf
			}
		}
	}
	if sp.distinct && group > 0 {
		return stageDistinct
	}
	return stagePass
}
