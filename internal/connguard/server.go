package connguard

import (
	"net/http"
	"time"
)

// Server returns an http.Server serving h with the guard's timeouts and
// connection hooks. Serve it on the guard: srv.Serve(g).
func (g *Guard) Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           g.Handler(h),
		ReadHeaderTimeout: g.limits.HeaderTimeout,
		IdleTimeout:       g.limits.IdleTimeout,
		ConnState:         g.connState,
		ConnContext:       connContext,
	}
}

// Handler wraps h with the per-request deadlines: the body must be read
// within BodyTimeout of the handler's start, and the answer written within
// WriteTimeout of its first byte. Between the two (while the operation
// runs, for instance a long poll) no deadline applies.
func (g *Guard) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// A previous answer's write deadline must not cut this one.
		rc.SetWriteDeadline(time.Time{})
		if d := g.limits.BodyTimeout; d > 0 && r.Body != nil && r.Body != http.NoBody {
			// net/http lifts the deadline when the body has been read to
			// its end, as it starts watching the connection for the
			// client going away. Without a body that watch has already
			// started, and a deadline would end it and cancel the request.
			rc.SetReadDeadline(g.now().Add(d))
		}
		if d := g.limits.WriteTimeout; d > 0 {
			w = &deadlineWriter{ResponseWriter: w, rc: rc, d: d, now: g.now}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineWriter sets the write deadline when the answer starts.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	d       time.Duration
	now     func() time.Time
	started bool
}

func (w *deadlineWriter) start() {
	if !w.started {
		w.started = true
		w.rc.SetWriteDeadline(w.now().Add(w.d))
	}
}

func (w *deadlineWriter) WriteHeader(status int) {
	w.start()
	w.ResponseWriter.WriteHeader(status)
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
