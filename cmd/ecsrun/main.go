// Command ecsrun runs Amazon ECS tasks: on a local ECS engine backed by
// Docker, against any ECS endpoint, or on Amazon ECS itself.
package main

import (
	// Raises the garbage collector's target before the other packages
	// initialise: it imports nothing that needs initialising, which puts it
	// first whatever its place here (see its doc, and TestInitOrder).
	"github.com/ecsrun/ecsrun/internal/initgc"

	"context"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/ecsrun/ecsrun/internal/cli"
)

// profileEnv names a file to write a CPU profile of the whole command to
// (bench/all.sh and docs/performance.md use it to profile a chatty task).
const profileEnv = "ECSRUN_CPUPROFILE"

func main() {
	// Most commands are short and run an engine in this process for their
	// length: a run-task of a chatty container collected its garbage a few
	// hundred times at Go's default (a tenth of its CPU). They keep more
	// garbage instead (initgc.Percent, from the binary's start); `ecsrun
	// serve`, which runs for days, goes back to the default
	// (cli.ServeGCPercent). GOGC, when set, decides.
	if os.Getenv("GOGC") != "" {
		initgc.Restore()
	}
	stop := startProfile()
	// cli.Main turns SIGINT and SIGTERM into a cancelled context and returns
	// the exit code (130 and 143 for those signals).
	code := cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startProfile starts a CPU profile when $ECSRUN_CPUPROFILE names a file,
// and returns what stops it.
func startProfile() func() {
	path := os.Getenv(profileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ecsrun: %s: %v\n", profileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
