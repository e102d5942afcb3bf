package firelens

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Paths, ports, names and options of FireLens, as the ECS agent has them.
const (
	// SocketDir is where the router finds its socket directory, and
	// SocketPath the socket its forward input listens on.
	SocketDir  = "/var/run"
	SocketName = "fluent.sock"
	SocketPath = SocketDir + "/" + SocketName
	// ForwardPort is the TCP port of the forward input (bridge and awsvpc).
	ForwardPort = 24224
	// HealthCheckPort is the Fluent Bit health check input's port on
	// 127.0.0.1, whose records go to a null output tagged HealthCheckTag.
	HealthCheckPort = 8877
	HealthCheckTag  = "firelens-healthcheck"

	// OptionECSMetadata, OptionConfigFileType and OptionConfigFileValue are
	// the options of a firelensConfiguration.
	OptionECSMetadata     = "enable-ecs-log-metadata"
	OptionConfigFileType  = "config-file-type"
	OptionConfigFileValue = "config-file-value"
	// ConfigFileFile and ConfigFileS3 are the values of config-file-type:
	// a file in the router's image, or an S3 object.
	ConfigFileFile = "file"
	ConfigFileS3   = "s3"

	// BufferLimitOption is the awsfirelens option that sets the Docker
	// driver's buffer (fluentd-buffer-limit) instead of an output key.
	BufferLimitOption = "log-driver-buffer-limit"
	// IncludePattern and ExcludePattern are awsfirelens options that become
	// grep filters on the record's "log" key.
	IncludePattern = "include-pattern"
	ExcludePattern = "exclude-pattern"

	// defaultMemBufLimitMiB is the forward input's Mem_Buf_Limit when the
	// router has no memory setting.
	defaultMemBufLimitMiB = 25
)

// ErrInvalid is the kind of the errors of Check and Generate: the task
// definition's FireLens settings cannot be turned into a configuration.
var ErrInvalid = errors.New("invalid FireLens configuration")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}

// Router returns the log router of def, the container with a
// firelensConfiguration, or nil.
func Router(def *ecsmodel.TaskDefinition) *ecsmodel.ContainerDefinition {
	for i := range def.ContainerDefinitions {
		if def.ContainerDefinitions[i].FirelensConfiguration != nil {
			return &def.ContainerDefinitions[i]
		}
	}
	return nil
}

// UsesRouter reports whether cd logs through the router (the awsfirelens
// log driver).
func UsesRouter(cd *ecsmodel.ContainerDefinition) bool {
	return cd.LogConfiguration != nil && cd.LogConfiguration.LogDriver == ecsmodel.LogDriverAwsfirelens
}

// Settings are a firelensConfiguration's type and options.
type Settings struct {
	Type ecsmodel.FirelensConfigurationType
	// ECSMetadata adds the ECS metadata keys to every record (true unless
	// enable-ecs-log-metadata is false).
	ECSMetadata bool
	// ConfigFileType is "", ConfigFileFile or ConfigFileS3, and
	// ConfigFileValue the file's path in the image or the S3 object's ARN.
	ConfigFileType  string
	ConfigFileValue string
}

// Parse reads a firelensConfiguration. An enable-ecs-log-metadata that is
// not a boolean is ignored, as the ECS agent ignores it.
func Parse(fc *ecsmodel.FirelensConfiguration) (Settings, error) {
	s := Settings{Type: fc.Type, ECSMetadata: true}
	if fc.Type != ecsmodel.FirelensConfigurationTypeFluentbit && fc.Type != ecsmodel.FirelensConfigurationTypeFluentd {
		return s, invalid("firelensConfiguration type %q is not fluentbit or fluentd", fc.Type)
	}
	if v, ok := fc.Options[OptionECSMetadata]; ok {
		if b, err := strconv.ParseBool(v); err == nil {
			s.ECSMetadata = b
		}
	}
	if t, ok := fc.Options[OptionConfigFileType]; ok {
		if t != ConfigFileFile && t != ConfigFileS3 {
			return s, invalid("firelensConfiguration option %s is %q; it must be %q or %q", OptionConfigFileType, t, ConfigFileFile, ConfigFileS3)
		}
		v, ok := fc.Options[OptionConfigFileValue]
		if !ok || v == "" {
			return s, invalid("firelensConfiguration option %s is set but %s is not", OptionConfigFileType, OptionConfigFileValue)
		}
		s.ConfigFileType, s.ConfigFileValue = t, v
		if t == ConfigFileS3 {
			if _, _, err := S3Object(v); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

// S3Object returns the bucket and key of an S3 object ARN,
// arn:PARTITION:s3:::BUCKET/KEY.
func S3Object(arn string) (bucket, key string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "s3" && parts[3] == "" && parts[4] == "" {
		bucket, key, _ = strings.Cut(parts[5], "/")
		if bucket != "" && key != "" {
			return bucket, key, nil
		}
	}
	return "", "", invalid("firelensConfiguration option %s %q is not an S3 object ARN (arn:aws:s3:::BUCKET/KEY)", OptionConfigFileValue, arn)
}

// ConfigPath is where the router reads the generated configuration.
func ConfigPath(t ecsmodel.FirelensConfigurationType) string {
	if t == ecsmodel.FirelensConfigurationTypeFluentd {
		return "/fluentd/etc/fluent.conf"
	}
	return "/fluent-bit/etc/fluent-bit.conf"
}

// ExternalConfigPath is where the router finds a configuration file from
// S3, which the generated configuration includes.
func ExternalConfigPath(t ecsmodel.FirelensConfigurationType) string {
	if t == ecsmodel.FirelensConfigurationTypeFluentd {
		return "/fluentd/etc/external.conf"
	}
	return "/fluent-bit/etc/external.conf"
}

// Tag is the tag of the records of a container's output:
// "<container>-firelens-<task id>".
func Tag(container, taskID string) string { return container + "-firelens-" + taskID }

// SecretEnv is the router's environment variable that carries the secret
// log option name of the container at index idx of the definition (an
// index, not the name, which may hold characters a variable cannot).
func SecretEnv(name string, idx int) string { return name + "_" + strconv.Itoa(idx) }

// RouterEnv is the environment the router gets besides the secrets: a
// Fluentd router runs as root (FLUENT_UID=0) to use the socket Docker
// writes to.
func RouterEnv(t ecsmodel.FirelensConfigurationType) map[string]string {
	if t == ecsmodel.FirelensConfigurationTypeFluentd {
		return map[string]string{"FLUENT_UID": "0"}
	}
	return nil
}

// AppEnv is the environment of a container that logs through the router,
// telling Fluent logger libraries where its forward input is: 127.0.0.1
// with awsvpc, the router's address (routerIP, "" when unknown) with bridge
// networking, nothing otherwise.
func AppEnv(networkMode ecsmodel.NetworkMode, routerIP string) map[string]string {
	host := ""
	switch networkMode {
	case ecsmodel.NetworkModeAwsvpc:
		host = "127.0.0.1"
	case ecsmodel.NetworkModeBridge, "":
		host = routerIP
	}
	if host == "" {
		return nil
	}
	return map[string]string{"FLUENT_HOST": host, "FLUENT_PORT": strconv.Itoa(ForwardPort)}
}

// DriverOptions are the options of Docker's fluentd log driver for a
// container that logs through the router whose socket is socketHostPath on
// the Docker host.
func DriverOptions(cd *ecsmodel.ContainerDefinition, taskID, socketHostPath string) map[string]string {
	o := map[string]string{
		"tag":                          Tag(cd.Name, taskID),
		"fluentd-address":              "unix://" + socketHostPath,
		"fluentd-sub-second-precision": "true",
		"fluentd-async":                "true",
	}
	if lc := cd.LogConfiguration; lc != nil {
		if v, ok := lc.Options[BufferLimitOption]; ok {
			o["fluentd-buffer-limit"] = v
		}
	}
	return o
}

// Check reports what in def's FireLens settings can never work, as the ECS
// agent would find when it builds the router's configuration.
func Check(def *ecsmodel.TaskDefinition) error {
	var router *ecsmodel.ContainerDefinition
	for i := range def.ContainerDefinitions {
		cd := &def.ContainerDefinitions[i]
		if cd.FirelensConfiguration == nil {
			continue
		}
		if router != nil {
			return invalid("containers %q and %q both have a firelensConfiguration; a task has one log router", router.Name, cd.Name)
		}
		router = cd
	}
	if router == nil {
		for _, cd := range def.ContainerDefinitions {
			if UsesRouter(&cd) {
				return invalid("container %q uses the awsfirelens log driver, but no container has a firelensConfiguration", cd.Name)
			}
		}
		return nil
	}
	_, err := Generate(Task{Definition: def})
	return err
}
