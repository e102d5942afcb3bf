// Package tasksets holds the pure rules of ECS task sets, the units a
// service with the EXTERNAL deployment controller runs its tasks in: their
// ids and ARNs, the scale a task set asks for and the task count ECS
// computes from it (computedDesiredCount, the service's desiredCount times
// the scale, rounded up), their status (PRIMARY, ACTIVE, DRAINING), their
// stability (STEADY_STATE, STABILIZING), and what the scheduler must start
// and stop to bring a task set's tasks to its computed count. It does no
// I/O: the control plane keeps the task sets in its service records and
// applies what Plan says.
package tasksets
