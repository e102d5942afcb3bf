package ecs

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// ContainerInsightsValues are the values of a cluster's containerInsights
// setting.
var ContainerInsightsValues = []string{"enabled", "disabled", "enhanced"}

// CheckClusterSettings checks a cluster's settings: each named once, with a
// value ECS accepts.
func CheckClusterSettings(settings []ecsmodel.ClusterSetting) error {
	seen := map[ecsmodel.ClusterSettingName]bool{}
	for _, s := range settings {
		if seen[s.Name] {
			return Errorf(ErrInvalidParameter, "The cluster setting %s is given twice.", s.Name)
		}
		seen[s.Name] = true
		if s.Name == ecsmodel.ClusterSettingNameContainerInsights && !slices.Contains(ContainerInsightsValues, s.Value) {
			return Errorf(ErrInvalidParameter, "The value %q is not valid for the cluster setting containerInsights; use one of: %s.", s.Value, strings.Join(ContainerInsightsValues, ", "))
		}
	}
	return nil
}

// MergeClusterSettings returns cur with the settings of upd replacing
// those of the same name.
func MergeClusterSettings(cur, upd []ecsmodel.ClusterSetting) []ecsmodel.ClusterSetting {
	out := slices.Clone(cur)
	for _, u := range upd {
		i := slices.IndexFunc(out, func(s ecsmodel.ClusterSetting) bool { return s.Name == u.Name })
		if i < 0 {
			out = append(out, u)
		} else {
			out[i] = u
		}
	}
	return out
}

// CheckClusterConfiguration checks a cluster's configuration as ECS does:
// executeCommandConfiguration's logConfiguration goes with logging
// OVERRIDE, and only with it.
func CheckClusterConfiguration(c *ecsmodel.ClusterConfiguration) error {
	if c == nil || c.ExecuteCommandConfiguration == nil {
		return nil
	}
	x := c.ExecuteCommandConfiguration
	switch {
	case x.Logging == ecsmodel.ExecuteCommandLoggingOVERRIDE && x.LogConfiguration == nil:
		return Errorf(ErrInvalidParameter, "executeCommandConfiguration.logConfiguration is required when logging is OVERRIDE.")
	case x.Logging != ecsmodel.ExecuteCommandLoggingOVERRIDE && x.LogConfiguration != nil:
		return Errorf(ErrInvalidParameter, "executeCommandConfiguration.logConfiguration can only be given when logging is OVERRIDE; got logging %q.", string(x.Logging))
	}
	return nil
}

// NamespaceARN resolves a Service Connect namespace given by name or ARN
// to its Cloud Map ARN. ecsrun has no Cloud Map: a name stands for the
// HTTP namespace ECS would create, with an id derived from the name so that
// the same name always gives the same ARN.
func (a Account) NamespaceARN(nameOrARN string) (string, error) {
	if strings.HasPrefix(nameOrARN, "arn:") {
		p := strings.SplitN(nameOrARN, ":", 6)
		if len(p) != 6 || p[2] != "servicediscovery" || !strings.HasPrefix(p[5], "namespace/") {
			return "", Errorf(ErrInvalidParameter, "namespace %q is not a Cloud Map namespace ARN (arn:aws:servicediscovery:REGION:ACCOUNT:namespace/ns-ID); give its ARN or its name.", nameOrARN)
		}
		if p[4] != a.ID || p[3] != a.Region {
			return "", Errorf(ErrInvalidParameter, "namespace %q is not in this account (%s) and Region (%s).", nameOrARN, a.ID, a.Region)
		}
		return nameOrARN, nil
	}
	if nameOrARN == "" || len(nameOrARN) > 1024 || strings.ContainsAny(nameOrARN, `<>"/`) {
		return "", Errorf(ErrInvalidParameter, "namespace %q is not a valid namespace name: 1 to 1024 characters without <, >, \" or /.", nameOrARN)
	}
	sum := sha256.Sum256([]byte(nameOrARN))
	p := a.Partition
	if p == "" {
		p = "aws"
	}
	return "arn:" + p + ":servicediscovery:" + a.Region + ":" + a.ID + ":namespace/ns-" + hex.EncodeToString(sum[:8]), nil
}
