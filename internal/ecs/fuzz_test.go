package ecs

import (
	"encoding/json"
	"errors"
	"testing"
)

var fuzzSeeds = []string{
	jsonTaskDef,
	yamlTaskDef,
	describeOutput,
	`{"family":"f","containerDefinitions":[{"name":"a","image":"x","memory":64}]}`,
	`{family: f, containerDefinitions: [{name: a, image: x, memory: 64}]}`,
	`{"family":"f","containerDefinitions":[{"name":"a","imagee":"x"}]}`,
	`{"family":"f","networkMode":"awsvpc","cpu":"0.25 vCPU","memory":"0.5GB","requiresCompatibilities":["FARGATE"],` +
		`"containerDefinitions":[{"name":"a","image":"x","dependsOn":[{"containerName":"b","condition":"SUCCESS"}]},` +
		`{"name":"b","image":"y","essential":false,"healthCheck":{"command":["CMD","true"]},"portMappings":[{"containerPort":80}]}]}`,
	`{"family":"f","volumes":[{"name":"v"}],"containerDefinitions":[{"name":"a","image":"x","memory":64,` +
		`"mountPoints":[{"sourceVolume":"v","containerPath":"/v"}],"links":["b:c"],"portMappings":[{"containerPortRange":"1-9"}]},` +
		`{"name":"b","image":"x","memoryReservation":6,"volumesFrom":[{"sourceContainer":"a"}]}]}`,
	"family: f\ncontainerDefinitions:\n  - name: a\n    image: x\n    memory: 6\n    logConfiguration: {logDriver: awslogs, options: {awslogs-group: g}}\n",
	`{"taskDefinition":{"family":"f","registeredAt":1700000000.5},"tags":[{"key":"k"}]}`,
	`[]`, `null`, `{"family":"f","family":"g"}`, "\xef\xbb\xbf{}",
}

// FuzzDecodeTaskDefinitionFile checks that decoding never panics, that its
// errors are *DecodeError values, and that what it decodes encodes again.
func FuzzDecodeTaskDefinitionFile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeTaskDefinitionFile(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("decoded request does not encode: %v", err)
		}
		_, _ = DecodeRunTaskRequestFile(data)
	})
}

// FuzzNewTaskDefinition checks that decoding and registering never panic,
// that registration errors are *Error values, and that a registered
// definition registers again to the same result.
func FuzzNewTaskDefinition(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeTaskDefinitionFile(data)
		if err != nil {
			return
		}
		td, err := NewTaskDefinition(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *ecs.Error", err, err)
			}
			return
		}
		b, err := json.Marshal(td)
		if err != nil {
			t.Fatalf("task definition does not encode: %v", err)
		}
		r2, err := DecodeTaskDefinitionFile(b)
		if err != nil {
			t.Fatalf("stored definition does not decode: %v\n%s", err, b)
		}
		td2, err := NewTaskDefinition(r2)
		if err != nil {
			t.Fatalf("stored definition does not register again: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(td2)
		if string(b) != string(b2) {
			t.Fatalf("registration is not idempotent:\n%s\n%s", b, b2)
		}
	})
}
