package taskenv

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/secrets"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
	"github.com/ecsrun/ecsrun/internal/taskroles"
)

const (
	appRole  = "arn:aws:iam::000000000000:role/app"
	execRole = "arn:aws:iam::000000000000:role/exec"
)

// fixture is a state directory with a secret store, a roles file and an
// S3 directory.
type fixture struct {
	dir   string
	store *secrets.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, store: secrets.Open(dir)}
	f.write("task-roles.yaml", "roles:\n  - roleArn: "+appRole+"\n    accessKeyId: AKIDAPP\n    secretAccessKey: appsecret\n    sessionToken: apptoken\n")
	f.put("db-password", "hunter2")
	f.put("prod/db", `{"user":"app","password":"s3cret"}`)
	f.write("s3/bucket/base.env", "FROM_FILE=base\nSHARED=base\nDEF=file\n")
	f.write("s3/bucket/more.env", "SHARED=more\nMORE=more\n")
	f.write("local.env", "LOCAL=yes\n")
	return f
}

func (f *fixture) write(name, content string) {
	p := filepath.Join(f.dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		panic(err)
	}
}

func (f *fixture) put(name, value string) {
	if _, err := f.store.Put(name, value); err != nil {
		panic(err)
	}
}

func (f *fixture) resources(ep taskmeta.Endpoint) *Resources {
	var srv *taskmeta.Server
	if ep.Mode != "" {
		srv = taskmeta.New(taskmeta.Options{Endpoint: ep, Key: []byte("0123456789abcdef0123456789abcdef")})
	}
	return New(Options{
		Secrets: f.store, Roles: taskroles.NewProvider(filepath.Join(f.dir, "task-roles.yaml")),
		Endpoints: srv, S3Dir: filepath.Join(f.dir, "s3"),
	})
}

var linkLocal = taskmeta.Endpoint{Mode: taskmeta.ModeLinkLocal, URL: "http://169.254.170.2", Port: 80, Relative: true}

func spec(def ecsmodel.TaskDefinition) *agent.TaskSpec {
	def.Family = "fam"
	return &agent.TaskSpec{ID: "t1", ARN: "arn:aws:ecs:us-east-1:000000000000:task/default/t1", Cluster: "default", Definition: &def}
}

func TestCheck(t *testing.T) {
	r := newFixture(t).resources(linkLocal)
	withSecret := []ecsmodel.ContainerDefinition{{Name: "app", Secrets: []ecsmodel.Secret{{Name: "P", ValueFrom: "db-password"}}}}
	tests := []struct {
		name string
		spec *agent.TaskSpec
		want string // "" for no error
	}{
		{"mapped role", spec(ecsmodel.TaskDefinition{TaskRoleArn: appRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app"}}}), ""},
		{"a role without local credentials runs", spec(ecsmodel.TaskDefinition{TaskRoleArn: "arn:aws:iam::000000000000:role/other", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app"}}}), ""},
		{"secrets with an execution role", spec(ecsmodel.TaskDefinition{ExecutionRoleArn: execRole, ContainerDefinitions: withSecret}), ""},
		{"secrets without an execution role", spec(ecsmodel.TaskDefinition{ContainerDefinitions: withSecret}), "you must also specify a value for 'executionRoleArn'"},
	}
	for _, tt := range tests {
		err := r.Check(tt.spec)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Check = %v", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, ecs.ErrClient) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Check = %v; want a ClientException saying %q", tt.name, err, tt.want)
		}
	}
	// The override's role is the one checked.
	s := spec(ecsmodel.TaskDefinition{TaskRoleArn: "arn:aws:iam::000000000000:role/other", ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app"}}})
	s.Overrides = &ecsmodel.TaskOverride{TaskRoleArn: appRole}
	if err := r.Check(s); err != nil {
		t.Errorf("Check with a mapped role override: %v", err)
	}
}

func TestPrepare_SecretsFilesAndEndpoints(t *testing.T) {
	f := newFixture(t)
	r := f.resources(linkLocal)
	s := spec(ecsmodel.TaskDefinition{TaskRoleArn: appRole, ExecutionRoleArn: execRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{
			Name: "app",
			Secrets: []ecsmodel.Secret{
				{Name: "DB_PASSWORD", ValueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/db-password"},
				{Name: "DB_USER", ValueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf:user::"},
			},
			EnvironmentFiles: []ecsmodel.EnvironmentFile{
				{Value: "arn:aws:s3:::bucket/base.env", Type: "s3"},
				{Value: "arn:aws:s3:::bucket/more.env", Type: "s3"},
			},
		},
		{Name: "side", EnvironmentFiles: []ecsmodel.EnvironmentFile{{Value: "arn:aws:s3:::bucket/base.env", Type: "s3"}}},
	}})
	s.Overrides = &ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{
		{Name: "side", EnvironmentFiles: []ecsmodel.EnvironmentFile{{Value: filepath.Join(f.dir, "local.env"), Type: "s3"}}},
	}}
	env, err := r.Prepare(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	app := env["app"]
	for k, want := range map[string]string{"DB_PASSWORD": "hunter2", "DB_USER": "app"} {
		if app.Set[k] != want {
			t.Errorf("app %s = %q; want %q", k, app.Set[k], want)
		}
	}
	if !strings.HasPrefix(app.Set[taskmeta.EnvCredentialsRelative], "/v2/credentials/") || app.Set[taskmeta.EnvMetadataURIV4] == "" {
		t.Errorf("app endpoint variables %v", app.Set)
	}
	if _, leaked := app.Set["AWS_SECRET_ACCESS_KEY"]; leaked {
		t.Error("the role's keys are in the environment although the endpoint is reachable")
	}
	for k, want := range map[string]string{"FROM_FILE": "base", "SHARED": "base", "MORE": "more"} {
		if app.Files[k] != want {
			t.Errorf("app file variable %s = %q; want %q (the first file wins)", k, app.Files[k], want)
		}
	}
	if side := env["side"]; side.Files["LOCAL"] != "yes" || side.Files["FROM_FILE"] != "" {
		t.Errorf("side files %v; want only the override's local file", side.Files)
	}
}

func TestPrepare_UnresolvableSecretsAreNamed(t *testing.T) {
	f := newFixture(t)
	r := f.resources(linkLocal)
	s := spec(ecsmodel.TaskDefinition{ExecutionRoleArn: execRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{{
		Name: "app",
		Secrets: []ecsmodel.Secret{
			{Name: "OK", ValueFrom: "db-password"},
			{Name: "MISSING", ValueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/prod/missing"},
			{Name: "NO_KEY", ValueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db:token::"},
		},
		RepositoryCredentials: &ecsmodel.RepositoryCredentials{CredentialsParameter: "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-password"},
	}}})
	_, err := r.Prepare(context.Background(), s)
	if err == nil {
		t.Fatal("Prepare succeeded with missing secrets")
	}
	msg := err.Error()
	for _, want := range []string{
		"unable to pull secrets or registry auth",
		`secret MISSING: unable to retrieve secret from ssm: SSM parameter "/prod/missing" is not in the local secret store`,
		"secret NO_KEY: unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key token",
		"repositoryCredentials: the secret is not a JSON object with a username and a password",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "hunter2") || strings.Contains(msg, "s3cret") || strings.Contains(msg, "secret OK") {
		t.Errorf("error %q shows a value or a resolvable secret", msg)
	}
}

func TestPrepare_MissingEnvironmentFile(t *testing.T) {
	r := newFixture(t).resources(linkLocal)
	s := spec(ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{{
		Name: "app", EnvironmentFiles: []ecsmodel.EnvironmentFile{{Value: "arn:aws:s3:::bucket/nope.env", Type: "s3"}},
	}}})
	_, err := r.Prepare(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "failed to download env files") || !strings.Contains(err.Error(), "bucket/nope.env") {
		t.Errorf("Prepare with a missing file: %v; want it named", err)
	}
}

func TestPrepare_CredentialsInEnvironmentWhenEndpointUnreachable(t *testing.T) {
	f := newFixture(t)
	loopback := taskmeta.Endpoint{Mode: taskmeta.ModeLoopback, URL: "http://127.0.0.1:5000", Port: 5000}
	s := spec(ecsmodel.TaskDefinition{TaskRoleArn: appRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app"}}})
	env, err := f.resources(loopback).Prepare(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	set := env["app"].Set
	if set["AWS_ACCESS_KEY_ID"] != "AKIDAPP" || set["AWS_SECRET_ACCESS_KEY"] != "appsecret" || set["AWS_SESSION_TOKEN"] != "apptoken" || set[taskmeta.EnvMetadataURIV4] != "" {
		t.Errorf("bridge container behind a loopback endpoint got %v; want the role's keys and no URIs", set)
	}
	// Host-network containers reach the loopback endpoint.
	s.Definition.NetworkMode = ecsmodel.NetworkModeHost
	env, err = f.resources(loopback).Prepare(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if set := env["app"].Set; set["AWS_ACCESS_KEY_ID"] != "" || !strings.HasPrefix(set[taskmeta.EnvCredentialsFull], "http://127.0.0.1:5000/v2/credentials/") || set[taskmeta.EnvAuthorizationToken] == "" {
		t.Errorf("host-network container got %v; want the full URI and a token", set)
	}
}

func TestCheck_UnreadableTaskRolesFile(t *testing.T) {
	f := newFixture(t)
	f.write("task-roles.yaml", "roles:\n  - profile: dev\n")
	err := f.resources(linkLocal).Check(spec(ecsmodel.TaskDefinition{TaskRoleArn: appRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app"}}}))
	if !errors.Is(err, ecs.ErrClient) || !strings.Contains(err.Error(), "roleArn is required") || !strings.Contains(err.Error(), "task-roles.yaml") {
		t.Errorf("Check with a malformed task roles file = %v; want a ClientException naming the file and the problem", err)
	}
}

func TestPrepare_RoleWithoutLocalCredentials(t *testing.T) {
	f := newFixture(t)
	var logs strings.Builder
	r := f.resources(taskmeta.Endpoint{Mode: taskmeta.ModeLoopback, URL: "http://127.0.0.1:5000", Port: 5000})
	r.opts.Log = slog.New(slog.NewTextHandler(&logs, nil))
	const other = "arn:aws:iam::000000000000:role/other"
	for _, id := range []string{"t1", "t2"} {
		s := spec(ecsmodel.TaskDefinition{TaskRoleArn: other, ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "app"}}})
		s.ID = id
		env, err := r.Prepare(context.Background(), s)
		if err != nil {
			t.Fatalf("Prepare of a task whose role has no local credentials: %v; want it to run", err)
		}
		if set := env["app"].Set; set["AWS_ACCESS_KEY_ID"] != "" || set["AWS_SECRET_ACCESS_KEY"] != "" {
			t.Errorf("a role without local credentials put keys in the environment: %v", set)
		}
	}
	if n := strings.Count(logs.String(), "task role without local credentials"); n != 1 || !strings.Contains(logs.String(), other) {
		t.Errorf("the log warns %d times; want one warning naming the role:\n%s", n, logs.String())
	}
}

func TestPrepare_SecretWithANulByteIsRefusedWithoutItsValue(t *testing.T) {
	f := newFixture(t)
	f.put("nul", "abc\x00never-shown")
	r := f.resources(linkLocal)
	s := spec(ecsmodel.TaskDefinition{ExecutionRoleArn: execRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{{
		Name: "app", Secrets: []ecsmodel.Secret{{Name: "TOKEN", ValueFrom: "nul"}},
	}}})
	_, err := r.Prepare(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "secret TOKEN: the value contains a NUL byte") {
		t.Fatalf("Prepare with a NUL byte in a secret: %v; want an error naming TOKEN", err)
	}
	if strings.Contains(err.Error(), "never-shown") {
		t.Errorf("error %q shows the value", err)
	}
}

func TestPrepare_FirelensSecretOptionsGoToTheRouter(t *testing.T) {
	r := newFixture(t).resources(linkLocal)
	s := spec(ecsmodel.TaskDefinition{ExecutionRoleArn: execRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "app", LogConfiguration: &ecsmodel.LogConfiguration{
			LogDriver: ecsmodel.LogDriverAwsfirelens, Options: map[string]string{"Name": "http"},
			SecretOptions: []ecsmodel.Secret{{Name: "http_passwd", ValueFrom: "db-password"}},
		}},
		{Name: "log_router", FirelensConfiguration: &ecsmodel.FirelensConfiguration{Type: ecsmodel.FirelensConfigurationTypeFluentbit}},
		{Name: "splunk", LogConfiguration: &ecsmodel.LogConfiguration{
			LogDriver: ecsmodel.LogDriverSplunk, SecretOptions: []ecsmodel.Secret{{Name: "splunk-token", ValueFrom: "db-password"}},
		}},
	}})
	env, err := r.Prepare(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got := env["log_router"].Set["http_passwd_0"]; got != "hunter2" {
		t.Errorf("router http_passwd_0 = %q; want the secret's value", got)
	}
	for name, e := range env {
		for k := range e.Set {
			if strings.HasPrefix(k, "splunk-token") || (name != "log_router" && strings.HasPrefix(k, "http_passwd")) {
				t.Errorf("container %s has %s; only the router gets the awsfirelens secret options", name, k)
			}
		}
	}
}

func TestPrepare_RepositoryCredentials(t *testing.T) {
	f := newFixture(t)
	f.put("registry/creds", `{"username":"robot","password":"t0ken"}`)
	var log strings.Builder
	r := New(Options{Secrets: f.store, Roles: taskroles.NewProvider(filepath.Join(f.dir, "task-roles.yaml")),
		Log: slog.New(slog.NewTextHandler(&log, nil))})
	creds := func(p string) *ecsmodel.RepositoryCredentials {
		return &ecsmodel.RepositoryCredentials{CredentialsParameter: p}
	}
	s := spec(ecsmodel.TaskDefinition{ExecutionRoleArn: execRole, ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "stored", Image: "registry.example.com/app", RepositoryCredentials: creds("arn:aws:secretsmanager:us-east-1:000000000000:secret:registry/creds-AbCdEf")},
		{Name: "missing", Image: "registry.example.com/other", RepositoryCredentials: creds("arn:aws:secretsmanager:us-east-1:000000000000:secret:registry/absent")},
		{Name: "none", Image: "plain"},
	}})
	env, err := r.Prepare(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := env["stored"].RegistryAuth, (runtime.RegistryAuth{Username: "robot", Password: "t0ken"}); got == nil || *got != want {
		t.Errorf("stored RegistryAuth = %v; want %v", got, want)
	}
	if got := env["missing"].RegistryAuth; got != nil {
		t.Errorf("missing RegistryAuth = %v; want none (the daemon's own credentials)", got)
	}
	if got := env["none"].RegistryAuth; got != nil {
		t.Errorf("RegistryAuth without repositoryCredentials = %v; want none", got)
	}
	if l := log.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "registry/absent") ||
		!strings.Contains(l, "Docker daemon's own credentials") || strings.Contains(l, "t0ken") {
		t.Errorf("log = %q; want one warning naming the missing secret, and no value", l)
	}
}

func TestPrepare_StepFunctionsEndpointUnlessTheContainerSetsIt(t *testing.T) {
	f := newFixture(t)
	srv := taskmeta.New(taskmeta.Options{Endpoint: linkLocal, Key: []byte("0123456789abcdef0123456789abcdef")})
	srv.Mount("/stepfunctions", http.NotFoundHandler(), taskmeta.EnvEndpointSFN)
	r := New(Options{Secrets: f.store, Roles: taskroles.NewProvider(filepath.Join(f.dir, "task-roles.yaml")), Endpoints: srv})
	own := []ecsmodel.KeyValuePair{{Name: taskmeta.EnvEndpointSFN, Value: "http://sfn.example"}}
	s := spec(ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "plain"}, {Name: "defines", Environment: own}, {Name: "overridden"},
	}})
	s.Overrides = &ecsmodel.TaskOverride{ContainerOverrides: []ecsmodel.ContainerOverride{{Name: "overridden", Environment: own}}}
	env, err := r.Prepare(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got := env["plain"].Set[taskmeta.EnvEndpointSFN]; got != "http://169.254.170.2/stepfunctions" {
		t.Errorf("plain container: %s = %q; want the engine's callbacks", taskmeta.EnvEndpointSFN, got)
	}
	for _, name := range []string{"defines", "overridden"} {
		if got, ok := env[name].Set[taskmeta.EnvEndpointSFN]; ok {
			t.Errorf("container %s sets %s itself, and the engine overrides it with %q", name, taskmeta.EnvEndpointSFN, got)
		}
	}
}
