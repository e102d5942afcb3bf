package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// restartMachine goes through a Wait, a Task retried after a failure, a
// .sync Task and a Map of .sync Tasks, one item at a time.
const restartMachine = `{"StartAt":"Wait","States":{
 "Wait":{"Type":"Wait","Seconds":3,"Next":"Flaky"},
 "Flaky":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
   "Parameters":{"TaskDefinition":"flaky","Overrides":{"ContainerOverrides":[{"Name":"app",
     "Command.$":"States.Array('exit', States.ArrayGetItem(States.Array('3','0'), $$.State.RetryCount))"}]}},
   "ResultSelector":{"code.$":"$.Containers[0].ExitCode"},"ResultPath":"$.flaky",
   "Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":4,"MaxAttempts":1}],"Next":"Sync"},
 "Sync":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"slow"},
   "ResultSelector":{"code.$":"$.Containers[0].ExitCode"},"ResultPath":"$.sync","Next":"Map"},
 "Map":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ResultPath":"$.map","End":true,
   "ItemProcessor":{"StartAt":"Item","States":{"Item":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
     "Parameters":{"TaskDefinition":"slow"},"ResultSelector":{"code.$":"$.Containers[0].ExitCode"},"End":true}}}}}}`

// sfnClient is a Step Functions client of the engine at url.
func sfnClient(url string) *sfn.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}
	return sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(url) })
}

func sfnHistory(t *testing.T, c *sfn.Client, arn string) []sfntypes.HistoryEvent {
	t.Helper()
	var out []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Events...)
	}
	return out
}

func count(evs []sfntypes.HistoryEvent, typ sfntypes.HistoryEventType) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

// shape is an event's id, link, type and state name.
func shape(evs []sfntypes.HistoryEvent) []string {
	var out []string
	for _, ev := range evs {
		s := fmt.Sprintf("%d<-%d %s", ev.Id, ev.PreviousEventId, ev.Type)
		if d := ev.StateEnteredEventDetails; d != nil {
			s += " " + aws.ToString(d.Name)
		}
		if d := ev.StateExitedEventDetails; d != nil {
			s += " " + aws.ToString(d.Name)
		}
		out = append(out, s)
	}
	return out
}

func TestEngine_KillNineMidWorkflowResumesIt(t *testing.T) {
	h, image := newHarness(t)
	h.close() // the engine runs in a child process
	endpoint, cmd := startEngineProcess(t, h.dir)
	h.connectURL(endpoint)
	states := sfnClient(endpoint)
	c, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for family, args := range map[string][]string{"flaky": {"exit", "3"}, "slow": {"sleep", "2s"}} {
		if _, err := h.ecs.RegisterTaskDefinition(c, &awsecs.RegisterTaskDefinitionInput{Family: aws.String(family),
			ContainerDefinitions: []types.ContainerDefinition{container("app", image, true, args...)}}); err != nil {
			t.Fatal(err)
		}
	}
	sm, err := states.CreateStateMachine(c, &sfn.CreateStateMachineInput{Name: aws.String("restarts"), Definition: aws.String(restartMachine),
		RoleArn: aws.String("arn:aws:iam::000000000000:role/test")})
	if err != nil {
		t.Fatal(err)
	}
	const input = `{"items":[1,2,3]}`
	ex, err := states.StartExecution(c, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("killed"), Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(ex.ExecutionArn)

	// The engine is killed with SIGKILL at each of these points and
	// started again; the execution goes on.
	kills := []struct {
		what string
		at   func([]sfntypes.HistoryEvent) bool
	}{
		{"mid-Wait", func(evs []sfntypes.HistoryEvent) bool {
			return count(evs, sfntypes.HistoryEventTypeWaitStateEntered) == 1
		}},
		{"mid-Retry", func(evs []sfntypes.HistoryEvent) bool { return count(evs, sfntypes.HistoryEventTypeTaskFailed) == 1 }},
		{"mid-.sync", func(evs []sfntypes.HistoryEvent) bool { return count(evs, sfntypes.HistoryEventTypeTaskSubmitted) == 3 }},
		{"mid-Map", func(evs []sfntypes.HistoryEvent) bool {
			return count(evs, sfntypes.HistoryEventTypeMapIterationSucceeded) == 1 && count(evs, sfntypes.HistoryEventTypeTaskSubmitted) == 5
		}},
	}
	for _, k := range kills {
		for !k.at(sfnHistory(t, states, arn)) {
			select {
			case <-c.Done():
				t.Fatalf("%s: the execution never got there: %v", k.what, shape(sfnHistory(t, states, arn)))
			case <-time.After(20 * time.Millisecond):
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		endpoint, cmd = restartEngineProcess(t, h.dir)
		h.connectURL(endpoint)
		states = sfnClient(endpoint)
	}
	killed := waitExecution(t, states, arn)
	want := `{"items":[1,2,3],"flaky":{"code":0},"sync":{"code":0},"map":[{"code":0},{"code":0},{"code":0}]}`
	if killed.Status != sfntypes.ExecutionStatusSucceeded || !jsonSame(aws.ToString(killed.Output), want) {
		t.Fatalf("after four kills: %s %s %s %s; want SUCCEEDED %s", killed.Status, aws.ToString(killed.Output), aws.ToString(killed.Error), aws.ToString(killed.Cause), want)
	}

	// The same execution uninterrupted has the same history.
	ex, err = states.StartExecution(c, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("calm"), Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	calm := aws.ToString(ex.ExecutionArn)
	waitExecution(t, states, calm)
	got, wantEvs := sfnHistory(t, states, arn), sfnHistory(t, states, calm)
	if g, w := strings.Join(shape(got), "\n"), strings.Join(shape(wantEvs), "\n"); g != w {
		t.Errorf("the killed execution's history differs from an uninterrupted run's:\n got\n%s\n want\n%s", g, w)
	}

	// The Wait kept its deadline, the retry its delay.
	at := func(evs []sfntypes.HistoryEvent, typ sfntypes.HistoryEventType, n int) time.Time {
		for _, ev := range evs {
			if ev.Type == typ {
				if n == 0 {
					return aws.ToTime(ev.Timestamp)
				}
				n--
			}
		}
		t.Fatalf("no %s #%d", typ, n)
		return time.Time{}
	}
	if d := at(got, sfntypes.HistoryEventTypeWaitStateExited, 0).Sub(at(got, sfntypes.HistoryEventTypeWaitStateEntered, 0)); d < 3*time.Second || d > 10*time.Second {
		t.Errorf("the Wait of 3 s took %s across a kill", d)
	}
	if d := at(got, sfntypes.HistoryEventTypeTaskScheduled, 1).Sub(at(got, sfntypes.HistoryEventTypeTaskFailed, 0)); d < 4*time.Second || d > 12*time.Second {
		t.Errorf("the retry delay of 4 s took %s across a kill", d)
	}

	// Nothing ran twice: six tasks for each execution, each followed to
	// its end.
	var submitted []string
	for _, ev := range got {
		if d := ev.TaskSubmittedEventDetails; d != nil {
			submitted = append(submitted, aws.ToString(d.Output))
		}
	}
	tasks, err := h.ecs.ListTasks(c, &awsecs.ListTasksInput{DesiredStatus: types.DesiredStatusStopped})
	if err != nil {
		t.Fatal(err)
	}
	h.arns = append(h.arns, tasks.TaskArns...)
	if len(submitted) != 6 || len(tasks.TaskArns) != 12 {
		t.Errorf("the killed execution submitted %d tasks, and %d tasks ran in all; want 6 and 12 (nothing run twice)", len(submitted), len(tasks.TaskArns))
	}
	for _, arn := range tasks.TaskArns {
		n := 0
		for _, s := range submitted {
			if strings.Contains(s, arn) {
				n++
			}
		}
		if n > 1 {
			t.Errorf("task %s was submitted %d times", arn, n)
		}
	}
}

// restartEngineProcess starts the engine process again on dir.
func restartEngineProcess(t *testing.T, dir string) (string, *exec.Cmd) {
	t.Helper()
	removeEndpointFile(t, dir)
	return startEngineProcess(t, dir)
}

func waitExecution(t *testing.T, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	cx := ctx(t)
	for {
		out, err := c.DescribeExecution(cx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out
		}
		select {
		case <-cx.Done():
			t.Fatalf("execution %s still running: %v", arn, shape(sfnHistory(t, c, arn)))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// removeEndpointFile removes the endpoint a killed engine process wrote.
func removeEndpointFile(t *testing.T, dir string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, "endpoint")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// jsonSame reports whether two JSON texts hold the same value.
func jsonSame(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}
