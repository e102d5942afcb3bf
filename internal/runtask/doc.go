// Package runtask is the client side of `ecsrun run-task`: through
// aws-sdk-go-v2 only, it registers (or resolves) a task definition, runs it,
// waits for its tasks to stop while following every container's log stream,
// drains the logs once the tasks have stopped, and derives the exit code. It
// does not know whether it talks to the embedded engine, `ecsrun serve` or
// Amazon ECS.
package runtask
