package sfnaws

import (
	"sort"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Chain is an ordered list of registries as one: a resource goes to the
// first registry that supports it (and its parameters are checked by that
// registry, when it checks parameters).
type Chain []workflow.TaskRegistry

var (
	_ workflow.TaskRegistry     = Chain(nil)
	_ workflow.ParameterChecker = Chain(nil)
)

func (c Chain) first(res string) workflow.TaskRegistry {
	for _, r := range c {
		if r.Supports(res) {
			return r
		}
	}
	return nil
}

// Supports reports whether a registry supports resource.
func (c Chain) Supports(res string) bool { return c.first(res) != nil }

// Supported lists what the registries support, sorted, without repeats.
func (c Chain) Supported() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range c {
		for _, s := range r.Supported() {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Lookup returns the handler of the first registry that supports
// resource.
func (c Chain) Lookup(res string) (workflow.TaskHandler, bool) {
	if r := c.first(res); r != nil {
		return r.Lookup(res)
	}
	return nil, false
}

// CheckParameters checks a Task state's Parameters with the registry that
// runs its resource.
func (c Chain) CheckParameters(res string, params map[string]any) []workflow.Problem {
	if pc, ok := c.first(res).(workflow.ParameterChecker); ok {
		return pc.CheckParameters(res, params)
	}
	return nil
}
