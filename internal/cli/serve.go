package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/connguard"
	"github.com/ecsrun/ecsrun/internal/console"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
	"github.com/ecsrun/ecsrun/internal/sigv4"
)

// DefaultListen is the address `ecsrun serve` listens on by default.
const DefaultListen = "127.0.0.1:5757"

// ServeGCPercent is the garbage collector's target of `ecsrun serve`
// unless GOGC is set: Go's default (the short commands keep more garbage,
// see cmd/ecsrun).
const ServeGCPercent = 100

func newServe(e *env) *cobra.Command {
	var (
		listen    string
		credsFile string
		config    string
		ef        engineFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the local ECS engine as a daemon",
		Long: `Run the local ECS engine as a daemon that serves the Amazon ECS API, the
CloudWatch Logs API and the Step Functions API on one endpoint, so the AWS
CLI, boto3 and the AWS SDKs work against it unmodified:

  ecsrun serve &
  export AWS_ENDPOINT_URL_ECS=http://127.0.0.1:5757
  export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://127.0.0.1:5757
  export AWS_ENDPOINT_URL_SFN=http://127.0.0.1:5757
  aws ecs list-clusters
  aws stepfunctions list-state-machines

Services (aws ecs create-service ...) are kept at their desired count while
the engine runs: serve's scheduler replaces tasks that stop, rolls new task
definitions out and scales them (see docs/services.md).

While it runs, other ecsrun commands using the same --state-dir talk to it.
Stopping it (SIGINT, SIGTERM) leaves running containers alone; the next start
re-adopts them.

With --config FILE (YAML or JSON) serve creates the clusters and registers
the container instances the file declares, for trying placement locally:

  clusters:
    - name: demo
  instances:
    - name: web            # web-1 ... web-9
      cluster: demo
      count: 9
      cpu: 2048            # CPU units, or "2 vCPU"
      memory: 4GB
      zones: [us-east-1a, us-east-1b, us-east-1c]
      instanceType: m5.large
      attributes: {stack: blue}
  efs:                     # EFS file systems (default: directories in
    fileSystems:           # --state-dir/efs) and access points
      - {fileSystemId: fs-12345678, path: /srv/efs}
    accessPoints:
      - accessPointId: fsap-0123456789abcdef0
        fileSystemId: fs-12345678
        rootDirectory:
          path: /app
          creationInfo: {ownerUid: 1000, ownerGid: 1000, permissions: "0755"}
  autoScalingGroups:       # virtual groups behind capacity providers
    - {name: web-asg, minSize: 0, maxSize: 4, cpu: 1024, memory: 2GB}
                           # (docs/capacity-providers.md)

Security: with credentials configured (ECSRUN_ACCESS_KEY_ID and
ECSRUN_SECRET_ACCESS_KEY, or --credentials-file in the layout of
~/.aws/credentials) every request must carry a valid AWS Signature Version 4
made with one of those keys, and serve may listen on any address. Without
credentials it accepts any signature and listens on loopback only.

Connections: serve holds at most 512 connections (fewer when the open file
limit is low: half of it), of which at most a quarter may not yet have sent a
correctly signed request; past that the oldest unsigned one is closed. A
request's headers must arrive within 10s and its body within 30s, an answer
is written within 30s, and keep-alive connections idle for 60s are closed.
The wait of a long poll (GetActivityTask) is not limited.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("GOGC") == "" {
				// A daemon: Go's default garbage collector target.
				debug.SetGCPercent(ServeGCPercent)
			}
			ctx := cmd.Context()
			creds, err := sigv4.Load(os.LookupEnv, credsFile)
			if err != nil {
				return &usageError{err}
			}
			var auth awsjson.Authenticator
			if creds != nil {
				v, err := sigv4.NewVerifier(sigv4.Options{Credentials: creds})
				if err != nil {
					return err
				}
				auth = v
			} else if err := loopbackOnly(listen); err != nil {
				return &usageError{err}
			}
			if config != "" {
				data, err := os.ReadFile(config)
				if err != nil {
					return &usageError{fmt.Errorf("--config: %v", err)}
				}
				cfg, err := serveconfig.Parse(data)
				if err != nil {
					return &usageError{fmt.Errorf("--config %s: %v", config, err)}
				}
				dir, err := filepath.Abs(filepath.Dir(config))
				if err != nil {
					return &usageError{fmt.Errorf("--config %s: %v", config, err)}
				}
				cfg.ResolvePaths(dir)
				ef.config = cfg
			}
			log := slog.New(slog.NewTextHandler(e.stderr, nil))
			eng, closeEng, err := e.openEngine(ctx, &ef, log, trusting{auth})
			if errors.Is(err, engine.ErrLocked) {
				if info, ok := engine.Discover(e.stateDir); ok {
					return fmt.Errorf("ecsrun serve (pid %d) already serves %s at %s", info.PID, e.stateDir, info.Endpoint)
				}
				return fmt.Errorf("state directory %s is in use by another ecsrun command", e.stateDir)
			}
			if err != nil {
				return err
			}
			defer closeEng()
			tcp, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			ln := connguard.New(tcp, connguard.DefaultLimits(openFileLimit()))
			endpoint := "http://" + ln.Addr().String()
			if err := engine.WriteServeInfo(e.stateDir, engine.ServeInfo{Endpoint: endpoint, PID: os.Getpid(), TaskRoles: eng.TaskRolesFile()}); err != nil {
				ln.Close()
				return err
			}
			defer engine.RemoveServeInfo(e.stateDir)
			con, err := e.newWebConsole(ctx, eng, creds)
			if err != nil {
				ln.Close()
				return err
			}
			srv := ln.Server(console.Mount(eng.Handler(), con))
			srv.RegisterOnShutdown(eng.EndPolls) // GetActivityTask answers at once
			lim := ln.Limits()
			log.Info("ecsrun serve: listening", "endpoint", endpoint, "state", e.stateDir, "runtime", ef.runtime, "sigv4", auth != nil,
				"maxConnections", lim.MaxConns, "maxUnauthenticated", lim.MaxUntrusted)
			fmt.Fprintf(e.stdout, "ecsrun: serving the ECS, CloudWatch Logs and Step Functions APIs at %s\n", endpoint)
			if con.Open() {
				fmt.Fprintf(e.stdout, "ecsrun: web console at %s%s\n", endpoint, console.Prefix)
			} else {
				fmt.Fprintf(e.stdout, "ecsrun: web console at %s%s (one-time login URL: %s)\n", endpoint, console.Prefix, con.LoginURL(endpoint))
			}
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
			log.Info("ecsrun serve: stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", DefaultListen, "address to listen on (loopback only unless credentials are configured; port 0 picks a free port)")
	cmd.Flags().StringVar(&config, "config", "", "configuration file (YAML or JSON) declaring clusters and container instances to register at start")
	cmd.Flags().StringVar(&ef.mockConfig, "mock-config", "", "Step Functions mock configuration (Step Functions Local's format): StartExecution with stateMachineArn#TestCase answers that test case's Task states with mocked responses (default $SFN_MOCK_CONFIG)")
	cmd.Flags().StringVar(&credsFile, "credentials-file", os.Getenv("ECSRUN_CREDENTIALS_FILE"), "file of access keys ([name] sections with aws_access_key_id and aws_secret_access_key) whose SigV4 signatures are accepted (default $ECSRUN_CREDENTIALS_FILE)")
	ef.add(cmd.Flags())
	return cmd
}

// trusting marks the connection of every request that auth accepts (every
// complete request when auth is nil) as trusted, so that it no longer counts
// against connguard's budget of unauthenticated connections.
type trusting struct{ auth awsjson.Authenticator }

func (t trusting) Authenticate(r *http.Request, body []byte) error {
	if t.auth != nil {
		if err := t.auth.Authenticate(r, body); err != nil {
			return err
		}
	}
	connguard.Trust(r.Context())
	return nil
}

// loopbackOnly refuses addresses outside the loopback range: without
// configured credentials the API must not be reachable from other machines.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", addr, err)
	}
	if !isLoopback(host) {
		return fmt.Errorf("--listen %q: without credentials ecsrun serve listens on loopback addresses only (127.0.0.1, ::1, localhost); configure ECSRUN_ACCESS_KEY_ID and ECSRUN_SECRET_ACCESS_KEY or --credentials-file to listen elsewhere", addr)
	}
	return nil
}
