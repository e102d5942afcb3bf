package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// Exit codes of ecsrun itself (the run-task exit codes are in runtask.go).
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// env is what every command shares: the streams and the global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stateDir       string
	region         string
	accountID      string
	// signal is the signal that cancelled the context, if any.
	signal func() os.Signal
	// abort is cancelled by a second signal: stop waiting for cleanup.
	abort context.Context
}

// Main runs the ecsrun command line with args and returns the exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Remember which signal ended the run: 130 for SIGINT, 143 for SIGTERM.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var got atomic.Pointer[os.Signal]
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	abort, abortNow := context.WithCancel(context.WithoutCancel(ctx))
	defer abortNow()
	go func() {
		select {
		case s := <-sigs:
			got.Store(&s)
			cancel()
		case <-ctx.Done():
			return
		}
		select {
		case <-sigs: // a second signal: stop waiting for cleanup
			abortNow()
		case <-abort.Done():
		}
	}()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, signal: func() os.Signal {
		if s := got.Load(); s != nil {
			return *s
		}
		return nil
	}, abort: abort}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "ecsrun:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "ecsrun:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitError
}

type usageError struct{ error }

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "ecsrun",
		Short: "Run Amazon ECS tasks locally, in CI, or on Amazon ECS",
		Long: `ecsrun runs Amazon ECS task definitions.

Without an AWS account it runs them on a local ECS engine that speaks the real
ECS and CloudWatch Logs APIs and runs every container with Docker. The same
files work against any ECS endpoint (--endpoint-url).

  ecsrun run-task --task-definition taskdef.json   run a task, stream its logs,
                                                   exit with its exit code
  ecsrun serve                                     run the local engine as a
                                                   daemon for the AWS CLI, boto3
                                                   and the AWS SDKs
  ecsrun workflow run flow.json                    run a Step Functions state
                                                   machine whose tasks are ECS
                                                   tasks`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&e.stateDir, "state-dir", defaultStateDir(), "directory holding the local engine's state (database, lock)")
	pf.StringVar(&e.region, "region", "us-east-1", "region of the local engine's ARNs (and of --endpoint-url clients)")
	pf.StringVar(&e.accountID, "account-id", "000000000000", "account id of the local engine's ARNs")
	root.AddCommand(newServe(e), newRunTask(e), newVersion(e), newWorkflow(e), newSecrets(e), newConsoleCmd(e))
	root.AddCommand(newExec(e))
	usageArgs(root)
	return root
}

// usageArgs makes wrong positional arguments usage errors (exit 2) that
// point at the command's help, in c and every command below it, and makes
// a command group refuse an unknown subcommand (naming the closest one)
// instead of printing its help or failing with exit 1.
func usageArgs(c *cobra.Command) {
	if c.HasSubCommands() {
		help := c.RunE
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				if help != nil {
					return help(cmd, args)
				}
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			var names []string
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			if s := ecs.Suggest(args[0], names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return &usageError{fmt.Errorf("%s\nSee '%s --help'.", msg, cmd.CommandPath())}
		}
	} else if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			err := check(cmd, args)
			var ue *usageError
			if err != nil && !errors.As(err, &ue) {
				err = &usageError{fmt.Errorf("%w\nUsage: %s\nSee '%s --help'.", err, cmd.UseLine(), cmd.CommandPath())}
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}

// defaultStateDir is $XDG_STATE_HOME/ecsrun, or ~/.local/state/ecsrun.
func defaultStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "ecsrun")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "ecsrun")
	}
	return filepath.Join(os.TempDir(), "ecsrun-state")
}
