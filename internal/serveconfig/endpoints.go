package serveconfig

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// EndpointServices are the services whose endpoints the configuration can
// set (as in AWS_ENDPOINT_URL_<SERVICE>, in lower case).
var EndpointServices = []string{"dynamodb", "eventbridge", "lambda", "sns", "sqs"}

// checkEndpoints validates the endpoints section: known services, http(s)
// URLs.
func checkEndpoints(eps map[string]string) (map[string]string, error) {
	if len(eps) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(eps))
	for svc, ep := range eps {
		key := strings.ToLower(svc)
		if !slices.Contains(EndpointServices, key) {
			return nil, fmt.Errorf("endpoints.%s: unknown service (endpoints can be set for %s)", svc, strings.Join(EndpointServices, ", "))
		}
		u, err := url.Parse(ep)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("endpoints.%s: %q is not an http:// or https:// URL", svc, ep)
		}
		out[key] = ep
	}
	return out, nil
}
