// Package agent runs ECS tasks on one host through a runtime.Runtime, as the
// ECS container agent does on a container instance. Each task is owned by one
// goroutine, the only writer of its taskstate.Task: it sets up the task's
// resources (task cgroup, volumes, the FireLens log router's configuration
// and socket directory, the pause container that holds shared namespaces),
// pulls images, creates and starts the containers in the order
// the dependency graph (package depgraph) allows, follows their output into
// the log sink and their health, stops them in reverse dependency order when
// an essential container exits or a stop is requested, releases the
// resources, and reports every change to the control plane before moving on.
// After an engine restart, Adopt re-attaches to the containers of unfinished
// tasks by their saved ids or derived names; while the runtime is
// unreachable (a Docker daemon restarting), waits and output follows retry.
package agent
