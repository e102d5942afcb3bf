package project

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/runtask"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const project = `version: 1
defaultEnvironment: local
environments:
  local:
    target: local
    cluster: default
    env: {LOG_LEVEL: debug}
    timeout: 10m
  staging:
    target: aws
    region: eu-west-1
    profile: staging
    cluster: staging
    launchType: FARGATE
    subnets: [subnet-1, subnet-2]
    securityGroups: [sg-1]
    assignPublicIp: DISABLED
    tags: {env: staging}
    env: {LOG_LEVEL: info, "app:REGION": eu-west-1}
    retry: {maxAttempts: 2, interval: 5s, jitter: FULL}
tasks:
  migrate:
    description: Django migrations
    taskDefinition: taskdefs/app.yaml
    request: requests/migrate.yaml
    container: app
    command: [python, manage.py, migrate]
    env: {MANAGE_PY_TASK: migrate --no-input}
    tags: {task: migrate}
    timeout: 30m
    successContainer: app
    retry: {retryOn: [TaskFailedToStart, States.Timeout]}
  report:
    taskDefinition: report:3
    count: 4
    wait: running
`

func TestLoadAndApplyLayers(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "taskdefs/app.yaml", "family: app\ncontainerDefinitions: [{name: app, image: x, memory: 64}]\n")
	write(t, dir, "requests/migrate.yaml", `count: 2
cluster: from-request
startedBy: pipeline
networkConfiguration:
  awsvpcConfiguration: {subnets: [subnet-request], assignPublicIp: ENABLED}
overrides:
  containerOverrides: [{name: app, environment: [{name: FROM_REQUEST, value: "1"}]}]
`)
	pf, err := Load(write(t, dir, DefaultFile, project), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	env, name, err := pf.Environment("staging")
	if err != nil || name != "staging" || env.Target.Target != "aws" || env.Region != "eu-west-1" || env.Profile != "staging" {
		t.Fatalf("staging: %+v %q %v", env.Target, name, err)
	}
	names, tasks, err := pf.TasksNamed(SplitNames([]string{"migrate,report", "migrate"}))
	if err != nil || strings.Join(names, ",") != "migrate,report" {
		t.Fatalf("tasks: %v %v", names, err)
	}
	if want := filepath.Join(dir, "taskdefs/app.yaml"); tasks[0].TaskDefinition != want {
		t.Errorf("taskDefinition %q; want it relative to the project file: %q", tasks[0].TaskDefinition, want)
	}
	if tasks[1].TaskDefinition != "report:3" {
		t.Errorf("a registered revision was taken for a file: %q", tasks[1].TaskDefinition)
	}

	// Layers: environment, then the task (its request file first), then flags.
	o := runtask.Options{Retry: retry.Default()}
	flags := Settings{Cluster: "from-flags", Subnets: []string{"subnet-flag"}}
	for _, l := range []*Settings{&env.Settings, &tasks[0].Settings, &flags} {
		if err := l.Apply(&o); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := json.Marshal(o.Request)
	for _, want := range []string{
		`"cluster":"from-flags"`, `"launchType":"FARGATE"`, `"startedBy":"pipeline"`,
		`"subnets":["subnet-flag"]`, `"securityGroups":["sg-1"]`, `"assignPublicIp":"ENABLED"`,
		`{"key":"env","value":"staging"}`, `{"key":"task","value":"migrate"}`,
		`{"name":"FROM_REQUEST","value":"1"}`,
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("request lacks %s:\n%s", want, got)
		}
	}
	var env2 []string
	for _, v := range o.Changes.Env {
		env2 = append(env2, v.Container+":"+v.Name+"="+v.Value)
	}
	if strings.Join(env2, " ") != ":LOG_LEVEL=info app:REGION=eu-west-1 :MANAGE_PY_TASK=migrate --no-input" {
		t.Errorf("env changes in order: %q", env2)
	}
	if o.Count != 2 || o.Timeout != 30*time.Minute || o.SuccessContainer != "app" || o.Changes.Container != "app" || strings.Join(o.Changes.Command, " ") != "python manage.py migrate" {
		t.Errorf("options: count %d timeout %s success %q container %q command %q", o.Count, o.Timeout, o.SuccessContainer, o.Changes.Container, o.Changes.Command)
	}
	if o.Retry.MaxAttempts != 2 || o.Retry.Interval != 5*time.Second || o.Retry.Jitter != retry.JitterFull || strings.Join(o.Retry.RetryOn, ",") != "TaskFailedToStart,States.Timeout" || o.Retry.BackoffRate != 2 {
		t.Errorf("retry policy: %+v", o.Retry)
	}
	// The default environment.
	if _, name, _ := pf.Environment(""); name != "local" {
		t.Errorf("default environment %q; want local", name)
	}
}

func TestLoad_Errors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"a typo", "environments: {ci: {clustr: x}}", `environments["ci"].clustr: unknown member; did you mean "cluster"?`},
		{"a typo in a task", "tasks: {m: {taskDefinitoin: x}}", `did you mean "taskDefinition"?`},
		{"a typo in the request part", "tasks: {m: {overrides: {containerOverride: []}}}", `did you mean "containerOverrides"?`},
		{"a bad duration", "tasks: {m: {timeout: 5x}}", `tasks.m.timeout: "5x" is not a duration`},
		{"a bad target", "environments: {ci: {target: gcp}}", `environments.ci.target: must be local or aws`},
		{"an unknown default", "defaultEnvironment: prod\nenvironments: {ci: {}}", `no environment "prod"; the project file declares ci`},
		{"a bad wait", "tasks: {m: {wait: forever}}", "--wait must be stopped, running or none"},
		{"a bad retry class", "tasks: {m: {retry: {retryOn: [States.All]}}}", `did you mean "States.ALL"`},
		{"a bad launch type", "environments: {ci: {launchType: fargate}}", "launchType"},
		{"a bad env name", "tasks: {m: {env: {\"app:\": x}}}", "the variable name is empty"},
		{"a bad version", "version: 2", "version: 2 is not supported"},
		{"a list", "- a", "expected an object"},
		{"a boolean env value", "tasks: {m: {env: {DEBUG: true}}}", "put the value in quotes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(write(t, t.TempDir(), DefaultFile, tt.content), false, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v; want %q", err, tt.want)
			}
		})
	}
}

func TestLoad_ExpandEnv(t *testing.T) {
	p := write(t, t.TempDir(), DefaultFile, "environments: {ci: {cluster: \"${CLUSTER}\", profile: \"${PROFILE:-default}\"}}")
	lookup := func(k string) (string, bool) {
		if k == "CLUSTER" {
			return "builds", true
		}
		return "", false
	}
	pf, err := Load(p, true, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if e := pf.Environments["ci"]; e.Cluster != "builds" || e.Profile != "default" {
		t.Errorf("expanded: %+v", e)
	}
	if _, err := Load(p, true, func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "CLUSTER is not set") {
		t.Errorf("unset variable: %v", err)
	}
}

func TestUnknownNames(t *testing.T) {
	pf := &File{Tasks: map[string]Task{"migrate": {}, "seed": {}}, Environments: map[string]Environment{"staging": {}}}
	if _, _, err := pf.TasksNamed([]string{"Migrate"}); err == nil || !strings.Contains(err.Error(), `did you mean "migrate"`) {
		t.Errorf("case typo: %v", err)
	}
	if _, _, err := pf.TasksNamed([]string{"deploy"}); err == nil || !strings.Contains(err.Error(), "declares migrate, seed") {
		t.Errorf("unknown task: %v", err)
	}
	if _, _, err := pf.Environment("prod"); err == nil || !strings.Contains(err.Error(), "declares staging") {
		t.Errorf("unknown environment: %v", err)
	}
	if got := Find("", t.TempDir()); got != "" {
		t.Errorf("Find in an empty directory = %q", got)
	}
}
