package fake

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var (
	_ runtime.Runtime = (*Runtime)(nil)
	_ runtime.Volumes = (*Runtime)(nil)
	_ runtime.Pauser  = (*Runtime)(nil)
)

// PauseImage is the image reference PauseImage returns.
const PauseImage = "fake/pause"

// Behavior scripts one container. The zero value runs until stopped and
// exits 143 when stopped.
type Behavior struct {
	// Stdout and Stderr are printed when the container starts, stdout first.
	Stdout []string
	Stderr []string
	// Exit makes the container exit by itself with ExitCode, Delay after it
	// started; without it the container runs until stopped.
	Exit     bool
	ExitCode int
	Delay    time.Duration
	// OOMKilled marks the container's own exit as an out-of-memory kill.
	OOMKilled bool
	// Error is the runtime error text reported with the exit.
	Error string

	// OnStopOutput is printed on stdout when the stop signal arrives.
	OnStopOutput []string
	// TrapsStop makes the container exit with StopExitCode after the stop
	// signal; otherwise it exits 143, as a process ended by SIGTERM.
	TrapsStop    bool
	StopExitCode int
	// StopDelay is how long the container takes to exit after the stop signal.
	StopDelay time.Duration
	// IgnoreStop makes the container ignore the stop signal, so Stop kills it
	// (exit code 137) when the timeout passes.
	IgnoreStop bool

	// PullErr, CreateErr and StartErr make those operations fail. The error
	// is returned wrapped ("fake: pull <image>: ..."); if it is not already a
	// runtime error kind, ErrPull, ErrCreate or ErrStart is added.
	PullErr, CreateErr, StartErr error
	// PullWait and CreateWait, when not nil, hold Pull and Create until
	// they are closed (or the call's context ends: the call then fails
	// with the context's error), as a slow registry or daemon would.
	PullWait, CreateWait <-chan struct{}
}

// Exits returns a Behavior that prints lines on stdout and exits with code
// at once.
func Exits(code int, lines ...string) Behavior {
	return Behavior{Exit: true, ExitCode: code, Stdout: lines}
}

// RunsUntilStopped returns a Behavior that prints lines on stdout and runs
// until stopped.
func RunsUntilStopped(lines ...string) Behavior {
	return Behavior{Stdout: lines}
}

// IgnoresStop returns a Behavior that runs until killed at the Stop timeout.
func IgnoresStop() Behavior {
	return Behavior{IgnoreStop: true}
}

// After returns b exiting d after it started.
func (b Behavior) After(d time.Duration) Behavior { b.Delay = d; return b }

// OOM returns b with its own exit reported as an out-of-memory kill (usually
// with exit code 137).
func (b Behavior) OOM() Behavior { b.OOMKilled = true; return b }

// Errors returns b also printing lines on stderr.
func (b Behavior) Errors(lines ...string) Behavior {
	b.Stderr = append(slices.Clip(b.Stderr), lines...)
	return b
}

// OnStop returns b printing lines when the stop signal arrives.
func (b Behavior) OnStop(lines ...string) Behavior {
	b.OnStopOutput = append(slices.Clip(b.OnStopOutput), lines...)
	return b
}

// StopsWith returns b trapping the stop signal and exiting with code, delay
// after it.
func (b Behavior) StopsWith(code int, delay time.Duration) Behavior {
	b.TrapsStop, b.StopExitCode, b.StopDelay = true, code, delay
	return b
}

type rule struct {
	match func(runtime.ContainerSpec) bool
	b     Behavior
}

// Runtime is the scripted runtime. It is safe for concurrent use.
type Runtime struct {
	mu    sync.RWMutex
	rules []rule
	def   Behavior

	ctrs runtime.Registry[*ctr]

	vmu     sync.RWMutex // guards volumes
	volumes map[string]runtime.VolumeSpec

	amu   sync.Mutex // guards auths
	auths map[string][]runtime.RegistryAuth

	smu     sync.Mutex // guards started
	started []string

	nmu      sync.Mutex // serialises names taken: Add to ctrs, reserved
	reserved map[string]*Reservation
}

// New returns a Runtime whose containers run until stopped.
func New() *Runtime {
	return &Runtime{volumes: map[string]runtime.VolumeSpec{}}
}

// Name returns "fake".
func (r *Runtime) Name() string { return "fake" }

// Default sets the Behavior of containers no rule matches.
func (r *Runtime) Default(b Behavior) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.def = b
}

// On adds a rule: containers whose spec satisfies match behave as b. The
// most recently added matching rule wins. For Pull, match sees a spec with
// only Image set.
func (r *Runtime) On(match func(runtime.ContainerSpec) bool, b Behavior) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rules = append(r.rules, rule{match, b})
}

// OnImage adds a rule for containers of image.
func (r *Runtime) OnImage(image string, b Behavior) {
	r.On(func(s runtime.ContainerSpec) bool { return s.Image == image }, b)
}

// OnCommand adds a rule for containers whose first Command word (or, with no
// Command, first EntryPoint word) is word.
func (r *Runtime) OnCommand(word string, b Behavior) {
	r.On(func(s runtime.ContainerSpec) bool {
		switch {
		case len(s.Command) > 0:
			return s.Command[0] == word
		case len(s.EntryPoint) > 0:
			return s.EntryPoint[0] == word
		}
		return false
	}, b)
}

func (r *Runtime) behavior(spec runtime.ContainerSpec) Behavior {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for i := len(r.rules) - 1; i >= 0; i-- {
		if r.rules[i].match(spec) {
			return r.rules[i].b
		}
	}
	return r.def
}

type status int

const (
	created status = iota
	running
	exited
)

// ctr is one container; the fields after b are guarded by mu.
type ctr struct {
	id   string
	spec runtime.ContainerSpec
	b    Behavior

	mu       sync.Mutex
	status   status
	started  time.Time
	exit     runtime.ExitStatus
	out      runtime.Output // ended at exit
	done     chan struct{}  // closed at exit
	timers   []*time.Timer
	stopping bool
	health   string
}

func (c *ctr) printLocked(stream runtime.Stream, texts []string) {
	if len(texts) == 0 {
		return
	}
	now := time.Now()
	lines := make([]runtime.LogLine, len(texts))
	for i, t := range texts {
		lines[i] = runtime.LogLine{Stream: stream, Time: now, Text: t}
	}
	c.out.Add(lines...)
}

// exitLocked ends a running container; it reports whether it did.
func (c *ctr) exitLocked(st runtime.ExitStatus) bool {
	if c.status != running {
		return false
	}
	for _, t := range c.timers {
		t.Stop()
	}
	c.timers = nil
	if st.FinishedAt.IsZero() {
		st.FinishedAt = time.Now()
	}
	c.status, c.exit = exited, st
	c.out.End()
	close(c.done)
	return true
}

// exitAfterLocked schedules an exit; the first exit to come wins.
func (c *ctr) exitAfterLocked(d time.Duration, st runtime.ExitStatus) {
	if d <= 0 {
		c.exitLocked(st)
		return
	}
	c.timers = append(c.timers, time.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.exitLocked(st)
	}))
}

func newID() string {
	return fmt.Sprintf("%016x%016x%016x%016x", rand.Uint64(), rand.Uint64(), rand.Uint64(), rand.Uint64())
}

func (r *Runtime) lookup(op, id string) (*ctr, error) {
	if c, ok := r.ctrs.Get(id); ok {
		return c, nil
	}
	return nil, fmt.Errorf("fake: %s %s: %w", op, id, runtime.ErrNotFound)
}

// wrapKind wraps err, adding kind unless err already is a runtime kind.
func wrapKind(op, name string, kind, err error) error {
	for _, k := range []error{runtime.ErrNotFound, runtime.ErrImageNotFound, runtime.ErrPull,
		runtime.ErrCreate, runtime.ErrStart, runtime.ErrUnavailable} {
		if errors.Is(err, k) {
			return fmt.Errorf("fake: %s %s: %w", op, name, err)
		}
	}
	return fmt.Errorf("fake: %s %s: %w: %w", op, name, kind, err)
}

// hold waits until gate is closed; the context's error when it ends first.
func hold(ctx context.Context, gate <-chan struct{}) error {
	if gate == nil {
		return nil
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pull succeeds unless the image's Behavior has a PullErr; it waits for
// its PullWait first.
func (r *Runtime) Pull(ctx context.Context, image string, behavior runtime.PullBehavior) (runtime.PullResult, error) {
	b := r.behavior(runtime.ContainerSpec{Image: image})
	if err := hold(ctx, b.PullWait); err != nil {
		return runtime.PullResult{}, fmt.Errorf("fake: pull %s: %w: %w", image, runtime.ErrPull, err)
	}
	if b.PullErr != nil {
		return runtime.PullResult{}, wrapKind("pull", image, runtime.ErrPull, b.PullErr)
	}
	return runtime.PullResult{ImageID: "sha256:fake", Cached: behavior != runtime.PullAlways}, nil
}

var _ runtime.AuthPuller = (*Runtime)(nil)

// PullAuth is Pull, recording auth (see PullAuths).
func (r *Runtime) PullAuth(ctx context.Context, image string, behavior runtime.PullBehavior, auth runtime.RegistryAuth) (runtime.PullResult, error) {
	r.amu.Lock()
	if r.auths == nil {
		r.auths = map[string][]runtime.RegistryAuth{}
	}
	r.auths[image] = append(r.auths[image], auth)
	r.amu.Unlock()
	return r.Pull(ctx, image, behavior)
}

// PullAuths returns the credentials PullAuth was given for image, in order.
func (r *Runtime) PullAuths(image string) []runtime.RegistryAuth {
	r.amu.Lock()
	defer r.amu.Unlock()
	return slices.Clone(r.auths[image])
}

// Create records a container and picks its Behavior; it waits for its
// CreateWait first.
func (r *Runtime) Create(ctx context.Context, spec runtime.ContainerSpec) (string, error) {
	b := r.behavior(spec)
	if err := hold(ctx, b.CreateWait); err != nil {
		return "", fmt.Errorf("fake: create %s: %w: %w", spec.Name, runtime.ErrCreate, err)
	}
	if b.CreateErr != nil {
		return "", wrapKind("create", spec.Name, runtime.ErrCreate, b.CreateErr)
	}
	c := newCtr(spec, b)
	r.nmu.Lock()
	defer r.nmu.Unlock()
	if v := r.reserved[spec.Name]; v != nil {
		v.refused = true
		return "", fmt.Errorf("fake: create %s: %w: %w", spec.Name, runtime.ErrCreate, runtime.ErrNameInUse)
	}
	if err := r.ctrs.Add(c.id, spec.Name, c); err != nil {
		return "", fmt.Errorf("fake: create %s: %w: %w", spec.Name, runtime.ErrCreate, err)
	}
	return c.id, nil
}

func newCtr(spec runtime.ContainerSpec, b Behavior) *ctr {
	c := &ctr{id: newID(), spec: spec, b: b, done: make(chan struct{})}
	c.spec.Labels = maps.Clone(spec.Labels)
	return c
}

// Start runs the script: prints the output and, for an exiting Behavior,
// exits after its Delay (at once, before Start returns, when it is zero).
// Starting a container that exited runs its script again, as Docker
// restarts a stopped container (its output goes on after the first run's).
func (r *Runtime) Start(ctx context.Context, id string) error {
	c, err := r.lookup("start", id)
	if err != nil {
		return err
	}
	return r.start(c)
}

func (r *Runtime) start(c *ctr) error {
	id := c.id
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.status {
	case running:
		return nil
	case exited:
		if c.b.StartErr != nil {
			return wrapKind("start", id, runtime.ErrStart, c.b.StartErr)
		}
		c.done, c.stopping, c.exit = make(chan struct{}), false, runtime.ExitStatus{}
		c.out.Reopen()
	}
	if c.b.StartErr != nil {
		c.status = exited
		c.exit = runtime.ExitStatus{ExitCode: 128, Error: c.b.StartErr.Error(), FinishedAt: time.Now()}
		c.out.End()
		close(c.done)
		return wrapKind("start", id, runtime.ErrStart, c.b.StartErr)
	}
	c.status = running
	c.started = time.Now()
	r.smu.Lock()
	r.started = append(r.started, c.spec.Name)
	r.smu.Unlock()
	c.printLocked(runtime.Stdout, c.b.Stdout)
	c.printLocked(runtime.Stderr, c.b.Stderr)
	if c.b.Exit {
		c.exitAfterLocked(c.b.Delay, runtime.ExitStatus{ExitCode: c.b.ExitCode, OOMKilled: c.b.OOMKilled, Error: c.b.Error})
	}
	return nil
}

// Started returns the names of the containers Start has run, in order (a
// container restarted appears again), removed ones included.
func (r *Runtime) Started() []string {
	r.smu.Lock()
	defer r.smu.Unlock()
	return slices.Clone(r.started)
}

// Wait blocks until the container has exited.
func (r *Runtime) Wait(ctx context.Context, id string) (runtime.ExitStatus, error) {
	c, err := r.lookup("wait", id)
	if err != nil {
		return runtime.ExitStatus{}, err
	}
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return runtime.ExitStatus{}, fmt.Errorf("fake: wait %s: %w", id, ctx.Err())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exit, nil
}

// Stop delivers the stop signal as scripted and returns once the container
// exited: after StopDelay with StopExitCode, or killed (137) at timeout when
// it ignores the signal or takes longer.
func (r *Runtime) Stop(ctx context.Context, id string, timeout time.Duration) error {
	c, err := r.lookup("stop", id)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.status != running {
		c.mu.Unlock()
		return nil
	}
	if !c.stopping {
		c.stopping = true
		c.printLocked(runtime.Stdout, c.b.OnStopOutput)
		if !c.b.IgnoreStop && c.b.StopDelay <= max(timeout, 0) {
			code := 143
			if c.b.TrapsStop {
				code = c.b.StopExitCode
			}
			c.exitAfterLocked(c.b.StopDelay, runtime.ExitStatus{ExitCode: code})
		} else {
			c.exitAfterLocked(timeout, runtime.ExitStatus{ExitCode: 137})
		}
	}
	done := c.done
	c.mu.Unlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fake: stop %s: %w", id, ctx.Err())
	}
}

// Exit ends a running container now with st, as if its process ended; it
// reports whether the container was running. Tests use it to script exits
// from outside.
func (r *Runtime) Exit(id string, st runtime.ExitStatus) (bool, error) {
	c, err := r.lookup("exit", id)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exitLocked(st), nil
}

// Print adds output lines to a running container.
func (r *Runtime) Print(id string, stream runtime.Stream, lines ...string) error {
	c, err := r.lookup("print", id)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status != running {
		return fmt.Errorf("fake: print %s: container is not running", id)
	}
	c.printLocked(stream, lines)
	return nil
}

// PrintLines adds output lines to a running container as they are, with
// their streams and times, in the order given: as Docker records them, a
// line may come after a later-stamped line of the other stream.
func (r *Runtime) PrintLines(id string, lines ...runtime.LogLine) error {
	c, err := r.lookup("print", id)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status != running {
		return fmt.Errorf("fake: print %s: container is not running", id)
	}
	c.out.Add(lines...)
	return nil
}

// Logs delivers the container's output; with Follow it returns once the
// container exited and all output was delivered.
func (r *Runtime) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine)) error {
	c, err := r.lookup("logs", id)
	if err != nil {
		return err
	}
	if err := c.out.Read(ctx, opts, fn); err != nil {
		return fmt.Errorf("fake: logs %s: %w", id, err)
	}
	return nil
}

// Inspect reports a container's state; a name reserved (see Reserve) is
// not found.
func (r *Runtime) Inspect(ctx context.Context, id string) (runtime.State, error) {
	c, err := r.lookup("inspect", id)
	if err != nil {
		r.missed(id)
		return runtime.State{}, err
	}
	return c.state(), nil
}

func (c *ctr) state() runtime.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := runtime.State{
		ID:         c.id,
		Name:       c.spec.Name,
		Image:      c.spec.Image,
		ImageID:    "sha256:fake",
		Labels:     maps.Clone(c.spec.Labels),
		Running:    c.status == running,
		Exited:     c.status == exited,
		ExitCode:   c.exit.ExitCode,
		OOMKilled:  c.exit.OOMKilled,
		Error:      c.exit.Error,
		StartedAt:  c.started,
		FinishedAt: c.exit.FinishedAt,
		Health:     c.health,
	}
	if c.status == running && c.spec.NetworkMode == "bridge" {
		st.IPAddress, st.MACAddress = "10.0.0.2", "02:42:0a:00:00:02"
	}
	if c.spec.HealthCheck != nil && st.Health == runtime.HealthNone {
		st.Health = runtime.HealthStarting
	}
	for i, b := range c.spec.PortBindings {
		if b.HostPort == 0 {
			b.HostPort = 32768 + i // a stable stand-in for a dynamic port
		}
		if b.Protocol == "" {
			b.Protocol = "tcp"
		}
		st.Ports = append(st.Ports, b)
	}
	return st
}

// List returns the containers carrying every label in labels.
func (r *Runtime) List(ctx context.Context, labels map[string]string) ([]runtime.State, error) {
	out := []runtime.State{}
	for _, c := range r.ctrs.All() {
		if runtime.HasLabels(c.spec.Labels, labels) {
			out = append(out, c.state())
		}
	}
	return out, nil
}

// Remove forgets a container, ending it first (exit 137) if it runs.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	c, err := r.lookup("remove", id)
	if err != nil {
		return err
	}
	c.mu.Lock()
	switch c.status {
	case running:
		c.exitLocked(runtime.ExitStatus{ExitCode: 137})
	case created:
		c.status = exited
		c.exit = runtime.ExitStatus{Error: "container removed before it started", FinishedAt: time.Now()}
		c.out.End()
		close(c.done)
	}
	c.mu.Unlock()
	if !r.ctrs.Delete(c.id, c.spec.Name) {
		return fmt.Errorf("fake: remove %s: %w", id, runtime.ErrNotFound)
	}
	return nil
}

// SetHealth sets the health status a container reports (runtime.HealthHealthy,
// runtime.HealthUnhealthy, ...), as its health check would.
func (r *Runtime) SetHealth(id, health string) error {
	c, err := r.lookup("health", id)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.health = health
	return nil
}

// Spec returns the spec a container was created with.
func (r *Runtime) Spec(id string) (runtime.ContainerSpec, error) {
	c, err := r.lookup("spec", id)
	if err != nil {
		return runtime.ContainerSpec{}, err
	}
	return c.spec, nil
}

// PauseImage returns PauseImage.
func (r *Runtime) PauseImage(ctx context.Context) (string, error) { return PauseImage, nil }

// CreateVolume records a volume; one that exists is left as it is.
func (r *Runtime) CreateVolume(ctx context.Context, spec runtime.VolumeSpec) error {
	r.vmu.Lock()
	defer r.vmu.Unlock()
	if _, ok := r.volumes[spec.Name]; !ok {
		if spec.Driver == "" {
			spec.Driver = "local"
		}
		spec.Labels, spec.DriverOpts = maps.Clone(spec.Labels), maps.Clone(spec.DriverOpts)
		r.volumes[spec.Name] = spec
	}
	return nil
}

// InspectVolume describes a volume.
func (r *Runtime) InspectVolume(ctx context.Context, name string) (runtime.VolumeSpec, error) {
	r.vmu.RLock()
	defer r.vmu.RUnlock()
	v, ok := r.volumes[name]
	if !ok {
		return runtime.VolumeSpec{}, fmt.Errorf("fake: inspect volume %s: %w", name, runtime.ErrNotFound)
	}
	return v, nil
}

// ListVolumes returns the volumes carrying every label in labels.
func (r *Runtime) ListVolumes(ctx context.Context, labels map[string]string) ([]runtime.VolumeSpec, error) {
	r.vmu.RLock()
	defer r.vmu.RUnlock()
	var out []runtime.VolumeSpec
	for _, v := range r.volumes {
		if runtime.HasLabels(v.Labels, labels) {
			out = append(out, v)
		}
	}
	return out, nil
}

// RemoveVolume forgets a volume; ErrInUse while a container mounts it.
func (r *Runtime) RemoveVolume(ctx context.Context, name string) error {
	r.vmu.Lock()
	defer r.vmu.Unlock()
	if _, ok := r.volumes[name]; !ok {
		return fmt.Errorf("fake: remove volume %s: %w", name, runtime.ErrNotFound)
	}
	for _, c := range r.ctrs.All() {
		for _, m := range c.spec.Mounts {
			if m.Volume && m.Source == name {
				return fmt.Errorf("fake: remove volume %s: %w", name, runtime.ErrInUse)
			}
		}
	}
	delete(r.volumes, name)
	return nil
}
