package console

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TaskRow is a task in a list.
type TaskRow struct {
	Cluster, ID, Arn         string
	Family, Revision         string
	LastStatus, Desired      string
	StartedBy, Group         string
	Created                  *time.Time
	StopCode, StoppedWhy     string
	Instance                 string
	CPU, Memory              string
	ContainersUp, Containers int
}

// clusterName is the name in a cluster ARN.
func clusterName(arn string) string { return shortArn(arn) }

// familyRevision splits a task definition ARN into family and revision.
func familyRevision(arn string) (string, string) {
	s := shortArn(arn)
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// taskRow is the list view of a task.
func taskRow(t types.Task) TaskRow {
	fam, rev := familyRevision(aws.ToString(t.TaskDefinitionArn))
	r := TaskRow{
		Cluster: clusterName(aws.ToString(t.ClusterArn)), ID: shortArn(aws.ToString(t.TaskArn)), Arn: aws.ToString(t.TaskArn),
		Family: fam, Revision: rev, LastStatus: aws.ToString(t.LastStatus), Desired: aws.ToString(t.DesiredStatus),
		StartedBy: aws.ToString(t.StartedBy), Group: aws.ToString(t.Group), Created: t.CreatedAt,
		StopCode: string(t.StopCode), StoppedWhy: aws.ToString(t.StoppedReason),
		Instance: shortArn(aws.ToString(t.ContainerInstanceArn)), CPU: aws.ToString(t.Cpu), Memory: aws.ToString(t.Memory),
		Containers: len(t.Containers),
	}
	for _, c := range t.Containers {
		if aws.ToString(c.LastStatus) == "RUNNING" {
			r.ContainersUp++
		}
	}
	return r
}

// TaskFilter is what the task list shows.
type TaskFilter struct {
	Cluster, Family, Status, StartedBy string
}

// match reports whether a task passes the filter (Cluster and Family are
// applied by the API calls; Status is a last status, or "" for any).
func (f TaskFilter) match(t TaskRow) bool {
	if f.Status != "" && !strings.EqualFold(f.Status, t.LastStatus) {
		return false
	}
	if f.StartedBy != "" && f.StartedBy != t.StartedBy {
		return false
	}
	if f.Family != "" && f.Family != t.Family {
		return false
	}
	return true
}

// sortTasks puts the newest first.
func sortTasks(rows []TaskRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Created, rows[j].Created
		if a == nil || b == nil {
			return b == nil && a != nil
		}
		if a.Equal(*b) {
			return rows[i].ID < rows[j].ID
		}
		return a.After(*b)
	})
}

// Step is one point of a task's lifecycle timeline.
type Step struct {
	Name string
	At   *time.Time
	// Since is the time since the previous step, "" for the first.
	Since string
}

// timeline is a task's lifecycle as ECS records it, in order; steps not
// reached yet are left out.
func timeline(t types.Task) []Step {
	all := []Step{
		{Name: "PROVISIONING (created)", At: t.CreatedAt},
		{Name: "PENDING (pull started)", At: t.PullStartedAt},
		{Name: "pull stopped", At: t.PullStoppedAt},
		{Name: "RUNNING (started)", At: t.StartedAt},
		{Name: "STOPPING (stop requested)", At: t.StoppingAt},
		{Name: "containers stopped", At: t.ExecutionStoppedAt},
		{Name: "STOPPED", At: t.StoppedAt},
	}
	var out []Step
	var prev *time.Time
	for _, s := range all {
		if s.At == nil || s.At.IsZero() {
			continue
		}
		if prev != nil {
			s.Since = "+" + roundDuration(s.At.Sub(*prev))
		}
		prev = s.At
		out = append(out, s)
	}
	return out
}

// roundDuration prints a duration to the millisecond below a minute, to
// the second above.
func roundDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// ContainerView is a container on a task's page.
type ContainerView struct {
	Name, Image, LastStatus, Health string
	ExitCode                        string
	Reason                          string
	RuntimeID                       string
	Bindings                        []Binding
}

// Binding is a network binding, with the local URL it answers at.
type Binding struct {
	Text string
	URL  string
}

// bindingURL is the URL of a TCP host port on this machine: the bound
// address, or 127.0.0.1 for a wildcard.
func bindingURL(b types.NetworkBinding) string {
	if b.HostPort == nil || *b.HostPort == 0 || b.Protocol == types.TransportProtocolUdp {
		return ""
	}
	host := aws.ToString(b.BindIP)
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(int(*b.HostPort))) + "/"
}

func containerView(c types.Container) ContainerView {
	v := ContainerView{
		Name: aws.ToString(c.Name), Image: aws.ToString(c.Image), LastStatus: aws.ToString(c.LastStatus),
		Health: string(c.HealthStatus), Reason: aws.ToString(c.Reason), RuntimeID: aws.ToString(c.RuntimeId),
	}
	if len(v.RuntimeID) > 12 {
		v.RuntimeID = v.RuntimeID[:12]
	}
	if c.ExitCode != nil {
		v.ExitCode = strconv.Itoa(int(*c.ExitCode))
	}
	for _, b := range c.NetworkBindings {
		proto := string(b.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		text := fmt.Sprintf("%s:%d → %d/%s", aws.ToString(b.BindIP), aws.ToInt32(b.HostPort), aws.ToInt32(b.ContainerPort), proto)
		v.Bindings = append(v.Bindings, Binding{Text: text, URL: bindingURL(b)})
	}
	return v
}

// Bar is a resource of a container instance: registered and remaining.
type Bar struct {
	Name                  string
	Registered, Remaining int64
	// UsedPercent is the part in use, 0 to 100.
	UsedPercent int
}

// bars are an instance's CPU and memory.
func bars(ci types.ContainerInstance) []Bar {
	get := func(rs []types.Resource, name string) int64 {
		for _, r := range rs {
			if aws.ToString(r.Name) == name {
				return int64(r.IntegerValue)
			}
		}
		return 0
	}
	var out []Bar
	for _, name := range []string{"CPU", "MEMORY"} {
		b := Bar{Name: name, Registered: get(ci.RegisteredResources, name), Remaining: get(ci.RemainingResources, name)}
		if b.Registered > 0 {
			b.UsedPercent = int((b.Registered - b.Remaining) * 100 / b.Registered)
			b.UsedPercent = max(0, min(100, b.UsedPercent))
		}
		out = append(out, b)
	}
	return out
}

// zoneOf is the availability zone attribute of an instance.
func zoneOf(ci types.ContainerInstance) string {
	for _, a := range ci.Attributes {
		if aws.ToString(a.Name) == "ecs.availability-zone" {
			return aws.ToString(a.Value)
		}
	}
	return "(no zone)"
}

// DeploymentView is a service deployment.
type DeploymentView struct {
	ID, Status, TaskDef, Rollout, RolloutReason string
	Desired, Running, Pending, Failed           int32
	Created, Updated                            *time.Time
}

func deploymentView(d types.Deployment) DeploymentView {
	return DeploymentView{
		ID: aws.ToString(d.Id), Status: aws.ToString(d.Status), TaskDef: shortArn(aws.ToString(d.TaskDefinition)),
		Rollout: string(d.RolloutState), RolloutReason: aws.ToString(d.RolloutStateReason),
		Desired: d.DesiredCount, Running: d.RunningCount, Pending: d.PendingCount, Failed: d.FailedTasks,
		Created: d.CreatedAt, Updated: d.UpdatedAt,
	}
}

// breaker says how a service's deployment circuit breaker is set.
func breaker(s types.Service) string {
	dc := s.DeploymentConfiguration
	if dc == nil || dc.DeploymentCircuitBreaker == nil || !dc.DeploymentCircuitBreaker.Enable {
		return "off"
	}
	if dc.DeploymentCircuitBreaker.Rollback {
		return "on, with rollback"
	}
	return "on"
}
