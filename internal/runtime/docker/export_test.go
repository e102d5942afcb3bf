package docker

// EndpointFollows reads how many follows went on through the engine's
// logs endpoint (see endpointFollows).
func EndpointFollows() int64 { return endpointFollows.Load() }
