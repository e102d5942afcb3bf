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

// executeCommand makes the session's stream URL absolute: it is served by
// the engine the request came to.
func executeCommand(cp ControlPlane) func(context.Context, *ecsmodel.ExecuteCommandRequest) (*ecsmodel.ExecuteCommandResponse, error) {
	return func(ctx context.Context, in *ecsmodel.ExecuteCommandRequest) (*ecsmodel.ExecuteCommandResponse, error) {
		out, err := cp.ExecuteCommand(ctx, in)
		if err != nil {
			return nil, err
		}
		if out.Session != nil {
			out.Session.StreamUrl = awsjson.BaseURL(ctx) + out.Session.StreamUrl
		}
		return out, nil
	}
}
