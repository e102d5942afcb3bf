// Package ecs is the domain of Amazon ECS as ecsrun models it: task
// definitions and their validation, ARNs, task and container statuses and the
// pure lifecycle transitions between them, and the error kinds the API layer
// translates to ECS error types. It does no I/O.
package ecs
