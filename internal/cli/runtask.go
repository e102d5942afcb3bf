package cli

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ecsrun/ecsrun/internal/runtask"
)

// Exit codes of run-task beyond the application's own.
const (
	ExitTimeout      = runtask.ExitTimeout
	ExitNeverStarted = runtask.ExitNeverStarted
	ExitInterrupted  = 130
	ExitTerminated   = 143
)

func newRunTask(e *env) *cobra.Command {
	var (
		opts     runtask.Options
		endpoint string
		ef       engineFlags
	)
	cmd := &cobra.Command{
		Use:   "run-task --task-definition FILE|FAMILY[:REVISION]|ARN",
		Short: "Run an ECS task, stream its logs and exit with its exit code",
		Long: `Run an ECS task to completion.

--task-definition is a task definition file (JSON or YAML, the
RegisterTaskDefinition shape, or the output of aws ecs describe-task-definition),
which is registered as a new revision, or the family, family:revision or ARN
of a registered one.

Without --endpoint-url the task runs on the local engine: the ecsrun serve
daemon holding --state-dir if one runs, otherwise an engine started inside
this command. Each container's output is printed as it comes, prefixed by the
task id and container name; status lines go to standard error.

Exit codes:
  0     every essential container exited 0
  N     the exit code of the first essential container that failed
  124   a timeout expired (the task was stopped first)
  125   the task never started (invalid definition, RunTask failures,
        CannotPullContainerError, stopCode TaskFailedToStart)
  130   interrupted (SIGINT); the task was stopped first
  143   terminated (SIGTERM); the task was stopped first
  1, 2  ecsrun itself failed, or the command line is wrong`,
		Example: `  ecsrun run-task --task-definition examples/hello/taskdef.json
  ecsrun run-task --task-definition hello:3 --cluster default
  ecsrun run-task --task-definition hello --endpoint-url http://127.0.0.1:5757`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.TaskDefinition == "" {
				return &usageError{fmt.Errorf("--task-definition is required")}
			}
			ctx := cmd.Context()
			c, err := e.localClients(ctx, &ef, endpoint)
			if err != nil {
				var ue *usageError
				if errors.As(err, &ue) {
					return err
				}
				return &exitError{code: ExitNeverStarted, err: err}
			}
			defer c.Close()
			fmt.Fprintf(e.stderr, "Target: %s\n", c.Where)
			opts.Output = e.stdout
			opts.Progress = e.stderr
			r := &runtask.Runner{ECS: c.ECS, Logs: c.Logs}
			res, err := r.Run(ctx, opts)
			if sig := e.signal(); sig != nil {
				code := ExitInterrupted
				if sig == syscall.SIGTERM {
					code = ExitTerminated
				}
				return &exitError{code: code, err: fmt.Errorf("%v: the task was stopped", sig)}
			}
			if err != nil {
				return &exitError{code: ExitNeverStarted, err: err}
			}
			for _, t := range res.Tasks {
				fmt.Fprintf(e.stderr, "Task %s %s", t.TaskARN, t.LastStatus)
				if t.StopCode != "" {
					fmt.Fprintf(e.stderr, " (%s: %s)", t.StopCode, t.StoppedReason)
				}
				fmt.Fprintln(e.stderr)
				for _, ct := range t.Containers {
					code := "-"
					if ct.ExitCode != nil {
						code = fmt.Sprint(*ct.ExitCode)
					}
					fmt.Fprintf(e.stderr, "  container %s: exit code %s", ct.Name, code)
					if ct.Reason != "" {
						fmt.Fprintf(e.stderr, " (%s)", ct.Reason)
					}
					fmt.Fprintln(e.stderr)
				}
			}
			if res.ExitCode != 0 {
				return &exitError{code: res.ExitCode}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.TaskDefinition, "task-definition", "", "task definition file to register, or family[:revision] or ARN of a registered one")
	f.StringVar(&opts.Cluster, "cluster", "", "cluster to run in (default: the default cluster)")
	f.StringVar(&opts.StartedBy, "started-by", "ecsrun", "startedBy recorded on the task")
	f.StringVar(&endpoint, "endpoint-url", os.Getenv("AWS_ENDPOINT_URL_ECS"), "ECS endpoint to use instead of the local engine (also serves CloudWatch Logs; default $AWS_ENDPOINT_URL_ECS)")
	ef.add(f)
	return cmd
}
