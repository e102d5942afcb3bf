package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The fluentrouter step: a FireLens log router stand-in. It reads a Fluent
// Bit or Fluentd configuration (as ecsrun and the ECS agent generate it),
// listens on its forward inputs (unix socket and TCP) and its Fluent Bit
// tcp inputs, receives Fluentd Forward protocol messages (Message,
// Forward, PackedForward and CompressedPackedForward modes, acknowledging
// chunks), applies its record modifiers and grep filters, and prints each
// record routed to an output other than null as one JSON line:
//
//	{"tag":"app-firelens-<task id>","time":"...","record":{...},"outputs":["cloudwatch_logs"]}

// eventTime is the Forward protocol's EventTime (msgpack extension 0).
type eventTime struct{ t time.Time }

func (e *eventTime) UnmarshalMsgpack(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("EventTime of %d bytes", len(b))
	}
	e.t = time.Unix(int64(binary.BigEndian.Uint32(b[:4])), int64(binary.BigEndian.Uint32(b[4:])))
	return nil
}

func (e *eventTime) MarshalMsgpack() ([]byte, error) {
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b[:4], uint32(e.t.Unix()))
	binary.BigEndian.PutUint32(b[4:], uint32(e.t.Nanosecond()))
	return b, nil
}

func init() { msgpack.RegisterExt(0, (*eventTime)(nil)) }

// routerConfig is what the stand-in takes from a configuration.
type routerConfig struct {
	out     io.Writer // where records are printed
	unix    []string  // forward inputs on unix sockets
	forward []string  // forward inputs on TCP addresses
	tcp     []tcpInput
	filters []filter
	outputs []output
}

type tcpInput struct{ addr, tag string }

type filter struct {
	match   string
	add     map[string]string // record modifier
	key     string            // grep
	regex   *regexp.Regexp
	exclude bool
}

type output struct{ name, match string }

// readRouterConfig parses the configuration at path and the files it
// includes.
func readRouterConfig(path string) (*routerConfig, error) {
	c := &routerConfig{out: os.Stdout}
	return c, c.read(path, 0)
}

func (c *routerConfig) read(path string, depth int) error {
	if depth > 8 {
		return fmt.Errorf("%s: includes nest too deep", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(data)
	if strings.Contains(text, "<source>") || strings.Contains(text, "<match") || strings.Contains(text, "@include") {
		return c.fluentd(text, depth)
	}
	return c.fluentBit(text, depth)
}

// include reads an included file; one that is absent is reported, not
// fatal (a real router would fail; the stand-in only receives).
func (c *routerConfig) include(path string, depth int) {
	if err := c.read(path, depth+1); err != nil {
		fmt.Fprintf(os.Stderr, "fluentrouter: include %s: %v\n", path, err)
	}
}

// fluentBit parses Fluent Bit's classic syntax.
func (c *routerConfig) fluentBit(text string, depth int) error {
	type section struct {
		kind string
		kv   map[string][]string
	}
	var sections []section
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "@INCLUDE "):
			c.include(strings.TrimSpace(strings.TrimPrefix(line, "@INCLUDE ")), depth)
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			sections = append(sections, section{kind: strings.ToUpper(line[1 : len(line)-1]), kv: map[string][]string{}})
		case len(sections) > 0:
			k, v, _ := strings.Cut(line, " ")
			s := sections[len(sections)-1]
			s.kv[strings.ToLower(k)] = append(s.kv[strings.ToLower(k)], strings.TrimSpace(v))
		}
	}
	first := func(s section, k string) string {
		if v := s.kv[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for _, s := range sections {
		name := first(s, "name")
		switch s.kind {
		case "INPUT":
			addr := net.JoinHostPort(orDefault(first(s, "listen"), "0.0.0.0"), orDefault(first(s, "port"), "24224"))
			switch {
			case name == "forward" && first(s, "unix_path") != "":
				c.unix = append(c.unix, first(s, "unix_path"))
			case name == "forward":
				c.forward = append(c.forward, addr)
			case name == "tcp":
				c.tcp = append(c.tcp, tcpInput{addr: net.JoinHostPort(orDefault(first(s, "listen"), "0.0.0.0"), orDefault(first(s, "port"), "5170")), tag: first(s, "tag")})
			}
		case "FILTER":
			f := filter{match: orDefault(first(s, "match"), "*")}
			switch name {
			case "record_modifier":
				f.add = map[string]string{}
				for _, r := range s.kv["record"] {
					k, v, _ := strings.Cut(r, " ")
					f.add[k] = strings.TrimSpace(v)
				}
			case "grep":
				rule := first(s, "regex")
				if rule == "" {
					rule, f.exclude = first(s, "exclude"), true
				}
				k, pattern, _ := strings.Cut(rule, " ")
				f.key, f.regex = k, compileOrNil(strings.TrimSpace(pattern))
			default:
				continue
			}
			c.filters = append(c.filters, f)
		case "OUTPUT":
			c.outputs = append(c.outputs, output{name: name, match: orDefault(first(s, "match"), "*")})
		}
	}
	return nil
}

// fluentd parses the part of Fluentd's syntax FireLens configurations use.
func (c *routerConfig) fluentd(text string, depth int) error {
	var stack []string // open directives: "source", "filter TAG", "match TAG", "record", ...
	kv := map[string]string{}
	record := map[string]string{}
	var grepKey, grepPattern string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "@include "):
			c.include(strings.TrimSpace(strings.TrimPrefix(line, "@include ")), depth)
		case strings.HasPrefix(line, "</"):
			if len(stack) == 0 {
				return fmt.Errorf("fluentd configuration: %s closes nothing", line)
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			kind, arg, _ := strings.Cut(top, " ")
			switch kind {
			case "source":
				addr := net.JoinHostPort(orDefault(kv["bind"], "0.0.0.0"), orDefault(kv["port"], "24224"))
				switch kv["@type"] {
				case "unix":
					c.unix = append(c.unix, orDefault(kv["path"], "/var/run/fluent.sock"))
				case "forward":
					c.forward = append(c.forward, addr)
				}
			case "regexp", "exclude":
				grepKey, grepPattern = kv["key"], kv["pattern"]
				kv["exclude"] = fmt.Sprint(kind == "exclude")
				continue // the enclosing filter's keys stay
			case "filter":
				f := filter{match: orDefault(arg, "**")}
				switch kv["@type"] {
				case "record_transformer":
					f.add = record
				case "grep":
					f.key, f.regex, f.exclude = grepKey, compileOrNil(grepPattern), kv["exclude"] == "true"
				default:
					kv = map[string]string{}
					continue
				}
				c.filters = append(c.filters, f)
			case "match":
				c.outputs = append(c.outputs, output{name: kv["@type"], match: orDefault(arg, "**")})
			}
			if kind != "record" && kind != "regexp" && kind != "exclude" {
				kv, record = map[string]string{}, map[string]string{}
			}
		case strings.HasPrefix(line, "<") && strings.HasSuffix(line, ">"):
			stack = append(stack, strings.TrimSpace(line[1:len(line)-1]))
		default:
			k, v, _ := strings.Cut(line, " ")
			if len(stack) > 0 && stack[len(stack)-1] == "record" {
				record[k] = strings.TrimSpace(v)
			} else {
				kv[k] = strings.TrimSpace(v)
			}
		}
	}
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func compileOrNil(p string) *regexp.Regexp {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil
	}
	return re
}

// matches reports whether tag matches a Match pattern ("*" and Fluentd's
// "**" match anything, including nothing).
func matches(pattern, tag string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i, part := range strings.Split(strings.ReplaceAll(pattern, "**", "*"), "*") {
		if i > 0 {
			b.WriteString(".*")
		}
		b.WriteString(regexp.QuoteMeta(part))
	}
	b.WriteString("$")
	ok, _ := regexp.MatchString(b.String(), tag)
	return ok
}

// route applies the filters to a record and returns the outputs it goes
// to; ok is false when a grep filter drops it.
func (c *routerConfig) route(tag string, record map[string]any) (outputs []string, ok bool) {
	for _, f := range c.filters {
		if !matches(f.match, tag) {
			continue
		}
		for k, v := range f.add {
			record[k] = v
		}
		if f.regex != nil {
			s, _ := record[f.key].(string)
			if f.regex.MatchString(s) == f.exclude {
				return nil, false
			}
		}
	}
	for _, o := range c.outputs {
		if matches(o.match, tag) {
			outputs = append(outputs, o.name)
		}
	}
	return outputs, true
}

// printed is one line of the stand-in's output.
type printed struct {
	Tag     string         `json:"tag"`
	Time    string         `json:"time"`
	Record  map[string]any `json:"record"`
	Outputs []string       `json:"outputs"`
}

// emit routes one record and prints it unless it goes nowhere but null.
func (c *routerConfig) emit(tag string, t time.Time, record map[string]any) {
	outputs, ok := c.route(tag, record)
	if !ok {
		return
	}
	real := 0
	for _, o := range outputs {
		if o != "null" {
			real++
		}
	}
	if len(outputs) > 0 && real == 0 {
		return
	}
	if outputs == nil {
		outputs = []string{}
	}
	b, err := json.Marshal(printed{Tag: tag, Time: t.UTC().Format(time.RFC3339Nano), Record: record, Outputs: outputs})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fluentrouter: %v\n", err)
		return
	}
	write(c.out, string(b)+"\n")
}

// fluentRouter runs the stand-in on the configuration at path (the
// default FireLens locations when "").
func fluentRouter(path string) error {
	if path == "" {
		path = "/fluent-bit/etc/fluent-bit.conf"
		if _, err := os.Stat(path); err != nil {
			path = "/fluentd/etc/fluent.conf"
		}
	}
	c, err := readRouterConfig(path)
	if err != nil {
		return err
	}
	var listening []string
	for _, p := range c.unix {
		os.Remove(p) // a socket left by an earlier run
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		ln, err := net.Listen("unix", p)
		if err != nil {
			return err
		}
		go acceptForward(ln, c)
		listening = append(listening, "unix:"+p)
	}
	for _, a := range c.forward {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return err
		}
		go acceptForward(ln, c)
		listening = append(listening, "tcp:"+a)
	}
	for _, in := range c.tcp {
		ln, err := net.Listen("tcp", in.addr)
		if err != nil {
			return err
		}
		go acceptLines(ln, in.tag, c)
		listening = append(listening, "tcp-lines:"+in.addr)
	}
	if len(listening) == 0 {
		return fmt.Errorf("%s has no forward input", path)
	}
	write(os.Stdout, "fluentrouter listening on "+strings.Join(listening, " ")+"\n")
	return nil
}

func acceptForward(ln net.Listener, c *routerConfig) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			if err := readForward(conn, c); err != nil && !errors.Is(err, io.EOF) {
				fmt.Fprintf(os.Stderr, "fluentrouter: %v\n", err)
			}
		}()
	}
}

// acceptLines receives JSON lines on a Fluent Bit tcp input.
func acceptLines(ln net.Listener, tag string, c *routerConfig) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			sc := bufio.NewScanner(conn)
			for sc.Scan() {
				record := map[string]any{}
				if json.Unmarshal(sc.Bytes(), &record) != nil {
					record = map[string]any{"log": sc.Text()}
				}
				c.emit(tag, time.Now(), record)
			}
		}()
	}
}

// readForward reads Forward protocol messages from conn until it closes.
func readForward(conn net.Conn, c *routerConfig) error {
	dec := msgpack.NewDecoder(bufio.NewReader(conn))
	for {
		v, err := dec.DecodeInterface()
		if err != nil {
			return err
		}
		msg, ok := v.([]any)
		if !ok || len(msg) < 2 {
			return fmt.Errorf("not a forward message: %v", v)
		}
		tag := str(msg[0])
		var option map[string]any
		switch entries := msg[1].(type) {
		case []any: // Forward: [tag, [[time, record], ...], option]
			if len(msg) > 2 {
				option, _ = msg[2].(map[string]any)
			}
			for _, e := range entries {
				if pair, ok := e.([]any); ok && len(pair) >= 2 {
					c.emit(tag, when(pair[0]), recordOf(pair[1]))
				}
			}
		case string, []byte: // PackedForward: [tag, bin of entries, option]
			if len(msg) > 2 {
				option, _ = msg[2].(map[string]any)
			}
			data := []byte(str(entries))
			if option["compressed"] == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					return err
				}
				if data, err = io.ReadAll(zr); err != nil {
					return err
				}
			}
			ed := msgpack.NewDecoder(bytes.NewReader(data))
			for {
				e, err := ed.DecodeInterface()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return err
				}
				if pair, ok := e.([]any); ok && len(pair) >= 2 {
					c.emit(tag, when(pair[0]), recordOf(pair[1]))
				}
			}
		default: // Message: [tag, time, record, option]
			if len(msg) < 3 {
				return fmt.Errorf("message without a record: %v", msg)
			}
			if len(msg) > 3 {
				option, _ = msg[3].(map[string]any)
			}
			c.emit(tag, when(msg[1]), recordOf(msg[2]))
		}
		if chunk, ok := option["chunk"]; ok {
			b, err := msgpack.Marshal(map[string]any{"ack": chunk})
			if err != nil {
				return err
			}
			if _, err := conn.Write(b); err != nil {
				return err
			}
		}
	}
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return fmt.Sprint(v)
}

// when reads a record's time: an EventTime or seconds.
func when(v any) time.Time {
	switch t := v.(type) {
	case *eventTime:
		return t.t
	case int8:
		return time.Unix(int64(t), 0)
	case int16:
		return time.Unix(int64(t), 0)
	case int32:
		return time.Unix(int64(t), 0)
	case int64:
		return time.Unix(t, 0)
	case uint8:
		return time.Unix(int64(t), 0)
	case uint16:
		return time.Unix(int64(t), 0)
	case uint32:
		return time.Unix(int64(t), 0)
	case uint64:
		return time.Unix(int64(t), 0)
	case float64:
		return time.Unix(0, int64(t*1e9))
	}
	return time.Now()
}

// recordOf turns a decoded record into JSON-friendly values (binary
// strings as text).
func recordOf(v any) map[string]any {
	out := map[string]any{}
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			out[k] = plain(x)
		}
	}
	return out
}

func plain(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case map[string]any:
		return recordOf(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = plain(x[i])
		}
		return out
	}
	return v
}
