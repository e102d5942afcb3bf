//go:build linux

package natredirect

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

func TestParseRule(t *testing.T) {
	from := netip.MustParseAddrPort("169.254.170.2:80")
	to := netip.MustParseAddrPort("169.254.170.2:41234")
	got := parseRule(ruleExprs(from, to))
	if got.From != from || got.To != to {
		t.Errorf("parseRule(ruleExprs(%v, %v)) = %+v; want the same addresses", from, to, got)
	}
	other := ruleExprs(from, to)
	other[1] = &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_UDP}}
	for name, exprs := range map[string][]expr.Any{
		"udp":     other,
		"short":   ruleExprs(from, to)[:5],
		"verdict": append(ruleExprs(from, to)[:9], &expr.Verdict{Kind: expr.VerdictAccept}),
		"none":    nil,
	} {
		if got := parseRule(exprs); got.From.IsValid() || got.To.IsValid() {
			t.Errorf("parseRule(%s) = %+v; want no redirect", name, got)
		}
	}
}

// requireNftables skips unless this process may change the host's
// nftables.
func requireNftables(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("changing nftables needs root")
	}
	c, err := nftables.New()
	if err == nil {
		_, err = c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	}
	if err != nil {
		t.Skipf("no nftables here: %v", err)
	}
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

func listen(t *testing.T) (net.Listener, netip.AddrPort) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).AddrPort()
}

// connect dials to from source address src and returns the connection ln
// accepted.
func connect(t *testing.T, src netip.Addr, to netip.AddrPort, ln net.Listener) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: src.AsSlice()}}
	c, err := d.Dial("tcp", to.String())
	if err != nil {
		t.Fatalf("dial %v from %v: %v", to, src, err)
	}
	defer c.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		a, err := ln.Accept()
		if err != nil {
			a = nil
		}
		accepted <- a
	}()
	select {
	case a := <-accepted:
		if a == nil {
			t.Fatalf("%v accepted nothing", ln.Addr())
		}
		a.Close()
		return a
	case <-time.After(5 * time.Second):
		ln.Close()
		t.Fatalf("a connection to %v did not reach %v", to, ln.Addr())
	}
	return nil
}

func TestInstall_RedirectsKeepingTheSourceAndReplaces(t *testing.T) {
	requireNftables(t)
	table := fmt.Sprintf("natredirect-test-%d", os.Getpid())
	competitor := table + "-competitor"
	t.Cleanup(func() {
		Remove(table)
		Remove(competitor)
	})
	target, to := listen(t)
	decoy, decoyAddr := listen(t)
	from := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), freePort(t))

	// A rule of another program for the same address, at the priority of
	// iptables' nat table (as Docker's for a published port would be).
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	ct := c.AddTable(&nftables.Table{Name: competitor, Family: nftables.TableFamilyIPv4})
	ch := c.AddChain(&nftables.Chain{Name: "output", Table: ct, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest})
	c.AddRule(&nftables.Rule{Table: ct, Chain: ch, Exprs: ruleExprs(from, decoyAddr)})
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := connect(t, netip.MustParseAddr("127.0.0.1"), from, decoy); got == nil {
		t.Fatal("the competitor's rule does not redirect")
	}

	r := Redirect{Table: table, From: from, To: to, Comment: "natredirect test " + strconv.Itoa(os.Getpid())}
	for i := range 3 { // a restart, and one after a crash, install again
		if err := Install(r); err != nil {
			t.Fatalf("Install #%d: %v", i+1, err)
		}
	}
	rules, err := Read(table)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("Read after three installs = %+v; want one rule per chain", rules)
	}
	for i, chain := range []string{ChainPrerouting, ChainOutput} {
		if got := rules[i]; got.Chain != chain || got.From != from || got.To != to || got.Comment != r.Comment {
			t.Errorf("rule %d = %+v; want %s %v to %v %q", i, got, chain, from, to, r.Comment)
		}
	}

	// The redirect comes before the competitor's, and the server sees the
	// caller's source address.
	src := netip.MustParseAddr("127.0.0.2")
	a := connect(t, src, from, target)
	if got := a.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); got != src {
		t.Errorf("the server saw a connection from %v; want the caller's %v", got, src)
	}
	if rules, err := Read(table); err != nil || rules[1].Packets == 0 {
		t.Errorf("output rule after a connection: %+v, %v; want a packet counted", rules, err)
	}

	// Another target replaces the rules.
	target2, to2 := listen(t)
	r.To = to2
	if err := Install(r); err != nil {
		t.Fatal(err)
	}
	if rules, err := Read(table); err != nil || len(rules) != 2 || rules[0].To != to2 || rules[1].To != to2 {
		t.Errorf("Read after a new target = %+v, %v; want both rules to %v", rules, err, to2)
	}
	connect(t, src, from, target2)

	// Installs over an existing table only add: the older rules stay
	// below the new ones, which decide, until Tidy deletes them.
	if n := ruleCount(t, table); n != 8 {
		t.Errorf("%d rules after four installs; want 8 (two each, the newest first)", n)
	}
	if err := Tidy(table); err != nil {
		t.Fatal(err)
	}
	if n := ruleCount(t, table); n != 2 {
		t.Errorf("%d rules after Tidy; want 2", n)
	}
	connect(t, src, from, target2)

	// Disable turns the redirect off; the next Install turns it on again.
	if err := Disable(table); err != nil {
		t.Fatal(err)
	}
	if rules, err := Read(table); err != nil || len(rules) != 0 {
		t.Errorf("Read after Disable = %+v, %v; want nothing in force", rules, err)
	}
	connect(t, src, from, decoy)
	r.To = to
	if err := Install(r); err != nil {
		t.Fatal(err)
	}
	if rules, err := Read(table); err != nil || len(rules) != 2 || rules[0].To != to {
		t.Errorf("Read after an install over a disabled table = %+v, %v; want both rules to %v", rules, err, to)
	}
	connect(t, src, from, target)
	if err := Disable(table); err != nil {
		t.Fatal(err)
	}

	if err := Remove(table); err != nil {
		t.Fatal(err)
	}
	if rules, err := Read(table); err != nil || len(rules) != 0 {
		t.Errorf("Read after Remove = %+v, %v; want nothing", rules, err)
	}
	for name, f := range map[string]func(string) error{"Disable": Disable, "Tidy": Tidy} {
		if err := f(table); err != nil {
			t.Errorf("%s of a missing table: %v", name, err)
		}
	}
	if err := Remove(table); err != nil {
		t.Errorf("Remove of a missing table: %v", err)
	}
	connect(t, src, from, decoy)
	Remove(competitor)
	if c, err := net.DialTimeout("tcp", from.String(), 5*time.Second); err == nil || !errors.Is(err, unix.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dial %v without redirects: %v; want connection refused", from, err)
	}
}

// ruleCount counts every rule of the table's chains, in force or not.
func ruleCount(t *testing.T, table string) int {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tb := &nftables.Table{Name: table, Family: nftables.TableFamilyIPv4}
	n := 0
	for _, ch := range chains(tb) {
		rules, err := c.GetRules(tb, ch)
		if err != nil {
			t.Fatal(err)
		}
		n += len(rules)
	}
	return n
}

// A table of another layout (an older program's chains) is replaced, not
// added to.
func TestInstall_ReplacesATableOfAnotherLayout(t *testing.T) {
	requireNftables(t)
	table := fmt.Sprintf("natredirect-layout-%d", os.Getpid())
	t.Cleanup(func() { Remove(table) })
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tb := c.AddTable(&nftables.Table{Name: table, Family: nftables.TableFamilyIPv4})
	c.AddChain(&nftables.Chain{Name: ChainOutput, Table: tb, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest})
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	target, to := listen(t)
	from := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), freePort(t))
	if err := Install(Redirect{Table: table, From: from, To: to, Comment: "layout test"}); err != nil {
		t.Fatal(err)
	}
	if rules, err := Read(table); err != nil || len(rules) != 2 {
		t.Fatalf("Read = %+v, %v; want one rule in each of the two chains", rules, err)
	}
	connect(t, netip.MustParseAddr("127.0.0.1"), from, target)
}
