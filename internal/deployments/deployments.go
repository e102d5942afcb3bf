package deployments

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Service deployment statuses (those ecsrun's deployments go through).
const (
	InProgress         = "IN_PROGRESS"
	Successful         = "SUCCESSFUL"
	Stopped            = "STOPPED"
	RollbackInProgress = "ROLLBACK_IN_PROGRESS"
	RollbackSuccessful = "ROLLBACK_SUCCESSFUL"
	RollbackFailed     = "ROLLBACK_FAILED"
)

// Circuit breaker and alarm monitor statuses.
const (
	Monitoring         = "MONITORING"
	MonitoringComplete = "MONITORING_COMPLETE"
	Triggered          = "TRIGGERED"
	Disabled           = "DISABLED"
)

// MaxHistory is how many service deployments a service keeps (the newest;
// ECS keeps 90 days of them).
const MaxHistory = 100

// Revision is a service revision: the configuration of a service that one
// or more deployments roll out.
type Revision struct {
	ID                   string                                  `json:"id"`
	CreatedAt            time.Time                               `json:"createdAt"`
	TaskDefinition       string                                  `json:"taskDefinition"`
	LaunchType           string                                  `json:"launchType,omitempty"`
	CapacityProviders    []ecsmodel.CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	PlatformVersion      string                                  `json:"platformVersion,omitempty"`
	NetworkConfiguration *ecsmodel.NetworkConfiguration          `json:"networkConfiguration,omitempty"`
	Images               []ecsmodel.ContainerImage               `json:"containerImages,omitempty"`
}

// Source is a source revision of a deployment with its task counts.
type Source struct {
	Revision                    string `json:"revision"`
	Requested, Running, Pending int32
}

// Config is the deployment configuration a deployment runs with.
type Config struct {
	MaxPercent        int32 `json:"maximumPercent"`
	MinHealthyPercent int32 `json:"minimumHealthyPercent"`
	CircuitBreaker    bool  `json:"circuitBreaker,omitempty"`
	Rollback          bool  `json:"rollback,omitempty"`
	// Threshold is how many failed tasks trip the circuit breaker.
	Threshold int32 `json:"threshold,omitempty"`
}

// Rollback says why and when a deployment rolled back, and to which
// revision.
type Rollback struct {
	Reason    string    `json:"reason"`
	StartedAt time.Time `json:"startedAt"`
	Revision  string    `json:"revision"`
}

// Deployment is a service deployment.
type Deployment struct {
	ID        string   `json:"id"`
	Target    string   `json:"target"`
	Requested int32    `json:"requested"`
	Sources   []Source `json:"sources,omitempty"`
	Status    string   `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	// Running and Pending are the target's task counts when the deployment
	// finished (while it goes on, the control plane counts them).
	Running, Pending int32
	Config           Config    `json:"config"`
	Failures         int32     `json:"failures,omitempty"`
	Tripped          bool      `json:"tripped,omitempty"`
	Rollback         *Rollback `json:"rollback,omitempty"`
	CreatedAt        time.Time `json:"createdAt"`
	StartedAt        time.Time `json:"startedAt"`
	FinishedAt       time.Time `json:"finishedAt,omitzero"`
	StoppedAt        time.Time `json:"stoppedAt,omitzero"`
	UpdatedAt        time.Time `json:"updatedAt"`
}

// Ongoing: the deployment has not finished.
func (d *Deployment) Ongoing() bool {
	return d.Status == InProgress || d.Status == RollbackInProgress
}

// BreakerStatus is the deploymentCircuitBreaker status ECS shows.
func (d *Deployment) BreakerStatus() string {
	switch {
	case !d.Config.CircuitBreaker:
		return Disabled
	case d.Tripped:
		return Triggered
	case d.Ongoing():
		return Monitoring
	}
	return MonitoringComplete
}

// NewRevisionID returns a service revision id: 19 random digits, as ECS's.
func NewRevisionID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(8e18))
	return fmt.Sprint(n.Int64() + 1e18)
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// NewDeploymentID returns a service deployment id: 22 URL-safe characters,
// as ECS's.
func NewDeploymentID() string {
	b := make([]byte, 22)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(idChars))))
		b[i] = idChars[n.Int64()]
	}
	return string(b)
}

func prefix(a ecs.Account) string { return strings.TrimSuffix(a.ClusterARN(""), "cluster/") }

// DeploymentARN is arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>.
func DeploymentARN(a ecs.Account, cluster, service, id string) string {
	return prefix(a) + "service-deployment/" + cluster + "/" + service + "/" + id
}

// RevisionARN is arn:aws:ecs:<region>:<account>:service-revision/<cluster>/<service>/<id>.
func RevisionARN(a ecs.Account, cluster, service, id string) string {
	return prefix(a) + "service-revision/" + cluster + "/" + service + "/" + id
}

// ParseARN splits a service deployment or service revision ARN (kind
// "service-deployment" or "service-revision") into its cluster, service
// and id.
func ParseARN(arn, kind string) (cluster, service, id string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "ecs" && strings.HasPrefix(parts[5], kind+"/") {
		p := strings.Split(strings.TrimPrefix(parts[5], kind+"/"), "/")
		if len(p) == 3 && p[0] != "" && p[1] != "" && p[2] != "" {
			return p[0], p[1], p[2], nil
		}
	}
	return "", "", "", ecs.Errorf(ecs.ErrInvalidParameter, "Invalid %s ARN %q: want arn:aws:ecs:<region>:<account>:%s/<cluster>/<service>/<id>.", kind, arn, kind)
}

// History is a service's deployments, oldest first.
type History []Deployment

// Find returns the deployment with id, or nil.
func (h History) Find(id string) *Deployment {
	for i := range h {
		if h[i].ID == id {
			return &h[i]
		}
	}
	return nil
}

// Start adds deployment d (IN_PROGRESS from now); the deployments still
// going on stop, as a new deployment replaces them on ECS.
func (h History) Start(d Deployment, now time.Time) History {
	out := make(History, 0, len(h)+1)
	for _, o := range h {
		if o.Ongoing() {
			o.Status, o.StoppedAt, o.UpdatedAt = Stopped, now, now
			o.Reason = fmt.Sprintf("Service deployment stopped: service deployment %s replaced it.", d.ID)
		}
		out = append(out, o)
	}
	d.Status, d.CreatedAt, d.StartedAt, d.UpdatedAt = InProgress, now, now, now
	if d.Reason == "" {
		d.Reason = "Service deployment in progress."
	}
	out = append(out, d)
	if len(out) > MaxHistory {
		out = out[len(out)-MaxHistory:]
	}
	return out
}

// Finish records that deployment id reached its target with running
// tasks: SUCCESSFUL, or ROLLBACK_SUCCESSFUL for one that rolled back.
func (h History) Finish(id string, running int32, now time.Time) History {
	return h.with(id, func(d *Deployment) {
		switch d.Status {
		case InProgress:
			d.Status, d.Reason = Successful, "Service deployment completed successfully."
			d.Running, d.Pending = running, 0
		case RollbackInProgress:
			d.Status, d.Reason = RollbackSuccessful, "Service deployment rolled back successfully."
		default:
			return
		}
		for i := range d.Sources {
			d.Sources[i].Running, d.Sources[i].Pending = 0, 0
		}
		d.FinishedAt, d.UpdatedAt = now, now
	})
}

// Fail records that deployment id's circuit breaker tripped after
// failures failed tasks: it rolls back to revision (when rollback is
// set), or stops; a rollback that fails is ROLLBACK_FAILED.
func (h History) Fail(id string, failures int32, rollback bool, revision string, now time.Time) History {
	return h.with(id, func(d *Deployment) {
		d.Failures, d.Tripped, d.UpdatedAt = failures, true, now
		switch {
		case d.Status == RollbackInProgress:
			d.Status, d.Reason, d.FinishedAt = RollbackFailed, "Service deployment rollback failed: the circuit breaker tripped again.", now
		case rollback:
			d.Status, d.Reason = RollbackInProgress, "Service deployment rolling back: the circuit breaker tripped."
			d.Rollback = &Rollback{Reason: "Circuit breaker triggered: tasks failed to start.", StartedAt: now, Revision: revision}
		default:
			d.Status, d.Reason, d.StoppedAt = Stopped, "Service deployment stopped: the circuit breaker tripped: tasks failed to start.", now
		}
	})
}

// Failures records deployment id's failed task count.
func (h History) Failures(id string, n int32, now time.Time) History {
	d := h.Find(id)
	if d == nil || d.Failures == n {
		return h
	}
	return h.with(id, func(d *Deployment) { d.Failures, d.UpdatedAt = n, now })
}

// StopTypes ECS documents for StopServiceDeployment.
const (
	StopRollback = "ROLLBACK"
	StopAbort    = "ABORT"
)

// Stop checks a StopServiceDeployment of deployment id and returns the
// history with it rolling back to revision. Only an ongoing deployment can
// be stopped, and only with ROLLBACK (the default; ECS documents ROLLBACK
// as the one valid stop type of rolling deployments).
func (h History) Stop(id, stopType, revision string, now time.Time) (History, error) {
	d := h.Find(id)
	if d == nil {
		return nil, ecs.Errorf(ecs.ErrServiceDeploymentNotFound, "The service deployment %s does not exist.", id)
	}
	switch stopType {
	case "", StopRollback:
	case StopAbort:
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "stopType ABORT is not valid for this service deployment: the valid value is ROLLBACK.")
	default:
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "stopType must be ROLLBACK; got %s.", stopType)
	}
	if d.Status == RollbackInProgress {
		return h, nil // it goes on rolling back
	}
	if !d.Ongoing() {
		return nil, ecs.Errorf(ecs.ErrConflict, "The service deployment %s is %s: only a service deployment in progress can be stopped.", id, d.Status)
	}
	if revision == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The service deployment %s has no previous service revision to roll back to.", id)
	}
	return h.with(id, func(d *Deployment) {
		d.Status, d.Reason, d.UpdatedAt = RollbackInProgress, "Service deployment rolling back: stopped by user request (StopServiceDeployment).", now
		d.Rollback = &Rollback{Reason: "Rollback requested by user (StopServiceDeployment).", StartedAt: now, Revision: revision}
	}), nil
}

// LastGood is the revision the service last ran in full: the target of
// the newest SUCCESSFUL deployment, or the revision the newest
// ROLLBACK_SUCCESSFUL one rolled back to ("" when there is none).
func (h History) LastGood() string {
	for i := len(h) - 1; i >= 0; i-- {
		switch d := &h[i]; d.Status {
		case Successful:
			return d.Target
		case RollbackSuccessful:
			if d.Rollback != nil {
				return d.Rollback.Revision
			}
		}
	}
	return ""
}

func (h History) with(id string, f func(*Deployment)) History {
	out := make(History, len(h))
	copy(out, h)
	for i := range out {
		if out[i].ID == id {
			out[i].Sources = append([]Source(nil), out[i].Sources...)
			if r := out[i].Rollback; r != nil {
				c := *r
				out[i].Rollback = &c
			}
			f(&out[i])
		}
	}
	return out
}

// Match: deployment d passes ListServiceDeployments' filters (statuses;
// created after and before, when set).
func Match(d *Deployment, statuses []string, after, before time.Time) bool {
	if len(statuses) > 0 {
		found := false
		for _, s := range statuses {
			found = found || s == d.Status
		}
		if !found {
			return false
		}
	}
	// The wire carries milliseconds: compare at that precision, so that a
	// deployment's own createdAt, given back, is not after itself.
	at := d.CreatedAt.Truncate(time.Millisecond)
	if !after.IsZero() && !at.After(after) {
		return false
	}
	if !before.IsZero() && !at.Before(before) {
		return false
	}
	return true
}
