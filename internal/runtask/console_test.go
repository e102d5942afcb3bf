package runtask

import (
	"bytes"
	"strings"
	"testing"
)

func TestConsole_LiveStatusLine(t *testing.T) {
	var term bytes.Buffer // one terminal for both streams
	c := newConsole(&term, &term, false, true)
	c.Status("[1s] 2 tasks: 2 RUNNING")
	c.Status("[1s] 2 tasks: 2 RUNNING") // unchanged: not redrawn
	c.Line("0123456789abcdef", "app", "hello")
	c.Infof("Task 01234567 STOPPED")
	c.EndStatus()
	const clear = "\r\x1b[2K"
	want := "[1s] 2 tasks: 2 RUNNING" + clear + "01234567 app | hello\n" + "[1s] 2 tasks: 2 RUNNING" +
		clear + "Task 01234567 STOPPED\n" + "[1s] 2 tasks: 2 RUNNING" + clear
	if got := term.String(); got != want {
		t.Errorf("terminal:\n got %q\nwant %q", got, want)
	}
}

func TestConsole_PlainOutput(t *testing.T) {
	var out, info bytes.Buffer
	c := newConsole(&out, &info, false, false)
	c.Status("not shown")
	c.Line("0123456789abcdef", "app", "hello")
	c.WithLabel("migrate").Infof("two\nlines")
	if out.String() != "01234567 app | hello\n" || info.String() != "[migrate] two\n[migrate] lines\n" {
		t.Errorf("out %q, info %q", out.String(), info.String())
	}
}

func TestConsole_ColourOnlyWhenAsked(t *testing.T) {
	var out bytes.Buffer
	newConsole(&out, nil, true, false).Line("0123456789abcdef", "app", "x")
	if !strings.HasPrefix(out.String(), "\x1b[") || !strings.HasSuffix(out.String(), "\x1b[0m x\n") {
		t.Errorf("coloured line %q", out.String())
	}
	out.Reset()
	NewConsole(&out, nil, ColourAuto).Line("0123456789abcdef", "app", "x") // a buffer is no terminal
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("colour on a non-terminal: %q", out.String())
	}
}
