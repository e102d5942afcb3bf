package ecsapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// ControlPlane is what the API needs from the control plane.
type ControlPlane interface {
	CreateCluster(context.Context, *ecsmodel.CreateClusterRequest) (*ecsmodel.CreateClusterResponse, error)
	DescribeClusters(context.Context, *ecsmodel.DescribeClustersRequest) (*ecsmodel.DescribeClustersResponse, error)
	ListClusters(context.Context, *ecsmodel.ListClustersRequest) (*ecsmodel.ListClustersResponse, error)
	DeleteCluster(context.Context, *ecsmodel.DeleteClusterRequest) (*ecsmodel.DeleteClusterResponse, error)
	RegisterTaskDefinition(context.Context, *ecsmodel.RegisterTaskDefinitionRequest) (*ecsmodel.RegisterTaskDefinitionResponse, error)
	DescribeTaskDefinition(context.Context, *ecsmodel.DescribeTaskDefinitionRequest) (*ecsmodel.DescribeTaskDefinitionResponse, error)
	DeregisterTaskDefinition(context.Context, *ecsmodel.DeregisterTaskDefinitionRequest) (*ecsmodel.DeregisterTaskDefinitionResponse, error)
	ListTaskDefinitions(context.Context, *ecsmodel.ListTaskDefinitionsRequest) (*ecsmodel.ListTaskDefinitionsResponse, error)
	ListTaskDefinitionFamilies(context.Context, *ecsmodel.ListTaskDefinitionFamiliesRequest) (*ecsmodel.ListTaskDefinitionFamiliesResponse, error)
	RunTask(context.Context, *ecsmodel.RunTaskRequest) (*ecsmodel.RunTaskResponse, error)
	StopTask(context.Context, *ecsmodel.StopTaskRequest) (*ecsmodel.StopTaskResponse, error)
	DescribeTasks(context.Context, *ecsmodel.DescribeTasksRequest) (*ecsmodel.DescribeTasksResponse, error)
	ListTasks(context.Context, *ecsmodel.ListTasksRequest) (*ecsmodel.ListTasksResponse, error)
	DeleteTaskDefinitions(context.Context, *ecsmodel.DeleteTaskDefinitionsRequest) (*ecsmodel.DeleteTaskDefinitionsResponse, error)
	TagResource(context.Context, *ecsmodel.TagResourceRequest) (*ecsmodel.TagResourceResponse, error)
	UntagResource(context.Context, *ecsmodel.UntagResourceRequest) (*ecsmodel.UntagResourceResponse, error)
	ListTagsForResource(context.Context, *ecsmodel.ListTagsForResourceRequest) (*ecsmodel.ListTagsForResourceResponse, error)
	RegisterContainerInstance(context.Context, *ecsmodel.RegisterContainerInstanceRequest) (*ecsmodel.RegisterContainerInstanceResponse, error)
	DeregisterContainerInstance(context.Context, *ecsmodel.DeregisterContainerInstanceRequest) (*ecsmodel.DeregisterContainerInstanceResponse, error)
	DescribeContainerInstances(context.Context, *ecsmodel.DescribeContainerInstancesRequest) (*ecsmodel.DescribeContainerInstancesResponse, error)
	ListContainerInstances(context.Context, *ecsmodel.ListContainerInstancesRequest) (*ecsmodel.ListContainerInstancesResponse, error)
	UpdateContainerInstancesState(context.Context, *ecsmodel.UpdateContainerInstancesStateRequest) (*ecsmodel.UpdateContainerInstancesStateResponse, error)
	PutAttributes(context.Context, *ecsmodel.PutAttributesRequest) (*ecsmodel.PutAttributesResponse, error)
	DeleteAttributes(context.Context, *ecsmodel.DeleteAttributesRequest) (*ecsmodel.DeleteAttributesResponse, error)
	ListAttributes(context.Context, *ecsmodel.ListAttributesRequest) (*ecsmodel.ListAttributesResponse, error)
	CreateService(context.Context, *ecsmodel.CreateServiceRequest) (*ecsmodel.CreateServiceResponse, error)
	UpdateService(context.Context, *ecsmodel.UpdateServiceRequest) (*ecsmodel.UpdateServiceResponse, error)
	DeleteService(context.Context, *ecsmodel.DeleteServiceRequest) (*ecsmodel.DeleteServiceResponse, error)
	DescribeServices(context.Context, *ecsmodel.DescribeServicesRequest) (*ecsmodel.DescribeServicesResponse, error)
	ListServices(context.Context, *ecsmodel.ListServicesRequest) (*ecsmodel.ListServicesResponse, error)
	PutClusterCapacityProviders(context.Context, *ecsmodel.PutClusterCapacityProvidersRequest) (*ecsmodel.PutClusterCapacityProvidersResponse, error)
	CreateTaskSet(context.Context, *ecsmodel.CreateTaskSetRequest) (*ecsmodel.CreateTaskSetResponse, error)
	UpdateTaskSet(context.Context, *ecsmodel.UpdateTaskSetRequest) (*ecsmodel.UpdateTaskSetResponse, error)
	DeleteTaskSet(context.Context, *ecsmodel.DeleteTaskSetRequest) (*ecsmodel.DeleteTaskSetResponse, error)
	DescribeTaskSets(context.Context, *ecsmodel.DescribeTaskSetsRequest) (*ecsmodel.DescribeTaskSetsResponse, error)
	UpdateServicePrimaryTaskSet(context.Context, *ecsmodel.UpdateServicePrimaryTaskSetRequest) (*ecsmodel.UpdateServicePrimaryTaskSetResponse, error)
	GetTaskProtection(context.Context, *ecsmodel.GetTaskProtectionRequest) (*ecsmodel.GetTaskProtectionResponse, error)
	UpdateTaskProtection(context.Context, *ecsmodel.UpdateTaskProtectionRequest) (*ecsmodel.UpdateTaskProtectionResponse, error)
	ListServiceDeployments(context.Context, *ecsmodel.ListServiceDeploymentsRequest) (*ecsmodel.ListServiceDeploymentsResponse, error)
	DescribeServiceDeployments(context.Context, *ecsmodel.DescribeServiceDeploymentsRequest) (*ecsmodel.DescribeServiceDeploymentsResponse, error)
	DescribeServiceRevisions(context.Context, *ecsmodel.DescribeServiceRevisionsRequest) (*ecsmodel.DescribeServiceRevisionsResponse, error)
	StopServiceDeployment(context.Context, *ecsmodel.StopServiceDeploymentRequest) (*ecsmodel.StopServiceDeploymentResponse, error)
	ContinueServiceDeployment(context.Context, *ecsmodel.ContinueServiceDeploymentRequest) (*ecsmodel.ContinueServiceDeploymentResponse, error)

	PutAccountSetting(context.Context, *ecsmodel.PutAccountSettingRequest) (*ecsmodel.PutAccountSettingResponse, error)
	PutAccountSettingDefault(context.Context, *ecsmodel.PutAccountSettingDefaultRequest) (*ecsmodel.PutAccountSettingDefaultResponse, error)
	ListAccountSettings(context.Context, *ecsmodel.ListAccountSettingsRequest) (*ecsmodel.ListAccountSettingsResponse, error)
	DeleteAccountSetting(context.Context, *ecsmodel.DeleteAccountSettingRequest) (*ecsmodel.DeleteAccountSettingResponse, error)
	UpdateCluster(context.Context, *ecsmodel.UpdateClusterRequest) (*ecsmodel.UpdateClusterResponse, error)
	UpdateClusterSettings(context.Context, *ecsmodel.UpdateClusterSettingsRequest) (*ecsmodel.UpdateClusterSettingsResponse, error)
	StartTask(context.Context, *ecsmodel.StartTaskRequest) (*ecsmodel.StartTaskResponse, error)
	DiscoverPollEndpoint(context.Context, *ecsmodel.DiscoverPollEndpointRequest) (*ecsmodel.DiscoverPollEndpointResponse, error)
	SubmitTaskStateChange(context.Context, *ecsmodel.SubmitTaskStateChangeRequest) (*ecsmodel.SubmitTaskStateChangeResponse, error)
	SubmitContainerStateChange(context.Context, *ecsmodel.SubmitContainerStateChangeRequest) (*ecsmodel.SubmitContainerStateChangeResponse, error)
	SubmitAttachmentStateChanges(context.Context, *ecsmodel.SubmitAttachmentStateChangesRequest) (*ecsmodel.SubmitAttachmentStateChangesResponse, error)
	UpdateContainerAgent(context.Context, *ecsmodel.UpdateContainerAgentRequest) (*ecsmodel.UpdateContainerAgentResponse, error)
	ListServicesByNamespace(context.Context, *ecsmodel.ListServicesByNamespaceRequest) (*ecsmodel.ListServicesByNamespaceResponse, error)
	ExecuteCommand(context.Context, *ecsmodel.ExecuteCommandRequest) (*ecsmodel.ExecuteCommandResponse, error)
}

// op adapts a typed control-plane method to an awsjson.Handler.
func op[I wire.Input, O any](f func(context.Context, I) (O, error)) awsjson.Handler {
	return func(ctx context.Context, in wire.Input) (any, error) {
		return f(ctx, in.(I))
	}
}

// New returns the ECS service bound to cp.
func New(cp ControlPlane) *awsjson.Service {
	return &awsjson.Service{
		TargetPrefix:      ecsmodel.TargetPrefix,
		JSONVersion:       ecsmodel.JSONVersion,
		Name:              "Amazon ECS",
		SigningName:       "ecs",
		Operations:        ecsmodel.Operations,
		ValidationType:    string(ecs.ErrInvalidParameter),
		UnimplementedType: string(ecs.ErrUnsupportedFeature),
		InternalType:      string(ecs.ErrServer),
		Classify:          Classify,
		Handlers: map[string]awsjson.Handler{
			"CreateCluster":              op(cp.CreateCluster),
			"DescribeClusters":           op(cp.DescribeClusters),
			"ListClusters":               op(cp.ListClusters),
			"DeleteCluster":              op(cp.DeleteCluster),
			"RegisterTaskDefinition":     op(cp.RegisterTaskDefinition),
			"DescribeTaskDefinition":     op(cp.DescribeTaskDefinition),
			"DeregisterTaskDefinition":   op(cp.DeregisterTaskDefinition),
			"ListTaskDefinitions":        op(cp.ListTaskDefinitions),
			"ListTaskDefinitionFamilies": op(cp.ListTaskDefinitionFamilies),
			"RunTask":                    op(cp.RunTask),
			"StopTask":                   op(cp.StopTask),
			"DescribeTasks":              op(cp.DescribeTasks),
			"ListTasks":                  op(cp.ListTasks),
			"DeleteTaskDefinitions":      op(cp.DeleteTaskDefinitions),
			"TagResource":                op(cp.TagResource),
			"UntagResource":              op(cp.UntagResource),
			"ListTagsForResource":        op(cp.ListTagsForResource),

			"RegisterContainerInstance":     op(cp.RegisterContainerInstance),
			"DeregisterContainerInstance":   op(cp.DeregisterContainerInstance),
			"DescribeContainerInstances":    op(cp.DescribeContainerInstances),
			"ListContainerInstances":        op(cp.ListContainerInstances),
			"UpdateContainerInstancesState": op(cp.UpdateContainerInstancesState),
			"PutAttributes":                 op(cp.PutAttributes),
			"DeleteAttributes":              op(cp.DeleteAttributes),
			"ListAttributes":                op(cp.ListAttributes),

			"CreateService":    op(cp.CreateService),
			"UpdateService":    op(cp.UpdateService),
			"DeleteService":    op(cp.DeleteService),
			"DescribeServices": op(cp.DescribeServices),
			"ListServices":     op(cp.ListServices),

			"PutClusterCapacityProviders":  op(cp.PutClusterCapacityProviders),
			"CreateTaskSet":                op(cp.CreateTaskSet),
			"UpdateTaskSet":                op(cp.UpdateTaskSet),
			"DeleteTaskSet":                op(cp.DeleteTaskSet),
			"DescribeTaskSets":             op(cp.DescribeTaskSets),
			"UpdateServicePrimaryTaskSet":  op(cp.UpdateServicePrimaryTaskSet),
			"GetTaskProtection":            op(cp.GetTaskProtection),
			"UpdateTaskProtection":         op(cp.UpdateTaskProtection),
			"ListServiceDeployments":       op(cp.ListServiceDeployments),
			"DescribeServiceDeployments":   op(cp.DescribeServiceDeployments),
			"DescribeServiceRevisions":     op(cp.DescribeServiceRevisions),
			"StopServiceDeployment":        op(cp.StopServiceDeployment),
			"ContinueServiceDeployment":    op(cp.ContinueServiceDeployment),
			"PutAccountSetting":            op(cp.PutAccountSetting),
			"PutAccountSettingDefault":     op(cp.PutAccountSettingDefault),
			"ListAccountSettings":          op(cp.ListAccountSettings),
			"DeleteAccountSetting":         op(cp.DeleteAccountSetting),
			"UpdateCluster":                op(cp.UpdateCluster),
			"UpdateClusterSettings":        op(cp.UpdateClusterSettings),
			"StartTask":                    op(cp.StartTask),
			"DiscoverPollEndpoint":         op(discoverPollEndpoint(cp)),
			"SubmitTaskStateChange":        op(cp.SubmitTaskStateChange),
			"SubmitContainerStateChange":   op(cp.SubmitContainerStateChange),
			"SubmitAttachmentStateChanges": op(cp.SubmitAttachmentStateChanges),
			"UpdateContainerAgent":         op(cp.UpdateContainerAgent),
			"ListServicesByNamespace":      op(cp.ListServicesByNamespace),
			"ExecuteCommand":               op(executeCommand(cp)),
		},
		Refusals: Refusals,
	}
}

// Classify translates a domain error to its ECS wire form.
func Classify(err error) (awsjson.Fault, bool) {
	var e *ecs.Error
	if !errors.As(err, &e) {
		return awsjson.Fault{}, false
	}
	status := http.StatusBadRequest
	if e.Kind == ecs.ErrServer {
		status = http.StatusInternalServerError
	}
	return awsjson.Fault{Type: string(e.Kind), Status: status, Message: e.Message}, true
}
