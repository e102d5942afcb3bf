package daemons

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// RegisterDaemonTaskDefinition registers the next revision of a daemon
// task definition family. Its containers are checked by the rules of
// RegisterTaskDefinition: each revision is backed by a task definition of
// the family "ecs-daemon-<family>" that the daemon tasks run from.
func (m *Manager) RegisterDaemonTaskDefinition(ctx context.Context, in *ecsmodel.RegisterDaemonTaskDefinitionRequest) (*ecsmodel.RegisterDaemonTaskDefinitionResponse, error) {
	if err := ecs.ValidateFamily(in.Family); err != nil {
		return nil, err
	}
	if len(in.ContainerDefinitions) == 0 {
		return nil, ecs.Errorf(ecs.ErrClient, "Container list cannot be empty.")
	}
	for i, c := range in.ContainerDefinitions {
		if c.Name == "" {
			return nil, ecs.Errorf(ecs.ErrClient, "Container.name should not be null or empty (containerDefinitions[%d]).", i)
		}
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	if m.cp == nil {
		return nil, ecs.Errorf(ecs.ErrServer, "The daemon manager is not attached to a control plane.")
	}
	backing, err := backingRequest(in)
	if err != nil {
		return nil, err
	}
	m.reg.Lock()
	defer m.reg.Unlock()
	out, err := m.cp.RegisterTaskDefinition(ctx, backing)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	revs := m.families[in.Family]
	rev := len(revs) + 1
	now := m.now()
	rec := &defRecord{
		Def: ecsmodel.DaemonTaskDefinition{
			DaemonTaskDefinitionArn: m.defARN(in.Family, rev), Family: in.Family, Revision: int32(rev),
			TaskRoleArn: in.TaskRoleArn, ExecutionRoleArn: in.ExecutionRoleArn,
			ContainerDefinitions: in.ContainerDefinitions, Volumes: in.Volumes, Cpu: in.Cpu, Memory: in.Memory,
			Status: ecsmodel.DaemonTaskDefinitionStatusACTIVE, RegisteredAt: wire.At(now),
			RegisteredBy: fmt.Sprintf("arn:aws:iam::%s:root", m.acct.ID),
			PidMode:      in.PidMode, IpcMode: in.IpcMode,
		},
		Tags:    in.Tags,
		Backing: out.TaskDefinition.TaskDefinitionArn,
	}
	if err := m.save(ctx, rec); err != nil {
		return nil, err
	}
	m.families[in.Family] = append(revs, rec)
	return &ecsmodel.RegisterDaemonTaskDefinitionResponse{DaemonTaskDefinitionArn: rec.Def.DaemonTaskDefinitionArn}, nil
}

// backingRequest is the RegisterTaskDefinition request of the task
// definition behind a daemon task definition: the same containers and
// volumes, EC2-compatible, the shared PID and IPC namespaces as host.
func backingRequest(in *ecsmodel.RegisterDaemonTaskDefinitionRequest) (*ecsmodel.RegisterTaskDefinitionRequest, error) {
	out := &ecsmodel.RegisterTaskDefinitionRequest{
		Family: backingFamily(in.Family), TaskRoleArn: in.TaskRoleArn, ExecutionRoleArn: in.ExecutionRoleArn,
		Cpu: in.Cpu, Memory: in.Memory,
		RequiresCompatibilities: []ecsmodel.Compatibility{ecsmodel.CompatibilityEC2},
	}
	// The daemon shapes are subsets of the task definition's, member for
	// member, so they convert through their JSON.
	b, err := json.Marshal(in.ContainerDefinitions)
	if err == nil {
		err = json.Unmarshal(b, &out.ContainerDefinitions)
	}
	if err == nil && len(in.Volumes) > 0 {
		b, err = json.Marshal(in.Volumes)
		if err == nil {
			err = json.Unmarshal(b, &out.Volumes)
		}
	}
	if err != nil {
		return nil, ecs.Errorf(ecs.ErrClient, "containerDefinitions: %v", err)
	}
	if in.PidMode == ecsmodel.DaemonPidModeShared {
		out.PidMode = ecsmodel.PidModeHost
	}
	if in.IpcMode == ecsmodel.DaemonIpcMode("shared") {
		out.IpcMode = ecsmodel.IpcModeHost
	}
	return out, nil
}

// def finds a daemon task definition by family (latest ACTIVE),
// family:revision or ARN; callers hold m.mu.
func (m *Manager) def(ref string) (*defRecord, error) {
	notFound := ecs.Errorf(ecs.ErrClient, "Unable to describe daemon task definition %s: it is not registered. List them with ListDaemonTaskDefinitions.", ref)
	s := ref
	if strings.HasPrefix(s, "arn:") {
		i := strings.Index(s, ":daemon-task-definition/")
		if i < 0 {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "%s is not a daemon task definition ARN (arn:aws:ecs:<region>:<account>:daemon-task-definition/<family>:<revision>).", ref)
		}
		if want := m.arn("daemon-task-definition/"); !strings.HasPrefix(s, want) {
			return nil, notFound
		}
		s = s[i+len(":daemon-task-definition/"):]
	}
	family, revStr, hasRev := strings.Cut(s, ":")
	revs := m.families[family]
	if !hasRev {
		for i := len(revs) - 1; i >= 0; i-- {
			if revs[i] != nil && revs[i].Def.Status == ecsmodel.DaemonTaskDefinitionStatusACTIVE {
				return revs[i], nil
			}
		}
		return nil, notFound
	}
	rev, err := strconv.Atoi(revStr)
	if err != nil || rev < 1 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The revision in %s must be a positive integer.", ref)
	}
	if rev > len(revs) || revs[rev-1] == nil {
		return nil, notFound
	}
	return revs[rev-1], nil
}

// DescribeDaemonTaskDefinition returns one revision.
func (m *Manager) DescribeDaemonTaskDefinition(ctx context.Context, in *ecsmodel.DescribeDaemonTaskDefinitionRequest) (*ecsmodel.DescribeDaemonTaskDefinitionResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.def(in.DaemonTaskDefinition)
	if err != nil {
		return nil, err
	}
	def := d.Def
	return &ecsmodel.DescribeDaemonTaskDefinitionResponse{DaemonTaskDefinition: &def}, nil
}

// ListDaemonTaskDefinitions lists revisions, ACTIVE ones by default,
// sorted by family and revision.
func (m *Manager) ListDaemonTaskDefinitions(ctx context.Context, in *ecsmodel.ListDaemonTaskDefinitionsRequest) (*ecsmodel.ListDaemonTaskDefinitionsResponse, error) {
	if in.Family != "" && in.FamilyPrefix != "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Specify family or familyPrefix, not both.")
	}
	m.mu.Lock()
	var all []ecsmodel.DaemonTaskDefinition
	for family, revs := range m.families {
		if in.Family != "" && family != in.Family || !strings.HasPrefix(family, in.FamilyPrefix) {
			continue
		}
		var last *ecsmodel.DaemonTaskDefinition
		for _, r := range revs {
			if r == nil {
				continue
			}
			switch in.Status {
			case "", ecsmodel.DaemonTaskDefinitionStatusFilter("ACTIVE"):
				if r.Def.Status != ecsmodel.DaemonTaskDefinitionStatusACTIVE {
					continue
				}
			case ecsmodel.DaemonTaskDefinitionStatusFilter("DELETE_IN_PROGRESS"):
				if r.Def.Status != ecsmodel.DaemonTaskDefinitionStatusDELETEINPROGRESS {
					continue
				}
			}
			if in.Revision != "" {
				d := r.Def
				last = &d
				continue
			}
			all = append(all, r.Def)
		}
		if last != nil {
			all = append(all, *last)
		}
	}
	m.mu.Unlock()
	desc := in.Sort == ecsmodel.SortOrder("DESC")
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		less := a.Family < b.Family || a.Family == b.Family && a.Revision < b.Revision
		if desc {
			return !less
		}
		return less
	})
	start, end, err := pageOf(in.NextToken, in.MaxResults, 100, len(all))
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.ListDaemonTaskDefinitionsResponse{DaemonTaskDefinitions: []ecsmodel.DaemonTaskDefinitionSummary{}, NextToken: nextToken(end, len(all))}
	for _, d := range all[start:end] {
		out.DaemonTaskDefinitions = append(out.DaemonTaskDefinitions, ecsmodel.DaemonTaskDefinitionSummary{
			Arn: d.DaemonTaskDefinitionArn, RegisteredAt: d.RegisteredAt, RegisteredBy: d.RegisteredBy,
			DeleteRequestedAt: d.DeleteRequestedAt, Status: d.Status,
		})
	}
	return out, nil
}

// DeleteDaemonTaskDefinition deletes an ACTIVE revision: it goes
// DELETE_IN_PROGRESS, and DELETED once no daemon deploys it (daemons that
// run it go on running it).
func (m *Manager) DeleteDaemonTaskDefinition(ctx context.Context, in *ecsmodel.DeleteDaemonTaskDefinitionRequest) (*ecsmodel.DeleteDaemonTaskDefinitionResponse, error) {
	if _, rev, _ := strings.Cut(lastPart(in.DaemonTaskDefinition), ":"); rev == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "daemonTaskDefinition %q must name a revision: family:revision or the full ARN.", in.DaemonTaskDefinition)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.def(in.DaemonTaskDefinition)
	if err != nil {
		return nil, err
	}
	if d.Def.Status != ecsmodel.DaemonTaskDefinitionStatusACTIVE {
		return nil, ecs.Errorf(ecs.ErrClient, "The daemon task definition %s is %s; only an ACTIVE daemon task definition can be deleted.", d.Def.DaemonTaskDefinitionArn, d.Def.Status)
	}
	next := *d
	next.Def.Status = ecsmodel.DaemonTaskDefinitionStatusDELETEINPROGRESS
	next.Def.DeleteRequestedAt = wire.At(m.now())
	if !m.defInUse(d.Def.DaemonTaskDefinitionArn) {
		next.Def.Status = ecsmodel.DaemonTaskDefinitionStatusDELETED
	}
	if err := m.save(ctx, &next); err != nil {
		return nil, err
	}
	*d = next
	return &ecsmodel.DeleteDaemonTaskDefinitionResponse{DaemonTaskDefinitionArn: d.Def.DaemonTaskDefinitionArn}, nil
}

// defInUse reports whether a daemon's current revision uses the daemon
// task definition; callers hold m.mu.
func (m *Manager) defInUse(arn string) bool {
	for _, d := range m.daemons {
		if dep := m.deployments[d.Deployment]; dep != nil {
			if r := m.revisions[dep.Target]; r != nil && r.Rev.DaemonTaskDefinitionArn == arn {
				return true
			}
		}
	}
	return false
}
