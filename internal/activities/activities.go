package activities

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/ecsrun/ecsrun/internal/store"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

// Limits, as Step Functions has them.
const (
	// MaxActivities is the number of activities an account may have.
	MaxActivities = 10000
	// MaxPollers is how many GetActivityTask calls may wait on one
	// activity at once.
	MaxPollers = 1000
	// MaxTags is the number of tags a resource may have.
	MaxTags = 50
	// PollTimeout is how long GetActivityTask waits for a task.
	PollTimeout = 60 * time.Second
)

// Callbacks registers the task tokens whose answers (SendTaskSuccess,
// SendTaskFailure, SendTaskHeartbeat) a Task state waits for;
// executions.Tokens implements it.
type Callbacks interface {
	Register(token string) (wait func(ctx context.Context, heartbeat func()) (any, *workflow.StatesError), done func())
}

// Options configure a Manager.
type Options struct {
	DB *sql.DB
	// Region and Account make the ARNs.
	Region, Account string
	// Tokens delivers the answers to the activity tasks' tokens.
	Tokens Callbacks
	// PollTimeout is how long GetActivityTask waits (PollTimeout when 0).
	PollTimeout time.Duration
	// MaxPollers bounds the GetActivityTask calls waiting on one activity
	// (MaxPollers when 0).
	MaxPollers int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Manager keeps activities and their task queues. It is the
// workflow.TaskRegistry of activity ARNs.
type Manager struct {
	opts Options
	db   db
	q    *queues
}

var (
	_ workflow.TaskRegistry = (*Manager)(nil)
	_ workflow.TaskHandler  = (*Manager)(nil)
)

// Open migrates the store and returns a Manager.
func Open(ctx context.Context, opts Options) (*Manager, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = PollTimeout
	}
	if opts.MaxPollers <= 0 {
		opts.MaxPollers = MaxPollers
	}
	if opts.Tokens == nil {
		return nil, errors.New("activities: no token registry")
	}
	if err := store.Migrate(ctx, opts.DB, Component, migrations); err != nil {
		return nil, err
	}
	return &Manager{opts: opts, db: db{opts.DB}, q: newQueues(opts.MaxPollers)}, nil
}

// Close ends the waiting GetActivityTask calls (they answer no task).
func (m *Manager) Close() { m.q.close() }

// Arn returns the ARN of the activity name.
func (m *Manager) Arn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:activity:%s", m.opts.Region, m.opts.Account, name)
}

// checkName validates an activity name as Step Functions does: 1 to 80
// characters, no whitespace, brackets, wildcards, special characters or
// control characters.
func checkName(name string) error {
	if name == "" || len([]rune(name)) > 80 || strings.ContainsAny(name, " <>{}[]?*\"#%\\^|~`$&,;:/") {
		return errorf(ErrInvalidName, "Invalid Name: '%s'", name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return errorf(ErrInvalidName, "Invalid Name: '%s'", name)
		}
	}
	return nil
}

// checkArn validates an activity ARN.
func checkArn(arn string) error {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || parts[2] != "states" {
		return errorf(ErrInvalidArn, "Invalid Arn: 'Invalid ARN prefix: %s'", arn)
	}
	if parts[5] != "activity" {
		return errorf(ErrInvalidArn, "Invalid Arn: 'Resource type not valid in this context: %s'", parts[5])
	}
	return nil
}

// Tag is a tag given to CreateActivity.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Create creates the activity name. As on Step Functions it is
// idempotent by name: creating an existing activity returns it unchanged
// (its tags and encryption stay as they were).
func (m *Manager) Create(ctx context.Context, name string, tags []Tag, encryption any) (*Activity, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if len(tags) > MaxTags {
		return nil, errorf(ErrTooManyTags, "Too many tags: %d (at most %d)", len(tags), MaxTags)
	}
	arn := m.Arn(name)
	if a, err := m.db.activity(ctx, arn); err == nil {
		return a, nil
	} else if !errors.Is(err, ErrActivityDoesNotExist) {
		return nil, err
	}
	n, err := m.db.count(ctx)
	if err != nil {
		return nil, err
	}
	if n >= MaxActivities {
		return nil, errorf(ErrActivityLimitExceeded, "Activity Limit Exceeded: an account has at most %d activities", MaxActivities)
	}
	if tags == nil {
		tags = []Tag{}
	}
	tb, _ := json.Marshal(tags)
	enc := ""
	if encryption != nil {
		b, _ := json.Marshal(encryption)
		enc = string(b)
	}
	a := &Activity{Arn: arn, Name: name, Created: m.opts.Now().UTC().Truncate(time.Millisecond), Tags: string(tb), Encryption: enc}
	if err := m.db.insert(ctx, a); err != nil {
		// Created meanwhile by another call: the same answer.
		if b, err2 := m.db.activity(ctx, arn); err2 == nil {
			return b, nil
		}
		return nil, err
	}
	return a, nil
}

// Describe returns an activity.
func (m *Manager) Describe(ctx context.Context, arn string) (*Activity, error) {
	if err := checkArn(arn); err != nil {
		return nil, err
	}
	return m.db.activity(ctx, arn)
}

// Delete deletes an activity; deleting one that does not exist succeeds.
// Tasks already queued stay until their state ends; workers polling it get
// ActivityDoesNotExist from then on.
func (m *Manager) Delete(ctx context.Context, arn string) error {
	if err := checkArn(arn); err != nil {
		return err
	}
	return m.db.delete(ctx, arn)
}

// List lists activities, oldest first, maxResults (100 when 0) at a time.
func (m *Manager) List(ctx context.Context, maxResults int32, token string) ([]*Activity, string, error) {
	off := 0
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(b), "a:"))
		if err != nil || perr != nil || n < 0 || !strings.HasPrefix(string(b), "a:") {
			return nil, "", errorf(ErrInvalidToken, "Invalid Token: 'Invalid token'")
		}
		off = n
	}
	size := int(maxResults)
	if size <= 0 {
		size = 100
	}
	list, err := m.db.list(ctx, off, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > size {
		list = list[:size]
		next = base64.RawURLEncoding.EncodeToString([]byte("a:" + strconv.Itoa(off+size)))
	}
	return list, next, nil
}

// GetTask waits for a task of the activity arn (GetActivityTask) and
// returns its token and input, or "" and "" when none came within the
// poll timeout. worker ("" for none) is recorded in ActivityStarted.
func (m *Manager) GetTask(ctx context.Context, arn, worker string) (token, input string, err error) {
	if _, err := m.Describe(ctx, arn); err != nil {
		return "", "", err
	}
	t, err := m.q.poll(ctx, arn, m.opts.PollTimeout)
	if err != nil || t == nil {
		return "", "", err
	}
	t.started(worker)
	return t.token, t.input, nil
}

// Supports reports whether resource is an activity ARN; whether the
// activity exists is checked when the state runs, as Step Functions does.
func (m *Manager) Supports(resource string) bool { return workflow.IsActivityArn(resource) }

// Supported names the resources this registry runs.
func (m *Manager) Supported() []string {
	return []string{m.Arn("NAME")}
}

// Lookup returns the activity task handler for activity ARNs.
func (m *Manager) Lookup(resource string) (workflow.TaskHandler, bool) {
	if !m.Supports(resource) {
		return nil, false
	}
	return m, true
}

// Invoke runs an activity task: it queues the state's effective input for
// the activity's workers and waits for the answer to the task's token.
func (m *Manager) Invoke(ctx context.Context, req *workflow.TaskRequest) (any, *workflow.StatesError) {
	if _, err := m.db.activity(ctx, req.Resource); err != nil {
		if errors.Is(err, ErrActivityDoesNotExist) {
			return nil, workflow.NewStatesError(workflow.ErrRuntime, fmt.Sprintf("The activity %s does not exist.", req.Resource))
		}
		return nil, workflow.NewStatesError(workflow.ErrRuntime, fmt.Sprintf("The activity %s cannot be read: %v", req.Resource, err))
	}
	// The state's task token is the activity task's: it stays the same
	// when the execution resumes after a restart, so a worker that took
	// the task before can still answer it.
	token := req.Token
	if token == "" {
		token = newToken()
	}
	wait, done := m.opts.Tokens.Register(token)
	defer done()
	if req.Resume != nil && req.Resume.Started {
		// A worker has it: wait for its answer, do not queue it again.
		return wait(ctx, req.Heartbeat)
	}
	t := &task{token: token, input: workflow.EncodeJSON(req.Parameters), started: func(worker string) {
		if req.Started != nil {
			req.Started(worker)
		}
	}}
	if req.Scheduled != nil {
		req.Scheduled()
	}
	m.q.push(req.Resource, t)
	defer m.q.remove(req.Resource, t)
	return wait(ctx, req.Heartbeat)
}

// newToken returns an activity task token: 96 random bytes, unguessable
// (whoever holds a token may answer it, as on Step Functions).
func newToken() string {
	var b [96]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
