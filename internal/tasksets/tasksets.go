package tasksets

import (
	"crypto/rand"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Task set statuses.
const (
	Primary  = "PRIMARY"
	Active   = "ACTIVE"
	Draining = "DRAINING"
)

// Stability statuses.
const (
	SteadyState = "STEADY_STATE"
	Stabilizing = "STABILIZING"
)

// TaskSet is everything kept about one task set.
type TaskSet struct {
	ID                   string                                  `json:"id"`
	ExternalID           string                                  `json:"externalId,omitempty"`
	StartedBy            string                                  `json:"startedBy,omitempty"`
	Status               string                                  `json:"status"`
	TaskDefinition       string                                  `json:"taskDefinition"`
	LaunchType           string                                  `json:"launchType,omitempty"`
	AskedLaunchType      string                                  `json:"askedLaunchType,omitempty"`
	CapacityProviders    []ecsmodel.CapacityProviderStrategyItem `json:"capacityProviderStrategy,omitempty"`
	PlatformVersion      string                                  `json:"platformVersion,omitempty"`
	NetworkConfiguration *ecsmodel.NetworkConfiguration          `json:"networkConfiguration,omitempty"`
	// Scale is the percentage of the service's desired count the task set
	// runs.
	Scale       float64        `json:"scale"`
	Stability   string         `json:"stabilityStatus"`
	StabilityAt time.Time      `json:"stabilityStatusAt"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
	Tags        []ecsmodel.Tag `json:"tags,omitempty"`
	// ClientToken is the CreateTaskSet clientToken and Key the fingerprint
	// of that request (a retry with the same token returns the task set).
	ClientToken string `json:"clientToken,omitempty"`
	Key         string `json:"key,omitempty"`
}

// NewID returns a task set id: "ecs-svc/" and 19 random digits, as ECS's.
func NewID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(8e18))
	return fmt.Sprintf("ecs-svc/%d", n.Int64()+1e18)
}

// ARN returns the ARN of task set id of service in cluster:
// arn:aws:ecs:<region>:<account>:task-set/<cluster>/<service>/<id>.
func ARN(a ecs.Account, cluster, service, id string) string {
	return strings.TrimSuffix(a.ClusterARN(""), "cluster/") + "task-set/" + cluster + "/" + service + "/" + id
}

// IDOf returns the task set id a reference names: the id itself
// (ecs-svc/...) or a task set ARN.
func IDOf(ref string) string {
	if i := strings.Index(ref, ":task-set/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		rest := ref[i+len(":task-set/"):]
		// <cluster>/<service>/<id>; the id holds a slash itself.
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) == 3 {
			return parts[2]
		}
	}
	return ref
}

// CheckScale checks a scale as CreateTaskSet and UpdateTaskSet take it and
// returns its percentage; a missing scale is 100 percent, as on ECS.
func CheckScale(s *ecsmodel.Scale) (float64, error) {
	if s == nil {
		return 100, nil
	}
	if s.Unit != "" && s.Unit != ecsmodel.ScaleUnitPERCENT {
		return 0, ecs.Errorf(ecs.ErrInvalidParameter, "scale.unit must be PERCENT; got %s.", s.Unit)
	}
	if math.IsNaN(s.Value) || s.Value < 0 || s.Value > 100 {
		return 0, ecs.Errorf(ecs.ErrInvalidParameter, "scale.value must be between 0 and 100 (a percentage of the service's desired count); got %v.", s.Value)
	}
	return s.Value, nil
}

// ComputedDesired is the number of tasks a task set of scale percent runs
// in a service of desired tasks: desired times scale, rounded up, as ECS
// computes computedDesiredCount. A DRAINING task set runs none.
func ComputedDesired(status string, desired int32, scale float64) int32 {
	if status == Draining || desired <= 0 {
		return 0
	}
	// Round before the ceiling so that 3 x 33.33% is 1, not 2 by a float
	// error in the last place.
	v := math.Round(float64(desired)*scale*1e6/100) / 1e6
	return int32(math.Ceil(v))
}

// Phase is where a task of a task set is, as Plan sees it.
type Phase int

// Task phases.
const (
	Pending  Phase = iota // not running yet
	Running               // RUNNING, desired RUNNING
	Stopping              // desired STOPPED, not stopped yet
	Stopped
)

// Task is what Plan needs to know of one task of a task set.
type Task struct {
	ID    string
	Seq   int64 // start order
	Phase Phase
	// Protected: scale-in protection is on and has not expired; the
	// scheduler does not stop it to scale in.
	Protected bool
}

// Counts are a task set's running and pending tasks.
type Counts struct {
	Running, Pending, Stopping int32
}

// Count counts tasks by phase.
func Count(tasks []Task) Counts {
	var c Counts
	for _, t := range tasks {
		switch t.Phase {
		case Running:
			c.Running++
		case Pending:
			c.Pending++
		case Stopping:
			c.Stopping++
		}
	}
	return c
}

// Stability is a task set's stabilityStatus: STEADY_STATE when it runs its
// computed count with nothing pending or stopping, STABILIZING otherwise.
func Stability(computed int32, c Counts) string {
	if c.Running == computed && c.Pending == 0 && c.Stopping == 0 {
		return SteadyState
	}
	return Stabilizing
}

// Plan says what brings a task set's tasks to computed: how many to start,
// and which to stop (pending ones first, then the newest; never a
// protected one). Tasks already stopping count as gone.
func Plan(computed int32, tasks []Task) (start int, stop []string) {
	var live []Task
	for _, t := range tasks {
		if t.Phase == Pending || t.Phase == Running {
			live = append(live, t)
		}
	}
	n := len(live) - int(computed)
	if n < 0 {
		return -n, nil
	}
	slices.SortStableFunc(live, func(a, b Task) int {
		if (a.Phase == Pending) != (b.Phase == Pending) {
			if a.Phase == Pending {
				return -1
			}
			return 1
		}
		switch {
		case a.Seq > b.Seq:
			return -1
		case a.Seq < b.Seq:
			return 1
		}
		return 0
	})
	for _, t := range live {
		if n == 0 {
			break
		}
		if t.Protected {
			continue
		}
		stop = append(stop, t.ID)
		n--
	}
	return 0, stop
}

// Gone: a DRAINING task set has no task left that is not stopped, so it
// leaves the service.
func Gone(ts *TaskSet, tasks []Task) bool {
	if ts.Status != Draining {
		return false
	}
	for _, t := range tasks {
		if t.Phase != Stopped {
			return false
		}
	}
	return true
}
