package secrets

import (
	"errors"
	"testing"
)

func TestParseRef(t *testing.T) {
	const sm = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	const ssm = "arn:aws:ssm:eu-west-1:123456789012:parameter/"
	tests := []struct {
		in   string
		want Ref
	}{
		{sm + "prod/db-AbCdEf", Ref{Service: SecretsManager, Name: "prod/db-AbCdEf", Region: "us-east-1", Account: "123456789012"}},
		{sm + "db:password::", Ref{Service: SecretsManager, Name: "db", JSONKey: "password", Region: "us-east-1", Account: "123456789012"}},
		{sm + "db:password:AWSPREVIOUS:", Ref{Service: SecretsManager, Name: "db", JSONKey: "password", VersionStage: "AWSPREVIOUS", Region: "us-east-1", Account: "123456789012"}},
		{sm + "db::::", Ref{}}, // too many fields: invalid (checked below)
		{sm + "db:::0a1b", Ref{Service: SecretsManager, Name: "db", VersionID: "0a1b", Region: "us-east-1", Account: "123456789012"}},
		{ssm + "prod/db/password", Ref{Service: ParameterStore, Name: "/prod/db/password", Region: "eu-west-1", Account: "123456789012"}},
		{ssm + "password", Ref{Service: ParameterStore, Name: "password", Region: "eu-west-1", Account: "123456789012"}},
		{ssm + "password:3", Ref{Service: ParameterStore, Name: "password", Selector: "3", Region: "eu-west-1", Account: "123456789012"}},
		{"password", Ref{Service: ParameterStore, Name: "password"}},
		{"/prod/db/password", Ref{Service: ParameterStore, Name: "/prod/db/password"}},
		{"/prod/db:label", Ref{Service: ParameterStore, Name: "/prod/db", Selector: "label"}},
	}
	for _, tt := range tests {
		got, err := ParseRef(tt.in)
		if tt.want == (Ref{}) {
			if err == nil {
				t.Errorf("ParseRef(%q) = %+v; want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRef_Invalid(t *testing.T) {
	for _, in := range []string{
		"",
		"arn:aws:s3:::bucket/key",
		"arn:aws:secretsmanager:us-east-1:1:parameter/x",
		"arn:aws:secretsmanager:us-east-1:1:secret:",
		"arn:aws:secretsmanager:us-east-1:1:secret:db:k:AWSCURRENT:id",
		"arn:aws:ssm:us-east-1:1:secret:x",
		"arn:aws:ssm:us-east-1:1:parameter/",
		"arn:aws:ssm:us-east-1:1:parameter/a//b",
		"arn:aws:ssm",
		"arn::ssm:r:a:parameter/x",
		"bad\nname",
		"/",
	} {
		if got, err := ParseRef(in); !errors.Is(err, ErrInvalidRef) {
			t.Errorf("ParseRef(%q) = %+v, %v; want ErrInvalidRef", in, got, err)
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"db", "db"},
		{"/prod/db", "/prod/db"},
		{"arn:aws:ssm:us-east-1:1:parameter/prod/db", "/prod/db"},
		{"arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf", "prod/db-AbCdEf"},
	}
	for _, tt := range tests {
		if got, err := Name(tt.in); err != nil || got != tt.want {
			t.Errorf("Name(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "arn:aws:secretsmanager:us-east-1:1:secret:db:key::", "arn:aws:ssm:us-east-1:1:parameter/x:2"} {
		if got, err := Name(in); err == nil {
			t.Errorf("Name(%q) = %q; want an error", in, got)
		}
	}
}

func TestRef_Candidates(t *testing.T) {
	tests := []struct {
		ref  Ref
		want []string
	}{
		{Ref{Service: SecretsManager, Name: "prod/db-AbCdEf"}, []string{"prod/db-AbCdEf", "prod/db"}},
		{Ref{Service: SecretsManager, Name: "prod/db"}, []string{"prod/db"}},
		{Ref{Service: SecretsManager, Name: "-AbCdEf"}, []string{"-AbCdEf"}},
		{Ref{Service: SecretsManager, Name: "db-Ab_dEf"}, []string{"db-Ab_dEf"}},
		{Ref{Service: ParameterStore, Name: "db-AbCdEf"}, []string{"db-AbCdEf"}},
	}
	for _, tt := range tests {
		got := tt.ref.candidates()
		if len(got) != len(tt.want) {
			t.Errorf("%+v.candidates() = %q; want %q", tt.ref, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%+v.candidates() = %q; want %q", tt.ref, got, tt.want)
			}
		}
	}
}
