package sfnecs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

func TestCheckParameters(t *testing.T) {
	tests := []struct {
		name   string
		params string
		want   []string // problem paths and message fragments
	}{
		{"valid", `{"Cluster":"c","TaskDefinition":"td","LaunchType":"FARGATE","NetworkConfiguration":{"AwsvpcConfiguration":{"Subnets":["s"]}},"Overrides":{"ContainerOverrides":[{"Name":"app","Command.$":"$.cmd"}]}}`, nil},
		{"dynamic task definition", `{"TaskDefinition.$":"$.td"}`, nil},
		{"missing task definition", `{"Cluster":"c"}`, []string{`: missing required field "TaskDefinition"`}},
		{"unknown top-level field", `{"TaskDefinition":"td","Foo":1}`, []string{`/Foo: the field "Foo" is not supported`}},
		{"unknown nested field", `{"TaskDefinition":"td","Overrides":{"ContainerOverrides":[{"Name":"x","Commands":["a"]}]}}`, []string{`/Overrides/ContainerOverrides/0/Commands: the field "Commands" is not supported by the ECS RunTask integration; did you mean "Command"?`}},
		{"misspelt field", `{"TaskDefinition":"td","Clutser":"c"}`, []string{`/Clutser: the field "Clutser" is not supported by the ECS RunTask integration; did you mean "Cluster"?`}},
		{"nothing close", `{"TaskDefinition":"td","Foo":1}`, []string{`/Foo: the field "Foo" is not supported by the ECS RunTask integration; supported fields: CapacityProviderStrategy, ClientToken, Cluster,`}},
		{"object for a scalar", `{"TaskDefinition":{"a":1}}`, []string{`/TaskDefinition: must not be an object`}},
		{"string for an integer", `{"TaskDefinition":"td","Count":"two"}`, []string{`/Count: The value for the field 'Count' must be an integer, got "two"`}},
		{"integer out of range", `{"TaskDefinition":"td","Count":3000000000}`, []string{`/Count: The value for the field 'Count' must be an integer from -2147483648 to 2147483647, got 3000000000`}},
		{"fraction for an integer", `{"TaskDefinition":"td","Count":1.5}`, []string{`/Count: The value for the field 'Count' must be an integer, got 1.5`}},
		{"number for a string", `{"TaskDefinition":5}`, []string{`/TaskDefinition: The value for the field 'TaskDefinition' must be a string, got 5`}},
		{"string for a boolean", `{"TaskDefinition":"td","EnableExecuteCommand":"yes"}`, []string{`/EnableExecuteCommand: The value for the field 'EnableExecuteCommand' must be a boolean, got "yes"`}},
		{"string for a list", `{"TaskDefinition":"td","NetworkConfiguration":{"AwsvpcConfiguration":{"Subnets":"s"}}}`, []string{`/NetworkConfiguration/AwsvpcConfiguration/Subnets: The value for the field 'Subnets' must be a list, got "s"`}},
		{"string for an object", `{"TaskDefinition":"td","Overrides":"x"}`, []string{`/Overrides: The value for the field 'Overrides' must be an object, got "x"`}},
		{"nested integer", `{"TaskDefinition":"td","Overrides":{"ContainerOverrides":[{"Name":"a","Memory":"big"}]}}`, []string{`/Overrides/ContainerOverrides/0/Memory: The value for the field 'Memory' must be an integer, got "big"`}},
		{"paths are checked at run time", `{"TaskDefinition":"td","Count.$":"$.n"}`, nil},
		{"null goes", `{"TaskDefinition":"td","Count":null}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p map[string]any
			if err := json.Unmarshal([]byte(tt.params), &p); err != nil {
				t.Fatal(err)
			}
			got := CheckParameters(p)
			if len(got) != len(tt.want) {
				t.Fatalf("CheckParameters = %v; want %d problems %v", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if s := got[i].Path + ": " + got[i].Message; !strings.Contains(s, w) {
					t.Errorf("problem %d = %q; want it to contain %q", i, s, w)
				}
			}
		})
	}
}

func TestCheckReferences(t *testing.T) {
	tests := []struct {
		name   string
		params string
		want   []string // problem paths and message fragments
	}{
		{"names", `{"TaskDefinition":"web:3","Cluster":"ci"}`, nil},
		{"dynamic", `{"TaskDefinition.$":"$.td","Cluster.$":"$.cluster"}`, nil},
		{"ARNs of any account and region", `{"TaskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/web:3","Cluster":"arn:aws:ecs:eu-west-1:123456789012:cluster/ci"}`, nil},
		{"malformed task definition ARN", `{"TaskDefinition":"arn:aws:ecs:us-east-1:123456789012:taskdefinition/web:3"}`, []string{`/TaskDefinition: "arn:aws:ecs:us-east-1:123456789012:taskdefinition/web:3" is not a task definition family, family:revision or ARN`}},
		{"task definition ARN without a revision", `{"TaskDefinition":"arn:aws:ecs:us-east-1:123456789012:task-definition/web"}`, []string{`/TaskDefinition: `}},
		{"bad family", `{"TaskDefinition":"my app"}`, []string{`/TaskDefinition: "my app" is not a task definition family`}},
		{"malformed cluster ARN", `{"TaskDefinition":"td","Cluster":"arn:aws:ecs:us-east-1:123456789012:service/ci/web"}`, []string{`/Cluster: The ARN provided is invalid`}},
	}
	for _, tt := range tests {
		var p map[string]any
		if err := json.Unmarshal([]byte(tt.params), &p); err != nil {
			t.Fatal(err)
		}
		got := CheckReferences(p)
		if len(got) != len(tt.want) {
			t.Errorf("%s: CheckReferences = %v; want %d problems %v", tt.name, got, len(tt.want), tt.want)
			continue
		}
		for i, w := range tt.want {
			if s := got[i].Path + ": " + got[i].Message; !strings.Contains(s, w) {
				t.Errorf("%s: problem %d = %q; want it to contain %q", tt.name, i, s, w)
			}
		}
	}
}

func TestRunTaskInput(t *testing.T) {
	v, _ := workflow.DecodeJSON([]byte(`{"Cluster":"work","TaskDefinition":"job:3","LaunchType":"FARGATE","Count":2,"StartedBy":"AWS Step Functions",
		"Overrides":{"ContainerOverrides":[{"Name":"app","Command":["a","b"],"Environment":[{"Name":"K","Value":"V"}]}]},
		"NetworkConfiguration":{"AwsvpcConfiguration":{"Subnets":["s1"],"AssignPublicIp":"ENABLED"}},"EnableECSManagedTags":true}`))
	in, err := runTaskInput(v)
	if err != nil {
		t.Fatal(err)
	}
	co := in.Overrides.ContainerOverrides[0]
	switch {
	case aws.ToString(in.Cluster) != "work", aws.ToString(in.TaskDefinition) != "job:3", in.LaunchType != types.LaunchTypeFargate,
		aws.ToInt32(in.Count) != 2, aws.ToString(in.StartedBy) != StartedBy, !in.EnableECSManagedTags,
		aws.ToString(co.Name) != "app", strings.Join(co.Command, ",") != "a,b", aws.ToString(co.Environment[0].Value) != "V",
		in.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp != types.AssignPublicIpEnabled:
		t.Errorf("runTaskInput = %+v", in)
	}
	for _, bad := range []string{`[1]`, `{"TaskDefinition":"x","Nope":1}`, `{"TaskDefinition":"x","Count":"two"}`} {
		v, _ := workflow.DecodeJSON([]byte(bad))
		if _, err := runTaskInput(v); err == nil {
			t.Errorf("runTaskInput(%s) = nil error; want one", bad)
		}
	}
}

func TestTaskFailed(t *testing.T) {
	c := func(code *int32) types.Container { return types.Container{ExitCode: code} }
	tests := []struct {
		name string
		task types.Task
		want bool
	}{
		{"all zero", types.Task{Containers: []types.Container{c(aws.Int32(0)), c(aws.Int32(0))}}, false},
		{"one non-zero", types.Task{Containers: []types.Container{c(aws.Int32(0)), c(aws.Int32(1))}}, true},
		{"never ran", types.Task{Containers: []types.Container{c(nil)}}, true},
		{"no containers", types.Task{}, true},
	}
	for _, tt := range tests {
		if got := TaskFailed(tt.task); got != tt.want {
			t.Errorf("%s: TaskFailed = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// fakeECS answers RunTask with one task and DescribeTasks from a script.
type fakeECS struct {
	mu       sync.Mutex
	runErr   error
	failures []types.Failure
	statuses []string // lastStatus per DescribeTasks call; the last repeats
	exit     *int32
	runs     []*awsecs.RunTaskInput
	stops    []*awsecs.StopTaskInput
	polled   chan struct{}
}

func (f *fakeECS) RunTask(_ context.Context, in *awsecs.RunTaskInput, _ ...func(*awsecs.Options)) (*awsecs.RunTaskOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs = append(f.runs, in)
	if f.runErr != nil {
		return nil, f.runErr
	}
	if len(f.failures) > 0 {
		return &awsecs.RunTaskOutput{Failures: f.failures, Tasks: []types.Task{}}, nil
	}
	return &awsecs.RunTaskOutput{Failures: []types.Failure{}, Tasks: []types.Task{f.task("PROVISIONING")}}, nil
}

func (f *fakeECS) task(status string) types.Task {
	c := types.Container{Name: aws.String("app"), LastStatus: aws.String(status)}
	if status == "STOPPED" {
		c.ExitCode = f.exit
	}
	return types.Task{TaskArn: aws.String("arn:aws:ecs:us-east-1:0:task/c/1"), ClusterArn: aws.String("arn:aws:ecs:us-east-1:0:cluster/c"),
		LastStatus: aws.String(status), StartedBy: aws.String(StartedBy), Containers: []types.Container{c}}
}

func (f *fakeECS) DescribeTasks(_ context.Context, in *awsecs.DescribeTasksInput, _ ...func(*awsecs.Options)) (*awsecs.DescribeTasksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	status := f.statuses[0]
	if len(f.statuses) > 1 {
		f.statuses = f.statuses[1:]
	}
	if f.polled != nil {
		select {
		case f.polled <- struct{}{}:
		default:
		}
	}
	return &awsecs.DescribeTasksOutput{Tasks: []types.Task{f.task(status)}}, nil
}

func (f *fakeECS) StopTask(_ context.Context, in *awsecs.StopTaskInput, _ ...func(*awsecs.Options)) (*awsecs.StopTaskOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stops = append(f.stops, in)
	return &awsecs.StopTaskOutput{}, nil
}

func invoke(t *testing.T, ctx context.Context, f *fakeECS, resource string) (any, *workflow.StatesError, []any) {
	t.Helper()
	g := New(Options{ECS: f, MaxPoll: 5 * time.Millisecond})
	var submitted []any
	params := g.AdjustParameters(resource, map[string]any{"TaskDefinition": "job"})
	out, err := g.Invoke(ctx, &workflow.TaskRequest{
		Resource: resource, ExecutionArn: "arn:aws:states:us-east-1:0:execution:sm:e", Parameters: params,
		Submitted: func(v any) { submitted = append(submitted, v) },
	})
	return out, err, submitted
}

func TestInvoke(t *testing.T) {
	apiErr := &awshttp.ResponseError{RequestID: "req-1", ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400}},
		Err:      &smithy.GenericAPIError{Code: "ClusterNotFoundException", Message: "Cluster not found."},
	}}
	tests := []struct {
		name      string
		resource  string
		ecs       *fakeECS
		wantErr   string // error name; "" for success
		wantCause string // fragment
		wantOut   string // fragment of the output JSON
		submitted int
	}{
		{"sync success returns the stopped task", ResourceRunTaskSync, &fakeECS{statuses: []string{"RUNNING", "STOPPED"}, exit: aws.Int32(0)}, "", "", `"LastStatus":"STOPPED"`, 1},
		{"sync non-zero exit fails with the task as cause", ResourceRunTaskSync, &fakeECS{statuses: []string{"STOPPED"}, exit: aws.Int32(3)}, workflow.ErrTaskFailed, `"ExitCode":3`, "", 1},
		{"sync container that never ran fails", ResourceRunTaskSync, &fakeECS{statuses: []string{"STOPPED"}}, workflow.ErrTaskFailed, `"StartedBy":"AWS Step Functions"`, "", 1},
		{"sync failures are AmazonECS.Unknown", ResourceRunTaskSync, &fakeECS{failures: []types.Failure{{Reason: aws.String("MISSING")}}}, ErrUnknown, `{"Failures":[{"Reason":"MISSING"}]}`, "", 0},
		{"request-response keeps failures", ResourceRunTask, &fakeECS{failures: []types.Failure{{Reason: aws.String("MISSING")}}}, "", "", `"Failures":[{"Reason":"MISSING"}]`, 0},
		{"request-response returns the RunTask response", ResourceRunTask, &fakeECS{}, "", "", `"Tasks":[{`, 0},
		{"API errors are ECS.<code>", ResourceRunTaskSync, &fakeECS{runErr: apiErr}, "ECS.ClusterNotFoundException",
			"Cluster not found. (Service: AmazonECS; Status Code: 400; Error Code: ClusterNotFoundException; Request ID: req-1; Proxy: null)", "", 0},
		{"transport errors", ResourceRunTask, &fakeECS{runErr: errors.New("connection refused")}, "ECS.SdkClientException", "connection refused", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err, sub := invoke(t, ctx, tt.ecs, tt.resource)
			if len(sub) != tt.submitted {
				t.Errorf("TaskSubmitted %d times; want %d", len(sub), tt.submitted)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Invoke error %v; want success", err)
				}
				if s := workflow.EncodeJSON(out); !strings.Contains(s, tt.wantOut) {
					t.Errorf("output %s; want it to contain %s", s, tt.wantOut)
				}
				return
			}
			if err == nil || err.Name != tt.wantErr || !strings.Contains(err.Cause, tt.wantCause) {
				t.Fatalf("Invoke error %v; want %s with cause containing %q", err, tt.wantErr, tt.wantCause)
			}
		})
	}
}

// TestInvoke_syncLooksWhenTheTaskStopped: with Stopped, a .sync wait
// describes its task when the channel closes, not at its next poll (an hour
// away here).
func TestInvoke_syncLooksWhenTheTaskStopped(t *testing.T) {
	f := &fakeECS{statuses: []string{"RUNNING"}, exit: aws.Int32(0)}
	stopped := make(chan struct{})
	var watched []string
	var givenUp int
	g := New(Options{ECS: f, MaxPoll: time.Hour, Stopped: func(arn string) (<-chan struct{}, func()) {
		watched = append(watched, arn)
		return stopped, func() { givenUp++ }
	}})
	g.firstPoll = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	params := g.AdjustParameters(ResourceRunTaskSync, map[string]any{"TaskDefinition": "job"})
	type result struct {
		out any
		err *workflow.StatesError
	}
	done := make(chan result, 1)
	go func() {
		out, err := g.Invoke(ctx, &workflow.TaskRequest{Resource: ResourceRunTaskSync, ExecutionArn: "arn:aws:states:us-east-1:0:execution:sm:e",
			Parameters: params, Submitted: func(any) {}})
		done <- result{out, err}
	}()
	f.mu.Lock()
	f.statuses = []string{"STOPPED"}
	f.mu.Unlock()
	close(stopped)
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("Invoke error %v", r.err)
		}
		if s := workflow.EncodeJSON(r.out); !strings.Contains(s, `"LastStatus":"STOPPED"`) {
			t.Errorf("output %s; want the stopped task", s)
		}
	case <-ctx.Done():
		t.Fatal("the wait did not look at the task when it stopped")
	}
	if len(watched) != 1 || watched[0] != "arn:aws:ecs:us-east-1:0:task/c/1" || givenUp != 1 {
		t.Errorf("watched %q, given up %d times; want the task's ARN once, given up once", watched, givenUp)
	}
}

func TestInvoke_syncAddsStartedBy(t *testing.T) {
	f := &fakeECS{statuses: []string{"STOPPED"}, exit: aws.Int32(0)}
	if _, err, _ := invoke(t, context.Background(), f, ResourceRunTaskSync); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(f.runs[0].StartedBy); got != StartedBy {
		t.Errorf("RunTask startedBy = %q; want %q", got, StartedBy)
	}
	f = &fakeECS{}
	invoke(t, context.Background(), f, ResourceRunTask)
	if got := f.runs[0].StartedBy; got != nil {
		t.Errorf("request-response RunTask startedBy = %q; want none", *got)
	}
}

func TestInvoke_syncStopsTaskWhenStateEnds(t *testing.T) {
	for _, tt := range []struct {
		cause *workflow.StatesError
		why   string
	}{
		{workflow.NewStatesError(workflow.ErrTimeout, ""), "timed out"},
		{workflow.NewStatesError("States.Aborted", ""), "was aborted"},
	} {
		f := &fakeECS{statuses: []string{"RUNNING"}, polled: make(chan struct{}, 1)}
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() {
			<-f.polled
			cancel(tt.cause)
		}()
		invoke(t, ctx, f, ResourceRunTaskSync)
		if len(f.stops) != 1 {
			t.Fatalf("%s: StopTask called %d times; want 1", tt.cause.Name, len(f.stops))
		}
		want := "The Task state in AWS Step Functions execution [arn:aws:states:us-east-1:0:execution:sm:e] which was managing this resource " + tt.why
		if got := aws.ToString(f.stops[0].Reason); got != want {
			t.Errorf("%s: StopTask reason %q; want %q", tt.cause.Name, got, want)
		}
		if aws.ToString(f.stops[0].Task) != "arn:aws:ecs:us-east-1:0:task/c/1" {
			t.Errorf("StopTask task %q", aws.ToString(f.stops[0].Task))
		}
	}
}
