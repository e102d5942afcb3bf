package request

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func TestParseEnv(t *testing.T) {
	tests := []struct {
		in      string
		want    EnvVar
		wantErr string
	}{
		{"KEY=VALUE", EnvVar{Name: "KEY", Value: "VALUE"}, ""},
		{"MANAGE_PY_TASK=migrate --no-input", EnvVar{Name: "MANAGE_PY_TASK", Value: "migrate --no-input"}, ""},
		{"app:KEY=a=b:c", EnvVar{Container: "app", Name: "KEY", Value: "a=b:c"}, ""},
		{"EMPTY=", EnvVar{Name: "EMPTY"}, ""},
		{"URL=http://x:80/", EnvVar{Name: "URL", Value: "http://x:80/"}, ""},
		{"NOVALUE", EnvVar{}, "want [CONTAINER:]KEY=VALUE"},
		{"=v", EnvVar{}, "name is empty"},
		{":K=v", EnvVar{}, "container name"},
		{"app:=v", EnvVar{}, "name is empty"},
		{"A B=v", EnvVar{}, "white space"},
	}
	for _, tt := range tests {
		got, err := ParseEnv(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseEnv(%q) error = %v; want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseEnv(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"python manage.py migrate", []string{"python", "manage.py", "migrate"}, ""},
		{`  sh -c "echo 'hi there'"  `, []string{"sh", "-c", "echo 'hi there'"}, ""},
		{`echo 'a "b"' c\ d`, []string{"echo", `a "b"`, "c d"}, ""},
		{`echo ""`, []string{"echo", ""}, ""},
		{`["sh", "-c", "exit 3"]`, []string{"sh", "-c", "exit 3"}, ""},
		{`[1]`, nil, "JSON array of strings"},
		{`[]`, nil, "empty"},
		{`echo "open`, nil, "unterminated"},
		{`echo \`, nil, "backslash"},
		{"   ", nil, "empty"},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseCommand(%q) error = %v; want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseCommand(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseCapacityProvider(t *testing.T) {
	tests := []struct {
		in      string
		want    ecsmodel.CapacityProviderStrategyItem
		wantErr bool
	}{
		{"FARGATE_SPOT", ecsmodel.CapacityProviderStrategyItem{CapacityProvider: "FARGATE_SPOT"}, false},
		{"FARGATE_SPOT:3", ecsmodel.CapacityProviderStrategyItem{CapacityProvider: "FARGATE_SPOT", Weight: 3}, false},
		{"FARGATE:1:2", ecsmodel.CapacityProviderStrategyItem{CapacityProvider: "FARGATE", Weight: 1, Base: 2}, false},
		{"", ecsmodel.CapacityProviderStrategyItem{}, true},
		{"X:a", ecsmodel.CapacityProviderStrategyItem{}, true},
		{"X:1:2:3", ecsmodel.CapacityProviderStrategyItem{}, true},
		{"X:-1", ecsmodel.CapacityProviderStrategyItem{}, true},
	}
	for _, tt := range tests {
		got, err := ParseCapacityProvider(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseCapacityProvider(%q) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseTagAndPublicIP(t *testing.T) {
	if tag, err := ParseTag("team=data=x"); err != nil || tag != (ecsmodel.Tag{Key: "team", Value: "data=x"}) {
		t.Errorf("ParseTag = %+v, %v", tag, err)
	}
	if _, err := ParseTag("=x"); err == nil {
		t.Error("ParseTag(=x) succeeded")
	}
	for in, want := range map[string]ecsmodel.AssignPublicIp{"ENABLED": "ENABLED", "disabled": "DISABLED", "true": "ENABLED", "no": "DISABLED"} {
		if got, err := ParseAssignPublicIP(in); err != nil || got != want {
			t.Errorf("ParseAssignPublicIP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseAssignPublicIP("maybe"); err == nil {
		t.Error("ParseAssignPublicIP(maybe) succeeded")
	}
	if got := SplitList(" a, ,b ,"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("SplitList = %q", got)
	}
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMerge(t *testing.T) {
	three := int32(3)
	dst := ecsmodel.RunTaskRequest{
		Cluster:    "base",
		LaunchType: ecsmodel.LaunchTypeFARGATE,
		Tags:       []ecsmodel.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "dev"}},
		NetworkConfiguration: &ecsmodel.NetworkConfiguration{AwsvpcConfiguration: &ecsmodel.AwsVpcConfiguration{
			Subnets: []string{"subnet-1"}, AssignPublicIp: ecsmodel.AssignPublicIpDISABLED,
		}},
		Overrides: &ecsmodel.TaskOverride{Cpu: "256", ContainerOverrides: []ecsmodel.ContainerOverride{
			{Name: "app", Command: []string{"old"}, Environment: []ecsmodel.KeyValuePair{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}},
		}},
	}
	src := ecsmodel.RunTaskRequest{
		Count:                    &three,
		CapacityProviderStrategy: []ecsmodel.CapacityProviderStrategyItem{{CapacityProvider: "FARGATE_SPOT", Weight: 1}},
		Tags:                     []ecsmodel.Tag{{Key: "env", Value: "prod"}, {Key: "new", Value: "x"}},
		NetworkConfiguration:     &ecsmodel.NetworkConfiguration{AwsvpcConfiguration: &ecsmodel.AwsVpcConfiguration{SecurityGroups: []string{"sg-1"}}},
		Overrides: &ecsmodel.TaskOverride{Memory: "1024", ContainerOverrides: []ecsmodel.ContainerOverride{
			{Name: "app", Environment: []ecsmodel.KeyValuePair{{Name: "B", Value: "20"}, {Name: "C", Value: "3"}}},
			{Name: "side", Command: []string{"run"}},
		}},
	}
	Merge(&dst, &src)
	want := ecsmodel.RunTaskRequest{
		Cluster:                  "base",
		Count:                    &three,
		CapacityProviderStrategy: []ecsmodel.CapacityProviderStrategyItem{{CapacityProvider: "FARGATE_SPOT", Weight: 1}},
		Tags:                     []ecsmodel.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "prod"}, {Key: "new", Value: "x"}},
		NetworkConfiguration: &ecsmodel.NetworkConfiguration{AwsvpcConfiguration: &ecsmodel.AwsVpcConfiguration{
			Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: ecsmodel.AssignPublicIpDISABLED,
		}},
		Overrides: &ecsmodel.TaskOverride{Cpu: "256", Memory: "1024", ContainerOverrides: []ecsmodel.ContainerOverride{
			{Name: "app", Command: []string{"old"}, Environment: []ecsmodel.KeyValuePair{{Name: "A", Value: "1"}, {Name: "B", Value: "20"}, {Name: "C", Value: "3"}}},
			{Name: "side", Command: []string{"run"}},
		}},
	}
	if got, w := js(t, dst), js(t, want); got != w {
		t.Errorf("Merge:\n got %s\nwant %s", got, w)
	}
	// A launch type given later replaces the capacity provider strategy.
	Merge(&dst, &ecsmodel.RunTaskRequest{LaunchType: ecsmodel.LaunchTypeEC2})
	if dst.LaunchType != ecsmodel.LaunchTypeEC2 || dst.CapacityProviderStrategy != nil {
		t.Errorf("after a launch type: %s", js(t, dst))
	}
	// Merging never aliases the source.
	src.Overrides.ContainerOverrides[1].Command[0] = "changed"
	if dst.Overrides.ContainerOverrides[1].Command[0] != "run" {
		t.Error("Merge aliased the source's command")
	}
}

func TestApply(t *testing.T) {
	cs := []Container{{"app", true}, {"sidecar", false}, {"worker", true}}
	one := []Container{{"app", true}, {"sidecar", false}}
	tests := []struct {
		name    string
		cs      []Container
		ch      Changes
		want    string
		wantErr string
	}{
		{"nothing", cs, Changes{}, `{"enableECSManagedTags":false,"enableExecuteCommand":false}`, ""},
		{"env without a container goes to every essential one", cs,
			Changes{Env: []EnvVar{{Name: "K", Value: "v"}}},
			`{"containerOverrides":[{"name":"app","environment":[{"name":"K","value":"v"}]},{"name":"worker","environment":[{"name":"K","value":"v"}]}]}`, ""},
		{"env for a named container, later wins", cs,
			Changes{Env: []EnvVar{{Container: "sidecar", Name: "K", Value: "1"}, {Container: "sidecar", Name: "K", Value: "2"}}},
			`{"containerOverrides":[{"name":"sidecar","environment":[{"name":"K","value":"2"}]}]}`, ""},
		{"command goes to the only essential container", one,
			Changes{Command: []string{"migrate"}},
			`{"containerOverrides":[{"name":"app","command":["migrate"]}]}`, ""},
		{"command for a named container", cs,
			Changes{Container: "sidecar", Command: []string{"x"}},
			`{"containerOverrides":[{"name":"sidecar","command":["x"]}]}`, ""},
		{"command with two essential containers needs a name", cs,
			Changes{Command: []string{"x"}}, "", "name the one to run it in with --container"},
		{"unknown container for env", cs,
			Changes{Env: []EnvVar{{Container: "nope", Name: "K"}}}, "", `no container "nope"; its containers are app, sidecar, worker`},
		{"unknown container for command", cs,
			Changes{Container: "nope", Command: []string{"x"}}, "", `no container "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &ecsmodel.RunTaskRequest{}
			err := Apply(req, tt.ch, tt.cs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Apply error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := js(t, req)
			if req.Overrides != nil {
				got = js(t, req.Overrides)
			}
			if got != tt.want {
				t.Errorf("Apply:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
