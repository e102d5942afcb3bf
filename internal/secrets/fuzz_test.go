package secrets

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseRef checks that parsing never panics, that every error is
// ErrInvalidRef, and that what it accepts names a valid secret.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf:password:AWSCURRENT:",
		"arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password",
		"arn:aws:ssm:us-east-1:123456789012:parameter/x:3",
		"/prod/db", "db", "arn:", "arn:aws:secretsmanager:r:a:secret::::", ":",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseRef(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("ParseRef(%q) error %v is not ErrInvalidRef", s, err)
			}
			return
		}
		if checkName(ref.Name) != "" {
			t.Fatalf("ParseRef(%q) accepted the invalid name %q", s, ref.Name)
		}
		if ref.Service != SecretsManager && ref.Service != ParameterStore {
			t.Fatalf("ParseRef(%q) service %q", s, ref.Service)
		}
		if ref.Service == ParameterStore && strings.Contains(ref.Name, ":") {
			t.Fatalf("ParseRef(%q) parameter name %q contains a colon", s, ref.Name)
		}
	})
}
