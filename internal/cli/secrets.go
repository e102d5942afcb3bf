package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ecsrun/ecsrun/internal/secrets"
)

func newSecrets(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the local secret store that task definitions' secrets resolve from",
		Long: `Manage the local engine's secret store.

A container definition's secrets[].valueFrom (a Secrets Manager secret ARN,
an SSM parameter ARN or name) resolves from this store when the task starts
on the local engine; a reference that does not resolve stops the task with
ResourceInitializationError. Names are those of the ARN: the secret
arn:aws:secretsmanager:REGION:ACCOUNT:secret:prod/db-AbCdEf is "prod/db"
(with or without the -AbCdEf suffix), the parameter
arn:aws:ssm:REGION:ACCOUNT:parameter/prod/db is "/prod/db". Every command
also takes the ARN itself as NAME. For a :json-key suffix, store a JSON
object.

The store is secrets.json (mode 0600) in --state-dir; these commands work
whether or not ecsrun serve runs, and the next task started sees the change.

  ecsrun secrets put prod/db < value.txt         the value from standard input
  ecsrun secrets put prod/db --from-file db.json the exact bytes of a file
  ecsrun secrets list                            names, sizes, update times
  ecsrun secrets get prod/db --value             print the value
  ecsrun secrets delete prod/db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSecretsPut(e), newSecretsGet(e), newSecretsList(e), newSecretsDelete(e))
	return cmd
}

func newSecretsPut(e *env) *cobra.Command {
	var fromFile, value string
	cmd := &cobra.Command{
		Use:   "put NAME",
		Short: "Store a secret (the value from standard input, --from-file or --value)",
		Long: `Store a secret under NAME (a name or an ARN), replacing any value it had.

The value is read from standard input (one trailing newline removed; typed
without echo on a terminal), or from --from-file (exactly), or given with
--value (visible to other users in the process list: avoid it for real
secrets).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fromFile != "" && cmd.Flags().Changed("value") {
				return &usageError{errors.New("give --from-file or --value, not both")}
			}
			v, err := e.secretValue(args[0], fromFile, value, cmd.Flags().Changed("value"))
			if err != nil {
				return err
			}
			created, err := secrets.Open(e.stateDir).Put(args[0], v)
			if err != nil {
				return err
			}
			verb := "updated"
			if created {
				verb = "created"
			}
			fmt.Fprintf(e.stdout, "secret %s %s (%d bytes)\n", args[0], verb, len(v))
			return nil
		},
	}
	cmd.Flags().StringVar(&fromFile, "from-file", "", "read the value from this file, byte for byte")
	cmd.Flags().StringVar(&value, "value", "", "the value itself (visible in the process list)")
	return cmd
}

// secretValue reads the value of `secrets put`.
func (e *env) secretValue(name, fromFile, value string, haveValue bool) (string, error) {
	switch {
	case haveValue:
		return value, nil
	case fromFile != "":
		b, err := os.ReadFile(fromFile)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.stderr, "Value of %s: ", name)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	b, err := io.ReadAll(io.LimitReader(e.stdin, secrets.MaxValueBytes+2))
	if err != nil {
		return "", err
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

func newSecretsGet(e *env) *cobra.Command {
	var show bool
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Describe a secret; print its value only with --value",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st := secrets.Open(e.stateDir)
			v, err := st.Get(args[0])
			if err != nil {
				return err
			}
			if show {
				fmt.Fprint(e.stdout, v)
				if f, ok := e.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) && !strings.HasSuffix(v, "\n") {
					fmt.Fprintln(e.stdout)
				}
				return nil
			}
			name, _ := secrets.Name(args[0])
			list, err := st.List()
			if err != nil {
				return err
			}
			for _, en := range list {
				if en.Name == name {
					fmt.Fprintf(e.stdout, "name: %s\nbytes: %d\nupdated: %s\n(the value is printed with --value)\n", en.Name, en.Bytes, en.Updated.Format(time.RFC3339))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&show, "value", false, "print the value (exactly, without a newline) to standard output")
	return cmd
}

func newSecretsList(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the stored secrets (never their values)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := secrets.Open(e.stateDir).List()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tBYTES\tUPDATED")
			for _, en := range list {
				fmt.Fprintf(w, "%s\t%d\t%s\n", en.Name, en.Bytes, en.Updated.Format(time.RFC3339))
			}
			return w.Flush()
		},
	}
}

func newSecretsDelete(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a secret",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := secrets.Open(e.stateDir).Delete(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "secret %s deleted\n", args[0])
			return nil
		},
	}
}
