package docker

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// MaxLineBytes is the longest line Logs delivers; longer output is cut into
// lines of this size. It matches the CloudWatch Logs event size limit.
const MaxLineBytes = 256 * 1024

// Logs calls fn for each line the container wrote, in order, stdout and
// stderr interleaved as the engine recorded them, each with the engine's
// timestamp. With opts.Follow it waits for a created container to start and
// returns only once the container has stopped and all its output was
// delivered (or ctx ended).
func (r *Runtime) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine)) error {
	d := &dedup{fn: fn}
	since := opts.Since
	for {
		if opts.Follow {
			if err := r.waitStarted(ctx, id); err != nil {
				return err
			}
		}
		if err := r.streamLogs(ctx, id, since, opts.Follow, d.emit); err != nil {
			return err
		}
		if !opts.Follow {
			return nil
		}
		// The engine ends a follow stream when the container stops; make sure
		// that is why this one ended, else resume after the last line.
		info, err := r.cli.ContainerInspect(ctx, id)
		if err != nil {
			return wrap("logs", id, nil, runtime.ErrNotFound, err)
		}
		if info.State == nil || !(info.State.Running || info.State.Restarting || info.State.Paused) {
			return nil
		}
		if !d.last.IsZero() {
			since = d.last
			d.skip = d.atLast
		}
	}
}

// waitStarted returns once the container has left the "created" state. The
// engine ends a follow request at once for a container that is not running,
// so following a container that has not started yet must wait for it.
func (r *Runtime) waitStarted(ctx context.Context, id string) error {
	delay := 5 * time.Millisecond
	for {
		info, err := r.cli.ContainerInspect(ctx, id)
		if err != nil {
			return wrap("logs", id, nil, runtime.ErrNotFound, err)
		}
		if info.State == nil || info.State.Status != container.StateCreated {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("docker: logs %s: %w", id, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

func (r *Runtime) streamLogs(ctx context.Context, id string, since time.Time, follow bool, emit func(runtime.LogLine)) error {
	o := container.LogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Follow: follow}
	if !since.IsZero() {
		o.Since = strconv.FormatInt(since.Unix(), 10) + "." + fmt.Sprintf("%09d", since.Nanosecond())
	}
	rc, err := r.cli.ContainerLogs(ctx, id, o)
	if err != nil {
		return wrap("logs", id, nil, runtime.ErrNotFound, err)
	}
	defer rc.Close()
	stdout := &lineWriter{stream: runtime.Stdout, emit: emit}
	stderr := &lineWriter{stream: runtime.Stderr, emit: emit}
	_, err = stdcopy.StdCopy(stdout, stderr, rc)
	stdout.flush()
	stderr.flush()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("docker: logs %s: %w", id, ctx.Err())
		}
		// A stream that breaks off means the engine went away (it restarts,
		// or the connection dropped): callers resume once it is back.
		return wrap("logs", id, runtime.ErrUnavailable, nil, err)
	}
	return nil
}

// dedup drops the lines a resumed stream repeats: after resuming at
// timestamp last, the first skip lines stamped exactly last were delivered
// already.
type dedup struct {
	fn     func(runtime.LogLine)
	last   time.Time
	atLast int
	skip   int
}

func (d *dedup) emit(l runtime.LogLine) {
	if d.skip > 0 && l.Time.Equal(d.last) {
		d.skip--
		return
	}
	d.skip = 0
	if l.Time.Equal(d.last) {
		d.atLast++
	} else if l.Time.After(d.last) {
		d.last, d.atLast = l.Time, 1
	}
	d.fn(l)
}

// lineWriter turns the frames of one stream into lines. stdcopy writes each
// frame with one Write, and the engine sends each log message as one frame:
// "<RFC3339Nano timestamp> <text>", where text ends with a newline unless it
// is a partial message (part of a line longer than 16 KiB, or output not
// yet terminated).
type lineWriter struct {
	stream  runtime.Stream
	emit    func(runtime.LogLine)
	pending []byte
	partial bool // pending holds the start of a line
	ts      time.Time
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	ts := w.ts
	if i := bytes.IndexByte(p, ' '); i > 0 {
		if t, err := time.Parse(time.RFC3339Nano, string(p[:i])); err == nil {
			ts, p = t, p[i+1:]
		}
	}
	for len(p) > 0 {
		if !w.partial {
			w.partial, w.ts = true, ts
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.pending = append(w.pending, p...)
			for len(w.pending) >= MaxLineBytes {
				w.line(w.pending[:MaxLineBytes])
				w.pending = w.pending[MaxLineBytes:]
			}
			if len(w.pending) == 0 {
				w.partial = false
			}
			break
		}
		w.pending = append(w.pending, p[:i]...)
		p = p[i+1:]
		for len(w.pending) > MaxLineBytes {
			w.line(w.pending[:MaxLineBytes])
			w.pending = w.pending[MaxLineBytes:]
		}
		w.line(w.pending)
		w.pending = w.pending[:0]
		w.partial = false
	}
	if !w.partial {
		w.ts = ts
	}
	return n, nil
}

func (w *lineWriter) line(b []byte) {
	w.emit(runtime.LogLine{Stream: w.stream, Time: w.ts, Text: string(b)})
}

// flush delivers a final line that has no newline.
func (w *lineWriter) flush() {
	if w.partial && len(w.pending) > 0 {
		w.line(w.pending)
	}
	w.pending, w.partial = nil, false
}
