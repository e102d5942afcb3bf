package logsapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestLogs_AccountAndDataProtectionPolicies(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	e := newEnv(t, dir)
	sub := `{"DestinationArn":"arn:aws:lambda:us-east-1:000000000000:function:ship","FilterPattern":""}`
	for _, n := range []string{"a", "b"} {
		out, err := e.c.PutAccountPolicy(ctx, &cwl.PutAccountPolicyInput{PolicyName: aws.String(n), PolicyType: types.PolicyTypeSubscriptionFilterPolicy, PolicyDocument: &sub, SelectionCriteria: aws.String(`LogGroupName NOT IN ["x"]`)})
		if err != nil {
			t.Fatal(err)
		}
		if p := out.AccountPolicy; aws.ToString(p.AccountId) != "000000000000" || p.Scope != types.ScopeAll || aws.ToInt64(p.LastUpdatedTime) == 0 {
			t.Fatalf("account policy = %+v", p)
		}
	}
	_, err := e.c.PutAccountPolicy(ctx, &cwl.PutAccountPolicyInput{PolicyName: aws.String("c"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy, PolicyDocument: &sub})
	wantErrContains(t, err, "LimitExceededException", "at most 2")
	_, err = e.c.PutAccountPolicy(ctx, &cwl.PutAccountPolicyInput{PolicyName: aws.String("c"), PolicyType: types.PolicyTypeTransformerPolicy, PolicyDocument: aws.String("nope")})
	wantErrContains(t, err, "InvalidParameterException", "policyDocument")
	d, err := newEnv(t, dir).c.DescribeAccountPolicies(ctx, &cwl.DescribeAccountPoliciesInput{PolicyType: types.PolicyTypeSubscriptionFilterPolicy})
	if err != nil || len(d.AccountPolicies) != 2 {
		t.Fatalf("describe = %+v %v", d, err)
	}
	if _, err := e.c.DeleteAccountPolicy(ctx, &cwl.DeleteAccountPolicyInput{PolicyName: aws.String("a"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteAccountPolicy(ctx, &cwl.DeleteAccountPolicyInput{PolicyName: aws.String("a"), PolicyType: types.PolicyTypeSubscriptionFilterPolicy})
	wantErrContains(t, err, "ResourceNotFoundException", "[a]")

	g := "/pii"
	if _, err := e.c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: &g}); err != nil {
		t.Fatal(err)
	}
	dp := `{"Name":"p","Version":"2021-06-01","Statement":[{"Sid":"audit","DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],"Operation":{"Audit":{"FindingsDestination":{}}}},{"Sid":"redact","DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],"Operation":{"Deidentify":{"MaskConfig":{}}}}]}`
	if _, err := e.c.PutDataProtectionPolicy(ctx, &cwl.PutDataProtectionPolicyInput{LogGroupIdentifier: &g, PolicyDocument: &dp}); err != nil {
		t.Fatal(err)
	}
	gp, err := e.c.GetDataProtectionPolicy(ctx, &cwl.GetDataProtectionPolicyInput{LogGroupIdentifier: aws.String(groupARNPrefix + g)})
	if err != nil || aws.ToString(gp.PolicyDocument) != dp {
		t.Fatalf("get = %+v %v", gp, err)
	}
	if _, err := e.c.PutBearerTokenAuthentication(ctx, &cwl.PutBearerTokenAuthenticationInput{LogGroupIdentifier: &g, BearerTokenAuthenticationEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	lg, err := e.c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: &g})
	if err != nil || len(lg.LogGroups) != 1 || lg.LogGroups[0].DataProtectionStatus != types.DataProtectionStatusActivated || !aws.ToBool(lg.LogGroups[0].BearerTokenAuthenticationEnabled) {
		t.Fatalf("group = %+v %v", lg, err)
	}
	_, err = e.c.PutDataProtectionPolicy(ctx, &cwl.PutDataProtectionPolicyInput{LogGroupIdentifier: &g, PolicyDocument: aws.String(`{"Name":"x"}`)})
	wantErrContains(t, err, "InvalidParameterException", "Statement")
	if _, err := e.c.DeleteDataProtectionPolicy(ctx, &cwl.DeleteDataProtectionPolicyInput{LogGroupIdentifier: &g}); err != nil {
		t.Fatal(err)
	}
	_, err = e.c.DeleteDataProtectionPolicy(ctx, &cwl.DeleteDataProtectionPolicyInput{LogGroupIdentifier: &g})
	wantErrContains(t, err, "ResourceNotFoundException", g)
	_, err = e.c.GetDataProtectionPolicy(ctx, &cwl.GetDataProtectionPolicyInput{LogGroupIdentifier: aws.String("/none")})
	wantAPIError(t, err, "ResourceNotFoundException", "The specified log group does not exist.")

	st, err := e.c.GetStorageTierPolicy(ctx, &cwl.GetStorageTierPolicyInput{})
	if err != nil || st.StorageTier != types.StorageTierStandard {
		t.Fatalf("storage tier = %+v %v", st, err)
	}
	if _, err := e.c.PutStorageTierPolicy(ctx, &cwl.PutStorageTierPolicyInput{StorageTier: types.StorageTierIntelligentTiering}); err != nil {
		t.Fatal(err)
	}
	st, err = e.c.GetStorageTierPolicy(ctx, &cwl.GetStorageTierPolicyInput{})
	if err != nil || st.StorageTier != types.StorageTierIntelligentTiering || aws.ToInt64(st.LastUpdatedTime) == 0 {
		t.Fatalf("storage tier = %+v %v", st, err)
	}
}

func TestLogs_Refusals(t *testing.T) {
	ctx := testCtx(t)
	e := newEnv(t, t.TempDir())
	_, err := e.c.CreateImportTask(ctx, &cwl.CreateImportTaskInput{ImportSourceArn: aws.String("arn:aws:cloudtrail:us-east-1:000000000000:eventdatastore/x"), ImportRoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
	wantErrContains(t, err, "InvalidOperationException", "CreateImportTask", "CloudTrail Lake", "PutLogEvents")
	_, err = e.c.ListIntegrations(ctx, &cwl.ListIntegrationsInput{})
	wantErrContains(t, err, "InvalidOperationException", "ListIntegrations", "OpenSearch")
}
