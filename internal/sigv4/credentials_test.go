package sigv4

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestKeyFromEnv(t *testing.T) {
	k, ok, err := KeyFromEnv(envOf(map[string]string{EnvAccessKeyID: " ECSRUNKEY ", EnvSecretAccessKey: "s3cret"}))
	if err != nil || !ok || k != (Key{Name: "env", AccessKeyID: "ECSRUNKEY", SecretAccessKey: "s3cret"}) {
		t.Fatalf("%+v %v %v", k, ok, err)
	}
	if _, ok, err := KeyFromEnv(envOf(nil)); ok || err != nil {
		t.Fatalf("empty environment: %v %v", ok, err)
	}
	if _, ok, err := KeyFromEnv(envOf(map[string]string{EnvAccessKeyID: "", EnvSecretAccessKey: ""})); ok || err != nil {
		t.Fatalf("empty values: %v %v", ok, err)
	}
	for _, m := range []map[string]string{
		{EnvAccessKeyID: "ECSRUNKEY"},
		{EnvSecretAccessKey: "s3cret"},
		{EnvAccessKeyID: "has/slash", EnvSecretAccessKey: "s3cret"},
	} {
		if _, ok, err := KeyFromEnv(envOf(m)); ok || err == nil {
			t.Fatalf("%v accepted", m)
		}
	}
}

const sampleFile = `# ecsrun keys
; another comment style

[ci]
aws_access_key_id     = ECSRUNCI
aws_secret_access_key = ci/secret+with=equals
region = us-east-1

[ alice ]
AWS_ACCESS_KEY_ID=ECSRUNALICE
aws_secret_access_key=alice-secret
aws_session_token = tok==

[sso-profile]
sso_start_url = https://example.awsapps.com/start
`

func TestParseCredentials(t *testing.T) {
	keys, err := ParseCredentials(strings.NewReader(sampleFile), "creds")
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{
		{Name: "ci", AccessKeyID: "ECSRUNCI", SecretAccessKey: "ci/secret+with=equals"},
		{Name: "alice", AccessKeyID: "ECSRUNALICE", SecretAccessKey: "alice-secret", SessionToken: "tok=="},
	}
	if len(keys) != len(want) || keys[0] != want[0] || keys[1] != want[1] {
		t.Fatalf("got %+v", keys)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	cases := map[string]string{
		"before section": "aws_access_key_id = X\n",
		"no closing":     "[ci\naws_access_key_id = X\n",
		"empty section":  "[]\n",
		"duplicate":      "[a]\naws_access_key_id=A\naws_secret_access_key=S\n[a]\n",
		"duplicate key":  "[a]\naws_access_key_id=A\naws_access_key_id=B\naws_secret_access_key=S\n",
		"no secret":      "[a]\naws_access_key_id=A\n",
		"no id":          "[a]\naws_secret_access_key=S\n",
		"token only":     "[a]\naws_session_token=T\n",
		"not key=value":  "[a]\njust words\n",
		"no keys at all": "# nothing\n",
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseCredentials(strings.NewReader(text), "creds")
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "sigv4: ") {
				t.Fatalf("error %q", err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	if err := os.WriteFile(path, []byte(sampleFile+"\n[again]\naws_access_key_id=ECSRUNENV\naws_secret_access_key=env-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{EnvAccessKeyID: "ECSRUNENV", EnvSecretAccessKey: "env-secret"})
	c, err := Load(env, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.AccessKeyIDs(), ","); got != "ECSRUNALICE,ECSRUNCI,ECSRUNENV" || c.Len() != 3 {
		t.Fatalf("keys %s", got)
	}
	k, err := c.Lookup(context.Background(), "ECSRUNENV")
	if err != nil || k.Name != "env" {
		t.Fatalf("%+v %v", k, err)
	}
	_, err = c.Lookup(context.Background(), "NOPE")
	var unknown *UnknownKeyError
	if !errors.As(err, &unknown) || unknown.AccessKeyID != "NOPE" {
		t.Fatalf("error %v", err)
	}

	// The same id with another secret is a conflict.
	conflict := envOf(map[string]string{EnvAccessKeyID: "ECSRUNCI", EnvSecretAccessKey: "different"})
	if _, err := Load(conflict, path); err == nil {
		t.Fatal("conflicting secrets accepted")
	}
	// Nothing configured: no credentials, no error.
	if c, err := Load(envOf(nil), ""); c != nil || err != nil {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := Load(envOf(nil), filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestNewStaticCredentialsRejects(t *testing.T) {
	for _, k := range []Key{
		{AccessKeyID: "", SecretAccessKey: "s"},
		{AccessKeyID: "A", SecretAccessKey: ""},
		{AccessKeyID: "A B", SecretAccessKey: "s"},
		{AccessKeyID: "A,B", SecretAccessKey: "s"},
	} {
		if _, err := NewStaticCredentials(k); err == nil {
			t.Errorf("%+v accepted", k)
		}
	}
}
