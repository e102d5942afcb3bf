// Package project reads the ecsrun project file (ecsrun.yaml): named
// environments (where tasks run: target, endpoint, region, profile, and
// default settings such as the cluster and network configuration) and named
// tasks (a task definition, a Run Task Request Definition file, overrides
// and run settings). It turns each layer of settings into changes of
// runtask.Options, so the command line applies environment, task and flags
// in that order with one code path.
package project
