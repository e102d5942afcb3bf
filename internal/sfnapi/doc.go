// Package sfnapi serves the AWS Step Functions API (awsJson1_0, target
// prefix AWSStepFunctions) over the executions manager: state machines,
// executions, their history and task tokens, with Step Functions' error
// types. Operations of the model it does not implement answer
// UnsupportedOperation naming the operation.
//
// One ecsrun-specific header: StartExecution and StartSyncExecution honour
// X-Ecsrun-Delay-Scale (a positive number) to shorten Wait states and
// retry delays, as `ecsrun workflow run --time-scale` sends it.
package sfnapi
