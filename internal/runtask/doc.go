// Package runtask is the client side of `ecsrun run-task`, through
// aws-sdk-go-v2 only, so it does not know whether it talks to the embedded
// engine, `ecsrun serve` or Amazon ECS. A Runner resolves the task
// definition (registering a file, or reusing its latest ACTIVE revision when
// unchanged), builds the RunTask request, and starts Count tasks in batches
// of 10 (one client token per batch). It polls them with batched
// DescribeTasks, follows every container's log stream with GetLogEvents and
// drains it once the task stopped, enforces the timeouts, stops every task
// on an interrupt, retries failed tasks as the retry policy says, and
// returns a Report: every attempt, the verdicts and the exit code.
//
// The verdicts (verdict.go), the comparison of task definitions
// (normalize.go) and the retry policy (package retry) are pure; the loop in
// loop.go is the only goroutine that touches a run's attempts.
package runtask
