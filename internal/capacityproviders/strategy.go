package capacityproviders

import (
	"fmt"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// The Fargate capacity providers every account has.
const (
	Fargate     = "FARGATE"
	FargateSpot = "FARGATE_SPOT"
)

// MaxStrategyItems is the most providers a strategy may name.
const MaxStrategyItems = 20

// MaxClusterProviders is the most capacity providers a cluster may have.
const MaxClusterProviders = 20

// IsFargate reports whether name is one of the built-in Fargate providers.
func IsFargate(name string) bool { return name == Fargate || name == FargateSpot }

// Item is one entry of a capacity provider strategy.
type Item struct {
	Provider     string
	Base, Weight int
}

// Lookup answers whether a provider exists and can be used (ACTIVE, not
// being deleted) and whether it is a Fargate provider.
type Lookup func(name string) (usable, fargate bool)

// CheckStrategy checks a strategy the way ECS does before it is used by
// RunTask, CreateService or as a cluster's default: at most
// MaxStrategyItems entries, no provider twice, at most one base, weights
// 0..1000 with at least one above zero when there are several entries, no
// mix of Fargate and Auto Scaling group providers, and every provider one
// of associated (nil: any provider that lookup knows).
func CheckStrategy(items []Item, lookup Lookup, associated []string) error {
	if len(items) == 0 {
		return nil
	}
	if len(items) > MaxStrategyItems {
		return ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider strategy can contain at most %d capacity providers; got %d.", MaxStrategyItems, len(items))
	}
	seen := map[string]bool{}
	bases, positive := 0, 0
	fargate, asg := false, false
	for _, it := range items {
		if it.Provider == "" {
			return ecs.Errorf(ecs.ErrInvalidParameter, "A capacity provider strategy item must name a capacityProvider.")
		}
		if seen[it.Provider] {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider strategy names the capacity provider %s more than once. Specify each capacity provider once.", it.Provider)
		}
		seen[it.Provider] = true
		if it.Weight < 0 || it.Weight > 1000 {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The weight of capacity provider %s must be between 0 and 1000; got %d.", it.Provider, it.Weight)
		}
		if it.Base < 0 || it.Base > 100000 {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The base of capacity provider %s must be between 0 and 100000; got %d.", it.Provider, it.Base)
		}
		if it.Base > 0 {
			bases++
		}
		if it.Weight > 0 {
			positive++
		}
		usable, isFargate := lookup(it.Provider)
		if !usable {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider %s is not in an ACTIVE state. Specify a valid capacity provider and try again.", it.Provider)
		}
		if associated != nil && !contains(associated, it.Provider) {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
		}
		if isFargate {
			fargate = true
		} else {
			asg = true
		}
	}
	if bases > 1 {
		return ecs.Errorf(ecs.ErrInvalidParameter, "Only one capacity provider in a capacity provider strategy can have a base defined; %d have one.", bases)
	}
	if len(items) > 1 && positive == 0 {
		return ecs.Errorf(ecs.ErrInvalidParameter, "At least one capacity provider in a capacity provider strategy must have a weight greater than zero.")
	}
	if fargate && asg {
		return ecs.Errorf(ecs.ErrInvalidParameter, "A capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. Specify one or the other and try again.")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Distribute decides the provider of each of n new tasks from a strategy
// and how many tasks of the same service each provider runs already
// (existing; nil for a standalone RunTask, whose tasks are distributed on
// their own), as ECS does: the provider with a base gets tasks until it
// runs base of them; after that each task goes to the provider whose share
// of the tasks beyond the base is furthest below its weight (ties go to
// the provider listed first). Providers with weight 0 get no task beyond
// their base, except when the strategy names a single provider.
func Distribute(items []Item, existing map[string]int, n int) []string {
	if len(items) == 0 || n <= 0 {
		return nil
	}
	count := make([]int, len(items)) // tasks beyond the base, per item
	baseLeft := make([]int, len(items))
	for i, it := range items {
		have := existing[it.Provider]
		if it.Base > 0 {
			fromBase := min(have, it.Base)
			baseLeft[i] = it.Base - fromBase
			have -= fromBase
		}
		count[i] = have
	}
	out := make([]string, 0, n)
	for range n {
		pick := -1
		for i := range items {
			if baseLeft[i] > 0 {
				pick = i
				break
			}
		}
		if pick >= 0 {
			baseLeft[pick]--
			out = append(out, items[pick].Provider)
			continue
		}
		for i, it := range items {
			if it.Weight == 0 {
				continue
			}
			// (count+1)/weight smallest: compare by cross-multiplying.
			if pick < 0 || (count[i]+1)*items[pick].Weight < (count[pick]+1)*it.Weight {
				pick = i
			}
		}
		if pick < 0 {
			pick = 0 // a single provider of weight 0
		}
		count[pick]++
		out = append(out, items[pick].Provider)
	}
	return out
}

// ValidName checks a capacity provider name given to
// CreateCapacityProvider: up to 255 letters, numbers, underscores and
// hyphens, not beginning with "aws", "ecs" or "fargate" (reserved).
func ValidName(name string) error {
	if name == "" || len(name) > 255 {
		return ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider name must be 1 to 255 characters long; got %d.", len(name))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider name %q is invalid: up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.", name)
		}
	}
	low := strings.ToLower(name)
	for _, p := range []string{"aws", "ecs", "fargate"} {
		if strings.HasPrefix(low, p) {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider name %q is invalid: it cannot be prefixed with \"aws\", \"ecs\", or \"fargate\".", name)
		}
	}
	return nil
}

// String renders a strategy for messages.
func (it Item) String() string {
	return fmt.Sprintf("%s(base %d, weight %d)", it.Provider, it.Base, it.Weight)
}

// Info is what RunTask and the cluster calls need to know of a provider.
type Info struct {
	Name string
	// Usable: ACTIVE and not being deleted.
	Usable bool
	// Fargate: FARGATE or FARGATE_SPOT; otherwise an Auto Scaling group
	// provider.
	Fargate bool
}
