package engine

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/activities"
	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsapi"
	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/sfnecs"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// openWorkflows starts the Step Functions side of the engine: the
// executions manager, whose ECS Task states reach this engine's ECS API
// in-process through aws-sdk-go-v2 (an unauthenticated server of its own,
// so they need no credentials), activities, and the Step Functions API
// service. The callback operations are also served to containers on the
// task endpoint, under sfnapi.CallbackPath.
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
	acts, err := activities.Open(ctx, activities.Options{
		DB: e.db, Region: e.opts.Account.Region, Account: e.opts.Account.ID, Tokens: tokens, Now: e.opts.Now,
	})
	if err != nil {
		return nil, err
	}
	e.acts = acts
	m, err := executions.Open(ctx, executions.Options{
		DB: e.db, Region: e.opts.Account.Region, Account: e.opts.Account.ID,
		Registries: []workflow.TaskRegistry{ecsTasks, acts}, Orphans: ecsTasks, Now: e.opts.Now, Log: e.opts.Log,
		Mocks: e.opts.MockConfig,
	})
	if err != nil {
		return nil, err
	}
	e.flows = m
	if e.metaSrv != nil {
		e.metaSrv.Mount(sfnapi.CallbackPath, sfnapi.NewCallbacks(tokens, acts), taskmeta.EnvEndpointSFN)
	}
	return sfnapi.New(m, tokens, acts), nil
}

// EndPolls answers the waiting GetActivityTask calls with no task, so a
// server shuts down without waiting for their 60 seconds.
func (e *Engine) EndPolls() {
	if e.acts != nil {
		e.acts.Close()
	}
}

// recoverWorkflows closes the executions a previous engine left running.
func (e *Engine) recoverWorkflows(ctx context.Context) {
	if err := e.flows.Recover(ctx); err != nil {
		e.opts.Log.Warn("close the executions left running by the previous engine", "err", err)
	}
}
