package execsession

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// DefaultTTL is how long a session may wait to be used.
const DefaultTTL = 5 * time.Minute

// ErrSession is a session id or token that is unknown, used or expired.
var ErrSession = errors.New("execsession: no such session, or its token is wrong, used or expired")

// Target is what a session runs: a command in a task's container.
type Target struct {
	TaskARN, ContainerName string
	// ContainerID is the runtime's id of the container.
	ContainerID string
	// Command is the command and its arguments.
	Command []string
	// Interactive: with a terminal when the client has one.
	Interactive bool
}

// Session is an open session.
type Session struct {
	ID, Token string
	Target
	Expires time.Time
}

// Manager holds the sessions not used yet. Sessions live in memory: a
// session is meant to be used at once, and an engine restart ends them, as
// an SSM session ends with its agent.
type Manager struct {
	now func() time.Time
	ttl time.Duration

	mu       sync.Mutex
	sessions map[string]*Session
}

// NewManager returns a Manager; now is the clock (time.Now when nil).
func NewManager(now func() time.Time) *Manager {
	if now == nil {
		now = time.Now
	}
	return &Manager{now: now, ttl: DefaultTTL, sessions: map[string]*Session{}}
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Open opens a session for t.
func (m *Manager) Open(t Target) *Session {
	s := &Session{ID: "ecs-execute-command-" + random(8), Token: random(24), Target: t, Expires: m.now().Add(m.ttl)}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for id, o := range m.sessions {
		if now.After(o.Expires) {
			delete(m.sessions, id)
		}
	}
	m.sessions[s.ID] = s
	return s
}

// Take returns the session id names if token is its token, and forgets
// it: a session is used once.
func (m *Manager) Take(id, token string) (*Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sessions[id]
	if s == nil || subtle.ConstantTimeCompare([]byte(s.Token), []byte(token)) != 1 {
		return nil, ErrSession
	}
	delete(m.sessions, id)
	if m.now().After(s.Expires) {
		return nil, ErrSession
	}
	return s, nil
}
