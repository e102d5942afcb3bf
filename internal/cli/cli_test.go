package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// run runs the command line in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := Main(ctx, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const exit7YAML = `family: exit7
containerDefinitions:
  - name: app
    image: %s
    essential: true
    memory: 64
    command: ["out", "hello on stdout", "--", "err", "hello on stderr", "--", "exit", "7"]
`

const exit7JSON = `{"family": "exit7json", "containerDefinitions": [{"name": "app", "image": %q, "memory": 64,
  "command": ["out", "hello on stdout", "--", "err", "hello on stderr", "--", "exit", "7"]}]}`

func TestRunTask_PassesExitCodeAndStreamsOutput(t *testing.T) {
	image := testimage.Image(t)
	for _, tc := range []struct{ name, file string }{
		{"yaml", writeFile(t, "td.yaml", fmt.Sprintf(exit7YAML, image))},
		{"json", writeFile(t, "td.json", fmt.Sprintf(exit7JSON, image))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, "run-task", "--state-dir", t.TempDir(), "--pull", "prefer-cached", "--task-definition", tc.file)
			if code != 7 {
				t.Fatalf("exit code = %d; want 7\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			for _, want := range []string{"app | hello on stdout", "app | hello on stderr"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(errOut, "STOPPED (EssentialContainerExited") || !strings.Contains(errOut, "container app: exit code 7") {
				t.Errorf("stderr lacks the summary:\n%s", errOut)
			}
		})
	}
}

func TestRunTask_ThroughServeEndpoint(t *testing.T) {
	image := testimage.Image(t)
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	dir := t.TempDir()
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: dir, Runtime: rt, PullBehavior: runtime.PullPreferCached})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(eng.Handler())
	defer srv.Close()
	file := writeFile(t, "td.yaml", fmt.Sprintf(exit7YAML, image))

	code, out, errOut := run(t, "run-task", "--endpoint-url", srv.URL, "--task-definition", file)
	if code != 7 || !strings.Contains(out, "hello on stdout") || !strings.Contains(out, "hello on stderr") {
		t.Fatalf("via --endpoint-url: exit %d; want 7 with both streams\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// The registered family is now usable by name, through the daemon found
	// in the state directory.
	if err := engine.WriteServeInfo(dir, engine.ServeInfo{Endpoint: srv.URL, PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "run-task", "--state-dir", dir, "--task-definition", "exit7")
	if code != 7 || !strings.Contains(out, "hello on stdout") {
		t.Fatalf("via the state directory's daemon: exit %d; want 7\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestRunTask_Errors(t *testing.T) {
	testimage.RequireDocker(t)
	bad := writeFile(t, "bad.json", `{"family": "x", "containerDefinitions": [{"name": "a", "imagee": "busybox"}]}`)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"missing flag", []string{"run-task"}, ExitUsage, "--task-definition is required"},
		{"unknown flag", []string{"run-task", "--nope"}, ExitUsage, "unknown flag"},
		{"typo in file", []string{"run-task", "--task-definition", bad}, ExitNeverStarted, `did you mean "image"`},
		{"missing file", []string{"run-task", "--task-definition", "./nope.json"}, ExitUsage, "nope.json"},
		{"missing request file", []string{"run-task", "--task-definition", "x", "--request", "./nope-request.yaml"}, ExitUsage, "nope-request.yaml"},
		{"unknown family", []string{"run-task", "--task-definition", "never-registered"}, ExitNeverStarted, "Unable to describe task definition"},
		{"bad runtime", []string{"run-task", "--runtime", "vm", "--task-definition", "x"}, ExitUsage, "--runtime must be docker or process"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "--state-dir", t.TempDir())
			code, _, errOut := run(t, args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestServe_RefusesNonLoopback(t *testing.T) {
	code, _, errOut := run(t, "serve", "--state-dir", t.TempDir(), "--listen", "0.0.0.0:0")
	if code != ExitUsage || !strings.Contains(errOut, "loopback") {
		t.Errorf("exit %d, stderr %q; want a usage error about loopback", code, errOut)
	}
}

func TestHelp_TeachesExitCodes(t *testing.T) {
	code, out, _ := run(t, "run-task", "--help")
	if code != 0 || !strings.Contains(out, "124") || !strings.Contains(out, "125") || !strings.Contains(out, "--task-definition") {
		t.Errorf("run-task --help: exit %d\n%s", code, out)
	}
	// serve serves Step Functions too, and says how to reach it.
	if code, out, _ := run(t, "serve", "--help"); code != 0 || !strings.Contains(out, "Step Functions API") || !strings.Contains(out, "AWS_ENDPOINT_URL_SFN") {
		t.Errorf("serve --help: exit %d\n%s", code, out)
	}
}

func TestServe_VerifiesSignaturesWhenCredentialsAreConfigured(t *testing.T) {
	testimage.RequireDocker(t)
	t.Setenv("ECSRUN_ACCESS_KEY_ID", "AKIDLOCAL")
	t.Setenv("ECSRUN_SECRET_ACCESS_KEY", "local-secret")
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out, errOut bytes.Buffer
	go func() {
		done <- Main(ctx, []string{"serve", "--state-dir", dir, "--listen", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d: %s", code, errOut.String())
		}
	}()
	var info engine.ServeInfo
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		if info, ok = engine.Discover(dir); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond) // polling for the daemon's record, bounded by the deadline
	}
	client := func(id, secret string) *awsecs.Client {
		return awsecs.New(awsecs.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(info.Endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		})
	}
	if _, err := client("AKIDLOCAL", "local-secret").ListClusters(ctx, &awsecs.ListClustersInput{}); err != nil {
		t.Fatalf("correctly signed request: %v", err)
	}
	for _, tc := range []struct{ id, secret, want string }{
		{"AKIDLOCAL", "wrong", "InvalidSignatureException"},
		{"AKIDOTHER", "local-secret", "UnrecognizedClientException"},
	} {
		_, err := client(tc.id, tc.secret).ListClusters(ctx, &awsecs.ListClustersInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != tc.want {
			t.Errorf("signed with %s/%s: error %v; want %s", tc.id, tc.secret, err, tc.want)
		}
	}
	// run-task finds the daemon and signs with the same keys.
	code, _, stderr := run(t, "run-task", "--state-dir", dir, "--task-definition", "never-registered")
	if code != ExitNeverStarted || !strings.Contains(stderr, "Unable to describe task definition") {
		t.Errorf("run-task through the signing daemon: exit %d, %s", code, stderr)
	}
}

func TestServe_RefusesABadConfig(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"missing", "", "--config"},
		{"unknown member", "instances:\n  - {name: a, cpu: 1, memory: 1, zonez: [a]}\n", `unknown field "zonez"`},
		{"no memory", "instances:\n  - {name: a, cpu: 1024}\n", "cpu and memory are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "absent.yaml")
			if tc.content != "" {
				path = writeFile(t, "config.yaml", tc.content)
			}
			code, _, errOut := run(t, "serve", "--state-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--config", path)
			if code != ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want a usage error mentioning %q", code, errOut, tc.want)
			}
		})
	}
}

// TestUsage_WrongArgumentsAndCommands: a missing or extra argument and an
// unknown command are usage errors (exit 2) that say what to do.
func TestUsage_WrongArgumentsAndCommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"workflow", "run"}, []string{"accepts 1 arg(s), received 0", "Usage: ecsrun workflow run FILE", "See 'ecsrun workflow run --help'."}},
		{[]string{"workflow", "validate"}, []string{"requires at least 1 arg(s)", "Usage: ecsrun workflow validate FILE..."}},
		{[]string{"workflow", "runn", "flow.json"}, []string{`unknown command "runn" for "ecsrun workflow"; did you mean "run"?`}},
		{[]string{"run-tsk"}, []string{`unknown command "run-tsk" for "ecsrun"; did you mean "run-task"?`}},
		{[]string{"secrets", "lst"}, []string{`unknown command "lst" for "ecsrun secrets"; did you mean "list"?`}},
		{[]string{"version", "extra"}, []string{`unknown command "extra" for "ecsrun version"`}},
	} {
		code, out, errOut := run(t, tc.args...)
		for _, w := range tc.want {
			if code != ExitUsage || !strings.Contains(errOut, w) {
				t.Errorf("%v: exit %d, stderr %q, stdout %.100q; want %d with %q", tc.args, code, errOut, out, ExitUsage, w)
			}
		}
	}
	// A group without arguments still shows its help.
	if code, out, _ := run(t, "workflow"); code != 0 || !strings.Contains(out, "Available Commands:") {
		t.Errorf("workflow: exit %d\n%s", code, out)
	}
}
