package controlplane

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// attributeTargets checks the attributes of a PutAttributes or
// DeleteAttributes request and resolves their targets (container
// instances of the cluster, not deregistered); callers hold cp.mu.
func (cp *ControlPlane) attributeTargets(c *clusterRecord, attrs []ecsmodel.Attribute, withValues bool) ([]*instanceRecord, error) {
	if len(attrs) == 0 || len(attrs) > ecs.MaxAttributesPerCall {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "attributes must list 1 to %d attributes; got %d.", ecs.MaxAttributesPerCall, len(attrs))
	}
	targets := make([]*instanceRecord, len(attrs))
	for i, a := range attrs {
		value := a.Value
		if !withValues {
			value = ""
		}
		if err := ecs.ValidateAttribute(a.Name, value); err != nil {
			return nil, err
		}
		if !ecs.IsCustomAttribute(a.Name) {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Attribute %s is built in: names starting with ecs. or com.amazonaws.ecs. are set at registration and cannot be changed with PutAttributes or DeleteAttributes.", a.Name)
		}
		if a.TargetId == "" {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Attribute %s has no targetId: give the container instance's ARN, or its id with targetType container-instance.", a.Name)
		}
		if a.TargetType != "" && a.TargetType != ecsmodel.TargetTypeContainerInstance {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "targetType must be container-instance; got %s.", a.TargetType)
		}
		if !strings.HasPrefix(a.TargetId, "arn:") && a.TargetType == "" {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Attribute %s: targetType is required when targetId is a short id (%s); set it to container-instance or give the full ARN.", a.Name, a.TargetId)
		}
		r := cp.instance(c, a.TargetId)
		if r == nil || r.Status == instanceInactive {
			return nil, ecs.Errorf(ecs.ErrTargetNotFound, "Could not find target %s in cluster %s. List the cluster's container instances with ListContainerInstances.", a.TargetId, c.Name)
		}
		targets[i] = r
	}
	return targets, nil
}

// setAttributes commits new attributes for the instances in order;
// callers hold cp.mu.
func (cp *ControlPlane) setAttributes(ctx context.Context, order []*instanceRecord, attrs map[*instanceRecord]map[string]string) error {
	for _, r := range order {
		upd := *r
		upd.Attributes = attrs[r]
		upd.Version++
		if err := cp.saveInstance(ctx, &upd); err != nil {
			return err
		}
		st := cp.placer(r.Cluster)
		var err error
		if removed := removedKeys(r.Attributes, upd.Attributes); len(removed) > 0 {
			err = st.DeleteAttributes(r.ARN, removed...)
		}
		if err == nil {
			err = st.PutAttributes(r.ARN, upd.Attributes)
		}
		if err != nil {
			return fmt.Errorf("controlplane: attributes: %w", err)
		}
		*r = upd
	}
	return nil
}

func removedKeys(before, after map[string]string) []string {
	var out []string
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// echoAttributes returns the request's attributes as the answer lists
// them, with the target type filled in.
func echoAttributes(attrs []ecsmodel.Attribute, withValues bool) []ecsmodel.Attribute {
	out := make([]ecsmodel.Attribute, len(attrs))
	for i, a := range attrs {
		a.TargetType = ecsmodel.TargetTypeContainerInstance
		if !withValues {
			a.Value = ""
		}
		out[i] = a
	}
	return out
}

// PutAttributes creates or updates custom attributes of container
// instances (at most 10 per call, and 10 custom attributes per instance).
// The whole request is checked before anything changes.
func (cp *ControlPlane) PutAttributes(ctx context.Context, in *ecsmodel.PutAttributesRequest) (*ecsmodel.PutAttributesResponse, error) {
	if err := cp.changeAttributes(ctx, in.Cluster, in.Attributes, true); err != nil {
		return nil, err
	}
	return &ecsmodel.PutAttributesResponse{Attributes: echoAttributes(in.Attributes, true)}, nil
}

// DeleteAttributes removes custom attributes from container instances
// (at most 10 per call); removing an attribute an instance does not have
// is not an error.
func (cp *ControlPlane) DeleteAttributes(ctx context.Context, in *ecsmodel.DeleteAttributesRequest) (*ecsmodel.DeleteAttributesResponse, error) {
	if err := cp.changeAttributes(ctx, in.Cluster, in.Attributes, false); err != nil {
		return nil, err
	}
	return &ecsmodel.DeleteAttributesResponse{Attributes: echoAttributes(in.Attributes, false)}, nil
}

// changeAttributes puts (or deletes) attributes of a cluster's container
// instances, checking the whole request first.
func (cp *ControlPlane) changeAttributes(ctx context.Context, cluster string, attrs []ecsmodel.Attribute, put bool) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	c, err := cp.cluster(cluster)
	if err != nil {
		return err
	}
	targets, err := cp.attributeTargets(c, attrs, put)
	if err != nil {
		return err
	}
	next := map[*instanceRecord]map[string]string{}
	var order []*instanceRecord
	for i, a := range attrs {
		r := targets[i]
		m, ok := next[r]
		if !ok {
			m = maps.Clone(r.Attributes)
			next[r] = m
			order = append(order, r)
		}
		if put {
			m[a.Name] = a.Value
		} else {
			delete(m, a.Name)
		}
	}
	for _, r := range order {
		custom := 0
		for name := range next[r] {
			if ecs.IsCustomAttribute(name) {
				custom++
			}
		}
		if put && custom > ecs.MaxCustomAttributes {
			return ecs.Errorf(ecs.ErrAttributeLimitExceeded, "Container instance %s would have %d custom attributes; the limit is %d. Remove some with DeleteAttributes first.", r.ARN, custom, ecs.MaxCustomAttributes)
		}
	}
	return cp.setAttributes(ctx, order, next)
}

// ListAttributes lists the attributes (built-in and custom) of a cluster's
// container instances that are not deregistered, optionally only those of
// one name, or one name and value; by instance registration order, then
// name.
func (cp *ControlPlane) ListAttributes(ctx context.Context, in *ecsmodel.ListAttributesRequest) (*ecsmodel.ListAttributesResponse, error) {
	if in.TargetType != ecsmodel.TargetTypeContainerInstance {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "targetType is required and must be container-instance; got %q.", in.TargetType)
	}
	if in.AttributeValue != "" && in.AttributeName == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "attributeValue filters by value only together with attributeName.")
	}
	cp.mu.Lock()
	c, err := cp.cluster(in.Cluster)
	if err != nil {
		cp.mu.Unlock()
		return nil, err
	}
	var items []keyed
	found := map[string]ecsmodel.Attribute{}
	for _, r := range cp.instances {
		if r.Cluster != c.Name || r.Status == instanceInactive {
			continue
		}
		for name, value := range r.Attributes {
			if in.AttributeName != "" && name != in.AttributeName || in.AttributeValue != "" && value != in.AttributeValue {
				continue
			}
			key := fmt.Sprintf("%020d/%s", r.Seq, name)
			items = append(items, keyed{key, key})
			found[key] = ecsmodel.Attribute{Name: name, Value: value, TargetType: ecsmodel.TargetTypeContainerInstance, TargetId: r.ARN}
		}
	}
	cp.mu.Unlock()
	keys, next, err := pageValues(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &ecsmodel.ListAttributesResponse{Attributes: make([]ecsmodel.Attribute, 0, len(keys)), NextToken: next}
	for _, k := range keys {
		out.Attributes = append(out.Attributes, found[k])
	}
	return out, nil
}
