// Package executions keeps Step Functions state machines and their
// executions: it stores them in the embedded SQLite database (with every
// history event, in Step Functions' event types), runs each execution with
// the workflow interpreter in its own goroutine, delivers task tokens
// (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) to the Task states
// waiting for them, and, when the engine starts again, closes the
// executions a previous engine left running.
//
// The life of an execution:
//
//	StartExecution ──► RUNNING ──► SUCCEEDED | FAILED | TIMED_OUT
//	                      │
//	                      ├── StopExecution ──► ABORTED
//	                      └── engine stopped ──► (next start) FAILED,
//	                          error Ecsrun.EngineRestarted, its .sync ECS
//	                          tasks stopped
//
// Versions are numbered, immutable snapshots of a state machine; aliases
// route executions to one version or split them between two by weight
// (Options.Rand draws the picks). A state machine ARN with a version
// number or an alias name after it starts an execution of that version,
// which records it (Execution.VersionArn, AliasArn).
//
// Errors are kinds (ErrStateMachineDoesNotExist, ...) with messages as
// Step Functions words them; internal/sfnapi turns them into error types.
package executions
