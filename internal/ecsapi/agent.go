package ecsapi

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// discoverPollEndpoint answers an agent with the engine's own endpoint
// (the one the request came to) for all three: ecsrun has no separate
// agent communication, telemetry or Service Connect endpoints; its agent
// is built in, and an agent speaking the API reaches the engine there.
func discoverPollEndpoint(cp ControlPlane) func(context.Context, *ecsmodel.DiscoverPollEndpointRequest) (*ecsmodel.DiscoverPollEndpointResponse, error) {
	return func(ctx context.Context, in *ecsmodel.DiscoverPollEndpointRequest) (*ecsmodel.DiscoverPollEndpointResponse, error) {
		out, err := cp.DiscoverPollEndpoint(ctx, in)
		if err != nil {
			return nil, err
		}
		base := awsjson.BaseURL(ctx) + "/"
		out.Endpoint, out.TelemetryEndpoint, out.ServiceConnectEndpoint = base, base, base
		return out, nil
	}
}
