package ecsapi

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// CapacityProviders is what the API needs from the capacity providers'
// registry (package capacity).
type CapacityProviders interface {
	CreateCapacityProvider(context.Context, *ecsmodel.CreateCapacityProviderRequest) (*ecsmodel.CreateCapacityProviderResponse, error)
	UpdateCapacityProvider(context.Context, *ecsmodel.UpdateCapacityProviderRequest) (*ecsmodel.UpdateCapacityProviderResponse, error)
	DeleteCapacityProvider(context.Context, *ecsmodel.DeleteCapacityProviderRequest) (*ecsmodel.DeleteCapacityProviderResponse, error)
	DescribeCapacityProviders(context.Context, *ecsmodel.DescribeCapacityProvidersRequest) (*ecsmodel.DescribeCapacityProvidersResponse, error)
}

// WithCapacityProviders adds the capacity provider operations of p to s.
func WithCapacityProviders(s *awsjson.Service, p CapacityProviders) *awsjson.Service {
	s.Handlers["CreateCapacityProvider"] = op(p.CreateCapacityProvider)
	s.Handlers["UpdateCapacityProvider"] = op(p.UpdateCapacityProvider)
	s.Handlers["DeleteCapacityProvider"] = op(p.DeleteCapacityProvider)
	s.Handlers["DescribeCapacityProviders"] = op(p.DescribeCapacityProviders)
	return s
}
