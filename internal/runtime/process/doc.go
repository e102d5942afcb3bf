// Package process implements runtime.Runtime with plain host processes: a
// "container" is EntryPoint followed by Command, run directly on the host in
// its own process group. There is no image (ContainerSpec.Image is recorded
// and reported, never used), no isolation and no resource limit.
//
// What is honoured: Env (on top of a minimal environment holding only the
// host's PATH), WorkingDir, User (a user name or uid[:gid], which needs the
// privilege to switch users), Labels, StopSignal, and PortBindings, reported
// as host-network bindings (the host port is the container port). Memory,
// CPU, ulimits, mounts, network mode, DNS and the other isolation settings are
// accepted and ignored.
//
// Like a container, a process "container" ends when its main process ends:
// whatever else is left in its process group is killed then. Output is
// captured line by line (lines longer than MaxLineBytes are cut) with the
// time each line was read, and kept in memory until Remove, so Logs can
// replay it with Since and Follow. Containers and their output live only as
// long as the Runtime.
//
// On Windows (and other systems without Unix process groups and
// credentials: process_other.go) a container with a User is refused at
// Create with runtime.ErrNotSupported, Stop ends the process at once
// (no signal can be delivered) and only the main process is killed when it
// ends or is removed, not its descendants.
//
// Lifecycle of one entry:
//
//	Create ──> created ──Start──> running ──process ends──> exited
//	              │                                          ▲
//	              └──Start fails (exit code 127, Error set)──┘
package process
