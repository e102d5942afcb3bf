// Package secrets is ecsrun's local secret store and the parser of the
// references task definitions use to name secrets.
//
// A container definition's secrets[].valueFrom (and logConfiguration
// secretOptions, repositoryCredentials.credentialsParameter) names an AWS
// Secrets Manager secret or an SSM Parameter Store parameter. [ParseRef]
// reads every form ECS accepts:
//
//	arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON-KEY[:VERSION-STAGE[:VERSION-ID]]]
//	arn:aws:ssm:REGION:ACCOUNT:parameter/NAME        (parameter/a/b is the parameter "/a/b")
//	NAME                                             (a parameter name, as ECS reads it)
//
// Locally every reference resolves from one [Store] keyed by name: the
// region and account of an ARN are not used, a Secrets Manager name may be
// given with or without the six-character suffix AWS appends to secret ARNs,
// and only the current version of a value exists (version stage AWSCURRENT).
//
// The store is a JSON file (secrets.json, mode 0600) in the engine's state
// directory, written atomically under an exclusive file lock, so `ecsrun
// secrets` can change it while `ecsrun serve` runs and every task started
// afterwards sees the change. Values are never logged; the error messages
// of this package name secrets, never their values.
package secrets
