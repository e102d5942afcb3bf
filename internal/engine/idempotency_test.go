package engine

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestRunTask_ClientTokenThroughTheSDK: RunTask's clientToken as ECS has
// it, through aws-sdk-go-v2: the same token and parameters answer the same
// tasks (also after the engine restarted) and start nothing more; the same
// token with other parameters is a ConflictException.
func TestRunTask_ClientTokenThroughTheSDK(t *testing.T) {
	c := newCluster(t, false, nil)
	c.taskdef("idem", 0, 64)
	in := func(count int32) *awsecs.RunTaskInput {
		return &awsecs.RunTaskInput{Cluster: aws.String(c.name), TaskDefinition: aws.String("idem"), Count: aws.Int32(count), ClientToken: aws.String("retry-1")}
	}
	arns := func(out *awsecs.RunTaskOutput) []string {
		var a []string
		for _, task := range out.Tasks {
			a = append(a, aws.ToString(task.TaskArn))
		}
		return a
	}
	first := arns(c.run(in(3)))
	if len(first) != 3 {
		t.Fatalf("RunTask started %v; want 3 tasks", first)
	}
	if again := arns(c.run(in(3))); !slices.Equal(again, first) {
		t.Errorf("the same request again answered %v; want the same tasks %v", again, first)
	}
	_, err := c.ecs.RunTask(ctx(t), in(2))
	var conflict *types.ConflictException
	if !errors.As(err, &conflict) {
		t.Errorf("the same token with another count: %v; want ConflictException", err)
	}
	c.reopen(false, nil)
	if again := arns(c.run(in(3))); !slices.Equal(again, first) {
		t.Errorf("after a restart the same request answered %v; want the same tasks %v", again, first)
	}
	listed, err := c.ecs.ListTasks(ctx(t), &awsecs.ListTasksInput{Cluster: aws.String(c.name), Family: aws.String("idem")})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.TaskArns) != 3 {
		t.Errorf("tasks of the family = %v; want only the 3 the token started", listed.TaskArns)
	}
}
