package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/project"
	"github.com/ecsrun/ecsrun/internal/runtask"
	"github.com/ecsrun/ecsrun/internal/runtask/request"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
	"github.com/ecsrun/ecsrun/internal/taskroles"
)

// Exit codes of run-task beyond the application's own.
const (
	ExitTimeout      = runtask.ExitTimeout
	ExitNeverStarted = runtask.ExitNeverStarted
	ExitInterrupted  = 130
	ExitTerminated   = 143
)

// runTaskFlags are the flags of run-task.
type runTaskFlags struct {
	taskDef, request, container, command  string
	reuse, expandEnv, dryRun              bool
	parallel, keepGoing                   bool
	cluster, launchType, startedBy        string
	subnets, securityGroups, publicIP     string
	cpu, memory, taskRoleArn              string
	capacityProviders, env, tags          []string
	count                                 int
	wait, logs, colour, output            string
	successContainer                      string
	timeout, startTimeout, attemptTimeout time.Duration
	stopGrace, logSettle                  time.Duration
	logSettleSet                          bool
	pollInterval, maxPollInterval         time.Duration
	maxAttempts                           int
	retryInterval, maxDelay               time.Duration
	backoffRate                           float64
	jitter, retryOn                       string
	projectFile, environment              string
	target, endpoint, profile             string
	ef                                    engineFlags
}

const runTaskLong = `Run ECS tasks to completion, the way a CI/CD "run task" step should: register
(or reuse) a task definition, run it with a full Run Task Request Definition
and overrides, wait with per-phase timeouts and no hidden limit, stream every
container's logs (and drain them after the tasks stop), retry with Step
Functions semantics, stop the tasks on a timeout or an interrupt, and exit
with the application's exit code.

Inputs:
  --task-definition is a task definition file (JSON or YAML, the
  RegisterTaskDefinition shape, or the output of aws ecs
  describe-task-definition), registered as a new revision, or with
  --reuse-if-unchanged only when it differs from the latest ACTIVE revision;
  or the family, family:revision or ARN of a registered one.
  --request FILE is a Run Task Request Definition (JSON or YAML, the full
  RunTask shape: cluster, count, launchType, capacityProviderStrategy,
  networkConfiguration, overrides, placementConstraints, placementStrategy,
  group, startedBy, tags, propagateTags, enableExecuteCommand, ...); the other
  flags override it. --expand-env expands ${VAR} (${VAR:-default}) in files.

Targets:
  --target local (default) runs on the local engine: the ecsrun serve daemon
  holding --state-dir if one runs, otherwise an engine started inside this
  command; --endpoint-url talks to any ECS endpoint (such as ecsrun serve).
  --target aws runs on Amazon ECS through the standard AWS configuration chain
  (environment, shared config and credentials files, --profile, SSO, region).
  Every ECS call goes through aws-sdk-go-v2 the same way for every target.

Project file:
  Positional arguments name tasks of the project file (--project, default
  ./ecsrun.yaml); a comma-separated list runs each in order (or all at once
  with --parallel) with a combined summary and exit code. --environment picks
  a named environment (target, endpoint, region, profile, cluster, network
  configuration, default overrides). Flags override the task, which overrides
  the environment.

Exit codes:
  0     every essential container of every task exited 0
  N     the exit code of the first essential container that failed (of the
        first task, in order, that failed; --success-container NAME makes
        that container alone decide)
  124   --timeout, --start-timeout or --attempt-timeout expired (the tasks
        were stopped first)
  125   a task never started: RunTask errors or failures (RESOURCE:*, ...),
        CannotPullContainerError, ResourceInitializationError, stopCode
        TaskFailedToStart; also an invalid definition or request
  130   interrupted (SIGINT): every task of the run was stopped first; a
        second signal stops waiting, naming the tasks that may still run
        and the command that stops each
  143   terminated (SIGTERM): the same
  1, 2  ecsrun itself failed, or the command line is wrong (or names a
        file that does not exist)

Retries (Step Functions semantics): --max-attempts N retries a failed task up
to N times (MaxAttempts 2 means at most three tasks), each a new task, after
--retry-interval x --backoff-rate^(retry-1), capped by --max-delay, with
--jitter full or none, for the error classes of --retry-on:
TaskFailedToStart (default: never started, including RESOURCE:* placement
failures), States.TaskFailed (an essential container exited non-zero),
States.Timeout (--start-timeout or --attempt-timeout), States.ALL; finer
names such as RESOURCE:MEMORY or CannotPullContainerError work too.

Output: container lines go to standard output, prefixed with the task id and
container name (coloured on a terminal); progress goes to standard error,
with a live status line on a terminal. --output json prints one JSON
document at the end (every attempt, task ARNs, per-container exit codes and
reasons, stopCode, stoppedReason, timestamps, log streams, API call counts,
the exit code) and sends the logs to standard error.`

const runTaskExamples = `  # Register a file and run it; exit with its exit code
  ecsrun run-task --task-definition examples/hello/taskdef.json

  # A Django migration, the hamlet way: a project task in an environment,
  # with an environment variable for every essential container
  ecsrun run-task migrate --environment staging --env MANAGE_PY_TASK="migrate --no-input"

  # 25 tasks (three RunTask calls), retry tasks that fail to start twice
  ecsrun run-task --task-definition batch:7 --count 25 --max-attempts 2 --jitter full

  # A request file with overrides, on Amazon ECS, with a one-hour limit
  ecsrun run-task --target aws --profile ci --task-definition taskdef.yaml \
      --reuse-if-unchanged --request examples/run-task/request.yaml --timeout 1h

  # The steady-state check only, then a machine-readable summary
  ecsrun run-task --task-definition web --wait running --output json > result.json`

func newRunTask(e *env) *cobra.Command {
	f := &runTaskFlags{}
	cmd := &cobra.Command{
		Use:     "run-task [TASK[,TASK...]] [--task-definition FILE|FAMILY[:REVISION]|ARN] [flags]",
		Short:   "Run ECS tasks, stream their logs and exit with their exit code",
		Long:    runTaskLong,
		Example: runTaskExamples,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTaskCommand(cmd, e, f, args)
		},
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	fs.StringVar(&f.taskDef, "task-definition", "", "task definition file to register, or family[:revision] or ARN of a registered one")
	fs.BoolVar(&f.reuse, "reuse-if-unchanged", false, "with a file: run the latest ACTIVE revision of its family when the file does not differ from it, instead of registering a new revision")
	fs.StringVar(&f.request, "request", "", "Run Task Request Definition file (JSON or YAML, the RunTask shape); flags override it")
	fs.BoolVar(&f.expandEnv, "expand-env", false, "expand ${VAR} and ${VAR:-default} in the task definition, request and project files from the environment")
	fs.StringVar(&f.cluster, "cluster", "", "cluster to run in (default: the request's, else the default cluster)")
	fs.IntVar(&f.count, "count", 1, "number of tasks (any number: started by RunTask calls of at most 10, each with its own client token)")
	fs.StringVar(&f.launchType, "launch-type", "", "launch type: EC2, FARGATE, EXTERNAL or MANAGED_INSTANCES")
	fs.StringArrayVar(&f.capacityProviders, "capacity-provider", nil, "capacity provider strategy item NAME[:WEIGHT[:BASE]] (repeatable; replaces --launch-type)")
	fs.StringVar(&f.subnets, "subnets", "", "comma-separated awsvpc subnets")
	fs.StringVar(&f.securityGroups, "security-groups", "", "comma-separated awsvpc security groups")
	fs.StringVar(&f.publicIP, "assign-public-ip", "", "awsvpc assignPublicIp: ENABLED or DISABLED")
	fs.StringArrayVar(&f.env, "env", nil, "environment override [CONTAINER:]KEY=VALUE (repeatable; without a container it applies to every essential container)")
	fs.StringVar(&f.command, "command", "", `command override: words (quotes group them) or a JSON array; for --container, else the only essential container`)
	fs.StringVar(&f.container, "container", "", "the container --command is for")
	fs.StringVar(&f.cpu, "cpu", "", "task cpu override (units or vCPU, e.g. 512 or \"1 vCPU\")")
	fs.StringVar(&f.memory, "memory", "", "task memory override (MiB or GB, e.g. 1024 or \"2GB\")")
	fs.StringVar(&f.taskRoleArn, "task-role-arn", "", "task role override")
	fs.StringArrayVar(&f.tags, "tag", nil, "task tag KEY=VALUE (repeatable)")
	fs.StringVar(&f.startedBy, "started-by", "", `startedBy recorded on the tasks (default "ecsrun")`)

	fs.StringVar(&f.wait, "wait", "stopped", "wait until the tasks are stopped, running (the steady-state check; tasks that stop first are judged by their exit codes), or none")
	fs.DurationVar(&f.timeout, "timeout", 0, "limit for the whole run, retries included (0: none); the tasks are stopped and the exit code is 124")
	fs.DurationVar(&f.startTimeout, "start-timeout", 0, "limit for each task's PROVISIONING and PENDING (0: none); exit code 124, or a retry with --retry-on States.Timeout")
	fs.DurationVar(&f.attemptTimeout, "attempt-timeout", 0, "limit for each attempt from RunTask to STOPPED, like a Task state's TimeoutSeconds (0: none)")
	fs.DurationVar(&f.stopGrace, "stop-grace", 90*time.Second, "how long to wait for tasks to stop after ecsrun stopped them (timeout, interrupt)")

	fs.StringVar(&f.logs, "logs", "all", "containers whose logs are followed: all, essential or none")
	fs.StringVar(&f.colour, "color", "auto", "colour the log prefixes: auto (on a terminal, unless NO_COLOR is set), always or never")
	fs.DurationVar(&f.logSettle, "log-settle", 0, "how long streams of stopped containers are still read for late events (0 locally, 5s on AWS when not set)")
	fs.StringVar(&f.successContainer, "success-container", "", "the container whose exit code alone decides each task's success (for sidecar set-ups)")

	fs.IntVar(&f.maxAttempts, "max-attempts", 0, "retries after the first attempt of a failed task (Step Functions' MaxAttempts; 0: none)")
	fs.DurationVar(&f.retryInterval, "retry-interval", time.Second, "delay before the first retry (IntervalSeconds)")
	fs.Float64Var(&f.backoffRate, "backoff-rate", 2, "multiplier of the delay at each further retry (BackoffRate, >= 1)")
	fs.DurationVar(&f.maxDelay, "max-delay", 0, "cap of the delay between retries (MaxDelaySeconds; 0: none)")
	fs.StringVar(&f.jitter, "jitter", "none", "jitter of the delay: full (uniform between 0 and the delay) or none (JitterStrategy)")
	fs.StringVar(&f.retryOn, "retry-on", retry.FailedToStart, "comma-separated error classes to retry: TaskFailedToStart, States.TaskFailed, States.Timeout, States.ALL (or finer names such as RESOURCE:MEMORY)")

	fs.StringVar(&f.output, "output", "text", "text (the human log), or json (one JSON document on standard output at the end; logs go to standard error)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the resolved task definition and request, register and run nothing")

	fs.StringVar(&f.projectFile, "project", os.Getenv("ECSRUN_PROJECT"), "project file (default $ECSRUN_PROJECT, else ./ecsrun.yaml)")
	fs.StringVar(&f.environment, "environment", "", "named environment of the project file")
	fs.BoolVar(&f.parallel, "parallel", false, "run the named tasks at once instead of in order")
	fs.BoolVar(&f.keepGoing, "keep-going", false, "in order: run the remaining named tasks after one fails")

	fs.StringVar(&f.target, "target", "", `where to run: "local" (the local engine, default) or "aws" (Amazon ECS through the AWS configuration chain)`)
	fs.StringVar(&f.endpoint, "endpoint-url", "", "ECS endpoint URL, which also serves CloudWatch Logs (default $AWS_ENDPOINT_URL_ECS)")
	fs.StringVar(&f.profile, "profile", "", "AWS shared-config profile (--target aws; default $AWS_PROFILE)")
	fs.DurationVar(&f.pollInterval, "poll-interval", 0, "first interval between DescribeTasks calls (default 10ms locally, 2s on AWS)")
	fs.DurationVar(&f.maxPollInterval, "max-poll-interval", 0, "longest interval between DescribeTasks calls (default 100ms locally, 6s on AWS)")
	f.ef.add(fs)
	return cmd
}

// flagSettings turns the flags the user set into a layer of settings.
func flagSettings(fs *pflag.FlagSet, f *runTaskFlags) (project.Settings, error) {
	var s project.Settings
	set := fs.Changed
	if set("task-definition") {
		s.TaskDefinition = f.taskDef
	}
	if set("reuse-if-unchanged") {
		s.ReuseIfUnchanged = &f.reuse
	}
	s.Request = f.request
	s.Cluster, s.LaunchType, s.StartedBy = f.cluster, f.launchType, f.startedBy
	if s.LaunchType != "" && !ecsmodel.LaunchType(s.LaunchType).Valid() {
		return s, fmt.Errorf("--launch-type must be one of %v, not %q", ecsmodel.LaunchType("").Values(), s.LaunchType)
	}
	for _, c := range f.capacityProviders {
		item, err := request.ParseCapacityProvider(c)
		if err != nil {
			return s, err
		}
		s.CapacityProviderStrategy = append(s.CapacityProviderStrategy, item)
	}
	s.Subnets, s.SecurityGroups = request.SplitList(f.subnets), request.SplitList(f.securityGroups)
	if set("assign-public-ip") {
		if _, err := request.ParseAssignPublicIP(f.publicIP); err != nil {
			return s, err
		}
		s.AssignPublicIp = f.publicIP
	}
	for _, kv := range f.env {
		v, err := request.ParseEnv(kv)
		if err != nil {
			return s, err
		}
		s.EnvList = append(s.EnvList, v)
	}
	if set("command") {
		c, err := request.ParseCommand(f.command)
		if err != nil {
			return s, err
		}
		s.Command = c
	}
	s.Container, s.Cpu, s.Memory, s.TaskRoleArn = f.container, f.cpu, f.memory, f.taskRoleArn
	for _, t := range f.tags {
		tag, err := request.ParseTag(t)
		if err != nil {
			return s, err
		}
		s.TagList = append(s.TagList, tag)
	}
	if set("count") {
		if f.count < 1 {
			return s, fmt.Errorf("--count must be 1 or more, not %d", f.count)
		}
		s.Count = &f.count
	}
	if set("wait") {
		if _, err := runtask.ParseWait(f.wait); err != nil {
			return s, err
		}
		s.Wait = f.wait
	}
	if set("logs") {
		if _, err := runtask.ParseLogMode(f.logs); err != nil {
			return s, err
		}
		s.Logs = f.logs
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		dst  *string
	}{{"timeout", f.timeout, &s.Timeout}, {"start-timeout", f.startTimeout, &s.StartTimeout}, {"attempt-timeout", f.attemptTimeout, &s.AttemptTimeout}} {
		if set(d.name) {
			if d.v < 0 {
				return s, fmt.Errorf("--%s must not be negative", d.name)
			}
			*d.dst = d.v.String()
		}
	}
	s.SuccessContainer = f.successContainer
	r := &project.Retry{}
	any := false
	if set("max-attempts") {
		r.MaxAttempts, any = &f.maxAttempts, true
	}
	if set("retry-interval") {
		r.Interval, any = f.retryInterval.String(), true
	}
	if set("backoff-rate") {
		r.BackoffRate, any = &f.backoffRate, true
	}
	if set("max-delay") {
		r.MaxDelay, any = f.maxDelay.String(), true
	}
	if set("jitter") {
		if _, err := retry.ParseJitter(f.jitter); err != nil {
			return s, err
		}
		r.Jitter, any = f.jitter, true
	}
	if set("retry-on") {
		on, err := retry.ParseRetryOn(f.retryOn)
		if err != nil {
			return s, err
		}
		r.RetryOn, any = on, true
	}
	if any {
		s.Retry = r
	}
	return s, nil
}

// plannedRun is one run of the command: a project task (or the flags alone)
// with its options and target.
type plannedRun struct {
	name, environment string
	opts              runtask.Options
	target            project.Target
}

func runTaskCommand(cmd *cobra.Command, e *env, f *runTaskFlags, args []string) error {
	fs := cmd.Flags()
	if f.output != "text" && f.output != "json" {
		return &usageError{fmt.Errorf("--output must be text or json, not %q", f.output)}
	}
	colour, err := runtask.ParseColour(f.colour)
	if err != nil {
		return &usageError{err}
	}
	f.logSettleSet = fs.Changed("log-settle")
	flagLayer, err := flagSettings(fs, f)
	if err != nil {
		return &usageError{err}
	}
	flagTarget := project.Target{Target: f.target, Endpoint: f.endpoint, Profile: f.profile}
	if fs.Changed("region") {
		flagTarget.Region = e.region
	}
	runs, err := planRuns(e, f, flagLayer, flagTarget, args)
	if err != nil {
		return err
	}
	out, info := e.stdout, e.stderr
	if f.output == "json" {
		out = e.stderr
	}
	console := runtask.NewConsole(out, info, colour)
	for i := range runs {
		o := &runs[i].opts
		o.Console = console
		if len(runs) > 1 {
			o.Console = console.WithLabel(runs[i].name)
		}
		o.DryRun = f.dryRun
		o.StopGrace = f.stopGrace
		o.Signal = func() (string, int) {
			if e.signal() == syscall.SIGTERM {
				return "SIGTERM", ExitTerminated
			}
			return "SIGINT", ExitInterrupted
		}
		o.Abort = e.abort
		if err := o.Retry.Validate(); err != nil {
			return &usageError{err}
		}
	}

	ctx := cmd.Context()
	conns := &connections{e: e, f: f, byKey: map[string]*clients{}}
	defer conns.close()
	reports := make([]*runtask.Report, len(runs))
	errs := make([]error, len(runs))
	runOne := func(i int) {
		reports[i], errs[i] = conns.run(ctx, &runs[i])
	}
	if f.parallel && len(runs) > 1 {
		// Connect first, in order, so one embedded engine serves them all.
		for i := range runs {
			if _, err := conns.get(ctx, &runs[i]); err != nil {
				return &exitError{code: ExitNeverStarted, err: err}
			}
		}
		var wg sync.WaitGroup
		for i := range runs {
			wg.Go(func() { runOne(i) })
		}
		wg.Wait()
	} else {
		for i := range runs {
			runOne(i)
			failed := errs[i] != nil || reports[i] != nil && reports[i].ExitCode != 0
			if ctx.Err() != nil || failed && !f.keepGoing {
				break
			}
		}
	}
	return finishRuns(e, f, runs, reports, errs)
}

// planRuns builds the options of every run from the project file (if any)
// and the flags.
func planRuns(e *env, f *runTaskFlags, flagLayer project.Settings, flagTarget project.Target, args []string) ([]plannedRun, error) {
	names := project.SplitNames(args)
	base := func() runtask.Options {
		o := runtask.Options{Retry: retry.Default(), ExpandEnv: f.expandEnv}
		return o
	}
	if len(names) == 0 && f.environment == "" {
		if flagLayer.TaskDefinition == "" && flagLayer.Request == "" {
			return nil, &usageError{errors.New("--task-definition is required (or name tasks of a project file: ecsrun run-task TASK[,TASK...])")}
		}
		r := plannedRun{opts: base(), target: flagTarget}
		if err := flagLayer.Apply(&r.opts); err != nil {
			return nil, settingsError(err)
		}
		return []plannedRun{r}, nil
	}
	wd, _ := os.Getwd()
	path := project.Find(f.projectFile, wd)
	if path == "" && len(args) == 1 {
		if st, err := os.Stat(args[0]); err == nil && !st.IsDir() {
			return nil, &usageError{fmt.Errorf("%s is a file, and positional arguments name tasks of a project file; did you mean --task-definition %s?", args[0], args[0])}
		}
	}
	if path == "" {
		return nil, &usageError{fmt.Errorf("no project file: task names and --environment need %s in the working directory, or --project FILE", project.DefaultFile)}
	}
	pf, err := project.Load(path, f.expandEnv, os.LookupEnv)
	if err != nil {
		return nil, &usageError{err}
	}
	envSettings, envName, err := pf.Environment(f.environment)
	if err != nil {
		return nil, &usageError{err}
	}
	taskNames, tasks, err := pf.TasksNamed(names)
	if err != nil {
		return nil, &usageError{err}
	}
	if len(taskNames) == 0 {
		// An environment without task names: the flags say what to run.
		taskNames, tasks = []string{""}, []project.Task{{}}
	}
	if len(taskNames) > 1 && f.output == "json" && f.dryRun {
		return nil, &usageError{errors.New("--dry-run with --output json takes one task")}
	}
	var runs []plannedRun
	for i, name := range taskNames {
		r := plannedRun{name: name, environment: envName, opts: base(), target: overlayTarget(envSettings.Target, flagTarget)}
		for _, layer := range []*project.Settings{&envSettings.Settings, &tasks[i].Settings, &flagLayer} {
			if err := layer.Apply(&r.opts); err != nil {
				return nil, settingsError(fmt.Errorf("task %s: %w", orFlags(name), err))
			}
		}
		if r.opts.TaskDefinition == "" && r.opts.Request.TaskDefinition == "" {
			return nil, &usageError{fmt.Errorf("task %s has no task definition: set taskDefinition in %s or give --task-definition", orFlags(name), path)}
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// settingsError is the error of settings that cannot be applied: a usage
// error when a file they name does not exist, else one of a run that never
// started.
func settingsError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return &usageError{err}
	}
	return &exitError{code: ExitNeverStarted, err: err}
}

func orFlags(name string) string {
	if name == "" {
		return "(from the flags)"
	}
	return name
}

func overlayTarget(base, over project.Target) project.Target {
	if over.Target != "" {
		base.Target = over.Target
	}
	if over.Endpoint != "" {
		base.Endpoint = over.Endpoint
	}
	if over.Region != "" {
		base.Region = over.Region
	}
	if over.Profile != "" {
		base.Profile = over.Profile
	}
	return base
}

// connections holds the clients of each target, shared by the runs.
type connections struct {
	e     *env
	f     *runTaskFlags
	mu    sync.Mutex
	byKey map[string]*clients
}

func (c *connections) close() {
	for _, cl := range c.byKey {
		cl.Close()
	}
}

// get returns the clients for a run's target (nil for a dry run of a file,
// which needs none).
func (c *connections) get(ctx context.Context, r *plannedRun) (*clients, error) {
	t := r.target
	if t.Target == "" {
		t.Target = "local"
	}
	if t.Endpoint == "" {
		t.Endpoint = os.Getenv("AWS_ENDPOINT_URL_ECS")
	}
	if t.Target != "local" && t.Target != "aws" {
		return nil, &usageError{fmt.Errorf("--target must be local or aws, not %q", t.Target)}
	}
	key := strings.Join([]string{t.Target, t.Endpoint, t.Region, t.Profile}, "|")
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.byKey[key]; cl != nil {
		return cl, nil
	}
	var cl *clients
	var err error
	switch {
	case t.Target == "aws":
		cl, err = awsClients(ctx, t, nil)
	case t.Endpoint != "":
		e := *c.e
		if t.Region != "" {
			e.region = t.Region
		}
		cl, err = e.endpointClients(ctx, t.Endpoint)
	default:
		cl, err = c.e.localClients(ctx, &c.f.ef, "")
	}
	if err != nil {
		return nil, err
	}
	c.byKey[key] = cl
	return cl, nil
}

// localNotices returns the notices of a local target: a definition with
// a proxyConfiguration (the local agent does not intercept traffic), and,
// when the engine's task roles file is known (rolesFile), a task role it
// has no credentials for.
func localNotices(rolesFile string) func(*types.TaskDefinition, *ecsmodel.RunTaskRequest) []string {
	return func(def *types.TaskDefinition, req *ecsmodel.RunTaskRequest) []string {
		var out []string
		if p := def.ProxyConfiguration; p != nil {
			out = append(out, fmt.Sprintf("the task definition has a proxyConfiguration (%s, proxy container %s); "+
				"the local engine runs its containers but does not redirect their traffic through the proxy (no App Mesh iptables rules).",
				p.Type, aws.ToString(p.ContainerName)))
		}
		role := aws.ToString(def.TaskRoleArn)
		if req.Overrides != nil && req.Overrides.TaskRoleArn != "" {
			role = req.Overrides.TaskRoleArn
		}
		if role == "" || rolesFile == "" {
			return out
		}
		if err := taskroles.NewProvider(rolesFile).Check(role); errors.Is(err, taskroles.ErrNoMapping) {
			out = append(out, err.Error()+". The task runs, and AWS calls from its containers fail with NoCredentialsAssociated; map the role in that file to give them credentials (docs/runtime.md: \"Task roles\").")
		}
		return out
	}
}

// localPullHint is what run-task says about an image a task on the local
// engine could not pull: the engine runs images of the local Docker cache,
// so the image is built or pulled there.
func localPullHint(image string) string {
	q := runtask.ShellQuote(image)
	return fmt.Sprintf("image %s is not in the local Docker cache and could not be pulled. Build it here (docker build -t %s .), "+
		"or pull it (docker pull %s) where its registry is reachable, then run again; --pull prefer-cached then skips the registry.", image, q, q)
}

// needsTarget reports whether a run talks to ECS: every run but a dry run
// of a task definition file that is not compared with a registered one.
func needsTarget(o *runtask.Options) bool {
	if !o.DryRun || o.ReuseIfUnchanged {
		return true
	}
	ref := o.TaskDefinition
	if ref == "" {
		ref = o.Request.TaskDefinition
	}
	st, err := os.Stat(ref)
	return err != nil || st.IsDir()
}

// run runs one planned run on its target.
func (c *connections) run(ctx context.Context, r *plannedRun) (*runtask.Report, error) {
	runner := &runtask.Runner{Target: "none (dry run of a file)"}
	if needsTarget(&r.opts) {
		cl, err := c.get(ctx, r)
		if err != nil {
			return nil, err
		}
		runner = &runtask.Runner{ECS: cl.ECS, Logs: cl.followLogs(), Changes: cl.taskChanges, Target: cl.Where}
		r.opts.StopCommand = cl.stopCommand
		if cl.aws && !cl.loopback {
			r.opts.AWSTuning()
		}
		if !cl.aws {
			r.opts.Notices = localNotices(cl.taskRoles)
			r.opts.PullHint = localPullHint
		}
	}
	if c.f.pollInterval > 0 {
		r.opts.Poll = c.f.pollInterval
	}
	if c.f.maxPollInterval > 0 {
		r.opts.MaxPoll = c.f.maxPollInterval
	}
	if c.f.logSettleSet {
		r.opts.LogSettle = c.f.logSettle
	}
	r.opts.Console.Infof("Target: %s", runner.Target)
	rep, err := runner.Run(ctx, r.opts)
	if rep != nil {
		rep.Task, rep.Environment = r.name, r.environment
	}
	return rep, err
}

// finishRuns prints the summaries (or the JSON document) and returns the
// command's exit code as an error.
func finishRuns(e *env, f *runTaskFlags, runs []plannedRun, reports []*runtask.Report, errs []error) error {
	sig := e.signal()
	code, reason := 0, ""
	for i := range runs {
		rep, err := reports[i], errs[i]
		var rc int
		switch {
		case err != nil:
			rc = ExitNeverStarted
			var ue *usageError
			if errors.As(err, &ue) || errors.Is(err, fs.ErrNotExist) {
				rc = ExitUsage // a wrong flag, or a file that does not exist
			}
			fmt.Fprintf(e.stderr, "ecsrun: %s%v\n", labelFor(runs, i), err)
			if sig != nil {
				rc = ExitInterrupted
				if sig == syscall.SIGTERM {
					rc = ExitTerminated
				}
			}
			// --output json prints a document even when nothing ran.
			reports[i] = failedReport(runs[i], rc, err)
		case rep == nil:
			continue // not run: an earlier task failed
		default:
			if sig != nil {
				rep.ExitCode = ExitInterrupted
				if sig == syscall.SIGTERM {
					rep.ExitCode = ExitTerminated
				}
				rep.ExitReason = "interrupted by " + rep.Interrupted
				if n := len(rep.MayStillRun()); n > 0 {
					rep.ExitReason += fmt.Sprintf("; ecsrun stopped waiting for the tasks to stop, and %d may still be running", n)
				}
			}
			rc = rep.ExitCode
			if f.output == "text" {
				c := runs[i].opts.Console
				runtask.WriteSummary(c, rep)
				if rep.DryRun {
					if err := runtask.WriteDryRun(e.stdout, rep); err != nil {
						return err
					}
				}
			}
		}
		if rc != 0 && code == 0 {
			code = rc
			reason = fmt.Sprintf("%s%s", labelFor(runs, i), reports[i].ExitReason)
		}
	}
	if sig != nil {
		code = ExitInterrupted
		if sig == syscall.SIGTERM {
			code = ExitTerminated
		}
	}
	if len(runs) > 1 && f.output == "text" {
		fmt.Fprintln(e.stderr, "Runs:")
		for i, r := range runs {
			switch {
			case errs[i] != nil:
				fmt.Fprintf(e.stderr, "  %s: did not run (%v)\n", r.name, errs[i])
			case reports[i] == nil && sig != nil:
				fmt.Fprintf(e.stderr, "  %s: not run (interrupted)\n", r.name)
			case reports[i] == nil:
				fmt.Fprintf(e.stderr, "  %s: skipped (an earlier task failed; --keep-going runs it anyway)\n", r.name)
			default:
				fmt.Fprintf(e.stderr, "  %s: exit code %d (%s)\n", r.name, reports[i].ExitCode, reports[i].ExitReason)
			}
		}
		fmt.Fprintf(e.stderr, "Exit code %d.\n", code)
	}
	if f.output == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		var doc any
		if len(runs) == 1 {
			if reports[0] != nil {
				doc = reports[0]
			}
		} else {
			var rs []*runtask.Report
			for _, rep := range reports {
				if rep != nil {
					rs = append(rs, rep)
				}
			}
			doc = struct {
				Version    int               `json:"version"`
				Runs       []*runtask.Report `json:"runs"`
				ExitCode   int               `json:"exitCode"`
				ExitReason string            `json:"exitReason,omitempty"`
			}{runtask.ReportVersion, rs, code, reason}
		}
		if doc != nil {
			if err := enc.Encode(doc); err != nil {
				return err
			}
		}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// credentialsTimeout bounds the look-up of AWS credentials (an instance
// role answers in milliseconds; elsewhere the instance metadata service
// does not answer at all).
const credentialsTimeout = 10 * time.Second

// checkCredentials makes sure the configuration chain yields credentials,
// so that a missing one is said in one line with the remedy instead of
// failing the first call after the SDK's retries.
func checkCredentials(ctx context.Context, p aws.CredentialsProvider, profile string) error {
	if p == nil {
		return errors.New("--target aws: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, or choose a profile with --profile")
	}
	cctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	if _, err := p.Retrieve(cctx); err != nil {
		if profile != "" {
			return fmt.Errorf("--target aws: no AWS credentials from profile %s (%s); check the profile in ~/.aws/config, or run `aws sso login --profile %s` for an SSO profile",
				profile, strings.Join(strings.Fields(err.Error()), " "), profile)
		}
		return errors.New("--target aws: no AWS credentials found (environment, shared credentials and config files, SSO, container or instance role); " +
			"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure` or `aws sso login`, or choose a profile with --profile")
	}
	return nil
}

// failedReport is the report of a run that could not begin.
func failedReport(r plannedRun, code int, err error) *runtask.Report {
	now := time.Now()
	rep := &runtask.Report{
		Version: runtask.ReportVersion, Task: r.name, Environment: r.environment,
		Target: "none (the run did not begin)", Request: &r.opts.Request,
		Count: max(r.opts.Count, 1), Wait: cmp.Or(string(r.opts.Wait), string(runtask.WaitStopped)), StartedAt: now, FinishedAt: now,
		Attempts: []runtask.Attempt{}, APICalls: map[string]int{},
		ExitCode: code, ExitReason: err.Error(),
	}
	for i := 1; i <= rep.Count; i++ {
		rep.Tasks = append(rep.Tasks, runtask.TaskSummary{Task: i, Outcome: runtask.OutcomeNeverStarted, ExitCode: code, Reason: "not launched"})
	}
	return rep
}

func labelFor(runs []plannedRun, i int) string {
	if len(runs) > 1 || runs[i].name != "" {
		return runs[i].name + ": "
	}
	return ""
}

// awsClients returns clients for Amazon ECS through the standard AWS
// configuration chain (environment, shared files, the profile, SSO), with
// the region and profile of the target when set and an optional endpoint.
// httpClient, when non-nil, replaces the HTTP client (tests stub the
// transport with it).
func awsClients(ctx context.Context, t project.Target, httpClient *http.Client) (*clients, error) {
	var opts []func(*config.LoadOptions) error
	if t.Region != "" {
		opts = append(opts, config.WithRegion(t.Region))
	}
	if t.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(t.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if httpClient != nil {
		cfg.HTTPClient = httpClient
	}
	if cfg.Region == "" {
		return nil, &usageError{errors.New("--target aws needs a region: set AWS_REGION, region in the profile, --region, or region in the project environment")}
	}
	if err := checkCredentials(ctx, cfg.Credentials, t.Profile); err != nil {
		return nil, err
	}
	globals := []string{"--region", cfg.Region}
	if t.Endpoint != "" {
		globals = append([]string{"--endpoint-url", t.Endpoint}, globals...)
	}
	if t.Profile != "" {
		globals = append(globals, "--profile", t.Profile)
	}
	where := "Amazon ECS in " + cfg.Region
	ecsOpts := func(o *awsecs.Options) {}
	logOpts := func(o *cloudwatchlogs.Options) {}
	if t.Endpoint != "" {
		ecsOpts = func(o *awsecs.Options) { o.BaseEndpoint = aws.String(t.Endpoint) }
		logOpts = func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(t.Endpoint) }
		where = "ECS endpoint " + t.Endpoint + " (AWS configuration, region " + cfg.Region + ")"
	}
	if t.Profile != "" {
		where += ", profile " + t.Profile
	}
	loopback := false
	if u, err := url.Parse(t.Endpoint); err == nil && t.Endpoint != "" {
		loopback = isLoopback(u.Hostname())
	}
	return &clients{
		ECS:      awsecs.NewFromConfig(cfg, ecsOpts),
		Logs:     cloudwatchlogs.NewFromConfig(cfg, logOpts),
		Where:    where,
		aws:      true,
		loopback: loopback,
		stopCommand: func(st runtask.StillRunning) string {
			return runtask.AWSStopCommand(st, globals...)
		},
		close: func() {},
	}, nil
}
