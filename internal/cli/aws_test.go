package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/project"
	"github.com/ecsrun/ecsrun/internal/runtask"
)

// awsStub answers ECS and CloudWatch Logs calls at the HTTP transport,
// keyed on X-Amz-Target, and records how each request was signed.
type awsStub struct {
	mu     sync.Mutex
	ops    []string
	auth   []string
	hosts  []string
	status string // the lastStatus DescribeTasks reports
}

func (s *awsStub) RoundTrip(r *http.Request) (*http.Response, error) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	b, _ := io.ReadAll(r.Body)
	var in map[string]any
	json.Unmarshal(b, &in)
	s.mu.Lock()
	s.ops = append(s.ops, op)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.hosts = append(s.hosts, r.URL.Host)
	s.mu.Unlock()
	td := map[string]any{"taskDefinitionArn": "arn:aws:ecs:eu-central-1:123456789012:task-definition/nightly:12", "family": "nightly", "revision": 12,
		"containerDefinitions": []any{map[string]any{"name": "app", "essential": true, "image": "x",
			"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{"awslogs-group": "/ecs/nightly", "awslogs-stream-prefix": "ecs"}}}}}
	task := map[string]any{"taskArn": "arn:aws:ecs:eu-central-1:123456789012:task/ci/0123456789abcdef0123456789abcdef",
		"clusterArn": "arn:aws:ecs:eu-central-1:123456789012:cluster/ci", "lastStatus": "PROVISIONING",
		"containers": []any{map[string]any{"name": "app", "lastStatus": "PENDING"}}}
	var out any
	switch op {
	case "DescribeTaskDefinition":
		out = map[string]any{"taskDefinition": td}
	case "RunTask":
		out = map[string]any{"tasks": []any{task}, "failures": []any{}}
	case "DescribeTasks":
		task["lastStatus"], task["stopCode"] = "STOPPED", "EssentialContainerExited"
		task["containers"] = []any{map[string]any{"name": "app", "lastStatus": "STOPPED", "exitCode": 0, "runtimeId": "abc"}}
		out = map[string]any{"tasks": []any{task}, "failures": []any{}}
	case "GetLogEvents":
		out = map[string]any{"events": []any{map[string]any{"timestamp": 1, "message": "hello from AWS"}}, "nextForwardToken": "f/2"}
		if in["nextToken"] == "f/2" {
			out = map[string]any{"events": []any{}, "nextForwardToken": "f/2"}
		}
	default:
		out = map[string]any{"__type": "UnknownOperationException"}
	}
	body, _ := json.Marshal(out)
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": []string{"application/x-amz-json-1.1"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

// TestAWSTarget_ConfigChain runs a task through awsClients, the --target
// aws client set-up, with the standard configuration chain reading a
// profile from the shared files, and the SDK stubbed at the transport.
func TestAWSTarget_ConfigChain(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	credFile := filepath.Join(dir, "credentials")
	os.WriteFile(cfgFile, []byte("[profile ci]\nregion = eu-central-1\n"), 0o600)
	os.WriteFile(credFile, []byte("[ci]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = secret\n"), 0o600)
	for k, v := range map[string]string{"AWS_CONFIG_FILE": cfgFile, "AWS_SHARED_CREDENTIALS_FILE": credFile,
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
		"AWS_PROFILE": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_ECS": "", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	stub := &awsStub{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := awsClients(ctx, project.Target{Target: "aws", Profile: "ci"}, &http.Client{Transport: stub})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cl.Where, "Amazon ECS in eu-central-1") || !strings.Contains(cl.Where, "profile ci") {
		t.Errorf("target %q", cl.Where)
	}
	var out, info bytes.Buffer
	opts := runtask.Options{TaskDefinition: "nightly:12", Console: runtask.NewConsole(&out, &info, runtask.ColourNever)}
	opts.AWSTuning()
	opts.Poll, opts.LogSettle = 10*time.Millisecond, 0
	rep, err := (&runtask.Runner{ECS: cl.ECS, Logs: cl.Logs, Target: cl.Where}).Run(ctx, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, info.String())
	}
	if rep.ExitCode != 0 || !strings.Contains(out.String(), "01234567 app | hello from AWS") {
		t.Errorf("exit %d, output %q\n%s", rep.ExitCode, out.String(), info.String())
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	for i, a := range stub.auth {
		if !strings.Contains(a, "Credential=AKIDFROMPROFILE/") || !strings.Contains(a, "/eu-central-1/") {
			t.Errorf("%s signed as %q; want the profile's key and region", stub.ops[i], a)
		}
	}
	for i, h := range stub.hosts {
		want := "ecs.eu-central-1.amazonaws.com"
		if stub.ops[i] == "GetLogEvents" {
			want = "logs.eu-central-1.amazonaws.com"
		}
		if h != want {
			t.Errorf("%s went to %s; want %s", stub.ops[i], h, want)
		}
	}
	if got := strings.Join(stub.ops, " "); !strings.HasPrefix(got, "DescribeTaskDefinition RunTask DescribeTasks GetLogEvents") {
		t.Errorf("operations: %s", got)
	}
}

func TestAWSTarget_NeedsARegion(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": ""} {
		t.Setenv(k, v)
	}
	_, err := awsClients(context.Background(), project.Target{Target: "aws"}, &http.Client{Transport: &awsStub{}})
	if err == nil || !strings.Contains(err.Error(), "--target aws needs a region") {
		t.Errorf("awsClients without a region: %v", err)
	}
}

// --target aws without credentials says so in one line with the remedy,
// before any ECS call.
func TestAWSTarget_NoCredentials(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_REGION": "eu-west-1",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_ECS": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": ""} {
		t.Setenv(k, v)
	}
	code, _, errOut := run(t, "run-task", "--target", "aws", "--task-definition", "nightly:12")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1]
	if code != ExitNeverStarted || !strings.Contains(last, "no AWS credentials found") || !strings.Contains(last, "AWS_ACCESS_KEY_ID") {
		t.Errorf("exit %d, last line %q; want 125 and a line naming the remedy\n%s", code, last, errOut)
	}
	if strings.Contains(errOut, "operation error") || strings.Contains(errOut, "retr") || strings.Contains(errOut, "IMDS") {
		t.Errorf("the SDK's error stack is shown:\n%s", errOut)
	}
}
