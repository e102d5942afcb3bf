// Package agent runs ECS tasks on one host through a runtime.Runtime, as the
// ECS container agent does on a container instance. Each task is owned by one
// goroutine, the only writer of its taskstate.Task: it pulls images, creates
// and starts the containers, follows their output into the log sink, waits
// for them to exit, stops the rest when an essential container exits or a stop
// is requested, and reports every status change to the control plane before
// moving on. After an engine restart, Adopt re-attaches to the containers of
// unfinished tasks by their saved ids and ECS labels.
package agent
