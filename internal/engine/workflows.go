package engine

import (
	"context"
	"errors"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awscwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsrun/ecsrun/internal/activities"
	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsapi"
	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/sfnaws"
	"github.com/ecsrun/ecsrun/internal/sfnecs"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// openWorkflows starts the Step Functions side of the engine: the
// executions manager, whose ECS Task states reach this engine's ECS and
// CloudWatch Logs APIs in-process through aws-sdk-go-v2 (an
// unauthenticated server of its own, so they need no credentials),
// activities, the other service integrations, and the Step Functions API
// service. The callback operations are also served to containers on the
// task endpoint, under sfnapi.CallbackPath.
func (e *Engine) openWorkflows(ctx context.Context) (*awsjson.Service, error) {
	own := awsjson.NewServer(ecsapi.New(e.cp), logsapi.NewWithOptions(e.logs, logsapi.Options{S3Dir: e.opts.S3Dir}))
	own.Log = e.opts.Log
	cfg := aws.Config{
		Region:      e.opts.Account.Region,
		Credentials: credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: own}},
	}
	client := awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String("http://ecsrun.internal") })
	logsClient := awscwlogs.NewFromConfig(cfg, func(o *awscwlogs.Options) { o.BaseEndpoint = aws.String("http://ecsrun.internal") })
	tokens := executions.NewTokens()
	ecsTasks := sfnecs.New(sfnecs.Options{ECS: client, Callbacks: tokens, Stopped: e.taskStopped})
	acts, err := activities.Open(ctx, activities.Options{
		DB: e.db, Region: e.opts.Account.Region, Account: e.opts.Account.ID, Tokens: tokens, Now: e.opts.Now,
	})
	if err != nil {
		return nil, err
	}
	e.acts = acts

	// The other integrations (AWS SDK calls to this engine, services at
	// endpoints the user configures, nested executions) come after ECS
	// and activities.
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
		Registries: []workflow.TaskRegistry{ecsTasks, acts, others}, Orphans: ecsTasks, Now: e.opts.Now, Log: e.opts.Log,
		Mocks: e.opts.MockConfig, S3Dir: e.opts.S3Dir, Rand: e.opts.WorkflowRand,
	})
	if err != nil {
		return nil, err
	}
	nested.Manager = m
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

// nestedExecutions hands the nested-execution integration the manager
// that runs it, which exists only once the integrations do.
type nestedExecutions struct{ *executions.Manager }

// recoverWorkflows closes the executions a previous engine left running.
func (e *Engine) recoverWorkflows(ctx context.Context) {
	if err := e.flows.Recover(ctx); err != nil {
		e.opts.Log.Warn("close the executions left running by the previous engine", "err", err)
	}
}

// WaitExecution returns once the execution arn has ended (at once when it
// is not running), or with ctx's error.
func (e *Engine) WaitExecution(ctx context.Context, arn string) error {
	if e.flows == nil {
		return errors.New("engine: no workflows")
	}
	_, err := e.flows.Wait(ctx, arn)
	return err
}
