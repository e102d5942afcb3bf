package daemons

import (
	"context"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// tagsOf returns a pointer to the tags of the resource and a function
// that saves it, or an error of kind when there is none; callers hold
// m.mu.
func (m *Manager) tagsOf(arn string, kind ecs.Kind) (*[]ecsmodel.Tag, func(ctx context.Context, tags []ecsmodel.Tag) error, error) {
	notFound := ecs.Errorf(kind, "The specified resource could not be found: %s.", arn)
	if strings.Contains(arn, ":daemon-task-definition/") {
		d, err := m.def(arn)
		if err != nil || d.Def.Status == ecsmodel.DaemonTaskDefinitionStatusDELETED {
			return nil, nil, notFound
		}
		return &d.Tags, func(ctx context.Context, tags []ecsmodel.Tag) error {
			next := *d
			next.Tags = tags
			return m.save(ctx, &next)
		}, nil
	}
	d, ok := m.daemons[arn]
	if !ok {
		return nil, nil, notFound
	}
	return &d.Tags, func(ctx context.Context, tags []ecsmodel.Tag) error {
		next := *d
		next.Tags = tags
		return m.save(ctx, &next)
	}, nil
}

// TagResource adds or replaces tags of a daemon or daemon task definition.
func (m *Manager) TagResource(ctx context.Context, in *ecsmodel.TagResourceRequest) (*ecsmodel.TagResourceResponse, error) {
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, save, err := m.tagsOf(in.ResourceArn, ecs.ErrResourceNotFound)
	if err != nil {
		return nil, err
	}
	tags := slices.Clone(*cur)
	for _, t := range in.Tags {
		if i := slices.IndexFunc(tags, func(o ecsmodel.Tag) bool { return o.Key == t.Key }); i >= 0 {
			tags[i] = t
		} else {
			tags = append(tags, t)
		}
	}
	if len(tags) > ecs.MaxTags {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Too many tags: the resource would have %d tags; a resource can have at most %d (it has %d now).", len(tags), ecs.MaxTags, len(*cur))
	}
	if err := save(ctx, tags); err != nil {
		return nil, err
	}
	*cur = tags
	return &ecsmodel.TagResourceResponse{}, nil
}

// UntagResource removes tags of a daemon or daemon task definition by key.
func (m *Manager) UntagResource(ctx context.Context, in *ecsmodel.UntagResourceRequest) (*ecsmodel.UntagResourceResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, save, err := m.tagsOf(in.ResourceArn, ecs.ErrResourceNotFound)
	if err != nil {
		return nil, err
	}
	tags := slices.DeleteFunc(slices.Clone(*cur), func(t ecsmodel.Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	if err := save(ctx, tags); err != nil {
		return nil, err
	}
	*cur = tags
	return &ecsmodel.UntagResourceResponse{}, nil
}

// ListTagsForResource returns the tags of a daemon or daemon task
// definition.
func (m *Manager) ListTagsForResource(ctx context.Context, in *ecsmodel.ListTagsForResourceRequest) (*ecsmodel.ListTagsForResourceResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// The model lists no ResourceNotFoundException here.
	cur, _, err := m.tagsOf(in.ResourceArn, ecs.ErrInvalidParameter)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListTagsForResourceResponse{Tags: append([]ecsmodel.Tag{}, *cur...)}, nil
}
