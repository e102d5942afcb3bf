package runtask

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtask/request"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

// Wait says when a run is over.
type Wait string

// Wait modes.
const (
	// WaitStopped waits until every task stopped (the default).
	WaitStopped Wait = "stopped"
	// WaitRunning waits until every task is RUNNING (the steady-state
	// check); a task that stops before it is seen RUNNING is judged by its
	// exit codes.
	WaitRunning Wait = "running"
	// WaitNone returns once RunTask started the tasks.
	WaitNone Wait = "none"
)

// ParseWait reads a --wait value.
func ParseWait(s string) (Wait, error) {
	switch w := Wait(s); w {
	case WaitStopped, WaitRunning, WaitNone:
		return w, nil
	}
	return "", fmt.Errorf("--wait must be stopped, running or none, not %q", s)
}

// LogMode chooses the containers whose logs are followed.
type LogMode string

// Log modes.
const (
	LogsAll       LogMode = "all"
	LogsEssential LogMode = "essential"
	LogsNone      LogMode = "none"
)

// ParseLogMode reads a --logs value.
func ParseLogMode(s string) (LogMode, error) {
	switch m := LogMode(s); m {
	case LogsAll, LogsEssential, LogsNone:
		return m, nil
	}
	return "", fmt.Errorf("--logs must be all, essential or none, not %q", s)
}

// Options describes one run. The zero value of every tuning field picks a
// default suited to the local engine; Defaults and AWSDefaults set the
// others.
type Options struct {
	// TaskDefinition is a file (JSON or YAML) to register, or a family,
	// family:revision or ARN to run as registered. When empty,
	// Request.TaskDefinition is used.
	TaskDefinition string
	// ReuseIfUnchanged runs the latest ACTIVE revision of the file's family
	// instead of registering a new one when the file does not differ from it.
	ReuseIfUnchanged bool
	// ExpandEnv expands ${VAR} in the task definition file from Getenv.
	ExpandEnv bool
	// Getenv looks environment variables up for ExpandEnv (os.LookupEnv
	// when nil).
	Getenv func(string) (string, bool)

	// Request is the RunTask request (without count and client token),
	// built from the request file, project settings and flags.
	Request ecsmodel.RunTaskRequest
	// Changes are the overrides that depend on the task definition.
	Changes request.Changes
	// Count is the number of tasks (default 1), started by RunTask calls of
	// at most 10.
	Count int

	// Wait, Timeout (the whole run), StartTimeout (a task's PROVISIONING and
	// PENDING), AttemptTimeout (one attempt, Step Functions'
	// TimeoutSeconds); 0 means no limit.
	Wait                                  Wait
	Timeout, StartTimeout, AttemptTimeout time.Duration
	// StopGrace bounds the wait for tasks to stop after ecsrun stopped them
	// (on a timeout or an interrupt). Default 90 s.
	StopGrace time.Duration

	// Logs chooses the containers whose logs are followed (default all).
	Logs LogMode
	// SuccessContainer, when set, is the only container whose exit code
	// decides a task's success.
	SuccessContainer string
	// Retry is the retry policy.
	Retry retry.Policy
	// DryRun resolves the task definition and request and stops before
	// registering or running anything.
	DryRun bool

	// Poll is the first interval between DescribeTasks calls (default
	// 10 ms); it is scaled up with the number of tasks (x1 per 10 tasks),
	// and after the first second grows to MaxPoll (default 100 ms: a task
	// that ran a few seconds is noticed stopped within 100 ms, at 10
	// in-process calls a second).
	Poll, MaxPoll time.Duration
	// LogPoll is the interval at which each log stream is read while its
	// container runs (default 250 ms); LogRate caps GetLogEvents calls per
	// second (default 40; 0 keeps the default, a negative value removes
	// the cap).
	LogPoll time.Duration
	LogRate float64
	// LogSettle is how long a stream of a stopped container is still read
	// for late events (0 for the local engine, which stores every line
	// before it reports a task STOPPED; CloudWatch Logs needs a few seconds).
	LogSettle time.Duration
	// NoDefaultLogGroup skips containers without an awslogs log
	// configuration (their output is only in ecsrun's /ecsrun/tasks group).
	NoDefaultLogGroup bool

	// Console receives container log lines and the progress log.
	Console *Console
	// Signal names the signal that interrupted the run and its exit code
	// (("SIGINT", 130) when nil); it is asked when ctx is cancelled.
	Signal func() (string, int)
	// Abort, when done, ends the wait for stopping tasks early (a second
	// interrupt); the StopTask calls are made before.
	Abort context.Context
	// StopCommand, when set, returns the command that stops a task ecsrun
	// stopped waiting for, for the target (AWSStopCommand without globals
	// when nil or when it returns "").
	StopCommand func(StillRunning) string
	// PullHint, when set, returns what to say about an image a task could
	// not pull (CannotPullContainerError); the local engine suggests
	// building or pulling it into the Docker cache.
	PullHint func(image string) string
	// Rand returns numbers in [0, 1) for retry jitter (math/rand when nil).
	Rand func() float64
	// Notices, when set, is asked once what the target has to say about
	// running def with req (the local engine: a task role without local
	// credentials); each line is printed as a warning and kept in the
	// report.
	Notices func(def *types.TaskDefinition, req *ecsmodel.RunTaskRequest) []string
}

// AWSTuning sets the tuning defaults for Amazon ECS: polling every 2 s,
// growing to 6 s; each log stream read every 2 s with at most 5
// GetLogEvents calls per second (CloudWatch Logs allows 25 per account and
// region); streams of stopped containers read for 5 s more.
func (o *Options) AWSTuning() {
	o.Poll, o.MaxPoll = 2*time.Second, 6*time.Second
	o.LogPoll, o.LogRate, o.LogSettle = 2*time.Second, 5, 5*time.Second
	o.NoDefaultLogGroup = true
}

func (o *Options) defaults() {
	if o.Count == 0 {
		o.Count = 1
	}
	if o.Wait == "" {
		o.Wait = WaitStopped
	}
	if o.Logs == "" {
		o.Logs = LogsAll
	}
	if o.StopGrace == 0 {
		o.StopGrace = 90 * time.Second
	}
	if o.Poll == 0 {
		o.Poll = 10 * time.Millisecond
	}
	if o.MaxPoll == 0 {
		o.MaxPoll = 100 * time.Millisecond
	}
	if o.MaxPoll < o.Poll {
		o.MaxPoll = o.Poll
	}
	if o.LogPoll == 0 {
		o.LogPoll = 250 * time.Millisecond
	}
	if o.LogRate == 0 {
		o.LogRate = 40
	}
	d := retry.Default()
	if o.Retry.BackoffRate == 0 {
		o.Retry.BackoffRate = d.BackoffRate
	}
	if o.Retry.Jitter == "" {
		o.Retry.Jitter = d.Jitter
	}
	if o.Retry.RetryOn == nil {
		o.Retry.RetryOn = d.RetryOn
	}
	if o.Console == nil {
		o.Console = NewConsole(nil, nil, ColourNever)
	}
}

// validate checks the options a user sets, naming the flag to fix.
func (o *Options) validate() error {
	switch {
	case o.Count < 1:
		return fmt.Errorf("--count must be 1 or more, not %d", o.Count)
	case o.Timeout < 0, o.StartTimeout < 0, o.AttemptTimeout < 0:
		return fmt.Errorf("--timeout, --start-timeout and --attempt-timeout must not be negative")
	}
	if _, err := ParseWait(string(o.Wait)); err != nil {
		return err
	}
	if _, err := ParseLogMode(string(o.Logs)); err != nil {
		return err
	}
	return o.Retry.Validate()
}
