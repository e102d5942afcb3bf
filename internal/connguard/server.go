package connguard

import (
	"io"
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
			// Only with a body to read: without one, net/http already
			// watches the connection for the client going away, and a
			// deadline would end that watch and cancel the request.
			if rc.SetReadDeadline(g.now().Add(d)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		if d := g.limits.WriteTimeout; d > 0 {
			w = &deadlineWriter{ResponseWriter: w, rc: rc, d: d, now: g.now}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline once the body has been read to its
// end, so that net/http's watch for a closed connection, which starts then,
// does not time out while the handler runs.
type deadlineBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
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
