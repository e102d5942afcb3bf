package runtask

import (
	"fmt"
	"strings"
	"time"
)

// WriteSummary writes the end of the human log: every attempt of every
// task with its ARN, status, stopCode and stoppedReason, duration, outcome
// and containers, then the run's result.
func WriteSummary(c *Console, rep *Report) {
	if rep.DryRun {
		return
	}
	retries := len(rep.Attempts) - len(rep.Tasks)
	head := "Summary: " + plural(len(rep.Tasks), "task")
	if retries > 0 {
		head += fmt.Sprintf(", %d attempts", len(rep.Attempts))
	}
	c.Infof("%s, %s", head, time.Duration(rep.DurationSeconds*float64(time.Second)).Round(time.Millisecond))
	multi := len(rep.Tasks) > 1 || retries > 0
	for _, a := range rep.Attempts {
		c.Infof("%s", attemptLine(a, multi))
		for _, ct := range a.Containers {
			state := "exit code -" // stopped without one: it never ran
			switch {
			case ct.ExitCode != nil:
				state = fmt.Sprintf("exit code %d", *ct.ExitCode)
			case ct.LastStatus != "" && ct.LastStatus != "STOPPED":
				state = ct.LastStatus // still running (--wait running or none)
			}
			name := ct.Name
			if !ct.Essential {
				name += " (not essential)"
			}
			line := fmt.Sprintf("  container %s: %s", name, state)
			if ct.Reason != "" {
				line += " (" + ct.Reason + ")"
			}
			c.Infof("%s", line)
		}
	}
	mayRun := len(rep.MayStillRun())
	switch {
	case rep.Interrupted != "" && mayRun > 0:
		c.Infof("Interrupted (%s): ecsrun stopped waiting; %s may still be running (the commands above stop them). Exit code %d.",
			rep.Interrupted, plural(mayRun, "task"), rep.ExitCode)
	case rep.Interrupted != "":
		c.Infof("Interrupted (%s): the run's tasks were stopped. Exit code %d.", rep.Interrupted, rep.ExitCode)
	case rep.ExitCode == 0:
		c.Infof("Success.")
	default:
		c.Infof("Failed (exit code %d): %s", rep.ExitCode, rep.ExitReason)
	}
}

func attemptLine(a Attempt, multi bool) string {
	var b strings.Builder
	b.WriteString("Task => ")
	if a.TaskArn != "" {
		b.WriteString(a.TaskArn)
	} else {
		b.WriteString("(not started)")
	}
	if a.LastStatus != "" {
		b.WriteString(" " + a.LastStatus)
	}
	if a.StopCode != "" || a.StoppedReason != "" {
		fmt.Fprintf(&b, " (%s: %s)", a.StopCode, a.StoppedReason)
	}
	if a.DurationSeconds != nil {
		fmt.Fprintf(&b, " in %s", time.Duration(*a.DurationSeconds*float64(time.Second)).Round(time.Millisecond))
	}
	fmt.Fprintf(&b, ": %s", a.Outcome)
	if !a.Outcome.Success() && a.Reason != "" {
		b.WriteString(", " + a.Reason)
	}
	if multi {
		fmt.Fprintf(&b, " [task %d, attempt %d", a.Task, a.Attempt)
		if a.Retried && a.RetryDelaySeconds != nil {
			fmt.Fprintf(&b, ", retried after %s", time.Duration(*a.RetryDelaySeconds*float64(time.Second)).Round(time.Millisecond))
		}
		b.WriteString("]")
	}
	return b.String()
}

// MayStillRun returns the ARNs of the tasks ecsrun asked to stop and did
// not see STOPPED.
func (rep *Report) MayStillRun() []string {
	var out []string
	for _, a := range rep.Attempts {
		if a.TaskArn != "" && a.StopRequested != "" && a.LastStatus != "STOPPED" {
			out = append(out, a.TaskArn)
		}
	}
	return out
}

// plural returns "1 task" or "n tasks".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
