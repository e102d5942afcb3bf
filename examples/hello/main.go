// Command hello is the example container of the ecsrun quickstart: it
// greets on standard output, prints its arguments (and $MANAGE_PY_TASK when
// set), writes a line to standard error, optionally sleeps ($SLEEP), and
// exits with the code in $EXIT_CODE (0 by default). It is built as
// a static binary into a FROM scratch image, so no registry is needed.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	name := os.Getenv("GREETING_NAME")
	if name == "" {
		name = "ECS"
	}
	fmt.Printf("hello, %s, from a container\n", name)
	for i, a := range os.Args[1:] {
		fmt.Printf("arg %d: %s\n", i+1, a)
	}
	if t := os.Getenv("MANAGE_PY_TASK"); t != "" {
		fmt.Printf("MANAGE_PY_TASK: %s\n", t)
	}
	if d, err := time.ParseDuration(os.Getenv("SLEEP")); err == nil {
		time.Sleep(d)
	}
	code, _ := strconv.Atoi(os.Getenv("EXIT_CODE"))
	fmt.Fprintf(os.Stderr, "exiting with code %d\n", code)
	os.Exit(code)
}
