package controlplane

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/agent"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/taskstate"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// fill sets every exported field reachable from v to a value that is not
// zero (strings from strs, in turn), so that a field added to a task
// record shows up in json.Marshal's output.
func fill(v reflect.Value, strs []string, n *int, depth int) {
	if depth > 8 {
		return
	}
	next := func() string { s := strs[*n%len(strs)]; *n++; return s }
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2026, 11, 22, 10, 0, *n%60, 123456789*(*n%2), time.UTC)))
		*n++
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(next())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n%5 - 2))
		*n++
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), strs, n, depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), strs, n, depth+1)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, strs, n, depth+1)
			fill(e, strs, n, depth+1)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), strs, n, depth+1)
			}
		}
	}
}

func benchTask() *taskRecord {
	created := time.Date(2026, 11, 29, 16, 13, 31, 310704927, time.UTC)
	code := 0
	return &taskRecord{
		ID: "733c8b4991de1008ae965029bd59221d", Seq: 3770, Cluster: "bench",
		ARN:    "arn:aws:ecs:us-east-1:000000000000:task/bench/733c8b4991de1008ae965029bd59221d",
		DefARN: "arn:aws:ecs:us-east-1:000000000000:task-definition/bench:1", Family: "bench", Revision: 1,
		LaunchType: "EC2", Group: "family:bench",
		ContainerARNs: map[string]string{"app": "arn:aws:ecs:us-east-1:000000000000:container/bench/733c8b4991de1008ae965029bd59221d/88dde080-b486-0163-e16c-5cea67e846ed"},
		ClientToken:   "e02961bf-5859-4dd3-b688-b161df50880d", TokenKey: "cc838d96f788acb9424429b299285fbd9e68933fe646fb64aef07895de5ecb46",
		Version: 5,
		State: taskstate.Task{
			Status: taskstate.Stopped, Desired: taskstate.Stopped, StopCode: taskstate.StopEssentialContainerExited, StoppedReason: taskstate.ReasonEssentialExited,
			Containers:  []taskstate.Container{{Name: "app", Essential: true, Status: taskstate.ContainerStopped, ExitCode: &code}},
			Provisioned: true, Deprovisioned: true,
			CreatedAt: created, StartedAt: created.Add(time.Millisecond), StoppingAt: created.Add(time.Second),
			ExecutionStoppedAt: created.Add(time.Second), StoppedAt: created.Add(2 * time.Second),
		},
		Containers: map[string]*agent.ContainerInfo{"app": {
			RuntimeID: "530fd992caea5caf78be66960590e34004fb3935f688bf3c8cff783f9492b17b", RuntimeName: "ecs-bench-1-app-c25498c30cf9008bb3ff",
			LogGroup: "/ecsrun/tasks", LogStream: "bench/app/733c8b4991de1008ae965029bd59221d", StartedAt: created.Add(time.Millisecond),
		}},
		PullStartedAt: wire.At(created), PullStoppedAt: wire.At(created.Truncate(time.Second)),
		ContainerInstance: "82ff769c67381f6023b882b5a8a8600c",
	}
}

func TestTaskJSON_IsJSONMarshal(t *testing.T) {
	strs := []string{"app", "", "a\"b\\c", "<html> & co", "é\u2028\u2029", "tab\there\nline\x01", "bad \xff utf8", "del\x7f"}
	full := func(offset int) *taskRecord {
		r := new(taskRecord)
		n := offset
		fill(reflect.ValueOf(r).Elem(), strs, &n, 0)
		return r
	}
	emptyVolumes := benchTask()
	emptyVolumes.Resources.Volumes = map[string]string{}
	onlyCgroup := benchTask()
	onlyCgroup.Resources = agent.Resources{Cgroup: "ecs-task"}
	running := benchTask()
	running.State = taskstate.New([]taskstate.Container{{Name: "app", Essential: true}, {Name: "side", HealthChecked: true, Health: taskstate.HealthHealthy}}, running.State.CreatedAt)
	running.Overrides = &ecsmodel.TaskOverride{Cpu: "256"}
	running.Tags = []ecsmodel.Tag{{Key: "k", Value: "v"}}
	running.GPUs = []string{"0", "1"}
	nilInfo := benchTask()
	nilInfo.Containers["side"] = nil
	for name, r := range map[string]*taskRecord{
		"zero":          {},
		"bench":         benchTask(),
		"running":       running,
		"every field":   full(0),
		"every field 2": full(1),
		"every field 3": full(5),
		"empty volumes": emptyVolumes,
		"only cgroup":   onlyCgroup,
		"nil info":      nilInfo,
		"new":           {ContainerARNs: map[string]string{}, State: taskstate.New(nil, time.Unix(0, 0))},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := taskJSON(r); !bytes.Equal(got, want) {
			t.Errorf("%s: taskJSON =\n%s\nwant (json.Marshal)\n%s", name, got, want)
		}
	}
}

func TestTaskJSON_FallsBackOnYearsJSONRefuses(t *testing.T) {
	r := benchTask()
	r.State.StoppedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	defer func() {
		if recover() == nil {
			t.Errorf("taskJSON of a year-10000 time did not panic as json.Marshal's error does")
		}
	}()
	taskJSON(r)
}

func FuzzTaskJSON(f *testing.F) {
	f.Add("Essential container in task exited", "app", "vol", "/data")
	f.Add("<script>&\"\\\u2028", "\xff\xfe", "\x00", "é")
	f.Fuzz(func(t *testing.T, reason, name, key, value string) {
		r := benchTask()
		r.State.StoppedReason = reason
		r.State.Containers[0].Reason = reason
		r.State.Containers[0].Name = name
		r.Containers[name] = &agent.ContainerInfo{RuntimeID: value, LogStream: reason}
		r.ContainerARNs[key] = value
		r.Resources.Volumes = map[string]string{key: value, name: reason}
		r.StartedBy = key
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := taskJSON(r); !bytes.Equal(got, want) {
			t.Errorf("taskJSON =\n%s\nwant (json.Marshal)\n%s", got, want)
		}
	})
}

func BenchmarkTaskJSON(b *testing.B) {
	r := benchTask()
	b.Run("taskJSON", func(b *testing.B) {
		for b.Loop() {
			taskJSON(r)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		for b.Loop() {
			mustJSON(r)
		}
	})
}
