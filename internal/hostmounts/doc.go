// Package hostmounts decides which host paths a task may bind-mount
// (a volume's host.sourcePath). Some paths hand the host over to whoever
// runs a task: the engine's own state directory holds the secret store,
// the task endpoints' key and the database; the Docker socket controls
// every container and, through them, the host; "/" holds both. A bind
// mount of one of them, of a path inside one of them (the state
// directory), or of a directory containing one is refused unless the
// operator allows it (`ecsrun serve --config`, allowHostPaths).
//
// The decision is pure ([Refusal], on paths already resolved); a
// [Policy] resolves symlinks first, so a link to a protected path is
// refused as the path itself is.
package hostmounts
