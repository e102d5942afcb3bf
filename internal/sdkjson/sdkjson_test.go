package sdkjson

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

func TestValue_pascal(t *testing.T) {
	at := time.UnixMilli(1700000000123).UTC()
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"absent members are left out", &types.Task{TaskArn: aws.String("arn:t")}, `{"EnableExecuteCommand":false,"TaskArn":"arn:t","Version":0}`},
		{"empty lists the service sent are kept", &types.Container{GpuIds: []string{}, Name: aws.String("c")}, `{"GpuIds":[],"Name":"c"}`},
		{"timestamps are epoch milliseconds", &types.Task{CreatedAt: &at}, `{"CreatedAt":1700000000123,"EnableExecuteCommand":false,"Version":0}`},
		{"enums by value", &types.Task{LaunchType: types.LaunchTypeFargate, StopCode: ""}, `{"EnableExecuteCommand":false,"LaunchType":"FARGATE","Version":0}`},
		{"nested structures and numbers", &types.Container{ExitCode: aws.Int32(3), NetworkBindings: []types.NetworkBinding{{HostPort: aws.Int32(80)}}}, `{"ExitCode":3,"NetworkBindings":[{"HostPort":80}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := workflow.EncodeJSON(Value(tt.in, Pascal)); got != tt.want {
				t.Errorf("Value = %s; want %s", got, tt.want)
			}
		})
	}
}

func TestValue_camel(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	ev := &sfntypes.HistoryEvent{Id: 3, PreviousEventId: 2, Timestamp: &at, Type: sfntypes.HistoryEventTypeTaskScheduled,
		TaskScheduledEventDetails: &sfntypes.TaskScheduledEventDetails{Resource: aws.String("runTask.sync"), TimeoutInSeconds: aws.Int64(30)}}
	want := `{"id":3,"previousEventId":2,"taskScheduledEventDetails":{"resource":"runTask.sync","timeoutInSeconds":30},"timestamp":"2024-05-06T07:08:09Z","type":"TaskScheduled"}`
	if got := workflow.EncodeJSON(Value(ev, Camel)); got != want {
		t.Errorf("Value(Camel) = %s; want %s", got, want)
	}
}
