package secrets

import (
	"errors"
	"fmt"
	"strings"
)

// Service is the AWS service a secret reference points into.
type Service string

// Services a reference can name.
const (
	SecretsManager Service = "secretsmanager"
	ParameterStore Service = "ssm"
)

// ErrInvalidRef is the kind of every error ParseRef returns.
var ErrInvalidRef = errors.New("invalid secret reference")

// Ref is a parsed secret reference.
type Ref struct {
	Service Service
	// Name is the secret's or parameter's name: "prod/db-AbCdEf" for a
	// Secrets Manager ARN, "/prod/db" for an ARN ending in parameter/prod/db.
	Name string
	// JSONKey, VersionStage and VersionID are the optional suffixes of a
	// Secrets Manager reference.
	JSONKey      string
	VersionStage string
	VersionID    string
	// Selector is the optional ":VERSION" or ":LABEL" of a parameter.
	Selector string
	// Region and Account come from an ARN; both are empty for a bare name.
	Region  string
	Account string
}

// String returns the reference as a task definition writes it, for
// messages.
func (r Ref) String() string {
	if r.Service == SecretsManager {
		return fmt.Sprintf("Secrets Manager secret %q", r.Name)
	}
	return fmt.Sprintf("SSM parameter %q", r.Name)
}

// maxNameLen bounds a name (SSM allows 2048 characters with its path, Secrets
// Manager 512).
const maxNameLen = 2048

// ParseRef parses a valueFrom. A string that is not an ARN is an SSM
// parameter name, as ECS reads it.
func ParseRef(valueFrom string) (Ref, error) {
	bad := func(format string, args ...any) (Ref, error) {
		return Ref{}, fmt.Errorf("secrets: %q: %s: %w", valueFrom, fmt.Sprintf(format, args...), ErrInvalidRef)
	}
	if valueFrom == "" {
		return bad("empty reference")
	}
	if !strings.HasPrefix(valueFrom, "arn:") {
		name, sel, _ := strings.Cut(valueFrom, ":")
		if err := checkName(name); err != "" {
			return bad("%s", err)
		}
		return Ref{Service: ParameterStore, Name: name, Selector: sel}, nil
	}
	parts := strings.SplitN(valueFrom, ":", 6)
	if len(parts) < 6 || parts[1] == "" {
		return bad("an ARN has the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")
	}
	ref := Ref{Region: parts[3], Account: parts[4]}
	resource := parts[5]
	switch parts[2] {
	case string(SecretsManager):
		ref.Service = SecretsManager
		fields := strings.Split(resource, ":")
		if fields[0] != "secret" || len(fields) < 2 {
			return bad("a Secrets Manager ARN ends in secret:NAME")
		}
		if len(fields) > 5 {
			return bad("a Secrets Manager reference has at most the suffixes :JSON-KEY:VERSION-STAGE:VERSION-ID")
		}
		fields = append(fields, "", "", "")
		ref.Name, ref.JSONKey, ref.VersionStage, ref.VersionID = fields[1], fields[2], fields[3], fields[4]
		if ref.VersionStage != "" && ref.VersionID != "" {
			return bad("give a version stage or a version id, not both")
		}
	case string(ParameterStore):
		ref.Service = ParameterStore
		rest, ok := strings.CutPrefix(resource, "parameter/")
		if !ok {
			return bad("an SSM Parameter Store ARN ends in parameter/NAME")
		}
		rest, ref.Selector, _ = strings.Cut(rest, ":")
		ref.Name = rest
		if strings.Contains(rest, "/") {
			// parameter/a/b is the hierarchical parameter "/a/b".
			ref.Name = "/" + rest
		}
	default:
		return bad("service %q; secrets come from secretsmanager or ssm", parts[2])
	}
	if err := checkName(ref.Name); err != "" {
		return bad("%s", err)
	}
	return ref, nil
}

// checkName returns what is wrong with a secret name, or "".
func checkName(name string) string {
	switch {
	case name == "" || name == "/":
		return "empty name"
	case len(name) > maxNameLen:
		return fmt.Sprintf("name longer than %d characters", maxNameLen)
	case strings.Contains(name, "//"):
		return "empty path segment in name"
	}
	for _, c := range name {
		if c < ' ' || c == 0x7f {
			return "control character in name"
		}
	}
	return ""
}

// Name returns the store key for a name or an ARN given on the command line
// (`ecsrun secrets put arn:aws:ssm:...:parameter/prod/db` stores "/prod/db").
// It refuses references with a JSON key, version or selector, which select
// from a value rather than name one.
func Name(nameOrARN string) (string, error) {
	if !strings.HasPrefix(nameOrARN, "arn:") {
		if err := checkName(nameOrARN); err != "" {
			return "", fmt.Errorf("secrets: %q: %s: %w", nameOrARN, err, ErrInvalidRef)
		}
		return nameOrARN, nil
	}
	ref, err := ParseRef(nameOrARN)
	if err != nil {
		return "", err
	}
	if ref.JSONKey != "" || ref.VersionStage != "" || ref.VersionID != "" || ref.Selector != "" {
		return "", fmt.Errorf("secrets: %q: name the secret itself, without a JSON key, version or selector: %w", nameOrARN, ErrInvalidRef)
	}
	return ref.Name, nil
}

// candidates returns the store keys a reference may be stored under, in
// order: its name, then for a Secrets Manager name the name without the
// "-XXXXXX" suffix AWS appends to secret ARNs.
func (r Ref) candidates() []string {
	names := []string{r.Name}
	if r.Service == SecretsManager {
		if i := len(r.Name) - 7; i > 0 && r.Name[i] == '-' && isAlnum(r.Name[i+1:]) {
			names = append(names, r.Name[:i])
		}
	}
	return names
}

func isAlnum(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
