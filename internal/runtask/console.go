package runtask

import (
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// Colour chooses when log prefixes are coloured.
type Colour string

// Colour modes.
const (
	ColourAuto   Colour = "auto" // when the output is a terminal and NO_COLOR is unset
	ColourAlways Colour = "always"
	ColourNever  Colour = "never"
)

// ParseColour reads a --color value.
func ParseColour(s string) (Colour, error) {
	switch c := Colour(s); c {
	case ColourAuto, ColourAlways, ColourNever:
		return c, nil
	}
	return "", fmt.Errorf("--color must be auto, always or never, not %q", s)
}

// Console writes a run's output: container log lines (each prefixed with
// the task id and container name) to one writer, and the progress log to
// another. When the progress writer is a terminal it keeps a live status
// line at the bottom, redrawn in place; otherwise progress is plain lines.
// It is safe for concurrent use; consoles made by WithLabel share the
// writers and the lock.
type Console struct {
	shared *consoleState
	label  string // prefix of every line ("" for none)
}

type consoleState struct {
	mu       sync.Mutex
	out      io.Writer
	info     io.Writer
	colour   bool
	live     bool   // info is a terminal
	status   string // the status line shown, "" when none
	disabled bool   // status lines off (parallel runs)
	buf      []byte // lines being written (reused)
}

// NewConsole returns a console writing container output to out and the
// progress log to info (io.Discard for nil).
func NewConsole(out, info io.Writer, colour Colour) *Console {
	if out == nil {
		out = io.Discard
	}
	if info == nil {
		info = io.Discard
	}
	auto := isTerminal(out) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
	return newConsole(out, info, colour == ColourAlways || colour == ColourAuto && auto, isTerminal(info))
}

// newConsole returns a console with colour and the live status line chosen
// by the caller.
func newConsole(out, info io.Writer, colour, live bool) *Console {
	return &Console{shared: &consoleState{out: out, info: info, colour: colour, live: live}}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// WithLabel returns a console that prefixes every line with "[label] " and
// shows no live status line (for runs in parallel).
func (c *Console) WithLabel(label string) *Console {
	c.shared.mu.Lock()
	c.shared.disabled = true
	c.shared.mu.Unlock()
	return &Console{shared: c.shared, label: label}
}

// Live reports whether progress goes to a terminal with a live status line.
func (c *Console) Live() bool {
	c.shared.mu.Lock()
	defer c.shared.mu.Unlock()
	return c.shared.live && !c.shared.disabled
}

func (c *Console) prefix() string {
	if c.label == "" {
		return ""
	}
	return "[" + c.label + "] "
}

// clearStatus removes the status line; callers hold the lock.
func (st *consoleState) clearStatus() {
	if st.status != "" {
		io.WriteString(st.info, "\r\x1b[2K")
	}
}

func (st *consoleState) redrawStatus() {
	if st.status != "" {
		io.WriteString(st.info, st.status)
	}
}

// palette holds the ANSI colours of log prefixes.
var palette = []string{"31", "32", "33", "34", "35", "36", "91", "92", "93", "94", "95", "96"}

// Line writes one line of a container's output.
func (c *Console) Line(taskID, container, text string) {
	c.line("", taskID, container, text)
}

// line writes one line of a container's output, with label (when not
// empty) before the task id.
func (c *Console) line(label, taskID, container, text string) {
	c.lines(label, taskID, container, 1, func(int) string { return text })
}

// lines writes n lines of one container's output (text(i) for each i), in
// one write: a page of a chatty container's output costs one system call,
// not one per line.
func (c *Console) lines(label, taskID, container string, n int, text func(int) string) {
	if n == 0 {
		return
	}
	st := c.shared
	if label != "" {
		label += " "
	}
	p := c.prefix() + label + shortID(taskID) + " " + container + " |"
	if st.colour {
		h := fnv.New32a()
		io.WriteString(h, taskID+"/"+container)
		p = "\x1b[" + palette[h.Sum32()%uint32(len(palette))] + "m" + p + "\x1b[0m"
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clearStatus()
	buf := st.buf[:0]
	for i := range n {
		buf = append(buf, p...)
		buf = append(buf, ' ')
		buf = append(buf, text(i)...)
		buf = append(buf, '\n')
		if len(buf) >= consoleFlush {
			st.out.Write(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		st.out.Write(buf)
	}
	st.buf = buf[:0]
	st.redrawStatus()
}

// consoleFlush is how many bytes of container output the console gathers
// before it writes them.
const consoleFlush = 64 << 10

// Infof writes a line of the progress log.
func (c *Console) Infof(format string, args ...any) {
	st := c.shared
	msg := fmt.Sprintf(format, args...)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clearStatus()
	for _, l := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(st.info, "%s%s\n", c.prefix(), l)
	}
	st.redrawStatus()
}

// Status replaces the live status line (a no-op unless Live).
func (c *Console) Status(s string) {
	st := c.shared
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.live || st.disabled || s == st.status {
		return // (an unchanged line is not redrawn: the loop asks often)
	}
	st.clearStatus()
	st.status = s
	st.redrawStatus()
}

// EndStatus removes the live status line.
func (c *Console) EndStatus() {
	st := c.shared
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clearStatus()
	st.status = ""
}

// shortID returns the first 8 characters of a task id or ARN's id.
func shortID(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return s[:min(8, len(s))]
}
