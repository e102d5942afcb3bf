package engine

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
)

// TestOpen_RefusesWhenTheTaskEndpointPortIsTaken: a re-adopted task's
// containers keep the endpoints' address of the previous run (with
// AWS_CONTAINER_CREDENTIALS_FULL_URI, its port, and a token). When another
// process holds that port while the engine is down, the engine must not
// move elsewhere and leave them talking to that process: it refuses to
// start, naming the port and the process. Without running tasks it moves.
func TestOpen_RefusesWhenTheTaskEndpointPortIsTaken(t *testing.T) {
	rt := fake.New()
	dir := t.TempDir()
	open := func() (*Engine, error) {
		return Open(context.Background(), Options{StateDir: dir, Runtime: rt, TaskEndpoint: taskmeta.ModeLoopback})
	}
	h := &harness{t: t, dir: dir, rt: rt}
	eng, err := open()
	if err != nil {
		t.Fatal(err)
	}
	h.connect(eng)
	t.Cleanup(func() {
		if h.eng != nil {
			h.eng.Close()
		}
	})
	port := eng.TaskEndpoint().Port
	arn := h.run("long", container("app", "img", true))
	h.waitRunning(arn)
	h.close()

	blocker, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = open()
	if err == nil {
		t.Fatal("Open with the endpoints' port taken and a task running succeeded; want a refusal")
	}
	t.Log(err)
	for _, want := range []string{fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("(pid %d)", os.Getpid()), taskID(arn), "authorization tokens"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q; want it to contain %q", err, want)
		}
	}
	// The refusal left the state directory free and the saved port alone.
	blocker.Close()
	if eng, err = open(); err != nil {
		t.Fatalf("Open once the port is free: %v", err)
	}
	h.connect(eng)
	if got := eng.TaskEndpoint().Port; got != port {
		t.Fatalf("endpoints' port after the port was freed = %d; want %d (the previous run's)", got, port)
	}
	h.waitRunning(arn)

	// Without a running task, the engine moves to another port.
	h.stopTask(arn)
	h.close()
	if blocker, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	if eng, err = open(); err != nil {
		t.Fatalf("Open with the port taken and no task running: %v", err)
	}
	h.connect(eng)
	if got := eng.TaskEndpoint().Port; got == port {
		t.Fatalf("endpoints' port = %d; want another one", got)
	}
}
