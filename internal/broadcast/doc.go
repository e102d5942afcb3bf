// Package broadcast holds Signal, a notification that wakes every waiter at
// once: the control plane signals task changes through it, so that a
// run-task on the embedded engine describes a task as soon as it changed
// instead of at its next poll.
package broadcast
