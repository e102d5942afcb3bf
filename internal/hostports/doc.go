// Package hostports finds free host ports for port mappings that leave the
// host port to the agent, as the ECS agent does for a containerPortRange:
// a contiguous run of ports in the dynamic host port range (the kernel's
// ephemeral range), searched from just after the last run handed out, each
// port checked by listening on it.
package hostports
