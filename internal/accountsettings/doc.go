// Package accountsettings holds the ECS account settings
// (PutAccountSetting, PutAccountSettingDefault, ListAccountSettings,
// DeleteAccountSetting): which values ECS accepts for each setting, the
// precedence of a principal's own setting over the account default (the
// root user's setting) over ECS's built-in default, and their storage in
// SQLite.
//
// ecsrun has no IAM: every request acts as the account's root user, so a
// setting put without principalArn is the account default. Settings of
// other principals (IAM users and roles of the account) are stored and
// listed as ECS does.
package accountsettings
