package workflow

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParse_DistributedMapFields(t *testing.T) {
	const proc = `"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}`
	tests := []struct {
		name, state, wantErr string
	}{
		{"reader on an inline map", `"ItemProcessor": {` + proc + `}, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}}`, "only allowed in a distributed Map"},
		{"no execution type", `"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, ` + proc + `}`, `"ExecutionType"`},
		{"bad input type", `"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "XML"}, "Parameters": {"Bucket": "b", "Key": "k"}}`, "InputType must be JSON, JSONL, CSV or MANIFEST"},
		{"given headers missing", `"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}, "Parameters": {"Bucket": "b", "Key": "k"}}`, "needs CSVHeaders"},
		{"empty batcher", `"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemBatcher": {}`, "at least one of"},
		{"writer without parameters", `"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, ` + proc + `}, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}`, `"Parameters"`},
		{"JSONata reader with Parameters", `"QueryLanguage": "JSONata", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}}`, "ItemReader/Parameters: field is not allowed here"},
		{"JSONata reader with MaxItemsPath", `"QueryLanguage": "JSONata", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.n"}, "Arguments": {"Bucket": "b", "Key": "k"}}`, "MaxItemsPath: field is not allowed here"},
		{"JSONata batcher with a bad expression", `"QueryLanguage": "JSONata", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input. %}"}`, "ItemBatcher/MaxItemsPerBatch: the JSONata expression"},
		{"JSONata batcher with a plain string", `"QueryLanguage": "JSONata", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemBatcher": {"MaxItemsPerBatch": "2"}`, "must be an integer or a JSONata expression"},
		{"JSONata writer without arguments", `"QueryLanguage": "JSONata", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}`, `"Arguments"`},
		{"JSONata valid", `"QueryLanguage": "JSONata", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.n %}"}, "Arguments": {"Bucket": "{% $states.input.b %}", "Key": "k"}}, "ItemBatcher": {"MaxItemsPerBatch": "{% 2 %}", "MaxInputBytesPerBatch": 1000, "BatchInput": {"at": "{% $states.context.State.Name %}"}}, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"Bucket": "b", "Prefix": "{% 'p' %}"}}`, ""},
		{"valid", `"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + proc + `}, "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b"}}, "ItemBatcher": {"MaxItemsPerBatch": 2}, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, ` + tt.state + `}}}`
			_, err := Parse([]byte(def), ParseOptions{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// A distributed Map whose children fail on odd items: within the
// tolerance it succeeds with the failures' records in its result; past
// it, the Map Run fails and children not started stay pending.
func TestDistributedMap_ToleratedFailures(t *testing.T) {
	def := func(tolerance string) string {
		return `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "MaxConcurrency": 1, ` + tolerance + `
		  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "C",
		    "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.odd", "BooleanEquals": true, "Next": "Bad"}], "Default": "Good"},
		      "Bad": {"Type": "Fail", "Error": "Odd", "Cause": "odd item"}, "Good": {"Type": "Pass", "End": true}}}}}}`
	}
	input := `[{"odd": false}, {"odd": true}, {"odd": false}, {"odd": true}]`
	run := func(tolerance string) (*Result, *MemoryMapRunner) {
		sm, err := Parse([]byte(def(tolerance)), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		clock := NewFakeClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		clock.SetAutoAdvance(true)
		runner := NewMemoryMapRunner()
		res, err := Run(context.Background(), sm, []byte(input), Options{Clock: clock, MapRuns: runner, StateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:sm"})
		if err != nil {
			t.Fatal(err)
		}
		return res, runner
	}

	res, runner := run(`"ToleratedFailurePercentage": 50,`)
	if res.Status != StatusSucceeded {
		t.Fatalf("status %s %v", res.Status, res.Error)
	}
	out := res.Output.([]any)
	if len(out) != 4 || out[1].(map[string]any)["Error"] != "Odd" || out[1].(map[string]any)["Status"] != "FAILED" {
		t.Fatalf("output %s", EncodeJSON(res.Output))
	}
	s := runner.Runs()[0].Snapshot()
	if s.Status != "SUCCEEDED" || s.Items.Succeeded != 2 || s.Items.Failed != 2 || s.Items.Total != 4 || s.Items.Pending != 0 {
		t.Fatalf("map run %+v", s)
	}

	res, runner = run(`"ToleratedFailureCount": 0,`)
	if res.Status != StatusFailed || res.Error.Name != ErrExceedToleratedFailureThreshold {
		t.Fatalf("status %s %v", res.Status, res.Error)
	}
	s = runner.Runs()[0].Snapshot()
	// One at a time: items 0 and 1 ran, 2 and 3 never started.
	if s.Status != "FAILED" || s.Items.Succeeded != 1 || s.Items.Failed != 1 || s.Items.Pending != 2 || s.Error != ErrExceedToleratedFailureThreshold {
		t.Fatalf("map run %+v", s)
	}
}
