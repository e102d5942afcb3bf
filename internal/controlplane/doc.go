// Package controlplane is the local ECS control plane: it accepts API calls
// (clusters, task definitions, tasks), validates them with the ECS domain
// rules, owns the authoritative records, commits every accepted change to the
// store before answering, hands tasks to the agent, and folds the agent's
// reports into the Task objects that DescribeTasks returns. On start it loads
// the store and asks the agent to re-adopt every task that had not stopped.
package controlplane
