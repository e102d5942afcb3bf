package engine

import (
	"context"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/ecsrun/ecsrun/internal/logsdelivery"
	"github.com/ecsrun/ecsrun/internal/logsres"
)

// LogDeliveryInterval is how often subscription filters with a Lambda
// destination are delivered.
const LogDeliveryInterval = time.Second

// lambdaEndpoint is where subscription deliveries invoke functions: the
// serve configuration's endpoints.lambda, else AWS_ENDPOINT_URL_LAMBDA,
// else AWS_ENDPOINT_URL ("" when none is set: filters are stored only).
func (e *Engine) lambdaEndpoint() string {
	if e.opts.Config != nil {
		if ep := e.opts.Config.Endpoints["lambda"]; ep != "" {
			return ep
		}
	}
	if ep := os.Getenv("AWS_ENDPOINT_URL_LAMBDA"); ep != "" {
		return ep
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// startLogDelivery runs the follower that invokes the Lambda functions of
// subscription filters, when a Lambda endpoint is configured, until ctx
// ends.
func (e *Engine) startLogDelivery(ctx context.Context) {
	ep := e.lambdaEndpoint()
	if ep == "" {
		return
	}
	rs, err := logsres.Open(ctx, e.logs, logsres.Options{S3Dir: e.opts.S3Dir})
	if err != nil {
		e.opts.Log.Warn("logs subscription delivery disabled", "err", err)
		return
	}
	region := e.opts.Account.Region
	var cfg aws.Config
	if loopback(ep) && os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
		// Local emulators take any credentials.
		cfg = aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", "")}
	} else if cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(region)); err != nil {
		e.opts.Log.Warn("logs subscription delivery disabled", "err", err)
		return
	}
	cfg.BaseEndpoint = aws.String(ep)
	f := &logsdelivery.Follower{
		Logs: e.logs, Res: rs, Account: e.opts.Account.ID, Log: e.opts.Log,
		Invoke: logsdelivery.LambdaInvoker(lambda.NewFromConfig(cfg)),
	}
	e.janitor.Go(func() { f.Run(ctx, LogDeliveryInterval) })
}

func loopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
