package ecs

import (
	"fmt"
	"strconv"
	"strings"
)

// Default account and region of the local engine.
const (
	DefaultAccount = "000000000000"
	DefaultRegion  = "us-east-1"
)

// DefaultCluster is the name of the cluster that exists out of the box.
const DefaultCluster = "default"

// Account identifies the partition, region and account ARNs are built in.
type Account struct {
	Partition string
	Region    string
	ID        string
}

// DefaultAccountInfo returns the local engine's default account.
func DefaultAccountInfo() Account {
	return Account{Partition: "aws", Region: DefaultRegion, ID: DefaultAccount}
}

func (a Account) arn(resource string) string {
	p := a.Partition
	if p == "" {
		p = "aws"
	}
	return fmt.Sprintf("arn:%s:ecs:%s:%s:%s", p, a.Region, a.ID, resource)
}

// ClusterARN returns the ARN of the named cluster.
func (a Account) ClusterARN(name string) string { return a.arn("cluster/" + name) }

// TaskDefinitionARN returns the ARN of a task definition revision.
func (a Account) TaskDefinitionARN(family string, revision int) string {
	return a.arn(fmt.Sprintf("task-definition/%s:%d", family, revision))
}

// TaskARN returns the ARN of a task in a cluster (the long ARN format).
func (a Account) TaskARN(cluster, id string) string { return a.arn("task/" + cluster + "/" + id) }

// ContainerARN returns the ARN of a container of a task.
func (a Account) ContainerARN(cluster, taskID, containerID string) string {
	return a.arn("container/" + cluster + "/" + taskID + "/" + containerID)
}

// ServiceARN returns the ARN of a service in a cluster (the long ARN format).
func (a Account) ServiceARN(cluster, name string) string {
	return a.arn("service/" + cluster + "/" + name)
}

// ContainerInstanceARN returns the ARN of a container instance.
func (a Account) ContainerInstanceARN(cluster, id string) string {
	return a.arn("container-instance/" + cluster + "/" + id)
}

// ResourceName returns the last path segment of an ECS ARN's resource
// ("task/c/abc" -> "abc"), or s itself when s is not an ARN.
func ResourceName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 {
		return s
	}
	res := parts[5]
	if i := strings.LastIndexByte(res, '/'); i >= 0 {
		return res[i+1:]
	}
	return res
}

// ClusterName returns the cluster name of a name or cluster ARN; "" means the
// default cluster.
func ClusterName(nameOrARN string) string {
	if nameOrARN == "" {
		return DefaultCluster
	}
	return ResourceName(nameOrARN)
}

// ClusterNameOf returns the name of the cluster that nameOrARN names in
// this account ("" is the default cluster), refusing a cluster ARN as ECS
// does: malformed or not a cluster's (InvalidParameterException), of
// another region (InvalidParameterException "Invalid Region in ARN"), or
// of another account or partition (ClusterNotFoundException: it is not
// among this account's clusters). A name is returned as given.
func (a Account) ClusterNameOf(nameOrARN string) (string, error) {
	if !strings.HasPrefix(nameOrARN, "arn:") {
		return ClusterName(nameOrARN), nil
	}
	r, err := ParseResourceARN(nameOrARN)
	if err != nil {
		return "", err
	}
	if r.Type != "cluster" || len(r.Path) != 1 {
		return "", Errorf(ErrInvalidParameter, "The ARN provided is invalid: %q is not a cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>).", clipARN(nameOrARN))
	}
	if err := a.own(r, nameOrARN, ErrClusterNotFound, "Cluster not found."); err != nil {
		return "", err
	}
	return r.Path[0], nil
}

// own checks that r (parsed from s) is an ARN of this account: one of
// another region is InvalidParameterException ("Invalid Region in ARN", as
// ECS says), one of another account or partition is of kind notFound with
// the message msg. Parts of the account that are not set are not checked.
func (a Account) own(r ResourceARN, s string, notFound Kind, msg string) error {
	if a.Region != "" && r.Region != a.Region {
		return Errorf(ErrInvalidParameter, "Invalid Region in ARN: %q is of region %q; this endpoint serves %s.", clipARN(s), r.Region, a.Region)
	}
	p := a.Partition
	if p == "" {
		p = "aws"
	}
	if a.ID != "" && (r.Account != a.ID || r.Partition != p) {
		return Errorf(notFound, "%s %q is an ARN of account %s (partition %s); this endpoint serves account %s.", msg, clipARN(s), r.Account, r.Partition, a.ID)
	}
	return nil
}

// TaskDefinitionRefOf parses "family", "family:revision" or a task
// definition ARN of this account, refusing an ARN of another region
// (InvalidParameterException "Invalid Region in ARN") or of another account
// (ClientException: no such task definition here).
func (a Account) TaskDefinitionRefOf(s string) (TaskDefinitionRef, error) {
	ref, err := ParseTaskDefinitionRef(s)
	if err != nil || !strings.HasPrefix(s, "arn:") {
		return ref, err
	}
	r, err := ParseResourceARN(s)
	if err != nil {
		return TaskDefinitionRef{}, err
	}
	if err := a.own(r, s, ErrClient, "Unable to describe task definition."); err != nil {
		return TaskDefinitionRef{}, err
	}
	return ref, nil
}

// TaskDefinitionRef is a reference to a task definition: a family alone (its
// latest ACTIVE revision) or a family and revision.
type TaskDefinitionRef struct {
	Family   string
	Revision int // 0: latest ACTIVE
}

// String formats the reference as family or family:revision.
func (r TaskDefinitionRef) String() string {
	if r.Revision == 0 {
		return r.Family
	}
	return r.Family + ":" + strconv.Itoa(r.Revision)
}

// ParseTaskDefinitionRef parses "family", "family:revision" or a task
// definition ARN.
func ParseTaskDefinitionRef(s string) (TaskDefinitionRef, error) {
	if strings.HasPrefix(s, "arn:") {
		parts := strings.SplitN(s, ":", 6)
		if len(parts) < 6 || parts[2] != "ecs" || !strings.HasPrefix(parts[5], "task-definition/") {
			return TaskDefinitionRef{}, Errorf(ErrClient, "Invalid revision number or task definition ARN: %s", s)
		}
		s = strings.TrimPrefix(parts[5], "task-definition/")
		if !strings.Contains(s, ":") {
			return TaskDefinitionRef{}, Errorf(ErrClient, "Invalid revision number or task definition ARN: %s", s)
		}
	}
	family, rev, hasRev := strings.Cut(s, ":")
	if err := ValidateFamily(family); err != nil {
		return TaskDefinitionRef{}, err
	}
	if !hasRev {
		return TaskDefinitionRef{Family: family}, nil
	}
	n, err := strconv.Atoi(rev)
	if err != nil || n < 1 {
		return TaskDefinitionRef{}, Errorf(ErrClient, "Invalid revision number. Number: %s", rev)
	}
	return TaskDefinitionRef{Family: family, Revision: n}, nil
}

// ValidateFamily checks a task definition family name: 1 to 255 letters,
// digits, hyphens and underscores.
func ValidateFamily(family string) error {
	if family == "" {
		return Errorf(ErrClient, "Family should not be null or empty.")
	}
	if len(family) > 255 {
		return Errorf(ErrClient, "Family name can be up to 255 characters long; %q has %d.", family, len(family))
	}
	for _, r := range family {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return Errorf(ErrClient, "Family contains invalid characters: %q. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.", family)
		}
	}
	return nil
}

// ValidateClusterName checks a cluster name: 1 to 255 letters, digits,
// hyphens and underscores.
func ValidateClusterName(name string) error {
	if len(name) == 0 || len(name) > 255 {
		return Errorf(ErrInvalidParameter, "Cluster name must be 1 to 255 characters long.")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return Errorf(ErrInvalidParameter, "Cluster name %q is invalid: up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.", name)
		}
	}
	return nil
}

// ResourceARN is a parsed ECS resource ARN:
// arn:<partition>:ecs:<region>:<account>:<type>/<path...>.
type ResourceARN struct {
	Partition string
	Region    string
	Account   string
	// Type is the resource type: cluster, task, task-definition,
	// container-instance, service, capacity-provider, task-set, ...
	Type string
	// Path holds the parts after the type, split on '/': [name] for a
	// cluster, [cluster, id] for a task (the old short form has [id]),
	// [family:revision] for a task definition, [cluster, id] for a
	// container instance.
	Path []string
}

// String formats the ARN.
func (a ResourceARN) String() string {
	return fmt.Sprintf("arn:%s:ecs:%s:%s:%s", a.Partition, a.Region, a.Account, a.Type+"/"+strings.Join(a.Path, "/"))
}

// ParseResourceARN parses an ECS resource ARN. It checks the form only, not
// that the resource exists; errors are InvalidParameterException naming
// what is wrong.
func ParseResourceARN(s string) (ResourceARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[1] == "" {
		return ResourceARN{}, Errorf(ErrInvalidParameter, "The ARN provided is invalid: %q is not of the form arn:aws:ecs:<region>:<account>:<resource-type>/<id>.", clipARN(s))
	}
	if parts[2] != "ecs" {
		return ResourceARN{}, Errorf(ErrInvalidParameter, "The ARN provided is invalid: %q names the service %q, not ecs.", clipARN(s), parts[2])
	}
	typ, rest, ok := strings.Cut(parts[5], "/")
	if !ok || typ == "" || rest == "" {
		return ResourceARN{}, Errorf(ErrInvalidParameter, "The ARN provided is invalid: %q has no resource id after the resource type.", clipARN(s))
	}
	a := ResourceARN{Partition: parts[1], Region: parts[3], Account: parts[4], Type: typ, Path: strings.Split(rest, "/")}
	for _, p := range a.Path {
		if p == "" {
			return ResourceARN{}, Errorf(ErrInvalidParameter, "The ARN provided is invalid: %q has an empty path segment.", clipARN(s))
		}
	}
	return a, nil
}

// clipARN shortens a value quoted in an ARN error to a readable length.
func clipARN(s string) string {
	if len(s) > 256 {
		return s[:253] + "..."
	}
	return s
}

// CapacityProviderARN returns the ARN of the named capacity provider.
func (a Account) CapacityProviderARN(name string) string { return a.arn("capacity-provider/" + name) }
