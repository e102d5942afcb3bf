// Package sfnecs is the Step Functions integration with Amazon ECS: what a
// Task state whose Resource is arn:aws:states:::ecs:runTask (request and
// response), ecs:runTask.sync (run a job) or ecs:runTask.waitForTaskToken
// (callback) does, as AWS Step Functions does it:
//
//   - Parameters are the RunTask request in PascalCase; fields RunTask does
//     not have are refused when the definition is validated.
//   - runTask returns the RunTask response (PascalCase, with the
//     SdkHttpMetadata and SdkResponseMetadata the AWS Java SDK adds).
//   - runTask.sync adds StartedBy "AWS Step Functions", records the RunTask
//     response as TaskSubmitted, waits until the task is STOPPED and returns
//     the task (DescribeTasks, PascalCase, timestamps in epoch
//     milliseconds). A container that exited non-zero, or never ran, fails
//     the state with States.TaskFailed and the task JSON as the Cause.
//     When the state times out or the execution stops, the task is stopped
//     (StopTask).
//   - runTask.waitForTaskToken runs the task and waits for SendTaskSuccess
//     or SendTaskFailure with $$.Task.Token (see Callbacks).
//   - A RunTask answer with failures fails .sync and .waitForTaskToken with
//     AmazonECS.Unknown; RunTask errors fail the state with
//     ECS.<ErrorCode> and a Java-SDK-style Cause.
//
// ECS is reached only through aws-sdk-go-v2 (the small ECS interface), so
// the same integration runs tasks on the local engine or on AWS.
package sfnecs
