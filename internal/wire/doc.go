// Package wire holds what the generated AWS wire-shape packages (ecsmodel,
// logsmodel, sfnmodel) share: the epoch-seconds timestamp type, the
// constraint-violation collector their generated Validate methods fill, and
// the operation table entry. It knows nothing of HTTP.
package wire
