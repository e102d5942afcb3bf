package envfile

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"plain", "A=1\nB=two words\n", map[string]string{"A": "1", "B": "two words"}},
		{"comments and blanks", "# c\n\nA=1\n  # not a comment line start\n", map[string]string{"A": "1"}},
		{"first = splits", "URL=http://x/?a=b\n", map[string]string{"URL": "http://x/?a=b"}},
		{"nothing trimmed or unquoted", " A = \"q\" \n", map[string]string{" A ": " \"q\" "}},
		{"empty name or value skipped", "=x\nB=\nC\n", map[string]string{}},
		{"later line wins", "A=1\nA=2\n", map[string]string{"A": "2"}},
		{"crlf", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}},
		{"no final newline", "A=1", map[string]string{"A": "1"}},
	}
	for _, tt := range tests {
		got, err := Parse(strings.NewReader(tt.in))
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("%s: Parse(%q) = %v, %v; want %v", tt.name, tt.in, got, err, tt.want)
		}
	}
}

func TestParse_LineTooLong(t *testing.T) {
	if _, err := Parse(strings.NewReader("A=" + strings.Repeat("x", maxLine))); err == nil {
		t.Error("Parse of an over-long line succeeded")
	}
}

func TestLocate(t *testing.T) {
	dir := "/s3"
	tests := []struct{ in, want string }{
		{"arn:aws:s3:::bucket/app/prod.env", "/s3/bucket/app/prod.env"},
		{"arn:aws-cn:s3:::bucket/a.env", "/s3/bucket/a.env"},
		{"s3://bucket/a.env", "/s3/bucket/a.env"},
		{"/etc/app/a.env", "/etc/app/a.env"},
		{"/etc/app/../app/a.env", "/etc/app/a.env"},
		{"file:///etc/app/a.env", "/etc/app/a.env"},
		{"file://localhost/etc/app/a.env", "/etc/app/a.env"},
	}
	for _, tt := range tests {
		if got, err := Locate(tt.in, dir); err != nil || got != tt.want {
			t.Errorf("Locate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{
		"relative/a.env", "arn:aws:ssm:::x/y", "arn:aws:s3:::bucket", "arn:aws:s3:::/key",
		"s3://bucket/../../etc/passwd", "s3://bucket/./a", "file://host/a.env", "file://", "",
	} {
		if got, err := Locate(in, dir); !errors.Is(err, ErrInvalid) {
			t.Errorf("Locate(%q) = %q, %v; want ErrInvalid", in, got, err)
		}
	}
	if _, err := Locate("s3://b/k", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("Locate without an S3 directory: %v; want ErrInvalid", err)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bucket"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bucket", "a.env"), []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read("arn:aws:s3:::bucket/a.env", dir)
	if err != nil || got["A"] != "1" {
		t.Errorf("Read = %v, %v; want A=1", got, err)
	}
	_, err = Read("arn:aws:s3:::bucket/missing.env", dir)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(dir, "bucket", "missing.env")) {
		t.Errorf("Read of a missing file: %v; want ErrNotExist naming the local path", err)
	}
}

func TestMerge_FirstFileWins(t *testing.T) {
	got := Merge(map[string]string{"A": "1", "B": "1"}, map[string]string{"B": "2", "C": "2"}, nil)
	want := map[string]string{"A": "1", "B": "1", "C": "2"}
	if !maps.Equal(got, want) {
		t.Errorf("Merge = %v; want %v", got, want)
	}
}
