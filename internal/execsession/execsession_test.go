package execsession

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// echoExec runs "commands" in memory: it copies stdin to stdout upper-
// cased, says "err" on stderr, and exits with len(Cmd).
type echoExec struct {
	spec    runtime.ExecSpec
	resized chan [2]uint
}

type echoRun struct {
	e       *echoExec
	done    chan struct{}
	resize  sync.Once
	resized chan struct{} // closed by the first Resize
}

func (e *echoExec) Exec(ctx context.Context, id string, spec runtime.ExecSpec, stdio runtime.ExecIO) (runtime.Exec, error) {
	if id != "ctr" {
		return nil, runtime.ErrNotFound
	}
	e.spec = spec
	r := &echoRun{e: e, done: make(chan struct{}), resized: make(chan struct{})}
	go func() {
		defer close(r.done)
		stdio.Stderr.Write([]byte("err"))
		b, _ := io.ReadAll(stdio.Stdin)
		stdio.Stdout.Write(bytes.ToUpper(b))
		if spec.TTY {
			// A terminal's process runs until the client's resize has
			// come (the client sends it beside stdin, in no set order),
			// or for at most 30 s.
			select {
			case <-r.resized:
			case <-time.After(30 * time.Second):
			}
		}
	}()
	return r, nil
}

func (r *echoRun) Resize(ctx context.Context, rows, cols uint) error {
	select {
	case r.e.resized <- [2]uint{rows, cols}:
	default: // the test looks at the first
	}
	r.resize.Do(func() { close(r.resized) })
	return nil
}

func (r *echoRun) Wait(ctx context.Context) (int, error) {
	<-r.done
	return len(r.e.spec.Cmd), nil
}

func TestSessionOverHTTP(t *testing.T) {
	now := time.Unix(1000, 0)
	m := NewManager(func() time.Time { return now })
	ex := &echoExec{resized: make(chan [2]uint, 1)}
	srv := httptest.NewServer(Handler(m, ex))
	defer srv.Close()
	s := m.Open(Target{ContainerID: "ctr", ContainerName: "app", Command: []string{"a", "b", "c"}, Interactive: true})
	url := srv.URL + PathPrefix + s.ID
	ctx := context.Background()

	if _, err := Dial(ctx, url, "wrong"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Dial with a wrong token: %v", err)
	}
	conn, err := Dial(ctx, url, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	resize := make(chan Size, 1)
	resize <- Size{Rows: 40, Cols: 100}
	code, err := Run(ctx, conn, Start{TTY: true, Size: Size{24, 80}}, strings.NewReader("hello"), &out, &errb, resize)
	if err != nil || code != 3 || out.String() != "HELLO" || errb.String() != "err" {
		t.Errorf("Run = %d %v; stdout %q stderr %q", code, err, out.String(), errb.String())
	}
	if !ex.spec.TTY || ex.spec.Rows != 24 || ex.spec.Cols != 80 {
		t.Errorf("exec spec %+v", ex.spec)
	}
	select {
	case got := <-ex.resized:
		if got != [2]uint{40, 100} {
			t.Errorf("resized to %v", got)
		}
	default:
		t.Error("the resize sent while the process ran never reached it")
	}
	if _, err := Dial(ctx, url, s.Token); err == nil {
		t.Error("a session was used twice")
	}

	// An expired session, and a container that is gone.
	old := m.Open(Target{ContainerID: "ctr", Command: []string{"x"}})
	now = now.Add(DefaultTTL + time.Second)
	if _, err := m.Take(old.ID, old.Token); !errors.Is(err, ErrSession) {
		t.Errorf("expired session: %v", err)
	}
	gone := m.Open(Target{ContainerID: "gone", ContainerName: "app", Command: []string{"sh"}})
	a, b := net.Pipe()
	go Serve(ctx, a, ex, gone)
	_, err = Run(ctx, b, Start{}, nil, io.Discard, io.Discard, nil)
	var ee *ExitError
	if !errors.As(err, &ee) || !strings.Contains(ee.Message, "cannot run sh in container app") {
		t.Errorf("Run in a missing container: %v", err)
	}
}

func FuzzReadFrame(f *testing.F) {
	var b bytes.Buffer
	WriteFrame(&b, FrameStart, Start{TTY: true, Size: Size{24, 80}}.bytes())
	f.Add(b.Bytes())
	f.Add([]byte{'x', 0, 0, 0, 4, 0, 0, 0, 1})
	f.Add([]byte{'i', 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			typ, p, err := ReadFrame(r)
			if err != nil {
				return
			}
			if len(p) > MaxFrame {
				t.Fatalf("payload of %d bytes", len(p))
			}
			if typ == FrameStart {
				if st, err := ParseStart(p); err == nil {
					var again bytes.Buffer
					WriteFrame(&again, FrameStart, st.bytes())
					if _, q, _ := ReadFrame(&again); !bytes.Equal(q, p) {
						t.Fatalf("start %x does not round-trip", p)
					}
				}
			}
		}
	})
}
