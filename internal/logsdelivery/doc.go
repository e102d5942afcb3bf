// Package logsdelivery delivers the events of subscription filters whose
// destination is a Lambda function to a local Lambda endpoint, as
// CloudWatch Logs does: the matching events of each log stream in one
// invocation whose payload is {"awslogs": {"data": base64(gzip(JSON))}}
// with messageType DATA_MESSAGE, owner, logGroup, logStream,
// subscriptionFilters and logEvents (id, timestamp, message).
//
// A Follower reads the events stored after each filter's cursor (kept with
// the filter in SQLite, so delivery resumes after a restart and is
// at-least-once, as in AWS); it never touches the write path of
// internal/logs.
package logsdelivery
