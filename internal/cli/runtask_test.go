package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// childArgsEnv makes the test binary run the command line it holds (a JSON
// list) instead of the tests, so signal tests drive a real process.
const childArgsEnv = "ECSRUN_TEST_CHILD_ARGS"

// childNofileEnv, with childArgsEnv, lowers the child's open file limit
// (RLIMIT_NOFILE) to the number it holds before it runs.
const childNofileEnv = "ECSRUN_TEST_CHILD_NOFILE"

func TestMain(m *testing.M) {
	if a := os.Getenv(childArgsEnv); a != "" {
		if n, err := strconv.ParseUint(os.Getenv(childNofileEnv), 10, 64); err == nil {
			if err := setOpenFileLimit(n); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(99)
			}
		}
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(99)
		}
		os.Exit(Main(context.Background(), args, os.Stdin, os.Stdout, os.Stderr))
	}
	// No test uses the user's state directory (~/.local/state/ecsrun),
	// which another ecsrun, of another version, may hold.
	state, err := os.MkdirTemp("", "ecsrun-cli-test-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(99)
	}
	os.Setenv("XDG_STATE_HOME", state)
	code := m.Run()
	os.RemoveAll(state)
	os.Exit(code)
}

// processDef writes a task definition whose containers run the toolbox as
// host processes (--runtime process): each entry is "name:essential" and
// its toolbox steps.
func processDef(t *testing.T, family string, containers ...procContainer) string {
	t.Helper()
	bin := testimage.HostBinary(t)
	var b strings.Builder
	fmt.Fprintf(&b, "family: %s\ncontainerDefinitions:\n", family)
	for _, c := range containers {
		cmd, _ := json.Marshal(c.cmd)
		fmt.Fprintf(&b, "  - name: %s\n    image: toolbox\n    memory: 64\n    essential: %v\n    entryPoint: [%q]\n    command: %s\n", c.name, !c.sidecar, bin, cmd)
	}
	return writeFile(t, family+".yaml", b.String())
}

type procContainer struct {
	name    string
	sidecar bool
	cmd     []string
}

func app(cmd ...string) procContainer { return procContainer{name: "app", cmd: cmd} }

// runProc runs run-task on a fresh embedded engine with the process runtime.
func runProc(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return run(t, append([]string{"run-task", "--runtime", "process", "--state-dir", t.TempDir()}, args...)...)
}

// decodeReport decodes a --output json document and checks it against the
// documented shape (validateReport).
func decodeReport(t *testing.T, out string) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--output json is not one JSON document: %v\n%s", err, out)
	}
	validateReport(t, doc)
	return doc
}

// The documented members of the JSON report and their JSON types.
var (
	reportMembers = map[string]string{
		"version": "number", "target": "string", "taskDefinitionArn": "string", "taskDefinitionSource": "string",
		"request": "object", "count": "number", "wait": "string", "startedAt": "string", "finishedAt": "string",
		"durationSeconds": "number", "attempts": "array", "tasks": "array", "apiCalls": "object",
		"exitCode": "number", "exitReason": "string",
		"task": "string", "environment": "string", "timedOut": "bool", "interrupted": "string",
		"dryRun": "bool", "taskDefinition": "object", "batches": "array", "warnings": "array",
	}
	reportRequired = []string{"version", "target", "taskDefinitionArn", "taskDefinitionSource", "request", "count", "wait",
		"startedAt", "finishedAt", "durationSeconds", "attempts", "tasks", "apiCalls", "exitCode", "exitReason"}
	attemptMembers = map[string]string{
		"task": "number", "attempt": "number", "clientToken": "string", "taskArn": "string", "failure": "object",
		"outcome": "string", "exitCode": "number", "reason": "string", "error": "string", "errorNames": "array",
		"lastStatus": "string", "stopCode": "string", "stoppedReason": "string", "createdAt": "string",
		"startedAt": "string", "stoppingAt": "string", "stoppedAt": "string", "durationSeconds": "number",
		"containers": "array", "stopRequested": "string", "retried": "bool", "retryDelaySeconds": "number",
	}
	containerMembers = map[string]string{
		"name": "string", "essential": "bool", "lastStatus": "string", "exitCode": "number|null",
		"reason": "string", "logGroup": "string", "logStream": "string",
	}
	outcomes = map[string]bool{"succeeded": true, "failed": true, "neverStarted": true, "timedOut": true,
		"interrupted": true, "running": true, "launched": true, "lost": true}
)

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

func checkMembers(t *testing.T, where string, obj map[string]any, members map[string]string, required []string) {
	t.Helper()
	for k, v := range obj {
		want, ok := members[k]
		if !ok {
			t.Errorf("%s: undocumented member %q", where, k)
			continue
		}
		if got := jsonType(v); !strings.Contains(want, got) {
			t.Errorf("%s.%s: %s; want %s", where, k, got, want)
		}
	}
	for _, k := range required {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s: missing %q", where, k)
		}
	}
}

// validateReport checks the report's shape and its invariants: every task
// has attempts numbered from 1, each attempt has a task ARN or a failure,
// the timestamps are ordered and RFC 3339, and the summary agrees with the
// attempts.
func validateReport(t *testing.T, doc map[string]any) {
	t.Helper()
	checkMembers(t, "report", doc, reportMembers, reportRequired)
	if doc["version"] != 1.0 {
		t.Errorf("version %v; want 1", doc["version"])
	}
	if doc["dryRun"] == true {
		return
	}
	count := int(doc["count"].(float64))
	last := map[int]map[string]any{}
	next := map[int]int{}
	for i, a := range doc["attempts"].([]any) {
		att := a.(map[string]any)
		where := fmt.Sprintf("attempts[%d]", i)
		checkMembers(t, where, att, attemptMembers, []string{"task", "attempt", "outcome", "exitCode"})
		task := int(att["task"].(float64))
		if task < 1 || task > count {
			t.Errorf("%s: task %d outside 1..%d", where, task, count)
		}
		next[task]++
		if int(att["attempt"].(float64)) != next[task] {
			t.Errorf("%s: attempt %v; want %d", where, att["attempt"], next[task])
		}
		if att["taskArn"] == nil && att["failure"] == nil {
			t.Errorf("%s: neither a task ARN nor a failure", where)
		}
		if !outcomes[att["outcome"].(string)] {
			t.Errorf("%s: unknown outcome %v", where, att["outcome"])
		}
		var prev time.Time
		for _, k := range []string{"createdAt", "startedAt", "stoppedAt"} {
			s, ok := att[k].(string)
			if !ok {
				continue
			}
			ts, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Errorf("%s.%s: %v", where, k, err)
			}
			if ts.Before(prev) {
				t.Errorf("%s.%s %s is before the previous timestamp %s", where, k, ts, prev)
			}
			prev = ts
		}
		for j, c := range asList(att["containers"]) {
			checkMembers(t, fmt.Sprintf("%s.containers[%d]", where, j), c.(map[string]any), containerMembers, []string{"name", "essential", "exitCode"})
		}
		last[task] = att
	}
	tasks := doc["tasks"].([]any)
	if len(tasks) != count {
		t.Errorf("%d task summaries; want count %d", len(tasks), count)
	}
	firstFailure := 0
	for i, s := range tasks {
		sum := s.(map[string]any)
		if o := sum["outcome"].(string); firstFailure == 0 && o != "succeeded" && o != "running" && o != "launched" {
			firstFailure = int(sum["exitCode"].(float64))
		}
		a := last[i+1]
		if a == nil {
			continue // never launched
		}
		if sum["outcome"] != a["outcome"] || sum["exitCode"] != a["exitCode"] || int(sum["attempts"].(float64)) != next[i+1] {
			t.Errorf("tasks[%d] %v disagrees with its last attempt %v", i, sum, a)
		}
	}
	if doc["timedOut"] != true && doc["interrupted"] == nil && int(doc["exitCode"].(float64)) != firstFailure {
		t.Errorf("exitCode %v; want the first failing task's %d", doc["exitCode"], firstFailure)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func attempts(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, a := range doc["attempts"].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

func TestRunTaskCLI_ExitCodes(t *testing.T) {
	withSidecar := processDef(t, "sidecar",
		procContainer{name: "setup", sidecar: true, cmd: []string{"out", "setting up", "--", "exit", "5"}},
		app("sleep", "300ms", "--", "exit", "0"))
	tests := []struct {
		name string
		args []string
		want int
		out  string
	}{
		{"success", []string{"--task-definition", processDef(t, "ok", app("out", "all good", "--", "exit", "0"))}, 0, "app | all good"},
		{"the application's code", []string{"--task-definition", processDef(t, "seven", app("out", "failing", "--", "exit", "7"))}, 7, "app | failing"},
		{"never started", []string{"--task-definition", writeFile(t, "missing.yaml", "family: missing\ncontainerDefinitions: [{name: app, image: x, memory: 64, entryPoint: [/nonexistent/toolbox]}]\n")}, ExitNeverStarted, ""},
		{"timeout", []string{"--timeout", "700ms", "--task-definition", processDef(t, "slow", app("out", "started", "--", "sleep", "60s"))}, ExitTimeout, "app | started"},
		{"a failing sidecar does not count", []string{"--task-definition", withSidecar}, 0, "setup | setting up"},
		{"--success-container", []string{"--success-container", "setup", "--task-definition", withSidecar}, 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runProc(t, tt.args...)
			if code != tt.want || !strings.Contains(out, tt.out) {
				t.Errorf("exit %d; want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tt.want, tt.out, out, errOut)
			}
		})
	}
}

func TestRunTaskCLI_CountAbove10AndJSONReport(t *testing.T) {
	def := processDef(t, "batch", app("out", "working", "--", "exit", "0"))
	code, out, errOut := runProc(t, "--task-definition", def, "--count", "12", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	doc := decodeReport(t, out)
	as := attempts(doc)
	arns, tokens := map[string]bool{}, map[string]bool{}
	for _, a := range as {
		arns[a["taskArn"].(string)] = true
		tokens[a["clientToken"].(string)] = true
		if c := a["containers"].([]any)[0].(map[string]any); c["logStream"] == "" || c["exitCode"] != 0.0 {
			t.Errorf("container %v", c)
		}
	}
	calls := doc["apiCalls"].(map[string]any)
	if len(as) != 12 || len(arns) != 12 || len(tokens) != 2 || calls["ECS.RunTask"] != 2.0 {
		t.Errorf("%d attempts, %d ARNs, %d client tokens, %v RunTask calls; want 12, 12, 2, 2", len(as), len(arns), len(tokens), calls["ECS.RunTask"])
	}
	// With --output json the container output goes to standard error.
	if n := strings.Count(errOut, "app | working"); n != 12 {
		t.Errorf("%d log lines on standard error; want 12\n%s", n, errOut)
	}
}

func TestRunTaskCLI_TaskRoleWithoutLocalCredentials(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/app-task"
	def := processDef(t, "withrole", app("out", "working", "--", "exit", "0"))
	b, err := os.ReadFile(def)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(def, append([]byte("taskRoleArn: "+role+"\n"), b...), 0o600); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	code, out, errOut := run(t, "run-task", "--runtime", "process", "--state-dir", state, "--task-definition", def, "--output", "json")
	if code != 0 {
		t.Fatalf("a task whose role has no local credentials: exit %d; want 0 (it runs)\n%s", code, errOut)
	}
	want := "the task role " + role + " is not in the task roles file " + filepath.Join(state, "task-roles.yaml")
	if n := strings.Count(errOut, "Warning: "+want); n != 1 {
		t.Errorf("run-task warns %d times %q; want once\n%s", n, want, errOut)
	}
	doc := decodeReport(t, out)
	if w, _ := doc["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), want) {
		t.Errorf("report warnings %v; want the role's", doc["warnings"])
	}
	// Mapped, the role gets no warning.
	if err := os.WriteFile(filepath.Join(state, "task-roles.yaml"), []byte("roles:\n  - roleArn: app-task\n    accessKeyId: AKID\n    secretAccessKey: secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "run-task", "--runtime", "process", "--state-dir", state, "--task-definition", def, "--output", "json")
	if code != 0 || strings.Contains(errOut, "Warning:") || decodeReport(t, out)["warnings"] != nil {
		t.Errorf("a mapped role: exit %d, warnings in the report %v; want 0 and none\n%s", code, decodeReport(t, out)["warnings"], errOut)
	}
}

func TestRunTaskCLI_RetriesMaxAttempts2MeansThreeTasks(t *testing.T) {
	def := processDef(t, "flaky", app("out", "trying", "--", "exit", "3"))
	code, out, errOut := runProc(t, "--task-definition", def, "--max-attempts", "2", "--retry-on", "States.TaskFailed",
		"--retry-interval", "20ms", "--backoff-rate", "1.5", "--output", "json")
	if code != 3 {
		t.Fatalf("exit %d; want 3\n%s", code, errOut)
	}
	as := attempts(decodeReport(t, out))
	if len(as) != 3 {
		t.Fatalf("%d attempts; want 3", len(as))
	}
	for i, a := range as {
		if a["outcome"] != "failed" || int(a["attempt"].(float64)) != i+1 || a["error"] != "States.TaskFailed" {
			t.Errorf("attempt %d: %v", i+1, a)
		}
	}
	if as[0]["retryDelaySeconds"] != 0.02 || as[1]["retryDelaySeconds"] != 0.03 || as[2]["retried"] != nil {
		t.Errorf("delays %v, %v, last retried %v; want 0.02, 0.03 and no retry", as[0]["retryDelaySeconds"], as[1]["retryDelaySeconds"], as[2]["retried"])
	}
	if !strings.Contains(errOut, "retrying in 20ms (attempt 2 of 3)") {
		t.Errorf("the human log does not announce the retry:\n%s", errOut)
	}
}

func TestRunTaskCLI_RequestFileWithOverridesAndEnv(t *testing.T) {
	def := processDef(t, "overrides", app("exit", "9"))
	t.Setenv("ECSRUN_TEST_VALUE", "expanded")
	req := writeFile(t, "request.yaml", `# A Run Task Request Definition, as in the Harness step
cluster: default
count: 2
startedBy: from-request
tags:
  - {key: team, value: data}
overrides:
  containerOverrides:
    - name: app
      command: [getenv, FROM_REQUEST, --, getenv, SHARED, --, getenv, FROM_FLAG, --, getenv, EXPANDED]
      environment:
        - {name: FROM_REQUEST, value: request}
        - {name: SHARED, value: request}
        - {name: EXPANDED, value: "${ECSRUN_TEST_VALUE}"}
`)
	code, out, errOut := runProc(t, "--task-definition", def, "--request", req, "--expand-env",
		"--env", "FROM_FLAG=flag", "--env", "app:SHARED=flag wins", "--tag", "run=ci", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"app | request", "app | flag wins", "app | flag", "app | expanded"} {
		if n := strings.Count(errOut, want+"\n"); n != 2 {
			t.Errorf("%q printed %d times; want once per task (count 2 from the request)\n%s", want, n, errOut)
		}
	}
	doc := decodeReport(t, out)
	req2 := doc["request"].(map[string]any)
	tags, _ := json.Marshal(req2["tags"])
	if req2["startedBy"] != "from-request" || string(tags) != `[{"key":"team","value":"data"},{"key":"run","value":"ci"}]` || doc["count"] != 2.0 {
		t.Errorf("request: startedBy %v tags %s count %v", req2["startedBy"], tags, doc["count"])
	}
	// Errors in a request file name the member.
	bad := writeFile(t, "bad.yaml", "overrides: {containerOverride: []}\n")
	code, _, errOut = runProc(t, "--task-definition", def, "--request", bad)
	if code != ExitNeverStarted || !strings.Contains(errOut, `overrides.containerOverride: unknown member; did you mean "containerOverrides"?`) {
		t.Errorf("bad request file: exit %d\n%s", code, errOut)
	}
}

func TestRunTaskCLI_WaitRunningWithATaskThatExitsAtOnce(t *testing.T) {
	// The first poll comes after the task stopped (the endpoint holds
	// every DescribeTasks until the tasks asked for are STOPPED): it is
	// judged by its exit codes, never an error of the waiter.
	url := serveDescribesStopped(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	for _, tc := range []struct {
		exit string
		want int
	}{{"0", 0}, {"4", 4}} {
		def := processDef(t, "quick"+tc.exit, app("out", "bye", "--", "exit", tc.exit))
		code, out, errOut := run(t, "run-task", "--endpoint-url", url, "--region", "us-east-1",
			"--task-definition", def, "--wait", "running", "--output", "json")
		if code != tc.want || !strings.Contains(errOut, "app | bye") {
			t.Errorf("exit %s with --wait running: got %d; want %d\nstdout:\n%s\nstderr:\n%s", tc.exit, code, tc.want, out, errOut)
			continue
		}
		if a := attempts(decodeReport(t, out))[0]; a["lastStatus"] != "STOPPED" {
			t.Errorf("exit %s with --wait running: judged %v; want STOPPED", tc.exit, a["lastStatus"])
		}
	}
}

// serveDescribesStopped serves an engine as serveEngine does, except that
// it answers a DescribeTasks only once every task it names has stopped.
func serveDescribesStopped(t *testing.T) string {
	t.Helper()
	_, client := serveEngine(t)
	inner := client.Options().BaseEndpoint
	target, err := neturl.Parse(aws.ToString(inner))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DescribeTasks") {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			var in struct {
				Cluster string
				Tasks   []string
			}
			if err := json.Unmarshal(body, &in); err == nil {
				// Answered after 30 s whatever: the test then fails on
				// what the task was judged.
				awsecs.NewTasksStoppedWaiter(client, func(o *awsecs.TasksStoppedWaiterOptions) {
					o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
				}).Wait(r.Context(), &awsecs.DescribeTasksInput{Cluster: aws.String(in.Cluster), Tasks: in.Tasks}, 30*time.Second)
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// serveEngine starts an engine with the process runtime behind an HTTP
// server, as `ecsrun serve` does, and returns its URL and an SDK client.
func serveEngine(t *testing.T) (string, *awsecs.Client) {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{StateDir: t.TempDir(), Runtime: process.New()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eng.Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	client := awsecs.New(awsecs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	return srv.URL, client
}

func TestRunTaskCLI_ThroughServeWithBothTargets(t *testing.T) {
	url, client := serveEngine(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	def := processDef(t, "served", app("out", "via serve", "--", "exit", "6"))
	for _, target := range []string{"local", "aws"} {
		code, out, errOut := run(t, "run-task", "--target", target, "--endpoint-url", url, "--region", "us-east-1",
			"--task-definition", def, "--output", "json")
		if code != 6 || !strings.Contains(errOut, "app | via serve") {
			t.Errorf("--target %s: exit %d; want 6\n%s", target, code, errOut)
			continue
		}
		doc := decodeReport(t, out)
		if tg := doc["target"].(string); !strings.Contains(tg, url) {
			t.Errorf("--target %s: report target %q", target, tg)
		}
	}
	// A timeout against the endpoint stops the task: ECS itself says so.
	slow := processDef(t, "served-slow", app("out", "started", "--", "sleep", "60s"))
	code, out, errOut := run(t, "run-task", "--target", "aws", "--endpoint-url", url, "--region", "us-east-1",
		"--task-definition", slow, "--timeout", "800ms", "--output", "json")
	if code != ExitTimeout {
		t.Fatalf("timeout: exit %d; want 124\n%s", code, errOut)
	}
	arn := attempts(decodeReport(t, out))[0]["taskArn"].(string)
	d, err := client.DescribeTasks(context.Background(), &awsecs.DescribeTasksInput{Tasks: []string{arn}})
	if err != nil || len(d.Tasks) != 1 {
		t.Fatal(err)
	}
	if tk := d.Tasks[0]; aws.ToString(tk.LastStatus) != "STOPPED" || !strings.Contains(aws.ToString(tk.StoppedReason), "Stopped by ecsrun: --timeout of 800ms expired") {
		t.Errorf("after the timeout the task is %s: %q", aws.ToString(tk.LastStatus), aws.ToString(tk.StoppedReason))
	}
}

// child runs the command line in a new process (this test binary) and
// returns it with its standard output, and standard error as lines.
func child(t *testing.T, args ...string) (*exec.Cmd, *strings.Builder, <-chan string) {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(a))
	var out strings.Builder
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &out, lines
}

func TestRunTaskCLI_SignalsStopTheTasks(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		name string
		want int
	}{{syscall.SIGINT, "SIGINT", ExitInterrupted}, {syscall.SIGTERM, "SIGTERM", ExitTerminated}} {
		t.Run(tc.name, func(t *testing.T) {
			def := processDef(t, "interrupted", app("trap", "TERM", "0", "bye from the task", "--", "out", "ready", "--", "forever"))
			cmd, out, lines := child(t, "run-task", "--runtime", "process", "--state-dir", t.TempDir(),
				"--task-definition", def, "--count", "2", "--output", "json")
			var log []string
			ready := 0
			deadline := time.After(30 * time.Second)
			for ready < 2 {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("the command ended early:\n%s", strings.Join(log, "\n"))
					}
					log = append(log, l)
					if strings.HasSuffix(l, "app | ready") {
						ready++
					}
				case <-deadline:
					t.Fatalf("the tasks did not start:\n%s", strings.Join(log, "\n"))
				}
			}
			cmd.Process.Signal(tc.sig)
			for l := range lines {
				log = append(log, l)
			}
			err := cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			if code != tc.want {
				t.Fatalf("exit %d (%v); want %d\n%s", code, err, tc.want, strings.Join(log, "\n"))
			}
			doc := decodeReport(t, out.String())
			if doc["interrupted"] != tc.name || doc["exitCode"] != float64(tc.want) {
				t.Errorf("report: interrupted %v, exitCode %v", doc["interrupted"], doc["exitCode"])
			}
			for _, a := range attempts(doc) {
				if a["outcome"] != "interrupted" || a["lastStatus"] != "STOPPED" || !strings.Contains(a["stoppedReason"].(string), "interrupted ("+tc.name+")") {
					t.Errorf("attempt: %s %s %q; want interrupted, STOPPED by ecsrun", a["outcome"], a["lastStatus"], a["stoppedReason"])
				}
			}
			// What the tasks printed on the stop signal was drained.
			if n := strings.Count(strings.Join(log, "\n"), "app | bye from the task"); n != 2 {
				t.Errorf("%d goodbye lines; want 2\n%s", n, strings.Join(log, "\n"))
			}
		})
	}
}

// dockerDef writes a task definition of the toolbox image, without
// networking (short-lived containers need none).
func dockerDef(t *testing.T, family string, cmd ...string) string {
	t.Helper()
	image := testimage.Image(t)
	c, _ := json.Marshal(cmd)
	return writeFile(t, family+".yaml", fmt.Sprintf("family: %s\nnetworkMode: none\ncontainerDefinitions:\n  - {name: app, image: %s, memory: 64, command: %s}\n", family, image, c))
}

func TestRunTaskCLI_DockerLogDrainLosesNothing(t *testing.T) {
	def := dockerDef(t, "drain", "lines", "3000", "line", "--", "out", "the very last line", "--", "exit", "3")
	code, out, errOut := run(t, "run-task", "--state-dir", t.TempDir(), "--pull", "prefer-cached", "--task-definition", def)
	if code != 3 {
		t.Fatalf("exit %d; want 3\n%s", code, errOut)
	}
	got := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(got) != 3001 {
		t.Fatalf("%d lines; want 3001", len(got))
	}
	for i, l := range got[:3000] {
		if !strings.HasSuffix(l, fmt.Sprintf("app | line %d", i+1)) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
	if !strings.HasSuffix(got[3000], "app | the very last line") {
		t.Errorf("last line %q", got[3000])
	}
}

func TestRunTaskCLI_DockerNeverStarted(t *testing.T) {
	testimage.RequireDocker(t)
	def := writeFile(t, "unpullable.yaml", "family: unpullable\nnetworkMode: none\ncontainerDefinitions: [{name: app, image: ecsrun-test/no-such-image:never, memory: 64}]\n")
	code, out, errOut := run(t, "run-task", "--state-dir", t.TempDir(), "--task-definition", def, "--output", "json")
	if code != ExitNeverStarted {
		t.Fatalf("exit %d; want 125\n%s", code, errOut)
	}
	a := attempts(decodeReport(t, out))[0]
	if a["outcome"] != "neverStarted" || a["stopCode"] != "TaskFailedToStart" || !strings.Contains(fmt.Sprint(a["errorNames"]), "CannotPullContainerError") {
		t.Errorf("attempt %v", a)
	}
	// The image is not in the Docker cache: build or pull it there.
	if strings.Count(errOut, "Hint: image ecsrun-test/no-such-image:never is not in the local Docker cache") != 1 ||
		!strings.Contains(errOut, "docker build -t ecsrun-test/no-such-image:never .") || !strings.Contains(errOut, "docker pull ecsrun-test/no-such-image:never") {
		t.Errorf("no hint to build or pull the image (once):\n%s", errOut)
	}
}

const projectFile = `version: 1
defaultEnvironment: local
environments:
  local:
    target: local
    env: {GREETING: hello from the environment}
  elsewhere:
    target: local
    endpoint: http://127.0.0.1:1
tasks:
  migrate:
    taskDefinition: %s
    env: {MANAGE_PY_TASK: "not overridden"}
  seed:
    taskDefinition: %s
  check:
    taskDefinition: %s
`

func TestRunTaskCLI_ProjectTasksAndEnvironments(t *testing.T) {
	dir := t.TempDir()
	migrate := processDef(t, "migrate", app("getenv", "GREETING", "--", "getenv", "MANAGE_PY_TASK"))
	seed := processDef(t, "seed", app("out", "seeding", "--", "exit", "4"))
	check := processDef(t, "check", app("out", "checking"))
	pf := filepath.Join(dir, "ecsrun.yaml")
	if err := os.WriteFile(pf, []byte(fmt.Sprintf(projectFile, migrate, seed, check)), 0o644); err != nil {
		t.Fatal(err)
	}
	proj := func(args ...string) (int, string, string) {
		return runProc(t, append([]string{"--project", pf}, args...)...)
	}
	// The hamlet pipeline: environment, task instance, an environment value.
	code, out, errOut := proj("migrate", "--environment", "local", "--env", "MANAGE_PY_TASK=migrate --no-input")
	if code != 0 || !strings.Contains(out, "app | hello from the environment") || !strings.Contains(out, "app | migrate --no-input") {
		t.Errorf("migrate: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// In order, stopping at the first failure.
	code, out, errOut = proj("migrate,seed,check")
	if code != 4 || !strings.Contains(out, "seeding") || strings.Contains(out, "checking") || !strings.Contains(errOut, "check: skipped") {
		t.Errorf("in order: exit %d; want 4 with check skipped\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, _ = proj("migrate,seed,check", "--keep-going")
	if code != 4 || !strings.Contains(out, "checking") {
		t.Errorf("--keep-going: exit %d; want 4 with check run\n%s", code, out)
	}
	// In parallel, with one combined JSON document.
	code, out, errOut = proj("migrate,seed,check", "--parallel", "--output", "json")
	if code != 4 {
		t.Fatalf("--parallel: exit %d; want 4\n%s", code, errOut)
	}
	var combined struct {
		Version  int              `json:"version"`
		Runs     []map[string]any `json:"runs"`
		ExitCode int              `json:"exitCode"`
	}
	if err := json.Unmarshal([]byte(out), &combined); err != nil || len(combined.Runs) != 3 || combined.ExitCode != 4 {
		t.Fatalf("combined document: %v %+v", err, combined)
	}
	for i, name := range []string{"migrate", "seed", "check"} {
		validateReport(t, combined.Runs[i])
		if combined.Runs[i]["task"] != name || combined.Runs[i]["environment"] != "local" {
			t.Errorf("run %d: task %v environment %v", i, combined.Runs[i]["task"], combined.Runs[i]["environment"])
		}
	}
	for _, want := range []string{"[seed] ", "[check] "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("parallel runs are not labelled %q:\n%s", want, errOut)
		}
	}
	// Errors name what exists.
	code, _, errOut = proj("migrat")
	if code != ExitUsage || !strings.Contains(errOut, `no task "migrat"; the project file declares check, migrate, seed`) {
		t.Errorf("unknown task: exit %d %s", code, errOut)
	}
	code, _, errOut = proj("migrate", "--environment", "prod")
	if code != ExitUsage || !strings.Contains(errOut, `no environment "prod"`) {
		t.Errorf("unknown environment: exit %d %s", code, errOut)
	}
}

func TestRunTaskCLI_DryRun(t *testing.T) {
	def := writeFile(t, "dry.yaml", "family: dry\ncontainerDefinitions: [{name: app, image: x, memory: 64}]\n")
	// No engine, no Docker: a dry run of a file talks to nothing.
	code, out, errOut := run(t, "run-task", "--state-dir", t.TempDir(), "--runtime", "nope", "--task-definition", def,
		"--dry-run", "--count", "25", "--env", "K=V", "--subnets", "subnet-1,subnet-2")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"batches:\n- 10\n- 10\n- 5\n", "family: dry", "- subnet-2", "name: K", "value: V", "taskDefinition: dry"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "would trigger 25 tasks in 3 RunTask calls") {
		t.Errorf("stderr: %s", errOut)
	}
	code, out, _ = run(t, "run-task", "--task-definition", def, "--dry-run", "--output", "json")
	if code != 0 {
		t.Fatalf("json dry run: exit %d", code)
	}
	if doc := decodeReport(t, out); doc["dryRun"] != true || doc["taskDefinition"] == nil {
		t.Errorf("json dry run: %v", doc)
	}
}

func TestRunTaskCLI_UsageErrors(t *testing.T) {
	def := writeFile(t, "u.yaml", "family: u\ncontainerDefinitions: [{name: app, image: x, memory: 64}]\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--wait", "forever"}, "--wait must be stopped, running or none"},
		{[]string{"--count", "0"}, "--count must be 1 or more"},
		{[]string{"--retry-on", "States.Everything"}, "unknown error name"},
		{[]string{"--jitter", "half"}, "--jitter must be full or none"},
		{[]string{"--backoff-rate", "0.5", "--max-attempts", "1"}, "--backoff-rate must be a number of 1.0 or more"},
		{[]string{"--env", "NOEQUALS"}, "want [CONTAINER:]KEY=VALUE"},
		{[]string{"--tag", "=v"}, "--tag"},
		{[]string{"--output", "xml"}, "--output must be text or json"},
		{[]string{"--logs", "some"}, "--logs must be all, essential or none"},
		{[]string{"--color", "rainbow"}, "--color must be auto, always or never"},
		{[]string{"--launch-type", "fargate"}, "--launch-type must be one of"},
		{[]string{"--assign-public-ip", "maybe"}, "--assign-public-ip must be ENABLED or DISABLED"},
		{[]string{"--command", `echo "open`}, "unterminated"},
		{[]string{"--target", "gcp", "--dry-run", "--reuse-if-unchanged"}, "--target must be local or aws"},
		{[]string{"--environment", "x", "--project", filepath.Join(t.TempDir(), "none.yaml")}, "project file"},
		{[]string{def}, "did you mean --task-definition " + def},
	}
	for _, tt := range tests {
		args := append([]string{"run-task", "--state-dir", t.TempDir(), "--task-definition", def}, tt.args...)
		code, _, errOut := run(t, args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 mentioning %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestRunTaskCLI_HelpTeaches(t *testing.T) {
	code, out, _ := run(t, "run-task", "--help")
	for _, want := range []string{"Exit codes:", "124", "125", "130", "143", "Examples:", "--environment staging",
		"--max-attempts", "--retry-on", "States.TaskFailed", "--output json", "--request", "--reuse-if-unchanged",
		"--target", "--wait", "--start-timeout", "--success-container", "--expand-env", "--parallel", "MaxAttempts 2 means at most three tasks"} {
		if !strings.Contains(out, want) {
			t.Errorf("run-task --help lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
}

func TestRunTaskCLI_JSONDocumentEvenWhenNothingRan(t *testing.T) {
	bad := writeFile(t, "bad.json", `{"family": "x", "containerDefinitions": [{"name": "a", "imagee": "busybox"}]}`)
	code, out, errOut := run(t, "run-task", "--state-dir", t.TempDir(), "--task-definition", bad, "--output", "json")
	if code != ExitNeverStarted || !strings.Contains(errOut, `did you mean "image"`) {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	doc := decodeReport(t, out)
	if doc["exitCode"] != float64(ExitNeverStarted) || !strings.Contains(doc["exitReason"].(string), `did you mean "image"`) || len(doc["attempts"].([]any)) != 0 {
		t.Errorf("report of a run that did not begin: %v", doc)
	}
}

func TestLocalNotices(t *testing.T) {
	dir := t.TempDir()
	roles := filepath.Join(dir, "task-roles.yaml")
	if err := os.WriteFile(roles, []byte("roles:\n  - roleArn: mapped\n    accessKeyId: A\n    secretAccessKey: S\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := &types.ProxyConfiguration{Type: types.ProxyConfigurationTypeAppmesh, ContainerName: aws.String("envoy")}
	tests := []struct {
		name      string
		rolesFile string
		def       types.TaskDefinition
		override  string
		want      []string
	}{
		{"nothing to say", roles, types.TaskDefinition{TaskRoleArn: aws.String("arn:aws:iam::1:role/mapped")}, "", nil},
		{"a role without local credentials", roles, types.TaskDefinition{TaskRoleArn: aws.String("arn:aws:iam::1:role/other")}, "", []string{"the task role arn:aws:iam::1:role/other is not in the task roles file " + roles}},
		{"the override's role counts", roles, types.TaskDefinition{TaskRoleArn: aws.String("arn:aws:iam::1:role/other")}, "arn:aws:iam::1:role/mapped", nil},
		{"an endpoint whose roles file is unknown", "", types.TaskDefinition{TaskRoleArn: aws.String("arn:aws:iam::1:role/other")}, "", nil},
		{"App Mesh proxy", "", types.TaskDefinition{ProxyConfiguration: proxy}, "", []string{"does not redirect their traffic through the proxy"}},
	}
	for _, tt := range tests {
		req := &ecsmodel.RunTaskRequest{}
		if tt.override != "" {
			req.Overrides = &ecsmodel.TaskOverride{TaskRoleArn: tt.override}
		}
		got := localNotices(tt.rolesFile)(&tt.def, req)
		if len(got) != len(tt.want) {
			t.Errorf("%s: notices %q; want %d", tt.name, got, len(tt.want))
			continue
		}
		for i, w := range tt.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: notice %q; want it to say %q", tt.name, got[i], w)
			}
		}
	}
}

// A task whose container ignores SIGTERM: the first interrupt stops it and
// says the stop waits out the container's stopTimeout; the second stops
// waiting, says the task may still be running with the exact command that
// stops it, and exits 130.
func TestRunTaskCLI_SecondInterruptTellsTheTruth(t *testing.T) {
	url, client := serveEngine(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	bin := testimage.HostBinary(t)
	def := writeFile(t, "stubborn.yaml", fmt.Sprintf(`family: stubborn
containerDefinitions:
  - name: app
    image: toolbox
    memory: 64
    stopTimeout: 12
    entryPoint: [%q]
    command: [ignore, TERM, --, out, ready, --, forever]
`, bin))
	cmd, lines := childMerged(t, "run-task", "--endpoint-url", url, "--region", "us-east-1", "--task-definition", def)
	var log []string
	waitFor := func(what string, match func(string) bool) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the command ended before %s:\n%s", what, strings.Join(log, "\n"))
				}
				log = append(log, l)
				if match(l) {
					return
				}
			case <-deadline:
				t.Fatalf("no %s:\n%s", what, strings.Join(log, "\n"))
			}
		}
	}
	waitFor("ready line", func(l string) bool { return strings.HasSuffix(l, "app | ready") })
	cmd.Process.Signal(syscall.SIGINT)
	waitFor("notice of the stopTimeout", func(l string) bool {
		return strings.Contains(l, "stopTimeout of 12s") && strings.Contains(l, "second Ctrl-C stops waiting")
	})
	cmd.Process.Signal(syscall.SIGINT)
	for l := range lines {
		log = append(log, l)
	}
	cmd.Wait()
	all := strings.Join(log, "\n")
	if code := cmd.ProcessState.ExitCode(); code != ExitInterrupted {
		t.Fatalf("exit %d; want %d\n%s", code, ExitInterrupted, all)
	}
	if strings.Contains(all, "tasks were stopped") || !strings.Contains(all, "may still be running") {
		t.Errorf("the output does not say the task may still be running:\n%s", all)
	}
	// The task is indeed still running, and the printed command stops it.
	tasks, err := client.ListTasks(context.Background(), &awsecs.ListTasksInput{Family: aws.String("stubborn"), DesiredStatus: types.DesiredStatusStopped})
	if err != nil || len(tasks.TaskArns) != 1 {
		t.Fatalf("ListTasks: %v %v", tasks, err)
	}
	arn := tasks.TaskArns[0]
	d, err := client.DescribeTasks(context.Background(), &awsecs.DescribeTasksInput{Tasks: []string{arn}})
	if err != nil || len(d.Tasks) != 1 {
		t.Fatal(err)
	}
	if st := aws.ToString(d.Tasks[0].LastStatus); st == "STOPPED" {
		t.Errorf("the task is %s already; the test proves nothing", st)
	}
	want := fmt.Sprintf("aws --endpoint-url %s --region us-east-1 ecs stop-task --cluster default --task %s", url, ecsTaskID(arn))
	if !strings.Contains(all, want) {
		t.Fatalf("the output lacks the command %q:\n%s", want, all)
	}
	if _, err := client.StopTask(context.Background(), &awsecs.StopTaskInput{Cluster: aws.String("default"), Task: aws.String(ecsTaskID(arn))}); err != nil {
		t.Errorf("the printed command fails: %v", err)
	}
	// Let the engine finish the stop before it closes.
	for deadline := time.Now().Add(30 * time.Second); ; {
		d, err := client.DescribeTasks(context.Background(), &awsecs.DescribeTasksInput{Tasks: []string{arn}})
		if err == nil && len(d.Tasks) == 1 && aws.ToString(d.Tasks[0].LastStatus) == "STOPPED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the task did not stop: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// childMerged is child with standard output and standard error as one
// stream of lines.
func childMerged(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(a))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, lines
}

func ecsTaskID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// A cluster ARN of another region or account, in a flag or a request file,
// fails on the local engine as it fails on ECS.
func TestRunTaskCLI_ClusterARNOfAnotherRegionOrAccount(t *testing.T) {
	def := processDef(t, "elsewhere", app("exit", "0"))
	region := writeFile(t, "req.yaml", "cluster: arn:aws:ecs:eu-west-1:000000000000:cluster/default\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"request file, another region", []string{"--request", region}, "InvalidParameterException: Invalid Region in ARN"},
		{"flag, another account", []string{"--cluster", "arn:aws:ecs:us-east-1:123456789012:cluster/default"}, "ClusterNotFoundException: Cluster not found."},
		{"flag, not a cluster ARN", []string{"--cluster", "arn:aws:ecs:us-east-1:000000000000:task/default/abc"}, "InvalidParameterException: The ARN provided is invalid"},
	} {
		code, _, errOut := runProc(t, append([]string{"--task-definition", def}, tc.args...)...)
		if code != ExitNeverStarted || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d; want 125 with %q\n%s", tc.name, code, tc.want, errOut)
		}
	}
}
