package engine

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// describeIn describes container instances of a named cluster, with tags.
func (c *cluster) describeIn(cluster string, arns ...string) []types.ContainerInstance {
	c.t.Helper()
	out, err := c.ecs.DescribeContainerInstances(ctx(c.t), &awsecs.DescribeContainerInstancesInput{
		Cluster: aws.String(cluster), ContainerInstances: arns, Include: []types.ContainerInstanceField{types.ContainerInstanceFieldTags},
	})
	if err != nil {
		c.t.Fatal(err)
	}
	if len(out.Failures) > 0 {
		c.t.Fatalf("DescribeContainerInstances failures: %+v", out.Failures)
	}
	return out.ContainerInstances
}

// listIn lists the container instances of a named cluster.
func (c *cluster) listIn(cluster string) []string {
	c.t.Helper()
	out, err := c.ecs.ListContainerInstances(ctx(c.t), &awsecs.ListContainerInstancesInput{Cluster: aws.String(cluster)})
	if err != nil {
		c.t.Fatal(err)
	}
	return out.ContainerInstanceArns
}

func tagKeys(tags []types.Tag) []string {
	var out []string
	for _, t := range tags {
		out = append(out, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return out
}

// TestConfig_TagsKeepTheirOrderAcrossRestarts: a declared instance's tags
// come back in one order, by key, and an unchanged declaration is not
// registered again at the next start (its version stays).
func TestConfig_TagsKeepTheirOrderAcrossRestarts(t *testing.T) {
	cfg, err := serveconfig.Parse([]byte(`
instances:
  - name: tagged
    cluster: tags
    cpu: 1024
    memory: 1GB
    tags: {e: "5", d: "4", c: "3", b: "2", a: "1"}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, false, cfg)
	arns := c.listIn("tags")
	if len(arns) != 1 {
		t.Fatalf("declared instances = %v; want 1", arns)
	}
	want := []string{"a=1", "b=2", "c=3", "d=4", "e=5"}
	for i := range 4 {
		ci := c.describeIn("tags", arns[0])[0]
		if got := tagKeys(ci.Tags); !slices.Equal(got, want) || ci.Version != 1 {
			t.Fatalf("start %d: tags %v, version %d; want %v, version 1", i+1, got, ci.Version, want)
		}
		c.reopen(false, cfg)
	}
}
