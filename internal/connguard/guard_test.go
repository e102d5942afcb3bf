package connguard

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// serve runs h behind a Guard with limits l on a loopback port.
func serve(t *testing.T, l Limits, h http.Handler) (*Guard, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := New(ln, l)
	srv := g.Server(h)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(g) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
		<-done
	})
	return g, ln.Addr().String()
}

// trusting answers 200 after reading the body, trusting the connection when
// the request says "X-Signed: yes".
func trusting() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		if r.Header.Get("X-Signed") == "yes" {
			Trust(r.Context())
		}
		io.WriteString(w, "ok")
	})
}

// closedWithin reports whether the server closes c within d, reading and
// discarding whatever it sends.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	ne, timeout := err.(net.Error)
	return !(timeout && ne.Timeout())
}

func TestGuard_Timeouts(t *testing.T) {
	l := Limits{MaxConns: 16, MaxUntrusted: 8, HeaderTimeout: 300 * time.Millisecond, BodyTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, WriteTimeout: time.Second}
	_, addr := serve(t, l, trusting())
	for _, tc := range []struct {
		name string
		// talk writes to the connection until it fails or stop closes.
		talk func(c net.Conn, stop <-chan struct{})
	}{
		{"silent connection", func(net.Conn, <-chan struct{}) {}},
		{"trickled headers", func(c net.Conn, stop <-chan struct{}) {
			trickle(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Padding: "+strings.Repeat("a", 1000), stop)
		}},
		{"trickled body", func(c net.Conn, stop <-chan struct{}) {
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
			trickle(c, strings.Repeat("{", 1000), stop)
		}},
		{"idle keep-alive", func(c net.Conn, stop <-chan struct{}) {
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Signed: yes\r\nContent-Length: 2\r\n\r\n{}")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			stop := make(chan struct{})
			defer close(stop)
			go tc.talk(c, stop)
			start := time.Now()
			if !closedWithin(c, 5*time.Second) {
				t.Fatalf("the connection is still open after %v", time.Since(start))
			}
		})
	}
}

// trickle writes s a byte every 50 ms until a write fails or stop closes.
func trickle(c net.Conn, s string, stop <-chan struct{}) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := range len(s) {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// A handler that runs longer than every timeout (a long poll) is neither
// cut nor cancelled, with or without a body, twice on one connection.
func TestGuard_LongRequestsAreNotCut(t *testing.T) {
	l := Limits{MaxConns: 16, MaxUntrusted: 8, HeaderTimeout: 200 * time.Millisecond, BodyTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}
	_, addr := serve(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		select {
		case <-r.Context().Done():
			return // the client sees no answer
		case <-time.After(time.Second): // the long poll's wait
		}
		io.WriteString(w, "done")
	}))
	client := &http.Client{Timeout: 10 * time.Second}
	for i, body := range []string{`{"activityArn":"a"}`, "", `{}`} {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		resp, err := client.Post("http://"+addr+"/", "application/x-amz-json-1.0", rd)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "done" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, b)
		}
	}
}

// Untrusted clients trickling bodies, more of them than the whole
// connection budget and never timed out, do not keep a trusted client out,
// and the guard never holds more connections than its limits.
func TestGuard_UntrustedCannotStarveTrusted(t *testing.T) {
	l := Limits{MaxConns: 32, MaxUntrusted: 16, HeaderTimeout: time.Minute, BodyTimeout: time.Minute, IdleTimeout: time.Minute, WriteTimeout: time.Minute, Grace: 100 * time.Millisecond}
	g, addr := serve(t, l, trusting())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	var wg sync.WaitGroup
	var cut atomic.Int64
	for range 60 {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					return
				}
				stopClose := context.AfterFunc(ctx, func() { c.Close() })
				io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
				stop := make(chan struct{})
				go func() { trickle(c, strings.Repeat("a", 100000), stop) }()
				if closedWithin(c, time.Until(deadlineOf(ctx))) {
					cut.Add(1)
				}
				close(stop)
				stopClose()
				c.Close()
				select { // do not reconnect in a tight loop
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	defer func() { cancel(); wg.Wait() }()

	waitFor(t, 5*time.Second, func() bool { return g.Stats().Evicted > 0 })
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	for i := range 20 {
		req, _ := http.NewRequest("POST", "http://"+addr+"/", strings.NewReader("{}"))
		req.Header.Set("X-Signed", "yes")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("trusted request %d under load: %v", i, err)
		}
		resp.Body.Close()
		if took := time.Since(start); resp.StatusCode != 200 || took > 3*time.Second {
			t.Fatalf("trusted request %d: status %d after %v", i, resp.StatusCode, took)
		}
		if s := g.Stats(); s.Open > l.MaxConns || s.Untrusted > l.MaxUntrusted {
			t.Fatalf("guard holds %+v, beyond %+v", s, l)
		}
	}
	if cut.Load() == 0 {
		t.Error("no slow client was cut off")
	}
}

func deadlineOf(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(10 * time.Millisecond) // polling, bounded by the deadline
	}
}

// At MaxConns, the connection idle the longest makes room; when all are
// trusted and busy, a newcomer waits for one to end.
func TestGuard_FullOfTrustedConnections(t *testing.T) {
	release := make(chan struct{})
	var holding atomic.Int32
	l := Limits{MaxConns: 3, MaxUntrusted: 3, HeaderTimeout: time.Minute, BodyTimeout: time.Minute, IdleTimeout: time.Minute, WriteTimeout: time.Minute}
	g, addr := serve(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		Trust(r.Context())
		if r.Header.Get("X-Hold") == "yes" {
			holding.Add(1)
			<-release
		}
		io.WriteString(w, "ok")
	}))
	request := func(c net.Conn, hold bool) error {
		h := "no"
		if hold {
			h = "yes"
		}
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Hold: %s\r\nContent-Length: 2\r\n\r\n{}", h)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Three trusted keep-alive connections, idle; a fourth closes the
	// first.
	idle := []net.Conn{dial(), dial(), dial()}
	for _, c := range idle {
		if err := request(c, false); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, func() bool { return g.Stats().Untrusted == 0 })
	if err := request(dial(), false); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(idle[0], 5*time.Second) {
		t.Fatal("the connection idle the longest was not closed")
	}
	// Three busy trusted connections: a newcomer waits for one of them.
	busy := make(chan error, 3)
	for range 3 {
		c := dial()
		go func() { busy <- request(c, true) }()
	}
	waitFor(t, 5*time.Second, func() bool { return holding.Load() == 3 })
	if s := g.Stats(); s.Open != 3 || s.Untrusted != 0 {
		t.Fatalf("with three busy trusted connections the guard holds %+v", s)
	}
	late := make(chan error, 1)
	go func() { late <- request(dial(), false) }()
	select {
	case err := <-late:
		t.Fatalf("a fourth connection was served while three trusted ones were busy: %v", err)
	case <-time.After(300 * time.Millisecond): // it must still be waiting
	}
	close(release)
	for range 3 {
		if err := <-busy; err != nil {
			t.Fatal(err)
		}
	}
	if err := <-late; err != nil {
		t.Fatal(err)
	}
}

func TestDefaultLimits(t *testing.T) {
	for _, tc := range []struct {
		nofile           uint64
		conns, untrusted int
	}{
		{0, 512, 128},
		{1 << 20, 512, 128},
		{1024, 512, 128},
		{256, 128, 32},
		{4, 4, 1},
	} {
		l := DefaultLimits(tc.nofile)
		if l.MaxConns != tc.conns || l.MaxUntrusted != tc.untrusted || l.BodyTimeout != DefaultBodyTimeout || l.IdleTimeout != DefaultIdleTimeout {
			t.Errorf("DefaultLimits(%d) = %+v, want %d conns, %d untrusted", tc.nofile, l, tc.conns, tc.untrusted)
		}
	}
}
