package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestStore_PutGetListDelete(t *testing.T) {
	s := Open(t.TempDir())
	if got, err := s.List(); err != nil || len(got) != 0 {
		t.Fatalf("List of a new store = %v, %v; want nothing", got, err)
	}
	created, err := s.Put("db", "hunter2")
	if err != nil || !created {
		t.Fatalf("Put = %v, %v; want created", created, err)
	}
	if created, err := s.Put("db", "hunter3"); err != nil || created {
		t.Fatalf("second Put = %v, %v; want an update", created, err)
	}
	if _, err := s.Put("arn:aws:ssm:us-east-1:1:parameter/prod/api", "k"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get("db"); err != nil || v != "hunter3" {
		t.Errorf("Get(db) = %q, %v; want hunter3", v, err)
	}
	if v, err := s.Get("/prod/api"); err != nil || v != "k" {
		t.Errorf("Get(/prod/api) = %q, %v; want k", v, err)
	}
	list, err := s.List()
	if err != nil || len(list) != 2 || list[0].Name != "/prod/api" || list[1].Name != "db" || list[1].Bytes != 7 || list[1].Updated.IsZero() {
		t.Errorf("List = %+v, %v; want /prod/api and db (7 bytes)", list, err)
	}
	if err := s.Delete("db"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("db"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v; want ErrNotFound", err)
	}
	if err := s.Delete("db"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v; want ErrNotFound", err)
	}
}

func TestStore_FileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir)
	if _, err := s.Put("db", "hunter2"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("store file mode %v; want 0600", fi.Mode().Perm())
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(tmps) != 0 {
		t.Errorf("temporary files left behind: %v", tmps)
	}
}

func TestStore_RefusesHugeValues(t *testing.T) {
	s := Open(t.TempDir())
	if _, err := s.Put("big", strings.Repeat("x", MaxValueBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Put of %d bytes: %v; want ErrTooLarge", MaxValueBytes+1, err)
	}
}

func TestStore_ConcurrentWritersLoseNothing(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			// A store per writer, like separate processes.
			if _, err := Open(dir).Put(string(rune('a'+i)), "v"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	list, err := Open(dir).List()
	if err != nil || len(list) != 20 {
		t.Errorf("List after 20 concurrent Puts: %d entries, %v; want 20", len(list), err)
	}
}

func TestStore_DamagedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir).Get("x"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Get from a damaged store: %v; want an error saying it is damaged", err)
	}
}

func TestStore_Resolve(t *testing.T) {
	s := Open(t.TempDir())
	put := func(name, value string) {
		t.Helper()
		if _, err := s.Put(name, value); err != nil {
			t.Fatal(err)
		}
	}
	put("prod/db", `{"username":"app","password":"s3cret","port":5432,"tls":true,"opts":{"a":1}}`)
	put("plain", "hunter2")
	put("/prod/api/key", "k-123")
	put("api", "bare")
	const sm = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	tests := []struct {
		valueFrom string
		want      string
		kind      error
	}{
		{sm + "plain", "hunter2", nil},
		{sm + "plain-AbCdEf", "hunter2", nil},
		{sm + "prod/db-AbCdEf:password::", "s3cret", nil},
		{sm + "prod/db:port::", "5432", nil},
		{sm + "prod/db:tls:AWSCURRENT:", "true", nil},
		{sm + "prod/db:opts", `{"a":1}`, nil},
		{sm + "prod/db:missing::", "", ErrUnresolvable},
		{sm + "plain:key::", "", ErrUnresolvable},
		{sm + "plain::AWSPREVIOUS:", "", ErrUnresolvable},
		{sm + "plain:::v1", "", ErrUnresolvable},
		{sm + "nothing", "", ErrNotFound},
		{"arn:aws:ssm:us-east-1:123456789012:parameter/prod/api/key", "k-123", nil},
		{"/prod/api/key", "k-123", nil},
		{"api", "bare", nil},
		{"api:2", "", ErrUnresolvable},
		{"arn:aws:ssm:us-east-1:123456789012:parameter/prod/nothing", "", ErrNotFound},
	}
	for _, tt := range tests {
		ref, err := ParseRef(tt.valueFrom)
		if err != nil {
			t.Fatalf("ParseRef(%q): %v", tt.valueFrom, err)
		}
		got, err := s.Resolve(ref)
		if tt.kind != nil {
			if !errors.Is(err, tt.kind) {
				t.Errorf("Resolve(%q) = %q, %v; want %v", tt.valueFrom, got, err, tt.kind)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Resolve(%q) error %q shows a value", tt.valueFrom, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.valueFrom, got, err, tt.want)
		}
	}
}

func TestStore_ResolveMissingJSONKeyUsesECSWords(t *testing.T) {
	s := Open(t.TempDir())
	if _, err := s.Put("db", `{"a":"b"}`); err != nil {
		t.Fatal(err)
	}
	ref, _ := ParseRef("arn:aws:secretsmanager:us-east-1:1:secret:db:password::")
	_, err := s.Resolve(ref)
	if err == nil || !strings.Contains(err.Error(), "retrieved secret from Secrets Manager did not contain json key password") {
		t.Errorf("Resolve with a missing key: %v; want ECS's message", err)
	}
}
