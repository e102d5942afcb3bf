package sfnapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/ecsrun/ecsrun/internal/executions"
	sm "github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Versions keeps state machine versions and aliases.
type Versions interface {
	PublishStateMachineVersion(ctx context.Context, arn, revisionID, description string) (*executions.Version, error)
	DescribeStateMachineVersion(ctx context.Context, arn string) (*executions.Version, error)
	ListStateMachineVersions(ctx context.Context, arn string, maxResults int32, token string) ([]*executions.Version, string, error)
	DeleteStateMachineVersion(ctx context.Context, arn string) error
	CreateStateMachineAlias(ctx context.Context, name, description string, routes []executions.Route) (*executions.Alias, error)
	DescribeStateMachineAlias(ctx context.Context, arn string) (*executions.Alias, error)
	UpdateStateMachineAlias(ctx context.Context, arn string, description *string, routes []executions.Route) (*executions.Alias, error)
	ListStateMachineAliases(ctx context.Context, arn string, maxResults int32, token string) ([]*executions.Alias, string, error)
	DeleteStateMachineAlias(ctx context.Context, arn string) error
}

var _ Versions = (*executions.Manager)(nil)

// versionHandlers are the operations on versions and aliases.
func (a *api) versionHandlers() map[string]func(context.Context, wire.Input) (any, error) {
	return map[string]func(context.Context, wire.Input) (any, error){
		"PublishStateMachineVersion": a.publishStateMachineVersion,
		"ListStateMachineVersions":   a.listStateMachineVersions,
		"DeleteStateMachineVersion":  a.deleteStateMachineVersion,
		"CreateStateMachineAlias":    a.createStateMachineAlias,
		"DescribeStateMachineAlias":  a.describeStateMachineAlias,
		"UpdateStateMachineAlias":    a.updateStateMachineAlias,
		"ListStateMachineAliases":    a.listStateMachineAliases,
		"DeleteStateMachineAlias":    a.deleteStateMachineAlias,
	}
}

// faultStatus is the HTTP status of an error kind (400 unless the model
// says otherwise).
func faultStatus(kind error) int {
	switch {
	case errors.Is(kind, executions.ErrConflict):
		return http.StatusConflict
	case errors.Is(kind, executions.ErrServiceQuota):
		return http.StatusPaymentRequired
	}
	return http.StatusBadRequest
}

// errDescriptionWithoutPublish is CreateStateMachine's and
// UpdateStateMachine's answer to a versionDescription without publish.
func errDescriptionWithoutPublish() error {
	return &executions.Error{Kind: executions.ErrValidation, Msg: "Version description can only be set when publish is true"}
}

// publishAfter publishes the revision a CreateStateMachine or an
// UpdateStateMachine made, when asked; it answers the version's ARN.
func (a *api) publishAfter(ctx context.Context, s *executions.StateMachine, publish *bool, description string) (string, error) {
	if publish == nil || !*publish {
		return "", nil
	}
	rev := s.RevisionID
	if rev == "" {
		rev = executions.InitialRevision
	}
	v, err := a.m.PublishStateMachineVersion(ctx, s.Arn, rev, description)
	if err != nil {
		return "", err
	}
	return v.Arn, nil
}

// isQualified reports whether a state machine ARN names a version or an
// alias (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME:QUALIFIER).
func isQualified(arn string) bool { return strings.Count(arn, ":") > 6 }

func describeVersion(v *executions.Version) *sm.DescribeStateMachineOutput {
	return &sm.DescribeStateMachineOutput{
		StateMachineArn: v.Arn, Name: v.Name, Status: sm.StateMachineStatusACTIVE, Definition: v.Definition,
		RoleArn: v.RoleArn, Type: sm.StateMachineType(v.Type), CreationDate: wire.At(v.Created),
		LoggingConfiguration: &sm.LoggingConfiguration{Level: sm.LogLevelOFF, IncludeExecutionData: boolp(false)},
		TracingConfiguration: &sm.TracingConfiguration{Enabled: boolp(false)},
		RevisionId:           v.RevisionID, Description: v.Description,
	}
}

func (a *api) publishStateMachineVersion(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.PublishStateMachineVersionInput)
	v, err := a.m.PublishStateMachineVersion(ctx, req.StateMachineArn, req.RevisionId, req.Description)
	if err != nil {
		return nil, err
	}
	return &sm.PublishStateMachineVersionOutput{StateMachineVersionArn: v.Arn, CreationDate: wire.At(v.Created)}, nil
}

func (a *api) listStateMachineVersions(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.ListStateMachineVersionsInput)
	list, next, err := a.m.ListStateMachineVersions(ctx, req.StateMachineArn, maxResults(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sm.ListStateMachineVersionsOutput{StateMachineVersions: make([]sm.StateMachineVersionListItem, 0, len(list)), NextToken: next}
	for _, v := range list {
		out.StateMachineVersions = append(out.StateMachineVersions, sm.StateMachineVersionListItem{StateMachineVersionArn: v.Arn, CreationDate: wire.At(v.Created)})
	}
	return out, nil
}

func (a *api) deleteStateMachineVersion(ctx context.Context, in wire.Input) (any, error) {
	return struct{}{}, a.m.DeleteStateMachineVersion(ctx, in.(*sm.DeleteStateMachineVersionInput).StateMachineVersionArn)
}

func routes(list []sm.RoutingConfigurationListItem) []executions.Route {
	if list == nil {
		return nil
	}
	out := make([]executions.Route, len(list))
	for i, r := range list {
		out[i] = executions.Route{VersionArn: r.StateMachineVersionArn, Weight: int(r.Weight)}
	}
	return out
}

func (a *api) createStateMachineAlias(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.CreateStateMachineAliasInput)
	al, err := a.m.CreateStateMachineAlias(ctx, req.Name, req.Description, routes(req.RoutingConfiguration))
	if err != nil {
		return nil, err
	}
	return &sm.CreateStateMachineAliasOutput{StateMachineAliasArn: al.Arn, CreationDate: wire.At(al.Created)}, nil
}

func (a *api) describeStateMachineAlias(ctx context.Context, in wire.Input) (any, error) {
	al, err := a.m.DescribeStateMachineAlias(ctx, in.(*sm.DescribeStateMachineAliasInput).StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	out := &sm.DescribeStateMachineAliasOutput{
		StateMachineAliasArn: al.Arn, Name: al.Name, Description: al.Description,
		CreationDate: wire.At(al.Created), UpdateDate: wire.At(al.Updated),
		RoutingConfiguration: make([]sm.RoutingConfigurationListItem, len(al.Routes)),
	}
	for i, r := range al.Routes {
		out.RoutingConfiguration[i] = sm.RoutingConfigurationListItem{StateMachineVersionArn: r.VersionArn, Weight: int32(r.Weight)}
	}
	return out, nil
}

func (a *api) updateStateMachineAlias(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.UpdateStateMachineAliasInput)
	var desc *string
	if req.Description != "" {
		desc = &req.Description
	}
	al, err := a.m.UpdateStateMachineAlias(ctx, req.StateMachineAliasArn, desc, routes(req.RoutingConfiguration))
	if err != nil {
		return nil, err
	}
	return &sm.UpdateStateMachineAliasOutput{UpdateDate: wire.At(al.Updated)}, nil
}

func (a *api) listStateMachineAliases(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*sm.ListStateMachineAliasesInput)
	list, next, err := a.m.ListStateMachineAliases(ctx, req.StateMachineArn, maxResults(req.MaxResults), req.NextToken)
	if err != nil {
		return nil, err
	}
	out := &sm.ListStateMachineAliasesOutput{StateMachineAliases: make([]sm.StateMachineAliasListItem, 0, len(list)), NextToken: next}
	for _, al := range list {
		out.StateMachineAliases = append(out.StateMachineAliases, sm.StateMachineAliasListItem{StateMachineAliasArn: al.Arn, CreationDate: wire.At(al.Created)})
	}
	return out, nil
}

func (a *api) deleteStateMachineAlias(ctx context.Context, in wire.Input) (any, error) {
	return struct{}{}, a.m.DeleteStateMachineAlias(ctx, in.(*sm.DeleteStateMachineAliasInput).StateMachineAliasArn)
}
