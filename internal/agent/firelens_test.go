package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/depgraph"
	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/runtime/process"
)

func routerDef(opts map[string]string) ecsmodel.ContainerDefinition {
	return ecsmodel.ContainerDefinition{Name: "log_router", Image: "router", FirelensConfiguration: &ecsmodel.FirelensConfiguration{
		Type: ecsmodel.FirelensConfigurationTypeFluentbit, Options: opts,
	}}
}

func firelensApp(name string, deps ...ecsmodel.ContainerDependency) ecsmodel.ContainerDefinition {
	return ecsmodel.ContainerDefinition{Name: name, Image: "app", DependsOn: deps, LogConfiguration: &ecsmodel.LogConfiguration{
		LogDriver: ecsmodel.LogDriverAwsfirelens, Options: map[string]string{"Name": "cloudwatch_logs", "region": "us-west-2", "log-driver-buffer-limit": "4096"},
	}}
}

func TestGraphNodes_AwsfirelensContainersStartAfterTheRouter(t *testing.T) {
	startOn := func(c string) []depgraph.Dependency {
		return []depgraph.Dependency{{Container: c, Condition: depgraph.Start}}
	}
	tests := []struct {
		name string
		def  *ecsmodel.TaskDefinition
		want map[string][]depgraph.Dependency
	}{
		{"implicit START", def(routerDef(nil), firelensApp("app"), ecsmodel.ContainerDefinition{Name: "plain"}),
			map[string][]depgraph.Dependency{"log_router": nil, "app": startOn("log_router"), "plain": nil}},
		{"an explicit dependency on the router stays as it is", def(routerDef(nil), firelensApp("app", ecsmodel.ContainerDependency{ContainerName: "log_router", Condition: "HEALTHY"})),
			map[string][]depgraph.Dependency{"app": {{Container: "log_router", Condition: depgraph.Healthy}}}},
		{"none when the router depends on others", def(
			func() ecsmodel.ContainerDefinition {
				r := routerDef(nil)
				r.DependsOn = []ecsmodel.ContainerDependency{{ContainerName: "init", Condition: "SUCCESS"}}
				return r
			}(), ecsmodel.ContainerDefinition{Name: "init"}, firelensApp("app")),
			map[string][]depgraph.Dependency{"app": nil}},
		{"a link to the router is one dependency", def(routerDef(nil), func() ecsmodel.ContainerDefinition {
			c := firelensApp("app")
			c.Links = []string{"log_router"}
			return c
		}()), map[string][]depgraph.Dependency{"app": startOn("log_router")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string][]depgraph.Dependency{}
			for _, n := range graphNodes(tt.def) {
				got[n.Name] = n.DependsOn
			}
			for name, want := range tt.want {
				if !slices.Equal(got[name], want) {
					t.Errorf("%s depends on %v; want %v", name, got[name], want)
				}
			}
		})
	}
}

func TestAgent_CheckFirelens(t *testing.T) {
	dir := t.TempDir()
	withData := New(Options{Runtime: fake.New(), DataDir: dir, S3Dir: filepath.Join(dir, "s3")})
	spec := func(d *ecsmodel.TaskDefinition) *TaskSpec {
		return &TaskSpec{ID: "0123456789abcdef0123456789abcdef", Definition: d}
	}
	if err := withData.Check(spec(def(routerDef(nil), firelensApp("app")))); err != nil {
		t.Errorf("Check of a FireLens task: %v", err)
	}
	if err := withData.Check(spec(def(routerDef(map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::b/k.conf"}), firelensApp("app")))); err != nil {
		t.Errorf("Check with an S3 config file: %v", err)
	}
	bad := def(routerDef(nil), ecsmodel.ContainerDefinition{Name: "app", LogConfiguration: &ecsmodel.LogConfiguration{
		LogDriver: ecsmodel.LogDriverAwsfirelens, Options: map[string]string{"region": "x"},
	}})
	if err := withData.Check(spec(bad)); !errors.Is(err, ecs.ErrClient) || !strings.Contains(err.Error(), "need the option Name") {
		t.Errorf("Check of options without Name: %v; want a ClientException", err)
	}
	noS3 := New(Options{Runtime: fake.New(), DataDir: dir})
	err := noS3.Check(spec(def(routerDef(map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::b/k.conf"}))))
	if !errors.Is(err, ecs.ErrClient) || !strings.Contains(err.Error(), "config-file-type file") {
		t.Errorf("Check of an S3 file without an S3 directory: %v; want a ClientException naming the alternative", err)
	}
	if err := New(Options{Runtime: fake.New()}).Check(spec(def(routerDef(nil)))); !errors.Is(err, ecs.ErrUnsupportedFeature) {
		t.Errorf("Check without a data directory: %v; want UnsupportedFeature", err)
	}
	long := New(Options{Runtime: fake.New(), DataDir: "/" + strings.Repeat("d", 60)})
	if err := long.Check(spec(def(routerDef(nil)))); err != nil {
		t.Errorf("Check with a long data directory: %v; want the socket elsewhere", err)
	}
	t.Setenv("TMPDIR", "/"+strings.Repeat("t", 80))
	if err := long.Check(spec(def(routerDef(nil)))); !errors.Is(err, ecs.ErrUnsupportedFeature) || !strings.Contains(err.Error(), "TMPDIR") {
		t.Errorf("Check with a socket path too long: %v; want UnsupportedFeature", err)
	}
	err = New(Options{Runtime: process.New(), DataDir: dir}).Check(spec(def(routerDef(nil), firelensApp("app"))))
	if !errors.Is(err, ecs.ErrUnsupportedFeature) || !strings.Contains(err.Error(), "awsfirelens") || !strings.Contains(err.Error(), "firelensConfiguration") {
		t.Errorf("Check on the process runtime: %v; want both members refused", err)
	}
}

func TestAgent_RunsAFirelensTask(t *testing.T) {
	dir := t.TempDir()
	h := &agentHarness{t: t, rt: fake.New(), rec: newRecorder()}
	h.rt.Default(fake.RunsUntilStopped())
	h.ag = New(Options{Runtime: h.rt, Logs: &memLogs{}, Reporter: h.rec, Region: "us-east-1", Engine: "test", DataDir: dir})
	t.Cleanup(h.ag.Close)
	h.launch(def(routerDef(nil), firelensApp("app")))
	rep := h.waitFor("app running", running("app"))

	fdir := filepath.Join(dir, "firelens", "task1")
	conf, err := os.ReadFile(filepath.Join(fdir, "config", "fluent.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"unix_path /var/run/fluent.sock", "Match app-firelens*", "Name cloudwatch_logs", "Record ecs_task_arn arn:aws:ecs:us-east-1:000000000000:task/default/task1", "Record ecs_task_definition fam:1"} {
		if !strings.Contains(string(conf), want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	if strings.Contains(string(conf), "log-driver-buffer-limit") {
		t.Errorf("config has the driver's buffer option:\n%s", conf)
	}

	router, err := h.rt.Spec(rep.Containers["log_router"].RuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	wantMounts := []runtime.Mount{
		{Source: filepath.Join(fdir, "config", "fluent.conf"), Target: "/fluent-bit/etc/fluent-bit.conf"},
		{Source: filepath.Join(fdir, "socket"), Target: "/var/run"},
	}
	if !slices.Equal(router.Mounts, wantMounts) {
		t.Errorf("router mounts = %+v; want %+v", router.Mounts, wantMounts)
	}
	if router.LogDriver != "" {
		t.Errorf("router log driver = %q; want the default", router.LogDriver)
	}
	app, err := h.rt.Spec(rep.Containers["app"].RuntimeID)
	if err != nil {
		t.Fatal(err)
	}
	if app.LogDriver != "fluentd" || app.LogOptions["fluentd-address"] != "unix://"+filepath.Join(fdir, "socket", "fluent.sock") ||
		app.LogOptions["tag"] != "app-firelens-task1" || app.LogOptions["fluentd-buffer-limit"] != "4096" || app.LogOptions["fluentd-async"] != "true" {
		t.Errorf("app log driver %q %v", app.LogDriver, app.LogOptions)
	}
	// Bridge: the router's address (the fake runtime's 10.0.0.2).
	if !slices.Contains(app.Env, "FLUENT_HOST=10.0.0.2") || !slices.Contains(app.Env, "FLUENT_PORT=24224") || !slices.IsSorted(app.Env) {
		t.Errorf("app env = %v; want FLUENT_HOST and FLUENT_PORT, sorted", app.Env)
	}

	// The directory stays while the task's containers do.
	h.ag.Stop("task1", "UserInitiated", "test")
	h.waitFor("stopped", stopped)
	if _, err := h.ag.RemoveExpired(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fdir); err != nil {
		t.Errorf("FireLens directory removed before the task's containers: %v", err)
	}
	if _, err := h.ag.RemoveExpired(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fdir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("FireLens directory after its containers were removed: %v; want it gone", err)
	}
}

func TestAgent_FirelensS3ConfigFile(t *testing.T) {
	dir := t.TempDir()
	s3 := filepath.Join(dir, "s3")
	h := &agentHarness{t: t, rt: fake.New(), rec: newRecorder()}
	h.rt.Default(fake.RunsUntilStopped())
	h.ag = New(Options{Runtime: h.rt, Logs: &memLogs{}, Reporter: h.rec, Region: "us-east-1", Engine: "test", DataDir: dir, S3Dir: s3})
	t.Cleanup(h.ag.Close)
	r := routerDef(map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::bucket/dir/extra.conf"})
	r.FirelensConfiguration.Type = ecsmodel.FirelensConfigurationTypeFluentd
	app := firelensApp("app")
	app.LogConfiguration.Options = map[string]string{"@type": "cloudwatch_logs"}
	h.launch(def(r, app))
	rep := h.waitFor("stopped", stopped)
	if reason := rep.State.StoppedReason; !strings.Contains(reason, "ResourceInitializationError") || !strings.Contains(reason, filepath.Join(s3, "bucket", "dir", "extra.conf")) {
		t.Fatalf("stopped reason %q; want a ResourceInitializationError naming the local file", reason)
	}

	if err := os.MkdirAll(filepath.Join(s3, "bucket", "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s3, "bucket", "dir", "extra.conf"), []byte("<match **>\n</match>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := TaskSpec{ID: "task2", ARN: "arn:aws:ecs:us-east-1:000000000000:task/default/task2", Cluster: "default", Definition: def(r, app)}
	h.ag.Launch(spec)
	rep = h.waitFor("task2 running", func(rep Report) bool { return rep.TaskID == "task2" && running("app")(rep) })
	fdir := filepath.Join(dir, "firelens", "task2")
	if got, _ := os.ReadFile(filepath.Join(fdir, "config", "external.conf")); string(got) != "<match **>\n</match>\n" {
		t.Errorf("external.conf = %q; want the S3 file's content", got)
	}
	conf, _ := os.ReadFile(filepath.Join(fdir, "config", "fluent.conf"))
	if !strings.Contains(string(conf), "@include /fluentd/etc/external.conf") || !strings.Contains(string(conf), "<match app-firelens**>") {
		t.Errorf("fluent.conf lacks the include or the output:\n%s", conf)
	}
	router, _ := h.rt.Spec(rep.Containers["log_router"].RuntimeID)
	if !slices.Contains(router.Mounts, runtime.Mount{Source: filepath.Join(fdir, "config", "external.conf"), Target: "/fluentd/etc/external.conf"}) ||
		!slices.Contains(router.Mounts, runtime.Mount{Source: filepath.Join(fdir, "config", "fluent.conf"), Target: "/fluentd/etc/fluent.conf"}) {
		t.Errorf("router mounts = %+v", router.Mounts)
	}
	if !slices.Contains(router.Env, "FLUENT_UID=0") {
		t.Errorf("fluentd router env = %v; want FLUENT_UID=0", router.Env)
	}
}

func TestSocketDir_MovesTooLongPathsToTheTemporaryDirectory(t *testing.T) {
	tmp := "/tmp/x"
	t.Setenv("TMPDIR", tmp)
	short := "/state/firelens/0123456789abcdef0123456789abcdef"
	if got, want := socketDir(short), short+"/socket"; got != want {
		t.Errorf("socketDir(%q) = %q; want %q", short, got, want)
	}
	long := "/" + strings.Repeat("s", 50) + "/firelens/0123456789abcdef0123456789abcdef"
	got := socketDir(long)
	if filepath.Dir(got) != tmp || len(filepath.Join(got, "fluent.sock")) > maxSocketPath || socketDir(long) != got || socketDir(long+"x") == got {
		t.Errorf("socketDir(long) = %q; want a short, stable directory of its own in %s", got, tmp)
	}
}
