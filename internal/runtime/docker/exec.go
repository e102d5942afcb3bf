package docker

import (
	"context"
	"io"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

var _ runtime.Execer = (*Runtime)(nil)

// Exec runs a command in a running container (docker exec), its streams
// attached to stdio.
func (r *Runtime) Exec(ctx context.Context, id string, spec runtime.ExecSpec, stdio runtime.ExecIO) (runtime.Exec, error) {
	opts := container.ExecOptions{
		Cmd: spec.Cmd, Tty: spec.TTY, AttachStdin: stdio.Stdin != nil, AttachStdout: true, AttachStderr: true,
	}
	if spec.TTY && spec.Rows > 0 && spec.Cols > 0 {
		opts.ConsoleSize = &[2]uint{spec.Rows, spec.Cols}
	}
	created, err := r.cli.ContainerExecCreate(ctx, id, opts)
	if err != nil {
		return nil, wrap("exec", id, nil, runtime.ErrNotFound, err)
	}
	hj, err := r.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{Tty: spec.TTY, ConsoleSize: opts.ConsoleSize})
	if err != nil {
		return nil, wrap("exec", id, nil, runtime.ErrNotFound, err)
	}
	e := &execution{r: r, id: created.ID, done: make(chan struct{})}
	if stdio.Stdin != nil {
		go func() {
			io.Copy(hj.Conn, stdio.Stdin)
			hj.CloseWrite()
		}()
	}
	go func() {
		defer close(e.done)
		defer hj.Close()
		if spec.TTY {
			_, e.copyErr = io.Copy(stdio.Stdout, hj.Reader)
		} else {
			_, e.copyErr = stdcopy.StdCopy(stdio.Stdout, stdio.Stderr, hj.Reader)
		}
	}()
	return e, nil
}

// execution is a running docker exec.
type execution struct {
	r       *Runtime
	id      string
	done    chan struct{}
	copyErr error
}

// afterPoll paces the polls of an exec that has closed its output but
// whose end the engine has not recorded yet.
func afterPoll() <-chan time.Time { return time.After(10 * time.Millisecond) }

func (e *execution) Resize(ctx context.Context, rows, cols uint) error {
	return e.r.cli.ContainerExecResize(ctx, e.id, container.ResizeOptions{Height: rows, Width: cols})
}

func (e *execution) Wait(ctx context.Context) (int, error) {
	select {
	case <-e.done:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	// The output ends when the command does; its exit code may take a
	// moment to be recorded.
	for {
		in, err := e.r.cli.ContainerExecInspect(ctx, e.id)
		if err != nil {
			return 0, err
		}
		if !in.Running {
			return in.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-afterPoll():
		}
	}
}
