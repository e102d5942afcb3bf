package taskmeta

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLoadState_KeyIsCreatedOnceAndPrivate(t *testing.T) {
	dir := t.TempDir()
	st, err := LoadState(dir)
	if err != nil || len(st.Key) != 32 {
		t.Fatalf("LoadState = %+v, %v; want a 32-byte key", st, err)
	}
	st.Port = 4321
	if err := SaveState(dir, st); err != nil {
		t.Fatal(err)
	}
	again, err := LoadState(dir)
	if err != nil || !bytes.Equal(again.Key, st.Key) || again.Port != 4321 {
		t.Errorf("LoadState again = %+v, %v; want the same key and port 4321", again, err)
	}
	fi, err := os.Stat(filepath.Join(dir, StateFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	os.WriteFile(filepath.Join(dir, StateFile), []byte("{"), 0o600)
	if _, err := LoadState(dir); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("LoadState of a damaged file: %v; want an error saying so", err)
	}
}

func TestListen_LoopbackReusesPort(t *testing.T) {
	ln, ep, err := Listen(ListenOptions{Mode: ModeLoopback})
	if err != nil {
		t.Fatal(err)
	}
	port := ep.Port
	ln.Close()
	if ep.Mode != ModeLoopback || ep.Relative || ep.URL != "http://127.0.0.1:"+strconv.Itoa(port) {
		t.Errorf("endpoint %+v", ep)
	}
	ln, ep, err = Listen(ListenOptions{Mode: ModeLoopback, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ep.Port != port {
		t.Errorf("port %d; want the previous %d again", ep.Port, port)
	}
	// A taken port gives another one.
	ln2, ep2, err := Listen(ListenOptions{Mode: ModeLoopback, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	if ep2.Port == port {
		t.Error("two listeners on one port")
	}
}

func TestListen_AutoIsLinkLocalOrExplainsWhyNot(t *testing.T) {
	ln, ep, err := Listen(ListenOptions{Mode: ModeAuto, Owner: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	switch ep.Mode {
	case ModeLinkLocal:
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		if host != LinkLocalIP || ep.Relative != (ep.Port == 80 || ep.Redirected) || ep.Redirected == (ep.NoRedirect != "") {
			t.Errorf("link-local endpoint %+v listening on %s", ep, ln.Addr())
		}
	case ModeLoopback:
		if ep.Fallback == "" {
			t.Errorf("loopback fallback without a reason: %+v", ep)
		}
	default:
		t.Errorf("mode %q", ep.Mode)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAuto, "auto": ModeAuto, "link-local": ModeLinkLocal, "loopback": ModeLoopback} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMode("169.254.170.2"); err == nil {
		t.Error("ParseMode accepted an address")
	}
}

func TestMergeListeners(t *testing.T) {
	a, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := mergeListeners(a, b)
	if m.Addr().String() != a.Addr().String() {
		t.Errorf("Addr %s; want the first listener's %s", m.Addr(), a.Addr())
	}
	for _, ln := range []net.Listener{a, b} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Accept()
		if err != nil {
			t.Fatalf("Accept of a connection to %s: %v", ln.Addr(), err)
		}
		if got.LocalAddr().String() != ln.Addr().String() {
			t.Errorf("accepted a connection to %s; want %s", got.LocalAddr(), ln.Addr())
		}
		got.Close()
		c.Close()
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Accept(); err == nil {
		t.Error("Accept after Close succeeded")
	}
	if _, err := net.Dial("tcp", b.Addr().String()); err == nil {
		t.Error("the second listener still accepts after Close")
	}
}
