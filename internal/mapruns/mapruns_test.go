package mapruns

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func enc(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestReadItems(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ReaderConfig
		data    string
		want    string
		wantErr string
	}{
		{"json array", ReaderConfig{InputType: InputJSON}, `[{"a":1},2]`, `[{"a":1},2]`, ""},
		{"json max items", ReaderConfig{InputType: InputJSON, MaxItems: 1}, `[1,2,3]`, `[1]`, ""},
		{"json object", ReaderConfig{InputType: InputJSON}, `{"Hello":"world"}`, "", "Attempting to map over non-iterable node."},
		{"jsonl", ReaderConfig{InputType: InputJSONL}, "{\"a\":1}\n\n[2]\n", `[{"a":1},[2]]`, ""},
		{"jsonl bad line", ReaderConfig{InputType: InputJSONL}, "1\n{x\n", "", "Line 2 of the JSONL object is not valid JSON"},
		{"csv first row, short and long rows", ReaderConfig{InputType: InputCSV}, "A,B\n1,2\n,,,\n   \n", `[{"A":"1","B":"2"},{"A":"","B":""},{"A":"   ","B":""}]`, ""},
		{"csv given headers", ReaderConfig{InputType: InputCSV, CSVHeaderLocation: HeaderGiven, CSVHeaders: []string{"H1"}}, "x,y\nz\n", `[{"H1":"x"},{"H1":"z"}]`, ""},
		{"csv duplicate headers", ReaderConfig{InputType: InputCSV, CSVHeaderLocation: HeaderGiven, CSVHeaders: []string{"H", "H"}}, "x\n", "", "CSV headers cannot contain duplicates."},
		{"csv max items", ReaderConfig{InputType: InputCSV, MaxItems: 2}, "A\n1\n2\n3\n", `[{"A":"1"},{"A":"2"}]`, ""},
		{"csv pipe", ReaderConfig{InputType: InputCSV, CSVDelimiter: "PIPE"}, "A|B\n1|2\n", `[{"A":"1","B":"2"}]`, ""},
		{"csv empty", ReaderConfig{InputType: InputCSV}, "", `[]`, ""},
		{"negative max items", ReaderConfig{InputType: InputJSON, MaxItems: -1}, `[]`, "", "field MaxItems must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadItems(tt.cfg, []byte(tt.data))
			if tt.wantErr != "" {
				var re *ReaderError
				if !errors.As(err, &re) || !strings.Contains(re.Cause, tt.wantErr) {
					t.Fatalf("err = %v, want a ReaderError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || enc(got) != tt.want {
				t.Fatalf("got %s, %v; want %s", enc(got), err, tt.want)
			}
		})
	}
}

func TestManifestItems(t *testing.T) {
	m, err := ParseManifest([]byte(`{"sourceBucket":"b","fileFormat":"CSV","fileSchema":"Bucket, Key, Size","files":[{"key":"inv/data.csv"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.ManifestItems([]byte("b,k1,3\nb,k2,4\n"))
	if err != nil || enc(got) != `[{"Bucket":"b","Key":"k1","Size":"3"},{"Bucket":"b","Key":"k2","Size":"4"}]` {
		t.Fatalf("got %s, %v", enc(got), err)
	}
	if _, err := ParseManifest([]byte(`{"fileFormat":"ORC","fileSchema":"x"}`)); err == nil {
		t.Fatal("an ORC inventory was accepted")
	}
}

func TestBatches(t *testing.T) {
	size := func(v any) int { return len(enc(v)) }
	items := []any{"aaaa", "bbbb", "cccc"}
	tests := []struct {
		name string
		b    Batcher
		want string
	}{
		{"by count", Batcher{MaxItemsPerBatch: 2}, `[{"Items":["aaaa","bbbb"]},{"Items":["cccc"]}]`},
		{"with batch input", Batcher{MaxItemsPerBatch: 3, BatchInput: map[string]any{"j": 1}}, `[{"BatchInput":{"j":1},"Items":["aaaa","bbbb","cccc"]}]`},
		// {"Items":["aaaa","bbbb"]} is 25 bytes: a third item would not fit in 26.
		{"by bytes", Batcher{MaxInputBytesPerBatch: 26}, `[{"Items":["aaaa","bbbb"]},{"Items":["cccc"]}]`},
		{"an item too large on its own", Batcher{MaxInputBytesPerBatch: 5}, `[{"Items":["aaaa"]},{"Items":["bbbb"]},{"Items":["cccc"]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := enc(Batches(items, tt.b, size)); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	if ItemCount(map[string]any{"Items": []any{1, 2}}, true) != 2 || ItemCount("x", false) != 1 {
		t.Fatal("ItemCount")
	}
}

func TestToleranceExceeded(t *testing.T) {
	tests := []struct {
		tol           Tolerance
		failed, total int
		want          bool
	}{
		{NoTolerance, 0, 10, false},
		{NoTolerance, 1, 10, true},
		{Tolerance{Count: 2, Percent: -1}, 2, 10, false},
		{Tolerance{Count: 2, Percent: -1}, 3, 10, true},
		{Tolerance{Count: -1, Percent: 50}, 2, 4, false},
		{Tolerance{Count: -1, Percent: 50}, 3, 4, true},
		{Tolerance{Count: 10, Percent: 10}, 2, 10, true}, // either limit
		{Tolerance{Count: 0, Percent: 0}, 1, 10, true},
		{Tolerance{Count: -1, Percent: 100}, 10, 10, false},
	}
	for _, tt := range tests {
		if got := tt.tol.Exceeded(tt.failed, tt.total); got != tt.want {
			t.Errorf("%+v.Exceeded(%d, %d) = %v, want %v", tt.tol, tt.failed, tt.total, got, tt.want)
		}
	}
}

func TestArnsAndResults(t *testing.T) {
	a := NewArns("arn:aws:states:eu-west-1:123:stateMachine:jobs", "rows", "id-1")
	if a.MapRun != "arn:aws:states:eu-west-1:123:mapRun:jobs/rows:id-1" ||
		a.StateMachine != "arn:aws:states:eu-west-1:123:stateMachine:jobs/rows" ||
		a.Execution("c1") != "arn:aws:states:eu-west-1:123:execution:jobs/rows:c1" {
		t.Fatalf("%+v", a)
	}
	if RunID(a.MapRun) != "id-1" || ParentStateMachine(a.MapRun) != "arn:aws:states:eu-west-1:123:stateMachine:jobs" {
		t.Fatal("RunID / ParentStateMachine")
	}
	files := WriteResults("out", "pre", a.MapRun, []Child{
		{Name: "c1", Status: StatusSucceeded, Input: `1`, Output: `2`},
		{Name: "c2", Status: StatusFailed, Input: `3`, Error: "E", Cause: "C"},
		{Name: "c3", Status: StatusTimedOut, Input: `4`},
	})
	var keys []string
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	if strings.Join(keys, ",") != "pre/id-1/SUCCEEDED_0.json,pre/id-1/FAILED_0.json,pre/id-1/manifest.json" {
		t.Fatalf("keys %v", keys)
	}
	var failed []map[string]any
	if err := json.Unmarshal(files[1].Body, &failed); err != nil || len(failed) != 2 || failed[0]["Error"] != "E" || failed[1]["Status"] != "TIMED_OUT" {
		t.Fatalf("FAILED_0.json %s", files[1].Body)
	}
	var m ManifestFile
	if err := json.Unmarshal(files[2].Body, &m); err != nil || m.DestinationBucket != "out" || m.ResultFiles["SUCCEEDED"][0].Size != len(files[0].Body) || len(m.ResultFiles["PENDING"]) != 0 {
		t.Fatalf("manifest %s", files[2].Body)
	}
	if ManifestKey("", a.MapRun) != "id-1/manifest.json" {
		t.Fatal("ManifestKey without a prefix")
	}
}
