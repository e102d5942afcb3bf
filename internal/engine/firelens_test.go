package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/secrets"

	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
)

// routed is one line the toolbox's fluentrouter prints.
type routed struct {
	Tag     string         `json:"tag"`
	Record  map[string]any `json:"record"`
	Outputs []string       `json:"outputs"`
}

// waitRouted waits until the router's log stream holds a record whose
// "log" is each of logs, and returns those records by log.
func (h *harness) waitRouted(group, stream string, logs ...string) map[string]routed {
	h.t.Helper()
	c := ctx(h.t)
	for {
		got := map[string]routed{}
		lines := h.tryLogLines(group, stream)
		for _, l := range lines {
			var r routed
			if json.Unmarshal([]byte(l), &r) == nil {
				if s, ok := r.Record["log"].(string); ok {
					got[s] = r
				}
			}
		}
		all := true
		for _, l := range logs {
			if _, ok := got[l]; !ok {
				all = false
			}
		}
		if all {
			return got
		}
		select {
		case <-c.Done():
			h.t.Fatalf("router stream %s %s: waiting for %q; it holds %q", group, stream, logs, lines)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// routerMounts returns the router's bind mounts by target, and removes
// its socket directory when the test ends if the agent put it in the
// temporary directory (the state directory of a test is too long for a
// socket path).
func (h *harness) routerMounts(task types.Task) map[string]string {
	h.t.Helper()
	info, err := h.rt.(*docker.Runtime).Client().ContainerInspect(ctx(h.t), aws.ToString(containerNamed(task, "log_router").RuntimeId))
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]string{}
	for _, b := range info.HostConfig.Binds {
		parts := strings.Split(b, ":")
		out[parts[1]] = parts[0]
	}
	if d := out["/var/run"]; strings.HasPrefix(d, filepath.Join(os.TempDir(), "ecsrun-firelens-")) {
		h.t.Cleanup(func() { os.RemoveAll(d) })
	}
	return out
}

// firelensRouter is a log router of the toolbox's fluentrouter.
func firelensRouter(image string, typ types.FirelensConfigurationType, opts map[string]string) types.ContainerDefinition {
	return types.ContainerDefinition{
		Name: aws.String("log_router"), Image: aws.String(image), Essential: aws.Bool(true), MemoryReservation: aws.Int32(50),
		Command:               []string{"fluentrouter", "--", "forever"},
		FirelensConfiguration: &types.FirelensConfiguration{Type: typ, Options: opts},
		LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
			"awslogs-group": "firelens-container", "awslogs-region": "us-east-1", "awslogs-create-group": "true", "awslogs-stream-prefix": "firelens",
		}},
	}
}

func TestFireLens_FluentBitRouterReceivesTheAppsLines(t *testing.T) {
	h, image := newHarness(t)
	if _, err := secrets.Open(h.dir).Put("/firelens/http-passwd", "s3cret"); err != nil {
		t.Fatal(err)
	}
	app := types.ContainerDefinition{
		Name: aws.String("app"), Image: aws.String(image), Essential: aws.Bool(true), Memory: aws.Int32(64),
		Command: []string{"out", "hello firelens", "--", "err", "oops", "--", "forever"},
		LogConfiguration: &types.LogConfiguration{
			LogDriver: types.LogDriverAwsfirelens,
			Options: map[string]string{
				"Name": "cloudwatch_logs", "region": "us-west-2", "log_group_name": "app-logs",
				"auto_create_group": "true", "log_stream_prefix": "app-", "log-driver-buffer-limit": "1048576",
			},
			SecretOptions: []types.Secret{{Name: aws.String("http_passwd"), ValueFrom: aws.String("arn:aws:ssm:us-east-1:123456789012:parameter/firelens/http-passwd")}},
		},
	}
	def := &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("firelens-fb"), ExecutionRoleArn: aws.String(execRole),
		ContainerDefinitions: []types.ContainerDefinition{firelensRouter(image, types.FirelensConfigurationTypeFluentbit, nil), app},
	}
	arn := h.runDef(def, nil)
	id := taskID(arn)
	task := h.waitRunning(arn)
	mounts := h.routerMounts(task)
	if got, want := mounts["/fluent-bit/etc/fluent-bit.conf"], filepath.Join(h.dir, "firelens", id, "config", "fluent.conf"); got != want {
		t.Errorf("router mounts %v; want the configuration from %s", mounts, want)
	}

	// The router got the app's stdout and stderr, tagged, with the ECS
	// metadata its configuration adds, routed to the app's output.
	got := h.waitRouted("firelens-container", "firelens/log_router/"+id, "hello firelens", "oops")
	for log, source := range map[string]string{"hello firelens": "stdout", "oops": "stderr"} {
		r := got[log]
		if r.Tag != "app-firelens-"+id || r.Record["source"] != source || r.Record["ecs_cluster"] != "default" ||
			r.Record["ecs_task_arn"] != arn || r.Record["ecs_task_definition"] != "firelens-fb:1" ||
			!strings.HasPrefix(r.Record["ec2_instance_id"].(string), "i-") || strings.Join(r.Outputs, ",") != "cloudwatch_logs" {
			t.Errorf("record of %q = %+v", log, r)
		}
	}

	// The generated configuration holds the app's output section.
	conf, err := os.ReadFile(filepath.Join(h.dir, "firelens", id, "config", "fluent.conf"))
	if err != nil {
		t.Fatal(err)
	}
	wantOutput := "\n[OUTPUT]\n    Name cloudwatch_logs\n    Match app-firelens*\n    auto_create_group true\n    http_passwd ${http_passwd_1}\n" +
		"    log_group_name app-logs\n    log_stream_prefix app-\n    region us-west-2\n"
	if !strings.Contains(string(conf), wantOutput) || !strings.Contains(string(conf), "    unix_path /var/run/fluent.sock\n") ||
		!strings.Contains(string(conf), "    Listen 0.0.0.0\n    Port 24224\n") {
		t.Errorf("fluent.conf:\n%s\nwant it to hold\n%s", conf, wantOutput)
	}

	// The router's environment has the secret option; the app's the
	// router's address; the app logs through Docker's fluentd driver.
	if env := h.containerEnv(task, "log_router"); env["http_passwd_1"] != "s3cret" {
		t.Errorf("router http_passwd_1 = %q; want the secret's value", env["http_passwd_1"])
	}
	cli := h.rt.(*docker.Runtime).Client()
	routerInfo, err := cli.ContainerInspect(ctx(t), aws.ToString(containerNamed(task, "log_router").RuntimeId))
	if err != nil {
		t.Fatal(err)
	}
	if env := h.containerEnv(task, "app"); env["FLUENT_HOST"] != routerInfo.NetworkSettings.IPAddress || env["FLUENT_PORT"] != "24224" {
		t.Errorf("app FLUENT_HOST %q FLUENT_PORT %q; want the router's address %q and 24224", env["FLUENT_HOST"], env["FLUENT_PORT"], routerInfo.NetworkSettings.IPAddress)
	}
	appInfo, err := cli.ContainerInspect(ctx(t), aws.ToString(containerNamed(task, "app").RuntimeId))
	if err != nil {
		t.Fatal(err)
	}
	lc := appInfo.HostConfig.LogConfig
	if lc.Type != "fluentd" || lc.Config["tag"] != "app-firelens-"+id || lc.Config["fluentd-buffer-limit"] != "1048576" ||
		lc.Config["fluentd-address"] != "unix://"+filepath.Join(mounts["/var/run"], "fluent.sock") {
		t.Errorf("app log config = %+v", lc)
	}

	// ecsrun still captures the app's output (Docker's dual logging).
	if lines := h.waitLines("firelens-fb", "app", arn, 2); strings.Join(lines, "|") != "hello firelens|oops" && strings.Join(lines, "|") != "oops|hello firelens" {
		t.Errorf("app's own stream = %q", lines)
	}

	stopped := h.stopTask(arn)
	if c := exitCode(stopped, "log_router"); c == nil {
		t.Errorf("router has no exit code after StopTask: %+v", stopped.Containers)
	}
}

func TestFireLens_FluentdRouterWithAnS3ConfigFileOnAwsvpc(t *testing.T) {
	h, image := newHarness(t)
	h.writeFile("s3/firelens-conf/extra.conf", "<match extra-**>\n    @type stdout\n</match>\n")
	app := types.ContainerDefinition{
		Name: aws.String("web"), Image: aws.String(image), Essential: aws.Bool(true), Memory: aws.Int32(64),
		Command: []string{"out", "from web", "--", "forever"},
		LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwsfirelens, Options: map[string]string{
			"@type": "cloudwatch_logs", "region": "us-east-1", "log_group_name": "web",
		}},
	}
	def := &awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("firelens-fd"), NetworkMode: types.NetworkModeAwsvpc,
		ContainerDefinitions: []types.ContainerDefinition{app, firelensRouter(image, types.FirelensConfigurationTypeFluentd, map[string]string{
			"config-file-type": "s3", "config-file-value": "arn:aws:s3:::firelens-conf/extra.conf", "enable-ecs-log-metadata": "false",
		})},
	}
	arn := h.runDef(def, &awsecs.RunTaskInput{NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}})
	id := taskID(arn)
	task := h.waitRunning(arn)
	if mounts := h.routerMounts(task); mounts["/fluentd/etc/external.conf"] != filepath.Join(h.dir, "firelens", id, "config", "external.conf") {
		t.Errorf("router mounts %v; want the S3 file on /fluentd/etc/external.conf", mounts)
	}

	stream := "firelens/log_router/" + id
	r := h.waitRouted("firelens-container", stream, "from web")["from web"]
	if r.Tag != "web-firelens-"+id || strings.Join(r.Outputs, ",") != "cloudwatch_logs" || r.Record["ecs_cluster"] != nil {
		t.Errorf("record = %+v; want the web tag, its output and no ECS metadata", r)
	}
	// The router read the S3 file (mounted and included) and listens on
	// 127.0.0.1, as the agent configures it for awsvpc.
	lines := strings.Join(h.tryLogLines("firelens-container", stream), "\n")
	if !strings.Contains(lines, "listening on unix:/var/run/fluent.sock tcp:127.0.0.1:24224") {
		t.Errorf("router output %q; want it listening on the socket and 127.0.0.1:24224", lines)
	}
	conf, err := os.ReadFile(filepath.Join(h.dir, "firelens", id, "config", "fluent.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "\n@include /fluentd/etc/external.conf\n") || !strings.Contains(string(conf), "<match web-firelens**>\n    @type cloudwatch_logs\n") {
		t.Errorf("fluent.conf:\n%s", conf)
	}
	if env := h.containerEnv(task, "log_router"); env["FLUENT_UID"] != "0" {
		t.Errorf("fluentd router FLUENT_UID = %q; want 0", env["FLUENT_UID"])
	}
	if env := h.containerEnv(task, "web"); env["FLUENT_HOST"] != "127.0.0.1" || env["FLUENT_PORT"] != "24224" {
		t.Errorf("web FLUENT_HOST %q FLUENT_PORT %q; want 127.0.0.1:24224", env["FLUENT_HOST"], env["FLUENT_PORT"])
	}
	h.stopTask(arn)
}

func TestFireLens_MissingS3ConfigFileFailsTheTask(t *testing.T) {
	h, image := newHarness(t)
	app := container("app", image, true, "out", "x")
	app.LogConfiguration = &types.LogConfiguration{LogDriver: types.LogDriverAwsfirelens, Options: map[string]string{"Name": "stdout"}}
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{Family: aws.String("firelens-nos3"), ContainerDefinitions: []types.ContainerDefinition{
		firelensRouter(image, types.FirelensConfigurationTypeFluentbit, map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::nobucket/extra.conf"}), app,
	}}, nil)
	task := h.waitStopped(arn)
	if reason := aws.ToString(task.StoppedReason); task.StopCode != types.TaskStopCodeTaskFailedToStart ||
		!strings.HasPrefix(reason, "ResourceInitializationError: ") || !strings.Contains(reason, filepath.Join(h.dir, "s3", "nobucket", "extra.conf")) {
		t.Errorf("stop %s %q; want TaskFailedToStart naming the local file", task.StopCode, reason)
	}
}
