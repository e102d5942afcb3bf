package taskmeta

import (
	"net/netip"
	"testing"
)

func TestListensIn(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 52 1 0000000033ee63a1 100 0 0 10 0
   1: 02AAFEA9:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 10655 2 00000000a2a157cc 100 0 0 10 0
   2: 02AAFEA9:0050 0100007F:A4DD 01 00000000:00000000 00:00000000 00000000     0        0 10653 2 00000000798283c3 100 0 0 10 0
`
	for _, tc := range []struct {
		table, addr string
		want        bool
	}{
		{table, "169.254.170.2:80", false}, // all addresses, another port, a connection
		{table, "169.254.170.2:8080", true},
		{table, "0.0.0.0:80", true},
		{table + "   3: 02AAFEA9:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n", "169.254.170.2:80", true},
		{"", "169.254.170.2:80", false},
	} {
		if got := listensIn([]byte(tc.table), netip.MustParseAddrPort(tc.addr)); got != tc.want {
			t.Errorf("listensIn(%s) = %v; want %v (table %q)", tc.addr, got, tc.want, tc.table)
		}
	}
}
