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

// Install replaces the table r.Table with r, in one transaction: the table
// is created when missing, and whatever it held before (a previous run's
// redirect) is gone in the same step. It needs CAP_NET_ADMIN.
//
// The usual case, no such table (the previous engine removed it), is one
// transaction that only adds: the kernel ends a transaction that deletes
// a table with NAT chains only after an RCU grace period (their hooks are
// unregistered), 10 to 20 ms on a 2-core machine, against well under one
// for adding. The replacing transaction runs only when the table exists.
func Install(r Redirect) error {
	if err := r.Validate(); err != nil {
		return err
	}
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("natredirect: netlink: %w", err)
	}
	t := &nftables.Table{Name: r.Table, Family: nftables.TableFamilyIPv4}
	c.CreateTable(t) // fails, changing nothing, when the table exists
	addRedirect(c, t, r)
	err = c.Flush()
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("natredirect: install nftables table ip %s: %w", r.Table, err)
	}
	c.AddTable(t) // so that the deletion finds it
	c.DelTable(t)
	c.AddTable(t)
	addRedirect(c, t, r)
	if err := c.Flush(); err != nil {
		return fmt.Errorf("natredirect: install nftables table ip %s: %w", r.Table, err)
	}
	return nil
}

// addRedirect queues the chains of table t and r's rule in each.
func addRedirect(c *nftables.Conn, t *nftables.Table, r Redirect) {
	comment := userdata.AppendString(nil, userdata.TypeComment, r.comment())
	for _, ch := range chains(t) {
		c.AddChain(ch)
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: ruleExprs(r.From, r.To), UserData: comment})
	}
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

// Read returns the rules of the table's chains (none when there is no such
// table). A rule that is not a redirect has no From and To.
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
		for _, r := range rules {
			got := parseRule(r.Exprs)
			got.Chain = ch.Name
			got.Comment, _ = userdata.GetString(r.UserData, userdata.TypeComment)
			out = append(out, got)
		}
	}
	return out, nil
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
