package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// Page is what a page's template gets.
type Page struct {
	Title string
	// Nav names the section of the navigation bar the page belongs to.
	Nav string
	// CSRF is the token POST forms carry.
	CSRF string
	// User is who is logged in ("" when the console is open).
	User string
	Open bool
	// Live is set when the page has a part the server pushes again.
	Live bool
	Data any
}

// loaded is what a loader returns: the page's title, its section and
// its view model.
type loaded struct {
	title, nav string
	data       any
	live       bool
}

// loader reads what a page shows, through the APIs.
type loader func(r *http.Request) (loaded, error)

// actor does what a form asks, through the APIs, and returns where to go
// next.
type actor func(r *http.Request) (string, error)

// httpError is an error with the status code of its page.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func notFound(format string, args ...any) error {
	return &httpError{code: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// errorText is what a user reads of an error: an API error's code and
// message.
func errorText(err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.code, he.msg
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := http.StatusBadGateway
		switch {
		case strings.Contains(ae.ErrorCode(), "NotFound") || strings.HasPrefix(ae.ErrorCode(), "ResourceNotFound") || strings.Contains(ae.ErrorCode(), "DoesNotExist"):
			code = http.StatusNotFound
		case strings.Contains(ae.ErrorCode(), "InvalidParameter") || strings.Contains(ae.ErrorCode(), "Invalid") || ae.ErrorCode() == "ClientException":
			code = http.StatusBadRequest
		}
		return code, ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return http.StatusInternalServerError, err.Error()
}

func (c *Console) newPage(r *http.Request, l loaded) *Page {
	p := &Page{Title: l.title, Nav: l.nav, Data: l.data, Live: l.live, Open: c.Open()}
	if se := sessionOf(r); se != nil {
		p.CSRF, p.User = se.csrf, se.user
	}
	return p
}

func (c *Console) render(w http.ResponseWriter, code int, tmpl string, p *Page) {
	var buf bytes.Buffer
	if err := c.pages[tmpl].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.opts.Log.Error("console: render", "page", tmpl, "err", err)
		http.Error(w, "console: cannot render the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (c *Console) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := errorText(err)
	c.render(w, code, "error", c.newPage(r, loaded{title: "Error", data: msg}))
}

// page serves a page; a request for text/event-stream (an EventSource)
// gets its live part instead, again whenever it changes.
func (c *Console) page(tmpl string, load loader) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") == "text/event-stream" {
			c.stream(w, r, tmpl, load)
			return
		}
		l, err := load(r)
		if err != nil {
			c.renderError(w, r, err)
			return
		}
		c.render(w, http.StatusOK, tmpl, c.newPage(r, l))
	})
}

// heartbeat is how often a live page's stream says it is alive when
// nothing changes.
const heartbeat = 15 * time.Second

// stream pushes the live part of a page as server-sent events: at once,
// then each time it differs from what was sent last.
func (c *Console) stream(w http.ResponseWriter, r *http.Request, tmpl string, load loader) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	ctx := r.Context()
	t := time.NewTicker(c.opts.Interval)
	defer t.Stop()
	var last []byte
	quiet := time.Now()
	for {
		// A stream outlives serve's write timeout of one answer.
		rc.SetWriteDeadline(time.Now().Add(heartbeat * 2))
		frag, err := c.fragment(r, tmpl, load)
		if err != nil && ctx.Err() != nil {
			return
		}
		var out bytes.Buffer
		switch {
		case err != nil:
			_, msg := errorText(err)
			out.WriteString("event: problem\n")
			writeData(&out, []byte(msg))
		case !bytes.Equal(frag, last):
			last = frag
			writeData(&out, frag)
		case time.Since(quiet) > heartbeat:
			out.WriteString(": alive\n\n")
		}
		if out.Len() > 0 {
			quiet = time.Now()
			if _, err := w.Write(out.Bytes()); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func writeData(b *bytes.Buffer, data []byte) {
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(bytes.TrimSuffix(line, []byte("\r")))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// fragment renders the live part of a page.
func (c *Console) fragment(r *http.Request, tmpl string, load loader) ([]byte, error) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	l, err := load(r.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := c.pages[tmpl].ExecuteTemplate(&buf, "live", c.newPage(r, l)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// action serves a form's POST and redirects (303) to the page it names,
// or back with the error.
func (c *Console) action(act actor) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next, err := act(r)
		if err != nil {
			c.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	})
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"clock": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.Local().Format("15:04:05.000")
	},
	"stamp": func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.Local().Format("2006-01-02 15:04:05")
	},
	"q":     url.QueryEscape,
	"path":  url.PathEscape,
	"short": shortArn,
	"lower": strings.ToLower,
}

// shortArn is the last part of an ARN: the resource id after its last
// '/', or after its last ':' when it has no '/'.
func shortArn(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// navItem is a section of the navigation bar.
type navItem struct{ Path, Name, Key string }

var nav = []navItem{
	{"tasks", "Tasks", "t"}, {"clusters", "Clusters", "c"}, {"services", "Services", "s"},
	{"workflows", "Workflows", "w"}, {"taskdefs", "Task definitions", "d"},
	{"instances", "Instances", "i"}, {"logs", "Logs", "l"},
}

func init() {
	funcs["navItems"] = func() []navItem { return nav }
	funcs["statuses"] = func() []string {
		return []string{"", "PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"}
	}
}
