package placement

import (
	"testing"
	"time"
)

func TestPlaceOn(t *testing.T) {
	s := NewState()
	add := func(arn string, cpu, mem int64, st Status, agent bool, attrs map[string]string) {
		t.Helper()
		if err := s.AddInstance(Instance{ARN: arn, Status: st, AgentConnected: agent, RegisteredAt: time.Unix(1, 0), Attributes: attrs,
			Free: Free{CPU: cpu, Memory: mem}}); err != nil {
			t.Fatal(err)
		}
	}
	add("big", 2048, 4096, StatusActive, true, map[string]string{"x": "1"})
	add("small", 128, 4096, StatusActive, true, map[string]string{"x": "1"})
	add("draining", 2048, 4096, StatusDraining, true, map[string]string{"x": "1"})
	add("gone-agent", 2048, 4096, StatusActive, false, map[string]string{"x": "1"})
	add("plain", 2048, 4096, StatusActive, true, nil)
	req := Request{Group: "g", Count: 7, Need: Need{CPU: 512, Memory: 512}, RequiredAttributes: []Attribute{{Name: "x"}},
		TaskIDs: []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"}}
	res, err := s.PlaceOn(req, []string{"big", "small", "draining", "gone-agent", "plain", "nowhere", "big"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Placements) != 2 || res.Placements[0].InstanceARN != "big" || res.Placements[1].TaskIndex != 6 {
		t.Errorf("placements %+v", res.Placements)
	}
	want := map[int]Reason{1: ReasonCPU, 2: ReasonDraining, 3: ReasonAgent, 4: ReasonAttribute, 5: "MISSING"}
	if len(res.Failures) != len(want) {
		t.Fatalf("failures %+v", res.Failures)
	}
	for _, f := range res.Failures {
		if want[f.TaskIndex] != f.Reason {
			t.Errorf("task %d on %s: reason %q, want %q", f.TaskIndex, f.ARN, f.Reason, want[f.TaskIndex])
		}
	}
	if in, _ := s.Instance("big"); in.Free.CPU != 1024 {
		t.Errorf("big has %d CPU left, want 1024", in.Free.CPU)
	}
	if _, err := s.PlaceOn(Request{Count: 2, Group: "g"}, []string{"big"}); err == nil {
		t.Error("PlaceOn with fewer instances than tasks: no error")
	}
}
