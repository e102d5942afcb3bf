package taskroles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"sigs.k8s.io/yaml"
)

// Error kinds.
var (
	// ErrNoMapping: the mapping has no entry for the role.
	ErrNoMapping = errors.New("ecsrun has no local credentials for it")
	// ErrInvalidFile: the mapping file cannot be read or is malformed.
	ErrInvalidFile = errors.New("invalid task roles file")
	// ErrCredentials: the mapped profile yields no credentials.
	ErrCredentials = errors.New("cannot get credentials for the task role")
)

// Role is one entry of the mapping.
type Role struct {
	// RoleArn is a role ARN, a role name, or "*" for every other role.
	RoleArn string `json:"roleArn"`
	// Profile names a profile of the shared AWS configuration.
	Profile string `json:"profile,omitempty"`
	// Static keys, when no profile is given.
	AccessKeyID     string `json:"accessKeyId,omitempty"`
	SecretAccessKey string `json:"secretAccessKey,omitempty"`
	SessionToken    string `json:"sessionToken,omitempty"`
}

// Mapping is the content of a task roles file.
type Mapping struct {
	Roles []Role `json:"roles"`
}

// Parse reads a mapping (YAML or JSON) and checks every entry.
func Parse(data []byte) (*Mapping, error) {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFile, strings.TrimPrefix(err.Error(), "error converting YAML to JSON: "))
	}
	var m Mapping
	if len(bytes.TrimSpace(j)) == 0 || string(bytes.TrimSpace(j)) == "null" {
		return &m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFile, err)
	}
	seen := map[string]bool{}
	for i, r := range m.Roles {
		where := fmt.Sprintf("roles[%d]", i)
		switch {
		case r.RoleArn == "":
			return nil, fmt.Errorf("%w: %s: roleArn is required", ErrInvalidFile, where)
		case seen[r.RoleArn]:
			return nil, fmt.Errorf("%w: %s: role %q is mapped twice", ErrInvalidFile, where, r.RoleArn)
		case r.Profile != "" && (r.AccessKeyID != "" || r.SecretAccessKey != "" || r.SessionToken != ""):
			return nil, fmt.Errorf("%w: %s (%s): give a profile or static keys, not both", ErrInvalidFile, where, r.RoleArn)
		case r.Profile == "" && (r.AccessKeyID == "" || r.SecretAccessKey == ""):
			return nil, fmt.Errorf("%w: %s (%s): give a profile, or accessKeyId and secretAccessKey", ErrInvalidFile, where, r.RoleArn)
		}
		seen[r.RoleArn] = true
	}
	return &m, nil
}

// roleName returns the name of a role ARN (arn:aws:iam::1:role/path/name ->
// name) or s itself.
func roleName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Find returns the entry for roleArn: the exact ARN, else an entry naming
// the same role by name, else "*".
func (m *Mapping) Find(roleArn string) (Role, bool) {
	for _, r := range m.Roles {
		if r.RoleArn == roleArn {
			return r, true
		}
	}
	name := roleName(roleArn)
	for _, r := range m.Roles {
		if r.RoleArn != "*" && (!strings.HasPrefix(r.RoleArn, "arn:") || !strings.HasPrefix(roleArn, "arn:")) && roleName(r.RoleArn) == name {
			return r, true
		}
	}
	for _, r := range m.Roles {
		if r.RoleArn == "*" {
			return r, true
		}
	}
	return Role{}, false
}

// Credentials are a task role's temporary credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Expires is when they stop working (static keys are reported to expire
	// an hour after they are handed out, so clients come back for them).
	Expires time.Time
}

// StaticLifetime is how long static keys are reported to last.
const StaticLifetime = time.Hour

// Provider hands out the credentials of task roles according to a mapping
// file. It is safe for concurrent use.
type Provider struct {
	path string
	now  func() time.Time

	mu       sync.Mutex
	profiles map[string]aws.CredentialsProvider
}

// NewProvider returns a provider reading the mapping at path (a missing
// file maps no role).
func NewProvider(path string) *Provider {
	return &Provider{path: path, now: time.Now, profiles: map[string]aws.CredentialsProvider{}}
}

// Path is the mapping file.
func (p *Provider) Path() string { return p.path }

func (p *Provider) load() (*Mapping, error) {
	if p.path == "" {
		return &Mapping{}, nil
	}
	b, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Mapping{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidFile, err)
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.path, err)
	}
	return m, nil
}

// Check reports whether roleArn is mapped (ErrNoMapping, ErrInvalidFile).
func (p *Provider) Check(roleArn string) error {
	m, err := p.load()
	if err != nil {
		return err
	}
	if _, ok := m.Find(roleArn); !ok {
		return p.noMapping(roleArn)
	}
	return nil
}

// noMapping is the ErrNoMapping error for roleArn, naming the file.
func (p *Provider) noMapping(roleArn string) error {
	where := "the task roles file (none is configured)"
	if p.path != "" {
		where = "the task roles file " + p.path
		if _, err := os.Stat(p.path); errors.Is(err, fs.ErrNotExist) {
			where += " (it does not exist yet)"
		}
	}
	return fmt.Errorf("the task role %s is not in %s: %w", roleArn, where, ErrNoMapping)
}

// Credentials returns credentials for roleArn.
func (p *Provider) Credentials(ctx context.Context, roleArn string) (Credentials, error) {
	m, err := p.load()
	if err != nil {
		return Credentials{}, err
	}
	r, ok := m.Find(roleArn)
	if !ok {
		return Credentials{}, p.noMapping(roleArn)
	}
	if r.Profile == "" {
		return Credentials{
			AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey, SessionToken: r.SessionToken,
			Expires: p.now().Add(StaticLifetime).UTC().Truncate(time.Second),
		}, nil
	}
	prov, err := p.profile(ctx, r.Profile)
	if err != nil {
		return Credentials{}, err
	}
	c, err := prov.Retrieve(ctx)
	if err != nil {
		return Credentials{}, fmt.Errorf("%w %s: profile %q: %v", ErrCredentials, roleArn, r.Profile, err)
	}
	exp := c.Expires
	if !c.CanExpire || exp.IsZero() {
		exp = p.now().Add(StaticLifetime)
	}
	return Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Expires: exp.UTC().Truncate(time.Second),
	}, nil
}

// profile returns the cached credentials provider of a shared-config profile.
func (p *Provider) profile(ctx context.Context, name string) (aws.CredentialsProvider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prov, ok := p.profiles[name]; ok {
		return prov, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithSharedConfigProfile(name),
		// The engine's own host is not an EC2 instance to take credentials from.
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: profile %q: %v", ErrCredentials, name, err)
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w: profile %q has no credentials", ErrCredentials, name)
	}
	p.profiles[name] = cfg.Credentials
	return cfg.Credentials, nil
}
