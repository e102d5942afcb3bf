// Package connguard keeps an HTTP API server answering under slow or idle
// clients: it bounds how long a connection may take to send a request's
// headers and body, how long it may sit idle between requests and how long
// an answer may take to be written, caps the number of connections held open,
// and keeps a smaller budget for connections that have not yet carried an
// accepted (for ecsrun: correctly signed) request, so that unauthenticated
// clients can never take the slots of authenticated ones.
//
// # Use
//
//	g := connguard.New(ln, connguard.DefaultLimits())
//	srv := g.Server(handler) // timeouts, connection hooks and deadlines set
//	go srv.Serve(g)
//
// and, in the handler, once a request on a connection has been accepted
// (its signature verified):
//
//	connguard.Trust(r.Context())
//
// # Design
//
// Every connection is accounted for from the moment it is accepted. It
// starts untrusted and becomes trusted when Trust is called for a request it
// carried; it is idle between requests (http.Server's ConnState hook).
//
// When a new connection would exceed MaxUntrusted, the untrusted connection
// accepted longest ago is closed, once it has had its Grace (100 ms by
// default) to present a request; until then Accept waits. Clients that
// authenticate do so on their first request, within a round trip, so the
// connections this closes are the ones that have been slowest to present a
// valid request: a flood of slow or unsigned clients ends up closing its own
// connections while a signed client is admitted within a fraction of a
// second, rather than waiting, as behind a plain counting limiter such as
// golang.org/x/net/netutil.LimitListener, until a slow client's timeout
// frees a slot. The grace bounds how fast newcomers can push a connection
// out (MaxUntrusted per Grace), so a signed client always has it to send its
// request.
//
// When a new connection would exceed MaxConns, the connection idle the
// longest is closed, else the oldest untrusted one; when every connection is
// trusted and busy (as many authenticated callers as MaxConns, for instance
// long polls), Accept waits for one to end, leaving newcomers in the
// kernel's backlog instead of taking descriptors the process may not have.
//
// The timeouts are per request rather than http.Server's ReadTimeout and
// WriteTimeout, which span the whole exchange and would cut long polls
// (Step Functions' GetActivityTask waits up to 60 s): the body deadline is
// set when the handler starts and lifted when the body has been read to its
// end, and the write deadline is set when the handler starts writing its
// answer.
package connguard
