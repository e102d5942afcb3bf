package ecs

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

const jsonTaskDef = `{
  "family": "web",
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {
      "name": "web",
      "image": "nginx:1.27",
      "essential": true,
      "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
      "environment": [{"name": "MODE", "value": "prod"}],
      "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
      "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 10}
    }
  ],
  "tags": [{"key": "team", "value": "a"}]
}`

const yamlTaskDef = `# A YAML task definition
family: web
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: 256            # an integer where the model wants a string is accepted
memory: 0.5 GB
containerDefinitions:
  - name: web
    image: nginx:1.27
    portMappings:
      - containerPort: 80
    environment:
      - name: PORT
        value: 8080
    dockerLabels:
      app.kind: web
`

const describeOutput = `{
    "taskDefinition": {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
        "containerDefinitions": [
            {
                "name": "web",
                "image": "nginx",
                "cpu": 0,
                "memory": 128,
                "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}],
                "essential": true,
                "environment": [],
                "mountPoints": [],
                "volumesFrom": [],
                "systemControls": []
            }
        ],
        "family": "web",
        "revision": 3,
        "volumes": [],
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
        "placementConstraints": [],
        "compatibilities": ["EXTERNAL", "EC2"],
        "registeredAt": "2024-05-01T10:00:00.123000+02:00",
        "registeredBy": "arn:aws:iam::123456789012:user/me",
        "enableFaultInjection": false
    },
    "tags": [{"key": "team", "value": "a"}]
}`

func TestDecodeTaskDefinitionFile(t *testing.T) {
	t.Run("JSON", func(t *testing.T) {
		r, err := DecodeTaskDefinitionFile([]byte(jsonTaskDef))
		if err != nil {
			t.Fatal(err)
		}
		c := r.ContainerDefinitions[0]
		if r.Family != "web" || r.Cpu != "256" || c.Image != "nginx:1.27" || *c.PortMappings[0].ContainerPort != 80 ||
			c.LogConfiguration.Options["awslogs-group"] != "/ecs/web" || *c.HealthCheck.Interval != 10 || r.Tags[0].Key != "team" {
			t.Errorf("decoded %+v", r)
		}
		if _, err := NewTaskDefinition(r); err != nil {
			t.Errorf("NewTaskDefinition: %v", err)
		}
	})
	t.Run("YAML", func(t *testing.T) {
		r, err := DecodeTaskDefinitionFile([]byte(yamlTaskDef))
		if err != nil {
			t.Fatal(err)
		}
		c := r.ContainerDefinitions[0]
		if r.Cpu != "256" || r.Memory != "0.5 GB" || c.Environment[0].Value != "8080" || c.DockerLabels["app.kind"] != "web" ||
			r.RequiresCompatibilities[0] != ecsmodel.CompatibilityFARGATE {
			t.Errorf("decoded %+v", r)
		}
		td, err := NewTaskDefinition(r)
		if err != nil {
			t.Fatalf("NewTaskDefinition: %v", err)
		}
		if td.Memory != "512" {
			t.Errorf("memory = %q", td.Memory)
		}
	})
	t.Run("YAML flow mapping", func(t *testing.T) {
		r, err := DecodeTaskDefinitionFile([]byte(`{family: f, containerDefinitions: [{name: a, image: x, memory: 64}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if r.Family != "f" || *r.ContainerDefinitions[0].Memory != 64 {
			t.Errorf("decoded %+v", r)
		}
	})
	t.Run("describe output", func(t *testing.T) {
		r, err := DecodeTaskDefinitionFile([]byte(describeOutput))
		if err != nil {
			t.Fatal(err)
		}
		if r.Family != "web" || len(r.Tags) != 1 || r.Tags[0].Value != "a" || r.EnableFaultInjection == nil {
			t.Errorf("decoded %+v", r)
		}
		if _, err := NewTaskDefinition(r); err != nil {
			t.Errorf("NewTaskDefinition: %v", err)
		}
	})
	t.Run("bare task definition", func(t *testing.T) {
		start := strings.Index(describeOutput, `"taskDefinition": `) + len(`"taskDefinition": `)
		end := strings.LastIndex(describeOutput, `,
    "tags"`)
		r, err := DecodeTaskDefinitionFile([]byte(describeOutput[start:end]))
		if err != nil {
			t.Fatal(err)
		}
		if r.Family != "web" || len(r.ContainerDefinitions) != 1 {
			t.Errorf("decoded %+v", r)
		}
	})
}

func TestDecodeTaskDefinitionFileErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "  \n", []string{"the file is empty"}},
		{"unknown key with suggestion", `{"family":"f","containerDefinitions":[{"name":"a","imagee":"x"}]}`,
			[]string{`containerDefinitions[0].imagee: unknown member; did you mean "image"?`}},
		{"case mistake", `{"family":"f","ContainerDefinitions":[]}`, []string{`ContainerDefinitions: unknown member; did you mean "containerDefinitions"?`}},
		{"prefix", `{"family":"f","containerDefinitions":[{"name":"a","env":[]}]}`, []string{`containerDefinitions[0].env: unknown member; did you mean "environment"?`}},
		{"unknown key without suggestion", `{"family":"f","zzzzzzzz":1}`, []string{`zzzzzzzz: unknown member`}},
		{"nested unknown key", `{"family":"f","containerDefinitions":[{"name":"a","logConfiguration":{"driver":"awslogs"}}]}`,
			[]string{`containerDefinitions[0].logConfiguration.driver: unknown member`}},
		{"several errors", `{"famly":"f","containerDefinitions":[{"nme":"a"}]}`, []string{`famly: unknown member; did you mean "family"?`, `containerDefinitions[0].nme: unknown member; did you mean "name"?`}},
		{"string for integer", `{"family":"f","containerDefinitions":[{"name":"a","memory":"512"}]}`,
			[]string{`containerDefinitions[0].memory: expected an integer, got string "512"`}},
		{"float for integer", `{"family":"f","containerDefinitions":[{"name":"a","memory":1.5}]}`,
			[]string{`containerDefinitions[0].memory: expected an integer, got number 1.5`}},
		{"integer out of range", `{"family":"f","containerDefinitions":[{"name":"a","memory":9999999999}]}`,
			[]string{`containerDefinitions[0].memory: the integer 9999999999 is out of range`}},
		{"bool for string", `{"family":true}`, []string{`family: expected a string, got boolean true`}},
		{"object for list", `{"family":"f","containerDefinitions":{"name":"a"}}`, []string{`containerDefinitions: expected a list, got an object`}},
		{"string for bool", `{"family":"f","containerDefinitions":[{"name":"a","essential":"yes"}]}`,
			[]string{`containerDefinitions[0].essential: expected true or false, got string "yes"`}},
		{"map value type", `{"family":"f","containerDefinitions":[{"name":"a","dockerLabels":{"x":[1]}}]}`,
			[]string{`containerDefinitions[0].dockerLabels["x"]: expected a string, got a list`}},
		{"top-level list", `[{"name":"a"}]`, []string{"a list of container definitions needs a family"}},
		{"top-level scalar", `"web"`, []string{`expected an object holding a task definition, got string "web"`}},
		{"bad JSON", "{\n  \"family\": \"f\",\n  \"x\": }", []string{"invalid JSON at line 3"}},
		{"trailing data", `{"family":"f"} {}`, []string{"unexpected data after the top-level value"}},
		{"duplicate member", `{"family":"f","family":"g"}`, []string{"family: member given more than once"}},
		{"bad YAML", "family: [a\n", []string{"invalid YAML"}},
		{"YAML duplicate key", "family: a\nfamily: b\n", []string{"invalid YAML"}},
		{"describe output with extra key", `{"taskDefinition":{"family":"f"},"tgs":[]}`, []string{`tgs: unknown member; did you mean "tags"?`}},
		{"describe output tags twice", `{"taskDefinition":{"family":"f","tags":[]},"tags":[]}`, []string{"taskDefinition.tags: tags are given both"}},
		{"describe output not an object", `{"taskDefinition":[]}`, []string{"taskDefinition: expected an object, got a list"}},
		{"deep nesting", strings.Repeat("[", 200) + strings.Repeat("]", 200), []string{"nested more than"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeTaskDefinitionFile([]byte(tt.in))
			if err == nil {
				t.Fatalf("no error; decoded %+v", r)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("error %T is not a *DecodeError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestDecodeRunTaskRequestFile(t *testing.T) {
	r, err := DecodeRunTaskRequestFile([]byte(`
cluster: batch
taskDefinition: migrate:3
count: 1
launchType: FARGATE
networkConfiguration:
  awsvpcConfiguration:
    subnets: [subnet-1]
    assignPublicIp: ENABLED
overrides:
  containerOverrides:
    - name: app
      command: [migrate, up]
      environment:
        - {name: DRY_RUN, value: "false"}
tags:
  - key: job
    value: migrate
`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Cluster != "batch" || *r.Count != 1 || r.NetworkConfiguration.AwsvpcConfiguration.Subnets[0] != "subnet-1" ||
		r.Overrides.ContainerOverrides[0].Command[1] != "up" || r.Tags[0].Value != "migrate" {
		t.Errorf("decoded %+v", r)
	}

	_, err = DecodeRunTaskRequestFile([]byte(`{"taskDefinition":"x","overrides":{"containerOverrides":[{"name":"a","comand":["x"]}]}}`))
	if err == nil || !strings.Contains(err.Error(), `overrides.containerOverrides[0].comand: unknown member; did you mean "command"?`) {
		t.Errorf("error = %v", err)
	}
	_, err = DecodeRunTaskRequestFile([]byte(`{"taskDefinition":"x","count":"2"}`))
	if err == nil || !strings.Contains(err.Error(), `count: expected an integer, got string "2"`) {
		t.Errorf("error = %v", err)
	}
	_, err = DecodeRunTaskRequestFile([]byte(`[]`))
	if err == nil || !strings.Contains(err.Error(), "expected an object holding a RunTask request") {
		t.Errorf("error = %v", err)
	}
}

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"TAG": "1.2", "EMPTY": "", "NAME": "web"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"image: app:${TAG}", "image: app:1.2", ""},
		{"${NAME}-${TAG}", "web-1.2", ""},
		{"${MISSING:-def}", "def", ""},
		{"${EMPTY:-def}", "def", ""},
		{"${EMPTY-def}", "", ""},
		{"${MISSING-def}", "def", ""},
		{"${TAG:-def}", "1.2", ""},
		{"${MISSING:-}", "", ""},
		{"cost: $5 and $HOME and $", "cost: $5 and $HOME and $", ""},
		{"literal $${TAG}", "literal ${TAG}", ""},
		{"$$ stays", "$$ stays", ""},
		{"a\nb ${MISSING}", "", "line 2: environment variable MISSING is not set"},
		{"${MISSING} ${ALSO}", "", "ALSO is not set"},
		{"${1abc}", "", "invalid variable reference ${1abc}"},
		{"${TAG:x}", "", "invalid variable reference ${TAG:x}"},
		{"x ${TAG", "", "unterminated ${"},
	}
	for _, tt := range tests {
		got, err := ExpandEnv([]byte(tt.in), lookup)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ExpandEnv(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ExpandEnv(%q): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("ExpandEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateTags(t *testing.T) {
	var tags []ecsmodel.Tag
	for i := range 51 {
		tags = append(tags, ecsmodel.Tag{Key: "k" + strings.Repeat("x", i)})
	}
	if err := ValidateTags(tags); !errors.Is(err, ErrInvalidParameter) || !strings.Contains(err.Error(), "at most 50 tags") {
		t.Errorf("ValidateTags(51 tags) = %v", err)
	}
	if err := ValidateTags(tags[:50]); err != nil {
		t.Errorf("ValidateTags(50 tags) = %v", err)
	}
	if err := ValidateTags([]ecsmodel.Tag{{Key: ""}}); err == nil {
		t.Error("empty key accepted")
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "image", "memory", "memoryReservation", "environment", "essential"}
	tests := map[string]string{
		"imagee": "image", "Image": "image", "memroy": "memory", "memoryreservation": "memoryReservation",
		"env": "environment", "enviroment": "environment", "essentail": "essential", "xyz": "", "nam": "name",
	}
	for in, want := range tests {
		if got := Suggest(in, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnvReferences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"image: app:latest", nil},
		{"image: ${REPO}/app:${TAG}", []string{"REPO", "TAG"}},
		{"a: ${TAG:-latest}\nb: ${ENV-dev}\nc: ${TAG}", []string{"TAG", "ENV"}},
		{"literal: $${NOT_A_VAR} and $HOME and $1", nil},
		{"bad: ${not a var} ${1X} ${OK}", []string{"OK"}},
		{"unterminated: ${OPEN", nil},
	}
	for _, tt := range tests {
		if got := EnvReferences([]byte(tt.in)); !slices.Equal(got, tt.want) {
			t.Errorf("EnvReferences(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeTaskDefinitionFile_YAMLTabs(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a tab before a list item", "family: x\ncontainerDefinitions:\n\t- name: a\n", "line 3: a tab indents the line"},
		{"a tab after spaces", "family: x\ncontainerDefinitions:\n  - name: a\n  \timage: b\n", "line 4: a tab indents the line"},
	}
	for _, tt := range tests {
		_, err := DecodeTaskDefinitionFile([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "spaces") {
			t.Errorf("%s: error %v; want it to say %q", tt.name, err, tt.want)
		}
	}
	// Other YAML errors keep their message.
	_, err := DecodeTaskDefinitionFile([]byte("family: [x\n"))
	if err == nil || strings.Contains(err.Error(), "tab") {
		t.Errorf("an unclosed list: %v", err)
	}
}
