package engine

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestRunTask_DefinitionConstraintsOnHostCapacity: a task definition's
// memberOf constraint is not checked on the cluster's default capacity (no
// container instances), so a production definition runs locally as it is;
// once the cluster has instances it binds.
func TestRunTask_DefinitionConstraintsOnHostCapacity(t *testing.T) {
	c := newCluster(t, false, nil)
	_, err := c.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{
		Family:               aws.String("pinned"),
		PlacementConstraints: []types.TaskDefinitionPlacementConstraint{{Type: types.TaskDefinitionPlacementConstraintTypeMemberOf, Expression: aws.String("attribute:stack == blue")}},
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("fake/app"), Memory: aws.Int32(64)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("pinned")})
	if len(out.Tasks) != 1 || out.Tasks[0].ContainerInstanceArn != nil {
		t.Fatalf("without instances: %+v, failures %+v; want one task on the host's own capacity", out.Tasks, out.Failures)
	}
	green := c.register(1024, 1024, "stack", "green")
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("pinned")})
	if len(out.Tasks) != 0 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MemberOf placement constraint unsatisfied." {
		t.Errorf("with an instance the constraint excludes (%s): %+v, failures %+v; want a MemberOf failure", green, out.Tasks, out.Failures)
	}
	blue := c.register(1024, 1024, "stack", "blue")
	out = c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("pinned")})
	if len(out.Tasks) != 1 || aws.ToString(out.Tasks[0].ContainerInstanceArn) != blue {
		t.Errorf("with a matching instance: %+v, failures %+v; want the task on %s", out.Tasks, out.Failures, blue)
	}
}
