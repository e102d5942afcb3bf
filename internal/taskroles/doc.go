// Package taskroles gives a task the credentials of its task role from a
// mapping the user configures: role ARN (or role name) to a named AWS
// profile of the shared config and credentials files, or to static keys.
//
// The mapping is a YAML or JSON file (by default task-roles.yaml in the
// engine's state directory), read again for every task, so an edit applies
// to the next task started:
//
//	roles:
//	  - roleArn: arn:aws:iam::123456789012:role/app   # exact ARN
//	    profile: dev                                   # ~/.aws/config profile: keys, SSO, assume-role, ...
//	  - roleArn: worker                                # a role name matches any ARN ending in role/worker
//	    accessKeyId: AKIDEXAMPLE
//	    secretAccessKey: wJalrXUtnFEMI/K7MDENG
//	    sessionToken: optional
//	  - roleArn: "*"                                   # every other role
//	    profile: default
//
// A role with no entry cannot be assumed: [Provider.Check] reports it with
// ErrNoMapping, which the engine turns into the ClientException ECS gives
// for a task role it cannot assume, at RunTask. Profiles are resolved with
// aws-sdk-go-v2's shared configuration (AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE are honoured), and their credentials are
// cached and refreshed by the SDK.
package taskroles
