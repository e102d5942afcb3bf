// Package executions keeps Step Functions state machines and their
// executions: it stores them in the embedded SQLite database (with every
// history event, in Step Functions' event types), runs each execution with
// the workflow interpreter in its own goroutine, delivers task tokens
// (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) to the Task states
// waiting for them, resumes, when the engine starts again, the executions a
// previous engine left running (Recover replays each one's stored history:
// see internal/workflow's replay.go), and redrives failed ones.
//
// The life of an execution:
//
//	StartExecution ──► RUNNING ──► SUCCEEDED | FAILED | TIMED_OUT
//	                    ▲  │  ▲                 │
//	                    │  │  └─ RedriveExecution (STANDARD, within 14
//	                    │  │     days, < 1000 times): ExecutionRedriven,
//	                    │  │     what failed runs again
//	                    │  ├── StopExecution ──► ABORTED (redrivable too)
//	                    │  └── engine stopped (kill -9 included)
//	                    └───── next start: replayed from its history, goes
//	                           on live (or, when it cannot, FAILED with
//	                           Ecsrun.EngineRestarted, its .sync tasks stopped)
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
