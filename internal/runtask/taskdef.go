package runtask

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// Task definition sources, as the report names them.
const (
	SourceRegistered = "registered"
	SourceReused     = "reused"
	SourceExisting   = "existing"
	// SourceFile is the source of a dry run's definition read from a file.
	SourceFile = "file"
)

// taskDef is the resolved task definition of a run.
type taskDef struct {
	def    *types.TaskDefinition
	source string
	// file is the decoded file, when the definition came from one.
	file *ecsmodel.RegisterTaskDefinitionRequest
	// note explains a registration (why the file was not reused).
	note string
	// warnings are what the run should warn about the file.
	warnings []string
}

// describe says which revision a run uses and how it was found, as the
// progress log prints it after "TaskDefinition: ".
func (td *taskDef) describe() string {
	arn := aws.ToString(td.def.TaskDefinitionArn)
	switch td.source {
	case SourceReused:
		return arn + " (unchanged: reused)"
	case SourceRegistered:
		if td.note != "" {
			return arn + " (registered: " + td.note + ")"
		}
		return arn + " (registered)"
	case SourceFile:
		if td.note != "" {
			return fmt.Sprintf("family %s from the file (would be registered: %s)", aws.ToString(td.def.Family), td.note)
		}
		return fmt.Sprintf("family %s from the file (would be registered)", aws.ToString(td.def.Family))
	}
	return arn
}

// FileError is an error in a file the user gave (it cannot be read, or its
// content is wrong), as opposed to a failed API call.
type FileError struct{ Err error }

// Error returns the underlying error's message.
func (e *FileError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// ResolveTaskDefinition does for client what --task-definition does for
// run-task: ref is a task definition file (JSON or YAML, with ${VAR}
// expanded when expandEnv), registered as a new revision, or with reuse
// only when it differs from its family's latest ACTIVE revision; or the
// family, family:revision or ARN of a registered revision, described. It
// returns the revision and the line the progress log prints about it
// ("<ARN> (registered)", "<ARN> (unchanged: reused)", ...). Problems with
// the file are *FileError.
func ResolveTaskDefinition(ctx context.Context, client ECS, ref string, reuse, expandEnv bool) (*types.TaskDefinition, string, error) {
	r := &Runner{ECS: client}
	td, err := r.resolveTaskDefinition(ctx, ref, &Options{ReuseIfUnchanged: reuse, ExpandEnv: expandEnv})
	if err != nil {
		return nil, "", err
	}
	return td.def, td.describe(), nil
}

// readTaskDefinitionFile reads, expands and decodes a task definition file.
// ok is false when ref names no file (a family, revision or ARN). warning,
// when not empty, is what the run should warn about the file.
func readTaskDefinitionFile(ref string, o *Options) (in *ecsmodel.RegisterTaskDefinitionRequest, ok bool, warning string, err error) {
	data, err := os.ReadFile(ref)
	if err != nil {
		if looksLikeFile(ref) || !errors.Is(err, os.ErrNotExist) {
			return nil, true, "", &FileError{fmt.Errorf("task definition file %s: %w", ref, err)}
		}
		return nil, false, "", nil
	}
	if o.ExpandEnv {
		if data, err = ecs.ExpandEnv(data, o.lookup()); err != nil {
			return nil, true, "", &FileError{fmt.Errorf("task definition file %s: --expand-env: %w", ref, err)}
		}
	} else if names := ecs.EnvReferences(data); len(names) > 0 {
		refs := make([]string, len(names))
		for i, n := range names {
			refs[i] = "${" + n + "}"
		}
		warning = fmt.Sprintf("task definition file %s: %s left as written (--expand-env is not set); "+
			"give --expand-env to expand from the environment, unless a shell in the container is meant to expand them", ref, strings.Join(refs, ", "))
	}
	in, err = ecs.DecodeTaskDefinitionFile(data)
	if err != nil {
		return nil, true, "", &FileError{fmt.Errorf("task definition file %s: %w", ref, err)}
	}
	return in, true, warning, nil
}

func (o *Options) lookup() func(string) (string, bool) {
	if o.Getenv != nil {
		return o.Getenv
	}
	return os.LookupEnv
}

func looksLikeFile(ref string) bool {
	return strings.ContainsAny(ref, "/\\") && !strings.HasPrefix(ref, "arn:") ||
		strings.HasSuffix(ref, ".json") || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
}

// resolveTaskDefinition registers a file (or reuses its latest ACTIVE
// revision when unchanged and asked to), or describes a named revision. In
// a dry run nothing is registered.
func (r *Runner) resolveTaskDefinition(ctx context.Context, ref string, o *Options) (*taskDef, error) {
	file, isFile, warning, err := readTaskDefinitionFile(ref, o)
	if err != nil {
		return nil, err
	}
	var warnings []string
	if warning != "" {
		warnings = append(warnings, warning)
	}
	if !isFile {
		if o.DryRun && r.ECS == nil {
			return nil, fmt.Errorf("--dry-run with the registered task definition %q needs the target to describe it", ref)
		}
		out, err := r.ECS.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)})
		if err != nil && isNotFound(err) {
			code, msg := errorCode(err)
			return nil, fmt.Errorf("task definition %q: there is no such file, and the target has no task definition of that name (%s: %s); give a file, or a registered family[:revision] or ARN", ref, code, msg)
		}
		if err != nil {
			return nil, fmt.Errorf("describe task definition %s: %w", ref, err)
		}
		return &taskDef{def: out.TaskDefinition, source: SourceExisting}, nil
	}
	td := &taskDef{file: file, source: SourceRegistered, warnings: warnings}
	if o.ReuseIfUnchanged && r.ECS != nil {
		out, err := r.ECS.DescribeTaskDefinition(ctx, &awsecs.DescribeTaskDefinitionInput{
			TaskDefinition: aws.String(file.Family), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags},
		})
		switch {
		case err == nil:
			same, diff := sameTaskDefinition(file, out.TaskDefinition, out.Tags)
			if same {
				return &taskDef{def: out.TaskDefinition, source: SourceReused, file: file, warnings: warnings}, nil
			}
			td.note = fmt.Sprintf("the file differs from %s: %s", aws.ToString(out.TaskDefinition.TaskDefinitionArn), diff)
		case isNotFound(err):
			td.note = fmt.Sprintf("family %s had no ACTIVE revision", file.Family)
		default:
			return nil, fmt.Errorf("describe task definition %s: %w", file.Family, err)
		}
	}
	if o.DryRun {
		def := new(types.TaskDefinition)
		if err := convert(file, def); err != nil {
			return nil, fmt.Errorf("task definition file %s: %w", ref, err)
		}
		td.def, td.source = def, SourceFile
		return td, nil
	}
	var in awsecs.RegisterTaskDefinitionInput
	if err := convert(file, &in); err != nil {
		return nil, fmt.Errorf("task definition file %s: %w", ref, err)
	}
	out, err := r.ECS.RegisterTaskDefinition(ctx, &in)
	if err != nil {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			return nil, fmt.Errorf("register task definition %s: %w", ref, err)
		}
		err = fmt.Errorf("register task definition %s: %s: %s", ref, ae.ErrorCode(), ae.ErrorMessage())
		if c := ae.ErrorCode(); c == "ClientException" || c == "InvalidParameterException" {
			err = &FileError{err} // ECS refused what the file says
		}
		return nil, err
	}
	td.def = out.TaskDefinition
	return td, nil
}

// isNotFound reports whether a DescribeTaskDefinition error means the
// family has no ACTIVE revision.
func isNotFound(err error) bool {
	var ce *types.ClientException
	if errors.As(err, &ce) {
		return true
	}
	var ip *types.InvalidParameterException
	return errors.As(err, &ip)
}
