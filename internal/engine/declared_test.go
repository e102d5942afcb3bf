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

// attrValues returns the named attributes of an instance as name=value
// ("name=" for one without a value, nothing for one it lacks).
func attrValues(ci types.ContainerInstance, names ...string) []string {
	var out []string
	for _, n := range names {
		if v, ok := attribute(ci.Attributes, n); ok {
			out = append(out, n+"="+v)
		}
	}
	return out
}

// TestConfig_APIChangesSurviveRestarts: attributes and tags changed
// through the API on the host instance and on declared instances are kept
// when the engine starts again, also after the declaration changed; what
// the declaration sets wins.
func TestConfig_APIChangesSurviveRestarts(t *testing.T) {
	parse := func(stack string) *serveconfig.Config {
		cfg, err := serveconfig.Parse([]byte(`
instances:
  - name: web
    cluster: keep
    cpu: 1024
    memory: 1GB
    attributes: {stack: ` + stack + `}
    tags: {team: platform}
`))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := parse("blue")
	c := newCluster(t, true, cfg)
	web := c.listIn("keep")[0]
	host := c.listIn("default")[0]
	cx := ctx(t)
	for cl, arn := range map[string]string{"keep": web, "default": host} {
		if _, err := c.ecs.PutAttributes(cx, &awsecs.PutAttributesInput{Cluster: aws.String(cl), Attributes: []types.Attribute{
			{Name: aws.String("rack"), Value: aws.String("r1"), TargetId: aws.String(arn)},
			{Name: aws.String("spare"), TargetId: aws.String(arn)},
		}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ecs.TagResource(cx, &awsecs.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("me")}}}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, wantWeb, wantHost []string) {
		t.Helper()
		w := c.describeIn("keep", web)[0]
		if got := append(attrValues(w, "rack", "spare", "stack"), tagKeys(w.Tags)...); !slices.Equal(got, wantWeb) {
			t.Errorf("%s: declared instance has %v; want %v", when, got, wantWeb)
		}
		h := c.describeIn("default", host)[0]
		if got := append(attrValues(h, "rack", "spare"), tagKeys(h.Tags)...); !slices.Equal(got, wantHost) {
			t.Errorf("%s: host instance has %v; want %v", when, got, wantHost)
		}
	}
	all := []string{"rack=r1", "spare=", "stack=blue", "team=platform", "owner=me"}
	hostAll := []string{"rack=r1", "spare=", "owner=me"}
	check("before the restart", all, hostAll)
	c.reopen(true, cfg)
	check("after a restart", all, hostAll)

	// A changed declaration wins where it speaks and keeps the rest.
	cfg = parse("green")
	c.reopen(true, cfg)
	check("after the declaration changed", []string{"rack=r1", "spare=", "stack=green", "team=platform", "owner=me"}, hostAll)

	// What the API removed stays removed.
	if _, err := c.ecs.DeleteAttributes(cx, &awsecs.DeleteAttributesInput{Cluster: aws.String("keep"), Attributes: []types.Attribute{
		{Name: aws.String("rack"), TargetId: aws.String(web)},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ecs.UntagResource(cx, &awsecs.UntagResourceInput{ResourceArn: aws.String(web), TagKeys: []string{"owner"}}); err != nil {
		t.Fatal(err)
	}
	c.reopen(true, cfg)
	check("after removing through the API", []string{"spare=", "stack=green", "team=platform"}, hostAll)
}
