package taskenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/envfile"
	"github.com/ecsrun/ecsrun/internal/firelens"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/secrets"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
	"github.com/ecsrun/ecsrun/internal/taskroles"
)

// Options configures Resources.
type Options struct {
	// Secrets resolves secrets[].valueFrom and the other secret references.
	Secrets *secrets.Store
	// Roles maps task roles to credentials.
	Roles *taskroles.Provider
	// Endpoints serves the task metadata and credentials endpoints (nil:
	// containers get no endpoint variables; task role credentials go into
	// their environment).
	Endpoints *taskmeta.Server
	// S3Dir is the local directory environment files in S3 map to.
	S3Dir string
	// HostProcesses is true when tasks run as host processes (the process
	// runtime), which share the host's network.
	HostProcesses bool
	// Log receives warnings: a task role without local credentials, a
	// repositoryCredentials secret missing from the store (nil: none).
	Log *slog.Logger
}

// Resources implements agent.TaskResources.
type Resources struct {
	opts Options

	mu       sync.Mutex
	unmapped map[string]bool // task roles already reported without credentials
}

// warnUnmapped says once per role, in the engine's log, that a task runs
// with a role that has no local credentials.
func (r *Resources) warnUnmapped(role string, err error) {
	r.mu.Lock()
	seen := r.unmapped[role]
	if r.unmapped == nil {
		r.unmapped = map[string]bool{}
	}
	r.unmapped[role] = true
	r.mu.Unlock()
	if !seen && r.opts.Log != nil {
		r.opts.Log.Warn("task role without local credentials: its tasks run, and AWS calls from their containers fail with NoCredentialsAssociated; map the role in the task roles file (docs/runtime.md: \"Task roles\")", "role", role, "why", err)
	}
}

var _ agent.TaskResources = (*Resources)(nil)

// New returns the task resources of an engine.
func New(opts Options) *Resources {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Resources{opts: opts}
}

// taskRole returns the task role of spec: the override's, else the
// definition's.
func taskRole(spec *agent.TaskSpec) string {
	if spec.Overrides != nil && spec.Overrides.TaskRoleArn != "" {
		return spec.Overrides.TaskRoleArn
	}
	return spec.Definition.TaskRoleArn
}

func executionRole(spec *agent.TaskSpec) string {
	if spec.Overrides != nil && spec.Overrides.ExecutionRoleArn != "" {
		return spec.Overrides.ExecutionRoleArn
	}
	return spec.Definition.ExecutionRoleArn
}

// Check refuses at RunTask what ECS refuses: a task role ecsrun cannot
// assume (one the task roles file does not map), and secrets or private
// registry credentials without an execution role to fetch them.
func (r *Resources) Check(spec *agent.TaskSpec) error {
	if role := taskRole(spec); role != "" {
		// A role without local credentials does not stop the task (most
		// real definitions name one): its credentials endpoint says what
		// to do. A task roles file that cannot be read does.
		if err := r.opts.Roles.Check(role); err != nil && !errors.Is(err, taskroles.ErrNoMapping) {
			return ecs.Errorf(ecs.ErrClient, "ECS was unable to assume the role '%s' that was provided for this task. "+
				"Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role. "+
				"(ecsrun: %v; fix the task roles file, see docs/runtime.md, \"Task roles\")", role, err)
		}
	}
	if executionRole(spec) != "" {
		return nil
	}
	for _, cd := range spec.Definition.ContainerDefinitions {
		if len(cd.Secrets) > 0 || cd.LogConfiguration != nil && len(cd.LogConfiguration.SecretOptions) > 0 {
			return ecs.Errorf(ecs.ErrClient, "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.")
		}
		if cd.RepositoryCredentials != nil && cd.RepositoryCredentials.CredentialsParameter != "" {
			return ecs.Errorf(ecs.ErrClient, "Private repository authentication requires that the task definition specify a value for executionRoleArn.")
		}
	}
	return nil
}

// Prepare registers the task with the endpoints and resolves every
// container's secrets and environment files. The error names each secret
// or file that could not be had, never a value.
func (r *Resources) Prepare(ctx context.Context, spec *agent.TaskSpec) (map[string]agent.ContainerEnv, error) {
	def := spec.Definition
	hostNetwork := r.opts.HostProcesses || def.NetworkMode == ecsmodel.NetworkModeHost
	role := taskRole(spec)
	names := make([]string, len(def.ContainerDefinitions))
	for i, cd := range def.ContainerDefinitions {
		names[i] = cd.Name
	}
	var endpointEnv map[string]map[string]string
	if r.opts.Endpoints != nil {
		// First, so an adopted task's endpoints answer even if a secret has
		// gone meanwhile.
		endpointEnv = r.opts.Endpoints.Register(taskmeta.Task{
			ID: spec.ID, ARN: spec.ARN, Cluster: spec.Cluster, RoleArn: role, Containers: names, HostNetwork: hostNetwork,
		})
	}
	var roleEnv map[string]string
	if role != "" {
		c, err := r.opts.Roles.Credentials(ctx, role)
		if errors.Is(err, taskroles.ErrNoMapping) {
			r.warnUnmapped(role, err)
		} else if err != nil {
			return nil, fmt.Errorf("unable to get the credentials of the task role: %w", err)
		}
		if err == nil && (r.opts.Endpoints == nil || !r.opts.Endpoints.Reachable(hostNetwork)) {
			// The containers cannot reach the credentials endpoint: give
			// them the credentials themselves.
			roleEnv = map[string]string{"AWS_ACCESS_KEY_ID": c.AccessKeyID, "AWS_SECRET_ACCESS_KEY": c.SecretAccessKey}
			if c.SessionToken != "" {
				roleEnv["AWS_SESSION_TOKEN"] = c.SessionToken
			}
		}
	}
	var secretErrs, fileErrs []string
	out := map[string]agent.ContainerEnv{}
	routerEnv := map[string]string{}
	for i := range def.ContainerDefinitions {
		cd := &def.ContainerDefinitions[i]
		env := agent.ContainerEnv{Set: map[string]string{}}
		for k, v := range endpointEnv[cd.Name] {
			if k == taskmeta.EnvEndpointSFN && setsVariable(spec, cd, k) {
				continue // the container's own endpoint wins
			}
			env.Set[k] = v
		}
		for k, v := range roleEnv {
			env.Set[k] = v
		}
		for _, s := range cd.Secrets {
			v, err := r.resolve(s.ValueFrom)
			if err == nil && strings.ContainsRune(v, 0) {
				// The container runtime would refuse it, quoting the whole
				// variable in an error that becomes the container's reason.
				err = errors.New("the value contains a NUL byte, which no environment variable can hold")
			}
			if err != nil {
				secretErrs = append(secretErrs, fmt.Sprintf("container %s, secret %s: %v", cd.Name, s.Name, err))
				continue
			}
			env.Set[s.Name] = v
		}
		if lc := cd.LogConfiguration; lc != nil {
			// Resolved so a missing one fails as on ECS. Those of the
			// awsfirelens driver go to the log router's environment, where
			// its configuration reads them; ecsrun captures other logs
			// itself and does not use them.
			for _, s := range lc.SecretOptions {
				v, err := r.resolve(s.ValueFrom)
				if err != nil {
					secretErrs = append(secretErrs, fmt.Sprintf("container %s, log option %s: %v", cd.Name, s.Name, err))
					continue
				}
				if firelens.UsesRouter(cd) {
					routerEnv[firelens.SecretEnv(s.Name, i)] = v
				}
			}
		}
		if rc := cd.RepositoryCredentials; rc != nil && rc.CredentialsParameter != "" {
			auth, err := r.registryAuth(rc.CredentialsParameter)
			switch {
			case errors.Is(err, secrets.ErrNotFound):
				// Unlike ECS, which fails the task: the Docker daemon's own
				// credentials (docker login) are there to pull with.
				r.opts.Log.Warn("repositoryCredentials: the secret is not in the local secret store; "+
					"pulling the image with the Docker daemon's own credentials (docker login). "+
					"Add the secret with `ecsrun secrets put` to pull with it",
					"task", spec.ID, "container", cd.Name, "image", cd.Image, "credentialsParameter", rc.CredentialsParameter)
			case err != nil:
				secretErrs = append(secretErrs, fmt.Sprintf("container %s, repositoryCredentials: %v", cd.Name, err))
			default:
				env.RegistryAuth = auth
			}
		}
		files, err := r.envFiles(spec, cd)
		if err != nil {
			fileErrs = append(fileErrs, fmt.Sprintf("container %s: %v", cd.Name, err))
		}
		env.Files = files
		out[cd.Name] = env
	}
	if router := firelens.Router(def); router != nil {
		for k, v := range routerEnv {
			out[router.Name].Set[k] = v
		}
	}
	switch {
	case len(secretErrs) > 0:
		return nil, fmt.Errorf("unable to pull secrets or registry auth: execution resource retrieval failed: %s", strings.Join(secretErrs, "; "))
	case len(fileErrs) > 0:
		return nil, fmt.Errorf("failed to download env files: %s", strings.Join(fileErrs, "; "))
	}
	return out, nil
}

// setsVariable reports whether the container's environment (its
// definition's or its override's) sets name.
func setsVariable(spec *agent.TaskSpec, cd *ecsmodel.ContainerDefinition, name string) bool {
	for _, kv := range cd.Environment {
		if kv.Name == name {
			return true
		}
	}
	if spec.Overrides != nil {
		for _, o := range spec.Overrides.ContainerOverrides {
			if o.Name != cd.Name {
				continue
			}
			for _, kv := range o.Environment {
				if kv.Name == name {
					return true
				}
			}
		}
	}
	return false
}

// resolve returns the value a secret reference selects.
func (r *Resources) resolve(valueFrom string) (string, error) {
	ref, err := secrets.ParseRef(valueFrom)
	if err != nil {
		return "", err
	}
	v, err := r.opts.Secrets.Resolve(ref)
	if err != nil {
		from := "ssm"
		if ref.Service == secrets.SecretsManager {
			from = "asm"
		}
		return "", fmt.Errorf("unable to retrieve secret from %s: %w", from, err)
	}
	return v, nil
}

// registryAuth returns the registry credentials a repositoryCredentials
// secret holds: {"username": ..., "password": ...}, as ECS requires. The
// error wraps secrets.ErrNotFound when the store has no such secret.
func (r *Resources) registryAuth(valueFrom string) (*runtime.RegistryAuth, error) {
	v, err := r.resolve(valueFrom)
	if err != nil {
		return nil, err
	}
	var auth struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if json.Unmarshal([]byte(v), &auth) != nil || auth.Username == "" || auth.Password == "" {
		return nil, errors.New("the secret is not a JSON object with a username and a password")
	}
	return &runtime.RegistryAuth{Username: auth.Username, Password: auth.Password}, nil
}

// envFiles reads a container's environment files: the override's when it
// names any (they replace the definition's), else the definition's.
func (r *Resources) envFiles(spec *agent.TaskSpec, cd *ecsmodel.ContainerDefinition) (map[string]string, error) {
	files := cd.EnvironmentFiles
	if spec.Overrides != nil {
		for _, o := range spec.Overrides.ContainerOverrides {
			if o.Name == cd.Name && len(o.EnvironmentFiles) > 0 {
				files = o.EnvironmentFiles
			}
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	var all []map[string]string
	for _, f := range files {
		vars, err := envfile.Read(f.Value, r.opts.S3Dir)
		if err != nil {
			return nil, err
		}
		all = append(all, vars)
	}
	return envfile.Merge(all...), nil
}

// Release revokes the task's credentials and metadata endpoints.
func (r *Resources) Release(taskID string) {
	if r.opts.Endpoints != nil {
		r.opts.Endpoints.Unregister(taskID)
	}
}
