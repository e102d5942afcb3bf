package controlplane

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/placement"
)

func TestChooseCapacity(t *testing.T) {
	const (
		ec2 = ecsmodel.LaunchTypeEC2
		far = ecsmodel.LaunchTypeFARGATE
	)
	tests := []struct {
		name      string
		asked     ecsmodel.LaunchType
		effective string
		providers bool
		instances int
		want      capacity
		err       string
	}{
		{"nothing asked, no instances: the host", "", "EC2", false, 0, hostCapacity, ""},
		{"nothing asked, instances: placement", "", "EC2", false, 3, instancePlacement, ""},
		{"EC2 with instances", ec2, "EC2", false, 1, instancePlacement, ""},
		{"EC2 without instances", ec2, "EC2", false, 0, 0, "No Container Instances were found in your cluster."},
		{"EXTERNAL without instances", ecsmodel.LaunchTypeEXTERNAL, "EXTERNAL", false, 0, 0, "No Container Instances"},
		{"FARGATE asked, instances", far, "FARGATE", false, 5, hostCapacity, ""},
		{"FARGATE-only definition, nothing asked", "", "FARGATE", false, 5, hostCapacity, ""},
		{"MANAGED_INSTANCES", ecsmodel.LaunchTypeMANAGEDINSTANCES, "MANAGED_INSTANCES", false, 5, hostCapacity, ""},
		{"capacity providers", "", "EC2", true, 5, hostCapacity, ""},
	}
	for _, tt := range tests {
		got, err := chooseCapacity(tt.asked, tt.effective, tt.providers, tt.instances)
		if tt.err != "" {
			if !errors.Is(err, ecs.ErrInvalidParameter) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error = %v; want InvalidParameterException %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: chooseCapacity = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestHostPlacementCheck(t *testing.T) {
	constraint := []ecsmodel.PlacementConstraint{{Type: "distinctInstance"}}
	strategy := []ecsmodel.PlacementStrategy{{Type: "random"}}
	tests := []struct {
		name       string
		where      capacity
		launchType string
		in         ecsmodel.RunTaskRequest
		err        string
	}{
		{"placement takes anything", instancePlacement, "EC2", ecsmodel.RunTaskRequest{PlacementConstraints: constraint, PlacementStrategy: strategy}, ""},
		{"host, nothing asked", hostCapacity, "EC2", ecsmodel.RunTaskRequest{}, ""},
		{"host ignores strategies", hostCapacity, "EC2", ecsmodel.RunTaskRequest{PlacementStrategy: strategy}, ""},
		{"host refuses constraints", hostCapacity, "EC2", ecsmodel.RunTaskRequest{PlacementConstraints: constraint}, "need container instances"},
		{"FARGATE refuses strategies", hostCapacity, "FARGATE", ecsmodel.RunTaskRequest{PlacementStrategy: strategy}, "not supported with the FARGATE launch type"},
		{"FARGATE refuses constraints", hostCapacity, "FARGATE", ecsmodel.RunTaskRequest{PlacementConstraints: constraint}, "not supported with the FARGATE launch type"},
	}
	for _, tt := range tests {
		err := hostPlacementCheck(tt.where, tt.launchType, &tt.in)
		if tt.err == "" && err != nil || tt.err != "" && (!errors.Is(err, ecs.ErrInvalidParameter) || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: hostPlacementCheck = %v; want %q", tt.name, err, tt.err)
		}
	}
}

func TestPlacementRequest(t *testing.T) {
	def := &ecsmodel.TaskDefinition{
		RequiresAttributes:   []ecsmodel.Attribute{{Name: "com.amazonaws.ecs.capability.logging-driver.awslogs"}, {Name: "ecs.cpu-architecture", Value: "arm64"}},
		PlacementConstraints: []ecsmodel.TaskDefinitionPlacementConstraint{{Type: "memberOf", Expression: "attribute:a == b"}},
	}
	need := ecs.TaskResources{CPU: 256, Memory: 512, TCPPorts: []uint16{80}}
	in := &ecsmodel.RunTaskRequest{PlacementConstraints: []ecsmodel.PlacementConstraint{{Type: "distinctInstance"}}}
	req, err := placementRequest(def, in, "family:web", need, []string{"t1", "t2"})
	if err != nil {
		t.Fatal(err)
	}
	if req.Count != 2 || req.Group != "family:web" || req.Need.CPU != 256 || req.Need.Memory != 512 || len(req.Need.TCPPorts) != 1 {
		t.Errorf("request = %+v", req)
	}
	if len(req.RequiredAttributes) != 2 || req.RequiredAttributes[1] != (placement.Attribute{Name: "ecs.cpu-architecture", Value: "arm64"}) {
		t.Errorf("required attributes = %+v; want the definition's", req.RequiredAttributes)
	}
	if len(req.Constraints) != 2 || req.Constraints[0].Type != placement.MemberOf || req.Constraints[1].Type != placement.DistinctInstance {
		t.Errorf("constraints = %+v; want the definition's memberOf, then the request's distinctInstance", req.Constraints)
	}
	if len(req.Strategies) != 1 || req.Strategies[0].Type != placement.Random {
		t.Errorf("strategies = %+v; want random, RunTask's default", req.Strategies)
	}
	in.PlacementStrategy = []ecsmodel.PlacementStrategy{{Type: "binpack", Field: "memory"}}
	if req, _ = placementRequest(def, in, "g", need, []string{"t"}); len(req.Strategies) != 1 || req.Strategies[0] != (placement.Strategy{Type: placement.Binpack, Field: "memory"}) {
		t.Errorf("strategies = %+v; want the request's", req.Strategies)
	}
	for i := 0; i < 9; i++ {
		in.PlacementConstraints = append(in.PlacementConstraints, ecsmodel.PlacementConstraint{Type: "distinctInstance"})
	}
	if _, err := placementRequest(def, in, "g", need, []string{"t"}); !errors.Is(err, ecs.ErrInvalidParameter) || !strings.Contains(err.Error(), "task definition has 1 and the request 10") {
		t.Errorf("11 constraints: error = %v; want one counting both", err)
	}
}

func TestPlacementError(t *testing.T) {
	_, err := placement.PlanRequest(mustSnapshot(t), placement.Request{Count: 1, Constraints: []placement.Constraint{{Type: "memberOf", Expression: "attribute:x =="}}})
	got := placementError(err)
	if !errors.Is(got, ecs.ErrInvalidParameter) || strings.Contains(got.Error(), "placement: invalid") || !strings.Contains(got.Error(), "memberOf") {
		t.Errorf("placementError(%v) = %v; want an InvalidParameterException naming memberOf without the kind's text", err, got)
	}
	if got := placementError(placement.ErrNoInstances); got.Error() != "No Container Instances were found in your cluster." {
		t.Errorf("placementError(ErrNoInstances) = %v", got)
	}
}

func mustSnapshot(t *testing.T) *placement.Snapshot {
	s, err := placement.NewSnapshot([]placement.Instance{{ARN: "arn:i", AgentConnected: true}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
