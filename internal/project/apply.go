package project

import (
	"fmt"
	"os"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/runtask"
	"github.com/ecsrun/ecsrun/internal/runtask/request"
	"github.com/ecsrun/ecsrun/internal/runtask/retry"
)

// Apply applies one layer of settings onto o: first its request file
// (merged into o.Request; its count sets o.Count), then every member it
// sets. Values were checked by Load (or by the flag parser); errors here
// come from reading the request file.
func (s *Settings) Apply(o *runtask.Options) error {
	if s.Request != "" {
		req, err := ReadRequest(s.Request, o)
		if err != nil {
			return err
		}
		if req.Count != nil {
			o.Count = int(*req.Count)
			req.Count = nil
		}
		request.Merge(&o.Request, req)
	}
	if s.TaskDefinition != "" {
		o.TaskDefinition = s.TaskDefinition
	}
	if s.ReuseIfUnchanged != nil {
		o.ReuseIfUnchanged = *s.ReuseIfUnchanged
	}
	layer := &ecsmodel.RunTaskRequest{
		Cluster:                  s.Cluster,
		LaunchType:               ecsmodel.LaunchType(s.LaunchType),
		CapacityProviderStrategy: s.CapacityProviderStrategy,
		NetworkConfiguration:     s.NetworkConfiguration,
		Overrides:                s.Overrides,
		StartedBy:                s.StartedBy,
	}
	for _, k := range sortedKeys(s.Tags) {
		layer.Tags = append(layer.Tags, ecsmodel.Tag{Key: k, Value: s.Tags[k]})
	}
	layer.Tags = append(layer.Tags, s.TagList...)
	if s.Cpu != "" || s.Memory != "" || s.TaskRoleArn != "" {
		if layer.Overrides == nil {
			layer.Overrides = &ecsmodel.TaskOverride{}
		} else {
			c := *layer.Overrides
			layer.Overrides = &c
		}
		layer.Overrides.Cpu, layer.Overrides.Memory, layer.Overrides.TaskRoleArn = s.Cpu, s.Memory, s.TaskRoleArn
	}
	request.Merge(&o.Request, layer)
	if len(s.Subnets) > 0 || len(s.SecurityGroups) > 0 || s.AssignPublicIp != "" {
		vpc := awsvpc(&o.Request)
		if len(s.Subnets) > 0 {
			vpc.Subnets = append([]string(nil), s.Subnets...)
		}
		if len(s.SecurityGroups) > 0 {
			vpc.SecurityGroups = append([]string(nil), s.SecurityGroups...)
		}
		if s.AssignPublicIp != "" {
			ip, err := request.ParseAssignPublicIP(s.AssignPublicIp)
			if err != nil {
				return err
			}
			vpc.AssignPublicIp = ip
		}
	}
	for _, k := range sortedKeys(s.Env) {
		v, err := request.ParseEnvName(k, s.Env[k])
		if err != nil {
			return err
		}
		o.Changes.Env = append(o.Changes.Env, v)
	}
	o.Changes.Env = append(o.Changes.Env, s.EnvList...)
	if s.Container != "" {
		o.Changes.Container = s.Container
	}
	if len(s.Command) > 0 {
		o.Changes.Command = append([]string(nil), s.Command...)
	}
	if s.Count != nil {
		o.Count = *s.Count
	}
	if s.Wait != "" {
		w, err := runtask.ParseWait(s.Wait)
		if err != nil {
			return err
		}
		o.Wait = w
	}
	if s.Logs != "" {
		m, err := runtask.ParseLogMode(s.Logs)
		if err != nil {
			return err
		}
		o.Logs = m
	}
	for _, d := range []struct {
		v   string
		dst *time.Duration
	}{{s.Timeout, &o.Timeout}, {s.StartTimeout, &o.StartTimeout}, {s.AttemptTimeout, &o.AttemptTimeout}} {
		if d.v != "" {
			v, err := duration(d.v)
			if err != nil {
				return err
			}
			*d.dst = v
		}
	}
	if s.SuccessContainer != "" {
		o.SuccessContainer = s.SuccessContainer
	}
	if r := s.Retry; r != nil {
		if err := r.apply(&o.Retry); err != nil {
			return err
		}
	}
	return nil
}

func (r *Retry) apply(p *retry.Policy) error {
	if r.MaxAttempts != nil {
		p.MaxAttempts = *r.MaxAttempts
	}
	if r.BackoffRate != nil {
		p.BackoffRate = *r.BackoffRate
	}
	for _, d := range []struct {
		v   string
		dst *time.Duration
	}{{r.Interval, &p.Interval}, {r.MaxDelay, &p.MaxDelay}} {
		if d.v != "" {
			v, err := duration(d.v)
			if err != nil {
				return err
			}
			*d.dst = v
		}
	}
	if r.Jitter != "" {
		j, err := retry.ParseJitter(r.Jitter)
		if err != nil {
			return err
		}
		p.Jitter = j
	}
	if len(r.RetryOn) > 0 {
		p.RetryOn = append([]string(nil), r.RetryOn...)
	}
	return nil
}

func awsvpc(req *ecsmodel.RunTaskRequest) *ecsmodel.AwsVpcConfiguration {
	if req.NetworkConfiguration == nil {
		req.NetworkConfiguration = &ecsmodel.NetworkConfiguration{}
	}
	if req.NetworkConfiguration.AwsvpcConfiguration == nil {
		req.NetworkConfiguration.AwsvpcConfiguration = &ecsmodel.AwsVpcConfiguration{}
	}
	return req.NetworkConfiguration.AwsvpcConfiguration
}

// ReadRequest reads a Run Task Request Definition file (JSON or YAML),
// expanded when o.ExpandEnv is set, and checks it strictly.
func ReadRequest(path string, o *runtask.Options) (*ecsmodel.RunTaskRequest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("request file: %w", err)
	}
	if o.ExpandEnv {
		lookup := o.Getenv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		if data, err = ecs.ExpandEnv(data, lookup); err != nil {
			return nil, fmt.Errorf("request file %s: --expand-env: %w", path, err)
		}
	}
	req, err := ecs.DecodeRunTaskRequestFile(data)
	if err != nil {
		return nil, fmt.Errorf("request file %s: %w", path, err)
	}
	return req, nil
}
