// Command hello is the example container of the ecsrun quickstart: it
// greets on standard output, prints its arguments (and $MANAGE_PY_TASK when
// set), writes a line to standard error, optionally sleeps ($SLEEP; SIGTERM
// ends the sleep, as a service's task is stopped), and exits with the code
// in $EXIT_CODE (0 by default). It is built as a static binary into a FROM
// scratch image, so no registry is needed.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
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
		// As PID 1 in its container the program gets no default SIGTERM
		// handling: without this, stopping it would wait out the stop
		// timeout and end in SIGKILL.
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
		select {
		case <-time.After(d):
		case s := <-term:
			fmt.Printf("stopping on %v\n", s)
		}
	}
	code, _ := strconv.Atoi(os.Getenv("EXIT_CODE"))
	fmt.Fprintf(os.Stderr, "exiting with code %d\n", code)
	os.Exit(code)
}
