// Package controlplane is the local ECS control plane: it accepts API calls
// (clusters, task definitions, tasks, container instances and their
// attributes, services), validates them with the ECS domain rules, owns the
// authoritative records, commits every accepted change to the store before
// answering, hands tasks to the agent, and folds the agent's reports into
// the Task objects that DescribeTasks returns. On start it loads the store,
// rebuilds what the tasks hold on their container instances, and asks the
// agent to re-adopt every task that had not stopped.
//
// RunTask decides where tasks run (see chooseCapacity): on the cluster's
// container instances through package placement, one placement.State per
// cluster whose serialising applier keeps concurrent calls from
// overcommitting an instance, or on the local host's own capacity. Every
// instance's tasks run on the same local agent.
//
// Task writes from many goroutines share transactions (group commit, see
// batcher), so the agent's reports of many tasks and RunTask calls cost one
// commit between them.
//
// Services (services.go) are records that a scheduler goroutine
// (scheduler.go) keeps at their desired count: a pure decision core
// (decide, schedule.go) says what to start and stop from the service and
// its tasks as they are, and the scheduler applies it through the paths
// RunTask and StopTask use. It runs when a service task changes, when a
// service API call changes a service, and every Options.ServiceTick.
package controlplane
