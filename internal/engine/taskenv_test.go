package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/secrets"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

const (
	roleA    = "arn:aws:iam::000000000000:role/task-a"
	roleB    = "arn:aws:iam::000000000000:role/task-b"
	execRole = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"
	rolesYML = `roles:
  - roleArn: ` + roleA + `
    accessKeyId: AKIDTASKA
    secretAccessKey: secret-of-task-a
    sessionToken: token-of-task-a
  - roleArn: ` + roleB + `
    accessKeyId: AKIDTASKB
    secretAccessKey: secret-of-task-b
`
)

// syncBuffer collects the engine's log output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// toolboxTag is the toolbox image of these tests. It is not
// testimage.DefaultTag, which worktrees with other versions of the toolbox
// (without the verbs these tests use) retag while the tests run.
const toolboxTag = "ecsrun-test/toolbox:task-resources"

// newResourcesHarness is newHarness with the engine's log captured and a
// task roles file, for the task resources tests.
func newResourcesHarness(t *testing.T) (*harness, string, *syncBuffer) {
	t.Helper()
	testimage.RequireDocker(t)
	bctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := testimage.Build(bctx, toolboxTag); err != nil {
		t.Fatal(err)
	}
	image := toolboxTag
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	h := &harness{t: t, dir: t.TempDir(), rt: rt}
	h.writeFile(TaskRolesFileName, rolesYML)
	logs := &syncBuffer{}
	h.openLogged(logs)
	t.Cleanup(func() {
		if h.eng != nil {
			h.eng.Close()
		}
		h.removeContainers()
	})
	return h, image, logs
}

// openLogged opens the engine with its log going to logs.
func (h *harness) openLogged(logs *syncBuffer) {
	h.t.Helper()
	eng, err := Open(context.Background(), Options{
		StateDir: h.dir, Runtime: h.rt, PullBehavior: runtime.PullPreferCached,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.connect(eng)
}

func (h *harness) writeFile(name, content string) string {
	h.t.Helper()
	p := filepath.Join(h.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// waitLines waits until a container's default log stream has n lines.
func (h *harness) waitLines(family, name, arn string, n int) []string {
	h.t.Helper()
	c := ctx(h.t)
	for {
		out, err := h.logs.GetLogEvents(c, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String("/ecsrun/tasks"), LogStreamName: aws.String(family + "/" + name + "/" + taskID(arn)), StartFromHead: aws.Bool(true),
		})
		var lines []string
		if err == nil {
			for _, e := range out.Events {
				lines = append(lines, aws.ToString(e.Message))
			}
			if len(lines) >= n {
				return lines
			}
		}
		select {
		case <-c.Done():
			h.t.Fatalf("%s %s: %d lines (%v) while waiting for %d", family, name, len(lines), err, n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// containerEnv returns the environment Docker gave a task's container.
func (h *harness) containerEnv(task types.Task, name string) map[string]string {
	h.t.Helper()
	for _, c := range task.Containers {
		if aws.ToString(c.Name) != name {
			continue
		}
		info, err := h.rt.(*docker.Runtime).Client().ContainerInspect(ctx(h.t), aws.ToString(c.RuntimeId))
		if err != nil {
			h.t.Fatal(err)
		}
		env := map[string]string{}
		for _, kv := range info.Config.Env {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		return env
	}
	h.t.Fatalf("task has no container %s", name)
	return nil
}

// credentialsRequest returns a toolbox fetch of a task's credentials URI,
// with its token if it has one.
func credentialsRequest(env map[string]string) []string {
	if rel := env[taskmeta.EnvCredentialsRelative]; rel != "" {
		return []string{"fetch", "http://" + taskmeta.LinkLocalIP + rel}
	}
	return []string{"fetch", env[taskmeta.EnvCredentialsFull], "Authorization=" + env[taskmeta.EnvAuthorizationToken]}
}

func requireLinkLocal(t *testing.T, h *harness) {
	t.Helper()
	if ep := h.eng.TaskEndpoint(); ep.Mode != taskmeta.ModeLinkLocal {
		if os.Getenv(testimage.RequireEnv) == "1" && os.Geteuid() == 0 {
			t.Fatalf("the task endpoint fell back to loopback as root: %s", ep.Fallback)
		}
		t.Skipf("containers cannot reach the task endpoint here: %s", ep.Fallback)
	}
}

func TestEngine_TaskMetadataAndRoleCredentials(t *testing.T) {
	h, image, _ := newResourcesHarness(t)
	requireLinkLocal(t, h)
	// Task A reads its metadata and credentials, then runs on.
	arnA := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("meta-a"), TaskRoleArn: aws.String(roleA),
		ContainerDefinitions: []types.ContainerDefinition{container("app", image, true,
			"fetchenv", "ECS_CONTAINER_METADATA_URI_V4", "/task", "--", "out", "", "--",
			"fetchenv", "ECS_CONTAINER_METADATA_URI_V4", "--", "out", "", "--",
			"awscreds", "--", "out", "", "--", "forever")},
	}, nil)
	lines := h.waitLines("meta-a", "app", arnA, 3)
	taskA := h.waitRunning(arnA)
	appID := aws.ToString(taskA.Containers[0].RuntimeId)

	var meta taskmeta.TaskResponse
	if err := json.Unmarshal([]byte(lines[0]), &meta); err != nil {
		t.Fatalf("task metadata %q: %v", lines[0], err)
	}
	if meta.TaskARN != arnA || meta.Family != "meta-a" || meta.Revision != "1" || meta.Cluster != "default" || meta.LaunchType != "EC2" ||
		len(meta.Containers) != 1 || meta.Containers[0].DockerID != appID || meta.Containers[0].Name != "app" {
		t.Errorf("task metadata = %s", lines[0])
	}
	var own taskmeta.ContainerResponse
	if err := json.Unmarshal([]byte(lines[1]), &own); err != nil {
		t.Fatalf("container metadata %q: %v", lines[1], err)
	}
	if own.DockerID != appID || own.Labels["com.amazonaws.ecs.task-arn"] != arnA || own.CreatedAt == nil || own.StartedAt == nil ||
		own.Type != "NORMAL" || len(own.Networks) != 1 || own.Networks[0].NetworkMode != "bridge" || len(own.Networks[0].IPv4Addresses) != 1 {
		t.Errorf("container metadata = %s", lines[1])
	}
	var creds struct{ RoleArn, AccessKeyId, SecretAccessKey, Token, Expiration string }
	if err := json.Unmarshal([]byte(lines[2]), &creds); err != nil {
		t.Fatalf("credentials %q: %v", lines[2], err)
	}
	if creds.RoleArn != roleA || creds.AccessKeyId != "AKIDTASKA" || creds.SecretAccessKey != "secret-of-task-a" || creds.Token != "token-of-task-a" {
		t.Errorf("credentials = %s; want task A's", lines[2])
	}
	if exp, err := time.Parse(time.RFC3339, creds.Expiration); err != nil || exp.Before(time.Now()) {
		t.Errorf("Expiration %q; want a future RFC 3339 time", creds.Expiration)
	}

	// Task B reads its own credentials, then tries A's with A's URI and
	// token: refused.
	envA := h.containerEnv(taskA, "app")
	if envA[taskmeta.EnvMetadataURI] == "" || envA[taskmeta.EnvMetadataURIV4] == "" {
		t.Errorf("environment of A = %v; want both metadata URIs", envA)
	}
	cmdB := append([]string{"awscreds", "--", "out", "", "--"}, credentialsRequest(envA)...)
	arnB := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("meta-b"), TaskRoleArn: aws.String(roleB),
		ContainerDefinitions: []types.ContainerDefinition{container("app", image, true, cmdB...)},
	}, nil)
	taskB := h.waitStopped(arnB)
	if got := exitCode(taskB, "app"); got == nil || *got != 1 {
		t.Errorf("B's exit code %v; want 1 (its request for A's credentials refused)", got)
	}
	outB := strings.Join(h.waitLines("meta-b", "app", arnB, 3), "\n")
	if !strings.Contains(outB, `"AccessKeyId":"AKIDTASKB"`) || !strings.Contains(outB, "InvalidIdInRequest") || strings.Contains(outB, "AKIDTASKA") {
		t.Errorf("B's output %q; want its own credentials and InvalidIdInRequest for A's", outB)
	}

}

func TestEngine_TaskRoleCredentialsThroughTheSDK(t *testing.T) {
	h, image, _ := newResourcesHarness(t)
	// A host-network task: this test process shares its network, as the
	// containers would, and resolves credentials with aws-sdk-go-v2.
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("sdk-creds"), TaskRoleArn: aws.String(roleA), NetworkMode: types.NetworkModeHost,
		ContainerDefinitions: []types.ContainerDefinition{container("app", image, true, "forever")},
	}, nil)
	task := h.waitRunning(arn)
	env := h.containerEnv(task, "app")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(h.dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(h.dir, "no-credentials"))
	for _, k := range []string{taskmeta.EnvCredentialsRelative, taskmeta.EnvCredentialsFull, taskmeta.EnvAuthorizationToken} {
		t.Setenv(k, env[k])
	}
	if env[taskmeta.EnvCredentialsRelative] == "" && env[taskmeta.EnvCredentialsFull] == "" {
		t.Fatalf("environment %v has no credentials URI", env)
	}
	cfg, err := config.LoadDefaultConfig(ctx(t), config.WithRegion("us-east-1"), config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx(t))
	if err != nil {
		t.Fatalf("the SDK's container credentials provider: %v", err)
	}
	if creds.AccessKeyID != "AKIDTASKA" || creds.SecretAccessKey != "secret-of-task-a" || creds.SessionToken != "token-of-task-a" || !creds.CanExpire {
		t.Errorf("credentials = %+v; want task A's, expiring", creds)
	}

	// After an engine restart the adopted task's URI and token still work.
	h.close()
	h.openLogged(&syncBuffer{})
	h.waitRunning(arn)
	cfg, err = config.LoadDefaultConfig(ctx(t), config.WithRegion("us-east-1"), config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := cfg.Credentials.Retrieve(ctx(t)); err != nil || creds.AccessKeyID != "AKIDTASKA" {
		t.Errorf("credentials after an engine restart: %+v, %v; want task A's", creds, err)
	}

	// Once the task has stopped, its credentials are revoked.
	h.stopTask(arn)
	cfg, err = config.LoadDefaultConfig(ctx(t), config.WithRegion("us-east-1"), config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := cfg.Credentials.Retrieve(ctx(t)); err == nil {
		t.Errorf("credentials of a stopped task: %+v; want an error", creds)
	}
}

func TestEngine_SecretsReachOnlyTheEnvironment(t *testing.T) {
	h, image, engineLog := newResourcesHarness(t)
	const dbPassword, apiToken = "pw-Zq81-never-shown", "tok-Yx55-never-shown"
	store := secrets.Open(h.dir)
	if _, err := store.Put("prod/db", `{"username":"app","password":"`+dbPassword+`"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put("/app/token", apiToken); err != nil {
		t.Fatal(err)
	}
	app := container("app", image, true, "envsha", "DB_PASSWORD", "--", "envsha", "API_TOKEN")
	app.Secrets = []types.Secret{
		{Name: aws.String("DB_PASSWORD"), ValueFrom: aws.String("arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-AbCdEf:password::")},
		{Name: aws.String("API_TOKEN"), ValueFrom: aws.String("arn:aws:ssm:us-east-1:000000000000:parameter/app/token")},
	}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("secrets"), ExecutionRoleArn: aws.String(execRole), ContainerDefinitions: []types.ContainerDefinition{app},
	}, nil)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 0 {
		t.Fatalf("exit code %v (reason %q); want 0", aws.ToInt32(got), aws.ToString(task.StoppedReason))
	}
	lines := strings.Join(h.waitLines("secrets", "app", arn, 2), "\n")
	for name, v := range map[string]string{"DB_PASSWORD": dbPassword, "API_TOKEN": apiToken} {
		if want := fmt.Sprintf("%s sha256:%x", name, sha256.Sum256([]byte(v))); !strings.Contains(lines, want) {
			t.Errorf("container output %q lacks %q: the secret did not reach the environment", lines, want)
		}
	}

	// Nothing a client can read shows a value.
	c := ctx(t)
	described, err := h.ecs.DescribeTasks(c, &awsecs.DescribeTasksInput{Tasks: []string{arn}, Include: []types.TaskField{types.TaskFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	def, err := h.ecs.DescribeTaskDefinition(c, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("secrets")})
	if err != nil {
		t.Fatal(err)
	}
	events, err := h.logs.FilterLogEvents(c, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/ecsrun/tasks")})
	if err != nil {
		t.Fatal(err)
	}
	for what, v := range map[string]any{"DescribeTasks": described.Tasks, "DescribeTaskDefinition": def.TaskDefinition, "log events": events.Events} {
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), dbPassword) || strings.Contains(string(b), apiToken) {
			t.Errorf("%s shows a secret value: %s", what, b)
		}
	}
	if !strings.Contains(engineLog.String(), "task metadata and credentials endpoints") {
		t.Errorf("the engine log %q is not being captured", engineLog)
	}
	if l := engineLog.String(); strings.Contains(l, dbPassword) || strings.Contains(l, apiToken) {
		t.Errorf("the engine log shows a secret value: %s", l)
	}
}

func TestEngine_UnresolvableSecretFailsToStart(t *testing.T) {
	h, image, _ := newResourcesHarness(t)
	if _, err := secrets.Open(h.dir).Put("present", "v"); err != nil {
		t.Fatal(err)
	}
	app := container("app", image, true, "out", "never")
	app.Secrets = []types.Secret{
		{Name: aws.String("OK"), ValueFrom: aws.String("present")},
		{Name: aws.String("DB_PASSWORD"), ValueFrom: aws.String("arn:aws:ssm:us-east-1:000000000000:parameter/prod/missing")},
	}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("nosecret"), ExecutionRoleArn: aws.String(execRole), ContainerDefinitions: []types.ContainerDefinition{app},
	}, nil)
	task := h.waitStopped(arn)
	reason := aws.ToString(task.StoppedReason)
	if task.StopCode != types.TaskStopCodeTaskFailedToStart || !strings.HasPrefix(reason, "ResourceInitializationError: ") ||
		!strings.Contains(reason, "DB_PASSWORD") || !strings.Contains(reason, `"/prod/missing"`) || strings.Contains(reason, "secret OK") {
		t.Errorf("stop %s %q; want TaskFailedToStart, ResourceInitializationError naming DB_PASSWORD and /prod/missing", task.StopCode, reason)
	}
	if task.Containers[0].RuntimeId != nil || task.PullStartedAt != nil {
		t.Errorf("a container was created or an image pulled: %+v", task.Containers[0])
	}
}

func TestEngine_EnvironmentFilesPrecedence(t *testing.T) {
	h, image, _ := newResourcesHarness(t)
	h.writeFile("s3/config/base.env", "# shared settings\nFROM_BASE=base\nIN_BOTH=base\nIN_DEF=base\nSECRET=base\n")
	h.writeFile("s3/config/extra.env", "IN_BOTH=extra\nFROM_EXTRA=extra\n")
	local := h.writeFile("local/override.env", "FROM_LOCAL=local\nIN_DEF=local\n")
	if _, err := secrets.Open(h.dir).Put("secret", "from-the-store"); err != nil {
		t.Fatal(err)
	}
	names := []string{"FROM_BASE", "IN_BOTH", "IN_DEF", "FROM_EXTRA", "SECRET"}
	var cmd []string
	for _, n := range names {
		cmd = append(cmd, "outraw", n+"=", "--", "getenv", n, "--")
	}
	app := container("app", image, true, cmd...)
	app.EnvironmentFiles = []types.EnvironmentFile{
		{Value: aws.String("arn:aws:s3:::config/base.env"), Type: types.EnvironmentFileTypeS3},
		{Value: aws.String("arn:aws:s3:::config/extra.env"), Type: types.EnvironmentFileTypeS3},
	}
	app.Environment = []types.KeyValuePair{{Name: aws.String("IN_DEF"), Value: aws.String("definition")}, {Name: aws.String("SECRET"), Value: aws.String("definition")}}
	app.Secrets = []types.Secret{{Name: aws.String("SECRET"), ValueFrom: aws.String("secret")}}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("envfiles"), ExecutionRoleArn: aws.String(execRole), ContainerDefinitions: []types.ContainerDefinition{app},
	}, nil)
	task := h.waitStopped(arn)
	if got := exitCode(task, "app"); got == nil || *got != 0 {
		t.Fatalf("exit code %v (reason %q); want 0", aws.ToInt32(got), aws.ToString(task.StoppedReason))
	}
	got := strings.Join(h.waitLines("envfiles", "app", arn, 5), "\n")
	want := "FROM_BASE=base\nIN_BOTH=base\nIN_DEF=definition\nFROM_EXTRA=extra\nSECRET=from-the-store"
	if got != want {
		t.Errorf("environment:\n%s\nwant (the first file wins, the definition over files, secrets over all):\n%s", got, want)
	}

	// An override's environment files replace the definition's.
	out, err := h.ecs.RunTask(ctx(t), &awsecs.RunTaskInput{TaskDefinition: aws.String("envfiles"), Overrides: &types.TaskOverride{
		ContainerOverrides: []types.ContainerOverride{{Name: aws.String("app"), EnvironmentFiles: []types.EnvironmentFile{
			{Value: aws.String(local), Type: types.EnvironmentFileTypeS3},
		}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	arn2 := aws.ToString(out.Tasks[0].TaskArn)
	h.arns = append(h.arns, arn2)
	task = h.waitStopped(arn2)
	// FROM_BASE is unset now: the toolbox stops at the first getenv.
	if got := exitCode(task, "app"); got == nil || *got != 1 {
		t.Errorf("exit code %v; want 1 (FROM_BASE unset)", got)
	}
	env := h.containerEnv(task, "app")
	if env["FROM_LOCAL"] != "local" || env["IN_DEF"] != "definition" || env["FROM_BASE"] != "" {
		t.Errorf("environment with the override's file %v; want FROM_LOCAL, IN_DEF from the definition, no FROM_BASE", env)
	}
}

func TestEngine_TaskRoleWithoutLocalCredentials(t *testing.T) {
	h, image, logs := newResourcesHarness(t)
	c := ctx(t)
	const nobody = "arn:aws:iam::000000000000:role/nobody"
	if _, err := h.ecs.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("unmapped"), TaskRoleArn: aws.String(nobody),
		ContainerDefinitions: []types.ContainerDefinition{container("app", image, true, "awscreds", "--", "out", "done")},
	}); err != nil {
		t.Fatal(err)
	}
	// The task runs, as on ECS; its credentials endpoint says why there
	// are no credentials and what to do.
	for range 2 {
		out, err := h.ecs.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("unmapped")})
		if err != nil || len(out.Tasks) != 1 {
			t.Fatalf("RunTask with a role that has no local credentials: %v, %+v; want a task", err, out)
		}
		arn := aws.ToString(out.Tasks[0].TaskArn)
		h.arns = append(h.arns, arn)
		task := h.waitStopped(arn)
		if code := task.Containers[0].ExitCode; code == nil || *code != 1 {
			t.Errorf("exit code of a container whose credentials request failed: %v; want 1", code)
		}
		got := strings.Join(h.logLines(ecs.DefaultLogGroup, "unmapped/app/"+taskID(arn)), "\n")
		for _, want := range []string{"NoCredentialsAssociated", "the task role " + nobody + " is not in the task roles file", TaskRolesFileName, "Task roles"} {
			if !strings.Contains(got, want) {
				t.Errorf("the container's credentials answer %q does not say %q", got, want)
			}
		}
	}
	if n := strings.Count(logs.String(), "task role without local credentials"); n != 1 {
		t.Errorf("the engine log warns %d times about the role; want once:\n%s", n, logs.String())
	}
	// A mapped role given as an override gets credentials.
	out, err := h.ecs.RunTask(c, &awsecs.RunTaskInput{TaskDefinition: aws.String("unmapped"), Overrides: &types.TaskOverride{TaskRoleArn: aws.String(roleB)}})
	if err != nil {
		t.Fatalf("RunTask with a mapped role override: %v", err)
	}
	arn := aws.ToString(out.Tasks[0].TaskArn)
	h.arns = append(h.arns, arn)
	if task := h.waitStopped(arn); task.Containers[0].ExitCode == nil || *task.Containers[0].ExitCode != 0 {
		t.Errorf("a task with a mapped role: exit code %v; want 0", task.Containers[0].ExitCode)
	}
}
