// Package daemons holds the ECS managed daemons of the local ECS: daemon
// task definitions (their own registry of families and revisions), daemons,
// their revisions and deployments, kept in SQLite, and the loop that keeps
// exactly one daemon task on each container instance of a daemon's
// capacity providers.
//
// The decision is pure (Reconcile: given the instances, the daemons and
// their running tasks, which tasks to start and which to stop); the
// Manager applies it through the control plane's public ECS calls
// (RunTask on one instance, StopTask), so the control plane knows daemon
// tasks only as tasks of a group "daemon:<name>".
package daemons
