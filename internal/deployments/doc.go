// Package deployments holds ECS service deployments and service revisions
// as the ListServiceDeployments, DescribeServiceDeployments,
// DescribeServiceRevisions and StopServiceDeployment operations show them:
// a service revision is the configuration a deployment rolls out (task
// definition, launch type or capacity provider strategy, platform version,
// network configuration, container images); a service deployment records
// one rollout from source revisions to a target revision, its status
// (IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_IN_PROGRESS,
// ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED), its circuit breaker and its
// rollback. The package is pure: History's methods are the status
// transitions, which the control plane calls as its scheduler starts,
// completes, fails and rolls back deployments, and it keeps the history in
// the service's record.
package deployments
