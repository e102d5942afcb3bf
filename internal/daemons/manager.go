package daemons

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	cpcore "github.com/ecsrun/ecsrun/internal/capacityproviders"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/store"
)

// Error kinds of this package (the API layer answers them as the ECS
// error types of the same name).
const (
	ErrDaemonNotFound  ecs.Kind = "DaemonNotFoundException"
	ErrDaemonNotActive ecs.Kind = "DaemonNotActiveException"
)

// ControlPlane is what the manager needs of the control plane: its public
// ECS calls.
type ControlPlane interface {
	DescribeClusters(context.Context, *ecsmodel.DescribeClustersRequest) (*ecsmodel.DescribeClustersResponse, error)
	RegisterTaskDefinition(context.Context, *ecsmodel.RegisterTaskDefinitionRequest) (*ecsmodel.RegisterTaskDefinitionResponse, error)
	ListContainerInstances(context.Context, *ecsmodel.ListContainerInstancesRequest) (*ecsmodel.ListContainerInstancesResponse, error)
	DescribeContainerInstances(context.Context, *ecsmodel.DescribeContainerInstancesRequest) (*ecsmodel.DescribeContainerInstancesResponse, error)
	ListTasks(context.Context, *ecsmodel.ListTasksRequest) (*ecsmodel.ListTasksResponse, error)
	DescribeTasks(context.Context, *ecsmodel.DescribeTasksRequest) (*ecsmodel.DescribeTasksResponse, error)
	RunTask(context.Context, *ecsmodel.RunTaskRequest) (*ecsmodel.RunTaskResponse, error)
	StopTask(context.Context, *ecsmodel.StopTaskRequest) (*ecsmodel.StopTaskResponse, error)
}

// Providers looks capacity providers up (package capacity's registry).
type Providers interface {
	Provider(name string) (cpcore.Info, bool)
}

// Options configures a Manager.
type Options struct {
	DB        *sql.DB
	Account   ecs.Account
	Now       func() time.Time
	Log       *slog.Logger
	Providers Providers
}

// Manager holds the daemon task definitions, daemons, revisions and
// deployments, and keeps the daemons' tasks running (Run).
type Manager struct {
	db        *sql.DB
	acct      ecs.Account
	now       func() time.Time
	log       *slog.Logger
	providers Providers
	cp        ControlPlane
	kick      chan struct{}

	// step serialises Step (Run's, and the capacity loop's before it
	// places waiting tasks).
	step sync.Mutex
	// reg serialises RegisterDaemonTaskDefinition (it registers the
	// backing task definition before taking mu).
	reg sync.Mutex

	mu          sync.Mutex
	seq         int64
	families    map[string][]*defRecord // by family, index revision-1
	daemons     map[string]*daemonRecord
	revisions   map[string]*revisionRecord // by ARN
	deployments map[string]*deploymentRecord
	tokens      map[string]string // clientToken -> daemon ARN
	// running is what the last reconcile step found: daemon ARN ->
	// revision ARN -> provider -> RUNNING tasks.
	running map[string]map[string]map[string]int
}

// defRecord is a daemon task definition revision as stored.
type defRecord struct {
	Def  ecsmodel.DaemonTaskDefinition `json:"def"`
	Tags []ecsmodel.Tag                `json:"tags,omitempty"`
	// Backing is the task definition the daemon tasks run from (see
	// backingFamily).
	Backing string `json:"backing"`
}

// daemonRecord is a daemon as stored.
type daemonRecord struct {
	ARN        string                                  `json:"arn"`
	Name       string                                  `json:"name"`
	Cluster    string                                  `json:"cluster"`
	Status     ecsmodel.DaemonStatus                   `json:"status"`
	CreatedAt  time.Time                               `json:"createdAt"`
	UpdatedAt  time.Time                               `json:"updatedAt"`
	Deployment string                                  `json:"deployment"`
	Config     *ecsmodel.DaemonDeploymentConfiguration `json:"config,omitempty"`
	Tags       []ecsmodel.Tag                          `json:"tags,omitempty"`
	Token      string                                  `json:"clientToken,omitempty"`
	Seq        int64                                   `json:"seq"`
}

// revisionRecord is a daemon revision as stored.
type revisionRecord struct {
	ID        string                  `json:"id"`
	Rev       ecsmodel.DaemonRevision `json:"revision"`
	Providers []string                `json:"providers"`
	Backing   string                  `json:"backing"`
	Seq       int64                   `json:"seq"`
}

// deploymentRecord is a daemon deployment as stored.
type deploymentRecord struct {
	Daemon  string                    `json:"daemon"`
	Dep     ecsmodel.DaemonDeployment `json:"deployment"`
	Target  string                    `json:"target"`  // revision ARN ("" for a delete)
	Sources []string                  `json:"sources"` // revision ARNs replaced
	Seq     int64                     `json:"seq"`
}

var migrations = []string{
	`CREATE TABLE daemon_objects (kind TEXT NOT NULL, arn TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, arn));`,
}

const (
	kindDef        = "taskdef"
	kindDaemon     = "daemon"
	kindRevision   = "revision"
	kindDeployment = "deployment"
)

// Open loads the daemons' state.
func Open(ctx context.Context, opts Options) (*Manager, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if err := store.Migrate(ctx, opts.DB, "daemons", migrations); err != nil {
		return nil, err
	}
	m := &Manager{
		db: opts.DB, acct: opts.Account, now: opts.Now, log: opts.Log, providers: opts.Providers,
		kick:     make(chan struct{}, 1),
		families: map[string][]*defRecord{}, daemons: map[string]*daemonRecord{},
		revisions: map[string]*revisionRecord{}, deployments: map[string]*deploymentRecord{},
		tokens: map[string]string{}, running: map[string]map[string]map[string]int{},
	}
	rows, err := m.db.QueryContext(ctx, `SELECT kind, body FROM daemon_objects`)
	if err != nil {
		return nil, fmt.Errorf("daemons: load: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var body []byte
		if err := rows.Scan(&kind, &body); err != nil {
			return nil, fmt.Errorf("daemons: load: %w", err)
		}
		var err error
		switch kind {
		case kindDef:
			var r defRecord
			if err = json.Unmarshal(body, &r); err == nil {
				revs := m.families[r.Def.Family]
				for len(revs) < int(r.Def.Revision) {
					revs = append(revs, nil)
				}
				revs[r.Def.Revision-1] = &r
				m.families[r.Def.Family] = revs
			}
		case kindDaemon:
			var r daemonRecord
			if err = json.Unmarshal(body, &r); err == nil {
				m.daemons[r.ARN] = &r
				if r.Token != "" {
					m.tokens[r.Token] = r.ARN
				}
				m.seq = max(m.seq, r.Seq)
			}
		case kindRevision:
			var r revisionRecord
			if err = json.Unmarshal(body, &r); err == nil {
				m.revisions[r.Rev.DaemonRevisionArn] = &r
				m.seq = max(m.seq, r.Seq)
			}
		case kindDeployment:
			var r deploymentRecord
			if err = json.Unmarshal(body, &r); err == nil {
				m.deployments[r.Dep.DaemonDeploymentArn] = &r
				m.seq = max(m.seq, r.Seq)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("daemons: load %s: %w", kind, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("daemons: load: %w", err)
	}
	return m, nil
}

// Attach gives the manager the control plane it runs tasks through.
func (m *Manager) Attach(cp ControlPlane) { m.cp = cp }

// save writes objects in one transaction.
func (m *Manager) save(ctx context.Context, objs ...any) error {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("daemons: save: %w", err)
	}
	defer tx.Rollback()
	for _, o := range objs {
		var kind, arn string
		switch r := o.(type) {
		case *defRecord:
			kind, arn = kindDef, r.Def.DaemonTaskDefinitionArn
		case *daemonRecord:
			kind, arn = kindDaemon, r.ARN
		case *revisionRecord:
			kind, arn = kindRevision, r.Rev.DaemonRevisionArn
		case *deploymentRecord:
			kind, arn = kindDeployment, r.Dep.DaemonDeploymentArn
		default:
			panic(fmt.Sprintf("daemons: save %T", o))
		}
		body, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("daemons: save: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO daemon_objects (kind, arn, body) VALUES (?, ?, ?) ON CONFLICT (kind, arn) DO UPDATE SET body = excluded.body`, kind, arn, body); err != nil {
			return fmt.Errorf("daemons: save: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("daemons: save: %w", err)
	}
	return nil
}

func (m *Manager) remove(ctx context.Context, kind, arn string) error {
	if _, err := m.db.ExecContext(ctx, `DELETE FROM daemon_objects WHERE kind = ? AND arn = ?`, kind, arn); err != nil {
		return fmt.Errorf("daemons: remove: %w", err)
	}
	return nil
}

// arn builds an ECS ARN of the manager's account.
func (m *Manager) arn(resource string) string {
	p := m.acct.Partition
	if p == "" {
		p = "aws"
	}
	return fmt.Sprintf("arn:%s:ecs:%s:%s:%s", p, m.acct.Region, m.acct.ID, resource)
}

func (m *Manager) defARN(family string, rev int) string {
	return m.arn(fmt.Sprintf("daemon-task-definition/%s:%d", family, rev))
}

func (m *Manager) daemonARN(cluster, name string) string {
	return m.arn("daemon/" + cluster + "/" + name)
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// kickLoop asks the reconcile loop for a step soon.
func (m *Manager) kickLoop() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// token pages: the offset into the sorted list, opaque to the caller.
func pageOf(token string, maxResults *int32, def int32, n int) (start, end int, err error) {
	size := def
	if maxResults != nil {
		size = *maxResults
		if size < 1 || size > 100 {
			return 0, 0, ecs.Errorf(ecs.ErrInvalidParameter, "maxResults must be between 1 and 100; got %d.", size)
		}
	}
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err == nil {
			start, err = strconv.Atoi(string(b))
		}
		if err != nil || start < 0 || start > n {
			return 0, 0, ecs.Errorf(ecs.ErrInvalidParameter, "The nextToken %q is not one this operation returned.", token)
		}
	}
	end = min(start+int(size), n)
	return start, end, nil
}

func nextToken(end, n int) string {
	if end >= n {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
}

// backingFamily is the task definition family that runs the revisions of
// a daemon task definition family. It is visible in ListTaskDefinitions.
func backingFamily(family string) string {
	f := "ecs-daemon-" + family
	if len(f) <= 255 {
		return f
	}
	sum := sha256.Sum256([]byte(family))
	return f[:240] + "-" + hex.EncodeToString(sum[:7])
}

// lastPart returns what follows the last "/" of an ARN (or s).
func lastPart(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
