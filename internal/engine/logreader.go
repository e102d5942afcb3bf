package engine

import "github.com/ecsrun/ecsrun/internal/logsapi"

// LogReader returns a GetLogEvents reader of the engine's log store for a
// client in this process (run-task and workflow on the embedded engine):
// the API's answers without the JSON in between.
func (e *Engine) LogReader() *logsapi.Direct { return logsapi.NewDirect(e.logs) }

// TaskChanges returns a channel closed the next time a task changes, for a
// client in this process that waits for tasks
// (run-task on the embedded engine): it describes them again at once
// instead of at its next poll.
func (e *Engine) TaskChanges() <-chan struct{} { return e.cp.TaskChanges() }
