package project

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtask"
	"github.com/ecsrun/ecsrun/internal/runtask/request"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

// DefaultFile is the project file looked for in the working directory.
const DefaultFile = "ecsrun.yaml"

// File is a project file.
type File struct {
	// Version is the file format version (1; 0 is taken as 1).
	Version int `json:"version,omitempty"`
	// DefaultEnvironment is used when a task is run without --environment.
	DefaultEnvironment string                 `json:"defaultEnvironment,omitempty"`
	Environments       map[string]Environment `json:"environments,omitempty"`
	Tasks              map[string]Task        `json:"tasks,omitempty"`

	// Path is the file's path; relative paths inside it are relative to its
	// directory.
	Path string `json:"-"`
}

// Target says where tasks run.
type Target struct {
	// Target is "local" (the local engine) or "aws" (Amazon ECS through
	// the standard AWS configuration chain).
	Target string `json:"target,omitempty"`
	// Endpoint is an ECS (and CloudWatch Logs) endpoint URL.
	Endpoint string `json:"endpoint,omitempty"`
	// Region and Profile select the AWS region and shared-config profile.
	Region  string `json:"region,omitempty"`
	Profile string `json:"profile,omitempty"`
}

// Environment is a named place to run tasks, with default settings.
type Environment struct {
	Target
	Settings
}

// Task is a named task.
type Task struct {
	Description string `json:"description,omitempty"`
	Settings
}

// Settings are the run settings a layer (environment, task, flags) sets;
// unset members leave the layers below alone.
type Settings struct {
	// TaskDefinition is a file (relative to the project file) or a family,
	// family:revision or ARN.
	TaskDefinition   string `json:"taskDefinition,omitempty"`
	ReuseIfUnchanged *bool  `json:"reuseIfUnchanged,omitempty"`
	// Request is a Run Task Request Definition file (JSON or YAML, the
	// RunTask shape), merged before this layer's other members.
	Request string `json:"request,omitempty"`

	Cluster                  string                                  `json:"cluster,omitempty"`
	LaunchType               string                                  `json:"launchType,omitempty"`
	CapacityProviderStrategy []ecsmodel.CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	NetworkConfiguration     *ecsmodel.NetworkConfiguration          `json:"networkConfiguration,omitempty"`
	// Subnets, SecurityGroups and AssignPublicIp change single members of
	// the awsvpc network configuration.
	Subnets        []string `json:"subnets,omitempty"`
	SecurityGroups []string `json:"securityGroups,omitempty"`
	AssignPublicIp string   `json:"assignPublicIp,omitempty"`
	// Overrides is a RunTask TaskOverride, merged per container.
	Overrides *ecsmodel.TaskOverride `json:"overrides,omitempty"`
	// Env maps "[CONTAINER:]KEY" to a value; without a container name the
	// variable goes to every essential container.
	Env map[string]string `json:"env,omitempty"`
	// EnvList is the flags' ordered form of Env.
	EnvList []request.EnvVar `json:"-"`
	// Container names the container Command runs in.
	Container   string            `json:"container,omitempty"`
	Command     []string          `json:"command,omitempty"`
	Cpu         string            `json:"cpu,omitempty"`
	Memory      string            `json:"memory,omitempty"`
	TaskRoleArn string            `json:"taskRoleArn,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	// TagList is the flags' ordered form of Tags.
	TagList   []ecsmodel.Tag `json:"-"`
	StartedBy string         `json:"startedBy,omitempty"`
	Count     *int           `json:"count,omitempty"`

	Wait             string `json:"wait,omitempty"`
	Timeout          string `json:"timeout,omitempty"`
	StartTimeout     string `json:"startTimeout,omitempty"`
	AttemptTimeout   string `json:"attemptTimeout,omitempty"`
	Logs             string `json:"logs,omitempty"`
	SuccessContainer string `json:"successContainer,omitempty"`
	Retry            *Retry `json:"retry,omitempty"`
}

// Retry is a retry policy in Step Functions terms; unset members keep the
// layers below.
type Retry struct {
	MaxAttempts *int     `json:"maxAttempts,omitempty"`
	Interval    string   `json:"interval,omitempty"`
	BackoffRate *float64 `json:"backoffRate,omitempty"`
	MaxDelay    string   `json:"maxDelay,omitempty"`
	Jitter      string   `json:"jitter,omitempty"`
	RetryOn     []string `json:"retryOn,omitempty"`
}

// Find returns the project file to use: path when given, else DefaultFile
// in dir if it exists, else "".
func Find(path, dir string) string {
	if path != "" {
		return path
	}
	p := filepath.Join(dir, DefaultFile)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// Load reads and checks a project file. With expand, ${VAR} references are
// expanded from lookup first.
func Load(path string, expand bool, lookup func(string) (string, bool)) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("project file: %w", err)
	}
	if expand {
		if data, err = ecs.ExpandEnv(data, lookup); err != nil {
			return nil, fmt.Errorf("project file %s: --expand-env: %w", path, err)
		}
	}
	f := new(File)
	if err := ecs.DecodeStrictFile(data, f); err != nil {
		return nil, fmt.Errorf("project file %s: %w", path, err)
	}
	f.Path = path
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("project file %s: %w", path, err)
	}
	return f, nil
}

// check validates the file and makes its relative paths absolute.
func (f *File) check() error {
	var errs []error
	if f.Version != 0 && f.Version != 1 {
		errs = append(errs, fmt.Errorf("version: %d is not supported; use 1", f.Version))
	}
	if f.DefaultEnvironment != "" {
		if _, ok := f.Environments[f.DefaultEnvironment]; !ok {
			errs = append(errs, fmt.Errorf("defaultEnvironment: %s", unknown("environment", f.DefaultEnvironment, f.EnvironmentNames())))
		}
	}
	dir := filepath.Dir(f.Path)
	for _, name := range f.EnvironmentNames() {
		e := f.Environments[name]
		path := "environments." + name
		if err := checkName(name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
		switch e.Target.Target {
		case "", "local", "aws":
		default:
			errs = append(errs, fmt.Errorf("%s.target: must be local or aws, not %q", path, e.Target.Target))
		}
		errs = append(errs, e.Settings.check(path, dir)...)
		f.Environments[name] = e
	}
	for _, name := range f.TaskNames() {
		t := f.Tasks[name]
		path := "tasks." + name
		if err := checkName(name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
		errs = append(errs, t.Settings.check(path, dir)...)
		f.Tasks[name] = t
	}
	return errors.Join(errs...)
}

func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, ", \t") {
		return fmt.Errorf("names may not be empty or hold commas or spaces")
	}
	return nil
}

// check validates the settings of one layer of a project file and makes
// its file paths relative to dir absolute.
func (s *Settings) check(path, dir string) []error {
	var errs []error
	bad := func(member string, err error) {
		errs = append(errs, fmt.Errorf("%s.%s: %w", path, member, err))
	}
	if s.TaskDefinition != "" {
		s.TaskDefinition = resolveRef(s.TaskDefinition, dir)
	}
	if s.Request != "" && !filepath.IsAbs(s.Request) {
		s.Request = filepath.Join(dir, s.Request)
	}
	for member, v := range map[string]string{"timeout": s.Timeout, "startTimeout": s.StartTimeout, "attemptTimeout": s.AttemptTimeout} {
		if _, err := duration(v); err != nil {
			bad(member, err)
		}
	}
	if s.Wait != "" {
		if _, err := runtask.ParseWait(s.Wait); err != nil {
			bad("wait", err)
		}
	}
	if s.Logs != "" {
		if _, err := runtask.ParseLogMode(s.Logs); err != nil {
			bad("logs", err)
		}
	}
	if s.LaunchType != "" && !ecsmodel.LaunchType(s.LaunchType).Valid() {
		bad("launchType", fmt.Errorf("%q is not one of %v", s.LaunchType, ecsmodel.LaunchType("").Values()))
	}
	if s.AssignPublicIp != "" {
		if _, err := request.ParseAssignPublicIP(s.AssignPublicIp); err != nil {
			bad("assignPublicIp", err)
		}
	}
	if s.Count != nil && *s.Count < 1 {
		bad("count", fmt.Errorf("must be 1 or more, not %d", *s.Count))
	}
	for _, k := range sortedKeys(s.Env) {
		if _, err := request.ParseEnvName(k, s.Env[k]); err != nil {
			bad("env", err)
		}
	}
	if r := s.Retry; r != nil {
		for member, v := range map[string]string{"interval": r.Interval, "maxDelay": r.MaxDelay} {
			if _, err := duration(v); err != nil {
				bad("retry."+member, err)
			}
		}
		if r.Jitter != "" {
			if _, err := retry.ParseJitter(r.Jitter); err != nil {
				bad("retry.jitter", err)
			}
		}
		if len(r.RetryOn) > 0 {
			if _, err := retry.ParseRetryOn(strings.Join(r.RetryOn, ",")); err != nil {
				bad("retry.retryOn", err)
			}
		}
	}
	return errs
}

// resolveRef makes a task definition file path relative to dir absolute,
// and leaves families, revisions and ARNs alone.
func resolveRef(ref, dir string) string {
	if strings.HasPrefix(ref, "arn:") || filepath.IsAbs(ref) {
		return ref
	}
	p := filepath.Join(dir, ref)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if strings.ContainsAny(ref, "/\\") || strings.HasSuffix(ref, ".json") || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml") {
		return p // a file that does not exist: the run reports it
	}
	return ref
}

func duration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (write 90s, 5m, 1h30m)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// EnvironmentNames lists the environments, sorted.
func (f *File) EnvironmentNames() []string { return sortedKeys(f.Environments) }

// TaskNames lists the tasks, sorted.
func (f *File) TaskNames() []string { return sortedKeys(f.Tasks) }

// Environment returns the named environment (the default environment for
// "", or an empty one when there is none).
func (f *File) Environment(name string) (Environment, string, error) {
	if name == "" {
		name = f.DefaultEnvironment
	}
	if name == "" {
		return Environment{}, "", nil
	}
	e, ok := f.Environments[name]
	if !ok {
		return Environment{}, "", fmt.Errorf("--environment: %s", unknown("environment", name, f.EnvironmentNames()))
	}
	return e, name, nil
}

// TasksNamed returns the named tasks, in order.
func (f *File) TasksNamed(list []string) ([]string, []Task, error) {
	var names []string
	var tasks []Task
	for _, n := range list {
		t, ok := f.Tasks[n]
		if !ok {
			return nil, nil, errors.New(unknown("task", n, f.TaskNames()))
		}
		names = append(names, n)
		tasks = append(tasks, t)
	}
	return names, tasks, nil
}

func unknown(kind, name string, known []string) string {
	if len(known) == 0 {
		return fmt.Sprintf("no %s %q: the project file declares none", kind, name)
	}
	for _, k := range known {
		if strings.EqualFold(k, name) {
			return fmt.Sprintf("no %s %q; did you mean %q?", kind, name, k)
		}
	}
	return fmt.Sprintf("no %s %q; the project file declares %s", kind, name, strings.Join(known, ", "))
}

// SplitNames splits positional task arguments ("migrate,seed" "check") into
// names.
func SplitNames(args []string) []string {
	var out []string
	for _, a := range args {
		for _, n := range strings.Split(a, ",") {
			if n = strings.TrimSpace(n); n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}
