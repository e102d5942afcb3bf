package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ecsrun/ecsrun/internal/filelock"
)

// Error kinds of the store.
var (
	// ErrNotFound: no secret has that name.
	ErrNotFound = errors.New("secret not found")
	// ErrUnresolvable: the secret exists but the reference cannot be
	// answered from it (missing JSON key, another version).
	ErrUnresolvable = errors.New("secret reference cannot be resolved")
	// ErrTooLarge: the value exceeds MaxValueBytes.
	ErrTooLarge = errors.New("secret value too large")
)

// MaxValueBytes bounds a value (the Secrets Manager limit).
const MaxValueBytes = 64 << 10

// FileName is the store's file in its directory; its lock is FileName+".lock".
const FileName = "secrets.json"

// Entry describes a stored secret without its value.
type Entry struct {
	Name    string
	Updated time.Time
	Bytes   int
}

// Store is the local secret store: a JSON file in a directory. It is safe
// for concurrent use by goroutines and by processes.
type Store struct {
	dir string
	now func() time.Time
}

// Open returns the store kept in dir; nothing is read or created until it is
// used.
func Open(dir string) *Store { return &Store{dir: dir, now: time.Now} }

type record struct {
	Value   string    `json:"value"`
	Updated time.Time `json:"updated"`
}

type file struct {
	Secrets map[string]record `json:"secrets"`
}

func (s *Store) path() string { return filepath.Join(s.dir, FileName) }

// read loads the file; a missing file is an empty store.
func (s *Store) read() (file, error) {
	f := file{Secrets: map[string]record{}}
	b, err := os.ReadFile(s.path())
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("secrets: read the store: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("secrets: %s is damaged (%v); repair or remove it", s.path(), err)
	}
	if f.Secrets == nil {
		f.Secrets = map[string]record{}
	}
	return f, nil
}

// update runs change on the file under the exclusive lock and writes it
// back atomically (a new file of mode 0600 renamed over the old one).
func (s *Store) update(change func(*file) error) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("secrets: create %s: %w", s.dir, err)
	}
	lk, err := os.OpenFile(s.path()+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("secrets: open the lock: %w", err)
	}
	defer lk.Close()
	if err := filelock.Lock(lk); err != nil {
		return fmt.Errorf("secrets: lock the store: %w", err)
	}
	f, err := s.read()
	if err != nil {
		return err
	}
	if err := change(&f); err != nil {
		return err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("secrets: encode the store: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, FileName+".*.tmp")
	if err != nil {
		return fmt.Errorf("secrets: write the store: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("secrets: write the store: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("secrets: write the store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("secrets: write the store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("secrets: write the store: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path()); err != nil {
		return fmt.Errorf("secrets: write the store: %w", err)
	}
	return nil
}

// Put stores value under name (a name or an ARN, see Name) and reports
// whether the secret is new.
func (s *Store) Put(nameOrARN, value string) (created bool, err error) {
	name, err := Name(nameOrARN)
	if err != nil {
		return false, err
	}
	if len(value) > MaxValueBytes {
		return false, fmt.Errorf("secrets: %q: %d bytes, more than %d: %w", name, len(value), MaxValueBytes, ErrTooLarge)
	}
	err = s.update(func(f *file) error {
		_, exists := f.Secrets[name]
		created = !exists
		f.Secrets[name] = record{Value: value, Updated: s.now().UTC()}
		return nil
	})
	return created, err
}

// Get returns the value stored under name (a name or an ARN).
func (s *Store) Get(nameOrARN string) (string, error) {
	name, err := Name(nameOrARN)
	if err != nil {
		return "", err
	}
	f, err := s.read()
	if err != nil {
		return "", err
	}
	r, ok := f.Secrets[name]
	if !ok {
		return "", fmt.Errorf("secrets: %q: %w", name, ErrNotFound)
	}
	return r.Value, nil
}

// Delete removes the secret stored under name (a name or an ARN).
func (s *Store) Delete(nameOrARN string) error {
	name, err := Name(nameOrARN)
	if err != nil {
		return err
	}
	return s.update(func(f *file) error {
		if _, ok := f.Secrets[name]; !ok {
			return fmt.Errorf("secrets: %q: %w", name, ErrNotFound)
		}
		delete(f.Secrets, name)
		return nil
	})
}

// List returns every stored secret, by name, without values.
func (s *Store) List() ([]Entry, error) {
	f, err := s.read()
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(f.Secrets))
	for name, r := range f.Secrets {
		out = append(out, Entry{Name: name, Updated: r.Updated, Bytes: len(r.Value)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Resolve returns the value a reference selects. Errors wrap ErrNotFound or
// ErrUnresolvable and say what to do; they never contain a value.
func (s *Store) Resolve(ref Ref) (string, error) {
	f, err := s.read()
	if err != nil {
		return "", err
	}
	var rec record
	found := false
	for _, name := range ref.candidates() {
		if rec, found = f.Secrets[name]; found {
			break
		}
	}
	if !found {
		return "", fmt.Errorf("%s is not in the local secret store (add it with `ecsrun secrets put %s`): %w", ref, ref.Name, ErrNotFound)
	}
	return selectValue(ref, rec.Value)
}

// selectValue applies a reference's version and JSON key to a stored value.
func selectValue(ref Ref, value string) (string, error) {
	if ref.VersionStage != "" && ref.VersionStage != "AWSCURRENT" {
		return "", fmt.Errorf("%s: version stage %q: the local secret store keeps only the current version (AWSCURRENT): %w", ref, ref.VersionStage, ErrUnresolvable)
	}
	if ref.VersionID != "" {
		return "", fmt.Errorf("%s: version id %q: the local secret store keeps only the current version; leave the version id empty: %w", ref, ref.VersionID, ErrUnresolvable)
	}
	if ref.Selector != "" {
		return "", fmt.Errorf("%s: version or label %q: the local secret store keeps only the current value; drop the selector: %w", ref, ref.Selector, ErrUnresolvable)
	}
	if ref.JSONKey == "" {
		return value, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(value), &obj); err != nil || obj == nil {
		return "", fmt.Errorf("%s: the value is not a JSON object, so it has no json key %q: %w", ref, ref.JSONKey, ErrUnresolvable)
	}
	raw, ok := obj[ref.JSONKey]
	if !ok {
		// ECS's words for this case.
		return "", fmt.Errorf("retrieved secret from Secrets Manager did not contain json key %s: %w", ref.JSONKey, ErrUnresolvable)
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		return str, nil
	}
	// Numbers, booleans, objects and arrays are given as their JSON text.
	return strings.TrimSpace(string(raw)), nil
}
