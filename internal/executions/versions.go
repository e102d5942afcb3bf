package executions

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
)

// Error kinds of versions and aliases; the API layer maps each to the Step
// Functions error type of the same name.
var (
	ErrConflict     = errors.New("ConflictException")
	ErrServiceQuota = errors.New("ServiceQuotaExceededException")
	// ErrResourceNotFound: a version, an alias or a Map Run that does
	// not exist.
	ErrResourceNotFound = errors.New("ResourceNotFound")
)

// Step Functions' quotas on versions and aliases.
const (
	MaxVersions = 1000
	MaxAliases  = 100
)

// InitialRevision names, in PublishStateMachineVersion's revisionId, the
// first revision of a state machine (which has no id).
const InitialRevision = "INITIAL"

// router draws the numbers that pick an alias's version.
type router struct {
	mu   sync.Mutex
	rand *rand.Rand
}

// intN returns a number in [0, n) from Options.Rand (a generator seeded at
// random when nil).
func (m *Manager) intN(n int) int {
	r := &m.routes
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rand == nil {
		r.rand = m.opts.Rand
		if r.rand == nil {
			r.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
	}
	return r.rand.IntN(n)
}

// noSuchResource is AWS's answer about an alias that does not exist.
func noSuchResource() error {
	return errorf(ErrResourceNotFound, "Request references a resource that does not exist.")
}

// PublishStateMachineVersion publishes the current revision of a state
// machine as its next version. Publishing a revision that has a version
// returns that version. A revisionID other than the current revision's
// (InitialRevision for the first) is a ConflictException.
func (m *Manager) PublishStateMachineVersion(ctx context.Context, arn, revisionID, description string) (*Version, error) {
	if _, err := parseArn(arn, arnStateMachine); err != nil {
		return nil, err
	}
	var out *Version
	err := m.db.inTx(ctx, func(tx *sql.Tx) error {
		sm, err := stateMachineIn(ctx, tx, arn)
		if err != nil {
			return err
		}
		if revisionID != "" {
			want := revisionID
			if want == InitialRevision {
				want = ""
			}
			if want != sm.RevisionID {
				current := sm.RevisionID
				if current == "" {
					current = InitialRevision
				}
				return errorf(ErrConflict, "Failed to publish the State Machine version for revision %s. The current State Machine revision is %s.", revisionID, current)
			}
		}
		if out, err = versionOfRevision(ctx, tx, arn, sm.RevisionID); err != nil || out != nil {
			return err
		}
		n, err := countVersions(ctx, tx, arn)
		if err != nil {
			return err
		}
		if n >= MaxVersions {
			return errorf(ErrServiceQuota, "State machine %s has %d versions, the most Step Functions allows: delete versions no alias uses (DeleteStateMachineVersion) before publishing another", arn, n)
		}
		num, err := nextVersionNumber(ctx, tx, arn)
		if err != nil {
			return err
		}
		out = &Version{
			Arn: versionArn(arn, num), StateMachineArn: arn, Name: sm.Name, Number: num, Definition: sm.Definition, RoleArn: sm.RoleArn,
			Type: sm.Type, RevisionID: sm.RevisionID, Description: description, Created: m.now(),
		}
		return insertVersion(ctx, tx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeStateMachineVersion returns a version from its ARN.
func (m *Manager) DescribeStateMachineVersion(ctx context.Context, arn string) (*Version, error) {
	q, err := parseQualified(arn)
	if err != nil {
		return nil, err
	}
	if q.version == 0 {
		return nil, errorf(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
	}
	v, err := versionIn(ctx, m.db, q.base, q.version)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errorf(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
	}
	return v, nil
}

// ListStateMachineVersions lists a state machine's versions, newest
// first; a state machine that does not exist has none.
func (m *Manager) ListStateMachineVersions(ctx context.Context, arn string, maxResults int32, token string) ([]*Version, string, error) {
	if _, err := parseArn(arn, arnStateMachine); err != nil {
		return nil, "", err
	}
	off, err := page(token)
	if err != nil {
		return nil, "", err
	}
	n := pageSize(maxResults)
	vs, err := versionsIn(ctx, m.db, arn, off, n+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(vs) > n {
		vs, next = vs[:n], pageToken(off+n)
	}
	return vs, next, nil
}

// DeleteStateMachineVersion deletes a version no alias routes to; its
// executions go on. Deleting a version that does not exist succeeds.
func (m *Manager) DeleteStateMachineVersion(ctx context.Context, arn string) error {
	q, err := parseQualified(arn)
	if err != nil {
		return err
	}
	if q.version == 0 {
		return errorf(ErrInvalidArn, "Invalid Arn: 'Not a state machine version ARN (stateMachine:NAME:NUMBER): %s'", arn)
	}
	return m.db.inTx(ctx, func(tx *sql.Tx) error {
		aliases, err := aliasesIn(ctx, tx, q.base, arn)
		if err != nil {
			return err
		}
		if len(aliases) > 0 {
			names := make([]string, len(aliases))
			for i, a := range aliases {
				names[i] = a.Name
			}
			return errorf(ErrConflict, "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [%s]", strings.Join(names, ", "))
		}
		return deleteVersion(ctx, tx, q.base, q.version)
	})
}

// versionsExist checks that the routes' versions exist.
func versionsExist(ctx context.Context, q querier, qs []qualified) error {
	for _, v := range qs {
		got, err := versionIn(ctx, q, v.base, v.version)
		if err != nil {
			return err
		}
		if got == nil {
			return errorf(ErrResourceNotFound, "Request references a resource that does not exist: state machine version %s", versionArn(v.base, v.version))
		}
	}
	return nil
}

// CreateStateMachineAlias creates an alias of the state machine whose
// versions the routes name. Creating it again with the same description
// and routes returns it; with others, it is a ConflictException.
func (m *Manager) CreateStateMachineAlias(ctx context.Context, name, description string, routes []Route) (*Alias, error) {
	if err := checkAliasName(name); err != nil {
		return nil, err
	}
	qs, err := checkRoutes(routes)
	if err != nil {
		return nil, err
	}
	base := qs[0].base
	arn := base + ":" + name
	var out *Alias
	err = m.db.inTx(ctx, func(tx *sql.Tx) error {
		old, err := aliasIn(ctx, tx, arn)
		if err != nil {
			return err
		}
		if old != nil {
			if old.Description == description && sameRoutes(old.Routes, routes) {
				out = old
				return nil
			}
			return errorf(ErrConflict, "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
		}
		if _, err := stateMachineIn(ctx, tx, base); err != nil {
			return errorf(ErrResourceNotFound, "Request references a resource that does not exist: state machine %s", base)
		}
		if err := versionsExist(ctx, tx, qs); err != nil {
			return err
		}
		n, err := countAliases(ctx, tx, base)
		if err != nil {
			return err
		}
		if n >= MaxAliases {
			return errorf(ErrServiceQuota, "State machine %s has %d aliases, the most Step Functions allows: delete an alias (DeleteStateMachineAlias) before creating another", base, n)
		}
		now := m.now()
		out = &Alias{Arn: arn, StateMachineArn: base, Name: name, Description: description, Routes: routes, Created: now, Updated: now}
		return putAlias(ctx, tx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// aliasArnOf checks that arn is an alias ARN.
func aliasArnOf(arn string) (qualified, error) {
	q, err := parseQualified(arn)
	if err != nil {
		return q, err
	}
	if q.alias == "" {
		return q, errorf(ErrInvalidArn, "Invalid Arn: 'Not a state machine alias ARN (stateMachine:NAME:ALIAS): %s'", arn)
	}
	return q, nil
}

// DescribeStateMachineAlias returns an alias.
func (m *Manager) DescribeStateMachineAlias(ctx context.Context, arn string) (*Alias, error) {
	if _, err := aliasArnOf(arn); err != nil {
		return nil, err
	}
	a, err := aliasIn(ctx, m.db, arn)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, noSuchResource()
	}
	return a, nil
}

// UpdateStateMachineAlias changes an alias's description and/or routes
// (nil leaves them).
func (m *Manager) UpdateStateMachineAlias(ctx context.Context, arn string, description *string, routes []Route) (*Alias, error) {
	q, err := aliasArnOf(arn)
	if err != nil {
		return nil, err
	}
	if description == nil && routes == nil {
		return nil, errorf(ErrValidation, "Either the description or the routingConfiguration must be specified")
	}
	var qs []qualified
	if routes != nil {
		if qs, err = checkRoutes(routes); err != nil {
			return nil, err
		}
		if qs[0].base != q.base {
			return nil, errorf(ErrValidation, "Routing configuration must contain versions of the alias's state machine %s. Received: %s", q.base, describeRoutes(routes))
		}
	}
	var out *Alias
	err = m.db.inTx(ctx, func(tx *sql.Tx) error {
		a, err := aliasIn(ctx, tx, arn)
		if err != nil {
			return err
		}
		if a == nil {
			return noSuchResource()
		}
		if err := versionsExist(ctx, tx, qs); err != nil {
			return err
		}
		if description != nil {
			a.Description = *description
		}
		if routes != nil {
			a.Routes = routes
		}
		a.Updated = m.now()
		out = a
		return putAlias(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListStateMachineAliases lists a state machine's aliases, oldest first;
// given a version ARN, those that route to it.
func (m *Manager) ListStateMachineAliases(ctx context.Context, arn string, maxResults int32, token string) ([]*Alias, string, error) {
	q, err := parseQualified(arn)
	if err != nil {
		return nil, "", err
	}
	if q.alias != "" {
		return nil, "", errorf(ErrInvalidArn, "Invalid Arn: 'Not a state machine or version ARN: %s'", arn)
	}
	off, err := page(token)
	if err != nil {
		return nil, "", err
	}
	if _, err := m.stateMachine(ctx, q.base); err != nil {
		return nil, "", err
	}
	version := ""
	if q.version != 0 {
		if _, err := m.DescribeStateMachineVersion(ctx, arn); err != nil {
			return nil, "", err
		}
		version = arn
	}
	all, err := aliasesIn(ctx, m.db, q.base, version)
	if err != nil {
		return nil, "", err
	}
	if off > len(all) {
		off = len(all)
	}
	all = all[off:]
	n, next := pageSize(maxResults), ""
	if len(all) > n {
		all, next = all[:n], pageToken(off+n)
	}
	return all, next, nil
}

// DeleteStateMachineAlias deletes an alias (its versions stay). Deleting
// an alias that does not exist succeeds.
func (m *Manager) DeleteStateMachineAlias(ctx context.Context, arn string) error {
	if _, err := aliasArnOf(arn); err != nil {
		return err
	}
	return deleteAlias(ctx, m.db, arn)
}

// stateMachine returns the state machine of an unqualified ARN (a
// qualified one names no state machine).
func (m *Manager) stateMachine(ctx context.Context, arn string) (*StateMachine, error) {
	if _, err := parseArn(arn, arnStateMachine); err != nil {
		return nil, err
	}
	return m.db.stateMachine(ctx, arn)
}

// resolveStart returns what StartExecution of arn runs: the state machine
// itself, or the version arn names, or the version the alias arn names
// picks by weight, with the version's and alias's ARNs ("" when none).
// The state machine returned carries the version's definition and role.
func (m *Manager) resolveStart(ctx context.Context, arn string) (sm *StateMachine, version, alias string, err error) {
	q, err := parseQualified(arn)
	if err != nil {
		return nil, "", "", err
	}
	notFound := func(arn string) error {
		return errorf(ErrStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
	}
	sm, err = m.db.stateMachine(ctx, q.base)
	if errors.Is(err, ErrStateMachineDoesNotExist) {
		return nil, "", "", notFound(arn)
	}
	if err != nil {
		return nil, "", "", err
	}
	number := q.version
	if q.alias != "" {
		a, err := aliasIn(ctx, m.db, arn)
		if err != nil {
			return nil, "", "", err
		}
		if a == nil {
			return nil, "", "", notFound(arn)
		}
		rq, err := parseQualified(pickRoute(a.Routes, m.intN(100)).VersionArn)
		if err != nil {
			return nil, "", "", err
		}
		number, alias = rq.version, arn
	}
	if number == 0 {
		return sm, "", "", nil
	}
	v, err := versionIn(ctx, m.db, q.base, number)
	if err != nil {
		return nil, "", "", err
	}
	if v == nil {
		return nil, "", "", notFound(versionArn(q.base, number))
	}
	run := *sm
	run.Definition, run.RoleArn = v.Definition, v.RoleArn
	return &run, v.Arn, alias, nil
}

// listExecutions lists a state machine's executions, or those of a
// version or an alias, newest first, with their versions and aliases.
func (m *Manager) listExecutions(ctx context.Context, arn, status, redriven string, offset, limit int) ([]*Execution, error) {
	q, err := parseQualified(arn)
	if err != nil {
		return nil, err
	}
	var exs []*Execution
	switch {
	case q.version != 0:
		if _, err := m.DescribeStateMachineVersion(ctx, arn); err != nil {
			return nil, err
		}
		exs, err = m.db.executionsByRef(ctx, "version_arn", arn, status, redriven, offset, limit)
	case q.alias != "":
		if _, err := m.stateMachine(ctx, q.base); err != nil {
			return nil, err
		}
		if a, err := aliasIn(ctx, m.db, arn); err != nil {
			return nil, err
		} else if a == nil {
			return nil, noSuchResource()
		}
		exs, err = m.db.executionsByRef(ctx, "alias_arn", arn, status, redriven, offset, limit)
	default:
		if _, err := m.stateMachine(ctx, arn); err != nil {
			return nil, err
		}
		exs, err = m.db.executions(ctx, arn, status, redriven, offset, limit)
	}
	if err != nil {
		return nil, err
	}
	return exs, loadExecutionRefs(ctx, m.db, exs...)
}
