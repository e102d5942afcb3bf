package runtask

import (
	"fmt"
	"strings"
)

// StillRunning is a task ecsrun stopped waiting for before it stopped (a
// second interrupt, or --stop-grace expired): what a command that stops it
// needs.
type StillRunning struct {
	// Cluster is the name of the task's cluster; TaskArn and TaskID name
	// the task.
	Cluster, TaskArn, TaskID string
	// RuntimeIDs are the runtime (Docker) ids of its containers that were
	// last seen not stopped, in task definition order.
	RuntimeIDs []string
}

// AWSStopCommand returns the AWS CLI command that stops t, with globals
// (such as "--endpoint-url URL --region us-east-1") before the service
// name. Each global is quoted for a POSIX shell when it needs it.
func AWSStopCommand(t StillRunning, globals ...string) string {
	words := []string{"aws"}
	for _, g := range globals {
		words = append(words, ShellQuote(g))
	}
	words = append(words, "ecs", "stop-task")
	if t.Cluster != "" {
		words = append(words, "--cluster", ShellQuote(t.Cluster))
	}
	id := t.TaskID
	if id == "" {
		id = t.TaskArn
	}
	words = append(words, "--task", ShellQuote(id))
	return strings.Join(words, " ")
}

// ShellQuote returns s as one word of a POSIX shell command line.
func ShellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// wasWere returns "1 task was" or "n tasks were".
func wasWere(n int, noun string) string {
	if n == 1 {
		return "1 " + noun + " was"
	}
	return fmt.Sprintf("%d %ss were", n, noun)
}
