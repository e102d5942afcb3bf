package engine

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awscwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsapi"
	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/sfnaws"
	"github.com/ecsrun/ecsrun/internal/sfnecs"
)

// openWorkflows starts the Step Functions side of the engine: the
// executions manager, whose ECS Task states reach this engine's ECS and
// CloudWatch Logs APIs in-process through aws-sdk-go-v2 (an
// unauthenticated server of its own, so they need no credentials), and the
// Step Functions API service.
func (e *Engine) openWorkflows(ctx context.Context) (*awsjson.Service, error) {
	own := awsjson.NewServer(ecsapi.New(e.cp), logsapi.New(e.logs))
	own.Log = e.opts.Log
	cfg := aws.Config{
		Region:      e.opts.Account.Region,
		Credentials: credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: own}},
	}
	client := awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://ecsrun.internal") })
	logsClient := awscwlogs.NewFromConfig(cfg, func(o *awscwlogs.Options) { o.BaseEndpoint = aws.String("http://ecsrun.internal") })
	tokens := executions.NewTokens()
	ecsTasks := sfnecs.New(sfnecs.Options{ECS: client, Callbacks: tokens})

	// The other integrations (AWS SDK calls to this engine, services at
	// endpoints the user configures, nested executions) come after ECS.
	var endpoints map[string]string
	if e.opts.Config != nil {
		endpoints = e.opts.Config.Endpoints
	}
	nested := &nestedExecutions{}
	others := sfnaws.New(sfnaws.Options{
		Region: e.opts.Account.Region, ECS: client, Logs: logsClient,
		Endpoints: endpoints, Getenv: os.Getenv, Callbacks: tokens, Executions: nested,
	})

	m, err := executions.Open(ctx, executions.Options{
		DB: e.db, Region: e.opts.Account.Region, Account: e.opts.Account.ID,
		Tasks: sfnaws.Chain{ecsTasks, others}, Orphans: ecsTasks, Now: e.opts.Now, Log: e.opts.Log,
	})
	if err != nil {
		return nil, err
	}
	nested.Manager = m
	e.flows = m
	return sfnapi.New(m, tokens), nil
}

// nestedExecutions hands the nested-execution integration the manager
// that runs it, which exists only once the integrations do.
type nestedExecutions struct{ *executions.Manager }

// recoverWorkflows closes the executions a previous engine left running.
func (e *Engine) recoverWorkflows(ctx context.Context) {
	if err := e.flows.Recover(ctx); err != nil {
		e.opts.Log.Warn("close the executions left running by the previous engine", "err", err)
	}
}
