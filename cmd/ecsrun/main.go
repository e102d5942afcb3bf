// Command ecsrun runs Amazon ECS tasks: on a local ECS engine backed by
// Docker, against any ECS endpoint, or on Amazon ECS itself.
package main

import (
	"context"
	"os"

	"github.com/ecsrun/ecsrun/internal/cli"
)

func main() {
	// cli.Main turns SIGINT and SIGTERM into a cancelled context and returns
	// the exit code (130 and 143 for those signals).
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
