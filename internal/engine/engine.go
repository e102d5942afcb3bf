package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/ecsrun/ecsrun/internal/broadcast"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/activities"
	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/capacity"
	"github.com/ecsrun/ecsrun/internal/controlplane"
	"github.com/ecsrun/ecsrun/internal/daemons"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsapi"
	"github.com/ecsrun/ecsrun/internal/efs"
	"github.com/ecsrun/ecsrun/internal/execsession"
	"github.com/ecsrun/ecsrun/internal/executions"
	"github.com/ecsrun/ecsrun/internal/logquery"
	"github.com/ecsrun/ecsrun/internal/logs"
	"github.com/ecsrun/ecsrun/internal/logsapi"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
	"github.com/ecsrun/ecsrun/internal/sfnmock"
	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
)

// Options configures an Engine.
type Options struct {
	// StateDir holds the database and the lock.
	StateDir string
	// Account sets the region and account id of ARNs.
	Account ecs.Account
	// Runtime runs the containers.
	Runtime runtime.Runtime
	// PullBehavior is the image pull behaviour.
	PullBehavior runtime.PullBehavior
	// TaskRetention is how long stopped tasks stay describable.
	TaskRetention time.Duration
	// TaskLogRetentionDays is the retention policy, in days (one of
	// logs.RetentionDays), of the default task log group
	// (ecs.DefaultLogGroup) when the engine creates it, and once for the
	// group of a state directory made before there was one
	// (DefaultTaskLogRetentionDays when 0; NeverExpire keeps the events).
	TaskLogRetentionDays int32
	// ContainerRetention is how long stopped containers are kept before they
	// are removed (agent.DefaultContainerRetention when 0).
	ContainerRetention time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Auth, when set, authenticates every API request (SigV4).
	Auth awsjson.Authenticator
	Log  *slog.Logger
	// NoHostInstance keeps the machine out of the default cluster's
	// container instances (by default it is the first one, with its real
	// CPU units and memory).
	NoHostInstance bool
	// Config declares clusters and container instances (ecsrun serve
	// --config).
	Config *serveconfig.Config
	// TaskRolesFile maps task roles to credentials (default
	// <StateDir>/task-roles.yaml; see internal/taskroles).
	TaskRolesFile string
	// S3Dir holds the local copies of environment files in S3, as
	// <S3Dir>/<bucket>/<key> (default <StateDir>/s3).
	S3Dir string
	// TaskEndpoint is where the task metadata and credentials endpoints
	// listen (taskmeta.ModeAuto when "").
	TaskEndpoint taskmeta.Mode
	// MockConfig is the Step Functions mock configuration (ecsrun serve
	// --mock-config, SFN_MOCK_CONFIG): StartExecution with
	// stateMachineArn#TestCase answers that test case's Task states with
	// their mocked responses.
	MockConfig *sfnmock.Config
	// WorkflowRand picks the version of each execution started from a
	// state machine alias that routes to two (seeded at random when nil;
	// tests pass a seeded one).
	WorkflowRand *rand.Rand
	// ScalingInterval is how often the Auto Scaling groups of capacity
	// providers are looked at (DefaultScalingInterval when 0).
	ScalingInterval time.Duration
	// ScalingSteps, when set, drives the Auto Scaling groups instead of
	// ScalingInterval (tests): one step for each channel received, closed
	// once that step is done.
	ScalingSteps <-chan chan struct{}
	// DaemonInterval is how often the managed daemons are looked at
	// (daemons.DefaultInterval when 0).
	DaemonInterval time.Duration
}

// DefaultScalingInterval is how often managed scaling decides by default.
const DefaultScalingInterval = time.Second

// Engine is a running local ECS.
type Engine struct {
	opts    Options
	stop    context.CancelFunc
	janitor sync.WaitGroup
	// hostAsk runs the question of the runtime's volume plugins and the
	// host registration that waits for it; hostCancel ends the question.
	hostAsk    sync.WaitGroup
	hostCancel context.CancelFunc
	lock       *os.File
	db         *sql.DB
	cp         *controlplane.ControlPlane
	// stops signals the agent's reports of a stopped task (stops.go).
	stops   broadcast.Keyed[string]
	agent   *agent.Agent
	logs    *logs.Store
	logq    *logquery.Service
	flows   *executions.Manager
	handler *awsjson.Server
	// The task metadata and credentials endpoints.
	meta         *http.Server
	metaListener net.Listener
	metaSrv      *taskmeta.Server
	endpoint     taskmeta.Endpoint
	// acts holds the Step Functions activities and their task queues.
	acts *activities.Manager
	// execs holds ExecuteCommand's sessions (nil when the runtime cannot
	// run commands in containers).
	execs *execsession.Manager
	// capacity holds the capacity providers and Auto Scaling groups.
	capacity *capacity.Registry
	// daemons holds the managed daemons.
	daemons *daemons.Manager
}

// Open takes the state directory's lock (ErrLocked when another process
// has it), loads the state and re-adopts unfinished tasks.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Runtime == nil {
		return nil, errors.New("engine: no runtime")
	}
	if opts.Account.ID == "" {
		opts.Account = ecs.DefaultAccountInfo()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.ContainerRetention == 0 {
		opts.ContainerRetention = agent.DefaultContainerRetention
	}
	defaultTaskEnvPaths(&opts)
	lk, err := lock(opts.StateDir)
	if err != nil {
		return nil, err
	}
	e := &Engine{lock: lk, opts: opts}
	// The runtime is asked for its volume plugins HostAskDelay after the
	// open, or as soon as a task's placement needs them (hostWanted);
	// Close ends the question when it comes first.
	drivers := make(chan []string, 1)
	hctx, hcancel := context.WithCancel(ctx)
	e.hostCancel = hcancel
	wanted := make(chan struct{})
	var wantOnce sync.Once
	hostWanted := func() { wantOnce.Do(func() { close(wanted) }) }
	if vd, ok := opts.Runtime.(runtime.VolumeDrivers); ok && !opts.NoHostInstance {
		e.hostAsk.Go(func() {
			t := time.NewTimer(HostAskDelay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-wanted:
			case <-hctx.Done():
				drivers <- nil
				return
			}
			drivers <- volumePlugins(hctx, vd, opts.Log)
		})
	} else {
		drivers <- nil
	}
	// So are the task endpoints' listening, until openTaskResources.
	listened := make(chan listening, 1)
	go func() { listened <- listenTaskEndpoint(opts) }()
	fail := func(err error) (*Engine, error) {
		if listened != nil {
			(<-listened).close()
		}
		e.Close()
		return nil, err
	}
	e.db, err = store.Open(ctx, opts.StateDir)
	if err != nil {
		return fail(err)
	}
	if e.logs, err = e.openLogs(ctx); err != nil {
		return fail(err)
	}
	if e.logq, err = logquery.Open(ctx, e.db, e.logs, logquery.Options{Account: opts.Account.ID, Region: opts.Account.Region, S3Dir: opts.S3Dir, Now: opts.Now}); err != nil {
		return fail(err)
	}
	var groups []serveconfig.AutoScalingGroup
	if opts.Config != nil {
		groups = opts.Config.AutoScalingGroups
	}
	e.capacity, err = capacity.Open(ctx, capacity.Options{DB: e.db, Account: opts.Account, Now: opts.Now, Log: opts.Log, Groups: groups})
	if err != nil {
		return fail(err)
	}
	e.daemons, err = daemons.Open(ctx, daemons.Options{DB: e.db, Account: opts.Account, Now: opts.Now, Log: opts.Log, Providers: e.capacity})
	if err != nil {
		return fail(err)
	}
	cpOpts := controlplane.Options{
		Providers: e.capacity,
		DB:        e.db, Account: opts.Account, Now: opts.Now, TaskRetention: opts.TaskRetention, Log: opts.Log,
		Forget: e.forgetLogs, HostPaths: hostPathPolicy(&opts),
	}
	if mem, err := totalMemoryMiB(); err == nil {
		// What an ECS agent would register for this machine.
		cpOpts.Machine = controlplane.MachineResources{CPU: int64(goruntime.NumCPU()) * ecs.CPUUnitsPerVCPU, Memory: mem - AgentReservedMemoryMiB}
	}
	if !opts.NoHostInstance {
		mem, err := totalMemoryMiB()
		if err != nil {
			opts.Log.Warn("cannot read the machine's memory size; the host instance reports a default", "memoryMiB", fallbackMemoryMiB, "err", err)
			mem = fallbackMemoryMiB
		}
		gpus := nvidiaGPUs(ctx)
		if len(gpus) > 0 {
			opts.Log.Info("the host instance registers the machine's NVIDIA GPUs", "gpus", gpus)
		}
		newHost := func() *controlplane.HostInstance {
			return hostInstance(opts.Account.Region, opts.Runtime.Name(), goruntime.NumCPU(), mem, gpus)
		}
		// The volume plugins come from the runtime (docker info takes 10-20
		// ms, asked later: see HostAskDelay): the control plane opens
		// meanwhile, the host with the agent's capabilities, and places
		// the tasks that need a plugin once the host's registration has
		// them.
		cpOpts.Host = newHost()
		for _, name := range ecs.AgentCapabilities() {
			cpOpts.Host.Attributes[name] = ""
		}
		later := make(chan *controlplane.HostInstance, 1)
		cpOpts.HostLater, cpOpts.HostWanted = later, hostWanted
		e.hostAsk.Go(func() {
			h := newHost()
			if plugins := <-drivers; len(plugins) > 0 {
				// As the ECS agent does, the host advertises the volume
				// plugins installed, beside the agent's capabilities.
				for _, name := range append(ecs.AgentCapabilities(), plugins...) {
					h.Attributes[name] = ""
				}
			}
			later <- h
		})
	}
	if _, ok := opts.Runtime.(runtime.Execer); ok {
		e.execs = execsession.NewManager(opts.Now)
		cpOpts.Exec = e.execs
	}
	e.cp, err = controlplane.Open(ctx, cpOpts)
	if err != nil {
		return fail(err)
	}
	if cfg := opts.Config; cfg != nil {
		if err := e.cp.Declare(ctx, cfg.Clusters, declared(cfg)); err != nil {
			return fail(fmt.Errorf("engine: configuration: %w", err))
		}
	}
	l := <-listened
	listened = nil
	resources, err := e.openTaskResources(l)
	if err != nil {
		return fail(err)
	}
	e.agent = agent.New(agent.Options{
		Runtime: opts.Runtime, Logs: logSink{e.logs}, Reporter: stopReporter{e.cp, &e.stops},
		Region: opts.Account.Region, PullBehavior: opts.PullBehavior, Now: opts.Now, Log: opts.Log,
		Engine: engineID(opts.StateDir), Resources: resources, EFS: localEFS(&opts),
		DataDir: agentDataDir(opts.StateDir), S3Dir: opts.S3Dir,
	})
	e.cp.Start(e.agent)
	// The task metadata endpoint serves already: it must know the adopted
	// tasks' containers before the engine counts as open.
	actx, cancel := context.WithTimeout(ctx, adoptWait)
	if err := e.agent.Adopted(actx); err != nil {
		opts.Log.Warn("adopted tasks: their endpoints are not back yet", "after", adoptWait, "err", err)
	}
	cancel()
	e.daemons.Attach(e.cp)
	e.capacity.Attach(daemonsFirst{e.cp, e.daemons})
	sfn, err := e.openWorkflows(ctx)
	if err != nil {
		return fail(err)
	}
	e.recoverWorkflows(ctx)
	e.handler = awsjson.NewServer(ecsapi.WithDaemons(ecsapi.WithCapacityProviders(ecsapi.New(e.cp), e.capacity), e.daemons), logsapi.WithQueries(logsapi.NewWithOptions(e.logs, logsapi.Options{S3Dir: e.opts.S3Dir}), e.logs, e.logq), sfn)
	if e.execs != nil {
		e.handler.Mount(execsession.PathPrefix, execsession.Handler(e.execs, opts.Runtime.(runtime.Execer)))
	}
	e.handler.Log = opts.Log
	e.handler.Auth = opts.Auth
	jctx, stop := context.WithCancel(context.Background())
	e.stop = stop
	e.janitor.Go(func() { e.removeExpiredEvery(jctx, JanitorDelay, JanitorInterval) })
	e.janitor.Go(func() { store.Checkpoint(jctx, e.db, CheckpointInterval) })
	e.startLogDelivery(jctx)
	scaling := opts.ScalingInterval
	if scaling <= 0 {
		scaling = DefaultScalingInterval
	}
	e.janitor.Go(func() { e.capacity.Run(jctx, scaling, opts.ScalingSteps) })
	e.janitor.Go(func() { e.daemons.Run(jctx, opts.DaemonInterval) })
	return e, nil
}

// adoptWait bounds how long Open waits for the adopted tasks' endpoints.
const adoptWait = 10 * time.Second

// HostAskDelay is how long after the engine opens it asks the runtime for
// its volume plugins, for the host instance's capability attributes,
// unless a task's placement needs them sooner. Docker answers with its
// system information (docker info: 7-9 ms of the daemon's work, which
// runs executables to learn their versions): asked at once, that work
// fell on the first task's container create, a few milliseconds longer
// for a short run-task.
const HostAskDelay = 2 * time.Second

// volumePlugins returns the capability attributes of the runtime's volume
// plugins; none when they cannot be listed in time.
func volumePlugins(ctx context.Context, vd runtime.VolumeDrivers, log *slog.Logger) []string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	names, err := vd.VolumeDrivers(ctx)
	if err != nil {
		if !errors.Is(err, runtime.ErrUnavailable) && !errors.Is(ctx.Err(), context.Canceled) { // said elsewhere, or closed
			log.Warn("cannot list the volume plugins; the host instance advertises none", "err", err)
		}
		return nil
	}
	return ecs.VolumePluginCapabilities(names)
}

// localEFS returns the EFS file systems of the engine: directories in
// <StateDir>/efs unless the configuration maps them elsewhere, and the
// configuration's access points.
func localEFS(opts *Options) *efs.Local {
	l := &efs.Local{Config: efs.Config{Dir: filepath.Join(opts.StateDir, "efs")}}
	if cfg := opts.Config; cfg != nil {
		l.Config.FileSystems, l.Config.AccessPoints = cfg.EFS.FileSystems, cfg.EFS.AccessPoints
	}
	return l
}

// AgentReservedMemoryMiB is the memory the ECS agent keeps back from what
// it registers (its ECS_RESERVED_MEMORY, 0 by default).
const AgentReservedMemoryMiB = 0

// JanitorDelay is how long after opening the engine first removes expired
// containers (not at once, so a short command does not pay for it), and
// JanitorInterval how often it does so after that.
const (
	JanitorDelay    = time.Minute
	JanitorInterval = 10 * time.Minute
)

// CheckpointInterval is how often the engine checkpoints the database's
// WAL in the background (see store.Checkpoint).
const CheckpointInterval = 200 * time.Millisecond

func (e *Engine) removeExpiredEvery(ctx context.Context, delay, every time.Duration) {
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := e.Tidy(ctx); err != nil && ctx.Err() == nil {
			e.opts.Log.Warn("engine janitor", "err", err)
		}
		t.Reset(every)
	}
}

// Tidy does what the engine's janitor does JanitorDelay after the engine
// opens and every JanitorInterval: it removes the containers of tasks that
// stopped more than the container retention ago, forgets the tasks that
// stopped more than the task retention ago (with their log streams in the
// default task log group), deletes the log events past their group's
// retention, and gives the space freed back to the file system. It goes on
// after a step fails and returns every error.
func (e *Engine) Tidy(ctx context.Context) error {
	var errs []error
	if _, err := e.RemoveExpiredContainers(ctx); err != nil {
		errs = append(errs, fmt.Errorf("remove expired containers: %w", err))
	}
	if _, err := e.cp.ExpireStopped(ctx); err != nil {
		errs = append(errs, fmt.Errorf("expire stopped tasks: %w", err))
	}
	if _, err := e.logs.ExpireEvents(ctx); err != nil {
		errs = append(errs, fmt.Errorf("expire log events: %w", err))
	}
	if err := store.Reclaim(ctx, e.db); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// RemoveExpiredContainers removes the containers of tasks that stopped more
// than the container retention ago; the engine also does it JanitorDelay
// after it opens and every JanitorInterval.
func (e *Engine) RemoveExpiredContainers(ctx context.Context) (int, error) {
	return e.agent.RemoveExpired(ctx, e.opts.ContainerRetention)
}

// Handler serves the ECS, CloudWatch Logs and Step Functions APIs.
func (e *Engine) Handler() http.Handler { return e.handler }

// Close stops following tasks (their containers keep running and are
// re-adopted by the next Open), closes the store and releases the lock.
func (e *Engine) Close() error {
	if e.hostCancel != nil {
		e.hostCancel()
		e.hostAsk.Wait()
	}
	if e.stop != nil {
		e.stop()
		e.janitor.Wait()
	}
	e.EndPolls()
	if e.flows != nil {
		e.flows.Close()
	}
	if e.cp != nil {
		e.cp.StopScheduler() // it starts tasks through the agent
	}
	if e.agent != nil {
		e.agent.Close()
	}
	e.closeTaskEndpoint()
	if e.cp != nil {
		e.cp.Close() // the agent's last reports are committed before the database closes
	}
	var err error
	if e.logq != nil {
		err = errors.Join(err, e.logq.Close())
	}
	if e.logs != nil {
		err = errors.Join(err, e.logs.Close())
	}
	if e.db != nil {
		err = errors.Join(err, e.db.Close())
	}
	if e.lock != nil {
		err = errors.Join(err, e.lock.Close())
	}
	return err
}

// logSink adapts the log store to the agent.
type logSink struct{ s *logs.Store }

func (l logSink) Append(ctx context.Context, group, stream string, events []agent.LogEvent, mark string) error {
	evs := make([]logs.Event, len(events))
	for i, ev := range events {
		evs[i] = logs.Event{Timestamp: ev.Time.UnixMilli(), Message: ev.Message}
	}
	if err := l.s.AppendMarked(ctx, group, stream, evs, mark); err != nil {
		return fmt.Errorf("engine: store log events: %w", err)
	}
	return nil
}

func (l logSink) Mark(ctx context.Context, group, stream string) (string, error) {
	mark, err := l.s.WriterMark(ctx, group, stream)
	if errors.Is(err, logs.ErrNotFound) {
		return "", nil
	}
	return mark, err
}

func (l logSink) LastEventTime(ctx context.Context, group, stream string) (time.Time, int, error) {
	p, err := l.s.GetLogEvents(ctx, logs.EventQuery{Group: group, Stream: stream, Limit: 1})
	if err != nil {
		if errors.Is(err, logs.ErrNotFound) {
			return time.Time{}, 0, nil
		}
		return time.Time{}, 0, err
	}
	if len(p.Events) == 0 {
		return time.Time{}, 0, nil
	}
	last := p.Events[len(p.Events)-1].Timestamp
	// Count the events stored within that millisecond.
	n := 0
	q := logs.EventQuery{Group: group, Stream: stream, StartTime: last, EndTime: last + 1, StartFromHead: true}
	for {
		p, err := l.s.GetLogEvents(ctx, q)
		if err != nil {
			return time.Time{}, 0, err
		}
		n += len(p.Events)
		if len(p.Events) == 0 || p.NextForwardToken == q.NextToken {
			break
		}
		q.NextToken = p.NextForwardToken
	}
	return time.UnixMilli(last), n, nil
}

// engineID names an engine by its state directory, for container labels.
func engineID(stateDir string) string {
	if abs, err := filepath.Abs(stateDir); err == nil {
		stateDir = abs
	}
	sum := sha256.Sum256([]byte(stateDir))
	return hex.EncodeToString(sum[:6])
}

// agentDataDir is where the agent keeps the files of tasks that containers
// mount (FireLens): the state directory, absolute so the runtime finds it.
func agentDataDir(stateDir string) string {
	if abs, err := filepath.Abs(stateDir); err == nil {
		return abs
	}
	return stateDir
}
