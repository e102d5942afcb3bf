// Package natredirect sends the TCP connections made to one IPv4 address and
// port to another (destination NAT), the way the ECS agent sends
// 169.254.170.2:80 to its credentials proxy on another port.
//
// A redirect lives in an nftables table of its own (family ip) with two
// chains of type nat: prerouting, for connections arriving from containers
// on Docker bridges and from other network namespaces, and output, for
// connections made on the host (host processes and host-network
// containers). Each chain holds one rule,
//
//	meta l4proto tcp ip daddr FROM-ADDR tcp dport FROM-PORT counter dnat to TO comment "..."
//
// Destination NAT rewrites only the destination: the server sees the
// caller's own source address.
//
// The table is written through netlink (github.com/google/nftables), so no
// iptables or nft binary is needed, and [Install] replaces it in one
// transaction: running it again (after a restart, or after a crash that left
// the table behind) leaves exactly one rule per chain, never a window
// without one. Other programs that edit the host's NAT rules (Docker through
// iptables, legacy or nf_tables, or nft) never touch this table, and their
// rules cannot come first: the chains run at priority [Priority], before the
// iptables nat table (-100), and the kernel applies only the first
// destination NAT a new connection gets. So a container publishing host
// port FROM-PORT does not take FROM-ADDR:FROM-PORT away.
package natredirect
