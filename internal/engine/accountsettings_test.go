package engine

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestAccountSettingsAPI drives the account settings through the SDK:
// values checked as ECS does, principal settings over the account default
// over ECS's default, filters and pages, a restart, and containerInsights
// as the default of new clusters.
func TestAccountSettingsAPI(t *testing.T) {
	h, _, _ := newFakeHarness(t)
	c := ctx(t)
	root := "arn:aws:iam::000000000000:root"
	user := "arn:aws:iam::000000000000:user/alice"

	// A fresh account: nothing set, every setting has ECS's default.
	got, err := h.ecs.ListAccountSettings(c, &awsecs.ListAccountSettingsInput{})
	if err != nil || len(got.Settings) != 0 {
		t.Fatalf("fresh ListAccountSettings: %v %+v", err, got)
	}
	eff := map[types.SettingName]string{}
	var token *string
	for pages := 0; ; pages++ {
		out, err := h.ecs.ListAccountSettings(c, &awsecs.ListAccountSettingsInput{EffectiveSettings: true, MaxResults: 4, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Settings) > 4 {
			t.Fatalf("page of %d settings, asked at most 4", len(out.Settings))
		}
		for _, s := range out.Settings {
			eff[s.Name] = aws.ToString(s.Value)
			if aws.ToString(s.PrincipalArn) != root {
				t.Errorf("%s: principal %q, want %q", s.Name, aws.ToString(s.PrincipalArn), root)
			}
			wantType := types.SettingTypeUser
			if s.Name == types.SettingNameGuardDutyActivate {
				wantType = types.SettingTypeAwsManaged
			}
			if s.Type != wantType {
				t.Errorf("%s: type %q, want %q", s.Name, s.Type, wantType)
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(eff) != len(types.SettingName("").Values()) || eff["containerInsights"] != "disabled" || eff["taskLongArnFormat"] != "enabled" ||
		eff["fargateTaskRetirementWaitPeriod"] != "7" || eff["defaultLogDriverMode"] != "non-blocking" || eff["tagResourceAuthorization"] != "on" {
		t.Errorf("effective defaults: %v", eff)
	}

	// Values ECS refuses.
	for _, bad := range []struct {
		in  awsecs.PutAccountSettingInput
		msg string
	}{
		{awsecs.PutAccountSettingInput{Name: "containerInsights", Value: aws.String("on-ish")}, "enabled, disabled, enhanced"},
		{awsecs.PutAccountSettingInput{Name: "taskLongArnFormat", Value: aws.String("disabled")}, `only accepted value is "enabled"`},
		{awsecs.PutAccountSettingInput{Name: "fargateTaskRetirementWaitPeriod", Value: aws.String("3")}, "0, 7, 14"},
		{awsecs.PutAccountSettingInput{Name: "fargateTaskRetirementWaitPeriod", Value: aws.String("14"), PrincipalArn: aws.String(user)}, "root user"},
		{awsecs.PutAccountSettingInput{Name: "guardDutyActivate", Value: aws.String("enabled")}, "read-only"},
		{awsecs.PutAccountSettingInput{Name: "awsvpcTrunking", Value: aws.String("enabled"), PrincipalArn: aws.String("arn:aws:iam::111111111111:user/bob")}, "belongs to account 111111111111"},
		{awsecs.PutAccountSettingInput{Name: "awsvpcTrunking", Value: aws.String("enabled"), PrincipalArn: aws.String("bob")}, "is not valid"},
	} {
		_, err := h.ecs.PutAccountSetting(c, &bad.in)
		apiErr(t, "PutAccountSetting "+string(bad.in.Name)+"="+aws.ToString(bad.in.Value), err, "InvalidParameterException", bad.msg)
	}
	_, err = h.ecs.ListAccountSettings(c, &awsecs.ListAccountSettingsInput{Value: aws.String("enabled")})
	apiErr(t, "ListAccountSettings value without name", err, "InvalidParameterException", "together with name")

	// The account default, and a user's own setting over it.
	d, err := h.ecs.PutAccountSettingDefault(c, &awsecs.PutAccountSettingDefaultInput{Name: "containerInsights", Value: aws.String("enhanced")})
	if err != nil || aws.ToString(d.Setting.PrincipalArn) != root || aws.ToString(d.Setting.Value) != "enhanced" {
		t.Fatalf("PutAccountSettingDefault: %v %+v", err, d)
	}
	p, err := h.ecs.PutAccountSetting(c, &awsecs.PutAccountSettingInput{Name: "containerInsights", Value: aws.String("disabled"), PrincipalArn: aws.String(user)})
	if err != nil || aws.ToString(p.Setting.PrincipalArn) != user {
		t.Fatalf("PutAccountSetting for a user: %v %+v", err, p)
	}
	if _, err := h.ecs.PutAccountSetting(c, &awsecs.PutAccountSettingInput{Name: "defaultLogDriverMode", Value: aws.String("blocking")}); err != nil {
		t.Fatal(err)
	}
	value := func(principal string, name types.SettingName, effective bool) string {
		t.Helper()
		in := &awsecs.ListAccountSettingsInput{Name: name, EffectiveSettings: effective}
		if principal != "" {
			in.PrincipalArn = aws.String(principal)
		}
		out, err := h.ecs.ListAccountSettings(c, in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Settings) == 0 {
			return ""
		}
		return aws.ToString(out.Settings[0].Value)
	}
	if v := value(user, "containerInsights", true); v != "disabled" {
		t.Errorf("user's effective containerInsights %q, want its own disabled", v)
	}
	if v := value(user, "defaultLogDriverMode", true); v != "blocking" {
		t.Errorf("user's effective defaultLogDriverMode %q, want the account default blocking", v)
	}
	if v := value(user, "defaultLogDriverMode", false); v != "" {
		t.Errorf("user's own defaultLogDriverMode %q, want none", v)
	}
	out, err := h.ecs.ListAccountSettings(c, &awsecs.ListAccountSettingsInput{Name: "containerInsights", Value: aws.String("enhanced")})
	if err != nil || len(out.Settings) != 1 {
		t.Errorf("filter by name and value: %v %+v", err, out)
	}

	// Settings survive a restart; containerInsights is new clusters' default.
	h.close()
	h.open()
	if v := value("", "containerInsights", false); v != "enhanced" {
		t.Errorf("after restart containerInsights %q, want enhanced", v)
	}
	cl, err := h.ecs.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("insights")})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Cluster.Settings) != 1 || aws.ToString(cl.Cluster.Settings[0].Value) != "enhanced" {
		t.Errorf("new cluster's settings %+v, want containerInsights enhanced (the account default)", cl.Cluster.Settings)
	}
	cl, err = h.ecs.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("plain"),
		Settings: []types.ClusterSetting{{Name: "containerInsights", Value: aws.String("disabled")}}})
	if err != nil || aws.ToString(cl.Cluster.Settings[0].Value) != "disabled" {
		t.Errorf("cluster with its own setting: %v %+v", err, cl)
	}

	// Deleting the user's setting leaves it with the account default.
	del, err := h.ecs.DeleteAccountSetting(c, &awsecs.DeleteAccountSettingInput{Name: "containerInsights", PrincipalArn: aws.String(user)})
	if err != nil || aws.ToString(del.Setting.Value) != "disabled" {
		t.Errorf("DeleteAccountSetting: %v %+v", err, del)
	}
	if v := value(user, "containerInsights", true); v != "enhanced" {
		t.Errorf("after delete, user's effective containerInsights %q, want the default enhanced", v)
	}
	if _, err := h.ecs.DeleteAccountSetting(c, &awsecs.DeleteAccountSettingInput{Name: "containerInsights"}); err != nil {
		t.Fatal(err)
	}
	if v := value("", "containerInsights", true); v != "disabled" {
		t.Errorf("after deleting the default, containerInsights %q, want ECS's disabled", v)
	}
}

// TestUpdateClusterAPI drives UpdateCluster and UpdateClusterSettings, and
// what DescribeClusters includes.
func TestUpdateClusterAPI(t *testing.T) {
	h, _, _ := newFakeHarness(t)
	c := ctx(t)
	cr, err := h.ecs.CreateCluster(c, &awsecs.CreateClusterInput{ClusterName: aws.String("conf"),
		ServiceConnectDefaults: &types.ClusterServiceConnectDefaultsRequest{Namespace: aws.String("local")}})
	if err != nil {
		t.Fatal(err)
	}
	ns := aws.ToString(cr.Cluster.ServiceConnectDefaults.Namespace)
	if want := "arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-"; len(ns) != len(want)+16 || ns[:len(want)] != want {
		t.Errorf("namespace ARN %q", ns)
	}
	up, err := h.ecs.UpdateCluster(c, &awsecs.UpdateClusterInput{Cluster: aws.String("conf"),
		Configuration: &types.ClusterConfiguration{
			ExecuteCommandConfiguration: &types.ExecuteCommandConfiguration{Logging: types.ExecuteCommandLoggingOverride, KmsKeyId: aws.String("alias/k"),
				LogConfiguration: &types.ExecuteCommandLogConfiguration{CloudWatchLogGroupName: aws.String("/exec")}},
			ManagedStorageConfiguration: &types.ManagedStorageConfiguration{FargateEphemeralStorageKmsKeyId: aws.String("alias/f")},
		},
		Settings: []types.ClusterSetting{{Name: "containerInsights", Value: aws.String("enabled")}}})
	if err != nil {
		t.Fatal(err)
	}
	if x := up.Cluster.Configuration; x == nil || aws.ToString(x.ExecuteCommandConfiguration.LogConfiguration.CloudWatchLogGroupName) != "/exec" ||
		aws.ToString(x.ManagedStorageConfiguration.FargateEphemeralStorageKmsKeyId) != "alias/f" {
		t.Errorf("UpdateCluster configuration: %+v", x)
	}
	if aws.ToString(up.Cluster.ServiceConnectDefaults.Namespace) != ns {
		t.Errorf("UpdateCluster without serviceConnectDefaults changed them: %+v", up.Cluster.ServiceConnectDefaults)
	}
	_, err = h.ecs.UpdateCluster(c, &awsecs.UpdateClusterInput{Cluster: aws.String("conf"),
		Configuration: &types.ClusterConfiguration{ExecuteCommandConfiguration: &types.ExecuteCommandConfiguration{Logging: types.ExecuteCommandLoggingOverride}}})
	apiErr(t, "OVERRIDE without logConfiguration", err, "InvalidParameterException", "logConfiguration is required")
	_, err = h.ecs.UpdateClusterSettings(c, &awsecs.UpdateClusterSettingsInput{Cluster: aws.String("conf"),
		Settings: []types.ClusterSetting{{Name: "containerInsights", Value: aws.String("maybe")}}})
	apiErr(t, "bad containerInsights", err, "InvalidParameterException", "enabled, disabled, enhanced")
	_, err = h.ecs.UpdateClusterSettings(c, &awsecs.UpdateClusterSettingsInput{Cluster: aws.String("nope"),
		Settings: []types.ClusterSetting{{Name: "containerInsights", Value: aws.String("enabled")}}})
	apiErr(t, "unknown cluster", err, "ClusterNotFoundException", "Cluster not found")
	us, err := h.ecs.UpdateClusterSettings(c, &awsecs.UpdateClusterSettingsInput{Cluster: aws.String("conf"),
		Settings: []types.ClusterSetting{{Name: "containerInsights", Value: aws.String("enhanced")}}})
	if err != nil || len(us.Cluster.Settings) != 1 || aws.ToString(us.Cluster.Settings[0].Value) != "enhanced" {
		t.Fatalf("UpdateClusterSettings: %v %+v", err, us)
	}

	h.close()
	h.open()
	plain, err := h.ecs.DescribeClusters(c, &awsecs.DescribeClustersInput{Clusters: []string{"conf"}})
	if err != nil || len(plain.Clusters) != 1 {
		t.Fatal(err)
	}
	if len(plain.Clusters[0].Settings) != 0 || plain.Clusters[0].Configuration != nil {
		t.Errorf("DescribeClusters without include: settings %+v configuration %+v", plain.Clusters[0].Settings, plain.Clusters[0].Configuration)
	}
	full, err := h.ecs.DescribeClusters(c, &awsecs.DescribeClustersInput{Clusters: []string{"conf"}, Include: []types.ClusterField{types.ClusterFieldSettings, types.ClusterFieldConfigurations}})
	if err != nil {
		t.Fatal(err)
	}
	f := full.Clusters[0]
	if len(f.Settings) != 1 || aws.ToString(f.Settings[0].Value) != "enhanced" || f.Configuration == nil ||
		aws.ToString(f.Configuration.ExecuteCommandConfiguration.KmsKeyId) != "alias/k" || aws.ToString(f.ServiceConnectDefaults.Namespace) != ns {
		t.Errorf("DescribeClusters with SETTINGS and CONFIGURATIONS after a restart: %+v", f)
	}
}
