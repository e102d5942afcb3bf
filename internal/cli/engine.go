package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/spf13/pflag"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/inproc"
	"github.com/ecsrun/ecsrun/internal/runtask"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
	"github.com/ecsrun/ecsrun/internal/sfnmock"
	"github.com/ecsrun/ecsrun/internal/sigv4"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
)

// engineFlags choose how the local engine runs containers.
type engineFlags struct {
	runtime       string
	pull          string
	taskRetention time.Duration
	// taskLogRetention is the default task log group's retention in days
	// (0: never expire).
	taskLogRetention int32
	keep             time.Duration
	// config declares clusters and container instances (serve --config).
	config       *serveconfig.Config
	taskRoles    string
	s3Dir        string
	taskEndpoint string
	// mockConfig is the Step Functions mock configuration file (serve
	// --mock-config; $SFN_MOCK_CONFIG for any engine).
	mockConfig string
}

func (f *engineFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.runtime, "runtime", "docker", `how containers run: "docker" (the Docker Engine), or "process" (entryPoint+command run as host processes, no image; for machines without Docker)`)
	fs.StringVar(&f.pull, "pull", "default", `image pull behaviour, like the ECS agent's ECS_IMAGE_PULL_BEHAVIOR: "default" (pull, fall back to a cached image), "always", "once", "prefer-cached"`)
	fs.DurationVar(&f.taskRetention, "task-retention", time.Hour, "how long stopped tasks stay describable")
	fs.Int32Var(&f.taskLogRetention, "task-log-retention", engine.DefaultTaskLogRetentionDays, "retention policy in days of the default task log group "+ecs.DefaultLogGroup+" when the engine creates it (0: keep the events; else one of the values PutRetentionPolicy accepts, 1, 3, 5, 7, 14, 30, ...)")
	fs.DurationVar(&f.keep, "container-retention", agent.DefaultContainerRetention, "how long stopped containers are kept before they are removed (the ECS agent's ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION)")
	fs.StringVar(&f.taskRoles, "task-roles", os.Getenv("ECSRUN_TASK_ROLES"), "file mapping task roles to AWS profiles or keys (default $ECSRUN_TASK_ROLES, else task-roles.yaml in --state-dir)")
	fs.StringVar(&f.s3Dir, "s3-dir", os.Getenv("ECSRUN_S3_DIR"), "directory standing in for S3: environment file arn:aws:s3:::BUCKET/KEY is DIR/BUCKET/KEY, as are the objects distributed Map states read (ItemReader) and write (ResultWriter) (default $ECSRUN_S3_DIR, else s3 in --state-dir)")
	fs.StringVar(&f.taskEndpoint, "task-endpoint", "auto", `where the task metadata and credentials endpoints listen: "link-local" (169.254.170.2, as on ECS; may add the address to the loopback interface, which needs root once; as root, port 80 of that address is redirected to the endpoints' own port, leaving host port 80 to the tasks), "loopback" (127.0.0.1), or "auto" (link-local when possible)`)
}

// taskLogRetentionDays maps --task-log-retention (0: never) to the
// engine's option (0: the default).
func taskLogRetentionDays(days int32) int32 {
	if days == 0 {
		return engine.NeverExpire
	}
	return days
}

// newRuntime returns the runtime and a check that it is reachable, which
// runs in the background so the engine can open meanwhile.
func (f *engineFlags) newRuntime(ctx context.Context) (runtime.Runtime, func() error, func(), error) {
	switch f.runtime {
	case "docker":
		r, err := docker.New(docker.Options{})
		if err != nil {
			return nil, nil, nil, err
		}
		ping := make(chan error, 1)
		go func() {
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			ping <- r.Ping(pctx)
		}()
		check := func() error {
			if err := <-ping; err != nil {
				return fmt.Errorf("the Docker engine is not reachable (%v); start Docker, set DOCKER_HOST, or use --runtime process to run commands as host processes", err)
			}
			return nil
		}
		return r, check, func() { r.Close() }, nil
	case "process":
		return process.New(), func() error { return nil }, func() {}, nil
	}
	return nil, nil, nil, &usageError{fmt.Errorf("--runtime must be docker or process, not %q", f.runtime)}
}

func (f *engineFlags) pullBehavior() (runtime.PullBehavior, error) {
	switch p := runtime.PullBehavior(f.pull); p {
	case runtime.PullDefault, runtime.PullAlways, runtime.PullOnce, runtime.PullPreferCached:
		return p, nil
	}
	return "", &usageError{fmt.Errorf("--pull must be default, always, once or prefer-cached, not %q", f.pull)}
}

// openEngine starts the local engine in this process.
func (e *env) openEngine(ctx context.Context, f *engineFlags, log *slog.Logger, auth awsjson.Authenticator) (*engine.Engine, func(), error) {
	pull, err := f.pullBehavior()
	if err != nil {
		return nil, nil, err
	}
	endpointMode, err := taskmeta.ParseMode(f.taskEndpoint)
	if err != nil {
		return nil, nil, &usageError{fmt.Errorf("--task-endpoint: %w", err)}
	}
	mockFile, mockFrom := f.mockConfig, "--mock-config"
	if mockFile == "" {
		mockFile, mockFrom = os.Getenv("SFN_MOCK_CONFIG"), "SFN_MOCK_CONFIG"
	}
	mocks, err := readMockConfig(mockFile, mockFrom)
	if err != nil {
		return nil, nil, err
	}
	rt, check, closeRT, err := f.newRuntime(ctx)
	if err != nil {
		return nil, nil, err
	}
	eng, err := engine.Open(ctx, engine.Options{
		StateDir:             e.stateDir,
		Account:              ecs.Account{Partition: "aws", Region: e.region, ID: e.accountID},
		Runtime:              rt,
		PullBehavior:         pull,
		TaskRetention:        f.taskRetention,
		TaskLogRetentionDays: taskLogRetentionDays(f.taskLogRetention),
		ContainerRetention:   f.keep,
		Auth:                 auth,
		Log:                  log,
		Config:               f.config,
		TaskRolesFile:        f.taskRoles,
		S3Dir:                f.s3Dir,
		TaskEndpoint:         endpointMode,
		MockConfig:           mocks,
	})
	if err == nil {
		if err = check(); err != nil {
			eng.Close()
		}
	}
	if err != nil {
		closeRT()
		return nil, nil, err
	}
	return eng, func() { eng.Close(); closeRT() }, nil
}

// clients are the AWS SDK clients a command talks through.
type clients struct {
	ECS  *awsecs.Client
	Logs *cloudwatchlogs.Client
	// Where describes the target for messages.
	Where string
	// aws is set for --target aws; loopback when its endpoint is local
	// (then the local engine's polling and log settings apply).
	aws, loopback bool
	// taskRoles is the task roles file of the local engine ("" when the
	// target is not one whose configuration is known here).
	taskRoles string
	// stopCommand is the command that stops a task on this target.
	stopCommand func(runtask.StillRunning) string
	close       func()
	// execConn connects to an exec session of an engine in this process
	// (nil: dial the session's stream URL).
	execConn func(ctx context.Context, streamURL, token string) (io.ReadWriteCloser, error)
	// logReader, when set, reads log events from the embedded engine's
	// store directly (see followLogs).
	logReader runtask.Logs
	// taskChanges, when set, signals the embedded engine's task changes
	// (see runtask.Runner.Changes).
	taskChanges func() <-chan struct{}
	// waitExecution, when set, returns once the embedded engine's
	// execution has ended (see runWatch.ended).
	waitExecution func(ctx context.Context, arn string) error
}

// followLogs returns what run-task and workflow read log streams with: the
// embedded engine's store directly (GetLogEvents without encoding every
// event as JSON and decoding it again), else the Logs client.
func (c *clients) followLogs() runtask.Logs {
	if c.logReader != nil {
		return c.logReader
	}
	return c.Logs
}

// localClients returns clients for the local engine: the `ecsrun serve`
// daemon holding the state directory if there is one, otherwise an engine
// started in this process for the length of the command.
func (e *env) localClients(ctx context.Context, f *engineFlags, endpoint string) (*clients, error) {
	if endpoint != "" {
		return e.endpointClients(ctx, endpoint)
	}
	eng, closeEng, err := e.openEngine(ctx, f, nil, nil)
	if errors.Is(err, engine.ErrLocked) {
		if info, ok := engine.Discover(e.stateDir); ok {
			c, err := e.endpointClients(ctx, info.Endpoint)
			if err != nil {
				return nil, err
			}
			if id, secret := os.Getenv(sigv4.EnvAccessKeyID), os.Getenv(sigv4.EnvSecretAccessKey); id != "" && secret != "" {
				// A daemon that verifies signatures knows these keys.
				c.useCredentials(id, secret)
			}
			c.Where = "ecsrun serve at " + info.Endpoint
			c.taskRoles = info.TaskRoles
			return c, nil
		}
		return nil, fmt.Errorf("state directory %s is in use by another ecsrun command; wait for it, use another --state-dir, or run `ecsrun serve` once and every command will share it", e.stateDir)
	}
	if err != nil {
		return nil, err
	}
	cfg := aws.Config{
		Region:      e.region,
		Credentials: credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", ""),
		HTTPClient:  &http.Client{Transport: &inproc.Transport{Handler: eng.Handler()}},
	}
	base := aws.String("http://ecsrun.embedded")
	return &clients{
		stopCommand: embeddedStopCommand(f.runtime),
		ECS:         awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = base }),
		Logs:        cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = base }),
		Where:       "embedded engine (state " + e.stateDir + ")",
		close:       closeEng,
		taskRoles:   eng.TaskRolesFile(),
		execConn:    pipeExec(eng.ExecConn),
		logReader:   eng.LogReader(),
		taskChanges: eng.TaskChanges,

		waitExecution: eng.WaitExecution,
	}, nil
}

// endpointClients returns clients for an ECS endpoint URL, with the standard
// AWS configuration chain for credentials (dummy ones when none is set, which
// an unauthenticated local endpoint accepts).
func (e *env) endpointClients(ctx context.Context, endpoint string) (*clients, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(e.region)}
	if u, err := url.Parse(endpoint); err == nil && isLoopback(u.Hostname()) {
		// A local endpoint: never ask an EC2 metadata service for credentials.
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		cfg.Credentials = credentials.NewStaticCredentialsProvider("ecsrun", "ecsrun", "")
	}
	return &clients{
		stopCommand: func(t runtask.StillRunning) string {
			return runtask.AWSStopCommand(t, "--endpoint-url", endpoint, "--region", cfg.Region)
		},
		ECS:   awsecs.NewFromConfig(cfg, func(o *awsecs.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		Logs:  cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		Where: endpoint,
		close: func() {},
	}, nil
}

// embeddedStopCommand returns the command that stops a task of an engine
// that ends with this command: the engine is gone, so its containers are
// stopped directly (with Docker, a later engine on the state directory
// records how they ended).
func embeddedStopCommand(rt string) func(runtask.StillRunning) string {
	return func(t runtask.StillRunning) string {
		if rt == "docker" && len(t.RuntimeIDs) > 0 {
			ids := make([]string, len(t.RuntimeIDs))
			for i, id := range t.RuntimeIDs {
				ids[i] = runtask.ShellQuote(id)
			}
			return "docker stop " + strings.Join(ids, " ")
		}
		// The process runtime: its containers are host processes, each
		// the leader of its own process group, that outlive the engine.
		return fmt.Sprintf("kill -- -PGID (task %s: its containers are host processes of the process runtime, each leading a process group: ps -eo pid,pgid,args)", t.TaskID)
	}
}

// useCredentials rebuilds the clients with static credentials.
func (c *clients) useCredentials(id, secret string) {
	p := credentials.NewStaticCredentialsProvider(id, secret, "")
	c.ECS = awsecs.New(c.ECS.Options(), func(o *awsecs.Options) { o.Credentials = p })
	c.Logs = cloudwatchlogs.New(c.Logs.Options(), func(o *cloudwatchlogs.Options) { o.Credentials = p })
}

func (c *clients) Close() {
	if c.close != nil {
		c.close()
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readMockConfig reads a Step Functions mock configuration file (nil when
// path is empty); from names where the path came from, for errors.
func readMockConfig(path, from string) (*sfnmock.Config, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &usageError{fmt.Errorf("%s: %v", from, err)}
	}
	c, err := sfnmock.Parse(data)
	if err != nil {
		return nil, &usageError{fmt.Errorf("%s %s: %v", from, path, err)}
	}
	return c, nil
}
