package ecs

import "fmt"

// Kind classifies a domain error. The API layer maps each kind to the ECS
// error type of the same name; inside ecsrun, test kinds with errors.Is.
type Kind string

// Error makes a Kind usable as an errors.Is target.
func (k Kind) Error() string { return string(k) }

// Error kinds.
const (
	// ErrClient: the request is wrong in a way the caller must fix.
	ErrClient Kind = "ClientException"
	// ErrInvalidParameter: a parameter has a value ECS does not accept.
	ErrInvalidParameter Kind = "InvalidParameterException"
	// ErrClusterNotFound: the named cluster does not exist.
	ErrClusterNotFound Kind = "ClusterNotFoundException"
	// ErrClusterContainsTasks: a cluster with tasks cannot be deleted.
	ErrClusterContainsTasks Kind = "ClusterContainsTasksException"
	// ErrClusterContainsInstances: a cluster with instances cannot be deleted.
	ErrClusterContainsInstances Kind = "ClusterContainsContainerInstancesException"
	// ErrConflict: an idempotency token was reused with other parameters.
	ErrConflict Kind = "ConflictException"
	// ErrUnsupportedFeature: ecsrun cannot do what the request asks (yet).
	ErrUnsupportedFeature Kind = "UnsupportedFeatureException"
	// ErrResourceNotFound: a named resource does not exist.
	ErrResourceNotFound Kind = "ResourceNotFoundException"
	// ErrTargetNotFound: an attribute's target (container instance) does
	// not exist.
	ErrTargetNotFound Kind = "TargetNotFoundException"
	// ErrAttributeLimitExceeded: a resource would carry more than 10
	// custom attributes.
	ErrAttributeLimitExceeded Kind = "AttributeLimitExceededException"
	// ErrServiceNotFound: the named service does not exist in the cluster.
	ErrServiceNotFound Kind = "ServiceNotFoundException"
	// ErrServiceNotActive: the service exists but is DRAINING or INACTIVE.
	ErrServiceNotActive Kind = "ServiceNotActiveException"
	// ErrClusterContainsServices: a cluster with ACTIVE or DRAINING
	// services cannot be deleted.
	ErrClusterContainsServices Kind = "ClusterContainsServicesException"
	// ErrNoUpdateAvailable: the container agent has no update to install.
	ErrNoUpdateAvailable Kind = "NoUpdateAvailableException"
	// ErrMissingVersion: the container agent's version is not known.
	ErrMissingVersion Kind = "MissingVersionException"
	// ErrNamespaceNotFound: the Cloud Map namespace does not exist.
	ErrNamespaceNotFound Kind = "NamespaceNotFoundException"
	// ErrTargetNotConnected: the target of ExecuteCommand cannot be reached.
	ErrTargetNotConnected Kind = "TargetNotConnectedException"
	// ErrTaskSetNotFound: the named task set does not exist in the service.
	ErrTaskSetNotFound Kind = "TaskSetNotFoundException"
	// ErrServiceDeploymentNotFound: the named service deployment does not
	// exist.
	ErrServiceDeploymentNotFound Kind = "ServiceDeploymentNotFoundException"
	// ErrServer: ecsrun failed internally.
	ErrServer Kind = "ServerException"
	// ErrResourceInUse: the resource is in use (a capacity provider a
	// cluster or service uses).
	ErrResourceInUse Kind = "ResourceInUseException"
)

// Error is a domain error of a given kind with a message for the user.
type Error struct {
	Kind    Kind
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the kind, so errors.Is(err, ecs.ErrClient) works.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an *Error of kind k.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}
