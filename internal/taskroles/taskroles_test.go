package taskroles

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse_Invalid(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no role", "roles: [{profile: dev}]", "roleArn is required"},
		{"both", "roles: [{roleArn: a, profile: dev, accessKeyId: k, secretAccessKey: s}]", "not both"},
		{"half keys", "roles: [{roleArn: a, accessKeyId: k}]", "accessKeyId and secretAccessKey"},
		{"twice", "roles: [{roleArn: a, profile: p}, {roleArn: a, profile: q}]", "mapped twice"},
		{"unknown member", "roles: [{roleArn: a, profil: p}]", "unknown field"},
		{"not yaml", "roles: [", "invalid task roles file"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		if !errors.Is(err, ErrInvalidFile) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse(%q) = %v; want ErrInvalidFile saying %q", tt.name, tt.in, err, tt.want)
		}
	}
	for _, in := range []string{"", "roles: []", "{}", `{"roles":[{"roleArn":"a","profile":"p"}]}`} {
		if _, err := Parse([]byte(in)); err != nil {
			t.Errorf("Parse(%q): %v", in, err)
		}
	}
}

func TestMapping_Find(t *testing.T) {
	m, err := Parse([]byte(`
roles:
  - {roleArn: "arn:aws:iam::111111111111:role/app", profile: exact}
  - {roleArn: worker, profile: byname}
  - {roleArn: "arn:aws:iam::222222222222:role/svc/batch", profile: arnname}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ role, want string }{
		{"arn:aws:iam::111111111111:role/app", "exact"},
		{"arn:aws:iam::999999999999:role/worker", "byname"},
		{"arn:aws:iam::999999999999:role/team/worker", "byname"},
		{"worker", "byname"},
		{"batch", "arnname"},
		{"arn:aws:iam::999999999999:role/app", ""}, // another account's app role
		{"other", ""},
	}
	for _, tt := range tests {
		r, ok := m.Find(tt.role)
		if got := r.Profile; ok != (tt.want != "") || got != tt.want {
			t.Errorf("Find(%q) = %q, %v; want %q", tt.role, got, ok, tt.want)
		}
	}
	m.Roles = append(m.Roles, Role{RoleArn: "*", Profile: "fallback"})
	if r, ok := m.Find("other"); !ok || r.Profile != "fallback" {
		t.Errorf("Find with a wildcard = %+v, %v; want fallback", r, ok)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProvider_StaticAndProfile(t *testing.T) {
	dir := t.TempDir()
	// A private shared configuration, so the test never reads the user's.
	t.Setenv("AWS_CONFIG_FILE", writeFile(t, dir, "config", "[profile dev]\nregion = eu-west-1\n"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", writeFile(t, dir, "credentials",
		"[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devsecret\naws_session_token = devtoken\n"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV") // must not win over the mapped profile
	t.Setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
	path := writeFile(t, dir, "task-roles.yaml", `
roles:
  - roleArn: arn:aws:iam::000000000000:role/app
    profile: dev
  - roleArn: static
    accessKeyId: AKIDSTATIC
    secretAccessKey: staticsecret
`)
	p := NewProvider(path)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	p.now = func() time.Time { return now }
	ctx := context.Background()

	c, err := p.Credentials(ctx, "arn:aws:iam::000000000000:role/app")
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIDDEV" || c.SecretAccessKey != "devsecret" || c.SessionToken != "devtoken" {
		t.Errorf("profile credentials = %+v; want the dev profile's", c)
	}
	c, err = p.Credentials(ctx, "arn:aws:iam::000000000000:role/static")
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIDSTATIC" || c.SecretAccessKey != "staticsecret" || !c.Expires.Equal(now.Add(StaticLifetime)) {
		t.Errorf("static credentials = %+v; want AKIDSTATIC expiring at %v", c, now.Add(StaticLifetime))
	}
	if err := p.Check("arn:aws:iam::000000000000:role/nope"); !errors.Is(err, ErrNoMapping) || !strings.Contains(err.Error(), path) {
		t.Errorf("Check of an unmapped role: %v; want ErrNoMapping naming %s", err, path)
	}
	if _, err := p.Credentials(ctx, "nope"); !errors.Is(err, ErrNoMapping) {
		t.Errorf("Credentials of an unmapped role: %v; want ErrNoMapping", err)
	}

	// An edit applies to the next call.
	writeFile(t, dir, "task-roles.yaml", "roles: [{roleArn: '*', profile: missing}]\n")
	if err := p.Check("nope"); err != nil {
		t.Errorf("Check after mapping every role: %v", err)
	}
	if _, err := p.Credentials(ctx, "nope"); !errors.Is(err, ErrCredentials) {
		t.Errorf("Credentials from a missing profile: %v; want ErrCredentials", err)
	}
}

func TestProvider_MissingAndBrokenFile(t *testing.T) {
	dir := t.TempDir()
	if err := NewProvider(filepath.Join(dir, "none.yaml")).Check("r"); !errors.Is(err, ErrNoMapping) {
		t.Errorf("Check without a file: %v; want ErrNoMapping", err)
	}
	p := NewProvider(writeFile(t, dir, "bad.yaml", "roles: [{roleArn: r}]"))
	if err := p.Check("r"); !errors.Is(err, ErrInvalidFile) {
		t.Errorf("Check with a broken file: %v; want ErrInvalidFile", err)
	}
}
