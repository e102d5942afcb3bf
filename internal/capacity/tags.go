package capacity

import (
	"context"
	"slices"

	cp "github.com/ecsrun/ecsrun/internal/capacityproviders"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// taggable returns the ACTIVE provider arn names; callers hold r.mu.
func (r *Registry) taggable(arn string) (*record, error) {
	name := r.nameOf(arn)
	if cp.IsFargate(name) {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The capacity provider %s is managed by AWS and cannot be tagged.", name)
	}
	rec := r.providers[name]
	if rec == nil || rec.Status != ecsmodel.CapacityProviderStatusACTIVE || arn != r.acct.CapacityProviderARN(name) {
		return nil, ecs.Errorf(ecs.ErrResourceNotFound, "The specified resource could not be found.")
	}
	return rec, nil
}

// TagResource adds or replaces tags of a capacity provider.
func (r *Registry) TagResource(ctx context.Context, in *ecsmodel.TagResourceRequest) (*ecsmodel.TagResourceResponse, error) {
	if err := ecs.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, err := r.taggable(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := slices.Clone(rec.Tags)
	for _, t := range in.Tags {
		if i := slices.IndexFunc(tags, func(o ecsmodel.Tag) bool { return o.Key == t.Key }); i >= 0 {
			tags[i] = t
		} else {
			tags = append(tags, t)
		}
	}
	if len(tags) > ecs.MaxTags {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Too many tags: the resource would have %d tags; a resource can have at most %d (it has %d now).", len(tags), ecs.MaxTags, len(rec.Tags))
	}
	upd := *rec
	upd.Tags = tags
	if err := r.save(ctx, &upd); err != nil {
		return nil, err
	}
	*rec = upd
	return &ecsmodel.TagResourceResponse{}, nil
}

// UntagResource removes tags of a capacity provider by key.
func (r *Registry) UntagResource(ctx context.Context, in *ecsmodel.UntagResourceRequest) (*ecsmodel.UntagResourceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, err := r.taggable(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	upd := *rec
	upd.Tags = slices.DeleteFunc(slices.Clone(rec.Tags), func(t ecsmodel.Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
	if err := r.save(ctx, &upd); err != nil {
		return nil, err
	}
	*rec = upd
	return &ecsmodel.UntagResourceResponse{}, nil
}

// ListTagsForResource lists a capacity provider's tags.
func (r *Registry) ListTagsForResource(ctx context.Context, in *ecsmodel.ListTagsForResourceRequest) (*ecsmodel.ListTagsForResourceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, err := r.taggable(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.ListTagsForResourceResponse{Tags: append([]ecsmodel.Tag{}, rec.Tags...)}, nil
}
