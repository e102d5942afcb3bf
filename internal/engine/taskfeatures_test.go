package engine

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TestEngine_InteractivePseudoTerminal runs the ECS agent's interactive-tty
// functional test (conformance e09) with the toolbox: the container sees a
// terminal on stdin (exit 42), and its output, one stream through the
// terminal, is captured.
func TestEngine_InteractivePseudoTerminal(t *testing.T) {
	h, image := newHarness(t)
	c := container("exit", image, true, "out", "before", "--", "tty")
	c.Cpu, c.Interactive, c.PseudoTerminal = 10, aws.Bool(true), aws.Bool(true)
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("ecsftest-interactive-tty"), ContainerDefinitions: []types.ContainerDefinition{c}}, nil)
	task := h.waitStopped(arn)
	if got := exitCode(task, "exit"); got == nil || *got != 42 {
		t.Fatalf("exit code = %v; want 42 (stdin is a terminal); task %+v", got, task)
	}
	want := []string{"before", "stdin is a terminal"}
	if got := h.logLines("/ecsrun/tasks", "ecsftest-interactive-tty/exit/"+taskID(arn)); !slices.Equal(got, want) {
		t.Errorf("log lines = %q; want %q", got, want)
	}
}
