package ecs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// An era says which launch types ECS knew when it answered: the answers
// saved before ECS Anywhere (May 2021) lack EXTERNAL, those saved before
// Managed Instances (September 2025) lack MANAGED_INSTANCES.
type era int

const (
	eraNow era = iota
	eraBeforeManagedInstances
	eraBeforeExternal
)

// knownAt drops the launch types ECS did not know in era e.
func knownAt(c []ecsmodel.Compatibility, e era) []ecsmodel.Compatibility {
	return slices.DeleteFunc(slices.Clone(c), func(x ecsmodel.Compatibility) bool {
		return (e >= eraBeforeManagedInstances && x == ecsmodel.CompatibilityMANAGEDINSTANCES) ||
			(e >= eraBeforeExternal && x == ecsmodel.CompatibilityEXTERNAL)
	})
}

// Short names for the attributes in the table below.
const (
	rAwslogs   = "com.amazonaws.ecs.capability.logging-driver.awslogs"
	rFirelensD = "com.amazonaws.ecs.capability.logging-driver.awsfirelens"
	rExecLogs  = "ecs.capability.execution-role-awslogs"
	rECRAuth   = "com.amazonaws.ecs.capability.ecr-auth"
	rECRPull   = "ecs.capability.execution-role-ecr-pull"
	rTaskRole  = "com.amazonaws.ecs.capability.task-iam-role"
	rENI       = "ecs.capability.task-eni"
	rHealth    = "ecs.capability.container-health-check"
	rOrdering  = "ecs.capability.container-ordering"
	rSSMEnv    = "ecs.capability.secrets.ssm.environment-variables"
	rASMEnv    = "ecs.capability.secrets.asm.environment-variables"
	rEFS       = "ecs.capability.efs"
	rEFSAuth   = "ecs.capability.efsAuth"
	rEnvFiles  = "ecs.capability.env-files.s3"
	rEphemeral = "ecs.capability.extensible-ephemeral-storage"
	rAppMesh   = "ecs.capability.aws-appmesh"
	rPIDIPC    = "ecs.capability.pid-ipc-namespace-sharing"
	rPrivReg   = "ecs.capability.private-registry-authentication.secretsmanager"
	rPriv      = "com.amazonaws.ecs.capability.privileged-container"
	rSELinux   = "com.amazonaws.ecs.capability.selinux"
	rPlugin    = "ecs.capability.docker-plugin.local"
	rFluentbit = "ecs.capability.firelens.fluentbit"
	rFluentd   = "ecs.capability.firelens.fluentd"
	d117       = "com.amazonaws.ecs.capability.docker-remote-api.1.17"
	d118       = "com.amazonaws.ecs.capability.docker-remote-api.1.18"
	d119       = "com.amazonaws.ecs.capability.docker-remote-api.1.19"
	d121       = "com.amazonaws.ecs.capability.docker-remote-api.1.21"
	d122       = "com.amazonaws.ecs.capability.docker-remote-api.1.22"
	d124       = "com.amazonaws.ecs.capability.docker-remote-api.1.24"
	d125       = "com.amazonaws.ecs.capability.docker-remote-api.1.25"
	d128       = "com.amazonaws.ecs.capability.docker-remote-api.1.28"
	d129       = "com.amazonaws.ecs.capability.docker-remote-api.1.29"
)

// realPair is a task definition and what real ECS answered for it in
// DescribeTaskDefinition (or RegisterTaskDefinition): requiresAttributes as
// a set, compatibilities in ECS's order. The definitions keep the members
// the answer depends on; the comment names where the answer was published.
type realPair struct {
	name   string
	def    string
	attrs  []string
	compat []ecsmodel.Compatibility
	era    era
}

var realPairs = []realPair{
	{
		// AlexDiru/rust-backend-aws .aws/task-definition.json (conformance w14).
		name: "awsvpc, execution role pulling from ECR",
		def: `{"family":"my-task","networkMode":"awsvpc","requiresCompatibilities":["EC2"],"cpu":"1024","memory":"3072",
			"executionRoleArn":"arn:aws:iam::767397762342:role/ecsTaskExecutionRole",
			"runtimePlatform":{"cpuArchitecture":"X86_64","operatingSystemFamily":"LINUX"},
			"containerDefinitions":[{"name":"rust-backend","image":"767397762342.dkr.ecr.us-east-2.amazonaws.com/my-ecr-repo:dcee113",
				"cpu":0,"essential":true,"portMappings":[{"containerPort":8000,"hostPort":8000,"protocol":"tcp"}],
				"environment":[],"environmentFiles":[],"mountPoints":[],"volumesFrom":[],"ulimits":[],"systemControls":[]}]}`,
		attrs:  []string{rECRAuth, rECRPull, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// KirillKayumov/amazon-ecs-cli-sample-app task_definition.json (conformance w37):
		// the DNS, extra-host and link lists, even empty, require 1.17.
		name: "awslogs, task role, empty DNS and link lists",
		def: `{"family":"demo-test-api","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
			"executionRoleArn":"arn:aws:iam::740728954255:role/exec","taskRoleArn":"arn:aws:iam::740728954255:role/task",
			"containerDefinitions":[{"name":"api","image":"740728954255.dkr.ecr.ap-south-1.amazonaws.com/demo/api:latest","essential":true,
				"logConfiguration":{"logDriver":"awslogs","secretOptions":[],"options":{"awslogs-group":"/ecs/demo-test-api","awslogs-region":"ap-south-1","awslogs-stream-prefix":"ecs"}},
				"portMappings":[{"hostPort":80,"protocol":"tcp","containerPort":80}],"entryPoint":[],"command":[],"cpu":0,
				"dnsSearchDomains":[],"dnsServers":[],"extraHosts":[],"links":[],"dockerSecurityOptions":[],"ulimits":[],
				"secrets":[],"mountPoints":[],"volumesFrom":[],"dockerLabels":{},"systemControls":[]}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rECRAuth, d119, d117, rTaskRole, rECRPull, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// Abd1799/Flask_ecs task-definition.json (conformance w03).
		name: "awslogs with execution role",
		def: `{"family":"flask_app","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"512","memory":"1024",
			"executionRoleArn":"arn:aws:iam::506732760924:role/ecsTaskExecutionRole",
			"containerDefinitions":[{"name":"flask_app","image":"506732760924.dkr.ecr.us-east-1.amazonaws.com/flask_app:latest","essential":true,
				"entryPoint":[],"command":[],"cpu":0,
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/flask_app","awslogs-region":"us-east-1","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rECRAuth, d119, rECRPull, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// 00arpit00/codedeploy taskdef.json (conformance w06); the file's
		// image is a placeholder for an ECR image (ECS required ecr-auth).
		name: "awslogs-create-group",
		def: `{"family":"httpd","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"1024","memory":"3072",
			"executionRoleArn":"arn:aws:iam::870983066964:role/ecsTaskExecutionRole",
			"runtimePlatform":{"operatingSystemFamily":"LINUX","cpuArchitecture":"X86_64"},
			"containerDefinitions":[{"name":"httpd","image":"870983066964.dkr.ecr.us-east-1.amazonaws.com/httpd:latest","essential":true,"environmentFiles":[],
				"portMappings":[{"hostPort":80,"protocol":"tcp","containerPort":80}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/httpd","awslogs-region":"us-east-1","awslogs-create-group":"true","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rECRAuth, d119, rECRPull, d118, rENI, d129},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// 58pom/cloudtech-reservation-api taskdef.json (conformance w08);
		// the registered image was not in ECR (no ecr-auth in the answer).
		name: "non-blocking awslogs mode, image outside ECR",
		def: `{"family":"cloudtech-reservation-api-task","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"512","memory":"1024",
			"taskRoleArn":"arn:aws:iam::916942581933:role/ecsTaskExecutionRole","executionRoleArn":"arn:aws:iam::916942581933:role/ecsTaskExecutionRole",
			"runtimePlatform":{"cpuArchitecture":"X86_64","operatingSystemFamily":"LINUX"},
			"containerDefinitions":[{"name":"api-ecs","image":"koba/api-ecs:latest","cpu":512,"essential":true,"environmentFiles":[],"ulimits":[],"systemControls":[],
				"portMappings":[{"containerPort":80,"hostPort":80,"protocol":"tcp","appProtocol":"http","name":"api-ecs-80-tcp"}],
				"logConfiguration":{"logDriver":"awslogs","secretOptions":[],"options":{"awslogs-group":"/ecs/cloudtech-reservation-api-task","mode":"non-blocking",
					"awslogs-create-group":"true","max-buffer-size":"25m","awslogs-region":"ap-northeast-1","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, d119, d128, rTaskRole, d118, rENI, d129},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// Bolius/samlesiden .aws/task-definition.json (conformance w16).
		name: "memoryReservation",
		def: `{"family":"gha-def","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"1024",
			"executionRoleArn":"arn:aws:iam::361347920884:role/ecsTaskExecutionRole",
			"containerDefinitions":[{"name":"nginx","image":"361347920884.dkr.ecr.eu-central-1.amazonaws.com/my-ecr-repo:787fffa","cpu":256,"memory":1024,"memoryReservation":512,"essential":true,
				"portMappings":[{"hostPort":80,"protocol":"tcp","containerPort":80}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/gha-def","awslogs-region":"eu-central-1","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rECRAuth, d119, d121, rECRPull, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// ConnectForLife/cfl-distribution ecs/task-definition.json (conformance w18).
		name: "SSM secret by parameter name",
		def: `{"family":"cfl-openmrs","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"512","memory":"2048",
			"executionRoleArn":"arn:aws:iam::186176112600:role/ecsTaskExecutionRole",
			"containerDefinitions":[{"name":"cfl-openmrs","image":"186176112600.dkr.ecr.us-east-1.amazonaws.com/cfl/openmrs:latest","cpu":0,"essential":true,
				"secrets":[{"valueFrom":"cfl-db-password","name":"DB_PASSWORD"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/cfl-openmrs","awslogs-region":"us-east-1","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rECRAuth, d119, rECRPull, rSSMEnv, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// FIAP-SOAT2/ms-order task_definition.json (conformance w31).
		name: "no log configuration",
		def: `{"family":"service","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"1024","memory":"3072",
			"taskRoleArn":"arn:aws:iam::123456789012:role/ecs_task_role","executionRoleArn":"arn:aws:iam::123456789012:role/ecs_task_exec_role",
			"containerDefinitions":[{"name":"web","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/ms-order:latest","cpu":0,"essential":true,
				"portMappings":[{"containerPort":4003,"hostPort":4003,"protocol":"tcp"}],"mountPoints":[],"volumesFrom":[]}]}`,
		attrs:  []string{rECRAuth, rTaskRole, rECRPull, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// arnold-saigen/DSAC_ASR_Backend README.md: EFS with IAM
		// authorization disabled and no access point still requires efsAuth.
		name: "EFS, authorization disabled",
		def: `{"family":"asr","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"4096","memory":"8192",
			"executionRoleArn":"arn:aws:iam::123456789012:role/exec","taskRoleArn":"arn:aws:iam::123456789012:role/task",
			"containerDefinitions":[{"name":"asr","image":"123456789012.dkr.ecr.eu-west-1.amazonaws.com/asr:latest","cpu":0,"essential":true,
				"portMappings":[{"hostPort":8000,"protocol":"tcp","containerPort":8000}],
				"mountPoints":[{"containerPath":"/root/models","sourceVolume":"models"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/asr","awslogs-region":"eu-west-1","awslogs-stream-prefix":"ecs"}}}],
			"volumes":[{"name":"models","efsVolumeConfiguration":{"fileSystemId":"fs-12345678","authorizationConfig":{"iam":"DISABLED"},
				"transitEncryption":"DISABLED","rootDirectory":"/"}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rEFSAuth, rECRAuth, d119, rEFS, rTaskRole, d125, rECRPull, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A public describe-task-definition answer for family
		// custom-resolver-td-dev (registered 2024-04-11): EFS without
		// authorizationConfig, a health check without start period, empty
		// DNS and link lists.
		name: "EFS without authorization, health check",
		def: `{"family":"custom-resolver-td-dev","networkMode":"awsvpc","cpu":"256","memory":"512",
			"taskRoleArn":"arn:aws:iam::941128203839:role/custom-resolver-task-role-dev","executionRoleArn":"arn:aws:iam::941128203839:role/custom-resolver-task-role-dev",
			"containerDefinitions":[{"name":"custom-resolver-container-dev","image":"941128203839.dkr.ecr.eu-central-1.amazonaws.com/custom-resolver-repo-dev:latest",
				"cpu":0,"links":[],"essential":true,"entryPoint":[],"command":[],"environmentFiles":[],"secrets":[],
				"portMappings":[{"containerPort":3000,"hostPort":3000,"protocol":"tcp","appProtocol":"http","name":"custom-resolver-3000-tcp"}],
				"mountPoints":[{"sourceVolume":"efs","containerPath":"/custom-resolver"}],"volumesFrom":[],
				"dnsServers":[],"dnsSearchDomains":[],"extraHosts":[],"dockerSecurityOptions":[],"dockerLabels":{},"ulimits":[],"systemControls":[],"credentialSpecs":[],
				"logConfiguration":{"logDriver":"awslogs","secretOptions":[],"options":{"awslogs-group":"/ecs/custom-resolver","awslogs-region":"eu-central-1","awslogs-stream-prefix":"ecs"}},
				"healthCheck":{"command":["CMD-SHELL","curl -f http://localhost:3000/api/v1/health || exit 1"],"interval":30,"timeout":5,"retries":3}}],
			"volumes":[{"name":"efs","efsVolumeConfiguration":{"fileSystemId":"fs-086241f1f8077a83d","rootDirectory":"/"}}]}`,
		attrs: []string{rExecLogs, rECRAuth, d117, rTaskRole, rHealth, rECRPull, d118, rENI, rAwslogs, d124,
			rEFSAuth, d119, rEFS, d125},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A public describe-task-definition answer for family
		// Bwapp-taskdef (registered 2025-11-15): a non-root user, an EFS
		// access point, and MANAGED_INSTANCES listed for an awsvpc
		// definition that asks only for FARGATE.
		name: "user, EFS access point, managed instances",
		def: `{"family":"Bwapp-taskdef","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"1024","memory":"3072",
			"executionRoleArn":"arn:aws:iam::329984431650:role/ecsTaskExecutionRole","enableFaultInjection":false,
			"runtimePlatform":{"cpuArchitecture":"X86_64","operatingSystemFamily":"LINUX"},
			"containerDefinitions":[
				{"name":"Bwapp-container","image":"329984431650.dkr.ecr.ap-northeast-2.amazonaws.com/bwapp-image-repo:latest","cpu":0,"essential":true,
				"portMappings":[{"containerPort":8080,"hostPort":8080,"protocol":"tcp","appProtocol":"http","name":"bwapp-container-8080-tcp"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/Bwapp-taskdef","awslogs-create-group":"true","awslogs-region":"ap-northeast-2","awslogs-stream-prefix":"ecs"}}},
				{"name":"mysql-db","image":"mysql:5.7","cpu":0,"essential":true,"memory":1024,"user":"999",
				"mountPoints":[{"containerPath":"/var/lib/mysql","readOnly":false,"sourceVolume":"mysql-data"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/Bwapp-taskdef","awslogs-create-group":"true","awslogs-region":"ap-northeast-2","awslogs-stream-prefix":"ecs"}}}],
			"volumes":[{"name":"mysql-data","efsVolumeConfiguration":{"fileSystemId":"fs-0845cf66c4a9a262f","rootDirectory":"/","transitEncryption":"ENABLED",
				"authorizationConfig":{"accessPointId":"fsap-0b75ae6a7f316840c","iam":"DISABLED"}}}]}`,
		attrs:  []string{rExecLogs, rECRAuth, d117, rECRPull, d118, rENI, d129, rAwslogs, rEFSAuth, d119, rEFS, d125},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE", "MANAGED_INSTANCES"},
	},
	{
		// A public describe-task-definition answer for family
		// wordpress-convenio (registered 2025-04-28): Secrets Manager
		// secrets, EFS access point, an image outside ECR.
		name: "Secrets Manager secrets, EFS",
		def: `{"family":"wordpress-convenio","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"1024","memory":"3072",
			"executionRoleArn":"arn:aws:iam::414131675413:role/ecsTaskExecutionRole",
			"runtimePlatform":{"cpuArchitecture":"X86_64","operatingSystemFamily":"LINUX"},
			"containerDefinitions":[{"name":"wordpress","image":"wordpress:latest","cpu":0,"essential":true,
				"portMappings":[{"name":"wordpress-80-tcp","containerPort":80,"hostPort":80,"protocol":"tcp","appProtocol":"http"}],
				"mountPoints":[{"sourceVolume":"wp","containerPath":"/var/www/html","readOnly":false}],
				"secrets":[{"name":"WORDPRESS_DB_PASSWORD","valueFrom":"arn:aws:secretsmanager:eu-central-1:414131675413:secret:SecretWordpress-MRSCvF:password::"}],
				"logConfiguration":{"logDriver":"awslogs","secretOptions":[],"options":{"awslogs-group":"/ecs/wordpress-convenio","mode":"non-blocking",
					"awslogs-create-group":"true","max-buffer-size":"25m","awslogs-region":"eu-central-1","awslogs-stream-prefix":"ecs"}}}],
			"volumes":[{"name":"wp","efsVolumeConfiguration":{"fileSystemId":"fs-0b146aa6600282f06","rootDirectory":"/","transitEncryption":"ENABLED",
				"transitEncryptionPort":2049,"authorizationConfig":{"accessPointId":"fsap-0bc49861ed8b2aaa1","iam":"DISABLED"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rEFSAuth, d119, rASMEnv, rEFS, d128, d125, d118, rENI, d129},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A public describe-task-definition answer for family catsdef (an
		// ECS workshop, 2020): a FireLens router and a container logging to
		// it, bridge network mode. The awsfirelens driver with options
		// requires 1.19 but not 1.18; the router's user 0 requires nothing.
		name: "FireLens fluentbit, bridge",
		def: `{"family":"catsdef","requiresCompatibilities":["EC2"],
			"containerDefinitions":[
				{"name":"log_router","image":"906394416424.dkr.ecr.ap-northeast-2.amazonaws.com/aws-for-fluent-bit:latest","cpu":0,"memoryReservation":50,
				"essential":true,"user":"0","firelensConfiguration":{"type":"fluentbit"}},
				{"name":"cats","image":"038445823716.dkr.ecr.ap-northeast-2.amazonaws.com/cats:latest","cpu":0,"memory":128,"essential":true,
				"portMappings":[{"hostPort":0,"protocol":"tcp","containerPort":80}],
				"logConfiguration":{"logDriver":"awsfirelens","options":{"log_group_name":"ecs-demogo-log","auto_create_group":"true",
					"log_stream_prefix":"from-fluent-bit","region":"ap-northeast-2","Name":"cloudwatch"}}}]}`,
		attrs:  []string{rECRAuth, rFluentbit, d119, d121, rFirelensD},
		compat: []ecsmodel.Compatibility{"EC2"},
		era:    eraBeforeExternal,
	},
	{
		// A public describe-task-definition answer for family
		// dev-borrower-api: FireLens fluentd on awsvpc; stopTimeout requires
		// container ordering.
		name: "FireLens fluentd, stopTimeout",
		def: `{"family":"dev-borrower-api","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
			"executionRoleArn":"arn:aws:iam::575573610790:role/exec","taskRoleArn":"arn:aws:iam::575573610790:role/task",
			"containerDefinitions":[
				{"name":"dev-borrower-api","image":"575573610790.dkr.ecr.us-east-2.amazonaws.com/borrower-api:24511ee","cpu":0,"essential":true,"stopTimeout":30,
				"command":[],"portMappings":[{"hostPort":5000,"protocol":"tcp","containerPort":5000}],
				"logConfiguration":{"logDriver":"awsfirelens","options":{"appname":"borrower-api","is_json":"true","@type":"coralogix","subsystemname":"marketing"}}},
				{"name":"log_router","image":"docker.io/coralogixrepo/fluentd-coralogix-ecs:latest","cpu":0,"essential":true,"user":"0",
				"firelensConfiguration":{"type":"fluentd"}}]}`,
		attrs:  []string{rECRAuth, d119, rFirelensD, rTaskRole, rOrdering, rFluentd, rECRPull, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A public describe-task-definition answer for family gha (a blog
		// post on self-hosted GitHub runners on ECS): privileged, private
		// registry credentials, SSM secret, awslogs in bridge mode (1.19
		// without 1.18).
		name: "privileged, private registry, bridge",
		def: `{"family":"gha","requiresCompatibilities":["EC2"],
			"executionRoleArn":"arn:aws:iam::123456789012:role/gha-taskexecutionrole","taskRoleArn":"arn:aws:iam::123456789012:role/gha-taskrole",
			"containerDefinitions":[{"name":"runner-1","image":"myoung34/github-runner:latest","cpu":0,"memoryReservation":500,"essential":true,
				"privileged":true,"readonlyRootFilesystem":false,
				"repositoryCredentials":{"credentialsParameter":"msyea/docker-hub"},
				"secrets":[{"valueFrom":"/msyea/gha-pat","name":"ACCESS_TOKEN"}],
				"mountPoints":[{"containerPath":"/var/run/docker.sock","sourceVolume":"docker"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/gha","awslogs-region":"eu-west-2","awslogs-stream-prefix":"ecs"}}}],
			"volumes":[{"name":"docker","host":{"sourcePath":"/var/run/docker.sock"}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, d119, rPriv, rPrivReg, d121, rTaskRole, rSSMEnv},
		compat: []ecsmodel.Compatibility{"EC2"},
		era:    eraBeforeExternal,
	},
	{
		// nrwl/nx docs "Deploying Nx Private Cloud to AWS": a shared
		// local Docker volume; awslogs without execution role.
		name: "Docker volume",
		def: `{"family":"deploy-nx-cloud","requiresCompatibilities":["EC2"],
			"containerDefinitions":[{"name":"PrivateCloud","image":"nxprivatecloud/nxcloud:latest","cpu":0,"memory":2000,"essential":true,
				"portMappings":[{"hostPort":8081,"protocol":"tcp","containerPort":8081}],
				"mountPoints":[{"containerPath":"/data","sourceVolume":"data"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/DeployCloud","awslogs-region":"us-east-1","awslogs-stream-prefix":"ecs"}}}],
			"volumes":[{"name":"data","dockerVolumeConfiguration":{"autoprovision":true,"scope":"shared","driver":"local"}}]}`,
		attrs:  []string{rAwslogs, d119, rPlugin, d125},
		compat: []ecsmodel.Compatibility{"EC2"},
		era:    eraBeforeExternal,
	},
	{
		// A public describe-task-definition answer for family
		// roshan-task-definition-test-0 (fractal): an SELinux label option
		// and tmpfs mounts.
		name: "SELinux label, tmpfs",
		def: `{"family":"roshan-task-definition-test-0","requiresCompatibilities":["EC2"],
			"executionRoleArn":"arn:aws:iam::747391415460:role/ecsTaskExecutionRole","taskRoleArn":"arn:aws:iam::747391415460:role/ecsTaskExecutionRole",
			"containerDefinitions":[{"name":"roshan-test-container-0","image":"747391415460.dkr.ecr.us-east-1.amazonaws.com/roshan-test:latest","cpu":0,"memory":2048,"essential":true,
				"portMappings":[{"hostPort":32262,"protocol":"tcp","containerPort":32262}],
				"linuxParameters":{"capabilities":{"add":["SYS_CHROOT"],"drop":["ALL"]},
					"tmpfs":[{"containerPath":"/run","size":50},{"containerPath":"/run/lock","size":50}]},
				"mountPoints":[{"readOnly":true,"containerPath":"/sys/fs/cgroup","sourceVolume":"cgroup"}],
				"dockerSecurityOptions":["label:seccomp:unconfined"]}],
			"volumes":[{"name":"cgroup","host":{"sourcePath":"/sys/fs/cgroup"}}]}`,
		attrs:  []string{rECRAuth, rSELinux, rTaskRole, d122, rECRPull},
		compat: []ecsmodel.Compatibility{"EC2"},
		era:    eraBeforeExternal,
	},
	{
		// A get_task_dfn_val.py test fixture (task family ecsorbtest1): App
		// Mesh proxy, pid and ipc modes, dependsOn, a health check with a
		// start period (1.29, not 1.24), a non-root user; awsvpc without
		// task size. (The fixture's health check command is ["echo test"];
		// the CMD-SHELL prefix added here changes no attribute.)
		name: "App Mesh, pid and ipc modes",
		def: `{"family":"ecsorbtest1","networkMode":"awsvpc","pidMode":"task","ipcMode":"host",
			"containerDefinitions":[
				{"name":"sleep","image":"busybox","cpu":10,"memory":10,"essential":true,"command":["sleep","360"],
				"dependsOn":[{"containerName":"envoy","condition":"HEALTHY"}]},
				{"name":"envoy","image":"111345817488.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.1.0-prod","cpu":10,"memory":10,"essential":true,
				"user":"1337","healthCheck":{"command":["CMD-SHELL","echo test"],"interval":5,"timeout":2,"retries":3,"startPeriod":10}}],
			"proxyConfiguration":{"type":"APPMESH","containerName":"envoy","properties":[{"name":"ProxyIngressPort","value":"15000"},
				{"name":"AppPorts","value":"8080"},{"name":"IgnoredUID","value":"1337"},{"name":"ProxyEgressPort","value":"15001"}]}}`,
		attrs:  []string{rECRAuth, rPIDIPC, d117, rAppMesh, rOrdering, rHealth, d118, rENI, d129},
		compat: []ecsmodel.Compatibility{"EC2"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A deploy2ecscli test fixture (a RegisterTaskDefinition response of
		// 2019-10-30, family rails_on_docker): health checks with start
		// periods, dependsOn, SSM secrets by name.
		name: "health checks with start period, dependsOn",
		def: `{"family":"rails_on_docker","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"512","memory":"1024",
			"taskRoleArn":"arn:aws:iam::123456789012:role/ecsTaskExecutionRole","executionRoleArn":"arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
			"containerDefinitions":[
				{"name":"nginx","image":"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/rails/nginx:1","cpu":0,"essential":true,
				"portMappings":[{"containerPort":80,"hostPort":80,"protocol":"tcp"}],
				"volumesFrom":[{"sourceContainer":"app","readOnly":true}],"dependsOn":[{"containerName":"app","condition":"HEALTHY"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/task","awslogs-region":"ap-northeast-1","awslogs-stream-prefix":"ecs"}},
				"healthCheck":{"command":["CMD-SHELL","wget -q -O /dev/null http://localhost/healthcheck || exit 1"],"interval":5,"timeout":5,"retries":5,"startPeriod":10}},
				{"name":"app","image":"123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/rails/app:1","cpu":0,"memoryReservation":500,"essential":true,
				"secrets":[{"name":"SECRET_KEY_BASE","valueFrom":"rails_on_docker.app.secret_key_base"}],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/task","awslogs-region":"ap-northeast-1","awslogs-stream-prefix":"ecs"}},
				"healthCheck":{"command":["CMD-SHELL","ls /var/run/app/puma.sock || exit 1"],"interval":5,"timeout":5,"retries":5,"startPeriod":10}}]}`,
		attrs:  []string{rExecLogs, rECRAuth, d121, rTaskRole, rHealth, rECRPull, rSSMEnv, d118, rENI, d129, rAwslogs, d119, rOrdering},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A public describe-task-definition answer for family Deploy-Duck
		// (registered 2025-01-21): an S3 environment file and ephemeral
		// storage.
		name: "environment file, ephemeral storage",
		def: `{"family":"Deploy-Duck","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"1024","memory":"2048",
			"executionRoleArn":"arn:aws:iam::844825014198:role/ecsTaskExecutionRole","ephemeralStorage":{"sizeInGiB":21},"enableFaultInjection":false,
			"runtimePlatform":{"cpuArchitecture":"X86_64","operatingSystemFamily":"LINUX"},
			"containerDefinitions":[{"name":"Rubber_Duck","image":"844825014198.dkr.ecr.us-west-2.amazonaws.com/beanlab/rubber-duck:latest","cpu":0,"memory":2048,"essential":true,
				"environmentFiles":[{"value":"arn:aws:s3:::rubber-duck-config/secrets.env","type":"s3"}],"ulimits":[],"systemControls":[],
				"logConfiguration":{"logDriver":"awslogs","secretOptions":[],"options":{"awslogs-group":"/ecs/Deploy-Duck","mode":"non-blocking",
					"awslogs-create-group":"true","max-buffer-size":"25m","awslogs-region":"us-west-2","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rECRAuth, d119, d128, rEnvFiles, rECRPull, rEphemeral, d118, rENI, d129},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A public describe-task-definition answer for family renter-web
		// (registered 2026): an EC2 awsvpc definition too large for a
		// Fargate size is compatible with EC2 and MANAGED_INSTANCES.
		name: "environment file, EC2 and managed instances",
		def: `{"family":"renter-web","networkMode":"awsvpc","requiresCompatibilities":["EC2"],"cpu":"512","memory":"717",
			"taskRoleArn":"arn:aws:iam::264595824735:role/S3Role","executionRoleArn":"arn:aws:iam::264595824735:role/ecsTaskExecutionRole",
			"enableFaultInjection":false,"runtimePlatform":{"cpuArchitecture":"X86_64","operatingSystemFamily":"LINUX"},
			"containerDefinitions":[{"name":"server","image":"264595824735.dkr.ecr.ap-south-1.amazonaws.com/renter:738ef28","cpu":0,"essential":true,
				"portMappings":[{"containerPort":8000,"hostPort":8000,"protocol":"tcp","name":"server-8000-tcp","appProtocol":"http"}],
				"command":["gunicorn","config.wsgi:application","--bind","0.0.0.0:8000"],
				"environmentFiles":[{"value":"arn:aws:s3:::renter-bucket-env/renter.env","type":"s3"}],"systemControls":[],
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/renter-web","awslogs-create-group":"true","awslogs-region":"ap-south-1","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, rExecLogs, rECRAuth, d119, rEnvFiles, rTaskRole, rECRPull, d118, rENI, d129},
		compat: []ecsmodel.Compatibility{"EC2", "MANAGED_INSTANCES"},
	},
	{
		// MangeshOrganization/master-protect-service README.md: a health
		// check without start period, an SSM secret by ARN.
		name: "health check, SSM secret by ARN",
		def: `{"family":"master-protect-service","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512",
			"executionRoleArn":"arn:aws:iam::123456789012:role/ecsTaskExecutionRole","taskRoleArn":"arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
			"containerDefinitions":[{"name":"master-protect-container","image":"123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/my-ecr-repo/master-protect-service:latest",
				"cpu":256,"memory":512,"essential":true,"portMappings":[{"hostPort":8080,"protocol":"tcp","containerPort":8080}],
				"secrets":[{"valueFrom":"arn:aws:ssm:ap-southeast-2:123456789012:parameter/GIT_TOKEN","name":"GIT_TOKEN"}],
				"healthCheck":{"retries":10,"command":["CMD-SHELL","curl -f http://localhost:8080/actuator/health || exit 1"],"timeout":5,"interval":60},
				"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/master-protect-service","awslogs-region":"ap-southeast-2","awslogs-stream-prefix":"ecs"}}}]}`,
		attrs:  []string{rAwslogs, d124, rExecLogs, rECRAuth, d119, rTaskRole, rHealth, rECRPull, rSSMEnv, d118, rENI},
		compat: []ecsmodel.Compatibility{"EC2", "FARGATE"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A public describe-task-definition answer for family be (a Udacity
		// project, 2021): bridge with task-level sizes requires nothing and
		// is EXTERNAL-compatible, listed before EC2.
		name: "bridge with task size",
		def: `{"family":"be","requiresCompatibilities":["EC2"],"cpu":"1024","memory":"1024",
			"containerDefinitions":[{"name":"be","image":"huannv93/udacity-awsdevops-project03-1_backend","cpu":0,"memory":800,"essential":true,
				"entryPoint":[],"command":[],"portMappings":[{"hostPort":3030,"protocol":"tcp","containerPort":3030}]}]}`,
		attrs:  []string{},
		compat: []ecsmodel.Compatibility{"EXTERNAL", "EC2"},
		era:    eraBeforeManagedInstances,
	},
	{
		// A RegisterTaskDefinition answer of 2018 (family sleepybox, an ECS
		// walkthrough): a plain bridge definition requires nothing.
		name: "plain bridge",
		def: `{"family":"sleepybox","containerDefinitions":[{"name":"sleep","image":"busybox","cpu":10,"memory":10,"essential":true,
			"command":["sleep","30"]}]}`,
		attrs:  []string{},
		compat: []ecsmodel.Compatibility{"EC2"},
		era:    eraBeforeExternal,
	},
}

func attrNames(as []ecsmodel.Attribute) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		if a.Value != "" {
			out = append(out, a.Name+"="+a.Value)
		} else {
			out = append(out, a.Name)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestRequiresAttributes_RealPairs checks the derivation against what real
// ECS answered for real task definitions.
func TestRequiresAttributes_RealPairs(t *testing.T) {
	for _, p := range realPairs {
		t.Run(p.name, func(t *testing.T) {
			in, err := DecodeTaskDefinitionFile([]byte(p.def))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			td, err := NewTaskDefinition(in)
			if err != nil {
				t.Fatalf("register: %v", err)
			}
			got, want := attrNames(td.RequiresAttributes), sortedCopy(p.attrs)
			if !slices.Equal(got, want) {
				t.Errorf("requiresAttributes:\n got  %v\n want %v", got, want)
			}
			if got := knownAt(td.Compatibilities, p.era); !slices.Equal(got, p.compat) {
				t.Errorf("compatibilities = %v (all: %v), ECS answered %v", got, td.Compatibilities, p.compat)
			}
		})
	}
}

// conformanceAnswers are ECS's answers for the shared conformance files
// saved from describe-task-definition output (see their manifest), read from
// the original files in their repositories.
var conformanceAnswers = map[string]struct {
	attrs []string
	note  string
}{
	"w03": {attrs: []string{rAwslogs, rExecLogs, rECRAuth, d119, rECRPull, d118, rENI}},
	"w06": {attrs: []string{rAwslogs, rExecLogs, rECRAuth, d119, rECRPull, d118, rENI, d129}},
	// The placeholder image became an ECR image, which adds ecr-auth and
	// execution-role-ecr-pull to ECS's answer for the Docker Hub original.
	"w08": {attrs: []string{rAwslogs, rExecLogs, d119, d128, rTaskRole, d118, rENI, d129, rECRAuth, rECRPull}},
	"w14": {attrs: []string{rECRAuth, rECRPull, d118, rENI}},
	"w16": {attrs: []string{rAwslogs, rExecLogs, rECRAuth, d119, d121, rECRPull, d118, rENI}},
	"w18": {attrs: []string{rAwslogs, rExecLogs, rECRAuth, d119, rECRPull, rSSMEnv, d118, rENI}},
	"w31": {attrs: []string{rECRAuth, rTaskRole, rECRPull, d118, rENI}},
	"w37": {attrs: []string{rAwslogs, rExecLogs, rECRAuth, d119, d117, rTaskRole, rECRPull, d118, rENI}},
}

// TestRequiresAttributes_ConformanceFiles checks the shared conformance
// files whose ECS answer is known, when they are present.
func TestRequiresAttributes_ConformanceFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "taskdefs")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no conformance files: %v", err)
	}
	for id, ans := range conformanceAnswers {
		t.Run(id, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, id+".json"))
			if err != nil {
				t.Fatal(err)
			}
			in, err := DecodeTaskDefinitionFile(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			td, err := NewTaskDefinition(in)
			if err != nil {
				t.Fatalf("register: %v", err)
			}
			if got, want := attrNames(td.RequiresAttributes), sortedCopy(ans.attrs); !slices.Equal(got, want) {
				t.Errorf("requiresAttributes:\n got  %v\n want %v", got, want)
			}
			// All are awsvpc definitions that fit Fargate.
			want := []ecsmodel.Compatibility{"EC2", "FARGATE", "MANAGED_INSTANCES"}
			if !slices.Equal(td.Compatibilities, want) {
				t.Errorf("compatibilities = %v, want %v", td.Compatibilities, want)
			}
		})
	}
}

// TestRequiresAttributes_Rules covers rules the real pairs leave open.
func TestRequiresAttributes_Rules(t *testing.T) {
	base := func(mut func(c *ecsmodel.ContainerDefinition, td *ecsmodel.TaskDefinition)) []string {
		td := &ecsmodel.TaskDefinition{ContainerDefinitions: []ecsmodel.ContainerDefinition{{Name: "a", Image: "busybox"}}}
		mut(&td.ContainerDefinitions[0], td)
		return attrNames(requiresAttributes(td))
	}
	tests := []struct {
		name string
		mut  func(c *ecsmodel.ContainerDefinition, td *ecsmodel.TaskDefinition)
		want []string
	}{
		{"nothing", func(*ecsmodel.ContainerDefinition, *ecsmodel.TaskDefinition) {}, nil},
		{"read-only root", func(c *ecsmodel.ContainerDefinition, _ *ecsmodel.TaskDefinition) {
			c.ReadonlyRootFilesystem = bptr(true)
		}, []string{d117}},
		{"root user", func(c *ecsmodel.ContainerDefinition, _ *ecsmodel.TaskDefinition) { c.User = "0" }, nil},
		{"labels", func(c *ecsmodel.ContainerDefinition, _ *ecsmodel.TaskDefinition) {
			c.DockerLabels = map[string]string{"a": "b"}
		}, []string{d118}},
		{"log driver without options", func(c *ecsmodel.ContainerDefinition, _ *ecsmodel.TaskDefinition) {
			c.LogConfiguration = &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriverJsonFile}
		}, []string{"com.amazonaws.ecs.capability.logging-driver.json-file", d118}},
		{"init process", func(c *ecsmodel.ContainerDefinition, _ *ecsmodel.TaskDefinition) {
			c.LinuxParameters = &ecsmodel.LinuxParameters{InitProcessEnabled: bptr(true)}
		}, []string{d125}},
		{"log secret", func(c *ecsmodel.ContainerDefinition, _ *ecsmodel.TaskDefinition) {
			c.LogConfiguration = &ecsmodel.LogConfiguration{LogDriver: ecsmodel.LogDriverSplunk, Options: map[string]string{"splunk-url": "https://s"},
				SecretOptions: []ecsmodel.Secret{{Name: "splunk-token", ValueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:t"}}}
		}, []string{"com.amazonaws.ecs.capability.logging-driver.splunk", d119, "ecs.capability.secrets.asm.bootstrap.log-driver"}},
		{"host network task role", func(_ *ecsmodel.ContainerDefinition, td *ecsmodel.TaskDefinition) {
			td.NetworkMode = ecsmodel.NetworkModeHost
			td.TaskRoleArn = "arn:aws:iam::123456789012:role/r"
		}, []string{rTaskRole, "com.amazonaws.ecs.capability.task-iam-role-network-host"}},
		{"arm64", func(_ *ecsmodel.ContainerDefinition, td *ecsmodel.TaskDefinition) {
			td.RuntimePlatform = &ecsmodel.RuntimePlatform{CpuArchitecture: ecsmodel.CPUArchitectureARM64, OperatingSystemFamily: ecsmodel.OSFamilyLINUX}
		}, []string{"ecs.cpu-architecture=arm64"}},
	}
	for _, tt := range tests {
		got := base(tt.mut)
		want := sortedCopy(tt.want)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: requiresAttributes = %v, want %v", tt.name, got, want)
		}
	}
	if !strings.HasPrefix(attrPrivateRegistryAuth, "ecs.capability.") {
		t.Errorf("private registry attribute %q is not named as ECS names it", attrPrivateRegistryAuth)
	}
}
