package tasksets

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func i32(v int32) *int32 { return &v }

func TestControllerError(t *testing.T) {
	for _, tc := range []struct {
		c    *ecsmodel.DeploymentController
		kind ecs.Kind
	}{
		{nil, ""},
		{&ecsmodel.DeploymentController{}, ""},
		{&ecsmodel.DeploymentController{Type: "ECS"}, ""},
		{&ecsmodel.DeploymentController{Type: "EXTERNAL"}, ""},
		{&ecsmodel.DeploymentController{Type: "CODE_DEPLOY"}, ecs.ErrUnsupportedFeature},
		{&ecsmodel.DeploymentController{Type: "SPINNAKER"}, ecs.ErrInvalidParameter},
	} {
		err := ControllerError(tc.c)
		if tc.kind == "" && err != nil || tc.kind != "" && !errors.Is(err, tc.kind) {
			t.Errorf("ControllerError(%+v) = %v; want %q", tc.c, err, tc.kind)
		}
	}
}

func TestCheckCreateService(t *testing.T) {
	ok := ecsmodel.CreateServiceRequest{ServiceName: "s", DesiredCount: i32(2)}
	for _, tc := range []struct {
		name string
		mod  func(*ecsmodel.CreateServiceRequest)
		msg  string
	}{
		{"fine", func(*ecsmodel.CreateServiceRequest) {}, ""},
		{"task definition", func(r *ecsmodel.CreateServiceRequest) { r.TaskDefinition = "web:1" }, "TaskDefinition must be blank"},
		{"launch type", func(r *ecsmodel.CreateServiceRequest) { r.LaunchType = "EC2" }, "LaunchType must be blank"},
		{"network", func(r *ecsmodel.CreateServiceRequest) { r.NetworkConfiguration = &ecsmodel.NetworkConfiguration{} }, "NetworkConfiguration must be blank"},
		{"platform", func(r *ecsmodel.CreateServiceRequest) { r.PlatformVersion = "LATEST" }, "PlatformVersion must be blank"},
		{"capacity", func(r *ecsmodel.CreateServiceRequest) {
			r.CapacityProviderStrategy = []ecsmodel.CapacityProviderStrategyItem{{CapacityProvider: "FARGATE"}}
		}, "CapacityProviderStrategy must be blank"},
		{"load balancers", func(r *ecsmodel.CreateServiceRequest) { r.LoadBalancers = []ecsmodel.LoadBalancer{{}} }, "LoadBalancers must be empty or null."},
		{"daemon", func(r *ecsmodel.CreateServiceRequest) { r.SchedulingStrategy = "DAEMON" }, "DAEMON"},
		{"no desired count", func(r *ecsmodel.CreateServiceRequest) { r.DesiredCount = nil }, "desiredCount is required"},
		{"negative", func(r *ecsmodel.CreateServiceRequest) { r.DesiredCount = i32(-1) }, "0 or more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.mod(&r)
			err := CheckCreateService(&r)
			if tc.msg == "" && err != nil || tc.msg != "" && (!errors.Is(err, ecs.ErrInvalidParameter) || !strings.Contains(err.Error(), tc.msg)) {
				t.Fatalf("err = %v; want %q", err, tc.msg)
			}
		})
	}
}

func TestCheckUpdateService(t *testing.T) {
	for _, tc := range []struct {
		in   ecsmodel.UpdateServiceRequest
		kind ecs.Kind
	}{
		{ecsmodel.UpdateServiceRequest{DesiredCount: i32(3)}, ""},
		{ecsmodel.UpdateServiceRequest{TaskDefinition: "web:2"}, ecs.ErrInvalidParameter},
		{ecsmodel.UpdateServiceRequest{ForceNewDeployment: true}, ecs.ErrInvalidParameter},
		{ecsmodel.UpdateServiceRequest{PlatformVersion: "1.4.0"}, ecs.ErrInvalidParameter},
		{ecsmodel.UpdateServiceRequest{DeploymentController: &ecsmodel.DeploymentController{Type: "ECS"}}, ecs.ErrUnsupportedFeature},
		{ecsmodel.UpdateServiceRequest{DeploymentController: &ecsmodel.DeploymentController{Type: "EXTERNAL"}}, ""},
	} {
		err := CheckUpdateService(&tc.in)
		if tc.kind == "" && err != nil || tc.kind != "" && !errors.Is(err, tc.kind) {
			t.Errorf("CheckUpdateService(%+v) = %v; want %q", tc.in, err, tc.kind)
		}
	}
}

func TestWire(t *testing.T) {
	a := ecs.Account{ID: "123456789012", Region: "us-east-1"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := &TaskSet{ID: "ecs-svc/1234567890123456789", Status: Primary, TaskDefinition: "td", Scale: 50, Stability: SteadyState,
		StabilityAt: at, CreatedAt: at, UpdatedAt: at, Tags: []ecsmodel.Tag{{Key: "k", Value: "v"}}}
	w := Wire(a, "c", "s", ts, 5, Counts{Running: 2, Pending: 1}, false)
	if w.ComputedDesiredCount != 3 || w.RunningCount != 2 || w.PendingCount != 1 || w.Tags != nil || w.Scale.Value != 50 ||
		w.Scale.Unit != ecsmodel.ScaleUnitPERCENT || w.ServiceArn != "arn:aws:ecs:us-east-1:123456789012:service/c/s" ||
		w.TaskSetArn != "arn:aws:ecs:us-east-1:123456789012:task-set/c/s/ecs-svc/1234567890123456789" || w.StabilityStatusAt.Time != at {
		t.Fatalf("Wire = %+v", w)
	}
	if w := Wire(a, "c", "s", ts, 5, Counts{}, true); len(w.Tags) != 1 {
		t.Fatalf("Wire with tags = %+v", w.Tags)
	}
}
