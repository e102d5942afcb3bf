package console

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func at(s int) *time.Time {
	t := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC).Add(time.Duration(s) * time.Millisecond)
	return &t
}

func TestTimeline(t *testing.T) {
	for _, tc := range []struct {
		name string
		task types.Task
		want []string
	}{
		{"provisioning", types.Task{CreatedAt: at(0)}, []string{"PROVISIONING (created) "}},
		{"running", types.Task{CreatedAt: at(0), PullStartedAt: at(100), PullStoppedAt: at(1600), StartedAt: at(1700)},
			[]string{"PROVISIONING (created) ", "PENDING (pull started) +100ms", "pull stopped +1.5s", "RUNNING (started) +100ms"}},
		{"stopped without a pull", types.Task{CreatedAt: at(0), StartedAt: at(50), StoppingAt: at(90_000), ExecutionStoppedAt: at(91_000), StoppedAt: at(91_200)},
			[]string{"PROVISIONING (created) ", "RUNNING (started) +50ms", "STOPPING (stop requested) +1m30s", "containers stopped +1s", "STOPPED +200ms"}},
	} {
		var got []string
		for _, s := range timeline(tc.task) {
			got = append(got, s.Name+" "+s.Since)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestContainerView_bindingsAreLocalURLs(t *testing.T) {
	c := types.Container{
		Name: aws.String("web"), LastStatus: aws.String("STOPPED"), ExitCode: aws.Int32(137), Reason: aws.String("OutOfMemoryError"),
		HealthStatus: types.HealthStatusUnhealthy, RuntimeId: aws.String("0123456789abcdef0123"),
		NetworkBindings: []types.NetworkBinding{
			{BindIP: aws.String("0.0.0.0"), HostPort: aws.Int32(32768), ContainerPort: aws.Int32(80), Protocol: types.TransportProtocolTcp},
			{BindIP: aws.String("::"), HostPort: aws.Int32(32768), ContainerPort: aws.Int32(80), Protocol: types.TransportProtocolTcp},
			{BindIP: aws.String("127.0.0.2"), HostPort: aws.Int32(8080), ContainerPort: aws.Int32(8080)},
			{BindIP: aws.String("0.0.0.0"), HostPort: aws.Int32(5353), ContainerPort: aws.Int32(53), Protocol: types.TransportProtocolUdp},
		},
	}
	v := containerView(c)
	if v.ExitCode != "137" || v.Reason != "OutOfMemoryError" || v.Health != "UNHEALTHY" || v.RuntimeID != "0123456789ab" {
		t.Errorf("view %+v", v)
	}
	want := []Binding{
		{Text: "0.0.0.0:32768 → 80/tcp", URL: "http://127.0.0.1:32768/"},
		{Text: ":::32768 → 80/tcp", URL: "http://[::1]:32768/"},
		{Text: "127.0.0.2:8080 → 8080/tcp", URL: "http://127.0.0.2:8080/"},
		{Text: "0.0.0.0:5353 → 53/udp", URL: ""},
	}
	if !reflect.DeepEqual(v.Bindings, want) {
		t.Errorf("bindings %+v, want %+v", v.Bindings, want)
	}
	if v := containerView(types.Container{Name: aws.String("x")}); v.ExitCode != "" || v.Bindings != nil {
		t.Errorf("a container that has not run: %+v", v)
	}
}

func TestTaskRowAndFilter(t *testing.T) {
	task := types.Task{
		TaskArn: aws.String("arn:aws:ecs:us-east-1:000000000000:task/prod/abc123"), ClusterArn: aws.String("arn:aws:ecs:us-east-1:000000000000:cluster/prod"),
		TaskDefinitionArn: aws.String("arn:aws:ecs:us-east-1:000000000000:task-definition/web:7"), LastStatus: aws.String("RUNNING"),
		DesiredStatus: aws.String("RUNNING"), StartedBy: aws.String("ci"), Group: aws.String("service:web"),
		ContainerInstanceArn: aws.String("arn:aws:ecs:us-east-1:000000000000:container-instance/prod/ci1"),
		Containers:           []types.Container{{LastStatus: aws.String("RUNNING")}, {LastStatus: aws.String("PENDING")}},
	}
	r := taskRow(task)
	if r.Cluster != "prod" || r.ID != "abc123" || r.Family != "web" || r.Revision != "7" || r.Instance != "ci1" || r.ContainersUp != 1 || r.Containers != 2 {
		t.Errorf("row %+v", r)
	}
	for _, tc := range []struct {
		f    TaskFilter
		want bool
	}{
		{TaskFilter{}, true},
		{TaskFilter{Status: "running"}, true},
		{TaskFilter{Status: "STOPPED"}, false},
		{TaskFilter{StartedBy: "ci", Family: "web"}, true},
		{TaskFilter{StartedBy: "cd"}, false},
		{TaskFilter{Family: "we"}, false},
	} {
		if got := tc.f.match(r); got != tc.want {
			t.Errorf("%+v matches: %v, want %v", tc.f, got, tc.want)
		}
	}
	rows := []TaskRow{{ID: "old", Created: at(0)}, {ID: "none"}, {ID: "new", Created: at(5)}, {ID: "b", Created: at(3)}, {ID: "a", Created: at(3)}}
	sortTasks(rows)
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	if want := []string{"new", "a", "b", "old", "none"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("order %q, want %q", ids, want)
	}
}

func TestBars(t *testing.T) {
	res := func(cpu, mem int32) []types.Resource {
		return []types.Resource{{Name: aws.String("CPU"), IntegerValue: cpu}, {Name: aws.String("MEMORY"), IntegerValue: mem}, {Name: aws.String("PORTS")}}
	}
	for _, tc := range []struct {
		reg, rem []types.Resource
		want     []Bar
	}{
		{res(2048, 4096), res(1024, 4096), []Bar{{"CPU", 2048, 1024, 50}, {"MEMORY", 4096, 4096, 0}}},
		{res(1024, 1000), res(0, 1), []Bar{{"CPU", 1024, 0, 100}, {"MEMORY", 1000, 1, 99}}},
		{nil, nil, []Bar{{"CPU", 0, 0, 0}, {"MEMORY", 0, 0, 0}}},
	} {
		if got := bars(types.ContainerInstance{RegisteredResources: tc.reg, RemainingResources: tc.rem}); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("bars %+v, want %+v", got, tc.want)
		}
	}
	ci := types.ContainerInstance{Attributes: []types.Attribute{{Name: aws.String("ecs.availability-zone"), Value: aws.String("us-east-1b")}}}
	if z := zoneOf(ci); z != "us-east-1b" {
		t.Errorf("zone %q", z)
	}
	if z := zoneOf(types.ContainerInstance{}); z != "(no zone)" {
		t.Errorf("zone %q", z)
	}
}

func TestBreakerAndDeployment(t *testing.T) {
	for _, tc := range []struct {
		dc   *types.DeploymentConfiguration
		want string
	}{
		{nil, "off"},
		{&types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true}}, "on"},
		{&types.DeploymentConfiguration{DeploymentCircuitBreaker: &types.DeploymentCircuitBreaker{Enable: true, Rollback: true}}, "on, with rollback"},
	} {
		if got := breaker(types.Service{DeploymentConfiguration: tc.dc}); got != tc.want {
			t.Errorf("breaker %q, want %q", got, tc.want)
		}
	}
	d := deploymentView(types.Deployment{Id: aws.String("ecs-svc/1"), Status: aws.String("PRIMARY"), RolloutState: types.DeploymentRolloutStateFailed,
		RolloutStateReason: aws.String("circuit breaker"), TaskDefinition: aws.String("arn:aws:ecs:us-east-1:0:task-definition/web:3"), FailedTasks: 4})
	if d.TaskDef != "web:3" || d.Rollout != "FAILED" || d.Failed != 4 {
		t.Errorf("deployment %+v", d)
	}
}

func TestDiffLines(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want string
	}{
		{"a\nb\nc", "a\nb\nc", "  a|  b|  c"},
		{"a\nb\nc", "a\nc", "  a|- b|  c"},
		{"a\nc", "a\nb\nc\nd", "  a|+ b|  c|+ d"},
		{"x", "y", "- x|+ y"},
		{"", "a", "- |+ a"},
	} {
		var got []string
		for _, l := range diffLines(tc.a, tc.b) {
			got = append(got, l.Op+" "+l.Text)
		}
		if s := strings.Join(got, "|"); s != tc.want {
			t.Errorf("diff %q %q: %q, want %q", tc.a, tc.b, s, tc.want)
		}
	}
}

func TestWireJSON(t *testing.T) {
	td := types.TaskDefinition{Family: aws.String("web"), Revision: 2, NetworkMode: types.NetworkModeBridge,
		ContainerDefinitions: []types.ContainerDefinition{{Name: aws.String("app"), Essential: aws.Bool(false), Environment: []types.KeyValuePair{}}}}
	js, err := wireJSON(td)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "containerDefinitions": [
    {
      "cpu": 0,
      "essential": false,
      "name": "app"
    }
  ],
  "family": "web",
  "networkMode": "bridge",
  "revision": 2
}`
	if js != want {
		t.Errorf("json\n%s\nwant\n%s", js, want)
	}
	if got := withoutRevision(js); strings.Contains(got, "revision") || !strings.Contains(got, `"family": "web"`) {
		t.Errorf("without revision:\n%s", got)
	}
}

func TestHistory_linksTheECSTasks(t *testing.T) {
	out := `{"Tasks":[{"TaskArn":"arn:aws:ecs:us-east-1:000000000000:task/jobs/0f1e2d3c4b5a69788796a5b4c3d2e1f0","LastStatus":"STOPPED"}]}`
	evs := []sfntypes.HistoryEvent{
		{Id: 1, Type: sfntypes.HistoryEventTypeExecutionStarted, Timestamp: at(0)},
		{Id: 2, PreviousEventId: 1, Type: sfntypes.HistoryEventTypeTaskStateEntered, StateEnteredEventDetails: &sfntypes.StateEnteredEventDetails{Name: aws.String("Run")}},
		{Id: 3, PreviousEventId: 2, Type: sfntypes.HistoryEventTypeTaskSubmitted, TaskSubmittedEventDetails: &sfntypes.TaskSubmittedEventDetails{Output: aws.String(out), Resource: aws.String("runTask.sync"), ResourceType: aws.String("ecs")}},
		{Id: 4, PreviousEventId: 3, Type: sfntypes.HistoryEventTypeTaskFailed, TaskFailedEventDetails: &sfntypes.TaskFailedEventDetails{Error: aws.String("States.TaskFailed"), Cause: aws.String(out)}},
	}
	rows, tasks := history(evs)
	if want := []TaskLink{{Cluster: "jobs", ID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0"}}; !reflect.DeepEqual(tasks, want) {
		t.Errorf("tasks %+v, want %+v", tasks, want)
	}
	if len(rows) != 4 || rows[0].ID != 4 || !rows[0].Failed || rows[3].ID != 1 || rows[3].Failed {
		t.Errorf("rows %+v", rows)
	}
	if !strings.Contains(rows[2].Detail, `"name":"Run"`) || !strings.Contains(rows[0].Detail, `"error":"States.TaskFailed"`) {
		t.Errorf("details %q, %q", rows[2].Detail, rows[0].Detail)
	}
}

func TestSafeNextAndShortArn(t *testing.T) {
	for in, want := range map[string]string{
		"/console/tasks?x=1":    "/console/tasks?x=1",
		"https://evil.example/": "/console/tasks",
		"//evil.example/":       "/console/tasks",
		"/console/\\evil":       "/console/tasks",
		"":                      "/console/tasks",
		"/other":                "/console/tasks",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"arn:aws:ecs:us-east-1:0:task/c/abc":           "abc",
		"arn:aws:states:us-east-1:0:stateMachine:flow": "flow",
		"plain": "plain",
	} {
		if got := shortArn(in); got != want {
			t.Errorf("shortArn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteData_oneDataLinePerLine(t *testing.T) {
	var b bytes.Buffer
	writeData(&b, []byte("<p>a</p>\r\n<p>b</p>\n"))
	if want := "data: <p>a</p>\ndata: <p>b</p>\ndata: \n\n"; b.String() != want {
		t.Errorf("%q, want %q", b.String(), want)
	}
}

func TestSessions_expireAndStayBounded(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := newSessions(func() time.Time { return now })
	first, _ := s.create("a")
	if s.get(first) == nil {
		t.Fatal("a new session is unknown")
	}
	now = now.Add(SessionLifetime - time.Minute)
	if s.get(first) == nil {
		t.Fatal("a session used within its lifetime expired")
	}
	now = now.Add(SessionLifetime + time.Second)
	if s.get(first) != nil {
		t.Fatal("a session unused past its lifetime is still valid")
	}
	var ids []string
	for i := 0; i < maxSessions+5; i++ {
		now = now.Add(time.Millisecond)
		id, _ := s.create("")
		ids = append(ids, id)
	}
	if len(s.byID) != maxSessions || s.get(ids[0]) != nil || s.get(ids[len(ids)-1]) == nil {
		t.Errorf("%d sessions; the oldest kept: %v", len(s.byID), s.get(ids[0]) != nil)
	}
	tok := "t"
	s.tokens[tok] = now.Add(time.Minute)
	if !s.useToken(tok) || s.useToken(tok) {
		t.Error("a login token is not usable exactly once")
	}
	s.tokens[tok] = now.Add(-time.Second)
	if s.useToken(tok) {
		t.Error("an expired login token was accepted")
	}
}

// The diff of a and b gives back a (its " " and "-" lines) and b (its " "
// and "+" lines), and keeps as many lines as a longest common subsequence.
func FuzzDiffLines(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "")
	f.Add("{\n  \"x\": 1\n}", "{\n  \"x\": 2,\n  \"y\": 3\n}")
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.Count(a, "\n") > 200 || strings.Count(b, "\n") > 200 {
			return
		}
		var x, y []string
		for _, l := range diffLines(a, b) {
			switch l.Op {
			case " ":
				x, y = append(x, l.Text), append(y, l.Text)
			case "-":
				x = append(x, l.Text)
			case "+":
				y = append(y, l.Text)
			default:
				t.Fatalf("op %q", l.Op)
			}
		}
		if strings.Join(x, "\n") != a || strings.Join(y, "\n") != b {
			t.Fatalf("diff of %q and %q gives back %q and %q", a, b, x, y)
		}
	})
}
