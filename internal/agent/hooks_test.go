package agent

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskstate"
)

func TestEnvironment_Precedence(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{
		Name: "app",
		Environment: []ecsmodel.KeyValuePair{
			{Name: "DEF", Value: "definition"}, {Name: "FILE_AND_DEF", Value: "definition"},
			{Name: "OVERRIDDEN", Value: "definition"}, {Name: "SECRET", Value: "definition"},
		},
	}}}
	spec := &TaskSpec{
		ID: "t", Definition: def,
		Overrides: &ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{{
			Name: "app", Environment: []ecsmodel.KeyValuePair{{Name: "OVERRIDDEN", Value: "override"}},
		}}},
		Env: map[string]ContainerEnv{"app": {
			Files: map[string]string{"FILE": "file", "FILE_AND_DEF": "file", "AWS_REGION": "file-region"},
			Set:   map[string]string{"SECRET": "secret", "ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/x"},
		}},
	}
	got := containerSpec(spec, &Resources{}, &def.ContainerDefinitions[0], "us-east-1").Env
	for _, want := range []string{
		"FILE=file", "DEF=definition", "FILE_AND_DEF=definition", "OVERRIDDEN=override", "SECRET=secret",
		"ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/x", "AWS_REGION=file-region",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("environment %q lacks %q", got, want)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("environment %q is not sorted", got)
	}
}

// resources is a TaskResources that records its calls.
type resources struct {
	checkErr, prepareErr error
	env                  map[string]ContainerEnv

	mu       sync.Mutex
	prepared []string
	released []string
}

func (r *resources) Check(*TaskSpec) error { return r.checkErr }

func (r *resources) Prepare(_ context.Context, spec *TaskSpec) (map[string]ContainerEnv, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.prepared = append(r.prepared, spec.ID)
	return r.env, r.prepareErr
}

func (r *resources) Release(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.released = append(r.released, id)
}

func (r *resources) calls() (prepared, released []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.prepared), slices.Clone(r.released)
}

func TestAgent_CheckLeavesResourcesToThem(t *testing.T) {
	def := &ecsmodel.TaskDefinition{Family: "f", TaskRoleArn: "arn:role", ContainerDefinitions: []ecsmodel.ContainerDefinition{{
		Name: "a", Secrets: []ecsmodel.Secret{{Name: "S", ValueFrom: "s"}},
		EnvironmentFiles: []ecsmodel.EnvironmentFile{{Value: "/x.env", Type: "s3"}},
	}}}
	spec := &TaskSpec{Definition: def, Overrides: &ecsmodel.TaskOverride{TaskRoleArn: "arn:other", ContainerOverrides: []ecsmodel.ContainerOverride{{
		Name: "a", EnvironmentFiles: []ecsmodel.EnvironmentFile{{Value: "/y.env", Type: "s3"}},
	}}}}
	if err := New(Options{Runtime: fake.New()}).Check(spec); !errors.Is(err, ecs.ErrUnsupportedFeature) {
		t.Errorf("Check without resources: %v; want UnsupportedFeature", err)
	}
	res := &resources{}
	a := New(Options{Resources: res, Runtime: fake.New()})
	if err := a.Check(spec); err != nil {
		t.Errorf("Check with resources: %v", err)
	}
	if def.TaskRoleArn != "arn:role" || len(def.ContainerDefinitions[0].Secrets) != 1 || len(spec.Overrides.ContainerOverrides[0].EnvironmentFiles) != 1 {
		t.Error("Check changed the task definition or the overrides")
	}
	res.checkErr = ecs.Errorf(ecs.ErrClient, "no role")
	if err := a.Check(spec); !errors.Is(err, ecs.ErrClient) {
		t.Errorf("Check: %v; want the resources' error", err)
	}
	def.ContainerDefinitions[0].ResourceRequirements = []ecsmodel.ResourceRequirement{{Type: ecsmodel.ResourceTypeInferenceAccelerator, Value: "eia"}}
	res.checkErr = nil
	if err := a.Check(spec); err == nil || !strings.Contains(err.Error(), "InferenceAccelerator") {
		t.Errorf("Check with another unsupported member: %v; want it named", err)
	}
}

// reports collects an agent's reports.
type reports struct {
	mu   sync.Mutex
	last map[string]Report
	ch   chan struct{}
}

func (r *reports) Report(_ context.Context, steps ...Report) {
	r.mu.Lock()
	for _, rep := range steps {
		r.last[rep.TaskID] = rep
	}
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

func (r *reports) Sync(context.Context, string) {}

func (r *reports) waitStopped(t *testing.T, id string) Report {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		rep, ok := r.last[id]
		r.mu.Unlock()
		if ok && rep.State.Status == taskstate.Stopped {
			return rep
		}
		select {
		case <-r.ch:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("task %s did not stop; last report %+v", id, rep)
		}
	}
}

type discardLogs struct{}

func (discardLogs) Append(context.Context, string, string, []LogEvent, string) error { return nil }
func (discardLogs) Mark(context.Context, string, string) (string, error)             { return "", nil }
func (discardLogs) LastEventTime(context.Context, string, string) (time.Time, int, error) {
	return time.Time{}, 0, nil
}

func TestAgent_ResourcesFailureStopsTaskBeforePull(t *testing.T) {
	rt := fake.New()
	created := false
	rt.On(func(runtime.ContainerSpec) bool { created = true; return false }, fake.Exits(0))
	res := &resources{prepareErr: errors.New("secret S: not found")}
	rep := &reports{last: map[string]Report{}, ch: make(chan struct{}, 1)}
	a := New(Options{Runtime: rt, Logs: discardLogs{}, Reporter: rep, Resources: res})
	defer a.Close()
	def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Image: "x"}}}
	a.Launch(TaskSpec{ID: "t1", Definition: def})
	got := rep.waitStopped(t, "t1")
	if got.State.StopCode != taskstate.StopTaskFailedToStart || got.State.StoppedReason != "ResourceInitializationError: secret S: not found" {
		t.Errorf("stop code %q reason %q; want TaskFailedToStart and the resources' error", got.State.StopCode, got.State.StoppedReason)
	}
	if !got.PullStartedAt.IsZero() || created {
		t.Error("the image was pulled or a container created for a task whose resources failed")
	}
	if prepared, released := res.calls(); !slices.Equal(prepared, []string{"t1"}) || !slices.Equal(released, []string{"t1"}) {
		t.Errorf("Prepare for %v, Release for %v; want t1 once each", prepared, released)
	}
}

func TestAgent_ResourcesEnvironmentReachesContainers(t *testing.T) {
	rt := fake.New()
	var mu sync.Mutex
	var envs [][]string
	rt.On(func(s runtime.ContainerSpec) bool {
		mu.Lock()
		envs = append(envs, s.Env)
		mu.Unlock()
		return true
	}, fake.Exits(0))
	res := &resources{env: map[string]ContainerEnv{"app": {Set: map[string]string{"SECRET": "v"}}}}
	rep := &reports{last: map[string]Report{}, ch: make(chan struct{}, 1)}
	a := New(Options{Runtime: rt, Logs: discardLogs{}, Reporter: rep, Resources: res})
	defer a.Close()
	def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Image: "x"}}}
	a.Launch(TaskSpec{ID: "t2", Definition: def})
	got := rep.waitStopped(t, "t2")
	if got.State.StopCode != taskstate.StopEssentialContainerExited {
		t.Errorf("stop code %q; want EssentialContainerExited", got.State.StopCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(envs) == 0 || !slices.Contains(envs[len(envs)-1], "SECRET=v") {
		t.Errorf("container environments %q; want SECRET=v", envs)
	}
	if _, released := res.calls(); !slices.Equal(released, []string{"t2"}) {
		t.Errorf("Release for %v; want t2", released)
	}
}

func TestUsesResources_TrueExactlyWhenWithoutResourcesChangesTheSpec(t *testing.T) {
	base := func() *TaskSpec {
		return &TaskSpec{
			Definition: &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Image: "i"}, {Name: "side", Image: "i"}}},
			Overrides:  &ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{{Name: "app"}}},
		}
	}
	for _, tc := range []struct {
		name string
		set  func(*TaskSpec)
		want bool
	}{
		{"none", func(*TaskSpec) {}, false},
		{"no overrides", func(s *TaskSpec) { s.Overrides = nil }, false},
		{"task role", func(s *TaskSpec) { s.Definition.TaskRoleArn = "arn:aws:iam::1:role/r" }, true},
		{"secrets", func(s *TaskSpec) {
			s.Definition.ContainerDefinitions[1].Secrets = []ecsmodel.Secret{{Name: "A", ValueFrom: "arn"}}
		}, true},
		{"environment files", func(s *TaskSpec) {
			s.Definition.ContainerDefinitions[0].EnvironmentFiles = []ecsmodel.EnvironmentFile{{Type: "s3", Value: "arn"}}
		}, true},
		{"overridden task role", func(s *TaskSpec) { s.Overrides.TaskRoleArn = "arn:aws:iam::1:role/r" }, true},
		{"overridden environment files", func(s *TaskSpec) {
			s.Overrides.ContainerOverrides[0].EnvironmentFiles = []ecsmodel.EnvironmentFile{{Type: "s3", Value: "arn"}}
		}, true},
	} {
		spec := base()
		tc.set(spec)
		if got := usesResources(spec); got != tc.want {
			t.Errorf("%s: usesResources = %v; want %v", tc.name, got, tc.want)
		}
		plain := withoutResources(spec)
		same := reflect.DeepEqual(plain.Definition, spec.Definition) && reflect.DeepEqual(plain.Overrides, spec.Overrides)
		if same == tc.want {
			t.Errorf("%s: withoutResources changed the spec: %v; usesResources: %v", tc.name, !same, tc.want)
		}
	}
}

func TestAgent_RegistryAuthIsPulledWith(t *testing.T) {
	rt := fake.New()
	rt.Default(fake.Exits(0))
	auth := runtime.RegistryAuth{Username: "robot", Password: "t0ken"}
	res := &resources{env: map[string]ContainerEnv{"private": {RegistryAuth: &auth}}}
	rep := &reports{last: map[string]Report{}, ch: make(chan struct{}, 1)}
	a := New(Options{Runtime: rt, Logs: discardLogs{}, Reporter: rep, Resources: res})
	defer a.Close()
	def := &ecsmodel.TaskDefinition{Family: "f", ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "private", Image: "registry.example.com/app"}, {Name: "public", Image: "public/app"},
	}}
	a.Launch(TaskSpec{ID: "t3", Definition: def})
	rep.waitStopped(t, "t3")
	if got := rt.PullAuths("registry.example.com/app"); !slices.Equal(got, []runtime.RegistryAuth{auth}) {
		t.Errorf("private image pulled with %v; want the container's credentials once", got)
	}
	if got := rt.PullAuths("public/app"); len(got) != 0 {
		t.Errorf("public image pulled with %v; want the runtime's own credentials", got)
	}
}

func TestAgent_ProxyConfigurationRunsWithAWarning(t *testing.T) {
	rt := fake.New()
	rt.Default(fake.Exits(0))
	var log strings.Builder
	var mu sync.Mutex
	rep := &reports{last: map[string]Report{}, ch: make(chan struct{}, 1)}
	a := New(Options{Runtime: rt, Logs: discardLogs{}, Reporter: rep,
		Log: slog.New(slog.NewTextHandler(lockedBuilder{&mu, &log}, nil))})
	defer a.Close()
	def := &ecsmodel.TaskDefinition{Family: "mesh", NetworkMode: ecsmodel.NetworkModeAwsvpc,
		ProxyConfiguration:   &ecsmodel.ProxyConfiguration{Type: ecsmodel.ProxyConfigurationTypeAPPMESH, ContainerName: "envoy"},
		ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app", Image: "x"}, {Name: "envoy", Image: "envoy", Essential: boolp(false)}}}
	spec := TaskSpec{ID: "t4", Definition: def}
	if err := a.Check(&spec); err != nil {
		t.Fatalf("Check = %v; want a proxyConfiguration accepted", err)
	}
	a.Launch(spec)
	if got := rep.waitStopped(t, "t4"); got.State.StopCode != taskstate.StopEssentialContainerExited {
		t.Errorf("stop code %q; want the task to have run", got.State.StopCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if l := log.String(); strings.Count(l, "level=WARN") != 1 || !strings.Contains(l, "not redirected through the proxy container") || !strings.Contains(l, "proxyContainer=envoy") {
		t.Errorf("log = %q; want one warning naming the proxy container", l)
	}
}

type lockedBuilder struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedBuilder) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// blockingResources is a TaskResources whose Prepare waits for release.
type blockingResources struct {
	resources
	release chan struct{}
}

func (r *blockingResources) Prepare(ctx context.Context, spec *TaskSpec) (map[string]ContainerEnv, error) {
	<-r.release
	return r.resources.Prepare(ctx, spec)
}

// Adopted returns only once the adopted tasks are prepared again (their
// endpoints know their containers), and before that when its context
// ends.
func TestAgent_AdoptedWaitsForTheAdoptedTasksResources(t *testing.T) {
	rt := fake.New()
	res := &blockingResources{release: make(chan struct{})}
	a := New(Options{Runtime: rt, Logs: &memLogs{}, Reporter: newRecorder(), Region: "us-east-1", Engine: "test", Resources: res})
	t.Cleanup(a.Close)
	d := def(cdef("app", "app", true))
	id, err := rt.Create(context.Background(), runtime.ContainerSpec{Name: RuntimeName(d, "app", "task1"), Image: "app"})
	if err != nil {
		t.Fatal(err)
	}
	rt.Start(context.Background(), id)
	st := taskstate.New([]taskstate.Container{{Name: "app", Essential: true}}, time.Now())
	st.Provisioned = true
	st = st.ContainerStarted("app")
	st, _ = st.Advance(time.Now())
	a.Adopt(TaskSpec{ID: "task1", ARN: "arn:task1", Definition: d, State: &st, Containers: map[string]ContainerInfo{"app": {RuntimeID: id}}})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.Adopted(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Adopted while Prepare waits = %v; want the context's deadline", err)
	}
	close(res.release)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Adopted(ctx); err != nil {
		t.Fatalf("Adopted after Prepare = %v", err)
	}
	if prepared, _ := res.calls(); !slices.Equal(prepared, []string{"task1"}) {
		t.Errorf("prepared %v; want task1", prepared)
	}
}
