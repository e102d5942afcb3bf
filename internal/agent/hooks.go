package agent

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

// TaskResources gives a task what ECS provides from outside its container
// definitions: the task role's credentials and the task metadata endpoint,
// secrets, environment files. The agent calls, per task:
//
//	RunTask ──► Check ── error: RunTask fails with it
//	   │
//	launch ──► Prepare ── error: the task stops with stopCode TaskFailedToStart and
//	   │                  stoppedReason "ResourceInitializationError: <error>",
//	   │                  before any image is pulled
//	   ▼
//	containers created with ContainerEnv, run, stop
//	   │
//	   ▼
//	Release (once every container has stopped)
//
// A task adopted after a restart is prepared again (ids and tokens must come
// out the same); an error then stops it only if a container was still to be
// created.
type TaskResources interface {
	// Check reports what can never work for spec (an ECS error kind).
	Check(spec *TaskSpec) error
	// Prepare returns the environment to add to each container, by name.
	Prepare(ctx context.Context, spec *TaskSpec) (map[string]ContainerEnv, error)
	// Release revokes what Prepare gave the task.
	Release(taskID string)
}

// ContainerEnv is the environment TaskResources adds to one container.
type ContainerEnv struct {
	// Files holds the variables of the container's environment files; the
	// definition's environment and the overrides win over them.
	Files map[string]string
	// Set holds variables that win over the definition's environment and the
	// overrides: secrets, and the endpoint variables the ECS agent sets.
	Set map[string]string
	// RegistryAuth, when set, is what the container's image is pulled with
	// (its repositoryCredentials) instead of the runtime's own credentials.
	RegistryAuth *runtime.RegistryAuth
}

// ResourceInitializationError is the prefix of the stopped reason of a task
// whose resources could not be prepared.
const ResourceInitializationError = "ResourceInitializationError"

// prepare asks the task resources for the containers' environment.
func (r *runner) prepare(ctx, rep context.Context, adopting bool) {
	res := r.a.opts.Resources
	if res == nil {
		return
	}
	env, err := res.Prepare(ctx, &r.spec)
	if err == nil {
		r.spec.Env = env
		return
	}
	if ctx.Err() != nil {
		return
	}
	if adopting && !r.anyPending() {
		r.a.opts.Log.Warn("task resources after restart", "task", r.spec.ID, "err", err)
		return
	}
	r.state = r.state.FailedToStart(ResourceInitializationError+": "+err.Error(), r.now())
	if adopting {
		r.report(rep)
	}
}

func (r *runner) anyPending() bool {
	for _, c := range r.state.Containers {
		if c.Status == taskstate.ContainerPending {
			return true
		}
	}
	return false
}

// release tells the task resources that the task has stopped.
func (r *runner) release() {
	if res := r.a.opts.Resources; res != nil {
		res.Release(r.spec.ID)
	}
}

// check is the runtime-independent part of Agent.Check: the members
// TaskResources provide are left to it.
func (a *Agent) check(spec *TaskSpec) error {
	res := a.opts.Resources
	if res == nil {
		return Check(spec)
	}
	plain := spec
	if usesResources(spec) {
		plain = withoutResources(spec)
	}
	if err := Check(plain); err != nil {
		return err
	}
	return res.Check(spec)
}

// usesResources reports whether spec has a member withoutResources removes
// (most tasks have none, and then need no copy).
func usesResources(spec *TaskSpec) bool {
	if spec.Definition.TaskRoleArn != "" {
		return true
	}
	for i := range spec.Definition.ContainerDefinitions {
		if cd := &spec.Definition.ContainerDefinitions[i]; len(cd.Secrets) > 0 || len(cd.EnvironmentFiles) > 0 {
			return true
		}
	}
	if o := spec.Overrides; o != nil {
		if o.TaskRoleArn != "" {
			return true
		}
		for i := range o.ContainerOverrides {
			if len(o.ContainerOverrides[i].EnvironmentFiles) > 0 {
				return true
			}
		}
	}
	return false
}

// withoutResources returns a copy of spec without the members TaskResources
// provide (task role, secrets, environment files).
func withoutResources(spec *TaskSpec) *TaskSpec {
	s := *spec
	def := *spec.Definition
	def.TaskRoleArn = ""
	def.ContainerDefinitions = make([]ecsmodel.ContainerDefinition, len(spec.Definition.ContainerDefinitions))
	for i, cd := range spec.Definition.ContainerDefinitions {
		cd.Secrets, cd.EnvironmentFiles = nil, nil
		def.ContainerDefinitions[i] = cd
	}
	s.Definition = &def
	if spec.Overrides != nil {
		o := *spec.Overrides
		o.TaskRoleArn = ""
		o.ContainerOverrides = make([]ecsmodel.ContainerOverride, len(spec.Overrides.ContainerOverrides))
		for i, co := range spec.Overrides.ContainerOverrides {
			co.EnvironmentFiles = nil
			o.ContainerOverrides[i] = co
		}
		s.Overrides = &o
	}
	return &s
}
