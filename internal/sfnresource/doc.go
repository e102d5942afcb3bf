// Package sfnresource knows the Task state resources AWS Step Functions
// accepts, independently of which of them can run here: optimized
// integrations (arn:aws:states:::SERVICE:ACTION with the integration
// patterns each action supports: request-response, .sync, .sync:2,
// .waitForTaskToken), AWS SDK integrations
// (arn:aws:states:::aws-sdk:SERVICE:ACTION, request-response and
// .waitForTaskToken only), Lambda function ARNs (with a version or an
// alias), activity ARNs and HTTP tasks (arn:aws:states:::http:invoke).
//
// [Parse] splits a Resource into its parts or says, as AWS does, why it is
// not recognised. [Checker] is the workflow.ResourceChecker and
// workflow.ParameterChecker that validation uses: it accepts every
// Resource AWS accepts and checks the Parameters of the integrations whose
// request it knows (field names as AWS checks them when a state machine is
// created: ECS RunTask against the ECS model, the common optimized
// integrations against their documented fields, and the AWS SDK
// integrations of the services whose model ecsrun carries: ecs,
// cloudwatchlogs, sfn).
//
// It is pure: no I/O.
package sfnresource
