package sigv4

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Environment variables read by KeyFromEnv.
const (
	// EnvAccessKeyID names the access key id clients sign with.
	EnvAccessKeyID = "ECSRUN_ACCESS_KEY_ID"
	// EnvSecretAccessKey names its secret.
	EnvSecretAccessKey = "ECSRUN_SECRET_ACCESS_KEY"
)

// Key is one configured credential.
type Key struct {
	// Name says where the key was configured: the credentials file section,
	// or "env" for the environment. It is for messages and logs only.
	Name string
	// AccessKeyID is the public half clients put in the credential scope.
	AccessKeyID string
	// SecretAccessKey is the shared secret signatures are computed with.
	SecretAccessKey string
	// SessionToken, when not empty, must be sent by clients as
	// X-Amz-Security-Token. When empty, requests carrying a session token are
	// refused, as AWS refuses a session token with a long-term key.
	SessionToken string
}

// Credentials finds the secret of an access key id.
type Credentials interface {
	// Lookup returns the key with the given access key id. It returns an
	// error matching *UnknownKeyError (errors.As) when there is none; any
	// other error is an internal failure.
	Lookup(ctx context.Context, accessKeyID string) (Key, error)
}

// UnknownKeyError reports an access key id no credential has.
type UnknownKeyError struct {
	// AccessKeyID is the id that was looked up.
	AccessKeyID string
}

// Error implements error.
func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("sigv4: unknown access key id %q", e.AccessKeyID)
}

// StaticCredentials is a fixed set of keys. It is safe for concurrent use.
type StaticCredentials struct {
	keys map[string]Key
}

var _ Credentials = (*StaticCredentials)(nil)

// NewStaticCredentials returns a set holding keys. Every key needs an access
// key id and a secret; an access key id may appear twice only with the same
// secret and session token.
func NewStaticCredentials(keys ...Key) (*StaticCredentials, error) {
	s := &StaticCredentials{keys: make(map[string]Key, len(keys))}
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if prev, dup := s.keys[k.AccessKeyID]; dup {
			if prev.SecretAccessKey == k.SecretAccessKey && prev.SessionToken == k.SessionToken {
				continue // the same key configured in two places
			}
			return nil, fmt.Errorf("sigv4: access key id %q is configured twice (%s and %s)", k.AccessKeyID, prev.Name, k.Name)
		}
		s.keys[k.AccessKeyID] = k
	}
	return s, nil
}

func checkKey(k Key) error {
	where := ""
	if k.Name != "" {
		where = " (" + k.Name + ")"
	}
	switch {
	case k.AccessKeyID == "":
		return fmt.Errorf("sigv4: a key%s has no access key id", where)
	case k.SecretAccessKey == "":
		return fmt.Errorf("sigv4: access key id %q%s has no secret access key", k.AccessKeyID, where)
	case strings.ContainsAny(k.AccessKeyID, "/ \t,="):
		return fmt.Errorf("sigv4: access key id %q%s contains a character ('/', ',', '=' or a space) that cannot appear in a credential scope", k.AccessKeyID, where)
	}
	return nil
}

// Lookup implements Credentials.
func (s *StaticCredentials) Lookup(_ context.Context, accessKeyID string) (Key, error) {
	if k, ok := s.keys[accessKeyID]; ok {
		return k, nil
	}
	return Key{}, &UnknownKeyError{AccessKeyID: accessKeyID}
}

// Len reports how many keys the set holds.
func (s *StaticCredentials) Len() int { return len(s.keys) }

// AccessKeyIDs returns the configured access key ids, sorted.
func (s *StaticCredentials) AccessKeyIDs() []string {
	ids := make([]string, 0, len(s.keys))
	for id := range s.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// KeyFromEnv reads EnvAccessKeyID and EnvSecretAccessKey through lookup
// (os.LookupEnv in production). ok is false when neither is set; setting only
// one of them is an error.
func KeyFromEnv(lookup func(string) (string, bool)) (key Key, ok bool, err error) {
	id, hasID := lookup(EnvAccessKeyID)
	secret, hasSecret := lookup(EnvSecretAccessKey)
	id = strings.TrimSpace(id)
	hasID = hasID && id != ""
	hasSecret = hasSecret && secret != ""
	switch {
	case !hasID && !hasSecret:
		return Key{}, false, nil
	case !hasSecret:
		return Key{}, false, fmt.Errorf("sigv4: %s is set but %s is not", EnvAccessKeyID, EnvSecretAccessKey)
	case !hasID:
		return Key{}, false, fmt.Errorf("sigv4: %s is set but %s is not", EnvSecretAccessKey, EnvAccessKeyID)
	}
	k := Key{Name: "env", AccessKeyID: id, SecretAccessKey: secret}
	if err := checkKey(k); err != nil {
		return Key{}, false, err
	}
	return k, true, nil
}

// LoadCredentialsFile reads a credentials file (see the package
// documentation for its format) and returns its keys in file order.
func LoadCredentialsFile(path string) ([]Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sigv4: credentials file: %w", err)
	}
	defer f.Close()
	keys, err := ParseCredentials(f, path)
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// ParseCredentials reads credentials in the file format from r; name is used
// in error messages.
func ParseCredentials(r io.Reader, name string) ([]Key, error) {
	type section struct {
		key  Key
		line int
		seen map[string]int
	}
	var (
		sections []*section
		cur      *section
		byName   = map[string]int{}
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	lineNo := 0
	errf := func(format string, args ...any) error {
		return fmt.Errorf("sigv4: %s:%d: %s", name, lineNo, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			if !strings.HasSuffix(line, "]") {
				return nil, errf("section header %q lacks its closing ']'", line)
			}
			sname := strings.TrimSpace(line[1 : len(line)-1])
			if sname == "" {
				return nil, errf("empty section name")
			}
			if first, dup := byName[sname]; dup {
				return nil, errf("section [%s] already appears on line %d", sname, first)
			}
			byName[sname] = lineNo
			cur = &section{key: Key{Name: sname}, line: lineNo, seen: map[string]int{}}
			sections = append(sections, cur)
			continue
		}
		k, v, found := strings.Cut(line, "=")
		if !found {
			return nil, errf("expected 'name = value', got %q", line)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		if cur == nil {
			return nil, errf("%q appears before any [section]", k)
		}
		if first, dup := cur.seen[k]; dup {
			return nil, errf("%s appears twice in [%s] (first on line %d)", k, cur.key.Name, first)
		}
		cur.seen[k] = lineNo
		switch k {
		case "aws_access_key_id":
			cur.key.AccessKeyID = v
		case "aws_secret_access_key":
			cur.key.SecretAccessKey = v
		case "aws_session_token":
			cur.key.SessionToken = v
		default:
			// Other settings (region, output, role_arn, ...) may appear
			// in a file shared with the AWS CLI; they do not concern
			// signature verification.
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sigv4: %s: %w", name, err)
	}
	var keys []Key
	for _, s := range sections {
		if s.key.AccessKeyID == "" && s.key.SecretAccessKey == "" {
			if s.key.SessionToken != "" {
				return nil, fmt.Errorf("sigv4: %s:%d: section [%s] has aws_session_token but no aws_access_key_id and aws_secret_access_key", name, s.line, s.key.Name)
			}
			continue // a profile without static keys (SSO, role, ...)
		}
		if err := checkKey(s.key); err != nil {
			return nil, fmt.Errorf("%w (%s:%d)", err, name, s.line)
		}
		keys = append(keys, s.key)
	}
	if len(keys) == 0 {
		return nil, errors.New("sigv4: " + name + ": no section holds aws_access_key_id and aws_secret_access_key")
	}
	return keys, nil
}

// Load gathers the keys configured through the environment (KeyFromEnv with
// lookup) and, when path is not empty, the credentials file at path. It
// returns nil and no error when neither configures a key, which means "no
// authentication configured".
func Load(lookup func(string) (string, bool), path string) (*StaticCredentials, error) {
	var keys []Key
	k, ok, err := KeyFromEnv(lookup)
	if err != nil {
		return nil, err
	}
	if ok {
		keys = append(keys, k)
	}
	if path != "" {
		fileKeys, err := LoadCredentialsFile(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, fileKeys...)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return NewStaticCredentials(keys...)
}
