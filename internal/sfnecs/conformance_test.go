package sfnecs

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/sdkjson"
	"github.com/ecsrun/ecsrun/internal/workflow"
)

const ecsRecordings = "../../../shared/conformance/stepfunctions/v2/services/test_ecs_task_service.snapshot.json"

// dropTimes removes the members the recording normalised to "time" (the
// timestamps), which the comparison cannot check.
func dropTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == "time" {
				delete(x, k)
				continue
			}
			x[k] = dropTimes(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropTimes(e)
		}
	}
	return v
}

// TestConformance_taskJSON checks the task JSON of the recorded ECS
// executions (TaskSucceeded output, TaskFailed cause of runTask.sync):
// read into the SDK's Task and written back the way this integration
// writes tasks, it is the same JSON: the same member names, the same
// members present.
func TestConformance_taskJSON(t *testing.T) {
	data, err := os.ReadFile(ecsRecordings)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("recordings %s are absent (set CI to make this a failure)", ecsRecordings)
		}
		t.Fatal(err)
	}
	var snap map[string]struct {
		Content map[string]struct {
			Events []map[string]any `json:"events"`
		} `json:"recorded-content"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name, test := range snap {
		for _, ev := range test.Content["get_execution_history"].Events {
			var task any
			switch ev["type"] {
			case "TaskSucceeded":
				d := ev["taskSucceededEventDetails"].(map[string]any)
				if d["resource"] == "runTask.sync" {
					task = d["output"]
				}
			case "TaskFailed":
				task = ev["taskFailedEventDetails"].(map[string]any)["cause"]
			}
			if task == nil {
				continue
			}
			want := dropTimes(task)
			b, _ := json.Marshal(want)
			var sdk types.Task
			if err := json.Unmarshal(b, &sdk); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got := dropTimes(sdkjson.Value(&sdk, sdkjson.Pascal))
			// Compare as JSON (numbers as the recording has them).
			gotJSON, _ := workflow.DecodeJSON([]byte(workflow.EncodeJSON(got)))
			wantJSON, _ := workflow.DecodeJSON(b)
			if g, w := workflow.EncodeJSON(gotJSON), workflow.EncodeJSON(wantJSON); g != w {
				t.Errorf("%s: task JSON differs\n got  %s\n want %s", name[strings.LastIndex(name, "::")+2:], g, w)
			}
			if failed := ev["type"] == "TaskFailed"; TaskFailed(sdk) != failed {
				t.Errorf("%s: TaskFailed = %v for a task the recording shows failed=%v", name, !failed, failed)
			}
			checked++
		}
	}
	if checked < 2 {
		t.Errorf("checked %d recorded tasks; want the sync success and failure", checked)
	}
}
