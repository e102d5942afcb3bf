package controlplane

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func tagList(kv ...string) []ecsmodel.Tag {
	var out []ecsmodel.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ecsmodel.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return out
}

func (f *fixture) listTags(arn string) []ecsmodel.Tag {
	f.t.Helper()
	out, err := f.cp.ListTagsForResource(context.Background(), &ecsmodel.ListTagsForResourceRequest{ResourceArn: arn})
	if err != nil {
		f.t.Fatalf("ListTagsForResource(%s): %v", arn, err)
	}
	return out.Tags
}

func TestTagResource_EveryKindMergesAndPersists(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	td := f.register("web") // carries team=a
	run, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "web", Tags: tagList("job", "1")})
	if err != nil {
		t.Fatal(err)
	}
	taskARN := run.Tasks[0].TaskArn
	clusterARN := ecs.DefaultAccountInfo().ClusterARN("default")
	tests := []struct {
		kind, arn string
		before    []ecsmodel.Tag
	}{
		{"cluster", clusterARN, []ecsmodel.Tag{}},
		{"task definition", td.TaskDefinitionArn, tagList("team", "a")},
		{"task", taskARN, tagList("job", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if got := f.listTags(tt.arn); !slices.Equal(got, tt.before) {
				t.Fatalf("tags before = %v; want %v", got, tt.before)
			}
			if _, err := f.cp.TagResource(ctx, &ecsmodel.TagResourceRequest{ResourceArn: tt.arn, Tags: tagList("env", "dev", "owner", "x")}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.cp.TagResource(ctx, &ecsmodel.TagResourceRequest{ResourceArn: tt.arn, Tags: tagList("env", "prod")}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.cp.UntagResource(ctx, &ecsmodel.UntagResourceRequest{ResourceArn: tt.arn, TagKeys: []string{"owner", "never-there"}}); err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(tt.before), tagList("env", "prod")...)
			if got := f.listTags(tt.arn); !slices.Equal(got, want) {
				t.Errorf("tags after = %v; want %v", got, want)
			}
		})
	}
	// The tags were committed: a reopened control plane has them.
	f.open()
	if got := f.listTags(taskARN); !slices.Equal(got, tagList("job", "1", "env", "prod")) {
		t.Errorf("task tags after reopen = %v", got)
	}
	if got := f.listTags(clusterARN); !slices.Equal(got, tagList("env", "prod")) {
		t.Errorf("cluster tags after reopen = %v", got)
	}
	// Describe with include TAGS shows them.
	d, err := f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{taskARN}, Include: []ecsmodel.TaskField{ecsmodel.TaskFieldTAGS}})
	if err != nil || !slices.Equal(d.Tasks[0].Tags, tagList("job", "1", "env", "prod")) {
		t.Errorf("DescribeTasks include TAGS = %+v, %v", d, err)
	}
	d, err = f.cp.DescribeTasks(ctx, &ecsmodel.DescribeTasksRequest{Tasks: []string{taskARN}})
	if err != nil || d.Tasks[0].Tags != nil {
		t.Errorf("DescribeTasks without include has tags %v (%v); want none", d.Tasks[0].Tags, err)
	}
}

func TestTagResource_Errors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	td := f.register("web")
	acct := ecs.DefaultAccountInfo()
	fifty := make([]ecsmodel.Tag, 49) // plus team=a
	for i := range fifty {
		fifty[i] = ecsmodel.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	if _, err := f.cp.TagResource(ctx, &ecsmodel.TagResourceRequest{ResourceArn: td.TaskDefinitionArn, Tags: fifty}); err != nil {
		t.Fatalf("tagging up to 50 tags: %v", err)
	}
	tests := []struct {
		name string
		arn  string
		tags []ecsmodel.Tag
		want ecs.Kind
	}{
		{"not an ARN", "web:1", tagList("a", "b"), ecs.ErrInvalidParameter},
		{"another service", "arn:aws:s3:::bucket/x", tagList("a", "b"), ecs.ErrInvalidParameter},
		{"another region", "arn:aws:ecs:eu-west-1:000000000000:cluster/default", tagList("a", "b"), ecs.ErrInvalidParameter},
		{"another account", "arn:aws:ecs:us-east-1:111111111111:cluster/default", tagList("a", "b"), ecs.ErrInvalidParameter},
		{"unknown resource type", "arn:aws:ecs:us-east-1:000000000000:widget/x", tagList("a", "b"), ecs.ErrInvalidParameter},
		{"task definition without revision", "arn:aws:ecs:us-east-1:000000000000:task-definition/web", tagList("a", "b"), ecs.ErrInvalidParameter},
		{"unknown cluster", acct.ClusterARN("ghost"), tagList("a", "b"), ecs.ErrClusterNotFound},
		{"task in unknown cluster", acct.TaskARN("ghost", "0123"), tagList("a", "b"), ecs.ErrClusterNotFound},
		{"unknown task", acct.TaskARN("default", "0123"), tagList("a", "b"), ecs.ErrResourceNotFound},
		{"unknown revision", acct.TaskDefinitionARN("web", 9), tagList("a", "b"), ecs.ErrResourceNotFound},
		{"unknown service", "arn:aws:ecs:us-east-1:000000000000:service/default/svc", tagList("a", "b"), ecs.ErrResourceNotFound},
		{"service in unknown cluster", "arn:aws:ecs:us-east-1:000000000000:service/ghost/svc", tagList("a", "b"), ecs.ErrClusterNotFound},
		{"capacity provider", "arn:aws:ecs:us-east-1:000000000000:capacity-provider/cp", tagList("a", "b"), ecs.ErrUnsupportedFeature},
		{"reserved prefix", td.TaskDefinitionArn, tagList("AWS:x", "b"), ecs.ErrInvalidParameter},
		{"duplicate key", td.TaskDefinitionArn, tagList("a", "b", "a", "c"), ecs.ErrInvalidParameter},
		{"51st tag", td.TaskDefinitionArn, tagList("one-more", "b"), ecs.ErrInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.cp.TagResource(ctx, &ecsmodel.TagResourceRequest{ResourceArn: tt.arn, Tags: tt.tags})
			if !errors.Is(err, tt.want) {
				t.Errorf("TagResource(%s, %v) = %v; want %s", tt.arn, tt.tags, err, tt.want)
			}
		})
	}
	// Replacing the value of an existing key at the limit is fine.
	if _, err := f.cp.TagResource(ctx, &ecsmodel.TagResourceRequest{ResourceArn: td.TaskDefinitionArn, Tags: tagList("k1", "new")}); err != nil {
		t.Errorf("replacing a value at the limit: %v", err)
	}
	_, err := f.cp.UntagResource(ctx, &ecsmodel.UntagResourceRequest{ResourceArn: td.TaskDefinitionArn, TagKeys: []string{"aws:cloudformation:stack-id"}})
	if !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Errorf("UntagResource of an aws: key = %v; want InvalidParameterException", err)
	}
	_, err = f.cp.ListTagsForResource(ctx, &ecsmodel.ListTagsForResourceRequest{ResourceArn: acct.TaskARN("default", "0123")})
	if !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Errorf("ListTagsForResource of an unknown task = %v; want InvalidParameterException", err)
	}
}

func TestDeleteTaskDefinitions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for range 3 {
		f.register("web")
	}
	if _, err := f.cp.DeregisterTaskDefinition(ctx, &ecsmodel.DeregisterTaskDefinitionRequest{TaskDefinition: "web:1"}); err != nil {
		t.Fatal(err)
	}
	out, err := f.cp.DeleteTaskDefinitions(ctx, &ecsmodel.DeleteTaskDefinitionsRequest{TaskDefinitions: []string{
		"web:1", "web:2", "web", "web:9", "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TaskDefinitions) != 2 || out.TaskDefinitions[0].Revision != 1 || out.TaskDefinitions[0].Status != ecsmodel.TaskDefinitionStatusDELETEINPROGRESS {
		t.Errorf("deleted = %+v; want web:1 twice, DELETE_IN_PROGRESS", out.TaskDefinitions)
	}
	var reasons []string
	for _, fl := range out.Failures {
		reasons = append(reasons, ecs.ResourceName(fl.Arn)+" "+fl.Reason)
	}
	want := []string{
		"web:2 The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
		"web The specified task definition identifier is invalid. Specify a valid name or ARN and try again.",
		"web:9 The specified task definition does not exist. Specify a valid account, family, revision and try again.",
	}
	if !slices.Equal(reasons, want) {
		t.Errorf("failures:\n%q\nwant\n%q", reasons, want)
	}
	// The revision stays describable and listable by its status, and cannot run.
	d, err := f.cp.DescribeTaskDefinition(ctx, &ecsmodel.DescribeTaskDefinitionRequest{TaskDefinition: "web:1"})
	if err != nil || d.TaskDefinition.Status != ecsmodel.TaskDefinitionStatusDELETEINPROGRESS {
		t.Errorf("Describe(web:1) = %+v, %v; want DELETE_IN_PROGRESS", d, err)
	}
	l, err := f.cp.ListTaskDefinitions(ctx, &ecsmodel.ListTaskDefinitionsRequest{Status: ecsmodel.TaskDefinitionStatusDELETEINPROGRESS})
	if err != nil || len(l.TaskDefinitionArns) != 1 {
		t.Errorf("List(DELETE_IN_PROGRESS) = %v, %v; want web:1", l, err)
	}
	if _, err := f.cp.RunTask(ctx, &ecsmodel.RunTaskRequest{TaskDefinition: "web:1"}); !errors.Is(err, ecs.ErrInvalidParameter) {
		t.Errorf("RunTask(web:1) = %v; want InvalidParameterException", err)
	}
	// Revision numbers are never reused.
	if td := f.register("web"); td.Revision != 4 {
		t.Errorf("next revision = %d; want 4", td.Revision)
	}
	f.open()
	d, err = f.cp.DescribeTaskDefinition(ctx, &ecsmodel.DescribeTaskDefinitionRequest{TaskDefinition: "web:1"})
	if err != nil || d.TaskDefinition.Status != ecsmodel.TaskDefinitionStatusDELETEINPROGRESS {
		t.Errorf("after reopen Describe(web:1) = %+v, %v; want DELETE_IN_PROGRESS", d, err)
	}
	for _, n := range []int{0, 11} {
		_, err := f.cp.DeleteTaskDefinitions(ctx, &ecsmodel.DeleteTaskDefinitionsRequest{TaskDefinitions: make([]string, n)})
		if !errors.Is(err, ecs.ErrInvalidParameter) {
			t.Errorf("DeleteTaskDefinitions of %d refs = %v; want InvalidParameterException", n, err)
		}
	}
}
