package logsapi_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"
)

// wantErrContains checks err is an API error of type code whose message
// contains every one of parts.
func wantErrContains(t *testing.T, err error, code string, parts ...string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v; want %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error = %s %q; want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	for _, p := range parts {
		if !strings.Contains(ae.ErrorMessage(), p) {
			t.Fatalf("error message %q lacks %q", ae.ErrorMessage(), p)
		}
	}
}

const groupARNPrefix = "arn:aws:logs:us-east-1:000000000000:log-group:"

func TestLogs_CreateLogGroupSettingsAndTags(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e := newEnv(t, dir)
	g := "/app/settings"
	key := "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{
		LogGroupName: &g, KmsKeyId: &key, LogGroupClass: types.LogGroupClassInfrequentAccess,
		Tags: map[string]string{"team": "core", "env": "dev"}, DeletionProtectionEnabled: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	// A plain group keeps the defaults.
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app/plain")}); err != nil {
		t.Fatal(err)
	}
	check := func(e *env) {
		t.Helper()
		out, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/app/")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.LogGroups) != 2 {
			t.Fatalf("groups = %d; want 2", len(out.LogGroups))
		}
		plain, lg := out.LogGroups[0], out.LogGroups[1]
		if aws.ToString(lg.KmsKeyId) != key || lg.LogGroupClass != types.LogGroupClassInfrequentAccess || !aws.ToBool(lg.DeletionProtectionEnabled) {
			t.Fatalf("group = kms %q class %q protection %v", aws.ToString(lg.KmsKeyId), lg.LogGroupClass, aws.ToBool(lg.DeletionProtectionEnabled))
		}
		if aws.ToString(lg.LogGroupArn) != groupARNPrefix+g || aws.ToString(lg.Arn) != groupARNPrefix+g+":*" {
			t.Fatalf("arns = %q %q", aws.ToString(lg.LogGroupArn), aws.ToString(lg.Arn))
		}
		if plain.KmsKeyId != nil || plain.LogGroupClass != types.LogGroupClassStandard || aws.ToBool(plain.DeletionProtectionEnabled) {
			t.Fatalf("plain group = %+v", plain)
		}
		tags, err := e.c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: lg.LogGroupArn})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"team": "core", "env": "dev"}; !maps.Equal(tags.Tags, want) {
			t.Fatalf("tags = %v; want %v", tags.Tags, want)
		}
	}
	check(e)
	// Everything survives a restart.
	check(newEnv(t, dir))

	// The class filter of DescribeLogGroups.
	out, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupClass: types.LogGroupClassStandard})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.LogGroups) != 1 || aws.ToString(out.LogGroups[0].LogGroupName) != "/app/plain" {
		t.Fatalf("STANDARD groups = %+v", out.LogGroups)
	}

	// Bad settings are refused before anything is created.
	for _, tc := range []struct {
		in   cwl.CreateLogGroupInput
		code string
		msg  string
	}{
		{cwl.CreateLogGroupInput{LogGroupClass: "COLD"}, "InvalidParameterException", "Member must satisfy enum value set"},
		{cwl.CreateLogGroupInput{KmsKeyId: aws.String("alias/mine")}, "InvalidParameterException", `"alias/mine" is not a KMS key ARN`},
		{cwl.CreateLogGroupInput{Tags: map[string]string{"aws:owner": "me"}}, "InvalidParameterException", `"aws:owner"`},
		{cwl.CreateLogGroupInput{Tags: map[string]string{"bad*key": "v"}}, "InvalidParameterException", "bad*key"},
	} {
		in := tc.in
		in.LogGroupName = aws.String("/app/refused")
		_, err := e.c.CreateLogGroup(ctx, &in)
		wantErrContains(t, err, tc.code, tc.msg)
	}
	_, err = e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("aws/mine")})
	wantAPIError(t, err, "InvalidParameterException", "Log groups starting with AWS/ are reserved for AWS.")
	if _, err := e.c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("/app/refused")}); err == nil {
		t.Fatal("a refused CreateLogGroup created the group")
	}

	// Deletion protection: DeleteLogGroup is refused until it is turned off.
	_, err = e.c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: &g})
	wantAPIError(t, err, "ValidationException", "Cannot delete log group with deletion protection enabled. Disable deletion protection first.")
	if _, err := e.c.PutLogGroupDeletionProtection(ctx, &cwl.PutLogGroupDeletionProtectionInput{LogGroupIdentifier: aws.String(groupARNPrefix + g), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	// A group created again under the name starts bare.
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	lt, err := e.c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: &g})
	if err != nil {
		t.Fatal(err)
	}
	if len(lt.Tags) != 0 {
		t.Fatalf("recreated group has tags %v", lt.Tags)
	}
	_, err = e.c.PutLogGroupDeletionProtection(ctx, &cwl.PutLogGroupDeletionProtectionInput{LogGroupIdentifier: aws.String("/nope"), DeletionProtectionEnabled: aws.Bool(true)})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
}

func TestLogs_Tags(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	g := "tagged"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	arn := groupARNPrefix + g
	list := func() map[string]string {
		t.Helper()
		a, err := e.c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: &g})
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(a.Tags, b.Tags) {
			t.Fatalf("ListTagsForResource %v != ListTagsLogGroup %v", a.Tags, b.Tags)
		}
		return a.Tags
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("new group tags = %v", got)
	}
	if _, err := e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: &g, Tags: map[string]string{"b": "two", "c": ""}}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), map[string]string{"a": "1", "b": "two", "c": ""}; !maps.Equal(got, want) {
		t.Fatalf("tags = %v; want %v", got, want)
	}
	if _, err := e.c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"a", "absent"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: &g, Tags: []string{"c"}}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), map[string]string{"b": "two"}; !maps.Equal(got, want) {
		t.Fatalf("tags = %v; want %v", got, want)
	}

	// 50 tags at most, counting those the resource has.
	many := map[string]string{}
	for i := range 49 {
		many[fmt.Sprintf("k%02d", i)] = "v"
	}
	if _, err := e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: &arn, Tags: many}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"one-more": "v"}})
	wantErrContains(t, err, "TooManyTagsException", "no more than 50 tags")
	var tooMany *types.TooManyTagsException
	if !errors.As(err, &tooMany) {
		t.Fatalf("error %T is not the SDK's TooManyTagsException", err)
	}
	_, err = e.c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: &g, Tags: map[string]string{"one-more": "v"}})
	wantErrContains(t, err, "InvalidParameterException", "no more than 50 tags")
	// Replacing an existing key is no new tag.
	if _, err := e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"b": "three"}}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		arn, code, msg string
	}{
		{arn + ":*", "InvalidParameterException", "resourceArn"},
		{groupARNPrefix + "missing", "ResourceNotFoundException", "The specified log group does not exist."},
		{"arn:aws:logs:eu-west-1:000000000000:log-group:" + g, "ResourceNotFoundException", "not in this account"},
		{"arn:aws:logs:us-east-1:000000000000:anomaly-detector:x", "InvalidParameterException", "take no tags"},
		{"arn:aws:ecs:us-east-1:000000000000:cluster/x", "InvalidParameterException", "Invalid resourceArn"},
	} {
		_, err := e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(tc.arn), Tags: map[string]string{"x": "y"}})
		wantErrContains(t, err, tc.code, tc.msg)
	}
	_, err = e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"AWS:reserved": "y"}})
	wantErrContains(t, err, "InvalidParameterException", "reserved")
	_, err = e.c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String("missing"), Tags: map[string]string{"x": "y"}})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = e.c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String("missing")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	// A tag value of 257 characters is quoted whole in the message.
	long := strings.Repeat("v", 257)
	_, err = e.c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"k": long}})
	wantErrContains(t, err, "InvalidParameterException", "'"+long+"'", "less than or equal to 256")
}

func TestLogs_KmsKeyAndListLogGroups(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	for _, g := range []string{"/aws/lambda/fn", "/ecs/api", "/ecs/web", "batch-jobs"} {
		if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(g)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/ecs/delivery"), LogGroupClass: types.LogGroupClassDelivery, Tags: map[string]string{"team": "ops"}}); err != nil {
		t.Fatal(err)
	}
	key := "arn:aws:kms:us-east-1:000000000000:key/k1"
	if _, err := e.c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{LogGroupName: aws.String("/ecs/api"), KmsKeyId: &key}); err != nil {
		t.Fatal(err)
	}
	desc := func(g string) types.LogGroup {
		t.Helper()
		out, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupIdentifiers: []string{g}})
		if err != nil || len(out.LogGroups) != 1 {
			t.Fatalf("describe %s: %v %v", g, out, err)
		}
		return out.LogGroups[0]
	}
	if got := aws.ToString(desc("/ecs/api").KmsKeyId); got != key {
		t.Fatalf("kmsKeyId = %q; want %q", got, key)
	}
	if _, err := e.c.DisassociateKmsKey(ctx, &cwl.DisassociateKmsKeyInput{ResourceIdentifier: aws.String(groupARNPrefix + "/ecs/api")}); err != nil {
		t.Fatal(err)
	}
	if got := desc("/ecs/api").KmsKeyId; got != nil {
		t.Fatalf("kmsKeyId after DisassociateKmsKey = %q", *got)
	}
	_, err := e.c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{LogGroupName: aws.String("/none"), KmsKeyId: &key})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	_, err = e.c.AssociateKmsKey(ctx, &cwl.AssociateKmsKeyInput{KmsKeyId: &key})
	wantErrContains(t, err, "InvalidParameterException", "logGroupName or resourceIdentifier")

	names := func(in *cwl.ListLogGroupsInput) []string {
		t.Helper()
		var got []string
		for {
			out, err := e.c.ListLogGroups(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range out.LogGroups {
				if !strings.HasPrefix(aws.ToString(g.LogGroupArn), groupARNPrefix) || g.LogGroupClass == "" {
					t.Fatalf("summary %+v", g)
				}
				got = append(got, aws.ToString(g.LogGroupName))
			}
			if out.NextToken == nil {
				return got
			}
			in.NextToken = out.NextToken
		}
	}
	for _, tc := range []struct {
		in   cwl.ListLogGroupsInput
		want []string
	}{
		{cwl.ListLogGroupsInput{}, []string{"/aws/lambda/fn", "/ecs/api", "/ecs/delivery", "/ecs/web", "batch-jobs"}},
		{cwl.ListLogGroupsInput{Limit: aws.Int32(2)}, []string{"/aws/lambda/fn", "/ecs/api", "/ecs/delivery", "/ecs/web", "batch-jobs"}},
		{cwl.ListLogGroupsInput{LogGroupNamePattern: aws.String("^/ECS|JOBS")}, []string{"/ecs/api", "/ecs/delivery", "/ecs/web", "batch-jobs"}},
		{cwl.ListLogGroupsInput{LogGroupNamePattern: aws.String("^web")}, nil},
		{cwl.ListLogGroupsInput{LogGroupClass: types.LogGroupClassDelivery}, []string{"/ecs/delivery"}},
		{cwl.ListLogGroupsInput{LogGroupTags: []types.TagFilter{{Key: aws.String("team"), Values: []string{"ops"}}}}, []string{"/ecs/delivery"}},
		{cwl.ListLogGroupsInput{LogGroupTags: []types.TagFilter{{Key: aws.String("team"), Values: []string{"dev"}}}}, nil},
	} {
		in := tc.in
		if got := names(&in); !slices.Equal(got, tc.want) {
			t.Errorf("ListLogGroups(%+v) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestLogs_SubscriptionFilters(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e := newEnv(t, dir)
	g := "/ecs/subscribed"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	lambda := "arn:aws:lambda:us-east-1:000000000000:function:ship"
	kinesis := "arn:aws:kinesis:us-east-1:000000000000:stream/logs"
	role := "arn:aws:iam::000000000000:role/cwl-to-kinesis"
	put := func(name, pattern, dest, role string) error {
		in := &cwl.PutSubscriptionFilterInput{LogGroupName: &g, FilterName: &name, FilterPattern: &pattern, DestinationArn: &dest}
		if role != "" {
			in.RoleArn = &role
		}
		_, err := e.c.PutSubscriptionFilter(ctx, in)
		return err
	}
	if err := put("all", "", lambda, ""); err != nil {
		t.Fatal(err)
	}
	if err := put("errors", "?ERROR ?WARN", kinesis, role); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, put("third", "", lambda, ""), "LimitExceededException", "Resource limit exceeded")
	// Replacing one of the two is allowed.
	if err := put("all", "level", lambda, ""); err != nil {
		t.Fatal(err)
	}
	wantErrContains(t, put("x", "", kinesis, ""), "InvalidParameterException", "roleArn is required")
	wantErrContains(t, put("x", "", "arn:aws:sqs:us-east-1:000000000000:q", ""), "InvalidParameterException", "Invalid destinationArn")
	wantErrContains(t, put("x", `{ $.level = "ERROR" `, lambda, ""), "InvalidParameterException")
	_, err := e.c.PutSubscriptionFilter(ctx, &cwl.PutSubscriptionFilterInput{LogGroupName: aws.String("none"), FilterName: aws.String("f"), FilterPattern: aws.String(""), DestinationArn: &lambda})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	// A logs destination of this account must exist.
	wantErrContains(t, put("x", "", "arn:aws:logs:us-east-1:000000000000:destination:nowhere", ""), "ResourceNotFoundException", "destination does not exist")

	check := func(e *env) {
		t.Helper()
		out, err := e.c.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: &g})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.SubscriptionFilters) != 2 {
			t.Fatalf("filters = %+v", out.SubscriptionFilters)
		}
		a, b := out.SubscriptionFilters[0], out.SubscriptionFilters[1]
		if aws.ToString(a.FilterName) != "all" || aws.ToString(a.FilterPattern) != "level" || aws.ToString(a.DestinationArn) != lambda || a.Distribution != types.DistributionByLogStream || aws.ToInt64(a.CreationTime) == 0 || aws.ToString(a.LogGroupName) != g {
			t.Fatalf("filter all = %+v", a)
		}
		if aws.ToString(b.FilterName) != "errors" || aws.ToString(b.RoleArn) != role || aws.ToString(b.DestinationArn) != kinesis {
			t.Fatalf("filter errors = %+v", b)
		}
	}
	check(e)
	check(newEnv(t, dir))
	out, err := e.c.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: &g, FilterNamePrefix: aws.String("err"), Limit: aws.Int32(1)})
	if err != nil || len(out.SubscriptionFilters) != 1 || aws.ToString(out.SubscriptionFilters[0].FilterName) != "errors" || out.NextToken != nil {
		t.Fatalf("prefix err: %+v %v", out, err)
	}
	out, err = e.c.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: &g, Limit: aws.Int32(1)})
	if err != nil || len(out.SubscriptionFilters) != 1 || out.NextToken == nil {
		t.Fatalf("limit 1: %+v %v", out, err)
	}
	out, err = e.c.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: &g, Limit: aws.Int32(1), NextToken: out.NextToken})
	if err != nil || len(out.SubscriptionFilters) != 1 || aws.ToString(out.SubscriptionFilters[0].FilterName) != "errors" {
		t.Fatalf("page 2: %+v %v", out, err)
	}
	if _, err := e.c.DeleteSubscriptionFilter(ctx, &cwl.DeleteSubscriptionFilterInput{LogGroupName: &g, FilterName: aws.String("all")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteSubscriptionFilter(ctx, &cwl.DeleteSubscriptionFilterInput{LogGroupName: &g, FilterName: aws.String("all")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified subscription filter does not exist.")
	// Deleting the group deletes its filters.
	if _, err := e.c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	out, err = e.c.DescribeSubscriptionFilters(ctx, &cwl.DescribeSubscriptionFiltersInput{LogGroupName: &g})
	if err != nil || len(out.SubscriptionFilters) != 0 {
		t.Fatalf("after recreate: %+v %v", out, err)
	}
}

func TestLogs_Destinations(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	target := "arn:aws:kinesis:us-east-1:000000000000:stream/central"
	role := "arn:aws:iam::000000000000:role/cwl"
	out, err := e.c.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("central"), TargetArn: &target, RoleArn: &role, Tags: map[string]string{"team": "ops"}})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Destination
	darn := "arn:aws:logs:us-east-1:000000000000:destination:central"
	if aws.ToString(d.Arn) != darn || aws.ToString(d.TargetArn) != target || aws.ToInt64(d.CreationTime) == 0 || d.AccessPolicy != nil {
		t.Fatalf("destination = %+v", d)
	}
	tags, err := e.c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: &darn})
	if err != nil || tags.Tags["team"] != "ops" {
		t.Fatalf("destination tags = %v %v", tags, err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"logs:PutSubscriptionFilter","Resource":"` + darn + `"}]}`
	if _, err := e.c.PutDestinationPolicy(ctx, &cwl.PutDestinationPolicyInput{DestinationName: aws.String("central"), AccessPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.PutDestinationPolicy(ctx, &cwl.PutDestinationPolicyInput{DestinationName: aws.String("central"), AccessPolicy: aws.String("allow all")})
	wantErrContains(t, err, "InvalidParameterException", "accessPolicy")
	_, err = e.c.PutDestinationPolicy(ctx, &cwl.PutDestinationPolicyInput{DestinationName: aws.String("none"), AccessPolicy: &policy})
	wantErrContains(t, err, "InvalidParameterException", "The specified destination does not exist")
	_, err = e.c.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("bad"), TargetArn: aws.String("arn:aws:lambda:us-east-1:000000000000:function:f"), RoleArn: &role})
	wantErrContains(t, err, "InvalidParameterException", "Invalid targetArn")
	if _, err := e.c.PutDestination(ctx, &cwl.PutDestinationInput{DestinationName: aws.String("other"), TargetArn: aws.String("arn:aws:firehose:us-east-1:000000000000:deliverystream/f"), RoleArn: &role}); err != nil {
		t.Fatal(err)
	}
	desc, err := e.c.DescribeDestinations(ctx, &cwl.DescribeDestinationsInput{DestinationNamePrefix: aws.String("cen")})
	if err != nil || len(desc.Destinations) != 1 || aws.ToString(desc.Destinations[0].AccessPolicy) != policy {
		t.Fatalf("describe = %+v %v", desc, err)
	}
	// A subscription filter can send to it now.
	g := "to-central"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.PutSubscriptionFilter(ctx, &cwl.PutSubscriptionFilterInput{LogGroupName: &g, FilterName: aws.String("c"), FilterPattern: aws.String(""), DestinationArn: &darn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.DeleteDestination(ctx, &cwl.DeleteDestinationInput{DestinationName: aws.String("central")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteDestination(ctx, &cwl.DeleteDestinationInput{DestinationName: aws.String("central")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified destination does not exist.")
	_, err = e.c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: &darn})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified destination does not exist.")
	desc, err = e.c.DescribeDestinations(ctx, &cwl.DescribeDestinationsInput{})
	if err != nil || len(desc.Destinations) != 1 || aws.ToString(desc.Destinations[0].DestinationName) != "other" {
		t.Fatalf("describe after delete = %+v %v", desc, err)
	}
}

func TestLogs_ResourcePolicies(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"route53.amazonaws.com"},"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}`
	for i := range 10 {
		out, err := e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String(fmt.Sprintf("p%d", i)), PolicyDocument: &doc})
		if err != nil {
			t.Fatal(err)
		}
		p := out.ResourcePolicy
		if p.PolicyScope != types.PolicyScopeAccount || aws.ToInt64(p.LastUpdatedTime) == 0 || aws.ToString(p.PolicyDocument) != doc {
			t.Fatalf("policy = %+v", p)
		}
	}
	_, err := e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p10"), PolicyDocument: &doc})
	wantErrContains(t, err, "LimitExceededException", "Resource limit exceeded")
	// Replacing one is not a new one.
	if _, err := e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p3"), PolicyDocument: &doc}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p3"), PolicyDocument: aws.String("{not json")})
	wantErrContains(t, err, "InvalidParameterException", "policyDocument")
	_, err = e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{PolicyName: aws.String("p3"), PolicyDocument: aws.String("{" + strings.Repeat(" ", 51200) + "}")})
	wantErrContains(t, err, "InvalidParameterException", "51200")
	var got []string
	var tok *string
	for {
		out, err := e.c.DescribeResourcePolicies(ctx, &cwl.DescribeResourcePoliciesInput{Limit: aws.Int32(4), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.ResourcePolicies {
			got = append(got, aws.ToString(p.PolicyName))
		}
		if tok = out.NextToken; tok == nil {
			break
		}
	}
	if len(got) != 10 || !slices.IsSorted(got) {
		t.Fatalf("policies = %q", got)
	}
	if _, err := e.c.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{PolicyName: aws.String("p0")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{PolicyName: aws.String("p0")})
	wantErrContains(t, err, "ResourceNotFoundException", "p0")

	// A log group's own policy, with revisions.
	g := "with-policy"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	arn := groupARNPrefix + g
	out, err := e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{ResourceArn: &arn, PolicyDocument: &doc})
	if err != nil {
		t.Fatal(err)
	}
	rev := aws.ToString(out.RevisionId)
	if out.ResourcePolicy.PolicyScope != types.PolicyScopeResource || rev == "" || aws.ToString(out.ResourcePolicy.ResourceArn) != arn {
		t.Fatalf("resource policy = %+v", out)
	}
	_, err = e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{ResourceArn: &arn, PolicyDocument: &doc, ExpectedRevisionId: aws.String("stale")})
	wantErrContains(t, err, "OperationAbortedException", "stale")
	out2, err := e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{ResourceArn: &arn, PolicyDocument: &doc, ExpectedRevisionId: &rev})
	if err != nil || aws.ToString(out2.RevisionId) == rev {
		t.Fatalf("update: %+v %v", out2, err)
	}
	d, err := e.c.DescribeResourcePolicies(ctx, &cwl.DescribeResourcePoliciesInput{ResourceArn: &arn})
	if err != nil || len(d.ResourcePolicies) != 1 || aws.ToString(d.ResourcePolicies[0].RevisionId) != aws.ToString(out2.RevisionId) {
		t.Fatalf("describe resource policy: %+v %v", d, err)
	}
	_, err = e.c.PutResourcePolicy(ctx, &cwl.PutResourcePolicyInput{ResourceArn: aws.String(groupARNPrefix + "missing"), PolicyDocument: &doc})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")
	if _, err := e.c.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{ResourceArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteResourcePolicy(ctx, &cwl.DeleteResourcePolicyInput{ResourceArn: &arn})
	wantErrContains(t, err, "ResourceNotFoundException", arn)
}
