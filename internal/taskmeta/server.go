package taskmeta

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/taskroles"
)

// EnvEndpointSFN is the variable a container gets with the URL of the Step
// Functions callback operations when the engine mounts them (ecsrun's, not
// the ECS agent's): the AWS SDKs and CLI send their Step Functions calls
// there. A container whose own environment sets it keeps its value.
const EnvEndpointSFN = "AWS_ENDPOINT_URL_SFN"

// Environment variables the ECS agent gives containers.
const (
	EnvMetadataURI          = "ECS_CONTAINER_METADATA_URI"
	EnvMetadataURIV4        = "ECS_CONTAINER_METADATA_URI_V4"
	EnvCredentialsRelative  = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
	EnvCredentialsFull      = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvAuthorizationToken   = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	credentialsPathPrefix   = "/v2/credentials/"
	credentialsRequestLabel = "CredentialsV2Request"
)

// TaskSource describes a task as DescribeTasks does (with its tags), and
// its task definition.
type TaskSource interface {
	DescribeTask(ctx context.Context, cluster, taskARN string) (*ecsmodel.Task, *ecsmodel.TaskDefinition, error)
}

// CredentialSource gives the credentials of a task role.
type CredentialSource interface {
	Credentials(ctx context.Context, roleArn string) (taskroles.Credentials, error)
}

// Options configures a Server.
type Options struct {
	// Endpoint is where the server listens (see Listen).
	Endpoint Endpoint
	// Key is the secret ids and tokens derive from (State.Key).
	Key []byte
	// Tasks describes registered tasks.
	Tasks TaskSource
	// Runtime runs the containers. When it is a runtime.Describer (Docker),
	// metadata includes networks and stats, and callers of the credentials
	// endpoint must come from the task's own addresses.
	Runtime runtime.Runtime
	// Credentials gives task role credentials (no task gets any when nil).
	Credentials CredentialSource
	// Protection answers the agent's task protection endpoint (see
	// EnvAgentURI); without it the endpoint answers 404.
	Protection ProtectionSource
	Log        *slog.Logger
}

// Task is what Register needs to know about a task.
type Task struct {
	ID      string
	ARN     string
	Cluster string
	// RoleArn is the task role ("" for none).
	RoleArn string
	// Containers names the task's containers.
	Containers []string
	// HostNetwork is true when the containers share the host's network
	// namespace (network mode host, or the process runtime).
	HostNetwork bool
}

// entry is a registered task.
type entry struct {
	task    Task
	credsID string
	// token is required with the credentials; "" when the task reaches them
	// through the relative URI.
	token string
}

type containerRef struct {
	e    *entry
	name string
}

// Server serves the task metadata and credentials endpoints of the tasks
// registered with it. It is safe for concurrent use.
type Server struct {
	opts Options
	ids  ids
	desc runtime.Describer
	mux  *http.ServeMux

	mu         sync.Mutex
	tasks      map[string]*entry
	byCreds    map[string]*entry
	containers map[string]containerRef
	mountEnv   map[string]string // variable -> path of a mounted service
	protection ProtectionSource
}

// New returns a server; serve its Handler on the endpoint's listener.
func New(opts Options) *Server {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts: opts, ids: ids{key: opts.Key},
		tasks: map[string]*entry{}, byCreds: map[string]*entry{}, containers: map[string]containerRef{},
	}
	s.desc, _ = opts.Runtime.(runtime.Describer)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/credentials/{id}", s.serveCredentials)
	mux.HandleFunc("GET /v2/credentials/{$}", s.serveNoCredentialsID)
	mux.HandleFunc("GET /v2/credentials", s.serveNoCredentialsID)
	for _, v := range []int{3, 4} {
		p := "/v" + strconv.Itoa(v) + "/{id}"
		mux.HandleFunc("GET "+p, s.metadata(v, containerDoc))
		mux.HandleFunc("GET "+p+"/task", s.metadata(v, taskDoc))
		mux.HandleFunc("GET "+p+"/stats", s.metadata(v, containerStatsDoc))
		mux.HandleFunc("GET "+p+"/task/stats", s.metadata(v, taskStatsDoc))
	}
	mux.HandleFunc("GET /v4/{id}/taskWithTags", s.metadata(4, taskWithTagsDoc))
	mux.HandleFunc("GET /api/{id}"+protectionPath, s.serveProtection)
	mux.HandleFunc("PUT /api/{id}"+protectionPath, s.serveProtection)
	s.protection = opts.Protection
	s.mux = mux
	return s
}

// Handler serves the endpoints.
func (s *Server) Handler() http.Handler { return s.mux }

// Mount serves h at path and below it (path "/stepfunctions" serves
// "/stepfunctions" and "/stepfunctions/..."), beside the metadata and
// credentials endpoints; h sees the request's full path. When envVar is
// not "", every container that reaches the endpoints gets envVar set to
// the URL of path (for example AWS_ENDPOINT_URL_SFN, which the AWS SDKs
// and CLI read), in the tasks registered from then on. Mount may be called
// while the server serves.
func (s *Server) Mount(path string, h http.Handler, envVar string) {
	s.mux.Handle(path, h)
	s.mux.Handle(path+"/", h)
	if envVar != "" {
		s.mu.Lock()
		if s.mountEnv == nil {
			s.mountEnv = map[string]string{}
		}
		s.mountEnv[envVar] = path
		s.mu.Unlock()
	}
}

// Endpoint is where the server listens.
func (s *Server) Endpoint() Endpoint { return s.opts.Endpoint }

// Reachable reports whether containers reach the endpoints: always in
// link-local mode, only from the host's network namespace in loopback mode.
func (s *Server) Reachable(hostNetwork bool) bool {
	return s.opts.Endpoint.Mode == ModeLinkLocal || hostNetwork
}

// Register makes a task's endpoints answer and returns, by container name,
// the variables each container gets (none when it cannot reach them; see
// Reachable). Registering a task again (after a restart) gives the same ids.
func (s *Server) Register(t Task) map[string]map[string]string {
	e := &entry{task: t, credsID: s.ids.credentials(t.ID)}
	relative := s.opts.Endpoint.Relative
	if t.RoleArn != "" && !relative {
		e.token = s.ids.token(t.ID)
	}
	envs := map[string]map[string]string{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.tasks[t.ID]; old != nil {
		s.dropLocked(old)
	}
	s.tasks[t.ID] = e
	s.byCreds[e.credsID] = e
	reachable := s.Reachable(t.HostNetwork)
	base := s.opts.Endpoint.URL
	for _, name := range t.Containers {
		id := s.ids.container(t.ID, name)
		s.containers[id] = containerRef{e: e, name: name}
		env := map[string]string{}
		envs[name] = env
		if !reachable {
			continue
		}
		env[EnvMetadataURI] = base + "/v3/" + id
		env[EnvMetadataURIV4] = base + "/v4/" + id
		env[EnvAgentURI] = base + "/api/" + id
		for k, path := range s.mountEnv {
			env[k] = base + path
		}
		if t.RoleArn == "" {
			continue
		}
		if relative {
			env[EnvCredentialsRelative] = credentialsPathPrefix + e.credsID
		} else {
			env[EnvCredentialsFull] = base + credentialsPathPrefix + e.credsID
			env[EnvAuthorizationToken] = e.token
		}
	}
	return envs
}

// Unregister stops answering for a task: its credentials are revoked.
func (s *Server) Unregister(taskID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.tasks[taskID]; e != nil {
		s.dropLocked(e)
	}
}

func (s *Server) dropLocked(e *entry) {
	delete(s.tasks, e.task.ID)
	delete(s.byCreds, e.credsID)
	for _, name := range e.task.Containers {
		delete(s.containers, s.ids.container(e.task.ID, name))
	}
}

// credentialsResponse is the ECS agent's answer.
type credentialsResponse struct {
	RoleArn         string `json:"RoleArn"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

// errorResponse is the ECS agent's error document.
type errorResponse struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	HTTPErrorCode int    `json:"HTTPErrorCode"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`"cannot encode the response"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func writeCredentialsError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorResponse{Code: code, Message: credentialsRequestLabel + ": " + msg, HTTPErrorCode: status})
}

func (s *Server) serveNoCredentialsID(w http.ResponseWriter, r *http.Request) {
	writeCredentialsError(w, http.StatusBadRequest, "NoIdInRequest", "No ID in the request")
}

// serveCredentials answers a task's credentials to the task itself. Every
// refusal looks the same (InvalidIdInRequest), so a caller learns nothing
// about other tasks.
func (s *Server) serveCredentials(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	e := s.byCreds[id]
	s.mu.Unlock()
	notFound := func(why string) {
		if e != nil {
			s.opts.Log.Warn("task credentials refused", "task", e.task.ID, "remote", r.RemoteAddr, "why", why)
		}
		writeCredentialsError(w, http.StatusBadRequest, "InvalidIdInRequest", "Credentials not found")
	}
	if e == nil || e.task.RoleArn == "" || s.opts.Credentials == nil {
		notFound("no task role")
		return
	}
	if e.token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(e.token)) != 1 {
		notFound("missing or wrong authorization token")
		return
	}
	if !s.callerAllowed(r.Context(), e, r.RemoteAddr) {
		notFound("the caller's address is not one of the task's")
		return
	}
	c, err := s.opts.Credentials.Credentials(r.Context(), e.task.RoleArn)
	if errors.Is(err, taskroles.ErrNoMapping) {
		// The task runs, as it would on ECS; its role has no local
		// credentials. Say so to the SDK in the task, which shows the
		// message, and say what to do.
		writeCredentialsError(w, http.StatusBadRequest, "NoCredentialsAssociated",
			err.Error()+". Map the role to a profile or keys in that file (see the README's \"Task roles\"), then run the task again.")
		return
	}
	if err != nil {
		s.opts.Log.Error("task credentials", "task", e.task.ID, "role", e.task.RoleArn, "err", err)
		writeCredentialsError(w, http.StatusInternalServerError, "InternalServerError", "unable to get the credentials of the task role: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, credentialsResponse{
		RoleArn: e.task.RoleArn, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		Token: c.SessionToken, Expiration: c.Expires.UTC().Format(time.RFC3339),
	})
}

// callerAllowed reports whether a request comes from the task: from one of
// its containers' addresses, or from the host when a container of the task
// uses the host's network. Without a Describer (the process runtime: every
// task is a host process) the id and token are the only check.
func (s *Server) callerAllowed(ctx context.Context, e *entry, remote string) bool {
	if s.desc == nil {
		return true
	}
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	task, _, err := s.opts.Tasks.DescribeTask(ctx, e.task.Cluster, e.task.ARN)
	if err != nil {
		return false
	}
	hostNetwork := false
	for _, c := range task.Containers {
		if c.RuntimeId == "" {
			continue
		}
		d, err := s.desc.Details(ctx, c.RuntimeId)
		if err != nil {
			continue
		}
		if d.NetworkMode == "host" {
			hostNetwork = true
		}
		for _, n := range d.Networks {
			if a, err := netip.ParseAddr(n.IPv4); err == nil && a == addr {
				return true
			}
		}
	}
	return hostNetwork && isHostAddress(addr)
}

// isHostAddress reports whether addr is an address of this host.
func isHostAddress(addr netip.Addr) bool {
	if addr.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == addr {
				return true
			}
		}
	}
	return false
}
