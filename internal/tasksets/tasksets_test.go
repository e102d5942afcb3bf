package tasksets

import (
	"errors"
	"slices"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func TestComputedDesired(t *testing.T) {
	for _, tc := range []struct {
		status  string
		desired int32
		scale   float64
		want    int32
	}{
		{Primary, 4, 100, 4},
		{Active, 4, 0, 0},
		{Active, 4, 50, 2},
		{Active, 4, 10, 1},    // 0.4 rounds up
		{Active, 3, 33.33, 1}, // 0.9999 rounds up to 1
		{Active, 3, 66.67, 3}, // 2.0001 rounds up
		{Active, 10, 25, 3},
		{Active, 0, 100, 0},
		{Draining, 4, 100, 0},
	} {
		if got := ComputedDesired(tc.status, tc.desired, tc.scale); got != tc.want {
			t.Errorf("ComputedDesired(%s, %d, %v) = %d, want %d", tc.status, tc.desired, tc.scale, got, tc.want)
		}
	}
}

func TestCheckScale(t *testing.T) {
	for _, tc := range []struct {
		in   *ecsmodel.Scale
		want float64
		err  bool
	}{
		{nil, 100, false},
		{&ecsmodel.Scale{Value: 50, Unit: ecsmodel.ScaleUnitPERCENT}, 50, false},
		{&ecsmodel.Scale{Value: 0}, 0, false},
		{&ecsmodel.Scale{Value: 100.5, Unit: ecsmodel.ScaleUnitPERCENT}, 0, true},
		{&ecsmodel.Scale{Value: -1, Unit: ecsmodel.ScaleUnitPERCENT}, 0, true},
		{&ecsmodel.Scale{Value: 5, Unit: "COUNT"}, 0, true},
	} {
		got, err := CheckScale(tc.in)
		if tc.err != (err != nil) || tc.err && !errors.Is(err, ecs.ErrInvalidParameter) || got != tc.want {
			t.Errorf("CheckScale(%+v) = %v, %v", tc.in, got, err)
		}
	}
}

func TestPlan(t *testing.T) {
	run := func(id string, seq int64) Task { return Task{ID: id, Seq: seq, Phase: Running} }
	for _, tc := range []struct {
		name     string
		computed int32
		tasks    []Task
		start    int
		stop     []string
	}{
		{"start all", 3, nil, 3, nil},
		{"stopping ones count as gone", 2, []Task{run("a", 1), {ID: "b", Phase: Stopping}}, 1, nil},
		{"stopped ones count as gone", 1, []Task{{ID: "b", Phase: Stopped}}, 1, nil},
		{"in balance", 2, []Task{run("a", 1), run("b", 2)}, 0, nil},
		{"newest first", 1, []Task{run("a", 1), run("b", 2), run("c", 3)}, 0, []string{"c", "b"}},
		{"pending first", 1, []Task{run("a", 1), {ID: "p", Seq: 0, Phase: Pending}}, 0, []string{"p"}},
		{"protected skipped", 1, []Task{run("a", 1), {ID: "b", Seq: 2, Phase: Running, Protected: true}}, 0, []string{"a"}},
		{"all protected", 0, []Task{{ID: "a", Phase: Running, Protected: true}}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, stop := Plan(tc.computed, tc.tasks)
			if start != tc.start || !slices.Equal(stop, tc.stop) {
				t.Fatalf("Plan = %d %v, want %d %v", start, stop, tc.start, tc.stop)
			}
		})
	}
}

func TestStabilityAndGone(t *testing.T) {
	if got := Stability(2, Counts{Running: 2}); got != SteadyState {
		t.Errorf("2 of 2 running: %s", got)
	}
	for _, c := range []Counts{{Running: 1}, {Running: 2, Pending: 1}, {Running: 2, Stopping: 1}, {Running: 3}} {
		if got := Stability(2, c); got != Stabilizing {
			t.Errorf("%+v: %s", c, got)
		}
	}
	if Gone(&TaskSet{Status: Active}, nil) {
		t.Error("an ACTIVE task set is never gone")
	}
	if !Gone(&TaskSet{Status: Draining}, []Task{{Phase: Stopped}}) {
		t.Error("a DRAINING task set with only stopped tasks is gone")
	}
	if Gone(&TaskSet{Status: Draining}, []Task{{Phase: Stopping}}) {
		t.Error("a DRAINING task set with a stopping task is not gone")
	}
}

func TestIDsAndARNs(t *testing.T) {
	a := ecs.Account{ID: "123456789012", Region: "us-east-1"}
	id := NewID()
	if len(id) != len("ecs-svc/")+19 {
		t.Fatalf("id %q", id)
	}
	arn := ARN(a, "c", "s", id)
	if want := "arn:aws:ecs:us-east-1:123456789012:task-set/c/s/" + id; arn != want {
		t.Fatalf("ARN = %q, want %q", arn, want)
	}
	if IDOf(arn) != id || IDOf(id) != id {
		t.Fatalf("IDOf(%q) = %q", arn, IDOf(arn))
	}
}
