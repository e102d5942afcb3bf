package engine

import "github.com/ecsrun/ecsrun/internal/logsapi"

// LogReader returns a GetLogEvents reader of the engine's log store for a
// client in this process (run-task and workflow on the embedded engine):
// the API's answers without the JSON in between.
func (e *Engine) LogReader() *logsapi.Direct { return logsapi.NewDirect(e.logs) }
