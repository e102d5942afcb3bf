// Package logsapi serves the CloudWatch Logs API (awsJson1_1, target prefix
// Logs_20140328) over a logs.Store: the operations a client needs to read a
// task's logs (DescribeLogGroups, DescribeLogStreams, GetLogEvents,
// FilterLogEvents) and to manage them (CreateLogGroup, CreateLogStream,
// PutLogEvents, DeleteLogGroup, DeleteLogStream, PutRetentionPolicy,
// DeleteRetentionPolicy). It is the only place that knows the Logs wire
// shapes and error types; the other operations of the model answer
// InvalidOperationException naming the operation.
//
// Mount it beside the ECS service on one endpoint:
//
//	srv := awsjson.NewServer(ecsService, logsapi.New(logStore))
package logsapi
