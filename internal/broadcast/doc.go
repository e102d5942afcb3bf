// Package broadcast holds notifications that wake waiters at once instead
// of at their next poll: Signal wakes every waiter (the control plane
// signals task changes through it, so that a run-task on the embedded
// engine describes a task as soon as it changed), and Keyed wakes those of
// one key (the engine signals a task's stop through it, so that a
// workflow's .sync ECS task state ends as soon as its task stopped).
package broadcast
