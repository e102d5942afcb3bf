package engine

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestRunTask_CredentialSpecsFailPlacementOnAttribute: a definition with
// credentialSpecs (or a credentialspec: security option) requires a gMSA
// capability, which no local instance has: RunTask answers with an
// ATTRIBUTE failure and no task, on the host instance, on a registered
// instance, and on the host's own capacity.
func TestRunTask_CredentialSpecsFailPlacementOnAttribute(t *testing.T) {
	c := newCluster(t, true, nil)
	defs := map[string]types.ContainerDefinition{
		"gmsa-domainless": {CredentialSpecs: []string{"credentialspecdomainless:arn:aws:s3:::bucket/spec.json"}},
		"gmsa-joined":     {DockerSecurityOptions: []string{"credentialspec:arn:aws:ssm:us-east-1:000000000000:parameter/spec"}},
	}
	want := map[string]string{"gmsa-domainless": "ecs.capability.gmsa-domainless", "gmsa-joined": "ecs.capability.gmsa"}
	for family, cd := range defs {
		cd.Name, cd.Image, cd.Memory = aws.String("app"), aws.String("fake/app"), aws.Int32(64)
		out, err := c.ecs.RegisterTaskDefinition(ctx(t), &awsecs.RegisterTaskDefinitionInput{Family: aws.String(family), ContainerDefinitions: []types.ContainerDefinition{cd}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := attribute(out.TaskDefinition.RequiresAttributes, want[family]); !ok {
			t.Errorf("%s: requiresAttributes %+v lack %s", family, out.TaskDefinition.RequiresAttributes, want[family])
		}
	}
	check := func(where, cluster, family string) {
		t.Helper()
		out, err := c.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{Cluster: aws.String(cluster), TaskDefinition: aws.String(family)})
		if err != nil {
			t.Fatalf("%s, %s: RunTask = %v; want failures, not an error", where, family, err)
		}
		if len(out.Tasks) != 0 || len(out.Failures) == 0 {
			t.Fatalf("%s, %s: tasks %+v, failures %+v; want only failures", where, family, out.Tasks, out.Failures)
		}
		for _, f := range out.Failures {
			if aws.ToString(f.Reason) != "ATTRIBUTE" {
				t.Errorf("%s, %s: failure %q (%s); want ATTRIBUTE", where, family, aws.ToString(f.Reason), aws.ToString(f.Detail))
			}
		}
	}
	for family := range defs {
		check("the host instance", "default", family)
		check("the host's own capacity", c.name, family)
	}
	c.register(4096, 4096)
	for family := range defs {
		check("a registered instance", c.name, family)
	}
	// A definition without credential specs is placed.
	c.taskdef("plain", 0, 64)
	if out := c.run(&awsecs.RunTaskInput{TaskDefinition: aws.String("plain")}); len(out.Tasks) != 1 {
		t.Errorf("plain definition: tasks %+v, failures %+v; want one task", out.Tasks, out.Failures)
	}
}
