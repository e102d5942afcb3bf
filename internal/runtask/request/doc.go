// Package request builds the RunTask request of `ecsrun run-task` from its
// layers (a Run Task Request Definition file, project settings, flags): it
// parses the flag syntaxes (--env [CONTAINER:]KEY=VALUE, --tag KEY=VALUE,
// --command, --capacity-provider), overlays partial requests, and applies
// container overrides against the task definition's containers. It is pure:
// no I/O.
package request
