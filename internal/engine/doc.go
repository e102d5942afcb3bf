// Package engine assembles the local ECS: it takes the state directory's
// lock, opens the store, the control plane, the log store and the agent on a
// runtime, and serves the ECS and CloudWatch Logs APIs from one
// http.Handler. The same engine runs in-process for a single command (the
// embedded default) or behind `ecsrun serve`, which records its endpoint in
// the state directory so other commands find it.
package engine
