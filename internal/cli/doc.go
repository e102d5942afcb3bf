// Package cli implements the ecsrun command line: one file per command, each
// building on the same engine and client set-up. Main runs a command and maps
// its outcome to the process exit code.
package cli
