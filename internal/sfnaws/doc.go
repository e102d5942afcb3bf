// Package sfnaws is the Step Functions integrations with services other
// than ECS's runTask (see package sfnecs), as AWS Step Functions runs
// them:
//
//   - AWS SDK integrations on the local engine:
//     arn:aws:states:::aws-sdk:ecs:<action> and aws-sdk:cloudwatchlogs:<action>
//     (and .waitForTaskToken). Parameters are the API's request in
//     PascalCase, filled into the aws-sdk-go-v2 input by reflection (the
//     SDK's field names are Step Functions' member names); the result is
//     the response in PascalCase, timestamps in ISO 8601, without HTTP
//     metadata. Errors are <Service>.<Exception> (Ecs.ClusterNotFoundException)
//     with the Java SDK v2's cause.
//   - Optimized integrations with services at endpoints the user
//     configures (Options.Endpoints, from the serve configuration, else
//     AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL), reached through
//     aws-sdk-go-v2 with the standard credential chain (dummy credentials
//     for a loopback endpoint when none are set): Lambda function ARNs
//     (the input is the payload, the function's answer the result),
//     lambda:invoke (the Invoke response with Payload as JSON),
//     sns:publish, sqs:sendMessage, dynamodb:getItem, putItem, updateItem
//     and deleteItem, events:putEvents. Results carry the SdkHttpMetadata
//     and SdkResponseMetadata of the Java SDK v1 (not putEvents, as on
//     AWS). Errors are <Service>.<Exception> (SNS.NotFoundException,
//     Lambda.ResourceNotFoundException), a function error is its
//     errorType (Lambda.Unknown without one) with the payload as cause, a
//     refused event entry is EventBridge.FailedEntry, and a call that got
//     no answer is <Service>.SdkClientException.
//   - Nested executions on the engine itself: states:startExecution,
//     .sync (the DescribeExecution result, Output as JSON text), .sync:2
//     (Output as JSON) and .waitForTaskToken. A nested execution that does
//     not succeed fails the state with States.TaskFailed; a state that
//     ends first stops it.
//
// The .waitForTaskToken patterns send the request, record its answer as
// TaskSubmitted and wait for SendTaskSuccess or SendTaskFailure.
// Integration.Supports is true only for what can run now: local services,
// and services with an endpoint configured (the executions' dispatch tries
// the engine's registries in order: ECS, activities, then this one).
package sfnaws
