package ecs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/depgraph"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// Limits ECS applies to a task definition.
const (
	// MaxContainersPerTaskDefinition is the ECS quota of containers in one
	// task definition.
	MaxContainersPerTaskDefinition = 10
	// MaxPlacementConstraints is the most placement constraints a task may
	// have (task definition and RunTask together).
	MaxPlacementConstraints = 10
	// MaxTags is the most tags a resource may carry.
	MaxTags = 50
)

// Health check defaults and ranges, in seconds (retries: a count).
const (
	DefaultHealthCheckInterval = 30
	DefaultHealthCheckTimeout  = 5
	DefaultHealthCheckRetries  = 3
)

// Bounds of a container restart policy: restartAttemptPeriod in seconds,
// and how many ignoredExitCodes it may list.
const (
	MinRestartAttemptPeriod = 60
	MaxRestartAttemptPeriod = 1800
	MaxIgnoredExitCodes     = 50
)

// Fargate's bounds for container startTimeout and stopTimeout, in seconds.
const (
	MinFargateTimeout = 2
	MaxFargateTimeout = 120
)

// EffectiveNetworkMode returns the network mode a task of td runs with:
// the one registered, or bridge when none was given (ECS stores and
// describes the definition without a networkMode in that case).
func EffectiveNetworkMode(td *ecsmodel.TaskDefinition) ecsmodel.NetworkMode {
	if td == nil || td.NetworkMode == "" {
		return ecsmodel.NetworkModeBridge
	}
	return td.NetworkMode
}

// IsEssential reports whether c is an essential container: essential is true
// when omitted.
func IsEssential(c *ecsmodel.ContainerDefinition) bool {
	return c.Essential == nil || *c.Essential
}

// ValidateContainerName checks a container name: 1 to 255 letters, digits,
// hyphens and underscores.
func ValidateContainerName(name string) error {
	if name == "" {
		return Errorf(ErrClient, "Container.name should not be null or empty.")
	}
	if !validName(name) {
		// ECS's words (github.com/ansible/ansible/issues/22860).
		return Errorf(ErrClient, "Container.name contains invalid characters. (%q: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.)", clipName(name))
	}
	return nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// clipName is where long names used to be cut; AWS quotes the whole
// offending value, so it returns s unchanged.
func clipName(s string) string { return s }

// NewTaskDefinition checks a RegisterTaskDefinition request against the rules
// ECS applies on registration, beyond the model's own constraints (which it
// checks too), and builds the task definition ECS would store: every member
// of the request the TaskDefinition shape has, with task cpu and memory
// normalised to units ("1 vCPU" -> "1024", "2GB" -> "2048"), ECS's defaults
// filled in (essential true, port mapping protocol tcp and host ports, health
// check interval/timeout/retries, empty lists ECS always returns),
// compatibilities and requiresAttributes derived from the definition.
//
// It leaves taskDefinitionArn, revision, status, registeredAt and
// registeredBy for the control plane to set. Tags are not part of a
// TaskDefinition; they are validated here and kept by the caller.
//
// Errors are *Error values, mostly of kind ErrClient, whose messages name
// what to fix.
func NewTaskDefinition(in *ecsmodel.RegisterTaskDefinitionRequest) (*ecsmodel.TaskDefinition, error) {
	if in == nil {
		return nil, Errorf(ErrClient, "Family should not be null or empty.")
	}
	if err := ValidateFamily(in.Family); err != nil {
		return nil, err
	}
	var v wire.Violations
	in.Validate("", &v)
	if v.Len() > 0 {
		return nil, Errorf(ErrClient, "%s", v.Error())
	}
	td, err := copyRequest(in)
	if err != nil {
		return nil, err
	}
	r := &registration{td: td, tags: in.Tags}
	if err := r.check(); err != nil {
		return nil, err
	}
	r.applyDefaults()
	td.Compatibilities = r.compatibilities()
	td.RequiresAttributes = requiresAttributes(td)
	return td, nil
}

// copyRequest copies every member of the request that the TaskDefinition
// shape has (same JSON names), deeply, so the request is never modified.
func copyRequest(in *ecsmodel.RegisterTaskDefinitionRequest) (*ecsmodel.TaskDefinition, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, Errorf(ErrClient, "The task definition cannot be encoded: %v", err)
	}
	td := new(ecsmodel.TaskDefinition)
	if err := json.Unmarshal(b, td); err != nil {
		return nil, Errorf(ErrServer, "copying the task definition: %v", err)
	}
	return td, nil
}

// registration holds the state of one RegisterTaskDefinition check.
type registration struct {
	td   *ecsmodel.TaskDefinition
	tags []ecsmodel.Tag

	mode      ecsmodel.NetworkMode
	taskCPU   int // 0: not set
	taskMem   int // 0: not set
	byName    map[string]*ecsmodel.ContainerDefinition
	volumeSet map[string]bool
}

func (r *registration) check() error {
	td := r.td
	r.mode = EffectiveNetworkMode(td)
	if td.Cpu != "" {
		n, err := ParseCPU(td.Cpu)
		if err != nil {
			return err
		}
		if n < MinTaskCPU || n > MaxTaskCPU {
			return Errorf(ErrClient, "Invalid 'cpu' setting for task: %s CPU units. Task-level CPU must be between %d and %d CPU units (0.125 to 192 vCPU).", td.Cpu, MinTaskCPU, MaxTaskCPU)
		}
		r.taskCPU = n
	}
	if td.Memory != "" {
		n, err := ParseMemory(td.Memory)
		if err != nil {
			return err
		}
		if n < MinContainerMemory {
			return Errorf(ErrClient, "Invalid 'memory' setting for task: %s. Task-level memory must be at least %d MiB.", td.Memory, MinContainerMemory)
		}
		r.taskMem = n
	}
	if len(td.ContainerDefinitions) == 0 {
		return Errorf(ErrClient, "Container list cannot be empty.")
	}
	if len(td.ContainerDefinitions) > MaxContainersPerTaskDefinition {
		// ECS's words (github.com/aws/amazon-ecs-cli/issues/184).
		return Errorf(ErrClient, "Too many containers. A task definition can have at most %d container definitions; this one has %d.", MaxContainersPerTaskDefinition, len(td.ContainerDefinitions))
	}
	if err := r.checkVolumes(); err != nil {
		return err
	}
	r.byName = make(map[string]*ecsmodel.ContainerDefinition, len(td.ContainerDefinitions))
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if err := ValidateContainerName(c.Name); err != nil {
			return err
		}
		if r.byName[c.Name] != nil {
			return Errorf(ErrClient, "Duplicate container name '%s'. Container names must be unique within a task definition.", c.Name)
		}
		r.byName[c.Name] = c
	}
	for i := range td.ContainerDefinitions {
		if err := r.checkContainer(&td.ContainerDefinitions[i]); err != nil {
			return err
		}
	}
	for _, check := range []func() error{
		r.checkEssential, r.checkDependencies, r.checkHostPorts, r.checkTotals, r.checkFirelens,
		r.checkPlacementConstraints, r.checkTags, r.checkProxy, r.checkTaskOptions,
		r.checkRequiredCompatibilities, r.checkExecutionRole,
	} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// checkExecutionRole refuses, as ECS does, secrets and private registry
// credentials in a definition without the execution role that fetches them.
func (r *registration) checkExecutionRole() error {
	if r.td.ExecutionRoleArn != "" {
		return nil
	}
	for _, c := range r.td.ContainerDefinitions {
		if len(c.Secrets) > 0 || c.LogConfiguration != nil && len(c.LogConfiguration.SecretOptions) > 0 {
			return Errorf(ErrClient, "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.")
		}
		if c.RepositoryCredentials != nil && c.RepositoryCredentials.CredentialsParameter != "" {
			// ECS's words (github.com/sil-org/ecs-deploy/issues/188).
			return Errorf(ErrClient, "Private repository authentication requires that the task definition specify a value for executionRoleArn.")
		}
	}
	return nil
}

func (r *registration) checkVolumes() error {
	r.volumeSet = make(map[string]bool, len(r.td.Volumes))
	atLaunch := ""
	for _, vol := range r.td.Volumes {
		if vol.Name == "" {
			return Errorf(ErrClient, "Volume.name should not be null or empty.")
		}
		if !validName(vol.Name) {
			return Errorf(ErrClient, "Invalid volume name %q. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.", clipName(vol.Name))
		}
		if r.volumeSet[vol.Name] {
			return Errorf(ErrClient, "Duplicate volume name '%s'. Volume names must be unique within a task definition.", vol.Name)
		}
		r.volumeSet[vol.Name] = true
		n := 0
		if vol.Host != nil {
			n++
		}
		if vol.DockerVolumeConfiguration != nil {
			n++
		}
		if vol.EfsVolumeConfiguration != nil {
			n++
		}
		if vol.FsxWindowsFileServerVolumeConfiguration != nil {
			n++
		}
		if vol.S3filesVolumeConfiguration != nil {
			n++
		}
		if n > 1 {
			return Errorf(ErrClient, "Invalid volume '%s'. Specify only one of host, dockerVolumeConfiguration, efsVolumeConfiguration, fsxWindowsFileServerVolumeConfiguration and s3filesVolumeConfiguration.", vol.Name)
		}
		if vol.ConfiguredAtLaunch != nil && *vol.ConfiguredAtLaunch {
			if n > 0 {
				return Errorf(ErrClient, "Invalid volume '%s'. A volume configured at launch (configuredAtLaunch) takes its configuration from RunTask, StartTask, CreateService or UpdateService; remove its other configuration.", vol.Name)
			}
			if atLaunch != "" {
				return Errorf(ErrClient, "Volumes '%s' and '%s' are both configured at launch; a task definition can have only one volume with configuredAtLaunch.", atLaunch, vol.Name)
			}
			atLaunch = vol.Name
		}
		if e := vol.EfsVolumeConfiguration; e != nil {
			if err := checkEFS(vol.Name, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkEFS validates an EFS volume as ECS does: a file system id; transit
// encryption, which a transit encryption port, an access point and IAM
// authorization all require; and, with an access point, no root directory
// other than "/" (the access point sets it).
func checkEFS(name string, e *ecsmodel.EFSVolumeConfiguration) error {
	bad := func(format string, args ...any) error {
		return Errorf(ErrClient, "Invalid volume '%s'. %s", name, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(e.FileSystemId) == "" {
		return bad("efsVolumeConfiguration.fileSystemId should not be null or empty.")
	}
	encrypted := e.TransitEncryption == ecsmodel.EFSTransitEncryptionENABLED
	if p := e.TransitEncryptionPort; p != nil {
		if *p < 1 || *p > 65535 {
			return bad("transitEncryptionPort %d is not a port number; give 1 to 65535, or omit it.", *p)
		}
		if !encrypted {
			return bad("TransitEncryptionPort requires that TransitEncryption is enabled: set transitEncryption to ENABLED, or omit transitEncryptionPort.")
		}
	}
	a := e.AuthorizationConfig
	if a == nil {
		return nil
	}
	if a.Iam == ecsmodel.EFSAuthorizationConfigIAMENABLED && !encrypted {
		return bad("EFS IAM authorization requires TransitEncryption to be enabled: set transitEncryption to ENABLED.")
	}
	if a.AccessPointId != "" {
		if !encrypted {
			return bad("An EFS access point requires TransitEncryption to be enabled: set transitEncryption to ENABLED.")
		}
		if e.RootDirectory != "" && e.RootDirectory != "/" {
			return bad(`When using an EFS access point, the root directory must either be set to "/" or be omitted (the access point sets it); rootDirectory is %q.`, e.RootDirectory)
		}
	}
	return nil
}

var healthRanges = []struct {
	name     string
	min, max int32
	get      func(*ecsmodel.HealthCheck) *int32
}{
	{"interval", 5, 300, func(h *ecsmodel.HealthCheck) *int32 { return h.Interval }},
	{"timeout", 2, 60, func(h *ecsmodel.HealthCheck) *int32 { return h.Timeout }},
	{"retries", 1, 10, func(h *ecsmodel.HealthCheck) *int32 { return h.Retries }},
	{"startPeriod", 0, 300, func(h *ecsmodel.HealthCheck) *int32 { return h.StartPeriod }},
}

func (r *registration) checkContainer(c *ecsmodel.ContainerDefinition) error {
	name := c.Name
	bad := func(format string, args ...any) error {
		return Errorf(ErrClient, "Invalid setting for container '%s'. %s", name, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(c.Image) == "" {
		return Errorf(ErrClient, "Container.image should not be null or empty.")
	}
	if len(c.Image) > 255 {
		return bad("'image' can be up to 255 characters long.")
	}
	if c.Memory == nil && c.MemoryReservation == nil && r.taskMem == 0 {
		return Errorf(ErrClient, "Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be specified.", name)
	}
	// ECS registers a container memory or memoryReservation below Docker's
	// 6 MiB minimum; Docker refuses to create the container
	// (CannotCreateContainerError: "Minimum memory reservation allowed is
	// 6MB", github.com/awsdocs/amazon-ecs-developer-guide/pull/185), and so
	// does the local Docker.
	if c.Memory != nil && c.MemoryReservation != nil && *c.MemoryReservation > *c.Memory {
		return bad("'memoryReservation' (%d MiB) must not be greater than 'memory' (%d MiB).", *c.MemoryReservation, *c.Memory)
	}
	if r.taskMem > 0 && c.Memory != nil && int(*c.Memory) > r.taskMem {
		// ECS's words (github.com/pulumi/pulumi-awsx/issues/188).
		return Errorf(ErrClient, "The 'memory' setting for container '%s' is greater than for the task. Container memory %d MiB, task memory %d MiB.", name, *c.Memory, r.taskMem)
	}
	if c.Cpu < 0 {
		return bad("'cpu' must not be negative.")
	}
	if c.StopTimeout != nil && *c.StopTimeout < 0 {
		return bad("'stopTimeout' must not be negative.")
	}
	if c.StartTimeout != nil && *c.StartTimeout < 0 {
		return bad("'startTimeout' must not be negative.")
	}
	if p := c.RestartPolicy; p != nil {
		if v := p.RestartAttemptPeriod; v != nil && (*v < MinRestartAttemptPeriod || *v > MaxRestartAttemptPeriod) {
			return bad("'restartPolicy.restartAttemptPeriod' must be between %d and %d seconds; got %d.", MinRestartAttemptPeriod, MaxRestartAttemptPeriod, *v)
		}
		if n := len(p.IgnoredExitCodes); n > MaxIgnoredExitCodes {
			return bad("'restartPolicy.ignoredExitCodes' can list at most %d exit codes; got %d.", MaxIgnoredExitCodes, n)
		}
	}
	if err := r.checkPorts(c, bad); err != nil {
		return err
	}
	// ECS registers a variable named twice, and the container gets the
	// last value (github.com/metaps/genova/issues/295); so do secrets.
	for _, e := range c.Environment {
		if e.Name == "" {
			return bad("Environment variable names should not be null or empty.")
		}
	}
	for _, s := range c.Secrets {
		if s.Name == "" {
			return bad("Secret names should not be null or empty.")
		}
		if s.ValueFrom == "" {
			return bad("Secret '%s' needs a valueFrom (a Secrets Manager secret or SSM parameter ARN or name).", s.Name)
		}
	}
	if h := c.HealthCheck; h != nil {
		if len(h.Command) == 0 {
			return bad("healthCheck.command should not be empty.")
		}
		// ECS registers a command whatever its first element: the agent
		// hands it to Docker as the health check's Test, and Docker runs
		// no probe for a first element other than CMD or CMD-SHELL (the
		// container's health stays UNKNOWN).
		for _, hr := range healthRanges {
			if p := hr.get(h); p != nil && (*p < hr.min || *p > hr.max) {
				return bad("healthCheck.%s is %d; it must be between %d and %d.", hr.name, *p, hr.min, hr.max)
			}
		}
	}
	if lc := c.LogConfiguration; lc != nil {
		switch lc.LogDriver {
		case "":
			return bad("logConfiguration.logDriver should not be null or empty.")
		case ecsmodel.LogDriverAwslogs:
			if err := checkAwslogs(lc.Options); err != nil {
				return err
			}
		case ecsmodel.LogDriverAwsfirelens:
			if !slices.ContainsFunc(r.td.ContainerDefinitions, func(o ecsmodel.ContainerDefinition) bool { return o.FirelensConfiguration != nil }) {
				// ECS's words (github.com/fabfuel/ecs-deploy/issues/164).
				return Errorf(ErrClient, "When awsfirelens log driver is specified in log configuration, a firelens configuration object must be configured in one of the containers.")
			}
		}
	}
	for _, l := range c.Links {
		if r.mode != ecsmodel.NetworkModeBridge {
			// ECS's words (github.com/aws-observability/aws-otel-collector/issues/1359).
			return Errorf(ErrClient, "Links are not supported when networkMode=%s. (Container '%s' has links; use networkMode bridge, or reach the other containers over localhost.)", r.mode, name)
		}
		target, _, _ := strings.Cut(l, ":")
		if target == name {
			return bad("A container cannot link to itself ('%s').", l)
		}
		if r.byName[target] == nil {
			return bad("Link '%s' names container '%s', which is not in the task definition.", l, target)
		}
	}
	for _, mp := range c.MountPoints {
		if mp.SourceVolume == "" {
			return bad("mountPoints.sourceVolume should not be null or empty.")
		}
		if !r.volumeSet[mp.SourceVolume] {
			// ECS's words (github.com/ansible/ansible/issues/35751).
			return Errorf(ErrClient, "Unknown volume '%s'. (Container '%s' mounts it; declare it under 'volumes'.)", mp.SourceVolume, name)
		}
		if mp.ContainerPath == "" {
			return bad("mountPoints.containerPath should not be null or empty (source volume '%s').", mp.SourceVolume)
		}
	}
	for _, vf := range c.VolumesFrom {
		if vf.SourceContainer == "" {
			return bad("volumesFrom.sourceContainer should not be null or empty.")
		}
		if vf.SourceContainer == name {
			return bad("A container cannot mount volumes from itself.")
		}
		if r.byName[vf.SourceContainer] == nil {
			return bad("volumesFrom.sourceContainer '%s' is not a container of the task definition.", vf.SourceContainer)
		}
	}
	return nil
}

// checkAwslogs checks the options of the awslogs log driver as ECS does at
// registration: awslogs-group is required (ECS's words:
// github.com/terraform-aws-modules/terraform-aws-ecs/issues/206), and
// awslogs-create-group, when given, must be true in any case ("True" is in
// AWS's own templates; "false" is refused in ECS's words:
// github.com/terraform-linters/tflint-ruleset-aws/issues/348).
func checkAwslogs(opts map[string]string) error {
	if strings.TrimSpace(opts["awslogs-group"]) == "" {
		return Errorf(ErrClient, "Log driver awslogs option 'awslogs-group' should not be null or empty.")
	}
	if v, ok := opts["awslogs-create-group"]; ok && !strings.EqualFold(strings.TrimSpace(v), "true") {
		return Errorf(ErrClient, "Log driver awslogs option 'awslogs-create-group' should only be set to 'true', else omit option.")
	}
	return nil
}

// checkFirelens refuses, as ECS does, a log router (a container with a
// firelensConfiguration) that no container sends its logs to (ECS's words:
// github.com/aws/amazon-cloudwatch-logs-for-fluent-bit/issues/20). The
// converse, awsfirelens without a router, is refused by checkContainer.
func (r *registration) checkFirelens() error {
	router, routed := false, false
	for i := range r.td.ContainerDefinitions {
		c := &r.td.ContainerDefinitions[i]
		router = router || c.FirelensConfiguration != nil
		routed = routed || c.LogConfiguration != nil && c.LogConfiguration.LogDriver == ecsmodel.LogDriverAwsfirelens
	}
	if router && !routed {
		return Errorf(ErrClient, "When a firelensConfiguration object is specified, at least one container has to be configured with the awsfirelens log driver.")
	}
	return nil
}

func (r *registration) checkPorts(c *ecsmodel.ContainerDefinition, bad func(string, ...any) error) error {
	if len(c.PortMappings) > 0 && r.mode == ecsmodel.NetworkModeNone {
		return bad("Port mappings are not supported when networkMode=none.")
	}
	for _, pm := range c.PortMappings {
		if pm.ContainerPortRange != "" {
			if pm.ContainerPort != nil || pm.HostPort != nil {
				return bad("A port mapping with a containerPortRange (%s) takes neither containerPort nor hostPort.", pm.ContainerPortRange)
			}
			if r.mode != ecsmodel.NetworkModeBridge && r.mode != ecsmodel.NetworkModeAwsvpc {
				return bad("containerPortRange needs networkMode bridge or awsvpc, not %s.", r.mode)
			}
			lo, hi, ok := parsePortRange(pm.ContainerPortRange)
			if !ok || lo >= hi {
				return bad("Invalid containerPortRange %q: use \"first-last\" with 1 <= first < last <= 65535.", pm.ContainerPortRange)
			}
			continue
		}
		if pm.ContainerPort == nil {
			return bad("Each port mapping needs a containerPort (or a containerPortRange).")
		}
		cp := *pm.ContainerPort
		if cp < 1 || cp > 65535 {
			return bad("containerPort %d is out of range; it must be between 1 and 65535.", cp)
		}
		if pm.HostPort != nil {
			hp := *pm.HostPort
			if hp < 0 || hp > 65535 {
				return bad("hostPort %d is out of range; it must be between 0 and 65535.", hp)
			}
			if (r.mode == ecsmodel.NetworkModeAwsvpc || r.mode == ecsmodel.NetworkModeHost) && hp != 0 && hp != cp {
				return bad("When networkMode=%s, the host ports and container ports in port mappings must match: hostPort %d, containerPort %d. Omit hostPort or set it to %d.", r.mode, hp, cp, cp)
			}
		}
	}
	return nil
}

func parsePortRange(s string) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo < 1 || hi > 65535 {
		return 0, 0, false
	}
	return lo, hi, true
}

func (r *registration) checkEssential() error {
	for i := range r.td.ContainerDefinitions {
		if IsEssential(&r.td.ContainerDefinitions[i]) {
			return nil
		}
	}
	// ECS's words (github.com/eagletmt/hako/pull/68).
	return Errorf(ErrClient, "Task definition doesn't have any essential container. (Mark at least one container \"essential\": true; essential is true when omitted.)")
}

func (r *registration) checkDependencies() error {
	for i := range r.td.ContainerDefinitions {
		c := &r.td.ContainerDefinitions[i]
		for _, d := range c.DependsOn {
			bad := func(format string, args ...any) error {
				return Errorf(ErrClient, "Invalid dependsOn for container '%s'. %s", c.Name, fmt.Sprintf(format, args...))
			}
			if d.ContainerName == "" {
				return bad("dependsOn.containerName should not be null or empty.")
			}
			if d.Condition == "" {
				return bad("dependsOn.condition for '%s' should not be null or empty; use one of %s.", d.ContainerName, strings.Join(d.Condition.Values(), ", "))
			}
			if d.ContainerName == c.Name {
				return bad("A container cannot depend on itself.")
			}
			target := r.byName[d.ContainerName]
			if target == nil {
				// ECS's words, its stray "+" included
				// (github.com/dagster-io/dagster/issues/6926).
				return Errorf(ErrClient, "Cannot depend on container + '%s' because it does not exist", d.ContainerName)
			}
			switch d.Condition {
			case ecsmodel.ContainerConditionCOMPLETE, ecsmodel.ContainerConditionSUCCESS:
				if IsEssential(target) {
					// ECS's words (github.com/boto/boto3/issues/2436).
					return Errorf(ErrClient, "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container. (Container '%s' depends on '%s' with %s; set \"essential\": false on '%s'.)", c.Name, d.ContainerName, d.Condition, d.ContainerName)
				}
			case ecsmodel.ContainerConditionHEALTHY:
				if target.HealthCheck == nil {
					return bad("The HEALTHY condition needs a health check on '%s'; add a healthCheck to it.", d.ContainerName)
				}
			}
		}
	}
	names := make([]string, len(r.td.ContainerDefinitions))
	for i := range r.td.ContainerDefinitions {
		names[i] = r.td.ContainerDefinitions[i].Name
	}
	cycle := depgraph.Cycle(names, func(name string) []string {
		var deps []string
		if c := r.byName[name]; c != nil {
			for _, d := range c.DependsOn {
				deps = append(deps, d.ContainerName)
			}
		}
		return deps
	})
	if cycle != nil {
		return Errorf(ErrClient, "Invalid dependsOn: the container dependencies form a cycle: %s.", strings.Join(cycle, " -> "))
	}
	return nil
}

func (r *registration) checkHostPorts() error {
	type key struct {
		port  int32
		proto ecsmodel.TransportProtocol
	}
	owner := map[key]string{}
	for i := range r.td.ContainerDefinitions {
		c := &r.td.ContainerDefinitions[i]
		for _, pm := range c.PortMappings {
			if pm.ContainerPort == nil {
				continue
			}
			hp := int32(0)
			if pm.HostPort != nil {
				hp = *pm.HostPort
			}
			if r.mode == ecsmodel.NetworkModeAwsvpc || r.mode == ecsmodel.NetworkModeHost {
				hp = *pm.ContainerPort
			}
			if hp == 0 {
				continue
			}
			proto := pm.Protocol
			if proto == "" {
				proto = ecsmodel.TransportProtocolTcp
			}
			k := key{hp, proto}
			if prev, ok := owner[k]; ok {
				// ECS's words (github.com/aws/amazon-ecs-agent/issues/1220).
				return Errorf(ErrClient, "%s host port '%d' is mapped multiple times in task. (Containers '%s' and '%s'.)", strings.ToUpper(string(proto)), hp, prev, c.Name)
			}
			owner[k] = c.Name
		}
	}
	return nil
}

func (r *registration) checkTotals() error {
	var mem, cpu int
	for i := range r.td.ContainerDefinitions {
		c := &r.td.ContainerDefinitions[i]
		switch {
		case c.MemoryReservation != nil:
			mem += int(*c.MemoryReservation)
		case c.Memory != nil:
			mem += int(*c.Memory)
		}
		cpu += int(c.Cpu)
	}
	// ECS's words: github.com/cloudnativedaysjp/dreamkast-infra/pull/4766
	// (memory) and github.com/aws/aws-cdk/issues/24629 (cpu).
	if r.taskMem > 0 && mem > r.taskMem {
		return Errorf(ErrClient, "The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'. (The containers reserve %d MiB, the task has %d MiB.)", mem, r.taskMem)
	}
	if r.taskCPU > 0 && cpu > r.taskCPU {
		return Errorf(ErrClient, "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'. (The containers reserve %d CPU units, the task has %d.)", cpu, r.taskCPU)
	}
	return nil
}

func (r *registration) checkPlacementConstraints() error {
	pcs := r.td.PlacementConstraints
	if len(pcs) > MaxPlacementConstraints {
		return Errorf(ErrClient, "Too many placement constraints: %d. A task can have at most %d.", len(pcs), MaxPlacementConstraints)
	}
	for _, pc := range pcs {
		if pc.Type != ecsmodel.TaskDefinitionPlacementConstraintTypeMemberOf {
			return Errorf(ErrClient, "Invalid placement constraint type %q: task definitions accept only memberOf.", pc.Type)
		}
		if strings.TrimSpace(pc.Expression) == "" {
			return Errorf(ErrClient, "A memberOf placement constraint needs an expression, for example \"attribute:ecs.instance-type =~ t3.*\".")
		}
		if len(pc.Expression) > 2000 {
			return Errorf(ErrClient, "Placement constraint expressions can be up to 2000 characters long; this one has %d.", len(pc.Expression))
		}
	}
	return nil
}

func (r *registration) checkTags() error {
	return ValidateTags(r.tags)
}

// ValidateTags checks the tags of a resource: at most 50, keys 1 to 128
// characters and unique, values up to 256, and no key with the reserved
// "aws:" prefix in any case.
func ValidateTags(tags []ecsmodel.Tag) error {
	if len(tags) > MaxTags {
		return Errorf(ErrInvalidParameter, "Too many tags: %d. A resource can have at most %d tags.", len(tags), MaxTags)
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if t.Key == "" {
			return Errorf(ErrInvalidParameter, "Tag keys should not be null or empty.")
		}
		if len(t.Key) > 128 {
			return Errorf(ErrInvalidParameter, "Tag key %q is too long: keys can be up to 128 characters.", clipName(t.Key))
		}
		if len(t.Value) > 256 {
			return Errorf(ErrInvalidParameter, "The value of tag %q is too long: values can be up to 256 characters.", clipName(t.Key))
		}
		if len(t.Key) >= 4 && strings.EqualFold(t.Key[:4], "aws:") {
			return Errorf(ErrInvalidParameter, "Tag key %q uses the reserved prefix 'aws:'; choose another key.", clipName(t.Key))
		}
		if seen[t.Key] {
			return Errorf(ErrInvalidParameter, "Duplicate tag key %q: each tag key can appear only once.", clipName(t.Key))
		}
		seen[t.Key] = true
	}
	return nil
}

func (r *registration) checkProxy() error {
	p := r.td.ProxyConfiguration
	if p == nil {
		return nil
	}
	if r.mode != ecsmodel.NetworkModeAwsvpc {
		return Errorf(ErrClient, "proxyConfiguration requires networkMode awsvpc; this task definition uses %s.", r.mode)
	}
	if p.ContainerName == "" {
		return Errorf(ErrClient, "proxyConfiguration.containerName should not be null or empty.")
	}
	if r.byName[p.ContainerName] == nil {
		return Errorf(ErrClient, "proxyConfiguration.containerName '%s' is not a container of the task definition.", p.ContainerName)
	}
	return nil
}

func (r *registration) checkTaskOptions() error {
	if e := r.td.EphemeralStorage; e != nil && (e.SizeInGiB < 21 || e.SizeInGiB > 200) {
		return Errorf(ErrClient, "Invalid ephemeralStorage.sizeInGiB %d: it must be between 21 and 200 GiB.", e.SizeInGiB)
	}
	return nil
}

func (r *registration) checkRequiredCompatibilities() error {
	for _, c := range r.td.RequiresCompatibilities {
		switch c {
		case ecsmodel.CompatibilityFARGATE:
			if reason := r.fargateIncompatibility(); reason != "" {
				return Errorf(ErrClient, "%s", reason)
			}
			if r.td.ExecutionRoleArn == "" {
				for i := range r.td.ContainerDefinitions {
					if lc := r.td.ContainerDefinitions[i].LogConfiguration; lc != nil && lc.LogDriver == ecsmodel.LogDriverAwslogs {
						return Errorf(ErrClient, "Fargate requires task definition to have execution role ARN to support log driver awslogs.")
					}
				}
			}
		case ecsmodel.CompatibilityEXTERNAL:
			if reason := r.externalIncompatibility(); reason != "" {
				return Errorf(ErrClient, "%s", reason)
			}
		}
	}
	return nil
}

// fargateIncompatibility says why the definition cannot run on Fargate, or
// returns "".
func (r *registration) fargateIncompatibility() string {
	td := r.td
	if r.mode != ecsmodel.NetworkModeAwsvpc {
		// ECS's words, quotes included (github.com/aws/amazon-ecs-cli/issues/1145).
		return "Fargate only supports network mode ‘awsvpc’."
	}
	if r.taskCPU == 0 {
		return "Fargate requires that 'cpu' be defined at the task level."
	}
	if r.taskMem == 0 {
		return "Fargate requires that 'memory' be defined at the task level."
	}
	if !FargateConfigurationValid(r.taskCPU, r.taskMem) {
		return fmt.Sprintf("No Fargate configuration exists for given values. Task cpu %d and memory %d MiB: %s.", r.taskCPU, r.taskMem, fargateMemoryHint(r.taskCPU))
	}
	if len(td.PlacementConstraints) > 0 {
		return "Task definition placement constraints are not supported on Fargate."
	}
	if len(td.InferenceAccelerators) > 0 {
		return "Inference accelerators are not supported on Fargate."
	}
	if td.IpcMode != "" {
		// ECS's words (github.com/cn-terraform/terraform-aws-ecs-fargate/issues/2).
		return "Tasks using the Fargate launch type do not support ipcMode."
	}
	if td.PidMode == ecsmodel.PidModeHost {
		return "Fargate supports only pidMode 'task'."
	}
	for _, v := range td.Volumes {
		switch {
		case v.Host != nil && v.Host.SourcePath != "":
			// ECS's words (github.com/cloudposse/terraform-aws-ecs-alb-service-task/issues/174).
			return fmt.Sprintf("Fargate compatible task definitions do not support sourcePath. (Volume '%s'.)", v.Name)
		case v.DockerVolumeConfiguration != nil:
			return fmt.Sprintf("Volume '%s': dockerVolumeConfiguration is not supported on Fargate.", v.Name)
		case v.FsxWindowsFileServerVolumeConfiguration != nil:
			return fmt.Sprintf("Volume '%s': FSx for Windows File Server volumes are not supported on Fargate.", v.Name)
		}
	}
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if c.Privileged != nil && *c.Privileged {
			return fmt.Sprintf("Container '%s': privileged containers are not supported on Fargate.", c.Name)
		}
		if len(c.DockerSecurityOptions) > 0 {
			return fmt.Sprintf("Container '%s': dockerSecurityOptions are not supported on Fargate.", c.Name)
		}
		if lp := c.LinuxParameters; lp != nil {
			switch {
			case len(lp.Devices) > 0:
				return fmt.Sprintf("Container '%s': linuxParameters.devices are not supported on Fargate.", c.Name)
			case lp.SharedMemorySize != nil:
				return fmt.Sprintf("Container '%s': linuxParameters.sharedMemorySize is not supported on Fargate.", c.Name)
			case len(lp.Tmpfs) > 0:
				return fmt.Sprintf("Container '%s': linuxParameters.tmpfs is not supported on Fargate.", c.Name)
			case lp.MaxSwap != nil || lp.Swappiness != nil:
				return fmt.Sprintf("Container '%s': linuxParameters.maxSwap and swappiness are not supported on Fargate.", c.Name)
			}
		}
		if lc := c.LogConfiguration; lc != nil {
			switch lc.LogDriver {
			case ecsmodel.LogDriverAwslogs, ecsmodel.LogDriverSplunk, ecsmodel.LogDriverAwsfirelens:
			default:
				// ECS's words (github.com/kayac/ecspresso/issues/364).
				return fmt.Sprintf("%s is not a valid log driver. Must be one of [awslogs,splunk,awsfirelens] (container '%s').", lc.LogDriver, c.Name)
			}
		}
		for _, t := range []struct {
			name string
			v    *int32
		}{{"stopTimeout", c.StopTimeout}, {"startTimeout", c.StartTimeout}} {
			if t.v != nil && (*t.v < MinFargateTimeout || *t.v > MaxFargateTimeout) {
				return fmt.Sprintf("Container '%s': %s is %d; on Fargate it must be between %d and %d seconds.", c.Name, t.name, *t.v, MinFargateTimeout, MaxFargateTimeout)
			}
		}
		for _, rr := range c.ResourceRequirements {
			if rr.Type == ecsmodel.ResourceTypeGPU {
				return fmt.Sprintf("Container '%s': GPUs are not supported on Fargate.", c.Name)
			}
		}
	}
	return ""
}

// externalIncompatibility says why the definition cannot run on external
// instances (ECS Anywhere), or returns "".
func (r *registration) externalIncompatibility() string {
	if r.mode == ecsmodel.NetworkModeAwsvpc {
		return "The EXTERNAL launch type does not support networkMode 'awsvpc'; use bridge, host or none."
	}
	for _, v := range r.td.Volumes {
		if v.EfsVolumeConfiguration != nil {
			return fmt.Sprintf("Volume '%s': EFS volumes are not supported by the EXTERNAL launch type.", v.Name)
		}
	}
	return ""
}

// compatibilities lists the launch types the definition can run with, in the
// order DescribeTaskDefinition lists them: EXTERNAL (before EC2) unless it
// uses awsvpc or EFS, EC2 always, FARGATE when it fits Fargate, and
// MANAGED_INSTANCES when it names the awsvpc or host network mode (the only
// modes Managed Instances run, and only when named) or asks for it.
func (r *registration) compatibilities() []ecsmodel.Compatibility {
	var out []ecsmodel.Compatibility
	if r.externalIncompatibility() == "" {
		out = append(out, ecsmodel.CompatibilityEXTERNAL)
	}
	out = append(out, ecsmodel.CompatibilityEC2)
	if r.fargateIncompatibility() == "" {
		out = append(out, ecsmodel.CompatibilityFARGATE)
	}
	if r.managedInstancesCompatible() || slices.Contains(r.td.RequiresCompatibilities, ecsmodel.CompatibilityMANAGEDINSTANCES) {
		out = append(out, ecsmodel.CompatibilityMANAGEDINSTANCES)
	}
	return out
}

// managedInstancesCompatible reports whether ECS lists MANAGED_INSTANCES
// among the compatibilities of a definition that does not ask for it:
// Managed Instances run Linux tasks whose definition names the awsvpc or host
// network mode.
func (r *registration) managedInstancesCompatible() bool {
	switch r.td.NetworkMode {
	case ecsmodel.NetworkModeAwsvpc, ecsmodel.NetworkModeHost:
	default:
		return false
	}
	rp := r.td.RuntimePlatform
	return rp == nil || rp.OperatingSystemFamily == "" || rp.OperatingSystemFamily == ecsmodel.OSFamilyLINUX
}

func (r *registration) applyDefaults() {
	td := r.td
	if r.taskCPU > 0 {
		td.Cpu = strconv.Itoa(r.taskCPU)
	}
	if r.taskMem > 0 {
		td.Memory = strconv.Itoa(r.taskMem)
	}
	if td.Volumes == nil {
		td.Volumes = []ecsmodel.Volume{}
	}
	for i := range td.Volumes {
		v := &td.Volumes[i]
		if v.Host == nil && v.DockerVolumeConfiguration == nil && v.EfsVolumeConfiguration == nil &&
			v.FsxWindowsFileServerVolumeConfiguration == nil && v.S3filesVolumeConfiguration == nil &&
			(v.ConfiguredAtLaunch == nil || !*v.ConfiguredAtLaunch) {
			v.Host = &ecsmodel.HostVolumeProperties{}
		}
		if e := v.EfsVolumeConfiguration; e != nil && e.RootDirectory == "" {
			e.RootDirectory = "/" // ECS echoes the file system's root
		}
		if d := v.DockerVolumeConfiguration; d != nil && d.Driver == "" {
			d.Driver = "local"
		}
		if d := v.DockerVolumeConfiguration; d != nil && d.Scope == "" {
			d.Scope = ecsmodel.ScopeTask
		}
	}
	if td.PlacementConstraints == nil {
		td.PlacementConstraints = []ecsmodel.TaskDefinitionPlacementConstraint{}
	}
	for i := range td.ContainerDefinitions {
		c := &td.ContainerDefinitions[i]
		if c.Essential == nil {
			t := true
			c.Essential = &t
		}
		if c.PortMappings == nil {
			c.PortMappings = []ecsmodel.PortMapping{}
		}
		for j := range c.PortMappings {
			pm := &c.PortMappings[j]
			if pm.Protocol == "" {
				pm.Protocol = ecsmodel.TransportProtocolTcp
			}
			if pm.ContainerPort == nil {
				continue
			}
			switch {
			case r.mode == ecsmodel.NetworkModeAwsvpc || r.mode == ecsmodel.NetworkModeHost:
				hp := *pm.ContainerPort
				pm.HostPort = &hp
			case pm.HostPort == nil:
				hp := int32(0)
				pm.HostPort = &hp
			}
		}
		if c.Environment == nil {
			c.Environment = []ecsmodel.KeyValuePair{}
		}
		if c.MountPoints == nil {
			c.MountPoints = []ecsmodel.MountPoint{}
		}
		if c.VolumesFrom == nil {
			c.VolumesFrom = []ecsmodel.VolumeFrom{}
		}
		if c.SystemControls == nil {
			c.SystemControls = []ecsmodel.SystemControl{}
		}
		if h := c.HealthCheck; h != nil {
			if h.Interval == nil {
				h.Interval = ptr32(DefaultHealthCheckInterval)
			}
			if h.Timeout == nil {
				h.Timeout = ptr32(DefaultHealthCheckTimeout)
			}
			if h.Retries == nil {
				h.Retries = ptr32(DefaultHealthCheckRetries)
			}
		}
	}
}

func ptr32(v int32) *int32 { return &v }

// Container instance attributes a task definition can require, named as
// DescribeTaskDefinition returns them.
const (
	attrTaskENI              = "ecs.capability.task-eni"
	attrTaskIAMRole          = "com.amazonaws.ecs.capability.task-iam-role"
	attrTaskIAMRoleHost      = "com.amazonaws.ecs.capability.task-iam-role-network-host"
	attrPrivileged           = "com.amazonaws.ecs.capability.privileged-container"
	attrSELinux              = "com.amazonaws.ecs.capability.selinux"
	attrAppArmor             = "com.amazonaws.ecs.capability.apparmor"
	attrLoggingDriverPrefix  = "com.amazonaws.ecs.capability.logging-driver."
	attrDockerAPIPrefix      = "com.amazonaws.ecs.capability.docker-remote-api."
	attrExecRoleAwslogs      = "ecs.capability.execution-role-awslogs"
	attrExecRoleECRPull      = "ecs.capability.execution-role-ecr-pull"
	attrECRAuth              = "com.amazonaws.ecs.capability.ecr-auth"
	attrHealthCheck          = "ecs.capability.container-health-check"
	attrContainerOrdering    = "ecs.capability.container-ordering"
	attrSecretsASMEnv        = "ecs.capability.secrets.asm.environment-variables"
	attrSecretsSSMEnv        = "ecs.capability.secrets.ssm.environment-variables"
	attrSecretsASMLog        = "ecs.capability.secrets.asm.bootstrap.log-driver"
	attrSecretsSSMLog        = "ecs.capability.secrets.ssm.bootstrap.log-driver"
	attrPrivateRegistryAuth  = "ecs.capability.private-registry-authentication.secretsmanager"
	attrEnvFilesS3           = "ecs.capability.env-files.s3"
	attrEFS                  = "ecs.capability.efs"
	attrEFSAuth              = "ecs.capability.efsAuth"
	attrAppMesh              = "ecs.capability.aws-appmesh"
	attrPIDIPCSharing        = "ecs.capability.pid-ipc-namespace-sharing"
	attrEphemeralStorage     = "ecs.capability.extensible-ephemeral-storage"
	attrFirelensPrefix       = "ecs.capability.firelens."
	attrDockerPluginPrefix   = "ecs.capability.docker-plugin."
	attrContainerRestart     = "ecs.capability.container-restart-policy"
	attrGMSA                 = "ecs.capability.gmsa"
	attrGMSADomainless       = "ecs.capability.gmsa-domainless"
	attrCPUArchitecture      = "ecs.cpu-architecture"
	attrOSFamily             = "ecs.os-family"
	attrFSxWindowsFileServer = AttrFSxWindowsFileServer
)

// Docker Remote API versions ECS requires per feature. A feature needs one
// version (a health check with a start period needs 1.29, not 1.24 and
// 1.29); distinct features add theirs.
const (
	// apiBase: readonlyRootFilesystem, a user other than root, and the
	// DNS, extra-host and link lists, even empty.
	apiBase = "1.17"
	// apiLabels: awsvpc, dockerLabels, ulimits, and a log configuration
	// without options.
	apiLabels = "1.18"
	// apiLogOptions: a log configuration with options.
	apiLogOptions = "1.19"
	// apiMemoryReservation: memoryReservation.
	apiMemoryReservation = "1.21"
	// apiTmpfs: linuxParameters.tmpfs and sharedMemorySize.
	apiTmpfs = "1.22"
	// apiHealthCheck: a health check without a start period.
	apiHealthCheck = "1.24"
	// apiVolumes: EFS and Docker volumes, linuxParameters.initProcessEnabled.
	apiVolumes = "1.25"
	// apiLogMode: the mode and max-buffer-size log options.
	apiLogMode = "1.28"
	// apiStartPeriod: the awslogs-create-group log option, and a health
	// check with a start period.
	apiStartPeriod = "1.29"
)

// AttrFSxWindowsFileServer is the capability task definitions with FSx for
// Windows File Server volumes require: only Windows container instances
// have it.
const AttrFSxWindowsFileServer = "ecs.capability.fsxWindowsFileServer"

// IsGMSAAttribute reports whether name is one of the gMSA capabilities a
// task definition with credential specs requires, which the local agent
// never has (they need the credentials-fetcher daemon).
func IsGMSAAttribute(name string) bool {
	return name == attrGMSA || name == attrGMSADomainless
}

var ecrImage = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/`)

// requiresAttributes derives the container instance attributes a task of td
// needs, the way ECS does (checked against DescribeTaskDefinition answers,
// see requires_test.go): a Docker Remote API version per feature, and an ECS
// capability per agent feature. A definition with none of them requires
// nothing (an empty list). The list is sorted by name; ECS's own order is
// not stable.
func requiresAttributes(td *ecsmodel.TaskDefinition) []ecsmodel.Attribute {
	set := map[string]string{}
	add := func(name string) { set[name] = "" }
	api := func(v string) { add(attrDockerAPIPrefix + v) }
	mode := EffectiveNetworkMode(td)
	if mode == ecsmodel.NetworkModeAwsvpc {
		add(attrTaskENI)
		api(apiLabels)
	}
	if td.TaskRoleArn != "" {
		add(attrTaskIAMRole)
		if mode == ecsmodel.NetworkModeHost {
			add(attrTaskIAMRoleHost)
		}
	}
	if td.ProxyConfiguration != nil {
		add(attrAppMesh)
	}
	if td.PidMode != "" || td.IpcMode != "" {
		add(attrPIDIPCSharing)
	}
	if td.EphemeralStorage != nil {
		add(attrEphemeralStorage)
	}
	// An X86_64 Linux runtime platform requires nothing; other platforms
	// are required as the instance attributes that name them.
	if rp := td.RuntimePlatform; rp != nil {
		if a := rp.CpuArchitecture; a != "" && a != ecsmodel.CPUArchitectureX8664 {
			set[attrCPUArchitecture] = strings.ToLower(string(a))
		}
		if f := rp.OperatingSystemFamily; f != "" && f != ecsmodel.OSFamilyLINUX {
			set[attrOSFamily] = string(f)
		}
	}
	for _, v := range td.Volumes {
		if v.EfsVolumeConfiguration != nil {
			// efsAuth whether or not authorizationConfig is given.
			add(attrEFS)
			add(attrEFSAuth)
			api(apiVolumes)
		}
		if d := v.DockerVolumeConfiguration; d != nil {
			api(apiVolumes)
			driver := d.Driver
			if driver == "" {
				driver = "local"
			}
			add(DockerPluginAttribute(driver))
		}
		if v.FsxWindowsFileServerVolumeConfiguration != nil {
			add(attrFSxWindowsFileServer)
		}
	}
	for i := range td.ContainerDefinitions {
		containerRequirements(td, &td.ContainerDefinitions[i], add, api)
	}
	out := make([]ecsmodel.Attribute, 0, len(set))
	for name, value := range set {
		out = append(out, ecsmodel.Attribute{Name: name, Value: value})
	}
	slices.SortFunc(out, func(a, b ecsmodel.Attribute) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// containerRequirements adds the attributes one container definition of td
// requires.
func containerRequirements(td *ecsmodel.TaskDefinition, c *ecsmodel.ContainerDefinition, add, api func(string)) {
	if ecrImage.MatchString(c.Image) {
		add(attrECRAuth)
		if td.ExecutionRoleArn != "" {
			add(attrExecRoleECRPull)
		}
	}
	if c.RepositoryCredentials != nil {
		add(attrPrivateRegistryAuth)
	}
	if c.Privileged != nil && *c.Privileged {
		add(attrPrivileged)
	}
	for _, o := range c.DockerSecurityOptions {
		switch {
		case strings.HasPrefix(o, "label:"):
			add(attrSELinux)
		case strings.HasPrefix(o, "apparmor:"):
			add(attrAppArmor)
		}
	}
	if (c.ReadonlyRootFilesystem != nil && *c.ReadonlyRootFilesystem) || (c.User != "" && c.User != "0" && c.User != "root") ||
		c.DnsServers != nil || c.DnsSearchDomains != nil || c.ExtraHosts != nil || c.Links != nil {
		api(apiBase)
	}
	if c.MemoryReservation != nil {
		api(apiMemoryReservation)
	}
	if len(c.DockerLabels) > 0 || len(c.Ulimits) > 0 {
		api(apiLabels)
	}
	if lc := c.LogConfiguration; lc != nil {
		logRequirements(td, lc, add, api)
	}
	if h := c.HealthCheck; h != nil {
		add(attrHealthCheck)
		if h.StartPeriod != nil {
			api(apiStartPeriod)
		} else {
			api(apiHealthCheck)
		}
	}
	if len(c.DependsOn) > 0 || c.StartTimeout != nil || c.StopTimeout != nil {
		add(attrContainerOrdering)
	}
	for _, s := range c.Secrets {
		if isASM(s.ValueFrom) {
			add(attrSecretsASMEnv)
		} else {
			add(attrSecretsSSMEnv)
		}
	}
	if len(c.EnvironmentFiles) > 0 {
		add(attrEnvFilesS3)
	}
	if f := c.FirelensConfiguration; f != nil {
		add(attrFirelensPrefix + string(f.Type))
	}
	if c.RestartPolicy != nil && c.RestartPolicy.Enabled != nil && *c.RestartPolicy.Enabled {
		add(attrContainerRestart)
	}
	// gMSA: the agent's capabilities for Active Directory credential
	// specs (it advertises them only with the credentials-fetcher daemon,
	// which the local agent never has).
	for _, cs := range c.CredentialSpecs {
		if strings.HasPrefix(cs, "credentialspecdomainless:") {
			add(attrGMSADomainless)
		} else {
			add(attrGMSA)
		}
	}
	for _, o := range c.DockerSecurityOptions {
		if strings.HasPrefix(o, "credentialspec:") {
			add(attrGMSA)
		}
	}
	if lp := c.LinuxParameters; lp != nil {
		if lp.InitProcessEnabled != nil && *lp.InitProcessEnabled {
			api(apiVolumes)
		}
		if lp.SharedMemorySize != nil || len(lp.Tmpfs) > 0 {
			api(apiTmpfs)
		}
	}
}

// logRequirements adds the attributes a container's log configuration
// requires: the driver, a Docker Remote API version for options and for the
// awslogs options Docker added later, the execution role fetching awslogs
// credentials, and the secrets the driver is bootstrapped with.
func logRequirements(td *ecsmodel.TaskDefinition, lc *ecsmodel.LogConfiguration, add, api func(string)) {
	add(attrLoggingDriverPrefix + string(lc.LogDriver))
	if len(lc.Options) > 0 {
		api(apiLogOptions)
	} else {
		api(apiLabels)
	}
	if _, ok := lc.Options["awslogs-create-group"]; ok {
		api(apiStartPeriod)
	}
	_, mode := lc.Options["mode"]
	_, buffer := lc.Options["max-buffer-size"]
	if mode || buffer {
		api(apiLogMode)
	}
	if lc.LogDriver == ecsmodel.LogDriverAwslogs && td.ExecutionRoleArn != "" {
		add(attrExecRoleAwslogs)
	}
	for _, s := range lc.SecretOptions {
		if isASM(s.ValueFrom) {
			add(attrSecretsASMLog)
		} else {
			add(attrSecretsSSMLog)
		}
	}
}

// isASM reports whether a secret reference names a Secrets Manager secret
// (otherwise it is an SSM parameter).
func isASM(valueFrom string) bool {
	return strings.HasPrefix(valueFrom, "arn:") && strings.Contains(valueFrom, ":secretsmanager:")
}

// CheckVolumeConfigurations checks a RunTask or StartTask request's
// volumeConfigurations against the task definition: each must name its
// volume configured at launch. Locally such a volume is a task volume (an
// empty Docker volume removed with the task, as ECS deletes a managed EBS
// volume when its task ends), so an EBS snapshot to restore is refused.
func CheckVolumeConfigurations(td *ecsmodel.TaskDefinition, vcs []ecsmodel.TaskVolumeConfiguration) error {
	for _, vc := range vcs {
		found := false
		for _, v := range td.Volumes {
			found = found || v.Name == vc.Name && v.ConfiguredAtLaunch != nil && *v.ConfiguredAtLaunch
		}
		if !found {
			return Errorf(ErrInvalidParameter, "Volume configuration provided but no matching configuredAtLaunch volume found in task definition: %q.", vc.Name)
		}
		if m := vc.ManagedEBSVolume; m != nil && m.SnapshotId != "" {
			return Errorf(ErrUnsupportedFeature, "volumeConfigurations %q: managedEBSVolume.snapshotId: there are no EBS snapshots locally (the volume is a Docker volume that starts empty); remove snapshotId to run with an empty volume.", vc.Name)
		}
	}
	return nil
}
