package natredirect

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRedirect_Validate(t *testing.T) {
	from := netip.MustParseAddrPort("169.254.170.2:80")
	to := netip.MustParseAddrPort("169.254.170.2:51679")
	for _, tc := range []struct {
		name string
		r    Redirect
		ok   bool
	}{
		{"ok", Redirect{Table: "t", From: from, To: to}, true},
		{"no table", Redirect{From: from, To: to}, false},
		{"long table", Redirect{Table: strings.Repeat("t", 256), From: from, To: to}, false},
		{"no from", Redirect{Table: "t", To: to}, false},
		{"port 0", Redirect{Table: "t", From: from, To: netip.MustParseAddrPort("127.0.0.1:0")}, false},
		{"IPv6", Redirect{Table: "t", From: from, To: netip.MustParseAddrPort("[::1]:8080")}, false},
		{"to itself", Redirect{Table: "t", From: from, To: from}, false},
	} {
		if err := tc.r.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate(%+v) = %v; want ok %v", tc.name, tc.r, err, tc.ok)
		}
	}
}

func TestRedirect_Comment(t *testing.T) {
	short := Redirect{Comment: "ecsrun /var/lib/ecsrun"}
	if got := short.comment(); got != short.Comment {
		t.Errorf("comment() = %q; want %q", got, short.Comment)
	}
	long := Redirect{Comment: "ecsrun " + strings.Repeat("d/", 100) + "state"}
	got := long.comment()
	if len(got) != MaxComment || !strings.HasPrefix(got, "...") || !strings.HasSuffix(got, "d/state") {
		t.Errorf("comment() of %d bytes = %q (%d bytes); want %d bytes keeping the end", len(long.Comment), got, len(got), MaxComment)
	}
}
