package ecsapi

import (
	"context"
	"strings"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// CapacityProviders is what the API needs from the capacity providers'
// registry (package capacity).
type CapacityProviders interface {
	CreateCapacityProvider(context.Context, *ecsmodel.CreateCapacityProviderRequest) (*ecsmodel.CreateCapacityProviderResponse, error)
	UpdateCapacityProvider(context.Context, *ecsmodel.UpdateCapacityProviderRequest) (*ecsmodel.UpdateCapacityProviderResponse, error)
	DeleteCapacityProvider(context.Context, *ecsmodel.DeleteCapacityProviderRequest) (*ecsmodel.DeleteCapacityProviderResponse, error)
	DescribeCapacityProviders(context.Context, *ecsmodel.DescribeCapacityProvidersRequest) (*ecsmodel.DescribeCapacityProvidersResponse, error)
	TagResource(context.Context, *ecsmodel.TagResourceRequest) (*ecsmodel.TagResourceResponse, error)
	UntagResource(context.Context, *ecsmodel.UntagResourceRequest) (*ecsmodel.UntagResourceResponse, error)
	ListTagsForResource(context.Context, *ecsmodel.ListTagsForResourceRequest) (*ecsmodel.ListTagsForResourceResponse, error)
}

// WithCapacityProviders adds the capacity provider operations of p to s.
func WithCapacityProviders(s *awsjson.Service, p CapacityProviders) *awsjson.Service {
	s.Handlers["CreateCapacityProvider"] = op(p.CreateCapacityProvider)
	s.Handlers["UpdateCapacityProvider"] = op(p.UpdateCapacityProvider)
	s.Handlers["DeleteCapacityProvider"] = op(p.DeleteCapacityProvider)
	s.Handlers["DescribeCapacityProviders"] = op(p.DescribeCapacityProviders)
	// The tag operations of capacity provider ARNs go to p, the others
	// where they went.
	byARN := func(name string, arnOf func(wire.Input) string, mine awsjson.Handler) {
		other := s.Handlers[name]
		s.Handlers[name] = func(ctx context.Context, in wire.Input) (any, error) {
			if capacityProviderARN(arnOf(in)) {
				return mine(ctx, in)
			}
			return other(ctx, in)
		}
	}
	byARN("TagResource", func(in wire.Input) string { return in.(*ecsmodel.TagResourceRequest).ResourceArn }, op(p.TagResource))
	byARN("UntagResource", func(in wire.Input) string { return in.(*ecsmodel.UntagResourceRequest).ResourceArn }, op(p.UntagResource))
	byARN("ListTagsForResource", func(in wire.Input) string { return in.(*ecsmodel.ListTagsForResourceRequest).ResourceArn }, op(p.ListTagsForResource))
	return s
}

func capacityProviderARN(arn string) bool {
	return strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":capacity-provider/")
}
