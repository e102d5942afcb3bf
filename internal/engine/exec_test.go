package engine

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/execsession"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// TestExecuteCommandAPI opens ECS Exec sessions through the SDK on Docker
// and runs them in-process: the session's members, the command's output
// and exit code, and ECS's refusals.
func TestExecuteCommandAPI(t *testing.T) {
	h, _ := newHarness(t)
	image := testimage.Busybox(t)
	c := ctx(t)
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("exec-api"), ContainerDefinitions: []types.ContainerDefinition{
		{Name: aws.String("app"), Image: aws.String(image), Memory: aws.Int32(64), Command: []string{"sleep", "300"}, StopTimeout: aws.Int32(1)},
		{Name: aws.String("side"), Image: aws.String(image), Memory: aws.Int32(64), Command: []string{"sleep", "300"}, StopTimeout: aws.Int32(1), Essential: aws.Bool(false)},
	}}, &awsecs.RunTaskInput{EnableExecuteCommand: true})
	h.waitRunning(arn)
	defer h.stopTask(arn)

	_, err := h.ecs.ExecuteCommand(c, &awsecs.ExecuteCommandInput{Task: aws.String(arn), Command: aws.String("ls"), Interactive: true})
	apiErr(t, "ExecuteCommand without a container in a task of two", err, "InvalidParameterException", "name the container")
	_, err = h.ecs.ExecuteCommand(c, &awsecs.ExecuteCommandInput{Task: aws.String(arn), Container: aws.String("app"), Command: aws.String("ls"), Interactive: false})
	apiErr(t, "ExecuteCommand not interactive", err, "InvalidParameterException", "Interactive is the only mode supported currently.")
	_, err = h.ecs.ExecuteCommand(c, &awsecs.ExecuteCommandInput{Task: aws.String(arn), Container: aws.String("app"), Command: aws.String("sh -c 'unterminated"), Interactive: true})
	apiErr(t, "ExecuteCommand with a bad command line", err, "InvalidParameterException", "not a command line")

	out, err := h.ecs.ExecuteCommand(c, &awsecs.ExecuteCommandInput{Task: aws.String(arn), Container: aws.String("side"),
		Command: aws.String(`sh -c 'echo "$0 in side"; exit 4' "it's"`), Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Session
	if aws.ToString(out.TaskArn) != arn || aws.ToString(out.ContainerName) != "side" || !out.Interactive || aws.ToString(out.ContainerArn) == "" ||
		s == nil || !strings.HasPrefix(aws.ToString(s.StreamUrl), "http://engine/ecsrun/exec/"+aws.ToString(s.SessionId)) || aws.ToString(s.TokenValue) == "" {
		t.Fatalf("ExecuteCommand = %+v %+v", out, s)
	}
	client, server := net.Pipe()
	if err := h.eng.ExecConn(c, aws.ToString(s.StreamUrl), aws.ToString(s.TokenValue), server); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	code, err := execsession.Run(c, client, execsession.Start{}, nil, &stdout, io.Discard, nil)
	if err != nil || code != 4 || stdout.String() != "it's in side\n" {
		t.Errorf("session: exit %d %v, stdout %q; want 4, %q", code, err, stdout.String(), "it's in side\n")
	}
	client, server = net.Pipe()
	if err := h.eng.ExecConn(c, aws.ToString(s.StreamUrl), aws.ToString(s.TokenValue), server); err == nil {
		t.Error("a session was used twice")
	}
	client.Close()
}
