package sfnaws

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The services whose endpoints the user configures: the keys of
// Options.Endpoints (and of the serve configuration's endpoints), and
// the suffixes of the AWS_ENDPOINT_URL_<SERVICE> variables in upper case.
const (
	Lambda      = "lambda"
	SNS         = "sns"
	SQS         = "sqs"
	DynamoDB    = "dynamodb"
	EventBridge = "eventbridge"
)

// endpoint is where calls to svc go: the configured endpoint, else
// AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL; "" when none is set.
func (g *Integration) endpoint(svc string) string {
	if e := g.opts.Endpoints[svc]; e != "" {
		return e
	}
	if e := g.getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(svc)); e != "" {
		return e
	}
	return g.getenv("AWS_ENDPOINT_URL")
}

func (g *Integration) getenv(k string) string {
	if g.opts.Getenv != nil {
		return g.opts.Getenv(k)
	}
	return ""
}

// awsConfig is the SDK configuration for calls to svc in region: its
// endpoint, and the standard credential chain, or (for a loopback
// endpoint without AWS_ACCESS_KEY_ID) dummy credentials, as local
// emulators take any.
func (g *Integration) awsConfig(ctx context.Context, svc, region string) (aws.Config, error) {
	ep := g.endpoint(svc)
	if ep == "" {
		return aws.Config{}, fmt.Errorf("no endpoint is configured for %s (set AWS_ENDPOINT_URL_%s or endpoints.%s in the serve configuration)", svc, strings.ToUpper(svc), svc)
	}
	var cfg aws.Config
	if isLoopback(ep) && g.getenv("AWS_ACCESS_KEY_ID") == "" && g.getenv("AWS_PROFILE") == "" {
		cfg = aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", "")}
	} else {
		var err error
		cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(region))
		if err != nil {
			return aws.Config{}, fmt.Errorf("load the AWS configuration for %s: %w", svc, err)
		}
	}
	if g.opts.HTTPClient != nil {
		cfg.HTTPClient = g.opts.HTTPClient
	}
	cfg.BaseEndpoint = aws.String(ep)
	return cfg, nil
}

func isLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
