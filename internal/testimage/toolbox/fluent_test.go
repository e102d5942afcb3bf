package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/firelens"
)

// lockedBuffer is a writer the router goroutines share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []printed {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []printed
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var p printed
		if json.Unmarshal([]byte(line), &p) == nil {
			out = append(out, p)
		}
	}
	return out
}

// generated writes the configuration firelens generates for a router of
// type typ and returns its path.
func generated(t *testing.T, typ ecsmodel.FirelensConfigurationType, mode ecsmodel.NetworkMode, appOpts map[string]string) string {
	t.Helper()
	def := &ecsmodel.TaskDefinition{Family: "f", Revision: 1, NetworkMode: mode, ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "r", FirelensConfiguration: &ecsmodel.FirelensConfiguration{Type: typ}},
		{Name: "app", LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriverAwsfirelens, Options: appOpts}},
	}}
	conf, err := firelens.Generate(firelens.Task{Definition: def, ARN: "arn:task", Cluster: "c", EC2InstanceID: "i-1"})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "fluent.conf")
	if err := os.WriteFile(p, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadRouterConfig(t *testing.T) {
	for _, typ := range []ecsmodel.FirelensConfigurationType{ecsmodel.FirelensConfigurationTypeFluentbit, ecsmodel.FirelensConfigurationTypeFluentd} {
		t.Run(string(typ), func(t *testing.T) {
			plugin := "Name"
			if typ == ecsmodel.FirelensConfigurationTypeFluentd {
				plugin = "@type"
			}
			c, err := readRouterConfig(generated(t, typ, ecsmodel.NetworkModeBridge, map[string]string{plugin: "cloudwatch_logs", "exclude-pattern": "^DEBUG"}))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.unix, []string{"/var/run/fluent.sock"}) || !slices.Equal(c.forward, []string{"0.0.0.0:24224"}) {
				t.Errorf("inputs unix %v forward %v", c.unix, c.forward)
			}
			rec := map[string]any{"log": "hello"}
			outs, ok := c.route("app-firelens-t1", rec)
			if !ok || !slices.Equal(outs, []string{"cloudwatch_logs"}) || rec["ecs_cluster"] != "c" || rec["ecs_task_arn"] != "arn:task" || rec["ec2_instance_id"] != "i-1" {
				t.Errorf("route = %v, %v; record %v", outs, ok, rec)
			}
			if _, ok := c.route("app-firelens-t1", map[string]any{"log": "DEBUG x"}); ok {
				t.Error("a record the exclude pattern matches was routed")
			}
			if outs, _ := c.route("other", map[string]any{}); len(outs) != 0 {
				t.Errorf("another tag goes to %v; want nowhere", outs)
			}
		})
	}
}

func TestReadForward_EveryMode(t *testing.T) {
	out := &lockedBuffer{}
	c := &routerConfig{out: out, outputs: []output{{name: "stdout", match: "*"}}}
	client, server := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- readForward(server, c) }()

	at := time.Unix(1700000000, 123456789)
	entry := func(log string) []any { return []any{&eventTime{at}, map[string]any{"log": log}} }
	var packed bytes.Buffer
	enc := msgpack.NewEncoder(&packed)
	enc.Encode(entry("packed 1"))
	enc.Encode(entry("packed 2"))
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(packed.Bytes())
	zw.Close()
	msgs := []any{
		[]any{"message", &eventTime{at}, map[string]any{"log": "message"}, nil},
		[]any{"forward", []any{entry("forward 1"), entry("forward 2")}},
		[]any{"packed", packed.Bytes()},
		[]any{"gzip", zipped.Bytes(), map[string]any{"compressed": "gzip", "chunk": "c1"}},
		[]any{"seconds", int64(1700000000), map[string]any{"log": "seconds"}},
	}
	go func() {
		for _, m := range msgs {
			b, _ := msgpack.Marshal(m)
			client.Write(b)
			if strings.Contains(string(b), "c1") {
				// The chunk asks for an acknowledgement.
				var ack map[string]any
				if err := msgpack.NewDecoder(client).Decode(&ack); err != nil || ack["ack"] != "c1" {
					t.Errorf("ack = %v, %v; want c1", ack, err)
				}
			}
		}
		client.Close()
	}()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("readForward: %v", err)
	}
	var got []string
	for _, p := range out.lines() {
		got = append(got, p.Tag+" "+p.Record["log"].(string))
		if p.Tag != "seconds" && p.Time != "2023-11-14T22:13:20.123456789Z" {
			t.Errorf("%s time %s; want the EventTime", p.Tag, p.Time)
		}
	}
	want := []string{"message message", "forward forward 1", "forward forward 2", "packed packed 1", "packed packed 2", "gzip packed 1", "gzip packed 2", "seconds seconds"}
	if !slices.Equal(got, want) {
		t.Errorf("records %q; want %q", got, want)
	}
}

func TestMatches(t *testing.T) {
	for _, tt := range []struct {
		pattern, tag string
		want         bool
	}{
		{"*", "anything", true},
		{"**", "a.b", true},
		{"app-firelens*", "app-firelens-0123", true},
		{"app-firelens**", "app-firelens-0123", true},
		{"app-firelens*", "app2-firelens-0123", false},
		{"firelens-healthcheck", "firelens-healthcheck", true},
		{"a.b", "axb", false},
	} {
		if got := matches(tt.pattern, tt.tag); got != tt.want {
			t.Errorf("matches(%q, %q) = %v; want %v", tt.pattern, tt.tag, got, tt.want)
		}
	}
}
