//go:build linux

package taskmeta

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/natredirect"
)

// requireRoot skips unless this process may redirect ports.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("redirecting 169.254.170.2:80 needs root")
	}
	if _, err := natredirect.Read(RedirectTable); err != nil {
		t.Skipf("no nftables here: %v", err)
	}
}

// listenOwning listens as o says once this test owns 169.254.170.2:80.
// Another engine on the host may hold the port for a while: past 20 seconds
// the test is skipped.
func listenOwning(t *testing.T, o ListenOptions) (net.Listener, Endpoint) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ln, ep, err := Listen(o)
		if err != nil {
			t.Fatal(err)
		}
		if ep.Redirected {
			return ln, ep
		}
		ln.Close()
		if !ep.Elsewhere {
			t.Fatalf("endpoint %+v: not redirected", ep)
		}
		if time.Now().After(deadline) {
			t.Skipf("169.254.170.2:80 is not free on this host: %s", ep.NoRedirect)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// remoteAddrServer answers every request with the caller's address.
func remoteAddrServer(ln net.Listener) {
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.RemoteAddr)
	}))
}

// getVia80 asks 169.254.170.2:80 and returns the answer and the local
// address of the connection.
func getVia80(t *testing.T) (string, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", LinkLocalIP+":80", 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s:80: %v", LinkLocalIP, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", LinkLocalIP)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("answer of %s:80: %v", LinkLocalIP, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), c.LocalAddr().String()
}

func redirectRules(t *testing.T) []natredirect.Rule {
	t.Helper()
	rules, err := natredirect.Read(RedirectTable)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func TestListen_RedirectsPort80AndLeavesItToTasks(t *testing.T) {
	requireRoot(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	o := ListenOptions{Mode: ModeLinkLocal, Owner: dirA}
	ln, ep := listenOwning(t, o)
	defer func() { ln.Close() }()
	if ep.Mode != ModeLinkLocal || !ep.Relative || ep.Port == 80 || ep.URL != "http://"+LinkLocalIP || ep.NoRedirect != "" {
		t.Errorf("endpoint %+v; want link-local, relative, redirected from port 80 to another", ep)
	}
	remoteAddrServer(ln)
	want := netip.MustParseAddrPort(LinkLocalIP + ":" + strconv.Itoa(ep.Port))
	rules := redirectRules(t)
	if len(rules) != 2 {
		t.Fatalf("rules %+v; want one per chain", rules)
	}
	for _, r := range rules {
		if r.From != netip.MustParseAddrPort(LinkLocalIP+":80") || r.To != want || !strings.Contains(r.Comment, dirA) {
			t.Errorf("rule %+v; want %s:80 to %v, naming %s", r, LinkLocalIP, want, dirA)
		}
	}

	// A task may have host port 80 (all addresses), and 169.254.170.2:80
	// still reaches the endpoints, which see the caller's own address.
	task, err := net.Listen("tcp", ":80")
	if err != nil {
		t.Fatalf("host port 80 is not free for tasks: %v", err)
	}
	defer task.Close()
	if got, local := getVia80(t); got != local {
		t.Errorf("the endpoints saw the caller as %q; want its own address %q", got, local)
	}

	// A second engine leaves the redirect alone and says whose it is.
	ln2, ep2, err := Listen(ListenOptions{Mode: ModeLinkLocal, Owner: dirB})
	if err != nil {
		t.Fatal(err)
	}
	if ep2.Redirected || ep2.Relative || ep2.Port == 80 || ep2.URL != "http://"+LinkLocalIP+":"+strconv.Itoa(ep2.Port) || !strings.Contains(ep2.NoRedirect, dirA) || !ep2.Elsewhere {
		t.Errorf("second engine's endpoint %+v; want its own port, a full URI and why (naming %s)", ep2, dirA)
	}
	ln2.Close()
	if rules := redirectRules(t); len(rules) != 2 || rules[0].To != want {
		t.Errorf("rules after the second engine closed: %+v; want the first's", rules)
	}

	// Killed: the rules stay, the host lock goes. The next start replaces
	// them, on the same port.
	owned := ln.(*ownedListener)
	owned.Listener.Close()
	owned.host.release()
	o.Port = ep.Port
	ln, ep = listenOwning(t, o)
	remoteAddrServer(ln)
	if ep.Port != o.Port {
		t.Errorf("port after a restart %d; want the previous %d", ep.Port, o.Port)
	}
	if rules := redirectRules(t); len(rules) != 2 || rules[0].To != want || rules[1].To != want {
		t.Errorf("rules after a restart: %+v; want exactly one per chain to %v", rules, want)
	}
	if got, local := getVia80(t); got != local {
		t.Errorf("after a restart the endpoints saw %q; want %q", got, local)
	}

	// Closing removes the rules and gives the port up.
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if rules := redirectRules(t); len(rules) != 0 {
		t.Errorf("rules after Close: %+v; want none", rules)
	}
	// Without the redirect, 169.254.170.2:80 is the task's port.
	accepted := make(chan error, 1)
	go func() {
		c, err := task.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	c, err := net.DialTimeout("tcp", LinkLocalIP+":80", 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s:80 after Close: %v; want the task's listener", LinkLocalIP, err)
	}
	c.Close()
	if err := <-accepted; err != nil {
		t.Errorf("the task's listener on port 80: %v", err)
	}
}

// helperEnv makes TestListen_Helper print the endpoint Listen gives.
const helperEnv = "ECSRUN_TASKMETA_LISTEN_HELPER"

func TestListen_Helper(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("runs as a child of TestListen_UnprivilegedFallsBack")
	}
	ln, ep, err := Listen(ListenOptions{Mode: ModeLinkLocal, Owner: "unprivileged"})
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	b, _ := json.Marshal(ep)
	fmt.Printf("endpoint %s\n", b)
}

// listenUnprivileged runs Listen as the user nobody and returns its
// endpoint.
func listenUnprivileged(t *testing.T, exe string) Endpoint {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^TestListen_Helper$", "-test.v")
	cmd.Dir = filepath.Dir(exe)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Listen as nobody: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if b, ok := strings.CutPrefix(line, "endpoint "); ok {
			var ep Endpoint
			if err := json.Unmarshal([]byte(b), &ep); err != nil {
				t.Fatal(err)
			}
			return ep
		}
	}
	t.Fatalf("Listen as nobody printed no endpoint:\n%s", out)
	return Endpoint{}
}

func TestListen_UnprivilegedFallsBack(t *testing.T) {
	requireRoot(t)
	// A copy of this test binary that the user nobody can run.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	child := filepath.Join(dir, "taskmeta.test")
	if err := os.WriteFile(child, b, 0o755); err != nil {
		t.Fatal(err)
	}

	// While an engine owns port 80: a port of its own, saying whose 80 is.
	owner := t.TempDir()
	ln, _ := listenOwning(t, ListenOptions{Mode: ModeLinkLocal, Owner: owner})
	ep := listenUnprivileged(t, child)
	ln.Close()
	if ep.Mode != ModeLinkLocal || ep.Redirected || ep.Relative || ep.Port == 80 || !strings.Contains(ep.NoRedirect, owner) {
		t.Errorf("unprivileged endpoint while %s owns port 80: %+v; want a port of its own and why", owner, ep)
	}

	// Alone: no redirect (nftables needs root), and port 80 needs root too.
	ep = listenUnprivileged(t, child)
	if ep.Mode != ModeLinkLocal || ep.Redirected || ep.Relative || ep.Port == 80 || !strings.Contains(ep.NoRedirect, "run ecsrun as root") {
		t.Errorf("unprivileged endpoint: %+v; want a port of its own and why there is no redirect", ep)
	}
}

// TestListen_RedirectFollowsWhenThePreviousPortIsTaken: the engine that
// owns 169.254.170.2:80 gave its containers the relative URI (port 80).
// When another process took the previous run's port while the engine was
// down, the engine listens elsewhere and the redirect follows: port 80
// reaches the endpoints, never the process on the old port, so the URL the
// containers have is still served.
func TestListen_RedirectFollowsWhenThePreviousPortIsTaken(t *testing.T) {
	requireRoot(t)
	o := ListenOptions{Mode: ModeLinkLocal, Owner: t.TempDir()}
	ln, ep := listenOwning(t, o)
	owned := ln.(*ownedListener)
	owned.Listener.Close() // killed: the rules stay
	owned.host.release()
	squatter, err := net.Listen("tcp", net.JoinHostPort(LinkLocalIP, strconv.Itoa(ep.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer squatter.Close()
	go http.Serve(squatter, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "squatter")
	}))
	o.Port = ep.Port
	ln, ep2 := listenOwning(t, o)
	defer ln.Close()
	remoteAddrServer(ln)
	if ep2.Port == ep.Port || !ep2.Serves(ep.URL) {
		t.Errorf("endpoint after a restart with port %d taken: %+v; want another port and the same URL %s", ep.Port, ep2, ep.URL)
	}
	if got, local := getVia80(t); got != local {
		t.Errorf("port 80 answered %q; want the endpoints (seeing %q), not the process on the old port", got, local)
	}
}

func TestPortHolder_NamesThisProcess(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := PortHolder(ln.Addr().(*net.TCPAddr).AddrPort())
	if want := fmt.Sprintf("(pid %d)", os.Getpid()); !strings.Contains(got, want) {
		t.Errorf("PortHolder(%v) = %q; want it to contain %q", ln.Addr(), got, want)
	}
	if got := PortHolder(netip.MustParseAddrPort("127.0.0.1:1")); got != "" {
		t.Errorf("PortHolder of a port nobody listens on = %q; want \"\"", got)
	}
}
