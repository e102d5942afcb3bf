package deployments

import (
	"errors"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func TestLifecycle(t *testing.T) {
	var h History
	h = h.Start(Deployment{ID: "d1", Target: "r1", Requested: 2, Config: Config{CircuitBreaker: true, Rollback: true, Threshold: 3}}, at(0))
	if d := h.Find("d1"); d.Status != InProgress || !d.StartedAt.Equal(at(0)) || d.BreakerStatus() != Monitoring {
		t.Fatalf("started: %+v", d)
	}
	h = h.Finish("d1", 2, at(5))
	if d := h.Find("d1"); d.Status != Successful || !d.FinishedAt.Equal(at(5)) || d.Running != 2 || d.BreakerStatus() != MonitoringComplete {
		t.Fatalf("finished: %+v", d)
	}
	if h.LastGood() != "r1" {
		t.Fatalf("LastGood = %q", h.LastGood())
	}

	// A second deployment is replaced by a third before it ends.
	h = h.Start(Deployment{ID: "d2", Target: "r2", Sources: []Source{{Revision: "r1"}}}, at(10))
	h = h.Start(Deployment{ID: "d3", Target: "r3", Sources: []Source{{Revision: "r1"}, {Revision: "r2"}}, Config: Config{CircuitBreaker: true, Rollback: true}}, at(11))
	if d := h.Find("d2"); d.Status != Stopped || !d.StoppedAt.Equal(at(11)) || d.Reason == "" {
		t.Fatalf("replaced: %+v", d)
	}

	// The third trips its circuit breaker and rolls back to r1, then the
	// rollback completes.
	h = h.Failures("d3", 2, at(12))
	h = h.Fail("d3", 3, true, h.LastGood(), at(13))
	d := h.Find("d3")
	if d.Status != RollbackInProgress || d.Rollback == nil || d.Rollback.Revision != "r1" || d.Failures != 3 || d.BreakerStatus() != Triggered {
		t.Fatalf("rolling back: %+v", d)
	}
	h = h.Finish("d3", 2, at(20))
	if d := h.Find("d3"); d.Status != RollbackSuccessful || !d.FinishedAt.Equal(at(20)) {
		t.Fatalf("rolled back: %+v", d)
	}
	if h.LastGood() != "r1" {
		t.Fatalf("LastGood after a rollback = %q", h.LastGood())
	}
}

func TestFailWithoutRollbackAndFailedRollback(t *testing.T) {
	h := History{}.Start(Deployment{ID: "a", Target: "r2"}, at(0))
	h = h.Fail("a", 3, false, "", at(1))
	if d := h.Find("a"); d.Status != Stopped || !d.StoppedAt.Equal(at(1)) || d.Rollback != nil {
		t.Fatalf("failed: %+v", d)
	}
	h = History{}.Start(Deployment{ID: "b", Target: "r2"}, at(0))
	h = h.Fail("b", 3, true, "r1", at(1))
	h = h.Fail("b", 3, false, "", at(2))
	if d := h.Find("b"); d.Status != RollbackFailed || !d.FinishedAt.Equal(at(2)) {
		t.Fatalf("failed rollback: %+v", d)
	}
}

func TestStop(t *testing.T) {
	h := History{}.Start(Deployment{ID: "a", Target: "r2", Sources: []Source{{Revision: "r1"}}}, at(0))
	for _, tc := range []struct {
		name, id, typ, rev string
		kind               ecs.Kind
	}{
		{"unknown", "zz", "", "r1", ecs.ErrServiceDeploymentNotFound},
		{"abort", "a", "ABORT", "r1", ecs.ErrInvalidParameter},
		{"bad type", "a", "PAUSE", "r1", ecs.ErrInvalidParameter},
		{"nothing to roll back to", "a", "ROLLBACK", "", ecs.ErrInvalidParameter},
	} {
		if _, err := h.Stop(tc.id, tc.typ, tc.rev, at(1)); !errors.Is(err, tc.kind) {
			t.Errorf("%s: err = %v, want %s", tc.name, err, tc.kind)
		}
	}
	got, err := h.Stop("a", "", "r1", at(1))
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Find("a"); d.Status != RollbackInProgress || d.Rollback.Revision != "r1" || !d.Rollback.StartedAt.Equal(at(1)) {
		t.Fatalf("stopped: %+v", d)
	}
	if h.Find("a").Status != InProgress {
		t.Fatal("Stop changed the history it was given")
	}
	again, err := got.Stop("a", "ROLLBACK", "r1", at(2))
	if err != nil || again.Find("a").Status != RollbackInProgress {
		t.Fatalf("stopping a rollback again: %v", err)
	}
	done := got.Finish("a", 1, at(3))
	if _, err := done.Stop("a", "ROLLBACK", "r1", at(4)); !errors.Is(err, ecs.ErrConflict) {
		t.Fatalf("stopping a finished deployment: %v", err)
	}
}

func TestMatchAndARNs(t *testing.T) {
	d := &Deployment{Status: Successful, CreatedAt: at(10)}
	for _, tc := range []struct {
		statuses      []string
		after, before time.Time
		want          bool
	}{
		{nil, time.Time{}, time.Time{}, true},
		{[]string{Successful}, time.Time{}, time.Time{}, true},
		{[]string{InProgress, Stopped}, time.Time{}, time.Time{}, false},
		{nil, at(5), at(15), true},
		{nil, at(10), time.Time{}, false},
		{nil, time.Time{}, at(10), false},
	} {
		if got := Match(d, tc.statuses, tc.after, tc.before); got != tc.want {
			t.Errorf("Match(%v, %v, %v) = %v", tc.statuses, tc.after, tc.before, got)
		}
	}
	a := ecs.Account{ID: "123456789012", Region: "eu-west-1"}
	id := NewDeploymentID()
	arn := DeploymentARN(a, "c", "s", id)
	if arn != "arn:aws:ecs:eu-west-1:123456789012:service-deployment/c/s/"+id || len(id) != 22 {
		t.Fatalf("ARN %q", arn)
	}
	c, s, got, err := ParseARN(arn, "service-deployment")
	if err != nil || c != "c" || s != "s" || got != id {
		t.Fatalf("ParseARN = %s %s %s %v", c, s, got, err)
	}
	if _, _, _, err := ParseARN(RevisionARN(a, "c", "s", "1"), "service-deployment"); !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Fatalf("a revision ARN as a deployment ARN: %v", err)
	}
	if _, _, _, err := ParseARN("arn:aws:ecs:eu-west-1:1:service-revision/c/s", "service-revision"); err == nil {
		t.Fatal("a short ARN parsed")
	}
}

func TestMatchAtMilliseconds(t *testing.T) {
	d := &Deployment{CreatedAt: at(10).Add(123456789)}
	own := d.CreatedAt.Truncate(time.Millisecond) // as the wire gives it back
	if Match(d, nil, own, time.Time{}) || Match(d, nil, time.Time{}, own) {
		t.Fatal("a deployment matched createdAt after or before its own createdAt")
	}
}

func TestWire(t *testing.T) {
	a := ecs.Account{ID: "123456789012", Region: "us-east-1"}
	h := History{}.Start(Deployment{ID: "d", Target: "r2", Requested: 2, Sources: []Source{{Revision: "r1"}},
		Config: Config{MaxPercent: 200, MinHealthyPercent: 100, CircuitBreaker: true, Threshold: 3}}, at(0))
	live := map[string]Counts{"r2": {Running: 1, Pending: 1}, "r1": {Running: 2}}
	w := Wire(a, "c", "s", h.Find("d"), live)
	if w.Status != "IN_PROGRESS" || w.TargetServiceRevision.RunningTaskCount != 1 || w.TargetServiceRevision.PendingTaskCount != 1 ||
		w.SourceServiceRevisions[0].RunningTaskCount != 2 || w.FinishedAt != nil || w.DeploymentCircuitBreaker.Status != Monitoring ||
		w.Alarms.Status != Disabled || *w.DeploymentConfiguration.MaximumPercent != 200 ||
		w.TargetServiceRevision.Arn != "arn:aws:ecs:us-east-1:123456789012:service-revision/c/s/r2" {
		t.Fatalf("ongoing = %+v", w)
	}
	h = h.Finish("d", 2, at(5))
	w = Wire(a, "c", "s", h.Find("d"), live)
	if w.Status != "SUCCESSFUL" || w.TargetServiceRevision.RunningTaskCount != 2 || w.SourceServiceRevisions[0].RunningTaskCount != 0 ||
		w.FinishedAt == nil || w.DeploymentCircuitBreaker.Status != MonitoringComplete {
		t.Fatalf("finished = %+v", w)
	}
	b := Brief(a, "c", "s", h.Find("d"))
	if b.ServiceDeploymentArn != w.ServiceDeploymentArn || b.TargetServiceRevisionArn != w.TargetServiceRevision.Arn || b.FinishedAt == nil {
		t.Fatalf("Brief = %+v", b)
	}
	r := RevisionWire(a, "c", "s", &Revision{ID: "r2", TaskDefinition: "td", CreatedAt: at(0)})
	if r.ServiceRevisionArn != w.TargetServiceRevision.Arn || r.TaskDefinition != "td" || r.LoadBalancers == nil {
		t.Fatalf("RevisionWire = %+v", r)
	}
}
