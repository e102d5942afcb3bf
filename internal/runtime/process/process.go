package process

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var _ runtime.Runtime = (*Runtime)(nil)

// MaxLineBytes is the longest line captured; longer output is cut into lines
// of at most this size (runtime.MaxLineBytes).
const MaxLineBytes = runtime.MaxLineBytes

// outputGrace is how long output is still read after the main process ended,
// from descendants that left its process group.
const outputGrace = time.Second

// Runtime runs containers as host processes. It is safe for concurrent use.
type Runtime struct {
	procs runtime.Registry[*proc]
}

// New returns an empty Runtime.
func New() *Runtime { return &Runtime{} }

// Name returns "process".
func (r *Runtime) Name() string { return "process" }

type status int

const (
	created status = iota
	running
	exited
)

// proc is one container. Its fields after spec are guarded by mu.
type proc struct {
	id   string
	spec runtime.ContainerSpec

	mu      sync.Mutex
	status  status
	cmd     *exec.Cmd
	started time.Time
	exit    runtime.ExitStatus
	out     runtime.Output // ended once exited and all output is captured
	done    chan struct{}  // closed once exited and all output is captured
}

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// lookup finds a container by id or name.
func (r *Runtime) lookup(op, id string) (*proc, error) {
	if p, ok := r.procs.Get(id); ok {
		return p, nil
	}
	return nil, fmt.Errorf("process: %s %s: %w", op, id, runtime.ErrNotFound)
}

// Pull does nothing: processes need no image.
func (r *Runtime) Pull(ctx context.Context, image string, behavior runtime.PullBehavior) (runtime.PullResult, error) {
	return runtime.PullResult{}, nil
}

// Create records a container; EntryPoint plus Command must name a program.
func (r *Runtime) Create(ctx context.Context, spec runtime.ContainerSpec) (string, error) {
	argv := append(append([]string(nil), spec.EntryPoint...), spec.Command...)
	if len(argv) == 0 {
		return "", fmt.Errorf("process: create %s: %w: no entry point or command", spec.Name, runtime.ErrCreate)
	}
	if _, err := sysProcAttr(spec.User); err != nil {
		return "", fmt.Errorf("process: create %s: %w: %w", spec.Name, runtime.ErrCreate, err)
	}
	p := &proc{
		id:   newID(),
		spec: spec,
		done: make(chan struct{}),
	}
	p.spec.Labels = maps.Clone(spec.Labels)
	if err := r.procs.Add(p.id, spec.Name, p); err != nil {
		return "", fmt.Errorf("process: create %s: %w: %w", spec.Name, runtime.ErrCreate, err)
	}
	return p.id, nil
}

// Start starts the process. A program that cannot be started leaves the
// container exited with code 127 and the reason in its Error.
func (r *Runtime) Start(ctx context.Context, id string) error {
	p, err := r.lookup("start", id)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.status {
	case running:
		return nil
	case exited:
		return fmt.Errorf("process: start %s: %w: container already ran", id, runtime.ErrStart)
	}
	argv := append(append([]string(nil), p.spec.EntryPoint...), p.spec.Command...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.spec.WorkingDir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, p.spec.Env...)
	cmd.SysProcAttr, _ = sysProcAttr(p.spec.User)

	outR, outW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("process: start %s: %w: %w", id, runtime.ErrStart, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return fmt.Errorf("process: start %s: %w: %w", id, runtime.ErrStart, err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		p.status = exited
		p.exit = runtime.ExitStatus{ExitCode: 127, Error: err.Error(), FinishedAt: time.Now()}
		p.out.End()
		close(p.done)
		return fmt.Errorf("process: start %s: %w: %w", id, runtime.ErrStart, err)
	}
	p.cmd = cmd
	p.status = running
	p.started = time.Now()
	go p.supervise(outR, errR)
	return nil
}

// supervise captures the output and records the exit.
func (p *proc) supervise(outR, errR *os.File) {
	var readers sync.WaitGroup
	readers.Go(func() { p.capture(outR, runtime.Stdout) })
	readers.Go(func() { p.capture(errR, runtime.Stderr) })

	err := p.cmd.Wait()
	finished := time.Now()
	// Like a container: once the main process ends, so does the rest.
	killGroup(p.cmd.Process)
	captured := make(chan struct{})
	go func() { readers.Wait(); close(captured) }()
	select {
	case <-captured:
	case <-time.After(outputGrace):
		// A descendant outside the group still holds the pipes.
		outR.Close()
		errR.Close()
		<-captured
	}
	outR.Close()
	errR.Close()

	st := runtime.ExitStatus{FinishedAt: finished}
	ws, _ := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case ws.Signaled():
		st.ExitCode = 128 + int(ws.Signal())
	case p.cmd.ProcessState != nil:
		st.ExitCode = p.cmd.ProcessState.ExitCode()
	}
	if err != nil && p.cmd.ProcessState == nil {
		st.Error = err.Error()
	}
	p.mu.Lock()
	p.status = exited
	p.exit = st
	p.out.End()
	p.mu.Unlock()
	close(p.done)
}

// capture reads one stream line by line.
func (p *proc) capture(f *os.File, stream runtime.Stream) {
	sc := lineScanner(f)
	for sc.Scan() {
		p.out.Add(runtime.LogLine{Stream: stream, Time: time.Now(), Text: sc.Text()})
	}
}

// lineScanner reads r line by line (splitLines).
func lineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes+1)
	sc.Split(splitLines)
	return sc
}

// splitLines is bufio.ScanLines without the '\r' handling (a CR stays, as
// with the awslogs driver), with lines longer than MaxLineBytes cut where
// runtime.CutLine says.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 && i <= MaxLineBytes {
		return i + 1, data[:i], nil
	}
	if len(data) > MaxLineBytes {
		n := runtime.CutLine(data)
		return n, data[:n], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Wait blocks until the container has stopped; for a container not started
// yet it waits for it to start and stop.
func (r *Runtime) Wait(ctx context.Context, id string) (runtime.ExitStatus, error) {
	p, err := r.lookup("wait", id)
	if err != nil {
		return runtime.ExitStatus{}, err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		return runtime.ExitStatus{}, fmt.Errorf("process: wait %s: %w", id, ctx.Err())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exit, nil
}

// Stop sends the stop signal (SIGTERM unless StopSignal says otherwise) to
// the container's process group, then SIGKILL after timeout, and returns once
// the container has stopped.
func (r *Runtime) Stop(ctx context.Context, id string, timeout time.Duration) error {
	p, err := r.lookup("stop", id)
	if err != nil {
		return err
	}
	sig, err := parseSignal(p.spec.StopSignal)
	if err != nil {
		return fmt.Errorf("process: stop %s: %w", id, err)
	}
	p.mu.Lock()
	if p.status != running {
		p.mu.Unlock()
		return nil
	}
	proc := p.cmd.Process
	p.mu.Unlock()

	signalGroup(proc, sig)
	t := time.NewTimer(max(timeout, 0))
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("process: stop %s: %w", id, ctx.Err())
	case <-t.C:
	}
	killGroup(proc)
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("process: stop %s: %w", id, ctx.Err())
	}
}

// parseSignal reads "SIGTERM", "TERM" or "15"; "" is SIGTERM.
func parseSignal(s string) (syscall.Signal, error) {
	if s == "" {
		return syscall.SIGTERM, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	if sig, ok := signalNames[strings.TrimPrefix(strings.ToUpper(s), "SIG")]; ok {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown stop signal %q", s)
}

// Logs delivers the captured lines in the order they were read; with Follow
// it keeps delivering until the container has stopped and all of its output
// was delivered.
func (r *Runtime) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine)) error {
	p, err := r.lookup("logs", id)
	if err != nil {
		return err
	}
	if err := p.out.Read(ctx, opts, fn); err != nil {
		return fmt.Errorf("process: logs %s: %w", id, err)
	}
	return nil
}

// Inspect reports a container's state.
func (r *Runtime) Inspect(ctx context.Context, id string) (runtime.State, error) {
	p, err := r.lookup("inspect", id)
	if err != nil {
		return runtime.State{}, err
	}
	return p.state(), nil
}

func (p *proc) state() runtime.State {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := runtime.State{
		ID:         p.id,
		Name:       p.spec.Name,
		Image:      p.spec.Image,
		Labels:     maps.Clone(p.spec.Labels),
		Running:    p.status == running,
		Exited:     p.status == exited,
		ExitCode:   p.exit.ExitCode,
		Error:      p.exit.Error,
		StartedAt:  p.started,
		FinishedAt: p.exit.FinishedAt,
	}
	for _, b := range p.spec.PortBindings {
		if b.HostPort == 0 {
			b.HostPort = b.ContainerPort
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
	var out []runtime.State
	for _, p := range r.procs.All() {
		if runtime.HasLabels(p.spec.Labels, labels) {
			out = append(out, p.state())
		}
	}
	return out, nil
}

// Remove kills the container's processes if they still run and forgets it
// and its output.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	p, err := r.lookup("remove", id)
	if err != nil {
		return err
	}
	p.mu.Lock()
	switch p.status {
	case running:
		killGroup(p.cmd.Process)
	case created:
		// Never started: end it so that waiters return.
		p.status = exited
		p.exit = runtime.ExitStatus{Error: "container removed before it started", FinishedAt: time.Now()}
		p.out.End()
		close(p.done)
	}
	p.mu.Unlock()
	select {
	case <-p.done:
	case <-ctx.Done():
		return fmt.Errorf("process: remove %s: %w", id, ctx.Err())
	}
	if !r.procs.Delete(p.id, p.spec.Name) {
		return fmt.Errorf("process: remove %s: %w", id, runtime.ErrNotFound)
	}
	return nil
}
