package ecsapi

import (
	"context"
	"strings"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Daemons is what the API needs from the managed daemons (package
// daemons).
type Daemons interface {
	RegisterDaemonTaskDefinition(context.Context, *ecsmodel.RegisterDaemonTaskDefinitionRequest) (*ecsmodel.RegisterDaemonTaskDefinitionResponse, error)
	DescribeDaemonTaskDefinition(context.Context, *ecsmodel.DescribeDaemonTaskDefinitionRequest) (*ecsmodel.DescribeDaemonTaskDefinitionResponse, error)
	ListDaemonTaskDefinitions(context.Context, *ecsmodel.ListDaemonTaskDefinitionsRequest) (*ecsmodel.ListDaemonTaskDefinitionsResponse, error)
	DeleteDaemonTaskDefinition(context.Context, *ecsmodel.DeleteDaemonTaskDefinitionRequest) (*ecsmodel.DeleteDaemonTaskDefinitionResponse, error)
	CreateDaemon(context.Context, *ecsmodel.CreateDaemonRequest) (*ecsmodel.CreateDaemonResponse, error)
	UpdateDaemon(context.Context, *ecsmodel.UpdateDaemonRequest) (*ecsmodel.UpdateDaemonResponse, error)
	DeleteDaemon(context.Context, *ecsmodel.DeleteDaemonRequest) (*ecsmodel.DeleteDaemonResponse, error)
	DescribeDaemon(context.Context, *ecsmodel.DescribeDaemonRequest) (*ecsmodel.DescribeDaemonResponse, error)
	ListDaemons(context.Context, *ecsmodel.ListDaemonsRequest) (*ecsmodel.ListDaemonsResponse, error)
	DescribeDaemonDeployments(context.Context, *ecsmodel.DescribeDaemonDeploymentsRequest) (*ecsmodel.DescribeDaemonDeploymentsResponse, error)
	ListDaemonDeployments(context.Context, *ecsmodel.ListDaemonDeploymentsRequest) (*ecsmodel.ListDaemonDeploymentsResponse, error)
	DescribeDaemonRevisions(context.Context, *ecsmodel.DescribeDaemonRevisionsRequest) (*ecsmodel.DescribeDaemonRevisionsResponse, error)
	// ListDaemonTasks answers ListTasks with daemonName.
	ListDaemonTasks(context.Context, *ecsmodel.ListTasksRequest) (*ecsmodel.ListTasksResponse, error)
	// The tag operations of daemon and daemon task definition ARNs.
	TagResource(context.Context, *ecsmodel.TagResourceRequest) (*ecsmodel.TagResourceResponse, error)
	UntagResource(context.Context, *ecsmodel.UntagResourceRequest) (*ecsmodel.UntagResourceResponse, error)
	ListTagsForResource(context.Context, *ecsmodel.ListTagsForResourceRequest) (*ecsmodel.ListTagsForResourceResponse, error)
}

// WithDaemons adds the managed daemon operations of d to s.
func WithDaemons(s *awsjson.Service, d Daemons) *awsjson.Service {
	s.Handlers["RegisterDaemonTaskDefinition"] = op(d.RegisterDaemonTaskDefinition)
	s.Handlers["DescribeDaemonTaskDefinition"] = op(d.DescribeDaemonTaskDefinition)
	s.Handlers["ListDaemonTaskDefinitions"] = op(d.ListDaemonTaskDefinitions)
	s.Handlers["DeleteDaemonTaskDefinition"] = op(d.DeleteDaemonTaskDefinition)
	s.Handlers["CreateDaemon"] = op(d.CreateDaemon)
	s.Handlers["UpdateDaemon"] = op(d.UpdateDaemon)
	s.Handlers["DeleteDaemon"] = op(d.DeleteDaemon)
	s.Handlers["DescribeDaemon"] = op(d.DescribeDaemon)
	s.Handlers["ListDaemons"] = op(d.ListDaemons)
	s.Handlers["DescribeDaemonDeployments"] = op(d.DescribeDaemonDeployments)
	s.Handlers["ListDaemonDeployments"] = op(d.ListDaemonDeployments)
	s.Handlers["DescribeDaemonRevisions"] = op(d.DescribeDaemonRevisions)
	// ListTasks with daemonName lists a daemon's tasks; without, it goes
	// where it went.
	listTasks := s.Handlers["ListTasks"]
	s.Handlers["ListTasks"] = func(ctx context.Context, in wire.Input) (any, error) {
		if r := in.(*ecsmodel.ListTasksRequest); r.DaemonName != "" {
			return d.ListDaemonTasks(ctx, r)
		}
		return listTasks(ctx, in)
	}
	byARN := func(name string, arnOf func(wire.Input) string, mine awsjson.Handler) {
		other := s.Handlers[name]
		s.Handlers[name] = func(ctx context.Context, in wire.Input) (any, error) {
			if daemonARN(arnOf(in)) {
				return mine(ctx, in)
			}
			return other(ctx, in)
		}
	}
	byARN("TagResource", func(in wire.Input) string { return in.(*ecsmodel.TagResourceRequest).ResourceArn }, op(d.TagResource))
	byARN("UntagResource", func(in wire.Input) string { return in.(*ecsmodel.UntagResourceRequest).ResourceArn }, op(d.UntagResource))
	byARN("ListTagsForResource", func(in wire.Input) string { return in.(*ecsmodel.ListTagsForResourceRequest).ResourceArn }, op(d.ListTagsForResource))
	return s
}

// daemonARN: a daemon's or a daemon task definition's ARN.
func daemonARN(arn string) bool {
	return strings.HasPrefix(arn, "arn:") && (strings.Contains(arn, ":daemon/") || strings.Contains(arn, ":daemon-task-definition/"))
}
