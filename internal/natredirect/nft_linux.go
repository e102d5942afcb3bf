//go:build linux

package natredirect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// Install puts r in force in the table r.Table, creating the table when it
// is missing. It needs CAP_NET_ADMIN.
//
// Every step a start and a stop take only adds to the table: the kernel
// ends a transaction that deletes something from a table of NAT chains
// (a rule, a chain, the table) only after an RCU grace period, 10 to 20
// ms on a 2-core machine, against well under one for adding, and an
// engine starts and stops for every command. So when the table exists
// (an earlier engine's, turned off by [Disable], or left by one that was
// killed), Install inserts r's rules at the head of its chains, where they
// come before every older rule and decide alone (a DNAT ends the chain);
// [Tidy] then deletes the older rules, off the command's path. A table of
// another layout (other chains) is replaced in one transaction.
func Install(r Redirect) error {
	if err := r.Validate(); err != nil {
		return err
	}
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("natredirect: netlink: %w", err)
	}
	t := &nftables.Table{Name: r.Table, Family: nftables.TableFamilyIPv4}
	// Looked up first: a transaction that fails (creating a table that
	// exists) costs as much as one that deletes.
	_, err = c.ListTableOfFamily(r.Table, nftables.TableFamilyIPv4)
	switch {
	case errors.Is(err, unix.ENOENT):
		// Created only if still missing: another program's table of
		// this name makes the transaction fail rather than be added to.
		c.CreateTable(t)
		for _, ch := range chains(t) {
			c.AddChain(ch)
			c.AddRule(redirectRule(t, ch, r))
		}
	case err != nil:
		return fmt.Errorf("natredirect: read nftables table ip %s: %w", r.Table, err)
	case ours(c, t):
		for _, ch := range chains(t) {
			c.InsertRule(redirectRule(t, ch, r))
		}
	default:
		c.AddTable(t) // so that the deletion finds it
		c.DelTable(t)
		c.AddTable(t)
		for _, ch := range chains(t) {
			c.AddChain(ch)
			c.AddRule(redirectRule(t, ch, r))
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("natredirect: install nftables table ip %s: %w", r.Table, err)
	}
	return nil
}

// ours reports whether table t has exactly the chains a redirect's table
// has, as this package makes them.
func ours(c *nftables.Conn, t *nftables.Table) bool {
	all, err := c.ListChainsOfTableFamily(t.Family)
	if err != nil {
		return false
	}
	want := map[string]*nftables.Chain{}
	for _, ch := range chains(t) {
		want[ch.Name] = ch
	}
	n := 0
	for _, ch := range all {
		if ch.Table == nil || ch.Table.Name != t.Name {
			continue
		}
		n++
		w := want[ch.Name]
		if w == nil || ch.Type != w.Type || ch.Hooknum == nil || *ch.Hooknum != *w.Hooknum || ch.Priority == nil || *ch.Priority != *w.Priority {
			return false
		}
	}
	return n == len(want)
}

// redirectRule is r's rule in chain ch of table t.
func redirectRule(t *nftables.Table, ch *nftables.Chain, r Redirect) *nftables.Rule {
	comment := userdata.AppendString(nil, userdata.TypeComment, r.comment())
	return &nftables.Rule{Table: t, Chain: ch, Exprs: ruleExprs(r.From, r.To), UserData: comment}
}

// Disable turns the table's redirect off by inserting a rule that returns
// (no NAT) at the head of each chain; the table stays, doing nothing, for
// the next [Install]. A missing table is not an error. Unlike [Remove],
// it only adds, so it takes well under a millisecond.
func Disable(table string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("natredirect: netlink: %w", err)
	}
	t := &nftables.Table{Name: table, Family: nftables.TableFamilyIPv4}
	comment := userdata.AppendString(nil, userdata.TypeComment, disabledComment)
	for _, ch := range chains(t) {
		c.InsertRule(&nftables.Rule{Table: t, Chain: ch, UserData: comment,
			Exprs: []expr.Any{&expr.Counter{}, &expr.Verdict{Kind: expr.VerdictReturn}}})
	}
	if err := c.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("natredirect: turn off nftables table ip %s: %w", table, err)
	}
	return nil
}

// disabledComment marks the rules of [Disable].
const disabledComment = "ecsrun: off (no engine serves this redirect)"

// Tidy deletes every rule of the table's chains but the first, the one in
// force: what [Install] left below its own rules. It waits for the kernel
// (see Install): an engine runs it off the command's path, while it
// serves. A missing table is not an error.
func Tidy(table string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("natredirect: netlink: %w", err)
	}
	t, err := c.ListTableOfFamily(table, nftables.TableFamilyIPv4)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("natredirect: read nftables table ip %s: %w", table, err)
	}
	stale := 0
	for _, ch := range chains(t) {
		rules, err := c.GetRules(t, ch)
		if err != nil {
			return fmt.Errorf("natredirect: read chain %s of nftables table ip %s: %w", ch.Name, table, err)
		}
		for _, r := range rules[min(1, len(rules)):] {
			if err := c.DelRule(r); err != nil {
				return err
			}
			stale++
		}
	}
	if stale == 0 {
		return nil
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("natredirect: tidy nftables table ip %s: %w", table, err)
	}
	return nil
}

// Remove deletes the table; a missing table is not an error.
func Remove(table string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("natredirect: netlink: %w", err)
	}
	t := &nftables.Table{Name: table, Family: nftables.TableFamilyIPv4}
	c.AddTable(t)
	c.DelTable(t)
	if err := c.Flush(); err != nil {
		return fmt.Errorf("natredirect: delete nftables table ip %s: %w", table, err)
	}
	return nil
}

// Read returns the rules in force in the table: the first rule of each
// chain, when it is a redirect (none when there is no such table, or the
// redirect is turned off). A redirect of another shape has no From and To.
func Read(table string) ([]Rule, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("natredirect: netlink: %w", err)
	}
	t, err := c.ListTableOfFamily(table, nftables.TableFamilyIPv4)
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("natredirect: read nftables table ip %s: %w", table, err)
	}
	var out []Rule
	for _, ch := range chains(t) {
		rules, err := c.GetRules(t, ch)
		if err != nil {
			return nil, fmt.Errorf("natredirect: read chain %s of nftables table ip %s: %w", ch.Name, table, err)
		}
		if len(rules) == 0 || returns(rules[0].Exprs) {
			continue
		}
		got := parseRule(rules[0].Exprs)
		got.Chain = ch.Name
		got.Comment, _ = userdata.GetString(rules[0].UserData, userdata.TypeComment)
		out = append(out, got)
	}
	return out, nil
}

// returns reports whether a rule ends in a return verdict (Disable's).
func returns(exprs []expr.Any) bool {
	if len(exprs) == 0 {
		return false
	}
	v, ok := exprs[len(exprs)-1].(*expr.Verdict)
	return ok && v.Kind == expr.VerdictReturn
}

// chains are the base chains of a redirect's table.
func chains(t *nftables.Table) []*nftables.Chain {
	prio := nftables.ChainPriorityRef(Priority)
	return []*nftables.Chain{
		{Name: ChainPrerouting, Table: t, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPrerouting, Priority: prio},
		{Name: ChainOutput, Table: t, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput, Priority: prio},
	}
}

// ruleExprs is `meta l4proto tcp ip daddr FROM tcp dport FROM counter dnat
// to TO`.
func ruleExprs(from, to netip.AddrPort) []expr.Any {
	fromIP, toIP := from.Addr().As4(), to.Addr().As4()
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: fromIP[:]},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: port(from.Port())},
		&expr.Counter{},
		&expr.Immediate{Register: 1, Data: toIP[:]},
		&expr.Immediate{Register: 2, Data: port(to.Port())},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
	}
}

func port(p uint16) []byte { return binary.BigEndian.AppendUint16(nil, p) }

// parseRule reads back what ruleExprs wrote; a rule of another shape gives
// a Rule without From and To.
func parseRule(exprs []expr.Any) Rule {
	want := ruleExprs(netip.AddrPortFrom(netip.IPv4Unspecified(), 0), netip.AddrPortFrom(netip.IPv4Unspecified(), 0))
	var r Rule
	if len(exprs) != len(want) {
		return r
	}
	var fromIP, toIP [4]byte
	var fromPort, toPort uint16
	for i, e := range exprs {
		switch e := e.(type) {
		case *expr.Cmp:
			w, ok := want[i].(*expr.Cmp)
			if !ok || e.Op != w.Op || e.Register != w.Register || len(e.Data) != len(w.Data) {
				return Rule{}
			}
			switch i {
			case 1:
				if !bytes.Equal(e.Data, w.Data) {
					return Rule{}
				}
			case 3:
				copy(fromIP[:], e.Data)
			case 5:
				fromPort = binary.BigEndian.Uint16(e.Data)
			}
		case *expr.Immediate:
			w, ok := want[i].(*expr.Immediate)
			if !ok || e.Register != w.Register || len(e.Data) != len(w.Data) {
				return Rule{}
			}
			if i == 7 {
				copy(toIP[:], e.Data)
			} else {
				toPort = binary.BigEndian.Uint16(e.Data)
			}
		case *expr.Counter:
			if _, ok := want[i].(*expr.Counter); !ok {
				return Rule{}
			}
			r.Packets = e.Packets
		case *expr.Meta:
			if w, ok := want[i].(*expr.Meta); !ok || *e != *w {
				return Rule{}
			}
		case *expr.Payload:
			if w, ok := want[i].(*expr.Payload); !ok || *e != *w {
				return Rule{}
			}
		case *expr.NAT:
			if w, ok := want[i].(*expr.NAT); !ok || e.Type != w.Type || e.Family != w.Family || e.RegAddrMin != w.RegAddrMin || e.RegProtoMin != w.RegProtoMin {
				return Rule{}
			}
		default:
			return Rule{}
		}
	}
	r.From = netip.AddrPortFrom(netip.AddrFrom4(fromIP), fromPort)
	r.To = netip.AddrPortFrom(netip.AddrFrom4(toIP), toPort)
	return r
}
