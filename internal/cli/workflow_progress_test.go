package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

func TestFormatCause(t *testing.T) {
	task := `{"Attachments":[],"TaskArn":"arn:aws:ecs:us-east-1:000000000000:task/default/abc","ClusterArn":"arn:aws:ecs:us-east-1:000000000000:cluster/default",` +
		`"LastStatus":"STOPPED","StopCode":"EssentialContainerExited","StoppedReason":"Essential container in task exited","Cpu":"256","Overrides":{"ContainerOverrides":[]},` +
		`"Containers":[{"Name":"app","ExitCode":137,"Reason":"OutOfMemoryError: Container killed","RuntimeId":"deadbeef","Image":"x"}]}`
	long := `{"a":"` + strings.Repeat("x", 1000) + `"}`
	many := `[` + strings.Repeat(`1,`, 50) + `1]`
	for _, tc := range []struct{ name, in, want string }{
		{"text", "task failed", "task failed"},
		{"empty", "", ""},
		{"ECS task: what says why", task, `{
  "TaskArn": "arn:aws:ecs:us-east-1:000000000000:task/default/abc",
  "ClusterArn": "arn:aws:ecs:us-east-1:000000000000:cluster/default",
  "LastStatus": "STOPPED",
  "StopCode": "EssentialContainerExited",
  "StoppedReason": "Essential container in task exited",
  "Containers": [
    {
      "Name": "app",
      "ExitCode": 137,
      "Reason": "OutOfMemoryError: Container killed"
    }
  ]
}`},
		{"RunTask failures", `{"Tasks":[],"Failures":[{"Arn":"arn:x","Reason":"RESOURCE:MEMORY"}],"SdkHttpMetadata":{"HttpStatusCode":200}}`, `{
  "Failures": [
    {
      "Arn": "arn:x",
      "Reason": "RESOURCE:MEMORY"
    }
  ]
}`},
		{"other JSON keeps its order", `{"z":1,"a":{"b":[1,2]}}`, "{\n  \"z\": 1,\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ]\n  }\n}"},
		{"long string cut", long, "{\n  \"a\": \"" + strings.Repeat("x", 292) + "…(709 more characters)\n}"},
		{"long document cut", many, "[\n" + strings.Repeat("  1,\n", 29)[:len(strings.Repeat("  1,\n", 29))-1] + "\n… (23 more lines: `ecsrun workflow describe` shows the whole cause)"},
	} {
		if got := formatCause(tc.in); got != tc.want {
			t.Errorf("%s: formatCause(%.60q) =\n%s\nwant:\n%s", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestEcsTasksOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"Tasks":[{"TaskArn":"arn:a/1"},{"TaskArn":"arn:a/2"}],"Failures":[]}`, []string{"arn:a/1", "arn:a/2"}},
		{`{"TaskArn":"arn:a/3","LastStatus":"STOPPED"}`, []string{"arn:a/3"}},
		{`{"tasks":[{"taskArn":"arn:a/4"}]}`, []string{"arn:a/4"}}, // the SDK's camelCase
		{`{"Payload":1}`, nil},
		{`not json`, nil},
		{`[1]`, nil},
	} {
		var got []string
		for _, t := range ecsTasksOf(tc.in) {
			got = append(got, t.TaskArn)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("ecsTasksOf(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}

// TestProgress_failures: what a failed attempt leads to, as the state's
// Retry and Catch decide: a retry with its number and delay, a Catch, or
// the state's failure.
func TestProgress_failures(t *testing.T) {
	def := `{"StartAt":"Run","States":{
	"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"x"},
	  "Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":5,"JitterStrategy":"FULL"},
	           {"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":2,"MaxAttempts":2,"BackoffRate":3}],
	  "Catch":[{"ErrorEquals":["States.Permissions"],"Next":"Done"}],"Next":"Done"},
	"Done":{"Type":"Succeed"}}}`
	sm, err := workflow.Parse([]byte(def), workflow.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1000, 0)
	var id int64
	ev := func(set func(*sfntypes.HistoryEvent)) sfntypes.HistoryEvent {
		id++
		e := sfntypes.HistoryEvent{Id: id, PreviousEventId: id - 1, Timestamp: aws.Time(start)}
		set(&e)
		return e
	}
	entered := ev(func(e *sfntypes.HistoryEvent) {
		e.Type = sfntypes.HistoryEventTypeTaskStateEntered
		e.StateEnteredEventDetails = &sfntypes.StateEnteredEventDetails{Name: aws.String("Run")}
	})
	scheduled := func() sfntypes.HistoryEvent {
		return ev(func(e *sfntypes.HistoryEvent) {
			e.Type = sfntypes.HistoryEventTypeTaskScheduled
			e.TaskScheduledEventDetails = &sfntypes.TaskScheduledEventDetails{ResourceType: aws.String("ecs"), Resource: aws.String("runTask.sync")}
		})
	}
	failed := func(name, cause string) sfntypes.HistoryEvent {
		return ev(func(e *sfntypes.HistoryEvent) {
			e.Type = sfntypes.HistoryEventTypeTaskFailed
			e.TaskFailedEventDetails = &sfntypes.TaskFailedEventDetails{Error: aws.String(name), Cause: aws.String(cause)}
		})
	}
	task := `{"TaskArn":"arn:aws:ecs:us-east-1:0:task/default/0123456789abcdef","LastStatus":"STOPPED"}`
	evs := []sfntypes.HistoryEvent{entered, scheduled(), failed("States.TaskFailed", task), scheduled(), failed("States.Timeout", ""),
		scheduled(), failed("States.TaskFailed", task), scheduled(), failed("States.TaskFailed", task)}
	var out strings.Builder
	p := newProgress(start, sm, 0.5)
	p.watched = true // (the tasks' lines are the watcher's)
	printHistory(&out, p, evs)
	want := []string{
		"Run: entered (Task state)",
		"Run: ecs:runTask.sync",
		"Run: retry 1 of 2 in 2s (1s at --time-scale 0.5) after States.TaskFailed",
		"Run: retry 1 of 2, ecs:runTask.sync",
		"Run: retry 1 of 5 in up to 1s (500ms at --time-scale 0.5) after States.Timeout",
		"Run: retry 1 of 5, ecs:runTask.sync",
		"Run: retry 2 of 2 in 6s (3s at --time-scale 0.5) after States.TaskFailed",
		"Run: retry 2 of 2, ecs:runTask.sync",
		"Run: failed with States.TaskFailed after 4 attempts",
	}
	if got := stripPrefixes(out.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A Catch takes what no retrier matches; its cause (not a task) is shown.
	id = 0
	out.Reset()
	entered = ev(func(e *sfntypes.HistoryEvent) {
		e.Type = sfntypes.HistoryEventTypeTaskStateEntered
		e.StateEnteredEventDetails = &sfntypes.StateEnteredEventDetails{Name: aws.String("Run")}
	})
	printHistory(&out, newProgress(start, sm, 1), []sfntypes.HistoryEvent{entered, scheduled(), failed("States.Permissions", "it broke")})
	if got := stripPrefixes(out.String()); got[len(got)-1] != "Run: failed with States.Permissions: it broke; caught, going on to Done" {
		t.Errorf("caught: %q", got)
	}
}

// stripPrefixes drops the "  id [  0.00s] " of history lines.
func stripPrefixes(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		_, rest, _ := strings.Cut(l, "s] ")
		out = append(out, rest)
	}
	return out
}
