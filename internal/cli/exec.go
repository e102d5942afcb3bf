package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ecsrun/ecsrun/internal/execsession"
	"github.com/ecsrun/ecsrun/internal/runtask"
)

// execFlags are exec's flags.
type execFlags struct {
	ef                   engineFlags
	cluster, container   string
	endpoint             string
	interactive, tty     bool
	interactiveSet, ttyS bool
}

func newExec(e *env) *cobra.Command {
	f := &execFlags{}
	cmd := &cobra.Command{
		Use:   "exec TASK [flags] [-- COMMAND [ARG...]]",
		Short: "Run a command in a task's container (ECS Exec)",
		Long: `exec runs a command (default /bin/sh) in a container of a running task,
through the ECS ExecuteCommand API of the local engine (the ecsrun serve daemon
holding the state directory, an engine started for the command, or
--endpoint-url). As on ECS, the task must have been run with
enableExecuteCommand ("enableExecuteCommand": true in run-task's --request
file, or aws ecs run-task --enable-execute-command).

With a terminal on standard input the command gets a terminal too (raw mode,
resized with yours); -i forwards standard input when it is not a terminal,
-t asks for a terminal anyway. exec exits with the command's exit code.

  ecsrun exec 0f1e2d3c --container app -- ls -l /app
  ecsrun exec 0f1e2d3c -it                      an interactive shell`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.interactiveSet = cmd.Flags().Changed("interactive")
			f.ttyS = cmd.Flags().Changed("tty")
			command := []string{"/bin/sh"}
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				if dash != 1 {
					return &usageError{errors.New("exec takes one TASK before --, then the command")}
				}
				if len(args) > 1 {
					command = args[1:]
				}
			} else if len(args) > 1 {
				return &usageError{fmt.Errorf("put the command after --: ecsrun exec %s -- %s", args[0], strings.Join(args[1:], " "))}
			}
			return e.exec(cmd.Context(), f, args[0], command)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.cluster, "cluster", "", "cluster of the task (default: the default cluster)")
	fs.StringVar(&f.container, "container", "", "container to run the command in (required when the task has several)")
	fs.StringVar(&f.endpoint, "endpoint-url", "", "ECS endpoint of an ecsrun engine (default: the local engine)")
	fs.BoolVarP(&f.interactive, "interactive", "i", false, "forward standard input (the default when it is a terminal)")
	fs.BoolVarP(&f.tty, "tty", "t", false, "give the command a terminal (the default when standard input is one)")
	f.ef.add(fs)
	return cmd
}

func (e *env) exec(ctx context.Context, f *execFlags, task string, command []string) error {
	c, err := e.localClients(ctx, &f.ef, f.endpoint)
	if err != nil {
		return err
	}
	defer c.Close()
	quoted := make([]string, len(command))
	for i, a := range command {
		quoted[i] = runtask.ShellQuote(a)
	}
	in := &awsecs.ExecuteCommandInput{Task: aws.String(task), Command: aws.String(strings.Join(quoted, " ")), Interactive: true}
	if f.cluster != "" {
		in.Cluster = aws.String(f.cluster)
	}
	if f.container != "" {
		in.Container = aws.String(f.container)
	}
	out, err := c.ECS.ExecuteCommand(ctx, in)
	if err != nil {
		return err
	}
	if out.Session == nil {
		return errors.New("ExecuteCommand answered without a session")
	}
	var conn io.ReadWriteCloser
	if c.execConn != nil {
		conn, err = c.execConn(ctx, aws.ToString(out.Session.StreamUrl), aws.ToString(out.Session.TokenValue))
	} else {
		conn, err = execsession.Dial(ctx, aws.ToString(out.Session.StreamUrl), aws.ToString(out.Session.TokenValue))
	}
	if err != nil {
		return err
	}

	stdinFile, _ := e.stdin.(*os.File)
	stdinTerm := stdinFile != nil && term.IsTerminal(int(stdinFile.Fd()))
	start := execsession.Start{TTY: f.tty || (!f.ttyS && stdinTerm)}
	var stdin io.Reader
	if f.interactive || (!f.interactiveSet && stdinTerm) {
		stdin = e.stdin
	}
	var resize chan execsession.Size
	if start.TTY && stdinTerm {
		if cols, rows, err := term.GetSize(int(stdinFile.Fd())); err == nil {
			start.Size = execsession.Size{Rows: uint16(rows), Cols: uint16(cols)}
		}
		old, err := term.MakeRaw(int(stdinFile.Fd()))
		if err == nil {
			defer term.Restore(int(stdinFile.Fd()), old)
		}
		resize = make(chan execsession.Size, 1)
		defer watchResize(stdinFile, resize)()
	}
	code, err := execsession.Run(ctx, conn, start, stdin, e.stdout, e.stderr, resize)
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// pipeExec returns a connection to an exec session of eng in this process.
func pipeExec(serve func(ctx context.Context, streamURL, token string, conn io.ReadWriteCloser) error) func(context.Context, string, string) (io.ReadWriteCloser, error) {
	return func(ctx context.Context, streamURL, token string) (io.ReadWriteCloser, error) {
		client, server := net.Pipe()
		if err := serve(ctx, streamURL, token, server); err != nil {
			client.Close()
			return nil, err
		}
		return client, nil
	}
}
