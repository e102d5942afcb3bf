package firelens

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

func i32(v int32) *int32 { return &v }

const taskARN = "arn:aws:ecs:us-east-1:123456789012:task/default/0123456789abcdef0123456789abcdef"

// router returns a log router container definition.
func router(t ecsmodel.FirelensConfigurationType, opts map[string]string) ecsmodel.ContainerDefinition {
	return ecsmodel.ContainerDefinition{
		Name: "log_router", Image: "fluent", MemoryReservation: i32(100),
		FirelensConfiguration: &ecsmodel.FirelensConfiguration{Type: t, Options: opts},
	}
}

// app returns a container that logs through the router with opts.
func app(name string, opts map[string]string, secrets ...ecsmodel.Secret) ecsmodel.ContainerDefinition {
	return ecsmodel.ContainerDefinition{
		Name: name, Image: "app", Memory: i32(64),
		LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriverAwsfirelens, Options: opts, SecretOptions: secrets},
	}
}

func def(mode ecsmodel.NetworkMode, cds ...ecsmodel.ContainerDefinition) *ecsmodel.TaskDefinition {
	return &ecsmodel.TaskDefinition{Family: "web", Revision: 3, NetworkMode: mode, ContainerDefinitions: cds}
}

func TestGenerate(t *testing.T) {
	tests := []struct {
		name string
		task Task
		want string
	}{
		{
			name: "fluentbit bridge on EC2 with a file",
			task: Task{
				Definition: def(ecsmodel.NetworkModeBridge,
					router(ecsmodel.FirelensConfigurationTypeFluentbit, map[string]string{"config-file-type": "file", "config-file-value": "/extra.conf"}),
					app("app", map[string]string{
						"Name": "cloudwatch_logs", "region": "us-west-2", "log_group_name": "app",
						"include-pattern": "^ERROR", "exclude-pattern": "debug", "log-driver-buffer-limit": "2097152",
					}, ecsmodel.Secret{Name: "apikey", ValueFrom: "arn:aws:ssm:us-east-1:1:parameter/k"}),
				),
				ARN: taskARN, Cluster: "default", EC2InstanceID: "i-0123456789abcdef0",
			},
			want: `
[INPUT]
    Name forward
    Mem_Buf_Limit 50MB
    unix_path /var/run/fluent.sock

[INPUT]
    Name forward
    Listen 0.0.0.0
    Port 24224

[INPUT]
    Name tcp
    Tag firelens-healthcheck
    Listen 127.0.0.1
    Port 8877

[FILTER]
    Name   grep
    Match app-firelens*
    Regex  log ^ERROR

[FILTER]
    Name   grep
    Match app-firelens*
    Exclude log debug

[FILTER]
    Name record_modifier
    Match *
    Record ec2_instance_id i-0123456789abcdef0
    Record ecs_cluster default
    Record ecs_task_arn ` + taskARN + `
    Record ecs_task_definition web:3

@INCLUDE /extra.conf

[OUTPUT]
    Name null
    Match firelens-healthcheck

[OUTPUT]
    Name cloudwatch_logs
    Match app-firelens*
    apikey ${apikey_1}
    log_group_name app
    region us-west-2
`,
		},
		{
			name: "fluentd awsvpc on Fargate with S3",
			task: Task{
				Definition: def(ecsmodel.NetworkModeAwsvpc,
					app("web", map[string]string{"@type": "cloudwatch_logs", "region": "us-east-1"}, ecsmodel.Secret{Name: "token", ValueFrom: "t"}),
					router(ecsmodel.FirelensConfigurationTypeFluentd, map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::bucket/dir/extra.conf"}),
					app("worker", map[string]string{"@type": "stdout", "include-pattern": "x"}),
				),
				ARN: taskARN, Cluster: "prod",
			},
			want: `
<source>
    @type unix
    path /var/run/fluent.sock
</source>

<source>
    @type forward
    bind 127.0.0.1
    port 24224
</source>

<filter worker-firelens**>
    @type  grep
    <regexp>
        key log
        pattern x
    </regexp>
</filter>

<filter **>
    @type record_transformer
    <record>
        ecs_cluster prod
        ecs_task_arn ` + taskARN + `
        ecs_task_definition web:3
    </record>
</filter>

@include /fluentd/etc/external.conf

<match web-firelens**>
    @type cloudwatch_logs
    region us-east-1
    token "#{ENV['token_0']}"
</match>

<match worker-firelens**>
    @type stdout
</match>
`,
		},
		{
			name: "fluentbit host network without metadata, output in the user's file",
			task: Task{
				Definition: def(ecsmodel.NetworkModeHost,
					ecsmodel.ContainerDefinition{Name: "r", FirelensConfiguration: &ecsmodel.FirelensConfiguration{
						Type: ecsmodel.FirelensConfigurationTypeFluentbit, Options: map[string]string{"enable-ecs-log-metadata": "false"},
					}},
					app("app", nil),
					app("quiet", map[string]string{"log-driver-buffer-limit": "1000"}),
				),
				ARN: taskARN, Cluster: "default", EC2InstanceID: "i-1",
			},
			want: `
[INPUT]
    Name forward
    Mem_Buf_Limit 25MB
    unix_path /var/run/fluent.sock
`,
		},
		{
			name: "invalid enable-ecs-log-metadata is ignored; memory when no reservation",
			task: Task{
				Definition: def(ecsmodel.NetworkModeNone,
					ecsmodel.ContainerDefinition{Name: "r", Memory: i32(80), FirelensConfiguration: &ecsmodel.FirelensConfiguration{
						Type: ecsmodel.FirelensConfigurationTypeFluentbit, Options: map[string]string{"enable-ecs-log-metadata": "maybe"},
					}},
					app("a", map[string]string{"Name": "stdout"}),
				),
				ARN: taskARN, Cluster: "c",
			},
			want: `
[INPUT]
    Name forward
    Mem_Buf_Limit 40MB
    unix_path /var/run/fluent.sock

[FILTER]
    Name record_modifier
    Match *
    Record ecs_cluster c
    Record ecs_task_arn ` + taskARN + `
    Record ecs_task_definition web:3

[OUTPUT]
    Name stdout
    Match a-firelens*
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Generate(tt.task)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("Generate =\n%s\nwant\n%s", got, tt.want)
			}
			if err := Check(tt.task.Definition); err != nil {
				t.Errorf("Check = %v; want nil", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	fb := ecsmodel.FirelensConfigurationTypeFluentbit
	tests := []struct {
		name string
		def  *ecsmodel.TaskDefinition
		want string // "" for no error
	}{
		{"no firelens", def("", ecsmodel.ContainerDefinition{Name: "a"}), ""},
		{"router alone", def("", router(fb, nil)), ""},
		{"two routers", def("", router(fb, nil), func() ecsmodel.ContainerDefinition { c := router(fb, nil); c.Name = "r2"; return c }()), `"log_router" and "r2" both have a firelensConfiguration`},
		{"awsfirelens without router", def("", app("a", map[string]string{"Name": "x"})), `container "a" uses the awsfirelens log driver, but no container`},
		{"options without Name", def("", router(fb, nil), app("a", map[string]string{"region": "x"})), "need the option Name, the output plugin, for fluentbit"},
		{"options without @type", def("", router(ecsmodel.FirelensConfigurationTypeFluentd, nil), app("a", map[string]string{"Name": "x"})), "need the option @type"},
		{"secret without Name", def("", router(fb, nil), app("a", nil, ecsmodel.Secret{Name: "k", ValueFrom: "v"})), "need the option Name"},
		{"bad config-file-type", def("", router(fb, map[string]string{"config-file-type": "http", "config-file-value": "x"})), `config-file-type is "http"; it must be "file" or "s3"`},
		{"config-file-type without value", def("", router(fb, map[string]string{"config-file-type": "file"})), "config-file-type is set but config-file-value is not"},
		{"s3 value not an ARN", def("", router(fb, map[string]string{"config-file-type": "s3", "config-file-value": "s3://b/k"})), "is not an S3 object ARN (arn:aws:s3:::BUCKET/KEY)"},
		{"s3 ARN without key", def("", router(fb, map[string]string{"config-file-type": "s3", "config-file-value": "arn:aws:s3:::bucket"})), "is not an S3 object ARN"},
		{"bad type", def("", router("logstash", nil)), `type "logstash" is not fluentbit or fluentd`},
		{"line break in a value", def("", router(fb, nil), app("a", map[string]string{"Name": "x", "k": "a\n[OUTPUT]"})), "option k holds a line break"},
		{"space in a key", def("", router(fb, nil), app("a", map[string]string{"Name": "x", "a b": "c"})), `option "a b" is not a valid key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.def)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check = %v; want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Check = nil; want an error containing %q", tt.want)
			case tt.want != "" && (!strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid)):
				t.Fatalf("Check = %v; want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

func TestDriverOptions(t *testing.T) {
	got := DriverOptions(&ecsmodel.ContainerDefinition{Name: "app", LogConfiguration: &ecsmodel.LogConfiguration{
		LogDriver: ecsmodel.LogDriverAwsfirelens, Options: map[string]string{"Name": "x", "log-driver-buffer-limit": "1048576"},
	}}, "abc", "/state/firelens/abc/socket/fluent.sock")
	want := map[string]string{
		"tag":                          "app-firelens-abc",
		"fluentd-address":              "unix:///state/firelens/abc/socket/fluent.sock",
		"fluentd-sub-second-precision": "true",
		"fluentd-async":                "true",
		"fluentd-buffer-limit":         "1048576",
	}
	if !maps.Equal(got, want) {
		t.Errorf("DriverOptions = %v; want %v", got, want)
	}
}

func TestAppEnv(t *testing.T) {
	tests := []struct {
		mode ecsmodel.NetworkMode
		ip   string
		want map[string]string
	}{
		{ecsmodel.NetworkModeAwsvpc, "", map[string]string{"FLUENT_HOST": "127.0.0.1", "FLUENT_PORT": "24224"}},
		{ecsmodel.NetworkModeBridge, "172.17.0.5", map[string]string{"FLUENT_HOST": "172.17.0.5", "FLUENT_PORT": "24224"}},
		{"", "172.17.0.5", map[string]string{"FLUENT_HOST": "172.17.0.5", "FLUENT_PORT": "24224"}},
		{ecsmodel.NetworkModeBridge, "", nil},
		{ecsmodel.NetworkModeHost, "10.0.0.1", nil},
		{ecsmodel.NetworkModeNone, "", nil},
	}
	for _, tt := range tests {
		if got := AppEnv(tt.mode, tt.ip); !maps.Equal(got, tt.want) {
			t.Errorf("AppEnv(%q, %q) = %v; want %v", tt.mode, tt.ip, got, tt.want)
		}
	}
}

func TestPathsAndNames(t *testing.T) {
	fb, fd := ecsmodel.FirelensConfigurationTypeFluentbit, ecsmodel.FirelensConfigurationTypeFluentd
	for _, c := range []struct{ got, want string }{
		{ConfigPath(fb), "/fluent-bit/etc/fluent-bit.conf"},
		{ConfigPath(fd), "/fluentd/etc/fluent.conf"},
		{ExternalConfigPath(fb), "/fluent-bit/etc/external.conf"},
		{ExternalConfigPath(fd), "/fluentd/etc/external.conf"},
		{Tag("app", "t1"), "app-firelens-t1"},
		{SecretEnv("apikey", 2), "apikey_2"},
	} {
		if c.got != c.want {
			t.Errorf("got %q; want %q", c.got, c.want)
		}
	}
	if got := RouterEnv(fd); !maps.Equal(got, map[string]string{"FLUENT_UID": "0"}) {
		t.Errorf("RouterEnv(fluentd) = %v", got)
	}
	if got := RouterEnv(fb); got != nil {
		t.Errorf("RouterEnv(fluentbit) = %v; want nil", got)
	}
	b, k, err := S3Object("arn:aws:s3:::bucket/dir/extra.conf")
	if b != "bucket" || k != "dir/extra.conf" || err != nil {
		t.Errorf("S3Object = %q, %q, %v", b, k, err)
	}
}
