package accountsettings

import (
	"regexp"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Rule is what ECS accepts for one setting.
type Rule struct {
	// Default is the value in effect when neither the principal nor the
	// account sets one (ECS's value for an account created today).
	Default string
	// Values are the values PutAccountSetting accepts.
	Values []string
	// Type is aws_managed for the settings AWS manages (read-only).
	Type ecsmodel.SettingType
	// RootOnly: only the root user (the account default) may set it.
	RootOnly bool
}

// Rules holds the rule of every setting of the model's SettingName enum.
var Rules = map[ecsmodel.SettingName]Rule{
	// The long ARN formats are mandatory on ECS today: "disabled" is
	// refused.
	ecsmodel.SettingNameServiceLongArnFormat:           {Default: "enabled", Values: []string{"enabled"}},
	ecsmodel.SettingNameTaskLongArnFormat:              {Default: "enabled", Values: []string{"enabled"}},
	ecsmodel.SettingNameContainerInstanceLongArnFormat: {Default: "enabled", Values: []string{"enabled"}},
	ecsmodel.SettingNameAwsvpcTrunking:                 {Default: "disabled", Values: []string{"enabled", "disabled"}},
	ecsmodel.SettingNameContainerInsights:              {Default: "disabled", Values: []string{"enabled", "disabled", "enhanced"}},
	ecsmodel.SettingNameFargateFIPSMode:                {Default: "disabled", Values: []string{"enabled", "disabled"}},
	// ECS documents on/off for tag authorization; enabled/disabled are
	// accepted as their synonyms.
	ecsmodel.SettingNameTagResourceAuthorization:        {Default: "on", Values: []string{"on", "off", "enabled", "disabled"}},
	ecsmodel.SettingNameFargateTaskRetirementWaitPeriod: {Default: "7", Values: []string{"0", "7", "14"}, RootOnly: true},
	ecsmodel.SettingNameGuardDutyActivate:               {Default: "disabled", Values: []string{"enabled", "disabled"}, Type: ecsmodel.SettingTypeAwsManaged},
	ecsmodel.SettingNameDefaultLogDriverMode:            {Default: "non-blocking", Values: []string{"blocking", "non-blocking"}},
	ecsmodel.SettingNameFargateEventWindows:             {Default: "disabled", Values: []string{"enabled", "disabled"}},
}

// settingType returns the type a setting is listed with.
func settingType(name ecsmodel.SettingName) ecsmodel.SettingType {
	if t := Rules[name].Type; t != "" {
		return t
	}
	return ecsmodel.SettingTypeUser
}

// principalRE matches the principals settings may be set for: the root
// user, IAM users and IAM roles (with paths).
var principalRE = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::(\d{12}):(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)$`)

// RootARN returns the ARN of the account's root user.
func RootARN(acct ecs.Account) string {
	p := acct.Partition
	if p == "" {
		p = "aws"
	}
	return "arn:" + p + ":iam::" + acct.ID + ":root"
}

// CheckPrincipal checks that principal is the root user, an IAM user or an
// IAM role of acct.
func CheckPrincipal(acct ecs.Account, principal string) error {
	m := principalRE.FindStringSubmatch(principal)
	if m == nil {
		return ecs.Errorf(ecs.ErrInvalidParameter, "principalArn %q is not valid: give the ARN of the root user (arn:aws:iam::%s:root), an IAM user (arn:aws:iam::%s:user/NAME) or an IAM role (arn:aws:iam::%s:role/NAME).", principal, acct.ID, acct.ID, acct.ID)
	}
	if m[2] != acct.ID {
		return ecs.Errorf(ecs.ErrInvalidParameter, "principalArn %q belongs to account %s; account settings can only be set for principals of account %s.", principal, m[2], acct.ID)
	}
	return nil
}

// CheckPut checks that value may be set for the setting name by principal
// (root tells whether principal is the root user).
func CheckPut(name ecsmodel.SettingName, value string, root bool) error {
	r, ok := Rules[name]
	if !ok {
		return ecs.Errorf(ecs.ErrInvalidParameter, "name %q is not an account setting; use one of %s.", name, strings.Join(ecsmodel.SettingName("").Values(), ", "))
	}
	if r.Type == ecsmodel.SettingTypeAwsManaged {
		return ecs.Errorf(ecs.ErrInvalidParameter, "The %s account setting is read-only: AWS manages it (Amazon GuardDuty sets it for ECS Runtime Monitoring).", name)
	}
	if !slices.Contains(r.Values, value) {
		if len(r.Values) == 1 {
			return ecs.Errorf(ecs.ErrInvalidParameter, "The value %q is not valid for %s: the long ARN format can no longer be opted out of; the only accepted value is %q.", value, name, r.Values[0])
		}
		return ecs.Errorf(ecs.ErrInvalidParameter, "The value %q is not valid for %s; use one of: %s.", value, name, strings.Join(r.Values, ", "))
	}
	if r.RootOnly && !root {
		return ecs.Errorf(ecs.ErrInvalidParameter, "The %s account setting can only be set by the root user: omit principalArn or give the root user's ARN.", name)
	}
	return nil
}

// Effective returns the value in effect for principal: its own setting,
// else the account default (the root user's setting), else ECS's default.
// set holds the stored values by principal and name.
func Effective(set map[string]map[ecsmodel.SettingName]string, root, principal string, name ecsmodel.SettingName) string {
	if v, ok := set[principal][name]; ok {
		return v
	}
	if v, ok := set[root][name]; ok {
		return v
	}
	return Rules[name].Default
}
