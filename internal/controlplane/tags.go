package controlplane

import (
	"context"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Tagging. TagResource, UntagResource and ListTagsForResource resolve the
// resource ARN to a taggable through taggableByARN, a dispatch on the ARN's
// resource type; each kind of resource only says where its tags are and how
// to store a new set. The tag rules (limits, the reserved aws: prefix,
// merging) are the same for every kind and live here once.

// taggable is one resource's tags and how to store a new set of them.
type taggable struct {
	tags []ecsmodel.Tag
	// save commits tags as the resource's new set; callers hold cp.mu.
	save func(ctx context.Context, tags []ecsmodel.Tag) error
}

// taggableByARN resolves an ECS resource ARN; callers hold cp.mu. notFound
// is the error kind for a well-formed ARN naming nothing: ECS answers
// ResourceNotFoundException to TagResource and UntagResource, while the
// model gives ListTagsForResource no such error (InvalidParameterException).
func (cp *ControlPlane) taggableByARN(arn string, notFound ecs.Kind) (taggable, error) {
	a, err := ecs.ParseResourceARN(arn)
	if err != nil {
		return taggable{}, err
	}
	if err := cp.checkOwnARN(a); err != nil {
		return taggable{}, err
	}
	switch a.Type {
	case "cluster":
		return cp.clusterTaggable(a)
	case "task-definition":
		return cp.taskDefTaggable(a, notFound)
	case "task":
		return cp.taskTaggable(a, notFound)
	case "container-instance":
		return cp.instanceTaggable(a, notFound)
	case "service":
		return cp.serviceTaggable(a, notFound)
	case "capacity-provider", "task-set":
		return taggable{}, ecs.Errorf(ecs.ErrUnsupportedFeature, "ecsrun cannot tag %s resources yet: %s.", a.Type, arn)
	}
	return taggable{}, ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: resource type %q cannot be tagged; tag clusters, services, task definitions, tasks or container instances.", a.Type)
}

// checkOwnARN refuses ARNs of another partition, region or account.
func (cp *ControlPlane) checkOwnARN(a ecs.ResourceARN) error {
	partition := cp.acct.Partition
	if partition == "" {
		partition = "aws"
	}
	switch {
	case a.Partition != partition:
		return ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: partition %q is not this endpoint's partition %q.", a.Partition, partition)
	case a.Region != cp.acct.Region:
		return ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: region %q is not this endpoint's region %q.", a.Region, cp.acct.Region)
	case a.Account != cp.acct.ID:
		return ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: account %q is not this endpoint's account %q.", a.Account, cp.acct.ID)
	}
	return nil
}

func (cp *ControlPlane) clusterTaggable(a ecs.ResourceARN) (taggable, error) {
	if len(a.Path) != 1 {
		return taggable{}, ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: a cluster ARN ends in cluster/<name>, not %q.", strings.Join(a.Path, "/"))
	}
	c, err := cp.cluster(a.Path[0])
	if err != nil {
		return taggable{}, err
	}
	return taggable{tags: c.Tags, save: func(ctx context.Context, tags []ecsmodel.Tag) error {
		upd := *c
		upd.Tags = tags
		if err := cp.saveCluster(ctx, &upd); err != nil {
			return err
		}
		*c = upd
		return nil
	}}, nil
}

func (cp *ControlPlane) taskDefTaggable(a ecs.ResourceARN, notFound ecs.Kind) (taggable, error) {
	if len(a.Path) != 1 || !strings.Contains(a.Path[0], ":") {
		return taggable{}, ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: a task definition ARN ends in task-definition/<family>:<revision>, not %q.", strings.Join(a.Path, "/"))
	}
	ref, err := ecs.ParseTaskDefinitionRef(a.Path[0])
	if err != nil {
		return taggable{}, ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: %v", err)
	}
	td, err := cp.taskDef(ref.String())
	if err != nil {
		return taggable{}, ecs.Errorf(notFound, "The specified task definition does not exist: %s.", a)
	}
	return taggable{tags: td.Tags, save: func(ctx context.Context, tags []ecsmodel.Tag) error {
		upd := *td
		upd.Tags = tags
		if err := cp.saveTaskDef(ctx, &upd); err != nil {
			return err
		}
		*td = upd
		return nil
	}}, nil
}

func (cp *ControlPlane) taskTaggable(a ecs.ResourceARN, notFound ecs.Kind) (taggable, error) {
	var t *taskRecord
	switch len(a.Path) {
	case 1: // the old short form task/<id>
		t = cp.tasks.Get(a.Path[0])
	case 2:
		c, err := cp.cluster(a.Path[0])
		if err != nil {
			return taggable{}, err
		}
		if t = cp.tasks.Get(a.Path[1]); t != nil && t.Cluster != c.Name {
			t = nil
		}
	default:
		return taggable{}, ecs.Errorf(ecs.ErrInvalidParameter, "The ARN provided is invalid: a task ARN ends in task/<cluster>/<id>, not %q.", strings.Join(a.Path, "/"))
	}
	if t == nil {
		return taggable{}, ecs.Errorf(notFound, "The specified task does not exist: %s. Stopped tasks are kept for the task retention period only.", a)
	}
	return taggable{tags: t.Tags, save: func(ctx context.Context, tags []ecsmodel.Tag) error {
		upd := *t
		upd.Tags = tags
		if err := cp.saveTasks(ctx, &upd); err != nil {
			return err
		}
		*t = upd
		return nil
	}}, nil
}

// TagResource adds tags to a cluster, task definition or task, replacing the
// values of keys it already has.
func (cp *ControlPlane) TagResource(ctx context.Context, in *ecsmodel.TagResourceRequest) (*ecsmodel.TagResourceResponse, error) {
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	r, err := cp.taggableByARN(in.ResourceArn, ecs.ErrResourceNotFound)
	if err != nil {
		return nil, err
	}
	merged := mergeTags(r.tags, in.Tags)
	if n := countUserTags(merged); n > ecs.MaxTags {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Too many tags: the resource would have %d tags; a resource can have at most %d (it has %d now).", n, ecs.MaxTags, countUserTags(r.tags))
	}
	if err := r.save(ctx, merged); err != nil {
		return nil, err
	}
	return &ecsmodel.TagResourceResponse{}, nil
}

// UntagResource removes tags by key; keys the resource does not have are
// ignored.
func (cp *ControlPlane) UntagResource(ctx context.Context, in *ecsmodel.UntagResourceRequest) (*ecsmodel.UntagResourceResponse, error) {
	for _, k := range in.TagKeys {
		if reservedTagKey(k) {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Tag key %q uses the reserved prefix 'aws:': such tags cannot be removed.", k)
		}
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	r, err := cp.taggableByARN(in.ResourceArn, ecs.ErrResourceNotFound)
	if err != nil {
		return nil, err
	}
	kept := slices.DeleteFunc(slices.Clone(r.tags), func(t ecsmodel.Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	if len(kept) == len(r.tags) {
		return &ecsmodel.UntagResourceResponse{}, nil
	}
	if err := r.save(ctx, kept); err != nil {
		return nil, err
	}
	return &ecsmodel.UntagResourceResponse{}, nil
}

// ListTagsForResource returns a resource's tags (an empty list when it has
// none).
func (cp *ControlPlane) ListTagsForResource(ctx context.Context, in *ecsmodel.ListTagsForResourceRequest) (*ecsmodel.ListTagsForResourceResponse, error) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	r, err := cp.taggableByARN(in.ResourceArn, ecs.ErrInvalidParameter)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListTagsForResourceResponse{Tags: slices.Clone(tagsOrEmpty(r.tags))}, nil
}

// mergeTags returns have with the values of add's keys replaced and add's
// new keys appended, in order.
func mergeTags(have, add []ecsmodel.Tag) []ecsmodel.Tag {
	out := slices.Clone(have)
	for _, t := range add {
		i := slices.IndexFunc(out, func(o ecsmodel.Tag) bool { return o.Key == t.Key })
		if i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	return out
}

// countUserTags counts the tags that count against the limit: all but those
// with the reserved aws: prefix.
func countUserTags(tags []ecsmodel.Tag) int {
	n := 0
	for _, t := range tags {
		if !reservedTagKey(t.Key) {
			n++
		}
	}
	return n
}

func reservedTagKey(k string) bool { return len(k) >= 4 && strings.EqualFold(k[:4], "aws:") }
