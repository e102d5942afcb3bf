package execsession

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/connguard"

	"github.com/ecsrun/ecsrun/internal/runtime"
)

// PathPrefix is where stream URLs point.
const PathPrefix = "/ecsrun/exec/"

// Handler serves stream URLs (PathPrefix + session id): the request
// carries the session's token (TokenHeader) and asks to upgrade to
// Protocol; the command then runs over the connection (see Serve).
func Handler(m *Manager, ex runtime.Execer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]string{"message": msg})
		}
		if !strings.EqualFold(r.Header.Get("Upgrade"), Protocol) {
			fail(http.StatusUpgradeRequired, "this is an ecsrun exec stream URL: connect with `ecsrun exec` (it upgrades the connection to the "+Protocol+" protocol); the AWS CLI's session-manager-plugin cannot use it")
			return
		}
		s, err := m.Take(strings.TrimPrefix(r.URL.Path, PathPrefix), r.Header.Get(TokenHeader))
		if err != nil {
			fail(http.StatusUnauthorized, err.Error())
			return
		}
		// The token authenticates the connection: under `ecsrun serve` it
		// no longer counts against the unauthenticated connections' budget
		// (which would close it to admit newcomers).
		connguard.Trust(r.Context())
		if ex == nil {
			fail(http.StatusNotImplemented, "the engine's container runtime cannot run commands in containers")
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			fail(http.StatusInternalServerError, "cannot take over the connection: "+err.Error())
			return
		}
		// The server's deadlines were for the request, not the session.
		conn.SetDeadline(time.Time{})
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + Protocol + "\r\n\r\n")
		if err := brw.Flush(); err != nil {
			conn.Close()
			return
		}
		Serve(r.Context(), &hijacked{conn: conn, r: brw.Reader}, ex, s)
	})
}
