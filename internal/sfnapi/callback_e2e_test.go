package sfnapi_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/sfnapi"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// A container of an awsvpc task answers its .waitForTaskToken state
// itself: an unsigned SendTaskSuccess to the task endpoint's Step Functions
// path, without host networking, found through the AWS_ENDPOINT_URL_SFN
// the engine gives every container (the state machine does not set it).
func TestWorkflow_CallbackFromAnAwsvpcTask(t *testing.T) {
	h := newHarness(t)
	ep := h.eng.TaskEndpoint()
	if ep.Mode != taskmeta.ModeLinkLocal {
		if os.Getenv(testimage.RequireEnv) == "1" && os.Geteuid() == 0 {
			t.Fatalf("the task endpoint fell back to loopback as root: %s", ep.Fallback)
		}
		t.Skipf("containers cannot reach the task endpoint here: %s", ep.Fallback)
	}
	_, err := h.ecs.RegisterTaskDefinition(ctxT(t), &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("callback-vpc"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String(h.image), Essential: aws.Bool(true), Memory: aws.Int32(64),
			Command: []string{"sendtasksuccess", "TASK_TOKEN", `{"from":"the task"}`, "--", "sleep", "120s"},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := ep.URL + sfnapi.CallbackPath
	def := `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.waitForTaskToken",
		"Parameters":{"TaskDefinition":"callback-vpc","NetworkConfiguration":{"AwsvpcConfiguration":{"Subnets":["subnet-1"]}},
		"Overrides":{"ContainerOverrides":[{"Name":"app","Environment":[
			{"Name":"TASK_TOKEN","Value.$":"$$.Task.Token"}]}]}},
		"TimeoutSeconds":60,"End":true}}}`
	arn := h.start("callback-vpc", def, `{}`, 1)
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusSucceeded {
		h.dumpLogs(arn)
	}
	if ex.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(ex.Output) != `{"from":"the task"}` {
		t.Fatalf("execution %s %s %s %s; want SUCCEEDED with the task's output", ex.Status, aws.ToString(ex.Output), aws.ToString(ex.Error), aws.ToString(ex.Cause))
	}
	task := h.submitted(arn)
	taskArn := task["TaskArn"].(string)
	dt, err := h.ecs.DescribeTasks(ctxT(t), &awsecs.DescribeTasksInput{Tasks: []string{taskArn}})
	if err != nil || len(dt.Tasks) != 1 || len(dt.Tasks[0].Attachments) == 0 || aws.ToString(dt.Tasks[0].Attachments[0].Type) != "ElasticNetworkInterface" {
		t.Errorf("the task is not an awsvpc task: %+v, %v", dt, err)
	}
	if !strings.HasPrefix(endpoint, "http://"+taskmeta.LinkLocalIP) {
		t.Errorf("endpoint %s; want one on %s", endpoint, taskmeta.LinkLocalIP)
	}
}

// dumpLogs logs the output of the containers of the task an execution's
// state submitted.
func (h *harness) dumpLogs(execArn string) {
	task := h.submitted(execArn)
	taskArn := task["TaskArn"].(string)
	cs, _ := h.rt.List(context.Background(), map[string]string{"com.amazonaws.ecs.task-arn": taskArn})
	for _, c := range cs {
		out, err := exec.Command("docker", "logs", c.ID).CombinedOutput()
		h.t.Logf("container %s: %s %v", c.ID, out, err)
	}
}
