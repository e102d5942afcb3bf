package controlplane

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

type taskDefRecord struct {
	Def  ecsmodel.TaskDefinition `json:"def"`
	Tags []ecsmodel.Tag          `json:"tags,omitempty"`
}

func (cp *ControlPlane) saveTaskDef(ctx context.Context, td *taskDefRecord) error {
	return cp.exec(ctx, `INSERT INTO task_definitions(family, revision, body) VALUES(?, ?, ?)
		ON CONFLICT(family, revision) DO UPDATE SET body = excluded.body`, td.Def.Family, td.Def.Revision, mustJSON(td))
}

// RegisterTaskDefinition validates a task definition and stores it as the
// next revision of its family.
func (cp *ControlPlane) RegisterTaskDefinition(ctx context.Context, in *ecsmodel.RegisterTaskDefinitionRequest) (*ecsmodel.RegisterTaskDefinitionResponse, error) {
	def, err := ecs.NewTaskDefinition(in)
	if err != nil {
		return nil, err
	}
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	revs := cp.families[def.Family]
	def.Revision = int32(len(revs) + 1)
	def.TaskDefinitionArn = cp.acct.TaskDefinitionARN(def.Family, int(def.Revision))
	def.Status = ecsmodel.TaskDefinitionStatusACTIVE
	def.RegisteredAt = wire.At(cp.now())
	def.RegisteredBy = fmt.Sprintf("arn:aws:iam::%s:root", cp.acct.ID)
	td := &taskDefRecord{Def: *def, Tags: in.Tags}
	if err := cp.saveTaskDef(ctx, td); err != nil {
		return nil, err
	}
	cp.families[def.Family] = append(revs, td)
	out := td.Def
	return &ecsmodel.RegisterTaskDefinitionResponse{TaskDefinition: &out, Tags: tagsOrEmpty(td.Tags)}, nil
}

func tagsOrEmpty(t []ecsmodel.Tag) []ecsmodel.Tag {
	if t == nil {
		return []ecsmodel.Tag{}
	}
	return t
}

// taskDef resolves a family, family:revision or ARN; a bare family means its
// latest ACTIVE revision. Callers hold cp.mu.
func (cp *ControlPlane) taskDef(ref string) (*taskDefRecord, error) {
	r, err := cp.acct.TaskDefinitionRefOf(ref)
	if err != nil {
		return nil, err
	}
	revs := cp.families[r.Family]
	if r.Revision == 0 {
		for i := len(revs) - 1; i >= 0; i-- {
			if revs[i].Def.Status == ecsmodel.TaskDefinitionStatusACTIVE {
				return revs[i], nil
			}
		}
		return nil, ecs.Errorf(ecs.ErrClient, "Unable to describe task definition.")
	}
	if r.Revision > len(revs) || revs[r.Revision-1] == nil {
		return nil, ecs.Errorf(ecs.ErrClient, "Unable to describe task definition.")
	}
	return revs[r.Revision-1], nil
}

// DescribeTaskDefinition returns one revision (with its tags when asked).
func (cp *ControlPlane) DescribeTaskDefinition(ctx context.Context, in *ecsmodel.DescribeTaskDefinitionRequest) (*ecsmodel.DescribeTaskDefinitionResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	td, err := cp.taskDef(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	def := td.Def
	out := &ecsmodel.DescribeTaskDefinitionResponse{TaskDefinition: &def}
	for _, f := range in.Include {
		if f == ecsmodel.TaskDefinitionFieldTAGS {
			out.Tags = tagsOrEmpty(td.Tags)
		}
	}
	return out, nil
}

// DeregisterTaskDefinition marks a revision INACTIVE. Running tasks keep
// running; new RunTask calls with it fail.
func (cp *ControlPlane) DeregisterTaskDefinition(ctx context.Context, in *ecsmodel.DeregisterTaskDefinitionRequest) (*ecsmodel.DeregisterTaskDefinitionResponse, error) {
	r, err := cp.acct.TaskDefinitionRefOf(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if r.Revision == 0 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Invalid revision number or task definition ARN: give family:revision or the full ARN, not %q.", in.TaskDefinition)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	td, err := cp.taskDef(in.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if td.Def.Status == ecsmodel.TaskDefinitionStatusACTIVE {
		upd := *td
		upd.Def.Status = ecsmodel.TaskDefinitionStatusINACTIVE
		upd.Def.DeregisteredAt = wire.At(cp.now())
		if err := cp.saveTaskDef(ctx, &upd); err != nil {
			return nil, err
		}
		*td = upd
	}
	def := td.Def
	return &ecsmodel.DeregisterTaskDefinitionResponse{TaskDefinition: &def}, nil
}

// ListTaskDefinitions lists revision ARNs, filtered by family prefix... as
// ECS does: familyPrefix is an exact family name.
func (cp *ControlPlane) ListTaskDefinitions(ctx context.Context, in *ecsmodel.ListTaskDefinitionsRequest) (*ecsmodel.ListTaskDefinitionsResponse, error) {
	status := in.Status
	if status == "" {
		status = ecsmodel.TaskDefinitionStatusACTIVE
	}
	desc := in.Sort == ecsmodel.SortOrderDESC
	cp.mu.Lock()
	var items []keyed
	for fam, revs := range cp.families {
		if in.FamilyPrefix != "" && fam != in.FamilyPrefix {
			continue
		}
		for _, td := range revs {
			if td.Def.Status != status {
				continue
			}
			// Paging keys ascend: family then zero-padded revision, both
			// inverted for DESC. The family ends in a byte below every
			// character a family name may have, so "web" sorts before
			// "web-a" and "web2", as ECS lists them.
			key := fmt.Sprintf("%s\x00%010d", fam, td.Def.Revision)
			if desc {
				key = fmt.Sprintf("%s:%010d", invert(fam), 9999999999-int(td.Def.Revision))
			}
			items = append(items, keyed{key, td.Def.TaskDefinitionArn})
		}
	}
	cp.mu.Unlock()
	arns, next, err := pageValues(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListTaskDefinitionsResponse{TaskDefinitionArns: arns, NextToken: next}, nil
}

// invert maps a string to one that sorts in the opposite order (for the
// printable ASCII family names ECS allows).
func invert(s string) string {
	b := make([]byte, len(s)+1)
	for i := 0; i < len(s); i++ {
		b[i] = 0x7f - s[i]
	}
	b[len(s)] = 0x7f // shorter names sort after their extensions when descending
	return string(b)
}

// ListTaskDefinitionFamilies lists family names by prefix and status.
func (cp *ControlPlane) ListTaskDefinitionFamilies(ctx context.Context, in *ecsmodel.ListTaskDefinitionFamiliesRequest) (*ecsmodel.ListTaskDefinitionFamiliesResponse, error) {
	status := in.Status
	if status == "" {
		status = ecsmodel.TaskDefinitionFamilyStatusACTIVE
	}
	cp.mu.Lock()
	var items []keyed
	for fam, revs := range cp.families {
		if !strings.HasPrefix(fam, in.FamilyPrefix) {
			continue
		}
		active := false
		for _, td := range revs {
			if td.Def.Status == ecsmodel.TaskDefinitionStatusACTIVE {
				active = true
			}
		}
		switch {
		case status == ecsmodel.TaskDefinitionFamilyStatusALL,
			status == ecsmodel.TaskDefinitionFamilyStatusACTIVE && active,
			status == ecsmodel.TaskDefinitionFamilyStatusINACTIVE && !active:
			items = append(items, keyed{fam, fam})
		}
	}
	cp.mu.Unlock()
	families, next, err := pageValues(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListTaskDefinitionFamiliesResponse{Families: families, NextToken: next}, nil
}

// DeleteTaskDefinitions moves INACTIVE revisions to DELETE_IN_PROGRESS
// (they stay describable; ecsrun never purges them, so revision numbers are
// never reused). Revisions that are ACTIVE, unknown or not named with a
// revision come back as failures, as ECS answers them.
func (cp *ControlPlane) DeleteTaskDefinitions(ctx context.Context, in *ecsmodel.DeleteTaskDefinitionsRequest) (*ecsmodel.DeleteTaskDefinitionsResponse, error) {
	switch n := len(in.TaskDefinitions); {
	case n == 0:
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "taskDefinitions must name at least one task definition revision.")
	case n > 10:
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "taskDefinitions can name at most 10 task definition revisions per call; got %d.", n)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := &ecsmodel.DeleteTaskDefinitionsResponse{TaskDefinitions: []ecsmodel.TaskDefinition{}, Failures: []ecsmodel.Failure{}}
	// Failure reasons in ECS's wording (as moto records them [unverified]).
	fail := func(ref, reason string) {
		out.Failures = append(out.Failures, ecsmodel.Failure{Arn: ref, Reason: reason})
	}
	for _, ref := range in.TaskDefinitions {
		r, err := ecs.ParseTaskDefinitionRef(ref)
		if err != nil || r.Revision == 0 {
			fail(ref, "The specified task definition identifier is invalid. Specify a valid name or ARN and try again.")
			continue
		}
		td, err := cp.taskDef(r.String())
		if err != nil {
			fail(cp.acct.TaskDefinitionARN(r.Family, r.Revision), "The specified task definition does not exist. Specify a valid account, family, revision and try again.")
			continue
		}
		if td.Def.Status == ecsmodel.TaskDefinitionStatusACTIVE {
			fail(td.Def.TaskDefinitionArn, "The specified task definition is still in ACTIVE status. Please deregister the target and try again.")
			continue
		}
		if td.Def.Status == ecsmodel.TaskDefinitionStatusINACTIVE {
			upd := *td
			upd.Def.Status = ecsmodel.TaskDefinitionStatusDELETEINPROGRESS
			if err := cp.saveTaskDef(ctx, &upd); err != nil {
				return nil, err
			}
			*td = upd
		}
		out.TaskDefinitions = append(out.TaskDefinitions, td.Def)
	}
	return out, nil
}
