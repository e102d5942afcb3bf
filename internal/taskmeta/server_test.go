package taskmeta

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/taskroles"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// fakeTasks describes tasks from a map by ARN.
type fakeTasks map[string]*ecsmodel.Task

func (f fakeTasks) DescribeTask(_ context.Context, cluster, arn string) (*ecsmodel.Task, *ecsmodel.TaskDefinition, error) {
	t, ok := f[arn]
	if !ok {
		return nil, nil, errors.New("no such task")
	}
	def := &ecsmodel.TaskDefinition{Family: "fam", Revision: 3, ContainerDefinitions: []ecsmodel.ContainerDefinition{
		{Name: "app", Image: "img:1", Cpu: 128, Memory: ptr(int32(256)),
			LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g"}}},
		{Name: "side", Image: "img:2"},
	}}
	return t, def, nil
}

func ptr[T any](v T) *T { return &v }

// fakeRuntime knows the details of containers by id.
type fakeRuntime struct {
	runtime.Runtime // only the methods below are called
	details         map[string]runtime.Details
}

func (f fakeRuntime) Inspect(_ context.Context, id string) (runtime.State, error) {
	if _, ok := f.details[id]; !ok {
		return runtime.State{}, runtime.ErrNotFound
	}
	return runtime.State{ID: id, Name: "ecs-fam-3-" + id, ImageID: "sha256:abc", Labels: map[string]string{"l": "v"}, Running: true,
		StartedAt: time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC)}, nil
}

func (f fakeRuntime) Details(_ context.Context, id string) (runtime.Details, error) {
	d, ok := f.details[id]
	if !ok {
		return runtime.Details{}, runtime.ErrNotFound
	}
	return d, nil
}

func (f fakeRuntime) Stats(_ context.Context, id string) ([]byte, error) {
	return []byte(`{"read":"now","id":"` + id + `"}`), nil
}

// roles gives every mapped role fixed keys.
type roles map[string]string

func (r roles) Credentials(_ context.Context, role string) (taskroles.Credentials, error) {
	key, ok := r[role]
	if !ok {
		return taskroles.Credentials{}, taskroles.ErrNoMapping
	}
	return taskroles.Credentials{AccessKeyID: key, SecretAccessKey: "secret-" + key, SessionToken: "token-" + key,
		Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}, nil
}

const (
	arnA = "arn:aws:ecs:us-east-1:000000000000:task/default/aaaa"
	arnB = "arn:aws:ecs:us-east-1:000000000000:task/default/bbbb"
)

func task(arn, idPrefix string) *ecsmodel.Task {
	return &ecsmodel.Task{
		TaskArn: arn, ClusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/default", LaunchType: ecsmodel.LaunchTypeEC2,
		DesiredStatus: "RUNNING", LastStatus: "RUNNING", AvailabilityZone: "us-east-1a", Cpu: "512", Memory: "1024",
		PullStartedAt: wire.At(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
		Tags:          []ecsmodel.Tag{{Key: "team", Value: "x"}},
		Containers: []ecsmodel.Container{
			{Name: "app", RuntimeId: idPrefix + "1", LastStatus: "RUNNING", ContainerArn: "arn:container/app", Image: "img:1",
				NetworkBindings: []ecsmodel.NetworkBinding{{BindIP: "0.0.0.0", ContainerPort: ptr(int32(80)), HostPort: ptr(int32(32768)), Protocol: "tcp"}}},
			{Name: "side", RuntimeId: idPrefix + "2", LastStatus: "STOPPED", ExitCode: ptr(int32(3)), Image: "img:2"},
		},
	}
}

// newServer returns a server with tasks A (172.17.0.2, .3) and B
// (172.17.0.4, host network for its side container) registered.
func newServer(t *testing.T, ep Endpoint) (*Server, map[string]map[string]string, map[string]map[string]string) {
	t.Helper()
	rt := fakeRuntime{details: map[string]runtime.Details{
		"a1": {NetworkMode: "bridge", CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 5, time.UTC), Networks: []runtime.NetworkAddress{{Network: "bridge", IPv4: "172.17.0.2", PrefixLen: 16, Gateway: "172.17.0.1"}}},
		"a2": {NetworkMode: "bridge", Networks: []runtime.NetworkAddress{{Network: "bridge", IPv4: "172.17.0.3", PrefixLen: 16}}},
		"b1": {NetworkMode: "bridge", Networks: []runtime.NetworkAddress{{Network: "bridge", IPv4: "172.17.0.4", PrefixLen: 16}}},
		"b2": {NetworkMode: "host"},
	}}
	s := New(Options{
		Endpoint: ep, Key: []byte("0123456789abcdef0123456789abcdef"),
		Tasks:   fakeTasks{arnA: task(arnA, "a"), arnB: task(arnB, "b")},
		Runtime: rt, Credentials: roles{"arn:role/a": "AKIDA", "arn:role/b": "AKIDB"},
	})
	envA := s.Register(Task{ID: "aaaa", ARN: arnA, Cluster: "default", RoleArn: "arn:role/a", Containers: []string{"app", "side"}})
	envB := s.Register(Task{ID: "bbbb", ARN: arnB, Cluster: "default", RoleArn: "arn:role/b", Containers: []string{"app", "side"}})
	return s, envA, envB
}

var linkLocal80 = Endpoint{Mode: ModeLinkLocal, URL: "http://169.254.170.2", Port: 80, Relative: true}

func get(s *Server, path, remote string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = remote
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

func TestRegister_EnvironmentAsTheAgentSetsIt(t *testing.T) {
	_, envA, envB := newServer(t, linkLocal80)
	app := envA["app"]
	if !strings.HasPrefix(app[EnvMetadataURIV4], "http://169.254.170.2/v4/") || !strings.HasPrefix(app[EnvMetadataURI], "http://169.254.170.2/v3/") {
		t.Errorf("metadata URIs %q, %q", app[EnvMetadataURIV4], app[EnvMetadataURI])
	}
	if !strings.HasPrefix(app[EnvCredentialsRelative], "/v2/credentials/") || app[EnvCredentialsFull] != "" || app[EnvAuthorizationToken] != "" {
		t.Errorf("credentials variables %v; want only the relative URI on port 80", app)
	}
	if envA["side"][EnvCredentialsRelative] != app[EnvCredentialsRelative] {
		t.Error("containers of one task have different credentials URIs")
	}
	if envA["side"][EnvMetadataURIV4] == app[EnvMetadataURIV4] {
		t.Error("two containers share a metadata id")
	}
	if envB["app"][EnvCredentialsRelative] == app[EnvCredentialsRelative] || envB["app"][EnvMetadataURIV4] == app[EnvMetadataURIV4] {
		t.Error("two tasks share ids")
	}
	id := strings.TrimPrefix(app[EnvCredentialsRelative], "/v2/credentials/")
	if len(id) != 36 || strings.Contains(id, "aaaa") {
		t.Errorf("credentials id %q; want an opaque UUID", id)
	}
	// The same key gives the same ids again (after a restart).
	_, again, _ := newServer(t, linkLocal80)
	if again["app"][EnvCredentialsRelative] != app[EnvCredentialsRelative] || again["app"][EnvMetadataURIV4] != app[EnvMetadataURIV4] {
		t.Error("ids differ between two servers with the same key")
	}
}

func TestRegister_FullURIWithTokenOffPort80(t *testing.T) {
	_, envA, _ := newServer(t, Endpoint{Mode: ModeLinkLocal, URL: "http://169.254.170.2:5123", Port: 5123})
	app := envA["app"]
	if !strings.HasPrefix(app[EnvCredentialsFull], "http://169.254.170.2:5123/v2/credentials/") || app[EnvAuthorizationToken] == "" || app[EnvCredentialsRelative] != "" {
		t.Errorf("credentials variables %v; want the full URI and a token", app)
	}
}

func TestRegister_LoopbackReachesOnlyHostNetwork(t *testing.T) {
	s := New(Options{Endpoint: Endpoint{Mode: ModeLoopback, URL: "http://127.0.0.1:5000", Port: 5000}, Key: []byte("k")})
	env := s.Register(Task{ID: "t", ARN: arnA, RoleArn: "arn:role/a", Containers: []string{"app"}})
	if len(env["app"]) != 0 {
		t.Errorf("a bridge container got %v from a loopback endpoint", env["app"])
	}
	env = s.Register(Task{ID: "t", ARN: arnA, RoleArn: "arn:role/a", Containers: []string{"app"}, HostNetwork: true})
	if env["app"][EnvCredentialsFull] == "" || !strings.HasPrefix(env["app"][EnvMetadataURIV4], "http://127.0.0.1:5000/v4/") {
		t.Errorf("a host-network container got %v; want loopback URIs", env["app"])
	}
}

func TestRegister_MountedServiceEnvironment(t *testing.T) {
	for _, ep := range []Endpoint{
		{Mode: ModeLinkLocal, URL: "http://169.254.170.2", Port: 80, Relative: true},
		{Mode: ModeLinkLocal, URL: "http://169.254.170.2:5123", Port: 5123},
	} {
		s := New(Options{Endpoint: ep, Key: []byte("k")})
		before := s.Register(Task{ID: "t0", ARN: arnA, Containers: []string{"app"}})
		s.Mount("/stepfunctions", http.NotFoundHandler(), EnvEndpointSFN)
		after := s.Register(Task{ID: "t1", ARN: arnA, Containers: []string{"app"}})
		if got, want := after["app"][EnvEndpointSFN], ep.URL+"/stepfunctions"; got != want {
			t.Errorf("%s: %s = %q; want %q", ep.URL, EnvEndpointSFN, got, want)
		}
		if _, ok := before["app"][EnvEndpointSFN]; ok {
			t.Errorf("%s: a task registered before the mount got %s", ep.URL, EnvEndpointSFN)
		}
	}
	s := New(Options{Endpoint: Endpoint{Mode: ModeLoopback, URL: "http://127.0.0.1:5000", Port: 5000}, Key: []byte("k")})
	s.Mount("/stepfunctions", http.NotFoundHandler(), EnvEndpointSFN)
	if env := s.Register(Task{ID: "t", ARN: arnA, Containers: []string{"app"}}); env["app"][EnvEndpointSFN] != "" {
		t.Errorf("a bridge container behind a loopback endpoint got %s", EnvEndpointSFN)
	}
}

func TestCredentials_OnlyTheTaskItself(t *testing.T) {
	s, envA, envB := newServer(t, linkLocal80)
	pathA := envA["app"][EnvCredentialsRelative]
	pathB := envB["app"][EnvCredentialsRelative]

	w := get(s, pathA, "172.17.0.3:40000", nil) // task A's side container
	if w.Code != http.StatusOK {
		t.Fatalf("A's own credentials: %d %s", w.Code, w.Body)
	}
	var got credentialsResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := credentialsResponse{RoleArn: "arn:role/a", AccessKeyID: "AKIDA", SecretAccessKey: "secret-AKIDA", Token: "token-AKIDA", Expiration: "2030-01-02T03:04:05Z"}
	if got != want {
		t.Errorf("credentials = %+v; want %+v", got, want)
	}

	refused := []struct {
		name, path, remote string
	}{
		{"another task's address", pathA, "172.17.0.4:40000"},
		{"an unknown address", pathA, "10.9.9.9:40000"},
		{"the host, for a bridge task", pathA, "127.0.0.1:40000"},
		{"an unknown id", "/v2/credentials/00000000-0000-4000-8000-000000000000", "172.17.0.2:1"},
	}
	for _, tt := range refused {
		w := get(s, tt.path, tt.remote, nil)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), `"code":"InvalidIdInRequest"`) || strings.Contains(w.Body.String(), "AKID") {
			t.Errorf("%s: %d %s; want 400 InvalidIdInRequest", tt.name, w.Code, w.Body)
		}
	}
	// Task B has a host-network container: the host may ask for B's.
	if w := get(s, pathB, "127.0.0.1:40000", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "AKIDB") {
		t.Errorf("B's credentials from the host: %d %s; want B's", w.Code, w.Body)
	}
	if w := get(s, "/v2/credentials/", "172.17.0.2:1", nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "NoIdInRequest") {
		t.Errorf("no id: %d %s; want NoIdInRequest", w.Code, w.Body)
	}

	s.Unregister("aaaa")
	if w := get(s, pathA, "172.17.0.2:40000", nil); w.Code != http.StatusBadRequest {
		t.Errorf("credentials after Unregister: %d %s; want 400 (revoked)", w.Code, w.Body)
	}
}

func TestCredentials_TokenRequiredOffPort80(t *testing.T) {
	s, envA, envB := newServer(t, Endpoint{Mode: ModeLinkLocal, URL: "http://169.254.170.2:5123", Port: 5123})
	path := strings.TrimPrefix(envA["app"][EnvCredentialsFull], "http://169.254.170.2:5123")
	for name, header := range map[string]map[string]string{
		"no token":          nil,
		"another's token":   {"Authorization": envB["app"][EnvAuthorizationToken]},
		"a truncated token": {"Authorization": envA["app"][EnvAuthorizationToken][:10]},
	} {
		if w := get(s, path, "172.17.0.2:1", header); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s; want 400", name, w.Code, w.Body)
		}
	}
	if w := get(s, path, "172.17.0.2:1", map[string]string{"Authorization": envA["app"][EnvAuthorizationToken]}); w.Code != http.StatusOK {
		t.Errorf("with the token: %d %s; want 200", w.Code, w.Body)
	}
}

func TestCredentials_TaskWithoutRole(t *testing.T) {
	s, _, _ := newServer(t, linkLocal80)
	env := s.Register(Task{ID: "cccc", ARN: arnA, Cluster: "default", Containers: []string{"app"}})
	if env["app"][EnvCredentialsRelative] != "" || env["app"][EnvMetadataURIV4] == "" {
		t.Errorf("a task without a role got %v; want metadata only", env["app"])
	}
	if w := get(s, credentialsPathPrefix+s.ids.credentials("cccc"), "172.17.0.2:1", nil); w.Code != http.StatusBadRequest {
		t.Errorf("credentials of a task without a role: %d; want 400", w.Code)
	}
}

func TestMetadata_V4Documents(t *testing.T) {
	s, envA, _ := newServer(t, linkLocal80)
	base := strings.TrimPrefix(envA["app"][EnvMetadataURIV4], "http://169.254.170.2")

	w := get(s, base, "172.17.0.2:1", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("container document: %d %s", w.Code, w.Body)
	}
	var c map[string]any
	json.Unmarshal(w.Body.Bytes(), &c)
	for k, want := range map[string]any{
		"DockerId": "a1", "Name": "app", "DockerName": "ecs-fam-3-a1", "Image": "img:1", "ImageID": "sha256:abc",
		"DesiredStatus": "RUNNING", "KnownStatus": "RUNNING", "Type": "NORMAL", "LogDriver": "awslogs",
		"ContainerARN": "arn:container/app", "CreatedAt": "2025-01-01T00:00:00.000000005Z", "StartedAt": "2025-01-01T00:00:01Z",
	} {
		if c[k] != want {
			t.Errorf("container %s = %v; want %v", k, c[k], want)
		}
	}
	if lim, _ := c["Limits"].(map[string]any); lim["CPU"] != 128.0 || lim["Memory"] != 256.0 {
		t.Errorf("container Limits = %v; want CPU 128, Memory 256", c["Limits"])
	}
	if nets, _ := c["Networks"].([]any); len(nets) != 1 || nets[0].(map[string]any)["NetworkMode"] != "bridge" || nets[0].(map[string]any)["IPv4Addresses"].([]any)[0] != "172.17.0.2" {
		t.Errorf("container Networks = %v; want bridge 172.17.0.2", c["Networks"])
	}
	if ports, _ := c["Ports"].([]any); len(ports) != 1 || ports[0].(map[string]any)["HostPort"] != 32768.0 {
		t.Errorf("container Ports = %v; want 80 -> 32768", c["Ports"])
	}

	var task TaskResponse
	w = get(s, base+"/task", "172.17.0.2:1", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &task); err != nil || w.Code != http.StatusOK {
		t.Fatalf("task document: %d %s", w.Code, w.Body)
	}
	if task.TaskARN != arnA || task.Cluster != "default" || task.Family != "fam" || task.Revision != "3" || task.LaunchType != "EC2" ||
		task.AvailabilityZone != "us-east-1a" || task.PullStartedAt == nil || len(task.Containers) != 2 || task.TaskTags != nil {
		t.Errorf("task document = %+v", task)
	}
	if task.Limits == nil || *task.Limits.CPU != 0.5 || *task.Limits.Memory != 1024 {
		t.Errorf("task Limits = %+v; want 0.5 vCPU, 1024 MiB", task.Limits)
	}
	if side := task.Containers[1]; side.ExitCode == nil || *side.ExitCode != 3 || side.KnownStatus != "STOPPED" {
		t.Errorf("side container = %+v; want STOPPED with exit code 3", side)
	}

	w = get(s, base+"/taskWithTags", "172.17.0.2:1", nil)
	json.Unmarshal(w.Body.Bytes(), &task)
	if task.TaskTags["team"] != "x" {
		t.Errorf("taskWithTags TaskTags = %v; want team=x", task.TaskTags)
	}

	w = get(s, base+"/stats", "172.17.0.2:1", nil)
	if !strings.Contains(w.Body.String(), `"id":"a1"`) {
		t.Errorf("stats = %s; want a1's", w.Body)
	}
	w = get(s, base+"/task/stats", "172.17.0.2:1", nil)
	var all map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &all); err != nil || len(all) != 2 || string(all["a2"]) != "null" || !strings.Contains(string(all["a1"]), "a1") {
		t.Errorf("task stats = %s; want a1's and null for the stopped a2", w.Body)
	}

	w = get(s, "/v4/nope", "172.17.0.2:1", nil)
	if w.Code != http.StatusNotFound {
		t.Errorf("unknown id: %d; want 404", w.Code)
	}
}

func TestMetadata_V3HasNoV4Members(t *testing.T) {
	s, envA, _ := newServer(t, linkLocal80)
	w := get(s, strings.TrimPrefix(envA["app"][EnvMetadataURI], "http://169.254.170.2"), "172.17.0.2:1", nil)
	if w.Code != http.StatusOK || strings.Contains(w.Body.String(), "ContainerARN") || strings.Contains(w.Body.String(), "LogDriver") || !strings.Contains(w.Body.String(), `"DockerId":"a1"`) {
		t.Errorf("v3 container document: %d %s", w.Code, w.Body)
	}
}

func TestNetworks_Awsvpc(t *testing.T) {
	d := runtime.Details{Networks: []runtime.NetworkAddress{{Network: "ecsrun-task", IPv4: "10.1.2.3", PrefixLen: 24, Gateway: "10.1.2.1", MAC: "02:42:0a:01:02:03"}}}
	got := networks(4, &ecsmodel.Task{TaskArn: arnA}, &ecsmodel.TaskDefinition{NetworkMode: ecsmodel.NetworkModeAwsvpc}, d)
	if len(got) != 1 {
		t.Fatalf("networks = %+v", got)
	}
	n := got[0]
	if n.NetworkMode != "awsvpc" || n.IPv4SubnetCIDRBlock != "10.1.2.0/24" || n.SubnetGatewayIpv4Address != "10.1.2.1/24" ||
		n.PrivateDNSName != "ip-10-1-2-3.us-east-1.compute.internal" || n.AttachmentIndex == nil || *n.AttachmentIndex != 0 || n.MACAddress == "" {
		t.Errorf("awsvpc network = %+v", n)
	}
	if got := networks(4, &ecsmodel.Task{}, &ecsmodel.TaskDefinition{NetworkMode: ecsmodel.NetworkModeNone}, d); got != nil {
		t.Errorf("none network mode: %+v; want none", got)
	}
}
