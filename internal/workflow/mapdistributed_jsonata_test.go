package workflow

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"
)

// A JSONata distributed Map: the ItemReader's Arguments and MaxItems, the
// ItemBatcher's limits and BatchInput, and the ResultWriter's Arguments are
// expressions evaluated against the state's input.
func TestDistributedMap_JSONata(t *testing.T) {
	const def = `{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
	  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
	    "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.max %}"},
	    "Arguments": {"Bucket": "{% $states.input.bucket %}", "Key": "{% $states.input.key %}"}},
	  "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}"},
	  "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.per %}", "BatchInput": {"state": "{% $states.context.State.Name %}"}},
	  "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"Bucket": "{% $states.input.bucket %}", "Prefix": "{% 'out' %}"}},
	  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P",
	    "States": {"P": {"Type": "Pass", "Output": "{% $count($states.input.Items) %}", "End": true}}}}}}`
	sm, err := Parse([]byte(def), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, input string
		// wantCounts: the batch sizes the result file records; wantErr: the
		// execution's error and a part of its cause instead.
		wantCounts       string
		wantErr, wantCau string
	}{
		{"limits from the input", `{"bucket": "b", "key": "k.json", "max": 5, "per": 2}`, `[2,2,1]`, "", ""},
		{"MaxItems 0 is no limit", `{"bucket": "b", "key": "k.json", "max": 0, "per": 4}`, `[4,3]`, "", ""},
		{"MaxItems not a number", `{"bucket": "b", "key": "k.json", "max": "3", "per": 2}`, "", ErrQueryEvaluationError, "must evaluate to a non-negative integer"},
		{"MaxItemsPerBatch zero", `{"bucket": "b", "key": "k.json", "max": 3, "per": 0}`, "", ErrQueryEvaluationError, "must evaluate to a positive integer"},
		{"no such bucket", `{"bucket": "other", "key": "k.json", "max": 3, "per": 2}`, "", ErrItemReaderFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runner := NewMemoryMapRunner()
			runner.Put("b", "k.json", []byte(`[1,2,3,4,5,6,7]`))
			clock := NewFakeClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
			clock.SetAutoAdvance(true)
			res, err := Run(context.Background(), sm, []byte(tt.input), Options{Clock: clock, MapRuns: runner, StateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:sm"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				if res.Status != StatusFailed || res.Error.Name != tt.wantErr || !strings.Contains(res.Error.Cause, tt.wantCau) {
					t.Fatalf("status %s %v, want %s (%s)", res.Status, res.Error, tt.wantErr, tt.wantCau)
				}
				return
			}
			if res.Status != StatusSucceeded {
				t.Fatalf("status %s %v", res.Status, res.Error)
			}
			out, _ := res.Output.(map[string]any)
			details, _ := out["ResultWriterDetails"].(map[string]any)
			if details["Bucket"] != "b" || !strings.HasPrefix(details["Key"].(string), "out/") {
				t.Fatalf("output %s", EncodeJSON(res.Output))
			}
			objs, _ := runner.ListObjects(context.Background(), "b", "out/")
			var counts []string
			for _, o := range objs {
				if !strings.HasSuffix(o.Key, "SUCCEEDED_0.json") {
					continue
				}
				data, _ := runner.Object("b", o.Key)
				recs, _ := DecodeJSON(data)
				for _, rec := range recs.([]any) {
					counts = append(counts, rec.(map[string]any)["Output"].(string))
				}
			}
			sort.Sort(sort.Reverse(sort.StringSlice(counts)))
			if got := "[" + strings.Join(counts, ",") + "]"; got != tt.wantCounts {
				t.Fatalf("batch sizes %s, want %s", got, tt.wantCounts)
			}
		})
	}
}
