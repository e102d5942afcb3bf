// Package taskenv is what the engine gives the agent as its TaskResources:
// it puts together, for each task, the task metadata and credentials
// endpoints (internal/taskmeta), the task role mapping
// (internal/taskroles), the local secret store (internal/secrets) and
// environment files (internal/envfile).
//
// At RunTask it refuses, as ECS does, a task role that cannot be assumed
// (one the task roles file does not map: ClientException) and secrets
// without an executionRoleArn. Before a task's images are pulled it
// resolves, for every container, secrets[].valueFrom, the secretOptions of
// its log configuration (those of the awsfirelens driver become variables
// of the FireLens log router's environment, named as the ECS agent names
// them) and its repositoryCredentials (which must hold a
// username and a password), and reads its environment files (an override's
// list replaces the definition's; the first file that sets a variable
// wins). Any failure stops the task with ResourceInitializationError,
// naming every secret or file at fault and never a value.
//
// The execution role itself is never assumed locally: secrets come from
// the local store, and images from the local Docker daemon with its own
// registry credentials.
package taskenv
