package engine

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsapi"
	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/sfnecs"
)

// openWorkflows starts the Step Functions side of the engine: the
// executions manager, whose ECS Task states reach this engine's ECS API
// in-process through aws-sdk-go-v2 (an unauthenticated server of its own,
// so they need no credentials), and the Step Functions API service.
func (e *Engine) openWorkflows(ctx context.Context) (*awsjson.Service, error) {
	own := awsjson.NewServer(ecsapi.New(e.cp))
	own.Log = e.opts.Log
	client := awsecs.NewFromConfig(aws.Config{
		Region:      e.opts.Account.Region,
		Credentials: credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: own}},
	}, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://ecsrun.internal") })
	tokens := executions.NewTokens()
	ecsTasks := sfnecs.New(sfnecs.Options{ECS: client, Callbacks: tokens})
	m, err := executions.Open(ctx, executions.Options{
		DB: e.db, Region: e.opts.Account.Region, Account: e.opts.Account.ID,
		Tasks: ecsTasks, Orphans: ecsTasks, Now: e.opts.Now, Log: e.opts.Log,
		Mocks: e.opts.MockConfig,
	})
	if err != nil {
		return nil, err
	}
	e.flows = m
	return sfnapi.New(m, tokens), nil
}

// recoverWorkflows closes the executions a previous engine left running.
func (e *Engine) recoverWorkflows(ctx context.Context) {
	if err := e.flows.Recover(ctx); err != nil {
		e.opts.Log.Warn("close the executions left running by the previous engine", "err", err)
	}
}
