// Package activities holds Step Functions activities: the activities
// themselves (CreateActivity, DescribeActivity, ListActivities,
// DeleteActivity, kept in the engine's SQLite database) and the queue
// between the Task states that run them and the workers that poll for them
// (GetActivityTask).
//
// A Task state whose Resource is an activity ARN reaches the Manager as a
// workflow.TaskRegistry. Its handler checks that the activity exists (a
// missing one fails the execution with States.Runtime, as Step Functions
// does), makes a task token, queues the task and waits for the token's
// answer (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) through the
// executions' token registry:
//
//	Task state ──queue──▶ [pending] ──GetActivityTask──▶ worker
//	     ▲                                                 │
//	     └──── Tokens: SendTaskSuccess / Failure / Heartbeat
//
// GetActivityTask long-polls: it answers as soon as a task is queued, or
// with no token after PollTimeout (60 s, as AWS; workers set their read
// timeout above it). Tasks go to pollers first come, first served. A task
// taken by a worker records ActivityStarted with the worker's name; the
// heartbeat clock starts then. Queues live in memory: an engine restart
// fails the executions that waited (see executions.Recover), and with them
// their activity tasks.
package activities
