package runtask

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// described is a task definition as Amazon ECS describes it after
// registering the file below: with ECS's defaults filled in and the members
// it sets itself.
func described() *types.TaskDefinition {
	now := time.Now()
	return &types.TaskDefinition{
		TaskDefinitionArn:       aws.String("arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"),
		Family:                  aws.String("web"),
		Revision:                7,
		Status:                  types.TaskDefinitionStatusActive,
		NetworkMode:             types.NetworkModeAwsvpc,
		ExecutionRoleArn:        aws.String("arn:aws:iam::123456789012:role/exec"),
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
		Compatibilities:         []types.Compatibility{types.CompatibilityEc2, types.CompatibilityFargate},
		RequiresAttributes:      []types.Attribute{{Name: aws.String("com.amazonaws.ecs.capability.logging-driver.awslogs")}},
		RegisteredAt:            &now,
		RegisteredBy:            aws.String("arn:aws:iam::123456789012:user/ci"),
		Volumes:                 []types.Volume{},
		PlacementConstraints:    []types.TaskDefinitionPlacementConstraint{},
		ContainerDefinitions: []types.ContainerDefinition{{
			Name:         aws.String("app"),
			Image:        aws.String("public.ecr.aws/app:1"),
			Cpu:          0,
			Essential:    aws.Bool(true),
			PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080), HostPort: aws.Int32(8080), Protocol: types.TransportProtocolTcp}},
			Environment:  []types.KeyValuePair{{Name: aws.String("B"), Value: aws.String("2")}, {Name: aws.String("A"), Value: aws.String("1")}},
			MountPoints:  []types.MountPoint{},
			VolumesFrom:  []types.VolumeFrom{},
			LogConfiguration: &types.LogConfiguration{LogDriver: types.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}, SecretOptions: []types.Secret{}},
			SystemControls: []types.SystemControl{},
		}},
	}
}

const webFile = `family: web
executionRoleArn: arn:aws:iam::123456789012:role/exec
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: .25 vCPU
memory: 0.5 GB
containerDefinitions:
  - name: app
    image: public.ecr.aws/app:1
    portMappings: [{containerPort: 8080}]
    environment:
      - {name: A, value: "1"}
      - {name: B, value: "2"}
    logConfiguration:
      logDriver: awslogs
      options: {awslogs-group: /ecs/web, awslogs-region: us-east-1, awslogs-stream-prefix: ecs}
`

func TestSameTaskDefinition(t *testing.T) {
	tags := []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}
	tests := []struct {
		name     string
		file     string
		tags     []types.Tag
		same     bool
		wantDiff string
	}{
		{"the registered file", webFile + "tags: [{key: team, value: web}]\n", tags, true, ""},
		{"a new image", strings.Replace(webFile, "app:1", "app:2", 1) + "tags: [{key: team, value: web}]\n", tags, false, "containerDefinitions[0].image changed"},
		{"another cpu", strings.Replace(strings.Replace(webFile, ".25 vCPU", "512", 1), "0.5 GB", "1GB", 1), nil, false, ""},
		{"a new variable", strings.Replace(webFile, `{name: B, value: "2"}`, `{name: B, value: "2"}`+"\n      - {name: C, value: \"3\"}", 1), nil, false, "environment"},
		{"other tags", webFile + "tags: [{key: team, value: api}]\n", tags, false, "tags differ"},
		{"ecsrun's validation refuses it (no execution role): compared as written", strings.Replace(webFile, "executionRoleArn: arn:aws:iam::123456789012:role/exec\n", "", 1), nil, false, ""},
		{"essential false", strings.Replace(webFile, "image: public.ecr.aws/app:1", "image: public.ecr.aws/app:1\n    essential: false", 1), nil, false, "essential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, err := ecs.DecodeTaskDefinitionFile([]byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			same, diff := sameTaskDefinition(file, described(), tt.tags)
			if same != tt.same || !strings.Contains(diff, tt.wantDiff) {
				t.Errorf("sameTaskDefinition = %v %q; want %v mentioning %q", same, diff, tt.same, tt.wantDiff)
			}
		})
	}
}
