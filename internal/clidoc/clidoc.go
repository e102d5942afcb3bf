package clidoc

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/ecsrun/ecsrun/internal/cli"
)

// environment is what the generated reference assumes of the environment:
// flag defaults read from it are shown as the variables' names, not as
// the values of the machine that generated the file.
var environment = map[string]string{
	"XDG_STATE_HOME":          "$XDG_STATE_HOME",
	"ECSRUN_TASK_ROLES":       "",
	"ECSRUN_S3_DIR":           "",
	"ECSRUN_PROJECT":          "",
	"ECSRUN_CREDENTIALS_FILE": "",
	"SFN_MOCK_CONFIG":         "",
	"AWS_ENDPOINT_URL_SFN":    "",
	"AWS_ENDPOINT_URL_ECS":    "",
}

// Generate returns the command reference. It sets the environment
// variables that flag defaults are read from while it builds the command
// tree (restoring them after), so it must not run concurrently with code
// that reads them.
func Generate() ([]byte, error) {
	for k, v := range environment {
		old, had := os.LookupEnv(k)
		if v == "" {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, v)
		}
		defer func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		}()
	}
	root := cli.Command()
	var b bytes.Buffer
	b.WriteString("# Command reference\n\n")
	b.WriteString("<!-- Generated from the command line by `go generate ./internal/clidoc`; do not edit. -->\n\n")
	b.WriteString("Every ecsrun command with its flags and exit codes, generated from the\n")
	b.WriteString("command line itself. `ecsrun COMMAND --help` prints the same.\n\n")
	var cmds []*cobra.Command
	walk(root, &cmds)
	for _, c := range cmds {
		fmt.Fprintf(&b, "- [%s](#%s)\n", c.CommandPath(), anchor(c))
	}
	b.WriteString("\n")
	for _, c := range cmds {
		c.DisableAutoGenTag = true
		if err := doc.GenMarkdownCustom(c, &b, func(name string) string {
			// ecsrun_workflow_run.md -> #ecsrun-workflow-run
			return "#" + strings.ReplaceAll(strings.TrimSuffix(name, ".md"), "_", "-")
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", c.CommandPath(), err)
		}
		b.WriteString("### Exit codes\n\n| code | meaning |\n|---|---|\n")
		for _, e := range cli.ExitCodes(c.CommandPath()) {
			fmt.Fprintf(&b, "| %s | %s |\n", e.Code, e.Meaning)
		}
		b.WriteString("\n")
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// walk lists c and its available subcommands, depth first, in cobra's
// order (by name).
func walk(c *cobra.Command, out *[]*cobra.Command) {
	if !c.IsAvailableCommand() && c.HasParent() {
		return
	}
	*out = append(*out, c)
	for _, s := range c.Commands() {
		walk(s, out)
	}
}

// anchor is the GitHub anchor of the command's heading ("## ecsrun run-task").
func anchor(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-")
}
