package docker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/docker/docker/api/types/container"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// Following a container's output from its json-file log.
//
// The engine's logs endpoint decodes the json-file log of a container line
// by line and sends each line again, multiplexed, over HTTP: for a chatty
// container (200,000 short lines) that costs the Docker daemon more CPU
// than everything else the container does, and is what made a streamed
// run-task several times slower than `docker run`. So while a container
// runs, Logs reads the log file itself when it can (it is a json-file log
// this process may read, not compressed, and not rotated yet when the read
// starts): the same entries, with the same timestamps, that the endpoint
// would send. Whatever it cannot follow exactly (a rotation it did not
// see, an entry it cannot read) ends the file read, and the read goes on
// through the endpoint from the position reached (runtime.LogPosition), so
// no line is lost or repeated either way.

// fileFollowPoll bounds the wait for more output at the end of the file
// while the container runs: the wait starts at fileFollowMin after a read
// that found output and doubles up to it.
const (
	fileFollowMin  = 2 * time.Millisecond
	fileFollowPoll = 100 * time.Millisecond
)

// errFileFollow ends a file read that cannot go on exactly.
var errFileFollow = errors.New("log file cannot be followed")

// followFile follows the container's output in its log file until the
// container is no longer running: the run that info saw started. It
// returns false (and no error) when the file cannot be read or followed
// exactly; the caller then follows through the engine from rd's position.
// When the run's die event ended the follow, it returns what the event
// said.
func (r *Runtime) followFile(ctx context.Context, id string, info container.InspectResponse, rd *logReader) (bool, *died, error) {
	if info.LogPath == "" {
		// Set when the container starts: inspected before, it had none.
		var err error
		if info, err = r.cli.ContainerInspect(ctx, id); err != nil {
			return false, nil, nil
		}
	}
	if info.LogPath == "" || info.HostConfig == nil || info.HostConfig.LogConfig.Type != "json-file" ||
		info.HostConfig.LogConfig.Config["compress"] == "true" {
		return false, nil, nil
	}
	// From its oldest file: a chatty container may have filled one before
	// the read starts (an adopted one, many), and the rotated files hold
	// its output as the engine's endpoint would send it.
	f, err := openOldest(info.LogPath)
	if err != nil {
		return false, nil, nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	waitC, waitErr := r.cli.ContainerWait(wctx, id, container.WaitConditionNotRunning)
	var dieC <-chan died
	if info.State != nil {
		if t, err := time.Parse(time.RFC3339Nano, info.State.StartedAt); err == nil && !t.IsZero() {
			dieC = r.watchDie(wctx, id, t)
		}
	}
	fr := &fileReader{br: bufio.NewReaderSize(f, 64<<10), since: rd.pos.Resume(), rd: rd}
	return followFrom(ctx, info.LogPath, f, fr, stopSignals{waitC, waitErr, dieC})
}

// stopSignals are what tells followFrom that the container has stopped:
// the engine's answer to a wait for it (wait, or an error on waitErr), or
// its die event (die, which may come sooner; nil when not asked for).
type stopSignals struct {
	wait    <-chan container.WaitResponse
	waitErr <-chan error
	die     <-chan died
}

// atFileEnd, when set (by tests), is called each time followFrom has read
// to the end of the file it reads, before it looks for a rotation.
var atFileEnd func()

// followFrom reads the json-file log f, at path, and the files the driver
// writes after it when it rotates f, until the container has stopped (one
// of stop's signals) and everything is read. It closes f. It returns the
// die event when that was the signal.
func followFrom(ctx context.Context, path string, f *os.File, fr *fileReader, stop stopSignals) (bool, *died, error) {
	// next is the file written after f, opened when f was found rotated.
	var next *os.File
	defer func() {
		f.Close()
		if next != nil {
			next.Close()
		}
	}()
	stopped := false
	var dieEvent *died // the die event, when it was the signal
	delay := fileFollowMin
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		n, err := fr.readAll()
		if err != nil {
			return false, nil, nil
		}
		if n > 0 {
			delay = fileFollowMin
			continue
		}
		if atFileEnd != nil {
			atFileEnd()
		}
		// At the end of the file: it may have been rotated.
		if next == nil {
			if next, err = rotatedAfter(path, f); err != nil {
				return false, nil, nil
			}
			if next != nil {
				// Ours was rotated: it holds all it ever will. Read it to
				// its end once more: the read that found the end may have
				// come before the rest of its last entry was written.
				if _, err := fr.readAll(); err != nil || fr.partial() {
					return false, nil, nil
				}
			}
		}
		if next != nil {
			// Ours was rotated: it holds all it ever will, and was read
			// to its end. Go on with the next one.
			f.Close()
			f, next = next, nil
			fr.br.Reset(f)
			continue
		}
		if stopped {
			if fr.partial() {
				return false, nil, nil
			}
			return true, dieEvent, nil
		}
		if timer == nil {
			timer = time.NewTimer(delay)
		} else {
			timer.Reset(delay)
		}
		select {
		case <-ctx.Done():
			return false, nil, ctx.Err()
		case <-stop.wait:
			stopped = true // read to the end once more
		case <-stop.waitErr:
			stopped = true
		case d := <-stop.die:
			// The engine had closed the container's logger before it sent
			// the event (see dies.go): the file is complete.
			stopped, dieEvent = true, &d
		case <-timer.C:
			delay = min(2*delay, fileFollowPoll)
		}
	}
}

// openOldest opens the oldest file of the json-file log at path: path.k
// for the highest k there is (the driver keeps max-file files, renaming
// path.i to path.i+1 at each rotation, the oldest dropped), else path. A
// rotation while it looks moves the files: it looks again, as rotatedAfter
// does, then gives up (errFileFollow).
func openOldest(path string) (*os.File, error) {
	for try := range rotationTries {
		if try > 0 {
			time.Sleep(time.Millisecond)
		}
		k := highestLogFile(path, 1)
		if oldestFound != nil {
			oldestFound()
		}
		f, err := os.Open(logFileAt(path, k))
		if err != nil {
			continue // rotated away meanwhile
		}
		// No older file since it was opened: a second scan finds none
		// numbered above it (a file cannot get ahead of a scan upwards,
		// as a rotation moves each file up by one, and the driver keeps
		// fewer than maxLogFiles), and it is still path.k. A rotation
		// meanwhile fails one or the other.
		mine, err1 := f.Stat()
		older := highestLogFile(path, k+1)
		st, err2 := os.Stat(logFileAt(path, k))
		if err1 == nil && err2 == nil && older == 0 && os.SameFile(st, mine) {
			return f, nil
		}
		f.Close()
	}
	return nil, errFileFollow
}

// oldestFound, when set (by tests), is called each time openOldest has
// found the oldest file, before it opens it.
var oldestFound func()

// highestLogFile returns the highest k, from k = from up, for which the
// json-file log at path has a file path.k, 0 for none. It looks past a
// missing number: the driver renames path.i to path.i+1 from the highest
// down, so in the middle of a rotation a number is missing below the
// oldest file.
func highestLogFile(path string, from int) int {
	k := 0
	for i := from; i <= maxLogFiles; i++ {
		if _, err := os.Stat(logFileAt(path, i)); err == nil {
			k = i
		}
	}
	return k
}

// logFileAt names the json-file log's file k: path itself for 0, else
// path.k.
func logFileAt(path string, k int) string {
	if k == 0 {
		return path
	}
	return path + "." + strconv.Itoa(k)
}

// maxLogFiles bounds the rotated files looked at (the json-file driver's
// max-file; Docker's default is 1, the usual settings 3 or 5).
const maxLogFiles = 20

// rotatedAfter returns the file written after f, opened, when f was
// rotated (the json-file driver renames path.i to path.i+1 from the
// highest down, then path to path.1, and creates path); nil when it was
// not. A rotation while it looks moves the files under it: it looks again,
// up to rotationTries times a millisecond apart (a chatty container
// rotates its log every few milliseconds, and a busy machine can pause a
// look for longer than that). It fails when it never finds f still among
// the files (the driver removed it, max-file reached: its lines after f
// are lost to the driver).
func rotatedAfter(path string, f *os.File) (*os.File, error) {
	for try := 1; ; try++ {
		next, err := nextFile(path, f)
		if err == nil || try == rotationTries {
			return next, err
		}
		time.Sleep(time.Millisecond)
	}
}

// rotationTries bounds the looks of openOldest and rotatedAfter.
const rotationTries = 100

// nextFile is one look of rotatedAfter. It finds f at path.k and opens
// path.k-1, then checks that f is still path.k: the driver renames from
// the highest down, f before the file after it, so while f has not moved
// the file after it has not either (path.k-1 is missing in between). It
// fails when f is not among the files, or moved while it looked.
func nextFile(path string, f *os.File) (*os.File, error) {
	mine, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if cur, err := os.Stat(path); err == nil && os.SameFile(cur, mine) {
		return nil, nil
	}
	k := -1
	for i := 1; i <= maxLogFiles && k < 0; i++ {
		if st, err := os.Stat(logFileAt(path, i)); err == nil && os.SameFile(st, mine) {
			k = i
		}
	}
	if k < 0 {
		return nil, errFileFollow
	}
	next, err := os.Open(logFileAt(path, k-1))
	if err != nil {
		return nil, errFileFollow
	}
	if st, err := os.Stat(logFileAt(path, k)); err != nil || !os.SameFile(st, mine) {
		next.Close()
		return nil, errFileFollow
	}
	return next, nil
}

// fileReader reads the entries of a json-file log and passes them to a
// logReader, as the engine's logs endpoint would send them.
type fileReader struct {
	br      *bufio.Reader
	since   time.Time
	rd      *logReader
	pending []byte // a line read up to the end of the file so far
	text    []byte // the decoded text of the last entry
}

func (fr *fileReader) partial() bool { return len(fr.pending) > 0 }

// readAll passes every complete entry up to the end of the file, and
// returns how many bytes it read.
func (fr *fileReader) readAll() (int, error) {
	n := 0
	for {
		chunk, err := fr.br.ReadSlice('\n')
		n += len(chunk)
		if err == bufio.ErrBufferFull {
			fr.pending = append(fr.pending, chunk...)
			continue
		}
		if err == io.EOF {
			fr.pending = append(fr.pending, chunk...)
			return n, nil
		}
		if err != nil {
			return n, err
		}
		line := chunk
		if len(fr.pending) > 0 {
			fr.pending = append(fr.pending, chunk...)
			line = fr.pending
		}
		e, ok := parseEntry(line, &fr.text, &fr.rd.stamps)
		if !ok {
			return n, errFileFollow
		}
		fr.pending = fr.pending[:0]
		if !fr.since.IsZero() && e.time.Before(fr.since) {
			continue // the endpoint's since
		}
		fr.rd.entry(e.stream, e.time, e.text)
	}
}

// logEntry is one entry of a json-file log.
type logEntry struct {
	stream runtime.Stream
	time   time.Time
	text   []byte // valid until the next read
}

// jsonEntry is the json-file driver's entry, for entries parseEntry's fast
// path does not read.
type jsonEntry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// parseEntry reads one line of a json-file log,
// {"log":"<text>","stream":"stdout","time":"<RFC 3339>"}: directly when
// the text has no escapes but \n, \t, \r, \" and \\ (what Docker writes for
// common output), else with encoding/json, as the engine decodes it.
func parseEntry(line []byte, scratch *[]byte, stamps *stampParser) (logEntry, bool) {
	if e, ok := parseEntryFast(line, scratch, stamps); ok {
		return e, true
	}
	var j jsonEntry
	if err := json.Unmarshal(line, &j); err != nil {
		return logEntry{}, false
	}
	e := logEntry{time: j.Time, text: []byte(j.Log)}
	switch j.Stream {
	case "stdout":
		e.stream = runtime.Stdout
	case "stderr":
		e.stream = runtime.Stderr
	default:
		return logEntry{}, false
	}
	return e, true
}

var (
	entryStart  = []byte(`{"log":"`)
	entryStream = []byte(`","stream":"`)
	entryTime   = []byte(`","time":"`)
	entryEnd    = []byte("\"}\n")
)

// parseEntryFast decodes the text into *scratch, reused, and the time with
// stamps.
func parseEntryFast(line []byte, scratch *[]byte, stamps *stampParser) (logEntry, bool) {
	if !bytes.HasPrefix(line, entryStart) || !bytes.HasSuffix(line, entryEnd) {
		return logEntry{}, false
	}
	p := line[len(entryStart):]
	out := (*scratch)[:0]
	defer func() { *scratch = out[:0] }()
	// The text runs to the first quote not escaped: copy it a run without
	// escapes at a time (found with IndexByte), decoding each escape.
	for {
		q := bytes.IndexByte(p, '"')
		if q < 0 {
			return logEntry{}, false
		}
		run := p[:q]
		esc := bytes.IndexByte(run, '\\')
		if esc >= 0 {
			run = run[:esc]
		}
		if hasControl(run) {
			return logEntry{}, false // not JSON: encoding/json says so
		}
		out = append(out, run...)
		if esc < 0 {
			p = p[q:]
			break
		}
		if esc+1 >= len(p) {
			return logEntry{}, false
		}
		switch c := p[esc+1]; c {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case '"', '\\', '/':
			out = append(out, c)
		default:
			return logEntry{}, false // \u and the rest: encoding/json
		}
		p = p[esc+2:]
	}
	if !utf8.Valid(out) {
		return logEntry{}, false // encoding/json replaces what is not UTF-8
	}
	rest := p
	if !bytes.HasPrefix(rest, entryStream) {
		return logEntry{}, false
	}
	rest = rest[len(entryStream):]
	var e logEntry
	switch {
	case bytes.HasPrefix(rest, []byte("stdout")):
		e.stream = runtime.Stdout
	case bytes.HasPrefix(rest, []byte("stderr")):
		e.stream = runtime.Stderr
	default:
		return logEntry{}, false
	}
	rest = rest[len("stdout"):]
	if !bytes.HasPrefix(rest, entryTime) {
		return logEntry{}, false // attrs, or something else: encoding/json
	}
	stamp := rest[len(entryTime) : len(rest)-len(entryEnd)]
	if bytes.IndexByte(stamp, '"') >= 0 {
		return logEntry{}, false
	}
	t, err := stamps.parse(stamp)
	if err != nil {
		return logEntry{}, false
	}
	e.time, e.text = t, out
	return e, true
}

// hasControl reports whether b has a byte below 0x20 (which a JSON string
// cannot hold unescaped), eight bytes at a time: a word x has such a byte
// if and only if (x - 0x2020...) & ^x & 0x8080... is not zero (a byte's
// borrow reaches the next only from a byte below 0x20 itself).
func hasControl(b []byte) bool {
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		if (x-0x2020202020202020)&^x&0x8080808080808080 != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}
