package controlplane

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// serviceNamespace returns the namespace ARN a service's Service Connect
// configuration names ("" when none).
func (cp *ControlPlane) serviceNamespace(scc *ecsmodel.ServiceConnectConfiguration) (string, error) {
	if scc == nil || scc.Namespace == "" {
		return "", nil
	}
	return cp.acct.NamespaceARN(scc.Namespace)
}

// ListServicesByNamespace lists the ARNs of the services, of every cluster,
// whose Service Connect configuration names the namespace (by name or
// ARN). A namespace no cluster's serviceConnectDefaults and no service
// names does not exist (ecsrun has no Cloud Map).
func (cp *ControlPlane) ListServicesByNamespace(ctx context.Context, in *ecsmodel.ListServicesByNamespaceRequest) (*ecsmodel.ListServicesByNamespaceResponse, error) {
	arn, err := cp.acct.NamespaceARN(in.Namespace)
	if err != nil {
		return nil, err
	}
	max := int32(10) // ECS's default for this operation
	if in.MaxResults != nil {
		max = *in.MaxResults
	}
	cp.mu.Lock()
	known := false
	for _, c := range cp.clusters {
		if c.Status == "ACTIVE" && c.ServiceConnectDefaults != nil && c.ServiceConnectDefaults.Namespace == arn {
			known = true
		}
	}
	var items []keyed
	for _, s := range cp.services {
		if s.Namespace != arn {
			continue
		}
		known = true
		if s.Status != serviceInactive {
			items = append(items, keyed{serviceKey(s.Cluster, s.Name), cp.acct.ServiceARN(s.Cluster, s.Name)})
		}
	}
	cp.mu.Unlock()
	if !known {
		return nil, ecs.Errorf(ecs.ErrNamespaceNotFound, "Namespace %s not found: no cluster's serviceConnectDefaults and no service's serviceConnectConfiguration names it.", in.Namespace)
	}
	arns, next, err := pageValues(items, in.NextToken, &max)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListServicesByNamespaceResponse{ServiceArns: arns, NextToken: next}, nil
}
