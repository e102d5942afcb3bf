package natredirect

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Priority is the priority of the redirect's chains: before the destination
// NAT of iptables and Docker (-100, "dstnat"), after connection tracking
// (-200).
const Priority = -110

// Chains of a redirect's table.
const (
	ChainPrerouting = "prerouting"
	ChainOutput     = "output"
)

// MaxComment is the longest comment a rule keeps (nft's own limit); a longer
// one keeps its end.
const MaxComment = 128

// ErrUnsupported is returned where the host has no nftables (not Linux).
var ErrUnsupported = errors.New("natredirect: redirects need Linux nftables")

// Redirect sends TCP connections to From to To.
type Redirect struct {
	// Table is the nftables table (family ip) that holds the redirect and
	// nothing else.
	Table string
	// From is the address and port the clients connect to; To is where the
	// connections go instead. Both are IPv4.
	From, To netip.AddrPort
	// Comment goes on every rule: who installed it, for `nft list ruleset`.
	Comment string
}

// Rule is one rule found in a redirect's table (see [Read]).
type Rule struct {
	// Chain is ChainPrerouting or ChainOutput.
	Chain    string
	From, To netip.AddrPort
	Comment  string
	// Packets is how many packets the rule has redirected (the first of
	// each connection).
	Packets uint64
}

// Validate checks a redirect before it is installed.
func (r Redirect) Validate() error {
	if r.Table == "" || len(r.Table) > 255 || strings.ContainsRune(r.Table, 0) {
		return fmt.Errorf("natredirect: table name %q: want 1 to 255 bytes", r.Table)
	}
	for _, a := range []struct {
		what string
		ap   netip.AddrPort
	}{{"from", r.From}, {"to", r.To}} {
		if !a.ap.Addr().Is4() || a.ap.Port() == 0 {
			return fmt.Errorf("natredirect: %s %v: want an IPv4 address and a port", a.what, a.ap)
		}
	}
	if r.From == r.To {
		return fmt.Errorf("natredirect: %v redirected to itself", r.From)
	}
	return nil
}

// comment is r.Comment cut to MaxComment bytes, keeping its end.
func (r Redirect) comment() string {
	c := r.Comment
	if len(c) > MaxComment {
		c = "..." + c[len(c)-MaxComment+3:]
	}
	return strings.ToValidUTF8(c, "")
}
