package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/secrets"
	"github.com/ecsrun/ecsrun/internal/taskenv"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
	"github.com/ecsrun/ecsrun/internal/taskroles"
)

// Default file names in the state directory.
const (
	// TaskRolesFileName maps task roles to credentials.
	TaskRolesFileName = "task-roles.yaml"
	// S3DirName holds the local copies of S3 environment files
	// (<S3DirName>/<bucket>/<key>).
	S3DirName = "s3"
)

// listening is where the task metadata and credentials endpoints listen
// (listenTaskEndpoint), or why they cannot.
type listening struct {
	st  taskmeta.State
	ln  net.Listener
	ep  taskmeta.Endpoint
	err error
}

// close closes the listener, when there is one.
func (l listening) close() {
	if l.ln != nil {
		l.ln.Close()
	}
}

// listenTaskEndpoint listens for the task metadata and credentials
// endpoints (the address, the host lock, the redirect: system calls that
// need nothing else of the engine, so Open runs it beside the rest).
func listenTaskEndpoint(opts Options) listening {
	st, err := taskmeta.LoadState(opts.StateDir)
	if err != nil {
		return listening{err: err}
	}
	owner, err := filepath.Abs(opts.StateDir)
	if err != nil {
		owner = opts.StateDir
	}
	ln, ep, err := taskmeta.Listen(taskmeta.ListenOptions{Mode: opts.TaskEndpoint, Port: st.Port, Owner: owner})
	if err != nil {
		return listening{err: fmt.Errorf("engine: task metadata endpoint: %w", err)}
	}
	return listening{st: st, ln: ln, ep: ep}
}

// openTaskResources serves the task metadata and credentials endpoints
// where l listens and returns the agent's task resources.
func (e *Engine) openTaskResources(l listening) (*taskenv.Resources, error) {
	opts := e.opts
	if l.err != nil {
		return nil, l.err
	}
	st, ln, ep := l.st, l.ln, l.ep
	if st.URL != "" && !ep.Serves(st.URL) {
		if tasks := e.cp.TasksWithContainers(); len(tasks) > 0 {
			warning, err := endpointMoved(st.URL, ep, tasks)
			if err != nil {
				ln.Close()
				return nil, err
			}
			opts.Log.Warn(warning, "tasks", len(tasks), "previous", st.URL, "now", ep.URL, "why", ep.NoRedirect+ep.Fallback)
		}
	}
	if ep.Port != st.Port || ep.URL != st.URL {
		st.Port, st.URL = ep.Port, ep.URL
		if err := taskmeta.SaveState(opts.StateDir, st); err != nil {
			ln.Close()
			return nil, err
		}
	}
	opts.Log.Info("task metadata and credentials endpoints", "url", ep.URL, "mode", ep.Mode, "port", ep.Port, "relativeURI", ep.Relative)
	if ep.Redirected {
		opts.Log.Info("169.254.170.2:80 is redirected to the endpoints' port: every host port is left to the tasks", "port", ep.Port, "nftables", "table ip "+taskmeta.RedirectTable, "hostLock", taskmeta.HostLockFile)
	}
	if ep.NoRedirect != "" {
		opts.Log.Warn("169.254.170.2:80 is not redirected to the endpoints", "why", ep.NoRedirect)
	}
	if ep.Fallback != "" {
		opts.Log.Warn("task metadata and credentials endpoints on loopback: containers with their own network get task role credentials in their environment and no metadata endpoint", "why", ep.Fallback)
	}
	roles := taskroles.NewProvider(opts.TaskRolesFile)
	srv := taskmeta.New(taskmeta.Options{
		Endpoint: ep, Key: st.Key, Tasks: taskSource{e}, Runtime: opts.Runtime, Credentials: roles, Log: opts.Log,
		Protection: protectionSource{e},
	})
	e.endpoint = ep
	e.metaListener = ln
	e.metaSrv = srv
	e.meta = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := e.meta.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			opts.Log.Error("task metadata endpoint", "err", err)
		}
	}()
	return taskenv.New(taskenv.Options{
		Secrets: secrets.Open(opts.StateDir), Roles: roles, Endpoints: srv, S3Dir: opts.S3Dir,
		HostProcesses: opts.Runtime.Name() == "process", Log: opts.Log,
	}), nil
}

// ErrTaskEndpointMoved: the task endpoints' address of the previous run,
// where re-adopted containers send their requests, is held by another
// process.
var ErrTaskEndpointMoved = errors.New("the task endpoints' address is taken")

// endpointMoved decides whether an engine may start although it no longer
// serves old, the address of the previous run's endpoints that the
// containers of tasks were given. It may not (ErrTaskEndpointMoved) when
// they would send credentials ids and tokens to another process that
// listens at old now. It may, with a warning, when nothing listens there
// (their requests fail), or when old is 169.254.170.2:80 and another
// ecsrun engine owns that port (its redirect takes the requests, which
// carry no token, and answers them as unknown).
func endpointMoved(old string, ep taskmeta.Endpoint, tasks []string) (warning string, err error) {
	addr := strings.TrimPrefix(old, "http://")
	full := true
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr, full = net.JoinHostPort(addr, "80"), false
	}
	holder := ""
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		holder = taskmeta.PortHolder(ap)
	}
	shown := tasks
	if len(shown) > 5 {
		shown = shown[:5]
	}
	running := fmt.Sprintf("the containers of %d running task(s) (%s) reach the task metadata and credentials endpoints at %s", len(tasks), strings.Join(shown, ", "), addr)
	switch {
	case !full && ep.Elsewhere:
		return "another ecsrun engine owns " + addr + " now: " + running + ", and get that engine's answers (their requests carry no token) until this engine owns the port again", nil
	case holder == "":
		return running + ", where nothing listens now: their endpoints fail until the engine listens there again (same --task-endpoint, same privileges)", nil
	}
	return "", fmt.Errorf("engine: %s, where %s listens now: they would send their credentials requests and authorization tokens to it. Free %s (stop %s) and start the engine again, or remove those tasks' containers (docker ps --filter label=com.amazonaws.ecs.task-arn) first: %w",
		running, holder, addr, holder, ErrTaskEndpointMoved)
}

// TaskRolesFile is the file that maps the engine's task roles to
// credentials.
func (e *Engine) TaskRolesFile() string { return e.opts.TaskRolesFile }

// TaskEndpoint is where the task metadata and credentials endpoints listen.
func (e *Engine) TaskEndpoint() taskmeta.Endpoint { return e.endpoint }

// closeTaskEndpoint stops serving the endpoints and removes the redirect of
// 169.254.170.2:80 if this engine made one.
func (e *Engine) closeTaskEndpoint() {
	if e.meta == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.meta.Shutdown(ctx)
	// Shutdown closed the listener; closing it again reports how that went.
	if err := e.metaListener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		e.opts.Log.Error("task metadata endpoint: closing", "err", err)
	}
}

// defaultTaskEnvPaths fills in the task roles file and the S3 directory.
func defaultTaskEnvPaths(opts *Options) {
	if opts.TaskRolesFile == "" {
		opts.TaskRolesFile = filepath.Join(opts.StateDir, TaskRolesFileName)
	}
	if opts.S3Dir == "" {
		opts.S3Dir = filepath.Join(opts.StateDir, S3DirName)
	}
	if opts.TaskEndpoint == "" {
		opts.TaskEndpoint = taskmeta.ModeAuto
	}
}

// protectionSource answers the agent's task protection endpoint through
// the control plane.
type protectionSource struct{ e *Engine }

func (s protectionSource) GetTaskProtection(ctx context.Context, in *ecsmodel.GetTaskProtectionRequest) (*ecsmodel.GetTaskProtectionResponse, error) {
	return s.e.cp.GetTaskProtection(ctx, in)
}

func (s protectionSource) UpdateTaskProtection(ctx context.Context, in *ecsmodel.UpdateTaskProtectionRequest) (*ecsmodel.UpdateTaskProtectionResponse, error) {
	return s.e.cp.UpdateTaskProtection(ctx, in)
}

// taskSource describes tasks to the endpoints through the control plane.
type taskSource struct{ e *Engine }

func (s taskSource) DescribeTask(ctx context.Context, cluster, arn string) (*ecsmodel.Task, *ecsmodel.TaskDefinition, error) {
	out, err := s.e.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Cluster: cluster, Tasks: []string{arn}, Include: []ecsmodel.TaskField{ecsmodel.TaskFieldTAGS}})
	if err != nil {
		return nil, nil, err
	}
	if len(out.Tasks) != 1 {
		return nil, nil, fmt.Errorf("engine: task %s is gone", arn)
	}
	t := &out.Tasks[0]
	td, err := s.e.cp.DescribeTaskDefinition(ctx, &ecsmodel.DescribeTaskDefinitionRequest{TaskDefinition: t.TaskDefinitionArn})
	if err != nil {
		return nil, nil, err
	}
	return t, td.TaskDefinition, nil
}
