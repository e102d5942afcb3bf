package envfile

import (
	"strings"
	"testing"
)

// FuzzParse checks that parsing never panics and that every variable it
// returns has a non-empty name without "=" or a newline and a non-empty value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"A=1\nB=2\n", "# c\n=x\nB=\n", "A=b=c\r\n", "\x00=\x00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vars, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		for k, v := range vars {
			if k == "" || v == "" || strings.ContainsAny(k, "=\n") || strings.Contains(v, "\n") {
				t.Fatalf("Parse(%q) returned %q=%q", s, k, v)
			}
		}
	})
}

// FuzzLocate checks that a reference to S3 never escapes the S3 directory.
func FuzzLocate(f *testing.F) {
	for _, s := range []string{"arn:aws:s3:::b/k.env", "s3://b/../k", "/abs/a.env", "file:///a", "s3://b/a/../../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Locate(s, "/s3")
		if err != nil {
			return
		}
		if (strings.HasPrefix(s, "arn:") || strings.HasPrefix(s, "s3://")) && !strings.HasPrefix(p, "/s3/") {
			t.Fatalf("Locate(%q) = %q, outside /s3", s, p)
		}
	})
}
