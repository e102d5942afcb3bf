package sfnapi_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

// distributedDef maps over a CSV file in the local S3 directory, two rows
// a batch; each batch runs one ECS task that exits with the first row's
// code. ResultWriter exports the results to the results bucket.
const distributedDef = `{
  "StartAt": "Process",
  "States": {
    "Process": {
      "Type": "Map",
      "Label": "rows",
      "MaxConcurrency": 2,
      "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": {"Bucket": "data", "Key.$": "$.key"}
      },
      "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"job.$": "$.job"}},
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Run",
        "States": {
          "Run": {
            "Type": "Task",
            "Resource": "arn:aws:states:::ecs:runTask.sync",
            "Parameters": {
              "LaunchType": "EC2", "Cluster": "default", "TaskDefinition": "batch",
              "Overrides": {"ContainerOverrides": [{"Name": "app", "Environment": [
                {"Name": "CODE", "Value.$": "$.Items[0].code"},
                {"Name": "JOB", "Value.$": "$.BatchInput.job"}
              ]}]}
            },
            "ResultSelector": {"exit.$": "$.Containers[0].ExitCode", "first.$": "$$.Execution.Input.Items[0].id"},
            "End": true
          }
        }
      },
      %TOLERANCE%,
      "ResultWriter": {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "results", "Prefix": "runs"}
      },
      "End": true
    }
  }
}`

func TestDistributedMap_CSVBatchesOfECSTasks(t *testing.T) {
	h := newHarness(t)
	h.register("batch", "exitenv", "CODE")
	s3 := filepath.Join(h.dir, "s3")
	if err := os.MkdirAll(filepath.Join(s3, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Rows 1 and 2 make a batch whose task exits 0; rows 3 and 4 one whose
	// task exits 3: half of the items fail.
	csv := "id,code\n1,0\n2,0\n3,3\n4,0\n"
	if err := os.WriteFile(filepath.Join(s3, "data", "rows.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	c := ctxT(t)

	// Tolerating half of the items: the Map succeeds with its results in S3.
	arn := h.start("rows-tolerant", strings.Replace(distributedDef, "%TOLERANCE%", `"ToleratedFailurePercentage": 50`, 1), `{"key": "rows.csv", "job": "j1"}`, 1)
	ex := h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
	}
	out := decode(t, aws.ToString(ex.Output))
	runArn, _ := out["MapRunArn"].(string)
	if !strings.Contains(runArn, ":mapRun:rows-tolerant/rows:") {
		t.Fatalf("output %s: MapRunArn %q", aws.ToString(ex.Output), runArn)
	}
	details, _ := out["ResultWriterDetails"].(map[string]any)
	runID := runArn[strings.LastIndex(runArn, ":")+1:]
	if details["Bucket"] != "results" || details["Key"] != "runs/"+runID+"/manifest.json" {
		t.Fatalf("ResultWriterDetails %v", details)
	}

	// The history names the Map Run.
	var started string
	for _, ev := range h.history(arn) {
		if ev.Type == sfntypes.HistoryEventTypeMapRunStarted {
			started = aws.ToString(ev.MapRunStartedEventDetails.MapRunArn)
		}
	}
	if started != runArn {
		t.Fatalf("MapRunStarted names %q, want %q", started, runArn)
	}

	// The manifest and result files, as ResultWriter lays them out.
	var manifest struct {
		DestinationBucket string
		MapRunArn         string
		ResultFiles       map[string][]struct {
			Key  string
			Size int
		}
	}
	readJSON(t, filepath.Join(s3, "results", "runs", runID, "manifest.json"), &manifest)
	if manifest.DestinationBucket != "results" || manifest.MapRunArn != runArn ||
		len(manifest.ResultFiles["SUCCEEDED"]) != 1 || len(manifest.ResultFiles["FAILED"]) != 1 || len(manifest.ResultFiles["PENDING"]) != 0 {
		t.Fatalf("manifest %+v", manifest)
	}
	var succeeded, failed []map[string]any
	readJSON(t, filepath.Join(s3, "results", filepath.FromSlash(manifest.ResultFiles["SUCCEEDED"][0].Key)), &succeeded)
	readJSON(t, filepath.Join(s3, "results", filepath.FromSlash(manifest.ResultFiles["FAILED"][0].Key)), &failed)
	if len(succeeded) != 1 || len(failed) != 1 {
		t.Fatalf("succeeded %v, failed %v", succeeded, failed)
	}
	if got := decode(t, succeeded[0]["Output"].(string)); got["first"] != "1" || got["exit"] != float64(0) {
		t.Fatalf("succeeded child output %v", got)
	}
	if in := decode(t, succeeded[0]["Input"].(string)); in["BatchInput"].(map[string]any)["job"] != "j1" || len(in["Items"].([]any)) != 2 {
		t.Fatalf("succeeded child input %v", in)
	}
	if failed[0]["Error"] != "States.TaskFailed" || failed[0]["Status"] != "FAILED" {
		t.Fatalf("failed child %v", failed[0])
	}

	// ListMapRuns and DescribeMapRun.
	runs, err := h.sfn.ListMapRuns(c, &sfn.ListMapRunsInput{ExecutionArn: aws.String(arn)})
	if err != nil || len(runs.MapRuns) != 1 || aws.ToString(runs.MapRuns[0].MapRunArn) != runArn || runs.MapRuns[0].StopDate == nil {
		t.Fatalf("ListMapRuns = %+v, %v", runs, err)
	}
	if !strings.HasSuffix(aws.ToString(runs.MapRuns[0].StateMachineArn), ":stateMachine:rows-tolerant/rows") {
		t.Fatalf("ListMapRuns state machine %s", aws.ToString(runs.MapRuns[0].StateMachineArn))
	}
	d, err := h.sfn.DescribeMapRun(c, &sfn.DescribeMapRunInput{MapRunArn: aws.String(runArn)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != sfntypes.MapRunStatusSucceeded || d.MaxConcurrency != 2 || d.ToleratedFailurePercentage != 50 ||
		d.ItemCounts.Total != 4 || d.ItemCounts.Succeeded != 2 || d.ItemCounts.Failed != 2 ||
		d.ExecutionCounts.Total != 2 || d.ExecutionCounts.Succeeded != 1 || d.ExecutionCounts.Failed != 1 {
		t.Fatalf("DescribeMapRun = status %s concurrency %d tolerated %v items %+v executions %+v", d.Status, d.MaxConcurrency, d.ToleratedFailurePercentage, *d.ItemCounts, *d.ExecutionCounts)
	}

	// The child executions, listed by Map Run and describable.
	kids, err := h.sfn.ListExecutions(c, &sfn.ListExecutionsInput{MapRunArn: aws.String(runArn)})
	if err != nil || len(kids.Executions) != 2 {
		t.Fatalf("ListExecutions(mapRunArn) = %+v, %v", kids, err)
	}
	kid, err := h.sfn.DescribeExecution(c, &sfn.DescribeExecutionInput{ExecutionArn: kids.Executions[0].ExecutionArn})
	if err != nil || aws.ToString(kid.MapRunArn) != runArn || kid.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("DescribeExecution(child) = %+v, %v", kid, err)
	}
	var ran bool
	for _, ev := range h.history(aws.ToString(kid.ExecutionArn)) {
		ran = ran || ev.Type == sfntypes.HistoryEventTypeTaskSucceeded
	}
	if !ran {
		t.Fatal("the child execution's history has no TaskSucceeded")
	}

	// An ended Map Run cannot be updated.
	_, err = h.sfn.UpdateMapRun(c, &sfn.UpdateMapRunInput{MapRunArn: aws.String(runArn), MaxConcurrency: aws.Int32(5)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Fatalf("UpdateMapRun(ended) = %v, want ValidationException", err)
	}

	// Tolerating one failed item only: two fail, so the Map fails.
	arn = h.start("rows-strict", strings.Replace(distributedDef, "%TOLERANCE%", `"ToleratedFailureCount": 1`, 1), `{"key": "rows.csv", "job": "j2"}`, 1)
	ex = h.wait(arn)
	if ex.Status != sfntypes.ExecutionStatusFailed || aws.ToString(ex.Error) != "States.ExceedToleratedFailureThreshold" {
		t.Fatalf("execution %s: %s %s", ex.Status, aws.ToString(ex.Error), aws.ToString(ex.Cause))
	}
	var types []string
	for _, ev := range h.history(arn) {
		if strings.HasPrefix(string(ev.Type), "MapRun") || strings.HasPrefix(string(ev.Type), "MapState") {
			types = append(types, string(ev.Type))
		}
	}
	if strings.Join(types, ",") != "MapStateEntered,MapStateStarted,MapRunStarted,MapRunFailed,MapStateFailed" {
		t.Fatalf("events %v", types)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
}
