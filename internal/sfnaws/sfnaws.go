package sfnaws

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"

	awscwlogs "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ecsrun/ecsrun/internal/sdkjson"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Callbacks delivers the outcome of a task token (SendTaskSuccess,
// SendTaskFailure) to the Task state waiting for it
// (*executions.Tokens satisfies it).
type Callbacks interface {
	// Register starts listening for token before the request that hands
	// it out is sent; wait blocks until the token gets an outcome or ctx
	// ends, calling heartbeat on every SendTaskHeartbeat; done stops
	// listening.
	Register(token string) (wait func(ctx context.Context, heartbeat func()) (any, *workflow.StatesError), done func())
}

// Options configure an Integration.
type Options struct {
	// Region is the engine's region: calls go to services in it (a
	// Lambda function ARN names its own).
	Region string
	// ECS and Logs are the local engine's ECS and CloudWatch Logs APIs
	// (in-process clients); nil leaves aws-sdk:ecs:* and
	// aws-sdk:cloudwatchlogs:* unsupported.
	ECS  *awsecs.Client
	Logs *awscwlogs.Client
	// Endpoints are the endpoints of other services (keys: Lambda, SNS,
	// SQS, DynamoDB, EventBridge), from the serve configuration; they win
	// over the environment.
	Endpoints map[string]string
	// Getenv reads AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
	// AWS_ACCESS_KEY_ID and AWS_PROFILE (os.Getenv in production; nil
	// reads nothing).
	Getenv func(string) string
	// Callbacks resolves task tokens; nil leaves the .waitForTaskToken
	// resources unsupported.
	Callbacks Callbacks
	// Executions runs nested executions; nil leaves states:startExecution
	// unsupported.
	Executions Executions
	// HTTPClient, when set, carries the calls to configured endpoints.
	HTTPClient *http.Client
}

// Integration runs the Task states of the services other than ECS's
// runTask (see the package documentation). It is a workflow.TaskRegistry.
type Integration struct {
	opts    Options
	mu      sync.Mutex
	clients map[string]any // by service and region
}

var (
	_ workflow.TaskRegistry = (*Integration)(nil)
	_ workflow.TaskHandler  = (*Integration)(nil)
)

// New returns the integration.
func New(opts Options) *Integration {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	return &Integration{opts: opts, clients: map[string]any{}}
}

// optimized lists the optimized integrations this package runs: resource
// service, action, the patterns it accepts, and the service whose
// endpoint it needs ("" for the engine itself).
var optimized = []struct {
	service, action string
	patterns        []string
	endpoint        string
}{
	{"lambda", "invoke", []string{patternRequest, patternToken}, Lambda},
	{"sns", "publish", []string{patternRequest, patternToken}, SNS},
	{"sqs", "sendMessage", []string{patternRequest, patternToken}, SQS},
	{"dynamodb", "getItem", []string{patternRequest}, DynamoDB},
	{"dynamodb", "putItem", []string{patternRequest}, DynamoDB},
	{"dynamodb", "updateItem", []string{patternRequest}, DynamoDB},
	{"dynamodb", "deleteItem", []string{patternRequest}, DynamoDB},
	{"events", "putEvents", []string{patternRequest, patternToken}, EventBridge},
	{"states", "startExecution", []string{patternRequest, patternSync, patternSync2, patternToken}, ""},
}

// Supports reports whether the integration can run resource now: a local
// service (aws-sdk:ecs, aws-sdk:cloudwatchlogs, nested executions), or a
// service with an endpoint configured.
func (g *Integration) Supports(res string) bool {
	r, ok := parseResource(res)
	if !ok {
		return false
	}
	if r.pattern == patternToken && g.opts.Callbacks == nil {
		return false
	}
	if r.function != "" {
		return g.endpoint(Lambda) != ""
	}
	if r.sdk {
		if r.pattern != patternRequest && r.pattern != patternToken {
			return false
		}
		_, ok := operation(g.sdkClient(r.service), r.action)
		return ok
	}
	for _, o := range optimized {
		if o.service != r.service || o.action != r.action || !slices.Contains(o.patterns, r.pattern) {
			continue
		}
		if o.endpoint == "" {
			return g.opts.Executions != nil
		}
		return g.endpoint(o.endpoint) != ""
	}
	return false
}

// Supported lists the resources the integration runs now; AWS SDK
// integrations and Lambda function ARNs are listed as patterns.
func (g *Integration) Supported() []string {
	var out []string
	if g.opts.ECS != nil {
		out = append(out, sdkPrefix+"ecs:<action>")
	}
	if g.opts.Logs != nil {
		out = append(out, sdkPrefix+"cloudwatchlogs:<action>")
	}
	if g.endpoint(Lambda) != "" {
		out = append(out, "arn:aws:lambda:<region>:<account>:function:<name>")
	}
	for _, o := range optimized {
		for _, p := range o.patterns {
			res := statesPrefix + o.service + ":" + o.action
			if p != "" {
				res += "." + p
			}
			if g.Supports(res) {
				out = append(out, res)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Lookup returns the integration for the resources it supports.
func (g *Integration) Lookup(res string) (workflow.TaskHandler, bool) {
	if !g.Supports(res) {
		return nil, false
	}
	return g, true
}

// Invoke runs one Task state attempt.
func (g *Integration) Invoke(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	r, ok := parseResource(req.Resource)
	if !ok {
		return nil, workflow.NewStatesError(workflow.ErrRuntime, fmt.Sprintf("The resource '%s' is not supported.", req.Resource))
	}
	switch {
	case r.function != "":
		return g.invokeFunction(ctx, r, req)
	case r.sdk:
		return g.withToken(ctx, req, r, func() (any, *workflow.StatesError) { return g.invokeSDK(ctx, r, req) })
	}
	switch r.service {
	case "lambda":
		return g.withToken(ctx, req, r, func() (any, *workflow.StatesError) { return g.invokeLambda(ctx, req) })
	case "sns":
		return g.withToken(ctx, req, r, func() (any, *workflow.StatesError) { return g.publish(ctx, req) })
	case "sqs":
		return g.withToken(ctx, req, r, func() (any, *workflow.StatesError) { return g.sendMessage(ctx, req) })
	case "dynamodb":
		return g.dynamo(ctx, r.action, req)
	case "events":
		return g.withToken(ctx, req, r, func() (any, *workflow.StatesError) { return g.putEvents(ctx, req) })
	case "states":
		return g.startExecution(ctx, r, req)
	}
	return nil, workflow.NewStatesError(workflow.ErrRuntime, fmt.Sprintf("The resource '%s' is not supported.", req.Resource))
}

// withToken sends a request; for .waitForTaskToken it records the answer
// as TaskSubmitted and waits for the task token's outcome (listening
// before the request goes out, so that a quick answer is not missed).
func (g *Integration) withToken(ctx context.Context, req *workflow.TaskRequest, r resource, send func() (any, *workflow.StatesError)) (any, *workflow.StatesError) {
	if r.pattern != patternToken {
		return send()
	}
	wait, done := g.opts.Callbacks.Register(req.Token)
	defer done()
	out, err := send()
	if err != nil {
		return nil, err
	}
	if req.Submitted != nil {
		req.Submitted(out)
	}
	return wait(ctx, req.Heartbeat)
}

// sdkClient is the local engine's client of an AWS SDK integration's
// service.
func (g *Integration) sdkClient(svc string) any {
	switch {
	case svc == "ecs" && g.opts.ECS != nil:
		return g.opts.ECS
	case svc == "cloudwatchlogs" && g.opts.Logs != nil:
		return g.opts.Logs
	}
	return nil
}

// sdkServices names the local services' errors as AWS SDK integrations do.
var sdkServices = map[string]service{
	"ecs":            sdkService("Ecs"),
	"cloudwatchlogs": sdkService("CloudWatchLogs"),
}

// invokeSDK runs an AWS SDK integration on the local engine; the result
// is the response, PascalCase, without HTTP metadata.
func (g *Integration) invokeSDK(ctx context.Context, r resource, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	svc := sdkServices[r.service]
	op, ok := operation(g.sdkClient(r.service), r.action)
	if !ok {
		return nil, workflow.NewStatesError(workflow.ErrRuntime, fmt.Sprintf("The resource '%s' is not supported.", req.Resource))
	}
	out, _, err := call(ctx, op, params(req))
	if err != nil {
		return nil, svc.callError(err)
	}
	return object(out, sdkStyle), nil
}

// params is the effective input, an empty object when there is none.
func params(req *workflow.TaskRequest) any {
	if req.Parameters == nil {
		return map[string]any{}
	}
	return req.Parameters
}

// client returns the SDK client for svc in region, built on first use.
func (g *Integration) client(ctx context.Context, svc, region string) (any, error) {
	key := svc + "/" + region
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.clients[key]; ok {
		return c, nil
	}
	cfg, err := g.awsConfig(ctx, svc, region)
	if err != nil {
		return nil, err
	}
	var c any
	switch svc {
	case Lambda:
		c = lambda.NewFromConfig(cfg)
	case SNS:
		c = sns.NewFromConfig(cfg)
	case SQS:
		c = sqs.NewFromConfig(cfg)
	case DynamoDB:
		c = dynamodb.NewFromConfig(cfg)
	case EventBridge:
		c = eventbridge.NewFromConfig(cfg)
	default:
		return nil, fmt.Errorf("no client for %s", svc)
	}
	g.clients[key] = c
	return c, nil
}

// callService runs action on svc's client with the Parameters p.
func (g *Integration) callService(ctx context.Context, s service, svc, region, action string, p any) (any, map[string]any, *workflow.StatesError) {
	c, err := g.client(ctx, svc, region)
	if err != nil {
		return nil, nil, workflow.NewStatesError(s.prefix+".SdkClientException", err.Error())
	}
	op, ok := operation(c, action)
	if !ok {
		return nil, nil, workflow.NewStatesError(workflow.ErrRuntime, fmt.Sprintf("%s has no operation %s", svc, action))
	}
	out, md, err := call(ctx, op, p)
	if err != nil {
		return nil, nil, s.callError(err)
	}
	return out, sdkjson.WithHTTPMetadata(object(out, optimizedStyle), md), nil
}
