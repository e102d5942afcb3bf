package docker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// MaxLineBytes is the longest line Logs delivers; longer output is cut into
// lines of at most this size (runtime.MaxLineBytes).
const MaxLineBytes = runtime.MaxLineBytes

// Logs calls fn for each line the container wrote, in order, stdout and
// stderr interleaved as the engine recorded them, each with the engine's
// timestamp. With opts.Follow it waits for a created container to start and
// returns only once the container has stopped and all its output was
// delivered (or ctx ended).
//
// The engine ends a follow when the container's logger closes, and may do so
// before it has read the messages written last (Docker 20.10 does, often for
// a last line without a newline, which is written only when the container
// exits). So once the container has stopped, Logs asks for the last message
// recorded, and unless it is the last one delivered, reads the end of the
// output again and delivers what the follow missed.
//
// A container with a terminal (Tty) has one output stream, which the engine
// sends raw rather than multiplexed: it is delivered as stdout, without the
// carriage return the terminal puts before each newline.
func (r *Runtime) Logs(ctx context.Context, id string, opts runtime.LogOptions, fn func(runtime.LogLine)) error {
	info, err := r.cli.ContainerInspect(ctx, id)
	if err != nil {
		return wrap("logs", id, nil, runtime.ErrNotFound, err)
	}
	tty := info.Config != nil && info.Config.Tty
	rd := newLogReader(opts.Since, fn)
	fromFile := opts.Follow && !tty && !r.noLogFiles // see followFile
	for again := false; ; again = true {
		if opts.Follow && (again || info.State == nil || info.State.Status == container.StateCreated) {
			// The run followed is the one this inspection sees started.
			if info, err = r.waitStarted(ctx, id); err != nil {
				return err
			}
		}
		if fromFile {
			followed, d, err := r.followFile(ctx, id, info, rd)
			if err != nil {
				return err
			}
			if !followed {
				endpointFollows.Add(1)
				fromFile = false
				continue // through the engine, from where the file read ended
			}
			if d != nil && !d.oom && d.exitCode != exitSIGKILL && !restarts(info) {
				// Its die event ended the follow (see dies.go): the log
				// file was complete, and was read to its end. An
				// inspection, or the engine's logs endpoint, would wait
				// for the engine's cleanup of the container; the Wait
				// that comes next answers from the event. After an oom
				// event, or an exit by SIGKILL (which may be the OOM
				// killer's: settleOOM), an inspection tells how it ended.
				dieEnds.Add(1)
				r.ended.Store(id, runtime.ExitStatus{ExitCode: d.exitCode, FinishedAt: d.at})
				rd.flush()
				return nil
			}
		} else if err := r.streamLogs(ctx, id, tty, rd.pos.Resume(), opts.Follow, "", rd); err != nil {
			return err
		}
		if !opts.Follow {
			rd.flush()
			return nil
		}
		info, err := r.cli.ContainerInspect(ctx, id)
		if err != nil {
			return wrap("logs", id, nil, runtime.ErrNotFound, err)
		}
		if info.State != nil && (info.State.Running || info.State.Restarting || info.State.Paused) {
			continue // the follow ended early: follow again from where it was
		}
		if stopped(info.State) {
			r.ended.Store(id, info) // for the Wait that comes next
		}
		// Stopped: the engine has recorded all of the output now.
		last := &lastFrame{}
		if err := r.streamLogs(ctx, id, tty, opts.Since, false, "1", last); err != nil {
			return err
		}
		if !rd.endsWith(last) {
			if err := r.streamLogs(ctx, id, tty, rd.pos.Resume(), false, "", rd); err != nil {
				return err
			}
		}
		rd.flush()
		return nil
	}
}

// exitSIGKILL is the exit code of a process killed by SIGKILL.
const exitSIGKILL = 137

// restarts reports whether the engine restarts the container when it
// exits (a restart policy; ecsrun sets none, the agent restarts).
func restarts(info container.InspectResponse) bool {
	return info.HostConfig != nil && !info.HostConfig.RestartPolicy.IsNone()
}

// dieEnds counts the follows that the container's die event ended (tests
// read it).
var dieEnds atomic.Int64

// endpointFollows counts the follows that went on through the engine's
// logs endpoint because the log files could not be followed (tests read
// it).
var endpointFollows atomic.Int64

// waitStarted returns once the container has left the "created" state, with
// the inspection that saw it. The engine ends a follow request at once for a
// container that is not running, so following a container that has not
// started yet must wait for it.
func (r *Runtime) waitStarted(ctx context.Context, id string) (container.InspectResponse, error) {
	delay := 5 * time.Millisecond
	for {
		info, err := r.cli.ContainerInspect(ctx, id)
		if err != nil {
			return info, wrap("logs", id, nil, runtime.ErrNotFound, err)
		}
		if info.State == nil || info.State.Status != container.StateCreated {
			return info, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return info, fmt.Errorf("docker: logs %s: %w", id, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// frameSink receives the engine's log messages, one frame at a time.
type frameSink interface {
	frame(stream runtime.Stream, p []byte)
}

// streamLogs asks the engine for the output from since on (the last tail
// messages when tail is set) and passes each message to sink. The output of
// a container with a terminal (tty) is one raw stream rather than stdout and
// stderr frames.
func (r *Runtime) streamLogs(ctx context.Context, id string, tty bool, since time.Time, follow bool, tail string, sink frameSink) error {
	o := container.LogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Follow: follow, Tail: tail}
	if !since.IsZero() {
		o.Since = strconv.FormatInt(since.Unix(), 10) + "." + fmt.Sprintf("%09d", since.Nanosecond())
	}
	rc, err := r.cli.ContainerLogs(ctx, id, o)
	if err != nil {
		return wrap("logs", id, nil, runtime.ErrNotFound, err)
	}
	defer rc.Close()
	if tty {
		err = ttyFrames(rc, sink)
	} else {
		err = demux(rc, sink)
	}
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

// ttyFrames passes the raw output of a container with a terminal to sink,
// as stdout, one message at a time. The engine sends each message as
// "<timestamp> <text>", text ending with a newline except for a partial
// message (a piece of a line longer than 16 KiB, or output that ended
// without a newline), so a message ends at each newline; the carriage return
// the terminal writes before a newline is dropped. A partial message thus
// runs into the next one, with its timestamp: only lines over 16 KiB from a
// terminal are affected.
func ttyFrames(rc io.Reader, sink frameSink) error {
	br := bufio.NewReaderSize(rc, 64<<10)
	var msg []byte
	for {
		chunk, err := br.ReadSlice('\n')
		msg = append(msg, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(msg) > 0 {
			if bytes.HasSuffix(msg, []byte("\r\n")) {
				msg = append(msg[:len(msg)-2], '\n')
			}
			sink.frame(runtime.Stdout, msg)
			msg = msg[:0]
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// parseFrame splits a message "<RFC3339Nano timestamp> <text>"; ok is false
// when it does not start with a timestamp.
func (rd *logReader) parseFrame(p []byte) (ts time.Time, text []byte, ok bool) {
	i := bytes.IndexByte(p, ' ')
	if i <= 0 {
		return time.Time{}, p, false
	}
	t, err := rd.stamps.parse(p[:i])
	if err != nil {
		return time.Time{}, p, false
	}
	return t, p[i+1:], true
}

// logReader turns the messages of one or more reads of a container's
// output into lines: it skips the messages a read repeats, and joins the
// pieces of a line across reads.
type logReader struct {
	pos *runtime.LogPosition
	// lines are stdout's and stderr's (lineIndex).
	lines  [2]*lineSplitter
	last   lastFrame // the last message delivered
	stamps stampParser
}

// lineIndex is a stream's index in logReader.lines.
func lineIndex(s runtime.Stream) int {
	if s == runtime.Stderr {
		return 1
	}
	return 0
}

func newLogReader(since time.Time, fn func(runtime.LogLine)) *logReader {
	rd := &logReader{pos: runtime.NewLogPosition(since, 0)}
	arena := &stringArena{}
	for _, s := range []runtime.Stream{runtime.Stdout, runtime.Stderr} {
		rd.lines[lineIndex(s)] = &lineSplitter{stream: s, emit: fn, arena: arena}
	}
	return rd
}

func (rd *logReader) frame(stream runtime.Stream, p []byte) {
	ls := rd.lines[lineIndex(stream)]
	ts, text, ok := rd.parseFrame(p)
	if !ok {
		ts = ls.lastTime // not sent by the engine, but handled
	}
	if !rd.pos.Keep(stream, ts) {
		return
	}
	rd.last.frame(stream, p)
	ls.add(ts, text)
}

// entry takes a message read from the container's log file (followFile):
// the message the engine would have sent as "<ts> <text>".
func (rd *logReader) entry(stream runtime.Stream, ts time.Time, text []byte) {
	if !rd.pos.Keep(stream, ts) {
		return
	}
	// Kept as it came: the message the engine would send is made of it
	// only if the end of the output is checked (formatting the time of
	// every line cost a chatty container's reader a tenth of its CPU).
	rd.last.entry(stream, ts, text)
	rd.lines[lineIndex(stream)].add(ts, text)
}

// rfc3339NanoFixed is the format of the engine's timestamps on the log
// messages it sends (jsonmessage.RFC3339NanoFixed).
const rfc3339NanoFixed = "2006-01-02T15:04:05.000000000Z07:00"

// endsWith reports whether the last message of the output, last, is the
// last one delivered, so that nothing is left to read. A message that ends
// without a newline is not trusted: a line too long for one message is sent
// in pieces that can look alike, so the output is read again.
func (rd *logReader) endsWith(last *lastFrame) bool {
	if !last.seen || !rd.last.seen {
		return last.seen == rd.last.seen
	}
	return last.stream == rd.last.stream && bytes.Equal(last.message(), rd.last.message()) && bytes.HasSuffix(last.message(), []byte("\n"))
}

// flush delivers the lines left without a newline at the end of the output.
func (rd *logReader) flush() {
	for _, s := range []runtime.Stream{runtime.Stdout, runtime.Stderr} {
		rd.lines[lineIndex(s)].flush()
	}
}

// lastFrame keeps the last message it was given: a frame of the engine's
// stream ("<timestamp> <text>"), or the time and text of an entry of the
// log file, which message makes into the frame the engine would send.
type lastFrame struct {
	seen   bool
	stream runtime.Stream
	raw    []byte
	// ts and text hold an entry's message until message formats it.
	ts      time.Time
	text    []byte
	entered bool
}

func (f *lastFrame) frame(stream runtime.Stream, p []byte) {
	f.seen, f.stream, f.raw, f.entered = true, stream, append(f.raw[:0], p...), false
}

func (f *lastFrame) entry(stream runtime.Stream, ts time.Time, text []byte) {
	f.seen, f.stream, f.ts, f.text, f.entered = true, stream, ts, append(f.text[:0], text...), true
}

// message returns the last message as the engine sends it.
func (f *lastFrame) message() []byte {
	if f.entered {
		// As the engine stamps the messages it sends.
		f.raw = append(append(f.ts.AppendFormat(f.raw[:0], rfc3339NanoFixed), ' '), f.text...)
		f.entered = false
	}
	return f.raw
}

// lineSplitter turns the text of one stream's messages into lines. The
// engine sends each log message as one frame, "<timestamp> <text>", where
// text ends with a newline unless it is a partial message: a piece of a line
// longer than 16 KiB (all pieces stamped with the time of the first), or
// output the container ended without a newline. A line takes the time of its
// first piece; lines longer than MaxLineBytes are cut (runtime.CutLine).
type lineSplitter struct {
	stream   runtime.Stream
	emit     func(runtime.LogLine)
	arena    *stringArena // makes the lines' strings (nil: one allocation each)
	pending  []byte       // the line received so far
	open     bool         // a line has started
	cut      bool         // a piece of the open line was delivered
	ts       time.Time    // time of the open line
	lastTime time.Time    // time of the last message
}

func (l *lineSplitter) add(ts time.Time, text []byte) {
	l.lastTime = ts
	for {
		if !l.open {
			l.open, l.ts = true, ts
		}
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			l.pending = append(l.pending, text...)
			l.cutLong()
			return
		}
		l.pending = append(l.pending, text[:i]...)
		text = text[i+1:]
		l.cutLong()
		if len(l.pending) > 0 || !l.cut {
			l.line(l.pending)
		}
		l.pending, l.open, l.cut = l.pending[:0], false, false
		if len(text) == 0 {
			return
		}
	}
}

// cutLong delivers pieces of the open line while it is longer than
// MaxLineBytes.
func (l *lineSplitter) cutLong() {
	for len(l.pending) > MaxLineBytes {
		n := runtime.CutLine(l.pending)
		l.line(l.pending[:n])
		l.pending = append(l.pending[:0], l.pending[n:]...)
		l.cut = true
	}
}

func (l *lineSplitter) line(b []byte) {
	text := ""
	if l.arena != nil {
		text = l.arena.string(b)
	} else {
		text = string(b)
	}
	l.emit(runtime.LogLine{Stream: l.stream, Time: l.ts, Text: text})
}

// flush delivers a last line that has no newline.
func (l *lineSplitter) flush() {
	if len(l.pending) > 0 {
		l.line(l.pending)
	}
	l.pending, l.open, l.cut = nil, false, false
}
