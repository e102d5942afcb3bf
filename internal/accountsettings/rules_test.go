package accountsettings

import (
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func TestRulesCoverTheModel(t *testing.T) {
	for _, n := range ecsmodel.SettingName("").Values() {
		r, ok := Rules[ecsmodel.SettingName(n)]
		if !ok {
			t.Errorf("no rule for %s", n)
			continue
		}
		if r.Type != ecsmodel.SettingTypeAwsManaged {
			if err := CheckPut(ecsmodel.SettingName(n), r.Default, true); err != nil {
				t.Errorf("%s: its default %q is refused: %v", n, r.Default, err)
			}
		}
	}
}

func TestCheckPut(t *testing.T) {
	for _, tt := range []struct {
		name  ecsmodel.SettingName
		value string
		root  bool
		err   string
	}{
		{"containerInsights", "enhanced", false, ""},
		{"containerInsights", "on", true, "enabled, disabled, enhanced"},
		{"serviceLongArnFormat", "enabled", false, ""},
		{"serviceLongArnFormat", "disabled", true, `only accepted value is "enabled"`},
		{"fargateTaskRetirementWaitPeriod", "0", true, ""},
		{"fargateTaskRetirementWaitPeriod", "7", false, "root user"},
		{"fargateTaskRetirementWaitPeriod", "30", true, "0, 7, 14"},
		{"tagResourceAuthorization", "off", false, ""},
		{"defaultLogDriverMode", "non-blocking", false, ""},
		{"defaultLogDriverMode", "enabled", false, "blocking, non-blocking"},
		{"guardDutyActivate", "enabled", true, "read-only"},
		{"nope", "enabled", true, "not an account setting"},
	} {
		err := CheckPut(tt.name, tt.value, tt.root)
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("CheckPut(%s, %q, root=%v) = %v; want %q", tt.name, tt.value, tt.root, err, tt.err)
		}
	}
}

func TestCheckPrincipal(t *testing.T) {
	acct := ecs.Account{ID: "123456789012", Region: "us-east-1"}
	for p, ok := range map[string]bool{
		"arn:aws:iam::123456789012:root":            true,
		"arn:aws:iam::123456789012:user/alice":      true,
		"arn:aws:iam::123456789012:role/path/ci":    true,
		"arn:aws:iam::210987654321:user/alice":      false,
		"arn:aws:iam::123456789012:group/admins":    false,
		"arn:aws:sts::123456789012:assumed-role/ci": false,
		"alice": false,
	} {
		if err := CheckPrincipal(acct, p); (err == nil) != ok {
			t.Errorf("CheckPrincipal(%s) = %v; want ok %v", p, err, ok)
		}
	}
	if RootARN(acct) != "arn:aws:iam::123456789012:root" {
		t.Errorf("RootARN = %s", RootARN(acct))
	}
}

func TestEffective(t *testing.T) {
	root, user := "arn:aws:iam::1:root", "arn:aws:iam::1:user/u"
	set := map[string]map[ecsmodel.SettingName]string{
		root: {"containerInsights": "enabled", "awsvpcTrunking": "enabled"},
		user: {"containerInsights": "disabled"},
	}
	for _, tt := range []struct {
		principal string
		name      ecsmodel.SettingName
		want      string
	}{
		{user, "containerInsights", "disabled"},        // its own
		{user, "awsvpcTrunking", "enabled"},            // the account default
		{user, "fargateTaskRetirementWaitPeriod", "7"}, // ECS's default
		{root, "containerInsights", "enabled"},         // the root user's is the default
		{"arn:aws:iam::1:role/r", "containerInsights", "enabled"},
	} {
		if got := Effective(set, root, tt.principal, tt.name); got != tt.want {
			t.Errorf("Effective(%s, %s) = %q; want %q", tt.principal, tt.name, got, tt.want)
		}
	}
}
