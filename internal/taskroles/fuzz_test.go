package taskroles

import (
	"errors"
	"testing"
)

// FuzzParse checks that parsing never panics, that every error is
// ErrInvalidFile, and that every accepted entry is usable.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"roles:\n  - roleArn: a\n    profile: p\n",
		`{"roles":[{"roleArn":"*","accessKeyId":"k","secretAccessKey":"s"}]}`,
		"roles: [{roleArn: a}]", "roles: x", "- a", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidFile) {
				t.Fatalf("Parse(%q) error %v is not ErrInvalidFile", data, err)
			}
			return
		}
		for _, r := range m.Roles {
			if r.RoleArn == "" || r.Profile == "" && (r.AccessKeyID == "" || r.SecretAccessKey == "") {
				t.Fatalf("Parse(%q) accepted %+v", data, r)
			}
		}
	})
}
