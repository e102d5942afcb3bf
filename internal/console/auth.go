package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// cookieName names the session cookie.
const cookieName = "ecsrun_console"

// SessionLifetime is how long a session lasts without being used.
const SessionLifetime = 12 * time.Hour

// LoginTokenLifetime is how long a one-time login URL stays valid.
const LoginTokenLifetime = 24 * time.Hour

// maxSessions bounds the sessions kept: past it, creating one ends the
// one closest to expiring (an open console gives every new browser one).
const maxSessions = 10000

// session is a logged-in browser.
type session struct {
	csrf    string
	user    string // the access key id logged in with ("" when open)
	expires time.Time
}

// sessions holds the sessions and the one-time login tokens, in memory:
// a restarted serve asks for a new login.
type sessions struct {
	now    func() time.Time
	mu     sync.Mutex
	byID   map[string]*session
	tokens map[string]time.Time // one-time login token -> expiry
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, byID: map[string]*session{}, tokens: map[string]time.Time{}}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func (s *sessions) create(user string) (string, *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.byID) >= maxSessions {
		oldest := ""
		for id, se := range s.byID {
			if now.After(se.expires) {
				delete(s.byID, id)
			} else if oldest == "" || se.expires.Before(s.byID[oldest].expires) {
				oldest = id
			}
		}
		if len(s.byID) >= maxSessions {
			delete(s.byID, oldest)
		}
	}
	id := randomToken()
	se := &session{csrf: randomToken(), user: user, expires: now.Add(SessionLifetime)}
	s.byID[id] = se
	return id, se
}

func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.byID[id]
	if se == nil {
		return nil
	}
	now := s.now()
	if now.After(se.expires) {
		delete(s.byID, id)
		return nil
	}
	se.expires = now.Add(SessionLifetime)
	return se
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// LoginURL returns a one-time login URL under base (the endpoint serve
// listens at, e.g. http://127.0.0.1:5757): opening it logs a browser in
// once, within LoginTokenLifetime.
func (c *Console) LoginURL(base string) string {
	tok := randomToken()
	c.sessions.mu.Lock()
	c.sessions.tokens[tok] = c.opts.Now().Add(LoginTokenLifetime)
	c.sessions.mu.Unlock()
	return strings.TrimSuffix(base, "/") + Prefix + "login?token=" + tok
}

// useToken consumes a one-time login token.
func (s *sessions) useToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	if !ok {
		return false
	}
	delete(s.tokens, tok)
	return !s.now().After(exp)
}

// Open reports whether the console needs no login.
func (c *Console) Open() bool { return c.opts.Credentials == nil }

// checkKey verifies an access key id and secret against the configured
// credentials.
func (c *Console) checkKey(ctx context.Context, id, secret string) bool {
	if id == "" || secret == "" {
		return false
	}
	k, err := c.opts.Credentials.Lookup(ctx, id)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(k.SecretAccessKey), []byte(secret)) == 1
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: id, Path: Prefix, HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode, MaxAge: int(SessionLifetime / time.Second),
	})
}

type ctxKey struct{}

// sessionOf returns the session of an authenticated request.
func sessionOf(r *http.Request) *session {
	se, _ := r.Context().Value(ctxKey{}).(*session)
	return se
}

// authed lets requests with a session through; without credentials it
// gives a browser without one a session (for the CSRF token); with
// credentials a page request without a session goes to the login page.
func (c *Console) authed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var se *session
		if ck, err := r.Cookie(cookieName); err == nil {
			se = c.sessions.get(ck.Value)
		}
		if se == nil {
			if !c.Open() {
				if r.Method != http.MethodGet || r.Header.Get("Accept") == "text/event-stream" {
					http.Error(w, "log in to the console first: "+Prefix+"login", http.StatusUnauthorized)
					return
				}
				http.Redirect(w, r, Prefix+"login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			if r.Method != http.MethodGet {
				http.Error(w, "no console session: reload the page", http.StatusForbidden)
				return
			}
			var id string
			id, se = c.sessions.create("")
			c.setCookie(w, r, id)
		}
		if c.opts.Trust != nil {
			c.opts.Trust(r.Context())
		}
		if r.Method == http.MethodPost {
			tok := r.PostFormValue("csrf")
			if subtle.ConstantTimeCompare([]byte(tok), []byte(se.csrf)) != 1 {
				http.Error(w, "the form's CSRF token is missing or stale: reload the page and try again", http.StatusForbidden)
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, se)))
	})
}

// safeNext keeps a post-login redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Prefix + "tasks"
	}
	return next
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if c.Open() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if tok := r.URL.Query().Get("token"); tok != "" {
		if !c.sessions.useToken(tok) {
			c.renderLogin(w, r, http.StatusUnauthorized, next, "This login URL was used already or has expired: log in with an access key, or restart ecsrun serve for a new URL.")
			return
		}
		id, _ := c.sessions.create("login URL")
		c.setCookie(w, r, id)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.renderLogin(w, r, http.StatusOK, next, "")
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	if c.Open() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	id, secret := strings.TrimSpace(r.PostFormValue("accessKeyId")), strings.TrimSpace(r.PostFormValue("secretAccessKey"))
	if !c.checkKey(r.Context(), id, secret) {
		c.opts.Log.Warn("console: failed login", "accessKeyId", id, "remote", r.RemoteAddr)
		c.renderLogin(w, r, http.StatusUnauthorized, next, "The access key id or the secret access key is not one ecsrun serve was configured with.")
		return
	}
	sid, _ := c.sessions.create(id)
	c.setCookie(w, r, sid)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(cookieName); err == nil {
		se := c.sessions.get(ck.Value)
		if se == nil || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(se.csrf)) != 1 {
			http.Error(w, "the form's CSRF token is missing or stale", http.StatusForbidden)
			return
		}
		c.sessions.end(ck.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix+"login", http.StatusSeeOther)
}

func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, code int, next, problem string) {
	c.render(w, code, "login", &Page{Title: "Log in", Data: map[string]string{"Next": next, "Problem": problem}})
}
