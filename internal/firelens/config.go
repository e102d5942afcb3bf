package firelens

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Task is what the router's configuration is made of.
type Task struct {
	Definition *ecsmodel.TaskDefinition
	ARN        string
	Cluster    string
	// EC2InstanceID is the instance's id on the EC2 launch type ("" leaves
	// ec2_instance_id out, as on Fargate).
	EC2InstanceID string
}

// section is one input, filter or output of the configuration.
type section struct {
	kind string // "input", "grep", "exclude", "record", "output"
	name string // plugin
	tag  string // Tag of an input, Match of the others
	opts map[string]string
}

// config is the configuration before it is written in either syntax.
type config struct {
	inputs, filters, outputs []section
	include                  string
}

// Generate returns the configuration file of def's router (Fluent Bit or
// Fluentd syntax, as its type says). Option keys are written sorted, and
// the outputs in the order of the containers.
func Generate(t Task) ([]byte, error) {
	def := t.Definition
	router := Router(def)
	if router == nil {
		return nil, invalid("no container has a firelensConfiguration")
	}
	s, err := Parse(router.FirelensConfiguration)
	if err != nil {
		return nil, fmt.Errorf("container %q: %w", router.Name, err)
	}
	fluentd := s.Type == ecsmodel.FirelensConfigurationTypeFluentd
	wildcard, outputKey := "*", "Name"
	if fluentd {
		wildcard, outputKey = "**", "@type"
	}
	var c config
	if fluentd {
		c.inputs = append(c.inputs, section{name: "unix", opts: map[string]string{"path": SocketPath}})
	} else {
		c.inputs = append(c.inputs, section{name: "forward", opts: map[string]string{"unix_path": SocketPath, "Mem_Buf_Limit": memBufLimit(router)}})
	}
	listen := ""
	switch def.NetworkMode {
	case ecsmodel.NetworkModeBridge, "":
		listen = "0.0.0.0"
	case ecsmodel.NetworkModeAwsvpc:
		listen = "127.0.0.1"
	}
	if listen != "" {
		port := strconv.Itoa(ForwardPort)
		if fluentd {
			c.inputs = append(c.inputs, section{name: "forward", opts: map[string]string{"bind": listen, "port": port}})
		} else {
			c.inputs = append(c.inputs,
				section{name: "forward", opts: map[string]string{"Listen": listen, "Port": port}},
				section{name: "tcp", tag: HealthCheckTag, opts: map[string]string{"Listen": "127.0.0.1", "Port": strconv.Itoa(HealthCheckPort)}})
			c.outputs = append(c.outputs, section{kind: "output", name: "null", tag: HealthCheckTag})
		}
	}
	var includes, excludes []section
	for i := range def.ContainerDefinitions {
		cd := &def.ContainerDefinitions[i]
		if !UsesRouter(cd) {
			continue
		}
		tag := cd.Name + "-firelens" + wildcard
		opts := map[string]string{}
		for k, v := range cd.LogConfiguration.Options {
			if k != BufferLimitOption {
				opts[k] = v
			}
		}
		for _, so := range cd.LogConfiguration.SecretOptions {
			env := SecretEnv(so.Name, i)
			if fluentd {
				opts[so.Name] = `"#{ENV['` + env + `']}"`
			} else {
				opts[so.Name] = "${" + env + "}"
			}
		}
		out := section{kind: "output", tag: tag, opts: map[string]string{}}
		plugin, hasPlugin := opts[outputKey]
		for _, k := range slices.Sorted(maps.Keys(opts)) {
			v := opts[k]
			if err := checkOption(cd.Name, k, v); err != nil {
				return nil, err
			}
			switch k {
			case outputKey:
			case IncludePattern:
				includes = append(includes, section{kind: "grep", tag: tag, opts: map[string]string{"log": v}})
			case ExcludePattern:
				excludes = append(excludes, section{kind: "exclude", tag: tag, opts: map[string]string{"log": v}})
			default:
				out.opts[k] = v
			}
		}
		switch {
		case hasPlugin:
			out.name = plugin
			c.outputs = append(c.outputs, out)
		case len(out.opts) > 0:
			return nil, invalid("container %q: the awsfirelens log options need the option %s, the output plugin, for %s", cd.Name, outputKey, s.Type)
		}
		// Neither: the user's own configuration file routes the records.
	}
	c.filters = append(includes, excludes...)
	if s.ECSMetadata {
		rec := map[string]string{
			"ecs_cluster":         t.Cluster,
			"ecs_task_arn":        t.ARN,
			"ecs_task_definition": def.Family + ":" + strconv.Itoa(int(def.Revision)),
		}
		if t.EC2InstanceID != "" {
			rec["ec2_instance_id"] = t.EC2InstanceID
		}
		c.filters = append(c.filters, section{kind: "record", tag: wildcard, opts: rec})
	}
	switch s.ConfigFileType {
	case ConfigFileFile:
		c.include = s.ConfigFileValue
	case ConfigFileS3:
		c.include = ExternalConfigPath(s.Type)
	}
	if fluentd {
		return c.fluentd(), nil
	}
	return c.fluentBit(), nil
}

// checkOption refuses what would break the configuration's syntax.
func checkOption(container, k, v string) error {
	if k == "" || strings.ContainsAny(k, " \t\r\n") {
		return invalid("container %q: the awsfirelens log option %q is not a valid key (no spaces or line breaks)", container, k)
	}
	if strings.ContainsAny(v, "\r\n") {
		return invalid("container %q: the awsfirelens log option %s holds a line break", container, k)
	}
	return nil
}

// memBufLimit is the forward input's memory buffer: half the router's
// memoryReservation, else of its memory, else 25 MB.
func memBufLimit(router *ecsmodel.ContainerDefinition) string {
	var mib int64
	switch {
	case router.MemoryReservation != nil && *router.MemoryReservation > 0:
		mib = int64(*router.MemoryReservation)
	case router.Memory != nil && *router.Memory > 0:
		mib = int64(*router.Memory)
	}
	limit := mib / 2
	if limit <= 0 {
		limit = defaultMemBufLimitMiB
	}
	return strconv.FormatInt(limit, 10) + "MB"
}

// keys writes opts sorted by key, one "<indent><key> <value>" per line.
func keys(b *strings.Builder, indent string, opts map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		fmt.Fprintf(b, "%s%s %s\n", indent, k, opts[k])
	}
}

// fluentBit writes c in Fluent Bit's syntax.
func (c *config) fluentBit() []byte {
	var b strings.Builder
	for _, s := range c.inputs {
		fmt.Fprintf(&b, "\n[INPUT]\n    Name %s\n", s.name)
		if s.tag != "" {
			fmt.Fprintf(&b, "    Tag %s\n", s.tag)
		}
		keys(&b, "    ", s.opts)
	}
	for _, s := range c.filters {
		switch s.kind {
		case "grep":
			fmt.Fprintf(&b, "\n[FILTER]\n    Name   grep\n    Match %s\n    Regex  log %s\n", s.tag, s.opts["log"])
		case "exclude":
			fmt.Fprintf(&b, "\n[FILTER]\n    Name   grep\n    Match %s\n    Exclude log %s\n", s.tag, s.opts["log"])
		case "record":
			fmt.Fprintf(&b, "\n[FILTER]\n    Name record_modifier\n    Match %s\n", s.tag)
			keys(&b, "    Record ", s.opts)
		}
	}
	if c.include != "" {
		fmt.Fprintf(&b, "\n@INCLUDE %s\n", c.include)
	}
	for _, s := range c.outputs {
		fmt.Fprintf(&b, "\n[OUTPUT]\n    Name %s\n    Match %s\n", s.name, s.tag)
		keys(&b, "    ", s.opts)
	}
	return []byte(b.String())
}

// fluentd writes c in Fluentd's syntax.
func (c *config) fluentd() []byte {
	var b strings.Builder
	for _, s := range c.inputs {
		fmt.Fprintf(&b, "\n<source>\n    @type %s\n", s.name)
		if s.tag != "" {
			fmt.Fprintf(&b, "    tag %s\n", s.tag)
		}
		keys(&b, "    ", s.opts)
		b.WriteString("</source>\n")
	}
	for _, s := range c.filters {
		switch s.kind {
		case "grep", "exclude":
			block := "regexp"
			if s.kind == "exclude" {
				block = "exclude"
			}
			fmt.Fprintf(&b, "\n<filter %s>\n    @type  grep\n    <%s>\n        key log\n        pattern %s\n    </%s>\n</filter>\n", s.tag, block, s.opts["log"], block)
		case "record":
			fmt.Fprintf(&b, "\n<filter %s>\n    @type record_transformer\n    <record>\n", s.tag)
			keys(&b, "        ", s.opts)
			b.WriteString("    </record>\n</filter>\n")
		}
	}
	if c.include != "" {
		fmt.Fprintf(&b, "\n@include %s\n", c.include)
	}
	for _, s := range c.outputs {
		fmt.Fprintf(&b, "\n<match %s>\n    @type %s\n", s.tag, s.name)
		keys(&b, "    ", s.opts)
		b.WriteString("</match>\n")
	}
	return []byte(b.String())
}
