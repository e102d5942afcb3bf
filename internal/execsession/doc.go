// Package execsession runs ECS Exec sessions: ExecuteCommand opens a
// session (an id and a one-time token, valid for a short while) for a
// command in a task's container, and its stream URL is served here: an
// HTTP/1.1 upgrade to the "ecsrun-exec" protocol, over which the command's
// terminal or standard streams, the terminal size and the exit code travel
// in frames (see frame.go). It is ecsrun's own protocol: the AWS CLI's
// session-manager-plugin speaks the Systems Manager agent's protocol and
// cannot use it; `ecsrun exec` is the client.
package execsession
