package cli

import (
	"io"
	"strconv"

	"github.com/spf13/cobra"
)

// ExitCode is one documented exit code of a command.
type ExitCode struct {
	Code    string // a number, "N" or "130 / 143"
	Meaning string
}

var commonExitCodes = []ExitCode{
	{strconv.Itoa(ExitOK), "success"},
	{strconv.Itoa(ExitError), "ecsrun failed (the message on standard error says why)"},
	{strconv.Itoa(ExitUsage), "the command line is wrong (an unknown command or flag, a bad flag value, missing arguments)"},
}

// ExitCodes returns the documented exit codes of the command with the
// given path ("ecsrun run-task", "ecsrun workflow run", ...): the
// command's own, or those every command shares.
func ExitCodes(path string) []ExitCode {
	switch path {
	case "ecsrun run-task":
		return []ExitCode{
			{"0", "every essential container of every task exited 0 (with `--wait running`: every task reached RUNNING)"},
			{"N", "the exit code of the first failing essential container, of the first task (in order) whose last attempt failed; 137 and 143 of containers ECS stopped because another essential container exited give way to that container's code; `--success-container NAME` makes that container alone decide"},
			{strconv.Itoa(ExitTimeout), "`--timeout`, `--start-timeout` or `--attempt-timeout` expired; the tasks were stopped first"},
			{strconv.Itoa(ExitNeverStarted), "a task never started: RunTask errors or `failures` (RESOURCE:*, AGENT, ATTRIBUTE, MISSING), CannotPullContainerError, ResourceInitializationError, CannotCreateContainerError, CannotStartContainerError, stopCode TaskFailedToStart; also an invalid task definition or request file"},
			{strconv.Itoa(ExitInterrupted) + " / " + strconv.Itoa(ExitTerminated), "interrupted by SIGINT / SIGTERM; every task of the run was stopped (and waited for) first; after a second signal ecsrun stops waiting and names the tasks that may still run"},
			{strconv.Itoa(ExitError), "ecsrun itself failed (including a task DescribeTasks kept reporting MISSING)"},
			{strconv.Itoa(ExitUsage), "the command line is wrong, or a file it names does not exist"},
		}
	case "ecsrun workflow run":
		return []ExitCode{
			{"0", "the execution SUCCEEDED"},
			{strconv.Itoa(ExitWorkflowFailed), "it FAILED"},
			{strconv.Itoa(ExitWorkflowTimedOut), "it TIMED_OUT"},
			{strconv.Itoa(ExitWorkflowAborted), "it was ABORTED (stopped by someone else)"},
			{strconv.Itoa(ExitInterrupted) + " / " + strconv.Itoa(ExitTerminated), "interrupted by SIGINT / SIGTERM: the execution was stopped first"},
			{strconv.Itoa(ExitError), "ecsrun itself failed (the engine, the API)"},
			{strconv.Itoa(ExitUsage), "the command line, the definition or the input is wrong"},
		}
	case "ecsrun workflow validate":
		return []ExitCode{
			{"0", "every definition is valid"},
			{strconv.Itoa(ExitError), "a definition has problems (one line per problem on standard output)"},
			{strconv.Itoa(ExitUsage), "the command line is wrong, or a file it names cannot be read"},
		}
	case "ecsrun exec":
		return []ExitCode{
			{"0", "the command exited 0"},
			{"N", "the command's own exit code"},
			{strconv.Itoa(ExitError), "ecsrun failed: the task is not found or not RUNNING, it was run without `enableExecuteCommand`, the container is not found, or the session broke"},
			{strconv.Itoa(ExitUsage), "the command line is wrong"},
		}
	case "ecsrun serve":
		return []ExitCode{
			{"0", "stopped by SIGINT or SIGTERM (running containers are left alone: the next start re-adopts them)"},
			{strconv.Itoa(ExitError), "the engine could not start: the state directory is in use, Docker is unreachable with `--runtime docker`, the address is taken, the task endpoint's address is held by another process"},
			{strconv.Itoa(ExitUsage), "the command line, the `--config` file or the credentials file is wrong, or `--listen` is not a loopback address while no credentials are configured"},
		}
	}
	return commonExitCodes
}

// Command returns the ecsrun command tree, for tools that read it (the
// command reference's generator): the commands Main runs, with cobra's
// completion and help commands, writing to io.Discard. Flag defaults that
// come from the environment ($XDG_STATE_HOME, $ECSRUN_TASK_ROLES, ...) are
// read when it is called.
func Command() *cobra.Command {
	e := &env{stdin: eofReader{}, stdout: io.Discard, stderr: io.Discard}
	root := newRoot(e)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
