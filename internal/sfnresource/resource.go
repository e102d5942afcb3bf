package sfnresource

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Kind says what a Resource names.
type Kind int

// The kinds of Task resources.
const (
	// KindOptimized is an optimized integration:
	// arn:aws:states:::SERVICE:ACTION[.PATTERN].
	KindOptimized Kind = iota + 1
	// KindSDK is an AWS SDK integration:
	// arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken].
	KindSDK
	// KindLambda is a Lambda function ARN (the legacy Lambda task).
	KindLambda
	// KindActivity is an activity ARN.
	KindActivity
	// KindHTTP is the HTTP task, arn:aws:states:::http:invoke.
	KindHTTP
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindOptimized:
		return "optimized integration"
	case KindSDK:
		return "AWS SDK integration"
	case KindLambda:
		return "Lambda function"
	case KindActivity:
		return "activity"
	case KindHTTP:
		return "HTTP task"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Pattern is a service integration pattern, as the Resource ends.
type Pattern string

// The integration patterns.
const (
	RequestResponse  Pattern = ""
	Sync             Pattern = ".sync"
	Sync2            Pattern = ".sync:2"
	WaitForTaskToken Pattern = ".waitForTaskToken"
)

// String names the pattern as the Step Functions documentation does.
func (p Pattern) String() string {
	switch p {
	case RequestResponse:
		return "request-response"
	case Sync:
		return ".sync"
	case Sync2:
		return ".sync:2"
	case WaitForTaskToken:
		return ".waitForTaskToken"
	}
	return string(p)
}

// Resource is a parsed Task Resource.
type Resource struct {
	// ARN is the Resource as written.
	ARN  string
	Kind Kind
	// Service and Action of an integration ("ecs", "runTask"; for an AWS
	// SDK integration the SDK service, e.g. "s3", "getObject"; "http",
	// "invoke" for the HTTP task; "lambda", "invoke" for a function ARN).
	Service, Action string
	// Pattern of an integration.
	Pattern Pattern
	// Partition, Region, Account and Name of a Lambda function or an
	// activity ARN; Qualifier is the function's version or alias.
	Partition, Region, Account, Name, Qualifier string
}

// ErrNotRecognized is the kind of every error Parse returns.
var ErrNotRecognized = errors.New("resource not recognized")

// Error is why Parse does not recognise a Resource (errors.Is
// ErrNotRecognized).
type Error struct {
	ARN string
	// Why says what is wrong ("" when nothing more is known).
	Why string
}

// Error words it as AWS does, followed by what is wrong.
func (e *Error) Error() string {
	msg := fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", e.ARN)
	if e.Why != "" {
		msg += " " + e.Why
	}
	return msg
}

// Is makes errors.Is(err, ErrNotRecognized) true.
func (e *Error) Is(target error) bool { return target == ErrNotRecognized }

func notRecognized(arn, why string) error { return &Error{ARN: arn, Why: why} }

var (
	partitionRe = `aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc`
	// Lambda: arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER],
	// NAME at most 140 characters and QUALIFIER 128 (see shortEnough: a
	// counted repetition in the expression would make it costly to compile,
	// at every start of the binary).
	lambdaRe = regexp.MustCompile(`^arn:(` + partitionRe + `):lambda:([a-z0-9-]*):([^:]*):function:([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$`)
	// Activity: arn:PARTITION:states:REGION:ACCOUNT:activity:NAME, NAME at
	// most 80 characters.
	activityRe = regexp.MustCompile(`^arn:(` + partitionRe + `):states:([a-z0-9-]+):([^:]+):activity:([^:\s]+)$`)
	// Integrations: arn:PARTITION:states:::REST.
	integrationRe = regexp.MustCompile(`^arn:(` + partitionRe + `):states:::(.+)$`)
	sdkServiceRe  = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	sdkActionRe   = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
)

// shortEnough reports whether s has at most n characters.
func shortEnough(s string, n int) bool { return utf8.RuneCountInString(s) <= n }

// Parse recognises a Task Resource as AWS Step Functions does. Its error
// (errors.Is ErrNotRecognized) has AWS's wording followed by what is wrong.
func Parse(arn string) (Resource, error) {
	if m := lambdaRe.FindStringSubmatch(arn); m != nil && shortEnough(m[4], 140) && shortEnough(m[5], 128) {
		return Resource{ARN: arn, Kind: KindLambda, Service: "lambda", Action: "invoke",
			Partition: m[1], Region: m[2], Account: m[3], Name: m[4], Qualifier: m[5]}, nil
	}
	if parts := strings.SplitN(arn, ":", 4); len(parts) == 4 && parts[0] == "arn" && parts[2] == "lambda" {
		return Resource{}, notRecognized(arn, "A Lambda function ARN is arn:aws:lambda:REGION:ACCOUNT:function:NAME, optionally followed by :VERSION or :ALIAS.")
	}
	if m := activityRe.FindStringSubmatch(arn); m != nil && shortEnough(m[4], 80) {
		return Resource{ARN: arn, Kind: KindActivity, Partition: m[1], Region: m[2], Account: m[3], Name: m[4]}, nil
	}
	m := integrationRe.FindStringSubmatch(arn)
	if m == nil {
		return Resource{}, notRecognized(arn, "A Task Resource is an integration (arn:aws:states:::SERVICE:ACTION, arn:aws:states:::aws-sdk:SERVICE:ACTION), a Lambda function ARN or an activity ARN.")
	}
	r := Resource{ARN: arn, Partition: m[1]}
	rest := m[2]
	if sdk, ok := strings.CutPrefix(rest, "aws-sdk:"); ok {
		return parseSDK(r, sdk)
	}
	svc, act, ok := strings.Cut(rest, ":")
	if !ok || svc == "" || act == "" {
		return Resource{}, notRecognized(arn, "An integration is arn:aws:states:::SERVICE:ACTION.")
	}
	act, r.Pattern = splitPattern(act)
	r.Service, r.Action = svc, act
	ops, ok := optimized[svc]
	if !ok {
		return Resource{}, notRecognized(arn, fmt.Sprintf("%q is not an optimized integration; call other services through the AWS SDK integrations (arn:aws:states:::aws-sdk:%s:ACTION).", svc, svc))
	}
	patterns, ok := ops[act]
	if !ok {
		return Resource{}, notRecognized(arn, fmt.Sprintf("The %s integration has no action %q; its actions: %s.", svc, act, strings.Join(sortedKeys(ops), ", ")))
	}
	if !slices.Contains(patterns, r.Pattern) {
		return Resource{}, notRecognized(arn, fmt.Sprintf("%s:%s does not support the %s pattern; it supports %s.", svc, act, r.Pattern, patternList(patterns)))
	}
	r.Kind = KindOptimized
	if svc == "http" {
		r.Kind = KindHTTP
	}
	return r, nil
}

func parseSDK(r Resource, rest string) (Resource, error) {
	svc, act, ok := strings.Cut(rest, ":")
	if !ok || !sdkServiceRe.MatchString(svc) {
		return Resource{}, notRecognized(r.ARN, "An AWS SDK integration is arn:aws:states:::aws-sdk:SERVICE:ACTION, with SERVICE the SDK's service name in lower case (s3, dynamodb, ecs, ...).")
	}
	act, r.Pattern = splitPattern(act)
	switch r.Pattern {
	case RequestResponse, WaitForTaskToken:
	default:
		return Resource{}, notRecognized(r.ARN, fmt.Sprintf("AWS SDK integrations support only the request-response and .waitForTaskToken patterns, not %s.", r.Pattern))
	}
	if !sdkActionRe.MatchString(act) {
		return Resource{}, notRecognized(r.ARN, fmt.Sprintf("The action %q must be the API action's name in camel case (for example getObject).", act))
	}
	if m, ok := sdkModels[svc]; ok {
		if _, ok := m.Operations[pascal(act)]; !ok {
			msg := fmt.Sprintf("The %s API has no action %q.", svc, act)
			if s := suggest(act, m.actions()); s != "" {
				msg += fmt.Sprintf(" Did you mean %q?", s)
			}
			return Resource{}, notRecognized(r.ARN, msg)
		}
	}
	r.Kind, r.Service, r.Action = KindSDK, svc, act
	return r, nil
}

// splitPattern splits "runTask.sync" into "runTask" and ".sync".
func splitPattern(act string) (string, Pattern) {
	if i := strings.IndexByte(act, '.'); i >= 0 {
		return act[:i], Pattern(act[i:])
	}
	return act, RequestResponse
}

func patternList(ps []Pattern) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	switch len(out) {
	case 1:
		return "only " + out[0]
	case 2:
		return out[0] + " and " + out[1]
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var (
	rr   = []Pattern{RequestResponse}
	rs   = []Pattern{RequestResponse, Sync}
	rw   = []Pattern{RequestResponse, WaitForTaskToken}
	rsw  = []Pattern{RequestResponse, Sync, WaitForTaskToken}
	rssw = []Pattern{RequestResponse, Sync, Sync2, WaitForTaskToken}
)

// optimized lists the optimized integrations: service, action and the
// patterns each supports, as the Step Functions developer guide's
// "Integrating optimized services" pages give them.
var optimized = map[string]map[string][]Pattern{
	"apigateway": {"invoke": rw},
	"athena": {"startQueryExecution": rs, "stopQueryExecution": rr, "getQueryExecution": rr,
		"getQueryResults": rr},
	"batch":   {"submitJob": rs},
	"bedrock": {"invokeModel": rr, "createModelCustomizationJob": rsw},
	"codebuild": {"startBuild": rs, "stopBuild": rr, "batchDeleteBuilds": rr, "batchGetReports": rr,
		"startBuildBatch": rs, "stopBuildBatch": rr, "retryBuildBatch": rs, "deleteBuildBatch": rr},
	"databrew": {"startJobRun": rs},
	"dynamodb": {"getItem": rr, "putItem": rr, "updateItem": rr, "deleteItem": rr},
	"ecs":      {"runTask": rsw},
	"eks": {"createCluster": rs, "deleteCluster": rs, "createFargateProfile": rs, "deleteFargateProfile": rs,
		"createNodegroup": rs, "deleteNodegroup": rs, "runJob": rsw, "call": rr},
	"elasticmapreduce": {"createCluster": rs, "terminateCluster": rs, "addStep": rs, "cancelStep": rr,
		"setClusterTerminationProtection": rr, "modifyInstanceFleetByName": rr, "modifyInstanceGroupByName": rr},
	"emr-containers": {"startJobRun": rs, "createVirtualCluster": rr, "deleteVirtualCluster": rs},
	"emr-serverless": {"createApplication": rs, "startApplication": rs, "stopApplication": rs,
		"deleteApplication": rs, "startJobRun": rs, "cancelJobRun": rs},
	"events":       {"putEvents": rw},
	"glue":         {"startJobRun": rs},
	"http":         {"invoke": rw},
	"lambda":       {"invoke": rw},
	"mediaconvert": {"createJob": rs},
	"sagemaker": {"createEndpoint": rr, "createEndpointConfig": rr, "createHyperParameterTuningJob": rs,
		"createLabelingJob": rs, "createModel": rr, "createProcessingJob": rs, "createTrainingJob": rs,
		"createTransformJob": rs, "updateEndpoint": rr},
	"sns":    {"publish": rw},
	"sqs":    {"sendMessage": rw},
	"states": {"startExecution": rssw},
}
