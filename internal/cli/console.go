package cli

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	goruntime "runtime"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/spf13/cobra"

	"github.com/ecsrun/ecsrun/internal/connguard"
	"github.com/ecsrun/ecsrun/internal/console"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/sigv4"
)

// newWebConsole returns the web console of a served engine: a client of
// its APIs in-process, signing with the first configured key when serve
// verifies signatures.
func (e *env) newWebConsole(ctx context.Context, eng *engine.Engine, creds *sigv4.StaticCredentials) (*console.Console, error) {
	provider := credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", "")
	opts := console.Options{Trust: connguard.Trust}
	if creds != nil {
		ids := creds.AccessKeyIDs()
		k, err := creds.Lookup(ctx, ids[0])
		if err != nil {
			return nil, err
		}
		provider = credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, k.SessionToken)
		opts.Credentials = creds
	}
	cfg := aws.Config{Region: e.region, Credentials: provider, HTTPClient: &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}}}
	base := aws.String("http://ecsrun.embedded")
	opts.ECS = awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = base })
	opts.Logs = cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = base })
	opts.SFN = sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = base })
	return console.New(opts), nil
}

func newConsoleCmd(e *env) *cobra.Command {
	var printOnly bool
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Open the web console of the running ecsrun serve in the default browser",
		Long: `Open the web console of the ecsrun serve daemon that holds the state
directory (--state-dir) in the default browser, or with --print print its URL.

The console is served by ecsrun serve at /console/ (for example
http://127.0.0.1:5757/console/): live pages of tasks, clusters, services,
workflows, task definitions, container instances and logs. When serve verifies
signatures (credentials configured), the console asks for an access key id and
its secret, or accepts the one-time login URL serve printed when it started.
See docs/console.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info, ok := engine.Discover(e.stateDir)
			if !ok {
				return fmt.Errorf("no ecsrun serve holds %s: start it (ecsrun serve) and run ecsrun console again", e.stateDir)
			}
			url := info.Endpoint + console.Prefix
			if printOnly {
				fmt.Fprintln(e.stdout, url)
				return nil
			}
			if err := openBrowser(url); err != nil {
				fmt.Fprintf(e.stdout, "ecsrun: cannot open a browser (%v); open %s\n", err, url)
				return nil
			}
			fmt.Fprintf(e.stdout, "ecsrun: opened %s\n", url)
			return nil
		},
	}
	cmd.Flags().BoolVar(&printOnly, "print", false, "print the console's URL instead of opening it")
	return cmd
}

// openBrowser opens url in the default browser.
func openBrowser(url string) error {
	var c *exec.Cmd
	switch goruntime.GOOS {
	case "darwin":
		c = exec.Command("open", url)
	case "windows":
		c = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		c = exec.Command("xdg-open", url)
	}
	if err := c.Start(); err != nil {
		return err
	}
	go c.Wait()
	return nil
}
