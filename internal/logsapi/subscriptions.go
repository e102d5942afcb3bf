package logsapi

import (
	"context"

	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// subscriptionFilter is lm.SubscriptionFilter with filterPattern always
// sent: "" (every event) is a pattern too.
type subscriptionFilter struct {
	FilterName             string   `json:"filterName"`
	LogGroupName           string   `json:"logGroupName"`
	FilterPattern          string   `json:"filterPattern"`
	DestinationArn         string   `json:"destinationArn"`
	RoleArn                string   `json:"roleArn,omitempty"`
	Distribution           string   `json:"distribution"`
	ApplyOnTransformedLogs bool     `json:"applyOnTransformedLogs"`
	CreationTime           int64    `json:"creationTime"`
	FieldSelectionCriteria string   `json:"fieldSelectionCriteria,omitempty"`
	EmitSystemFields       []string `json:"emitSystemFields,omitempty"`
}

type describeSubscriptionFiltersOutput struct {
	SubscriptionFilters []subscriptionFilter `json:"subscriptionFilters"`
	NextToken           string               `json:"nextToken,omitempty"`
}

func (a *api) putSubscriptionFilter(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutSubscriptionFilterRequest)
	return nil, a.res.PutSubscriptionFilter(ctx, logsres.SubscriptionFilter{
		Group:                  req.LogGroupName,
		Name:                   req.FilterName,
		Pattern:                req.FilterPattern,
		DestinationARN:         req.DestinationArn,
		RoleARN:                req.RoleArn,
		Distribution:           string(req.Distribution),
		ApplyOnTransformedLogs: boolValue(req.ApplyOnTransformedLogs),
		FieldSelectionCriteria: req.FieldSelectionCriteria,
		EmitSystemFields:       req.EmitSystemFields,
	})
}

func (a *api) describeSubscriptionFilters(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeSubscriptionFiltersRequest)
	fs, next, err := a.res.DescribeSubscriptionFilters(ctx, logsres.SubscriptionQuery{
		Group: req.LogGroupName, Prefix: req.FilterNamePrefix, NextToken: req.NextToken, Limit: intValue(req.Limit),
	})
	if err != nil {
		return nil, err
	}
	out := describeSubscriptionFiltersOutput{SubscriptionFilters: make([]subscriptionFilter, len(fs)), NextToken: next}
	for i, f := range fs {
		out.SubscriptionFilters[i] = subscriptionFilter{
			FilterName: f.Name, LogGroupName: f.Group, FilterPattern: f.Pattern, DestinationArn: f.DestinationARN,
			RoleArn: f.RoleARN, Distribution: f.Distribution, ApplyOnTransformedLogs: f.ApplyOnTransformedLogs,
			CreationTime: f.CreationTime, FieldSelectionCriteria: f.FieldSelectionCriteria, EmitSystemFields: f.EmitSystemFields,
		}
	}
	return out, nil
}

func (a *api) deleteSubscriptionFilter(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteSubscriptionFilterRequest)
	return nil, a.res.DeleteSubscriptionFilter(ctx, req.LogGroupName, req.FilterName)
}

func toDestination(d logsres.Destination) lm.Destination {
	ct := d.CreationTime
	return lm.Destination{
		DestinationName: d.Name, TargetArn: d.TargetARN, RoleArn: d.RoleARN,
		AccessPolicy: d.AccessPolicy, Arn: d.ARN, CreationTime: &ct,
	}
}

type putDestinationOutput struct {
	Destination lm.Destination `json:"destination"`
}

func (a *api) putDestination(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutDestinationRequest)
	d, err := a.res.PutDestination(ctx, logsres.Destination{Name: req.DestinationName, TargetARN: req.TargetArn, RoleARN: req.RoleArn}, req.Tags)
	if err != nil {
		return nil, err
	}
	return putDestinationOutput{Destination: toDestination(d)}, nil
}

func (a *api) putDestinationPolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutDestinationPolicyRequest)
	return nil, a.res.PutDestinationPolicy(ctx, req.DestinationName, req.AccessPolicy)
}

type describeDestinationsOutput struct {
	Destinations []lm.Destination `json:"destinations"`
	NextToken    string           `json:"nextToken,omitempty"`
}

func (a *api) describeDestinations(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeDestinationsRequest)
	ds, next, err := a.res.DescribeDestinations(ctx, req.DestinationNamePrefix, req.NextToken, intValue(req.Limit))
	if err != nil {
		return nil, err
	}
	out := describeDestinationsOutput{Destinations: make([]lm.Destination, len(ds)), NextToken: next}
	for i, d := range ds {
		out.Destinations[i] = toDestination(d)
	}
	return out, nil
}

func (a *api) deleteDestination(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteDestinationRequest)
	return nil, a.res.DeleteDestination(ctx, req.DestinationName)
}

func toResourcePolicy(p logsres.ResourcePolicy) lm.ResourcePolicy {
	t := p.Updated
	return lm.ResourcePolicy{
		PolicyName: p.Name, PolicyDocument: p.Document, LastUpdatedTime: &t,
		PolicyScope: lm.PolicyScope(p.Scope), ResourceArn: p.ResourceARN, RevisionId: p.RevisionID,
	}
}

type putResourcePolicyOutput struct {
	ResourcePolicy lm.ResourcePolicy `json:"resourcePolicy"`
	RevisionID     string            `json:"revisionId,omitempty"`
}

func (a *api) putResourcePolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.PutResourcePolicyRequest)
	p, err := a.res.PutResourcePolicy(ctx, logsres.ResourcePolicy{Name: req.PolicyName, Document: req.PolicyDocument, ResourceARN: req.ResourceArn}, req.ExpectedRevisionId)
	if err != nil {
		return nil, err
	}
	return putResourcePolicyOutput{ResourcePolicy: toResourcePolicy(p), RevisionID: p.RevisionID}, nil
}

type describeResourcePoliciesOutput struct {
	ResourcePolicies []lm.ResourcePolicy `json:"resourcePolicies"`
	NextToken        string              `json:"nextToken,omitempty"`
}

func (a *api) describeResourcePolicies(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeResourcePoliciesRequest)
	ps, next, err := a.res.DescribeResourcePolicies(ctx, string(req.PolicyScope), req.ResourceArn, req.NextToken, intValue(req.Limit))
	if err != nil {
		return nil, err
	}
	out := describeResourcePoliciesOutput{ResourcePolicies: make([]lm.ResourcePolicy, len(ps)), NextToken: next}
	for i, p := range ps {
		out.ResourcePolicies[i] = toResourcePolicy(p)
	}
	return out, nil
}

func (a *api) deleteResourcePolicy(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DeleteResourcePolicyRequest)
	return nil, a.res.DeleteResourcePolicy(ctx, req.PolicyName, req.ResourceArn, req.ExpectedRevisionId)
}
