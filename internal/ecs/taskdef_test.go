package ecs

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

func i32(v int32) *int32 { return &v }
func boolp(v bool) *bool { return &v }
func bptr(v bool) *bool  { return &v }

type req = ecsmodel.RegisterTaskDefinitionRequest
type cdef = ecsmodel.ContainerDefinition

func ec2Req(cs ...cdef) *req {
	if len(cs) == 0 {
		cs = []cdef{{Name: "web", Image: "nginx", Memory: i32(128)}}
	}
	return &req{Family: "app", ContainerDefinitions: cs}
}

func fargateReq(cs ...cdef) *req {
	if len(cs) == 0 {
		cs = []cdef{{Name: "web", Image: "nginx"}}
	}
	return &req{
		Family:                  "app",
		NetworkMode:             ecsmodel.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecsmodel.Compatibility{ecsmodel.CompatibilityFARGATE},
		Cpu:                     "256",
		Memory:                  "512",
		ContainerDefinitions:    cs,
	}
}

func with(r *req, f func(r *req)) *req { f(r); return r }

func TestNewTaskDefinition(t *testing.T) {
	ok := error(nil)
	tests := []struct {
		name    string
		in      *req
		kind    error // nil: success
		message string
	}{
		{"minimal EC2", ec2Req(), ok, ""},
		{"minimal Fargate", fargateReq(), ok, ""},
		{"memoryReservation only", ec2Req(cdef{Name: "a", Image: "x", MemoryReservation: i32(64)}), ok, ""},
		{"task memory instead of container memory", with(ec2Req(cdef{Name: "a", Image: "x"}), func(r *req) { r.Memory = "512" }), ok, ""},
		{"unit forms", with(ec2Req(), func(r *req) { r.Cpu = "1 vCPU"; r.Memory = "2 GB" }), ok, ""},
		{"nil request", nil, ErrClient, "Family should not be null or empty."},
		{"empty family", with(ec2Req(), func(r *req) { r.Family = "" }), ErrClient, "Family should not be null or empty."},
		{"bad family", with(ec2Req(), func(r *req) { r.Family = "my app" }), ErrClient, "Family contains invalid characters"},
		{"model violation", with(ec2Req(), func(r *req) { r.NetworkMode = "bogus" }), ErrClient, "Member must satisfy enum value set: [bridge, host, awsvpc, none]"},
		{"no containers", with(ec2Req(), func(r *req) { r.ContainerDefinitions = []cdef{} }), ErrClient, "Container list cannot be empty."},
		{"too many containers", with(ec2Req(), func(r *req) {
			r.ContainerDefinitions = nil
			for i := range 11 {
				r.ContainerDefinitions = append(r.ContainerDefinitions, cdef{Name: "c" + string(rune('a'+i)), Image: "x", Memory: i32(64)})
			}
		}), ErrClient, "Too many containers."}, // github.com/aws/amazon-ecs-cli/issues/184
		{"container name missing", ec2Req(cdef{Image: "x", Memory: i32(64)}), ErrClient, "Container.name should not be null or empty."},
		{"container name invalid", ec2Req(cdef{Name: "web app", Image: "x", Memory: i32(64)}), ErrClient, "Container.name contains invalid characters. (\"web app\""}, // github.com/ansible/ansible/issues/22860
		{"container name too long", ec2Req(cdef{Name: strings.Repeat("a", 256), Image: "x", Memory: i32(64)}), ErrClient, "Container.name contains invalid characters."},
		{"duplicate container names", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64)}, cdef{Name: "a", Image: "y", Memory: i32(64)}), ErrClient, "Duplicate container name 'a'"},
		{"image missing", ec2Req(cdef{Name: "a", Memory: i32(64)}), ErrClient, "Container.image should not be null or empty."},
		{"memory missing", ec2Req(cdef{Name: "a", Image: "x"}), ErrClient, "Invalid setting for container 'a'. At least one of 'memory' or 'memoryReservation' must be specified."},
		// ECS registers a container memory below Docker's 6 MiB minimum;
		// Docker refuses the container (CannotCreateContainerError,
		// github.com/awsdocs/amazon-ecs-developer-guide/pull/185).
		{"memory below 6 MiB is left to Docker", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(4)}), ok, ""},
		{"memoryReservation below 6 MiB is left to Docker", ec2Req(cdef{Name: "a", Image: "x", MemoryReservation: i32(4)}), ok, ""},
		{"memoryReservation greater than memory", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(128), MemoryReservation: i32(129)}), ErrClient, "'memoryReservation' (129 MiB) must not be greater than 'memory' (128 MiB)"},
		{"memoryReservation equal to memory is fine", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(128), MemoryReservation: i32(128)}), ok, ""},
		{"container memory above task memory", with(ec2Req(cdef{Name: "a", Image: "x", Memory: i32(1024)}), func(r *req) { r.Memory = "512" }), ErrClient, "The 'memory' setting for container 'a' is greater than for the task."},                                                                                                             // github.com/pulumi/pulumi-awsx/issues/188
		{"total reservations above task memory", with(ec2Req(cdef{Name: "a", Image: "x", MemoryReservation: i32(300)}, cdef{Name: "b", Image: "x", MemoryReservation: i32(300)}), func(r *req) { r.Memory = "512" }), ErrClient, "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'."}, // github.com/cloudnativedaysjp/dreamkast-infra/pull/4766
		{"total cpu above task cpu", with(ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Cpu: 200}, cdef{Name: "b", Image: "x", Memory: i32(64), Cpu: 200}), func(r *req) { r.Cpu = "256" }), ErrClient, "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'."},                                     // github.com/aws/aws-cdk/issues/24629
		{"bad task cpu", with(ec2Req(), func(r *req) { r.Cpu = "fast" }), ErrClient, "Invalid 'cpu' setting for task"},
		{"task cpu below minimum", with(ec2Req(), func(r *req) { r.Cpu = "64" }), ErrClient, "between 128 and 196608"},
		{"bad task memory", with(ec2Req(), func(r *req) { r.Memory = "1 TB" }), ErrClient, "Invalid 'memory' setting for task"},
		{"negative container cpu", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Cpu: -1}), ErrClient, "'cpu' must not be negative"},
		// Fargate.
		// github.com/aws/amazon-ecs-cli/issues/1145 (ECS's curly quotes).
		{"fargate needs awsvpc", with(fargateReq(), func(r *req) { r.NetworkMode = ecsmodel.NetworkModeBridge }), ErrClient, "Fargate only supports network mode ‘awsvpc’."},
		{"fargate needs awsvpc (default mode)", with(fargateReq(), func(r *req) { r.NetworkMode = "" }), ErrClient, "Fargate only supports network mode ‘awsvpc’."},
		{"fargate ipcMode", with(fargateReq(), func(r *req) { r.IpcMode = "task" }), ErrClient, "Tasks using the Fargate launch type do not support ipcMode."}, // github.com/cn-terraform/terraform-aws-ecs-fargate/issues/2
		{"fargate needs cpu", with(fargateReq(), func(r *req) { r.Cpu = "" }), ErrClient, "Fargate requires that 'cpu' be defined at the task level."},
		{"fargate needs memory", with(fargateReq(cdef{Name: "a", Image: "x", Memory: i32(64)}), func(r *req) { r.Memory = "" }), ErrClient, "Fargate requires that 'memory' be defined at the task level."},
		{"fargate bad combination", with(fargateReq(), func(r *req) { r.Memory = "4096" }), ErrClient, "No Fargate configuration exists for given values."},
		{"fargate bad cpu", with(fargateReq(), func(r *req) { r.Cpu = "384" }), ErrClient, "No Fargate configuration exists for given values."},
		{"fargate unit forms", with(fargateReq(), func(r *req) { r.Cpu = "0.25 vCPU"; r.Memory = "0.5GB" }), ok, ""},
		{"fargate 16 vCPU", with(fargateReq(), func(r *req) { r.Cpu = "16 vCPU"; r.Memory = "120GB" }), ok, ""},
		{"fargate placement constraints", with(fargateReq(), func(r *req) {
			r.PlacementConstraints = []ecsmodel.TaskDefinitionPlacementConstraint{{Type: "memberOf", Expression: "attribute:x == y"}}
		}), ErrClient, "placement constraints are not supported on Fargate"},
		{"restartPolicy", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), RestartPolicy: &ecsmodel.ContainerRestartPolicy{Enabled: boolp(true), IgnoredExitCodes: []int32{0}, RestartAttemptPeriod: i32(60)}}), ok, ""},
		{"restartAttemptPeriod below 60 s", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), RestartPolicy: &ecsmodel.ContainerRestartPolicy{Enabled: boolp(true), RestartAttemptPeriod: i32(10)}}), ErrClient, "'restartPolicy.restartAttemptPeriod' must be between 60 and 1800 seconds; got 10."},
		{"more than 50 ignoredExitCodes", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), RestartPolicy: &ecsmodel.ContainerRestartPolicy{Enabled: boolp(true), IgnoredExitCodes: make([]int32, 51)}}), ErrClient, "at most 50 exit codes"},
		{"fargate stopTimeout", fargateReq(cdef{Name: "a", Image: "x", StopTimeout: i32(300)}), ErrClient, "stopTimeout is 300; on Fargate it must be between 2 and 120"},
		{"fargate privileged", fargateReq(cdef{Name: "a", Image: "x", Privileged: bptr(true)}), ErrClient, "privileged containers are not supported on Fargate"},
		{"fargate log driver", with(fargateReq(cdef{Name: "a", Image: "x", LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "json-file"}}), func(r *req) {}), ErrClient, "json-file is not a valid log driver. Must be one of [awslogs,splunk,awsfirelens]"}, // github.com/kayac/ecspresso/issues/364
		{"fargate awslogs needs execution role", fargateReq(cdef{Name: "a", Image: "x", LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g"}}}), ErrClient, "Fargate requires task definition to have execution role ARN to support log driver awslogs."},
		{"fargate awslogs with execution role", with(fargateReq(cdef{Name: "a", Image: "x", LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g"}}}), func(r *req) { r.ExecutionRoleArn = "arn:aws:iam::000000000000:role/exec" }), ok, ""},
		{"fargate host volume path", with(fargateReq(), func(r *req) {
			r.Volumes = []ecsmodel.Volume{{Name: "v", Host: &ecsmodel.HostVolumeProperties{SourcePath: "/data"}}}
		}), ErrClient, "Fargate compatible task definitions do not support sourcePath."}, // github.com/cloudposse/terraform-aws-ecs-alb-service-task/issues/174
		{"external with awsvpc", with(ec2Req(), func(r *req) {
			r.NetworkMode = ecsmodel.NetworkModeAwsvpc
			r.RequiresCompatibilities = []ecsmodel.Compatibility{ecsmodel.CompatibilityEXTERNAL}
		}), ErrClient, "EXTERNAL launch type does not support networkMode 'awsvpc'"},
		// Ports.
		{"containerPort out of range", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(70000)}}}), ErrClient, "containerPort 70000 is out of range"},
		{"containerPort zero", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(0)}}}), ErrClient, "containerPort 0 is out of range"},
		{"containerPort missing", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{HostPort: i32(80)}}}), ErrClient, "needs a containerPort"},
		{"hostPort out of range", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), HostPort: i32(-1)}}}), ErrClient, "hostPort -1 is out of range"},
		{"awsvpc host port mismatch", fargateReq(cdef{Name: "web", Image: "x", PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), HostPort: i32(8080)}}}), ErrClient, "Invalid setting for container 'web'. When networkMode=awsvpc, the host ports and container ports in port mappings must match"},
		{"host mode host port mismatch", with(ec2Req(cdef{Name: "web", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), HostPort: i32(81)}}}), func(r *req) { r.NetworkMode = "host" }), ErrClient, "When networkMode=host"},
		{"bridge host port differs", ec2Req(cdef{Name: "web", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), HostPort: i32(8080)}}}), ok, ""},
		{"bad protocol", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), Protocol: "sctp"}}}), ErrClient, "[tcp, udp]"},
		{"duplicate host ports across containers", ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), HostPort: i32(8080)}}},
			cdef{Name: "b", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(81), HostPort: i32(8080)}}},
		), ErrClient, "TCP host port '8080' is mapped multiple times in task."}, // github.com/aws/amazon-ecs-agent/issues/1220
		{"same host port different protocols", ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(53), HostPort: i32(53)}, {ContainerPort: i32(53), HostPort: i32(53), Protocol: "udp"}}},
		), ok, ""},
		{"duplicate container ports in awsvpc", fargateReq(
			cdef{Name: "a", Image: "x", PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80)}}},
			cdef{Name: "b", Image: "x", PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80)}}},
		), ErrClient, "TCP host port '80' is mapped multiple times in task."},
		{"duplicate udp host port in one container", ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(53), HostPort: i32(53), Protocol: "udp"}, {ContainerPort: i32(54), HostPort: i32(53), Protocol: "udp"}}},
		), ErrClient, "UDP host port '53' is mapped multiple times in task."},
		{"dynamic host ports may repeat", ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80)}}},
			cdef{Name: "b", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80), HostPort: i32(0)}}},
		), ok, ""},
		{"ports with networkMode none", with(ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80)}}}), func(r *req) { r.NetworkMode = "none" }), ErrClient, "not supported when networkMode=none"},
		{"bad port range", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPortRange: "90-80"}}}), ErrClient, "Invalid containerPortRange"},
		{"good port range", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPortRange: "8000-8010"}}}), ok, ""},
		// Essential and dependencies.
		{"no essential container", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Essential: bptr(false)}), ErrClient, "Task definition doesn't have any essential container."},                                                                          // github.com/eagletmt/hako/pull/68
		{"dependsOn unknown container", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "db", Condition: "START"}}}), ErrClient, "Cannot depend on container + 'db' because it does not exist"}, // github.com/dagster-io/dagster/issues/6926
		{"dependsOn self", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "a", Condition: "START"}}}), ErrClient, "cannot depend on itself"},
		{"dependsOn bad condition", ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "b", Condition: "READY"}}},
			cdef{Name: "b", Image: "x", Memory: i32(64)},
		), ErrClient, "[START, COMPLETE, SUCCESS, HEALTHY]"},
		{"dependsOn cycle", ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "b", Condition: "START"}}},
			cdef{Name: "b", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "c", Condition: "START"}}},
			cdef{Name: "c", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "a", Condition: "START"}}},
		), ErrClient, "form a cycle: a -> b -> c -> a"},
		{"dependsOn cycle after the first container", ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "b", Condition: "START"}}},
			cdef{Name: "b", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "c", Condition: "START"}}},
			cdef{Name: "c", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "b", Condition: "START"}}},
		), ErrClient, "Invalid dependsOn: the container dependencies form a cycle: b -> c -> b."},
		{"dependsOn diamond is no cycle", ec2Req(
			cdef{Name: "app", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "b", Condition: "START"}, {ContainerName: "c", Condition: "START"}}},
			cdef{Name: "b", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "d", Condition: "START"}}},
			cdef{Name: "c", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "d", Condition: "START"}}},
			cdef{Name: "d", Image: "x", Memory: i32(64)},
		), ok, ""},
		{"dependsOn COMPLETE on essential", ec2Req(
			cdef{Name: "app", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "init", Condition: "COMPLETE"}}},
			cdef{Name: "init", Image: "x", Memory: i32(64)},
		), ErrClient, "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container."}, // github.com/boto/boto3/issues/2436
		{"dependsOn SUCCESS on non-essential", ec2Req(
			cdef{Name: "app", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "migrate", Condition: "SUCCESS"}}},
			cdef{Name: "migrate", Image: "x", Memory: i32(64), Essential: bptr(false)},
		), ok, ""},
		// A container listed twice runs as if listed once (no evidence ECS
		// refuses it).
		{"dependsOn the same container twice", ec2Req(
			cdef{Name: "app", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "db", Condition: "START"}, {ContainerName: "db", Condition: "START"}}},
			cdef{Name: "db", Image: "x", Memory: i32(64)},
		), ok, ""},
		{"dependsOn HEALTHY without health check", ec2Req(
			cdef{Name: "app", Image: "x", Memory: i32(64), DependsOn: []ecsmodel.ContainerDependency{{ContainerName: "db", Condition: "HEALTHY"}}},
			cdef{Name: "db", Image: "x", Memory: i32(64)},
		), ErrClient, "needs a health check on 'db'"},
		// Links and volumes.
		{"links in awsvpc", fargateReq(cdef{Name: "a", Image: "x", Links: []string{"b"}}, cdef{Name: "b", Image: "x"}), ErrClient, "Links are not supported when networkMode=awsvpc."}, // github.com/aws-observability/aws-otel-collector/issues/1359
		{"links to unknown container", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Links: []string{"db:database"}}), ErrClient, "names container 'db', which is not in the task definition"},
		{"links in bridge", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Links: []string{"b:db"}}, cdef{Name: "b", Image: "x", Memory: i32(64)}), ok, ""},
		{"duplicate volume names", with(ec2Req(), func(r *req) { r.Volumes = []ecsmodel.Volume{{Name: "v"}, {Name: "v"}} }), ErrClient, "Duplicate volume name 'v'"},
		{"volume without name", with(ec2Req(), func(r *req) { r.Volumes = []ecsmodel.Volume{{}} }), ErrClient, "Volume.name should not be null or empty."},
		{"mount point unknown volume", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), MountPoints: []ecsmodel.MountPoint{{SourceVolume: "data", ContainerPath: "/data"}}}), ErrClient, "Unknown volume 'data'."}, // github.com/ansible/ansible/issues/35751
		{"mount point without path", with(ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), MountPoints: []ecsmodel.MountPoint{{SourceVolume: "data"}}}), func(r *req) { r.Volumes = []ecsmodel.Volume{{Name: "data"}} }), ErrClient, "containerPath should not be null or empty"},
		{"volumesFrom unknown container", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), VolumesFrom: []ecsmodel.VolumeFrom{{SourceContainer: "b"}}}), ErrClient, "sourceContainer 'b' is not a container"},
		{"volumes ok", with(ec2Req(
			cdef{Name: "a", Image: "x", Memory: i32(64), MountPoints: []ecsmodel.MountPoint{{SourceVolume: "data", ContainerPath: "/data"}}},
			cdef{Name: "b", Image: "x", Memory: i32(64), VolumesFrom: []ecsmodel.VolumeFrom{{SourceContainer: "a"}}},
		), func(r *req) { r.Volumes = []ecsmodel.Volume{{Name: "data"}} }), ok, ""},
		// Environment, secrets, health checks, logs.
		{"empty env name", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Environment: []ecsmodel.KeyValuePair{{Value: "v"}}}), ErrClient, "Environment variable names should not be null or empty."},
		// ECS registers a variable named twice; the last value wins
		// (github.com/metaps/genova/issues/295), as the agent does.
		{"duplicate env name is registered", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Environment: []ecsmodel.KeyValuePair{{Name: "A", Value: "1"}, {Name: "A", Value: "2"}}}), ok, ""},
		{"duplicate secret is registered", with(ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), Secrets: []ecsmodel.Secret{{Name: "S", ValueFrom: "p1"}, {Name: "S", ValueFrom: "p2"}}}), func(r *req) { r.ExecutionRoleArn = "arn:aws:iam::000000000000:role/exec" }), ok, ""},
		{"health check interval", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), HealthCheck: &ecsmodel.HealthCheck{Command: []string{"CMD", "true"}, Interval: i32(1)}}), ErrClient, "healthCheck.interval is 1; it must be between 5 and 300"},
		{"health check timeout", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), HealthCheck: &ecsmodel.HealthCheck{Command: []string{"CMD", "true"}, Timeout: i32(61)}}), ErrClient, "healthCheck.timeout is 61"},
		{"health check retries", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), HealthCheck: &ecsmodel.HealthCheck{Command: []string{"CMD", "true"}, Retries: i32(0)}}), ErrClient, "healthCheck.retries is 0"},
		{"health check startPeriod", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), HealthCheck: &ecsmodel.HealthCheck{Command: []string{"CMD", "true"}, StartPeriod: i32(301)}}), ErrClient, "healthCheck.startPeriod is 301"},
		{"health check command without CMD is registered (ADOT's [\"/healthcheck\"])", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), HealthCheck: &ecsmodel.HealthCheck{Command: []string{"/healthcheck"}}}), ok, ""},
		{"awslogs-create-group \"True\" is registered (AWS's templates)", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g", "awslogs-create-group": "True"}}}), ok, ""},
		{"health check command missing", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), HealthCheck: &ecsmodel.HealthCheck{}}), ErrClient, "healthCheck.command"},
		{"awslogs without group", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-region": "us-east-1"}}}), ErrClient, "Log driver awslogs option 'awslogs-group' should not be null or empty."}, // github.com/terraform-aws-modules/terraform-aws-ecs/issues/206
		{"awslogs empty group", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": ""}}}), ErrClient, "Log driver awslogs option 'awslogs-group' should not be null or empty."},
		// github.com/terraform-linters/tflint-ruleset-aws/issues/348: ECS
		// refuses awslogs-create-group "false".
		{"awslogs-create-group \"false\" is refused", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g", "awslogs-create-group": "false"}}}), ErrClient, "Log driver awslogs option 'awslogs-create-group' should only be set to 'true', else omit option."},
		{"awslogs-create-group \"true\"", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g", "awslogs-create-group": "true"}}}), ok, ""},
		{"awslogs without region is fine", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g"}}}), ok, ""},
		{"unknown log driver", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "loki"}}), ErrClient, "Member must satisfy enum value set"},
		{"awsfirelens without router", ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awsfirelens"}}), ErrClient, "When awsfirelens log driver is specified in log configuration, a firelens configuration object must be configured in one of the containers."}, // github.com/fabfuel/ecs-deploy/issues/164
		// github.com/aws/amazon-cloudwatch-logs-for-fluent-bit/issues/20.
		{"log router nobody routes to", ec2Req(
			cdef{Name: "app", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g"}}},
			cdef{Name: "log_router", Image: "fluent-bit", Memory: i32(64), FirelensConfiguration: &ecsmodel.FirelensConfiguration{Type: "fluentbit"}},
		), ErrClient, "When a firelensConfiguration object is specified, at least one container has to be configured with the awsfirelens log driver."},
		{"log router with a routed container", ec2Req(
			cdef{Name: "app", Image: "x", Memory: i32(64), LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awsfirelens"}},
			cdef{Name: "log_router", Image: "fluent-bit", Memory: i32(64), FirelensConfiguration: &ecsmodel.FirelensConfiguration{Type: "fluentbit"}},
		), ok, ""},
		// Task-level options.
		{"placement constraint type", with(ec2Req(), func(r *req) {
			r.PlacementConstraints = []ecsmodel.TaskDefinitionPlacementConstraint{{Type: "distinctInstance"}}
		}), ErrClient, "[memberOf]"},
		{"placement constraint expression missing", with(ec2Req(), func(r *req) {
			r.PlacementConstraints = []ecsmodel.TaskDefinitionPlacementConstraint{{Type: "memberOf"}}
		}), ErrClient, "needs an expression"},
		// ECS documents no parsing of the expression at register (only the
		// type, its presence and the 2000-character limit); a malformed one
		// is refused when a task is placed, as ecsrun's RunTask does.
		{"malformed memberOf expression is left to RunTask", with(ec2Req(), func(r *req) {
			r.PlacementConstraints = []ecsmodel.TaskDefinitionPlacementConstraint{{Type: "memberOf", Expression: "attribute:ecs.instance-type =="}}
		}), ok, ""},
		{"too many placement constraints", with(ec2Req(), func(r *req) {
			for range 11 {
				r.PlacementConstraints = append(r.PlacementConstraints, ecsmodel.TaskDefinitionPlacementConstraint{Type: "memberOf", Expression: "attribute:a == b"})
			}
		}), ErrClient, "at most 10"},
		{"too many tags", with(ec2Req(), func(r *req) {
			for i := range 51 {
				r.Tags = append(r.Tags, ecsmodel.Tag{Key: "k" + strings.Repeat("x", i), Value: "v"})
			}
		}), ErrClient, "Member must have length less than or equal to 50"},
		{"duplicate tag keys", with(ec2Req(), func(r *req) { r.Tags = []ecsmodel.Tag{{Key: "a"}, {Key: "a"}} }), ErrInvalidParameter, "Duplicate tag key \"a\""},
		{"reserved tag prefix", with(ec2Req(), func(r *req) { r.Tags = []ecsmodel.Tag{{Key: "AWS:owner", Value: "x"}} }), ErrInvalidParameter, "reserved prefix 'aws:'"},
		{"proxy needs awsvpc", with(ec2Req(), func(r *req) {
			r.ProxyConfiguration = &ecsmodel.ProxyConfiguration{Type: "APPMESH", ContainerName: "web"}
		}), ErrClient, "proxyConfiguration requires networkMode awsvpc"},
		{"proxy unknown container", with(fargateReq(), func(r *req) {
			r.ProxyConfiguration = &ecsmodel.ProxyConfiguration{Type: "APPMESH", ContainerName: "envoy"}
		}), ErrClient, "'envoy' is not a container"},
		{"bad ipcMode", with(ec2Req(), func(r *req) { r.IpcMode = "shared" }), ErrClient, "[host, task, none]"},
		{"secrets without execution role", with(ec2Req(), func(r *req) {
			r.ContainerDefinitions[0].Secrets = []ecsmodel.Secret{{Name: "DB_PASSWORD", ValueFrom: "db-password"}}
		}), ErrClient, "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'."},
		{"secrets with execution role", with(ec2Req(), func(r *req) {
			r.ExecutionRoleArn = "arn:aws:iam::000000000000:role/exec"
			r.ContainerDefinitions[0].Secrets = []ecsmodel.Secret{{Name: "DB_PASSWORD", ValueFrom: "db-password"}}
		}), ok, ""},
		{"repository credentials without execution role", with(ec2Req(), func(r *req) {
			r.ContainerDefinitions[0].RepositoryCredentials = &ecsmodel.RepositoryCredentials{CredentialsParameter: "arn:aws:secretsmanager:us-east-1:000000000000:secret:reg"}
		}), ErrClient, "Private repository authentication requires that the task definition specify a value for executionRoleArn."}, // github.com/sil-org/ecs-deploy/issues/188
		{"bad pidMode", with(ec2Req(), func(r *req) { r.PidMode = "container" }), ErrClient, "[host, task]"},
		{"ephemeral storage range", with(fargateReq(), func(r *req) { r.EphemeralStorage = &ecsmodel.EphemeralStorage{SizeInGiB: 10} }), ErrClient, "between 21 and 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []byte
			if tt.in != nil {
				before, _ = json.Marshal(tt.in)
			}
			td, err := NewTaskDefinition(tt.in)
			if tt.in != nil {
				after, _ := json.Marshal(tt.in)
				if string(before) != string(after) {
					t.Errorf("NewTaskDefinition modified its input:\n%s\n%s", before, after)
				}
			}
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("NewTaskDefinition: unexpected error %v", err)
				}
				if td == nil {
					t.Fatal("NewTaskDefinition returned nil")
				}
				return
			}
			if err == nil {
				t.Fatalf("NewTaskDefinition: no error, want %v containing %q", tt.kind, tt.message)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *ecs.Error", err)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error kind = %v, want %v (%v)", e.Kind, tt.kind, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error = %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

func TestNewTaskDefinitionOutput(t *testing.T) {
	in := &req{
		Family:           "app",
		TaskRoleArn:      "arn:aws:iam::000000000000:role/task",
		ExecutionRoleArn: "arn:aws:iam::000000000000:role/exec",
		NetworkMode:      ecsmodel.NetworkModeAwsvpc,
		Cpu:              "0.5 vCPU",
		Memory:           "1GB",
		Volumes:          []ecsmodel.Volume{{Name: "scratch"}},
		ContainerDefinitions: []cdef{
			{
				Name:         "app",
				Image:        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
				PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(8080)}},
				DependsOn:    []ecsmodel.ContainerDependency{{ContainerName: "migrate", Condition: "SUCCESS"}},
				MountPoints:  []ecsmodel.MountPoint{{SourceVolume: "scratch", ContainerPath: "/tmp/s"}},
				HealthCheck:  &ecsmodel.HealthCheck{Command: []string{"CMD-SHELL", "true"}, StartPeriod: i32(10)},
				LogConfiguration: &ecsmodel.LogConfiguration{LogDriver: "awslogs", Options: map[string]string{
					"awslogs-group": "/ecs/app", "awslogs-stream-prefix": "app",
				}},
				Secrets: []ecsmodel.Secret{
					{Name: "DB", ValueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:db"},
					{Name: "KEY", ValueFrom: "/app/key"},
				},
			},
			{Name: "migrate", Image: "migrate", Essential: bptr(false)},
		},
		Tags: []ecsmodel.Tag{{Key: "team", Value: "a"}},
	}
	td, err := NewTaskDefinition(in)
	if err != nil {
		t.Fatal(err)
	}
	if td.Cpu != "512" || td.Memory != "1024" {
		t.Errorf("cpu, memory = %q, %q; want 512, 1024", td.Cpu, td.Memory)
	}
	if td.TaskDefinitionArn != "" || td.Revision != 0 || td.Status != "" || td.RegisteredAt != nil || td.RegisteredBy != "" {
		t.Errorf("control-plane members set: %+v", td)
	}
	app := td.ContainerDefinitions[0]
	if app.Essential == nil || !*app.Essential {
		t.Error("essential not defaulted to true")
	}
	if *td.ContainerDefinitions[1].Essential {
		t.Error("explicit essential false lost")
	}
	pm := app.PortMappings[0]
	if pm.Protocol != "tcp" || pm.HostPort == nil || *pm.HostPort != 8080 {
		t.Errorf("port mapping defaults = %+v", pm)
	}
	h := app.HealthCheck
	if *h.Interval != 30 || *h.Timeout != 5 || *h.Retries != 3 || *h.StartPeriod != 10 {
		t.Errorf("health check defaults = %+v", h)
	}
	if td.ContainerDefinitions[1].PortMappings == nil || td.ContainerDefinitions[1].Environment == nil ||
		td.ContainerDefinitions[1].MountPoints == nil || td.ContainerDefinitions[1].VolumesFrom == nil {
		t.Error("empty lists ECS always returns are nil")
	}
	if td.Volumes[0].Host == nil {
		t.Error("volume without configuration should get host {}")
	}
	wantCompat := []ecsmodel.Compatibility{"EC2", "FARGATE", "MANAGED_INSTANCES"}
	if !slices.Equal(td.Compatibilities, wantCompat) {
		t.Errorf("compatibilities = %v, want %v", td.Compatibilities, wantCompat)
	}
	var names []string
	for _, a := range td.RequiresAttributes {
		names = append(names, a.Name)
	}
	for _, want := range []string{
		"ecs.capability.task-eni",
		"com.amazonaws.ecs.capability.task-iam-role",
		"com.amazonaws.ecs.capability.logging-driver.awslogs",
		"ecs.capability.execution-role-awslogs",
		"com.amazonaws.ecs.capability.docker-remote-api.1.19",
		"ecs.capability.container-health-check",
		"ecs.capability.container-ordering",
		"ecs.capability.secrets.asm.environment-variables",
		"ecs.capability.secrets.ssm.environment-variables",
		"com.amazonaws.ecs.capability.ecr-auth",
		"ecs.capability.execution-role-ecr-pull",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("requiresAttributes lacks %s: %v", want, names)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("requiresAttributes not sorted: %v", names)
	}
	// The stored definition must itself be registrable again.
	b, _ := json.Marshal(td)
	again, err := DecodeTaskDefinitionFile(b)
	if err != nil {
		t.Fatalf("re-decoding the output: %v", err)
	}
	td2, err := NewTaskDefinition(again)
	if err != nil {
		t.Fatalf("re-registering the output: %v", err)
	}
	if !reflect.DeepEqual(td, td2) {
		t.Errorf("registration is not idempotent:\n%+v\n%+v", td, td2)
	}
}

func TestCompatibilities(t *testing.T) {
	tests := []struct {
		name string
		in   *req
		want []ecsmodel.Compatibility
	}{
		{"bridge", ec2Req(), []ecsmodel.Compatibility{"EXTERNAL", "EC2"}},
		{"awsvpc without sizes", with(ec2Req(), func(r *req) { r.NetworkMode = "awsvpc" }), []ecsmodel.Compatibility{"EC2", "MANAGED_INSTANCES"}},
		{"fargate-sized awsvpc", with(ec2Req(), func(r *req) { r.NetworkMode = "awsvpc"; r.Cpu = "256"; r.Memory = "512" }), []ecsmodel.Compatibility{"EC2", "FARGATE", "MANAGED_INSTANCES"}},
		{"fargate", fargateReq(), []ecsmodel.Compatibility{"EC2", "FARGATE", "MANAGED_INSTANCES"}},
		{"host", with(ec2Req(), func(r *req) { r.NetworkMode = "host" }), []ecsmodel.Compatibility{"EXTERNAL", "EC2", "MANAGED_INSTANCES"}},
		{"managed instances", with(fargateReq(), func(r *req) {
			r.RequiresCompatibilities = []ecsmodel.Compatibility{"MANAGED_INSTANCES"}
		}), []ecsmodel.Compatibility{"EC2", "FARGATE", "MANAGED_INSTANCES"}},
	}
	for _, tt := range tests {
		td, err := NewTaskDefinition(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(td.Compatibilities, tt.want) {
			t.Errorf("%s: compatibilities = %v, want %v", tt.name, td.Compatibilities, tt.want)
		}
	}
}

func TestNetworkModeDefault(t *testing.T) {
	td, err := NewTaskDefinition(ec2Req(cdef{Name: "a", Image: "x", Memory: i32(64), PortMappings: []ecsmodel.PortMapping{{ContainerPort: i32(80)}}}))
	if err != nil {
		t.Fatal(err)
	}
	if td.NetworkMode != "" {
		t.Errorf("networkMode stored as %q; ECS stores it omitted", td.NetworkMode)
	}
	if EffectiveNetworkMode(td) != ecsmodel.NetworkModeBridge {
		t.Errorf("EffectiveNetworkMode = %q", EffectiveNetworkMode(td))
	}
	if hp := td.ContainerDefinitions[0].PortMappings[0].HostPort; hp == nil || *hp != 0 {
		t.Errorf("bridge dynamic hostPort = %v, want 0", hp)
	}
}

// fill sets every field reachable from v to a non-zero value.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 6 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[wire.Time]() {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if depth > 6 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, depth+1)
		m.SetMapIndex(reflect.ValueOf("k").Convert(v.Type().Key()), e)
		v.Set(m)
	case reflect.String:
		v.SetString("s-" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(1.5)
	}
}

// TestCopyRequestCoversEveryMember proves that every member of the
// RegisterTaskDefinition request that the TaskDefinition shape also has is
// copied into the stored definition, deeply and unchanged.
func TestCopyRequestCoversEveryMember(t *testing.T) {
	in := new(req)
	fill(reflect.ValueOf(in).Elem(), 0)
	td, err := copyRequest(in)
	if err != nil {
		t.Fatal(err)
	}
	rt := reflect.TypeFor[req]()
	tdv := reflect.ValueOf(td).Elem()
	var notInTD []string
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		out, ok := tdv.Type().FieldByName(f.Name)
		if !ok {
			notInTD = append(notInTD, f.Name)
			continue
		}
		if out.Type != f.Type || out.Tag.Get("json") != f.Tag.Get("json") {
			t.Errorf("member %s: request %s %q, TaskDefinition %s %q", f.Name, f.Type, f.Tag.Get("json"), out.Type, out.Tag.Get("json"))
			continue
		}
		src := reflect.ValueOf(in).Elem().Field(i)
		dst := tdv.FieldByIndex(out.Index)
		if src.IsZero() {
			t.Errorf("test setup: member %s was not filled", f.Name)
		}
		if !reflect.DeepEqual(src.Interface(), dst.Interface()) {
			t.Errorf("member %s not copied: got %#v, want %#v", f.Name, dst.Interface(), src.Interface())
		}
	}
	// Tags are the one request member a TaskDefinition does not carry (the
	// control plane keeps them beside it).
	if !slices.Equal(notInTD, []string{"Tags"}) {
		t.Errorf("request members missing from TaskDefinition = %v, want [Tags]", notInTD)
	}
	// Deep copy: changing the output must not change the input.
	td.ContainerDefinitions[0].Environment[0].Name = "changed"
	if in.ContainerDefinitions[0].Environment[0].Name == "changed" {
		t.Error("copyRequest shares memory with its input")
	}
}
