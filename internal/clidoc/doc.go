// Package clidoc generates docs/reference/cli.md, the reference of every
// ecsrun command, from the command tree itself (cobra's doc generator,
// github.com/spf13/cobra/doc) plus each command's documented exit codes
// (cli.ExitCodes), so that the reference cannot drift from the flags. Its
// test fails when the committed file is stale; regenerate it with
//
//	go generate ./internal/clidoc
package clidoc

//go:generate go run ./gen ../../docs/reference/cli.md
