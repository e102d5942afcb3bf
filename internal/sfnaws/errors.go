package sfnaws

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/sdkjson"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// service names one service as its errors show it.
type service struct {
	// prefix starts error names: "Lambda" gives Lambda.ResourceNotFoundException.
	prefix string
	// java is the service name in a Cause ("AWSLambda" for optimized
	// integrations, which use the AWS Java SDK v1; "Ecs" for AWS SDK
	// integrations, which use v2).
	java string
	// generic names an error the SDK has no type for (AWSLambdaException).
	generic string
	// v2 is true for AWS SDK integrations (Java SDK v2 causes).
	v2 bool
}

// The services of the optimized integrations.
var (
	svcLambda = service{prefix: "Lambda", java: "AWSLambda", generic: "AWSLambdaException"}
	svcSNS    = service{prefix: "SNS", java: "AmazonSNS", generic: "AmazonSNSException"}
	svcSQS    = service{prefix: "SQS", java: "AmazonSQS", generic: "AmazonSQSException"}
	svcDynamo = service{prefix: "DynamoDB", java: "AmazonDynamoDBv2", generic: "AmazonDynamoDBException"}
	svcEvents = service{prefix: "EventBridge", java: "AmazonEventBridge", generic: "AmazonEventBridgeException"}
	svcStates = service{prefix: "StepFunctions", java: "AWSStepFunctions", generic: "AWSStepFunctionsException"}
)

// sdkService is how AWS SDK integrations name a service's errors:
// Ecs.ClusterNotFoundException, CloudWatchLogs.ResourceNotFoundException.
func sdkService(pascal string) service {
	return service{prefix: pascal, java: pascal, generic: pascal + "Exception", v2: true}
}

// callError is how Step Functions reports a failed call: the error's name
// prefixed with the service's, and the Java SDK's message as the cause. A
// call that got no answer is <Service>.SdkClientException.
func (s service) callError(err error) *workflow.StatesError {
	if pe, ok := errParams(err); ok {
		return workflow.NewStatesError(workflow.ErrRuntime, "Invalid Parameters: "+pe.Error())
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return workflow.NewStatesError(s.prefix+".SdkClientException", "Unable to execute HTTP request: "+rootCause(err))
	}
	status, reqID := http.StatusBadRequest, ""
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status, reqID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	name := s.prefix + "." + s.exceptionName(ae)
	if s.v2 {
		return workflow.NewStatesError(name, fmt.Sprintf("%s (Service: %s, Status Code: %d, Request ID: %s) (SDK Attempt Count: 1)",
			ae.ErrorMessage(), s.java, status, reqID))
	}
	return workflow.NewStatesError(name, fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		ae.ErrorMessage(), s.java, status, ae.ErrorCode(), reqID))
}

// exceptionName is the SDK's exception for an error: its modeled type
// (always with the Exception suffix, as Step Functions names them), or
// the service's generic exception.
func (s service) exceptionName(ae smithy.APIError) string {
	t := reflect.TypeOf(ae)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if _, generic := ae.(*smithy.GenericAPIError); generic || t.PkgPath() == "" || strings.HasPrefix(t.PkgPath(), "github.com/aws/smithy-go") {
		return s.generic
	}
	name := t.Name()
	if !strings.HasSuffix(name, "Exception") {
		name += "Exception"
	}
	return name
}

// rootCause is the innermost message of a transport error.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// optimizedStyle shows results of optimized integrations: PascalCase,
// timestamps in epoch milliseconds.
var optimizedStyle = sdkjson.Pascal

// sdkStyle shows results of AWS SDK integrations: PascalCase, timestamps
// in ISO 8601.
var sdkStyle = sdkjson.Style{
	Key:  func(f string) string { return f },
	Time: func(t time.Time) any { return t.UTC().Format(time.RFC3339Nano) },
}

// object converts an SDK output to a JSON object in style s.
func object(out any, s sdkjson.Style) map[string]any {
	v, _ := sdkjson.Value(out, s).(map[string]any)
	if v == nil {
		v = map[string]any{}
	}
	return v
}
