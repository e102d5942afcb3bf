package runtask

import (
	"fmt"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// ReportVersion is the version of the JSON document --output json prints.
const ReportVersion = 1

// Report is the outcome of one run, printed as one JSON document by
// --output json. Every attempt of every task is listed, in launch order.
type Report struct {
	Version int `json:"version"`
	// Task and Environment name the project task and environment, if any.
	Task        string `json:"task,omitempty"`
	Environment string `json:"environment,omitempty"`
	// Target describes where the tasks ran.
	Target string `json:"target"`
	// TaskDefinitionArn is the revision that ran; TaskDefinitionSource says
	// how it was found: "registered" (from a file), "reused" (the file
	// matched the latest ACTIVE revision) or "existing" (a family, revision
	// or ARN was named).
	TaskDefinitionArn    string `json:"taskDefinitionArn"`
	TaskDefinitionSource string `json:"taskDefinitionSource"`
	// Request is the RunTask request each batch sent, without count and
	// clientToken.
	Request *ecsmodel.RunTaskRequest `json:"request"`
	// Count is the number of tasks asked for; Wait the --wait mode.
	Count int    `json:"count"`
	Wait  string `json:"wait"`
	// Warnings are what the target said about the run before it started
	// (a task role without local credentials, for example).
	Warnings []string `json:"warnings,omitempty"`
	// StartedAt and FinishedAt bound the run.
	StartedAt       time.Time `json:"startedAt"`
	FinishedAt      time.Time `json:"finishedAt"`
	DurationSeconds float64   `json:"durationSeconds"`
	// Attempts lists every attempt of every task.
	Attempts []Attempt `json:"attempts"`
	// Tasks is the final attempt of each of the Count tasks, in order.
	Tasks []TaskSummary `json:"tasks"`
	// TimedOut is set when --timeout expired; Interrupted names the signal
	// that ended the run ("SIGINT", "SIGTERM").
	TimedOut    bool   `json:"timedOut,omitempty"`
	Interrupted string `json:"interrupted,omitempty"`
	// APICalls counts the ECS and CloudWatch Logs operations the run called,
	// by "Service.Operation".
	APICalls map[string]int `json:"apiCalls"`
	// DryRun is set for --dry-run, which prints the resolved
	// TaskDefinition and the RunTask Batches it would send instead of
	// running anything.
	DryRun         bool  `json:"dryRun,omitempty"`
	TaskDefinition any   `json:"taskDefinition,omitempty"`
	Batches        []int `json:"batches,omitempty"`
	// ExitCode is the exit code of the run; ExitReason says why.
	ExitCode   int    `json:"exitCode"`
	ExitReason string `json:"exitReason"`
}

// Outcome is how an attempt ended.
type Outcome string

// Outcomes of an attempt.
const (
	// OutcomeSucceeded: every essential container (or the success
	// container) exited 0.
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomeFailed: an essential container (or the success container)
	// exited non-zero.
	OutcomeFailed Outcome = "failed"
	// OutcomeNeverStarted: RunTask failed or returned a failure, or the task
	// stopped before its containers ran (image pull, resource
	// initialisation, stopCode TaskFailedToStart).
	OutcomeNeverStarted Outcome = "neverStarted"
	// OutcomeTimedOut: --start-timeout, --attempt-timeout or --timeout
	// expired and ecsrun stopped the task.
	OutcomeTimedOut Outcome = "timedOut"
	// OutcomeInterrupted: ecsrun was interrupted (SIGINT, SIGTERM) and
	// stopped the task.
	OutcomeInterrupted Outcome = "interrupted"
	// OutcomeRunning: with --wait running, the task reached RUNNING.
	OutcomeRunning Outcome = "running"
	// OutcomeLaunched: with --wait none, RunTask started the task.
	OutcomeLaunched Outcome = "launched"
	// OutcomeLost: DescribeTasks kept answering MISSING for the task, so
	// how it ended is unknown.
	OutcomeLost Outcome = "lost"
)

// Success reports whether the outcome counts as a success.
func (o Outcome) Success() bool {
	return o == OutcomeSucceeded || o == OutcomeRunning || o == OutcomeLaunched
}

// Attempt is one attempt of one task: a RunTask failure or a task.
type Attempt struct {
	// Task is the task's number in the run (1..count); Attempt counts its
	// attempts from 1.
	Task    int `json:"task"`
	Attempt int `json:"attempt"`
	// ClientToken is the RunTask idempotency token of the attempt's batch.
	ClientToken string `json:"clientToken,omitempty"`
	// TaskArn is empty when RunTask did not start the task (see Failure).
	TaskArn string   `json:"taskArn,omitempty"`
	Failure *Failure `json:"failure,omitempty"`
	// Outcome, ExitCode and Reason judge the attempt; Error is its error
	// class (States.TaskFailed, TaskFailedToStart, States.Timeout) and
	// ErrorNames the class followed by finer names (RESOURCE:MEMORY,
	// CannotPullContainerError, ...), as --retry-on matches them.
	Outcome    Outcome  `json:"outcome"`
	ExitCode   int      `json:"exitCode"`
	Reason     string   `json:"reason,omitempty"`
	Error      string   `json:"error,omitempty"`
	ErrorNames []string `json:"errorNames,omitempty"`
	// The task as last described.
	LastStatus    string     `json:"lastStatus,omitempty"`
	StopCode      string     `json:"stopCode,omitempty"`
	StoppedReason string     `json:"stoppedReason,omitempty"`
	CreatedAt     *time.Time `json:"createdAt,omitempty"`
	StartedAt     *time.Time `json:"startedAt,omitempty"`
	StoppingAt    *time.Time `json:"stoppingAt,omitempty"`
	StoppedAt     *time.Time `json:"stoppedAt,omitempty"`
	// DurationSeconds runs from createdAt (or the RunTask call) to stoppedAt.
	DurationSeconds *float64    `json:"durationSeconds,omitempty"`
	Containers      []Container `json:"containers,omitempty"`
	// StopRequested is the reason ecsrun gave StopTask, if it stopped the
	// task.
	StopRequested string `json:"stopRequested,omitempty"`
	// Retried is set when another attempt followed, after RetryDelaySeconds.
	Retried           bool     `json:"retried,omitempty"`
	RetryDelaySeconds *float64 `json:"retryDelaySeconds,omitempty"`
}

// Failure is an entry of RunTask's failures, or a RunTask error (Reason is
// then the error code).
type Failure struct {
	Arn    string `json:"arn,omitempty"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Container is how one container of a task ended.
type Container struct {
	Name       string `json:"name"`
	Essential  bool   `json:"essential"`
	LastStatus string `json:"lastStatus,omitempty"`
	// ExitCode is null when the container has none (it never ran, or has
	// not stopped).
	ExitCode  *int32 `json:"exitCode"`
	Reason    string `json:"reason,omitempty"`
	LogGroup  string `json:"logGroup,omitempty"`
	LogStream string `json:"logStream,omitempty"`
}

// TaskSummary is the final state of one of the run's tasks.
type TaskSummary struct {
	Task     int     `json:"task"`
	Attempts int     `json:"attempts"`
	TaskArn  string  `json:"taskArn,omitempty"`
	Outcome  Outcome `json:"outcome"`
	ExitCode int     `json:"exitCode"`
	Reason   string  `json:"reason,omitempty"`
}

// Summarise fills r.Tasks from r.Attempts and returns the run's exit code
// and reason, before signals: 124 when --timeout expired, otherwise the exit
// code of the first task (in order) whose final attempt did not succeed, or
// 0.
func (r *Report) Summarise() (int, string) {
	last := map[int]*Attempt{}
	counts := map[int]int{}
	n := 0
	for i := range r.Attempts {
		a := &r.Attempts[i]
		last[a.Task] = a
		counts[a.Task]++
		n = max(n, a.Task)
	}
	r.Tasks = r.Tasks[:0]
	code, reason := 0, ""
	for i := 1; i <= max(n, r.Count); i++ {
		a := last[i]
		if a == nil {
			s := TaskSummary{Task: i, Outcome: OutcomeNeverStarted, ExitCode: ExitNeverStarted, Reason: "not launched"}
			if r.TimedOut {
				s.Outcome, s.ExitCode, s.Reason = OutcomeTimedOut, ExitTimeout, "not launched before --timeout expired"
			}
			r.Tasks = append(r.Tasks, s)
			if code == 0 {
				code, reason = s.ExitCode, fmt.Sprintf("task %d: %s", i, s.Reason)
			}
			continue
		}
		s := TaskSummary{Task: i, Attempts: counts[i], TaskArn: a.TaskArn, Outcome: a.Outcome, ExitCode: a.ExitCode, Reason: a.Reason}
		r.Tasks = append(r.Tasks, s)
		if code == 0 && !a.Outcome.Success() {
			code = a.ExitCode
			reason = fmt.Sprintf("task %d", i)
			if a.TaskArn != "" {
				reason += " (" + shortID(a.TaskArn) + ")"
			}
			reason += ": " + a.Reason
		}
	}
	if r.TimedOut {
		if n := len(r.MayStillRun()); n > 0 {
			return ExitTimeout, fmt.Sprintf("--timeout expired; ecsrun stopped waiting for the tasks to stop, and %s may still be running", plural(n, "task"))
		}
		return ExitTimeout, "--timeout expired; the run's tasks were stopped"
	}
	if code == 0 {
		return 0, fmt.Sprintf("%d of %s succeeded", len(r.Tasks), plural(len(r.Tasks), "task"))
	}
	return code, reason
}
