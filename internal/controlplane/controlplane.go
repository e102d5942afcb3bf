package controlplane

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/accountsettings"
	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/broadcast"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/execsession"
	"github.com/ecsrun/ecsrun/internal/lazyrecords"
	"github.com/ecsrun/ecsrun/internal/placement"
	"github.com/ecsrun/ecsrun/internal/store"
)

// Launcher runs tasks: the agent.
type Launcher interface {
	// Check reports what in spec cannot be run.
	Check(spec *agent.TaskSpec) error
	// Launch starts a new task.
	Launch(spec agent.TaskSpec)
	// Adopt resumes a task after a restart.
	Adopt(spec agent.TaskSpec)
	// Stop asks a running task to stop; false when it is not running here.
	Stop(taskID, code, reason string) bool
}

// Options configures a ControlPlane.
type Options struct {
	DB      *sql.DB
	Account ecs.Account
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// TaskRetention is how long stopped tasks stay describable (1 h when 0).
	TaskRetention time.Duration
	Log           *slog.Logger
	// ServiceTick is how often the service scheduler looks at every
	// service when nothing wakes it (DefaultServiceTick when 0);
	// ServiceRetry the first delay before a service starts a task again
	// after one failed (DefaultServiceRetry when 0).
	ServiceTick  time.Duration
	ServiceRetry time.Duration
	// ServiceSettle is how long a deployment's tasks must have been running
	// for the deployment to complete (DefaultServiceSettle when 0).
	ServiceSettle time.Duration
	// Host, when set, registers the machine as the first container
	// instance of the default cluster (or refreshes it).
	Host *HostInstance
	// HostLater, when set with Host, delivers the host's registration once
	// it is complete: the volume plugins' capabilities need the runtime's
	// answer, which may come after Open. Until then the host instance
	// keeps the volume plugin attributes it had beside Host's, and the
	// tasks whose placement depends on one (a task definition requiring
	// one, a placement constraint naming one) wait for it: RunTask,
	// StartTask and the services' alike. A closed channel ends the wait
	// with Host as registered.
	HostLater <-chan *HostInstance
	// HostWanted, when set with HostLater, is called when a task waits for
	// it: whoever delivers HostLater may then be asking later than at
	// once (see engine.HostAskDelay). It may be called more than once.
	HostWanted func()
	// Forget, when set, is given the log streams of the stopped tasks the
	// control plane forgets (ExpireStopped, and Open for those that expired
	// while it was down) before their records are deleted. When it fails
	// the records stay, and the next Open forgets them again.
	Forget func(ctx context.Context, streams []LogStream) error
	// Machine is what an ECS agent on this machine registers (CPU units
	// and MiB of memory): RegisterContainerInstance without
	// totalResources registers it. Zero: totalResources is required.
	Machine MachineResources
	// Exec opens ExecuteCommand's sessions (nil: the runtime cannot run
	// commands in containers, and ExecuteCommand says so).
	Exec *execsession.Manager
	// HostPaths, when set, says which host paths (volumes' host.sourcePath)
	// tasks may bind-mount: RunTask refuses the others with a
	// ClientException.
	HostPaths HostPathChecker
	// Providers, when set, knows the capacity providers (package
	// capacity); without it only FARGATE and FARGATE_SPOT exist.
	Providers ProviderCatalog
}

// MachineResources are a machine's CPU units (1024 per core) and memory
// available to tasks, in MiB.
type MachineResources struct{ CPU, Memory int64 }

// HostPathChecker decides whether a task may bind-mount a host path; the
// error says why not, naming the volume.
type HostPathChecker interface {
	Check(volume, sourcePath string) error
}

// LogStream is where a container's output went.
type LogStream struct{ Group, Stream string }

// logStreams returns the log streams of tasks' containers.
func logStreams(tasks []*taskRecord) []LogStream {
	var out []LogStream
	for _, t := range tasks {
		for _, c := range t.Containers {
			if c != nil && c.LogGroup != "" && c.LogStream != "" {
				out = append(out, LogStream{c.LogGroup, c.LogStream})
			}
		}
	}
	return out
}

// ControlPlane holds the state of the local ECS.
type ControlPlane struct {
	db        *sql.DB
	acct      ecs.Account
	now       func() time.Time
	keep      time.Duration
	forget    func(context.Context, []LogStream) error
	hostPath  HostPathChecker
	providers ProviderCatalog
	log       *slog.Logger
	launcher  Launcher
	batch     *batcher
	settings  *accountsettings.Store
	machine   MachineResources
	execs     *execsession.Manager

	// taskChanges is signalled after tasks change (see TaskChanges).
	taskChanges broadcast.Signal
	// hostReady is closed once the host instance's registration is
	// complete (Options.HostLater); hostStop ends the wait for it, and
	// hostDone is closed when that wait has ended.
	hostReady, hostStop, hostDone chan struct{}
	hostWanted                    func()

	mu sync.Mutex
	// reportMu and lending: while lending, the holder of mu waits for a
	// commit and Report changes tasks holding reportMu instead (see
	// lendToReports).
	reportMu sync.Mutex
	lending  bool
	clusters map[string]*clusterRecord
	families map[string][]*taskDefRecord // by family, index revision-1
	// tasks holds every task; those that had stopped when the control
	// plane opened stay encoded until something asks for them (loadTasks):
	// a task that has not stopped is always decoded.
	tasks   *lazyrecords.Set[taskRecord, storedTask]
	taskSeq int64
	tokens  map[string]string // RunTask clientToken -> request fingerprint and task ids

	instances map[string]*instanceRecord  // container instances by id
	instSeq   int64                       // registration order
	placers   map[string]*placement.State // by cluster: what instances have left

	// services by cluster/name; the scheduler's goroutine is woken through
	// wake and stopped by closing schedStop (see scheduler.go).
	services            map[string]*serviceRecord
	wake                chan struct{}
	schedStop           chan struct{}
	schedDone           chan struct{}
	tick                time.Duration
	retryBase, retryMax time.Duration
	settle              time.Duration
	// stopOrdered: tasks the scheduler asked to stop whose stop the agent
	// has not reported yet.
	stopOrdered map[string]bool
}

var migrations = []string{
	`CREATE TABLE clusters (
		name TEXT PRIMARY KEY,
		body TEXT NOT NULL
	);
	CREATE TABLE task_definitions (
		family   TEXT NOT NULL,
		revision INTEGER NOT NULL,
		body     TEXT NOT NULL,
		PRIMARY KEY (family, revision)
	);
	CREATE TABLE tasks (
		id      TEXT PRIMARY KEY,
		seq     INTEGER NOT NULL,
		cluster TEXT NOT NULL,
		stopped INTEGER NOT NULL DEFAULT 0,
		body    TEXT NOT NULL
	);
	CREATE INDEX tasks_seq ON tasks(seq);`,
	`CREATE TABLE container_instances (
		id      TEXT PRIMARY KEY,
		seq     INTEGER NOT NULL,
		cluster TEXT NOT NULL,
		body    TEXT NOT NULL
	);`,
	`CREATE TABLE services (
		cluster TEXT NOT NULL,
		name    TEXT NOT NULL,
		body    TEXT NOT NULL,
		PRIMARY KEY (cluster, name)
	);`,
	// What Open needs of a stopped task without decoding its body: when it
	// stopped (Unix milliseconds), and its RunTask client token.
	`ALTER TABLE tasks ADD COLUMN stopped_at INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE tasks ADD COLUMN client_token TEXT NOT NULL DEFAULT '';
	ALTER TABLE tasks ADD COLUMN token_key TEXT NOT NULL DEFAULT '';
	UPDATE tasks SET
		stopped_at = CASE WHEN stopped THEN coalesce(CAST(round(unixepoch(json_extract(body, '$.state.StoppedAt'), 'subsec') * 1000) AS INTEGER), 0) ELSE 0 END,
		client_token = coalesce(json_extract(body, '$.clientToken'), ''),
		token_key = coalesce(json_extract(body, '$.tokenKey'), '');`,
}

// Open loads the control plane's state from opts.DB, creating the default
// cluster on first use. Call Start to hand unfinished tasks to the agent.
func Open(ctx context.Context, opts Options) (*ControlPlane, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TaskRetention == 0 {
		opts.TaskRetention = time.Hour
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := store.Migrate(ctx, opts.DB, "controlplane", migrations); err != nil {
		return nil, err
	}
	cp := &ControlPlane{
		db: opts.DB, acct: opts.Account, now: opts.Now, keep: opts.TaskRetention, log: opts.Log, forget: opts.Forget, hostPath: opts.HostPaths, providers: opts.Providers, machine: opts.Machine, execs: opts.Exec,
		batch:    newBatcher(opts.DB, opts.Log),
		clusters: map[string]*clusterRecord{},
		families: map[string][]*taskDefRecord{},
		tokens:   map[string]string{},

		instances: map[string]*instanceRecord{},
		placers:   map[string]*placement.State{},

		services:  map[string]*serviceRecord{},
		wake:      make(chan struct{}, 1),
		tick:      opts.ServiceTick,
		retryBase: opts.ServiceRetry,
		retryMax:  DefaultServiceRetryMax,
		settle:    opts.ServiceSettle,

		stopOrdered: map[string]bool{},

		hostReady:  make(chan struct{}),
		hostWanted: opts.HostWanted,
		hostStop:   make(chan struct{}),
		hostDone:   make(chan struct{}),
	}
	cp.tasks = lazyrecords.New[taskRecord, storedTask](decodeTask, func(id string, err error) {
		cp.log.Error("a stored task cannot be read; it is left out", "task", id, "err", err)
	})
	if cp.settle <= 0 {
		cp.settle = DefaultServiceSettle
	}
	if cp.tick <= 0 {
		cp.tick = DefaultServiceTick
	}
	if cp.retryBase <= 0 {
		cp.retryBase = DefaultServiceRetry
	}
	if err := cp.load(ctx); err != nil {
		return nil, err
	}
	settings, err := accountsettings.Open(ctx, opts.DB, opts.Account)
	if err != nil {
		return nil, err
	}
	cp.settings = settings
	if _, ok := cp.clusters[ecs.DefaultCluster]; !ok {
		// The default cluster stands in for the user's own clusters, which
		// the ECS console creates with FARGATE and FARGATE_SPOT associated:
		// a request naming either (a common capacityProviderStrategy) runs
		// as it does there. No default strategy: RunTask without a launch
		// type or strategy uses EC2, as on ECS.
		if _, err := cp.CreateCluster(ctx, &ecsmodel.CreateClusterRequest{ClusterName: ecs.DefaultCluster,
			CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"}}); err != nil {
			return nil, err
		}
	}
	if opts.Host != nil {
		cp.mu.Lock()
		err := cp.registerHost(ctx, opts.Host, opts.HostLater != nil)
		cp.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	if opts.Host != nil && opts.HostLater != nil {
		go cp.registerHostLater(opts.HostLater)
	} else {
		close(cp.hostReady)
		close(cp.hostDone)
	}
	return cp, nil
}

// Close returns once every task report it has received is committed (or
// has failed to be); close the database after it.
func (cp *ControlPlane) Close() {
	select {
	case <-cp.hostStop:
	default:
		close(cp.hostStop)
	}
	<-cp.hostDone
	cp.stopScheduler()
	if err := cp.batch.flush(); err != nil {
		cp.log.Error("cannot store task reports", "err", err)
	}
}

// Start hands every task that had not stopped to the launcher for adoption;
// from then on new tasks are launched there too, and the service scheduler
// runs (until Close).
func (cp *ControlPlane) Start(l Launcher) {
	cp.mu.Lock()
	cp.launcher = l
	var adopt []agent.TaskSpec
	for _, t := range cp.tasks.Decoded() {
		if t.State.Status.Terminal() || t.AwaitingCapacity {
			continue
		}
		spec, err := cp.specFor(t)
		if err != nil {
			cp.log.Error("cannot adopt task", "task", t.ID, "err", err)
			continue
		}
		st := t.State
		spec.State = &st
		spec.Containers = make(map[string]agent.ContainerInfo, len(t.Containers))
		for name, ci := range t.Containers {
			if ci != nil {
				spec.Containers[name] = *ci
			}
		}
		spec.Resources = t.Resources
		if t.PullStartedAt != nil {
			spec.PullStartedAt = t.PullStartedAt.Time
		}
		if t.PullStoppedAt != nil {
			spec.PullStoppedAt = t.PullStoppedAt.Time
		}
		adopt = append(adopt, spec)
	}
	cp.mu.Unlock()
	for _, s := range adopt {
		l.Adopt(s)
	}
	cp.startScheduler()
}

// TasksWithContainers returns the ids of the unfinished tasks that have
// containers already (Start re-adopts them; their containers were given
// the task endpoints' address of the previous run).
func (cp *ControlPlane) TasksWithContainers() []string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	var ids []string
	for id, t := range cp.tasks.Decoded() {
		if t.State.Status.Terminal() {
			continue
		}
		for _, c := range t.Containers {
			if c != nil && c.RuntimeID != "" {
				ids = append(ids, id)
				break
			}
		}
	}
	slices.Sort(ids)
	return ids
}

func (cp *ControlPlane) load(ctx context.Context) error {
	err := loadRows(ctx, cp.db, `SELECT body FROM clusters`, "clusters", func(c *clusterRecord) error {
		cp.clusters[c.Name] = c
		return nil
	})
	if err != nil {
		return err
	}
	err = loadRows(ctx, cp.db, `SELECT body FROM task_definitions ORDER BY family, revision`, "task definitions", func(td *taskDefRecord) error {
		cp.families[td.Def.Family] = append(cp.families[td.Def.Family], td)
		return nil
	})
	if err != nil {
		return err
	}
	if err := cp.loadInstances(ctx); err != nil {
		return err
	}
	if err := cp.loadServices(ctx); err != nil {
		return err
	}
	expired, err := cp.loadTasks(ctx)
	if err != nil {
		return err
	}
	if err := cp.forgetLogs(ctx, logStreams(expired)); err != nil {
		cp.log.Warn("cannot delete the log streams of expired tasks; their records stay until the next start", "tasks", len(expired), "err", err)
		expired = nil
	}
	for _, t := range expired {
		if _, err := cp.db.ExecContext(ctx, `DELETE FROM tasks WHERE id = ?`, t.ID); err != nil {
			return fmt.Errorf("controlplane: expire task: %w", err)
		}
	}
	cp.restoreAllocations(func(*taskRecord) bool { return true })
	return nil
}

// storedTask is what the control plane keeps beside a stopped task it has
// not decoded (see loadTasks).
type storedTask struct {
	// stoppedAt is when the task stopped, in Unix milliseconds.
	stoppedAt int64
	// token is the RunTask client token that started it.
	token string
}

// loadTasks loads the stored tasks and returns those that stopped more
// than the task retention ago. A task that has not stopped is decoded; one
// that has stays encoded until something asks for it: a run-task of a
// state directory that has run hundreds of tasks in the last hour would
// otherwise decode them all at each start (tens of milliseconds).
func (cp *ControlPlane) loadTasks(ctx context.Context) ([]*taskRecord, error) {
	rows, err := cp.db.QueryContext(ctx, `SELECT id, seq, stopped, stopped_at, client_token, token_key, body FROM tasks`)
	if err != nil {
		return nil, fmt.Errorf("controlplane: load tasks: %w", err)
	}
	defer rows.Close()
	cutoff := cp.now().Add(-cp.keep).UnixMilli()
	var expired []*taskRecord
	for rows.Next() {
		var (
			id, token, tokenKey string
			seq, stoppedAt      int64
			stopped             bool
			body                []byte
		)
		if err := rows.Scan(&id, &seq, &stopped, &stoppedAt, &token, &tokenKey, &body); err != nil {
			return nil, fmt.Errorf("controlplane: load tasks: %w", err)
		}
		cp.taskSeq = max(cp.taskSeq, seq)
		if stopped && stoppedAt >= cutoff {
			cp.tasks.PutEncoded(id, body, storedTask{stoppedAt: stoppedAt, token: token})
		} else {
			t, err := decodeTask(body)
			if err != nil {
				return nil, fmt.Errorf("controlplane: load tasks: %w", err)
			}
			if stopped {
				expired = append(expired, t)
				continue
			}
			cp.tasks.Put(id, t)
		}
		if token != "" {
			cp.tokens[token] = tokenKey
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("controlplane: load tasks: %w", err)
	}
	return expired, nil
}

// decodeTask decodes a stored task.
func decodeTask(body []byte) (*taskRecord, error) {
	t := new(taskRecord)
	if err := json.Unmarshal(body, t); err != nil {
		return nil, err
	}
	return t, nil
}

// loadRows decodes the JSON body of every row query selects into a new T
// and hands it to each, in order, stopping at the first error; what names
// the rows in errors.
func loadRows[T any](ctx context.Context, db *sql.DB, query, what string, each func(*T) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("controlplane: load %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return fmt.Errorf("controlplane: load %s: %w", what, err)
		}
		v := new(T)
		if err := json.Unmarshal(body, v); err != nil {
			return fmt.Errorf("controlplane: load %s: %w", what, err)
		}
		if err := each(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("controlplane: load %s: %w", what, err)
	}
	return nil
}

// exec runs one write statement; it completes even when ctx is cancelled,
// because the caller has already decided to commit.
func (cp *ControlPlane) exec(ctx context.Context, query string, args ...any) error {
	if _, err := cp.db.ExecContext(context.WithoutCancel(ctx), query, args...); err != nil {
		return fmt.Errorf("controlplane: store: %w", err)
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("controlplane: marshal %T: %v", v, err))
	}
	return b
}
