// Package initgc raises the garbage collector's target to Percent (as
// GOGC=400 would) before the other packages of the binary initialise, and
// lets the command give it back (Restore).
//
// Why: the packages of the ecsrun binary allocate about 6.5 MB while they
// initialise (most of it the AWS SDK's service schemas and endpoint
// tables). At Go's default target the collector runs during that, and the
// start of every command took 6-7 ms longer (28 against 21 ms for `ecsrun
// version` on the 2-core project machine); `ecsrun run-task` of a
// container that prints one line takes about 300 ms in all.
//
// How: Go initialises the packages in the order of their import paths,
// each once its imports are. A package that imports runtime/debug is
// initialised only after the packages before it in that order, which are
// most of the heavy ones. This one imports nothing that needs
// initialising: it calls runtime/debug.setGCPercent, the function the
// runtime provides to runtime/debug.SetGCPercent, by its link name (the
// runtime marks it for that, so the Go linker accepts the reference). Were
// a Go release to take it away, the build would fail, not the command.
//
// A command imports it for its side effect, first:
//
//	import _ "github.com/ecsrun/ecsrun/internal/initgc"
package initgc
