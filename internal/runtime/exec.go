package runtime

import (
	"context"
	"io"
)

// ExecSpec is a command to run in a running container (docker exec).
type ExecSpec struct {
	// Cmd is the command and its arguments.
	Cmd []string
	// TTY allocates a terminal: output then comes on Stdout only, raw.
	TTY bool
	// Rows and Cols are the terminal's first size (with TTY; 0: the
	// runtime's default).
	Rows, Cols uint
}

// ExecIO is where an exec's streams go. Stdin may be nil (no input).
type ExecIO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Exec is a command started in a container.
type Exec interface {
	// Resize changes the terminal's size (TTY execs).
	Resize(ctx context.Context, rows, cols uint) error
	// Wait returns the command's exit code once it has ended and its
	// output has been copied.
	Wait(ctx context.Context) (int, error)
}

// Execer is implemented by runtimes that can run a command in a running
// container. Errors wrap ErrNotFound when there is no such container.
type Execer interface {
	Exec(ctx context.Context, containerID string, spec ExecSpec, stdio ExecIO) (Exec, error)
}
