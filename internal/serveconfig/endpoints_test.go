package serveconfig

import (
	"maps"
	"strings"
	"testing"
)

func TestParse_Endpoints(t *testing.T) {
	cfg, err := Parse([]byte("endpoints:\n  lambda: http://127.0.0.1:3001\n  SNS: http://localhost:4566\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"lambda": "http://127.0.0.1:3001", "sns": "http://localhost:4566"}
	if !maps.Equal(cfg.Endpoints, want) {
		t.Errorf("Endpoints = %v; want %v", cfg.Endpoints, want)
	}
	for _, tt := range []struct{ name, doc, want string }{
		{"unknown service", "endpoints: {kinesis: http://x}\n", "endpoints.kinesis: unknown service (endpoints can be set for dynamodb, eventbridge, lambda, sns, sqs)"},
		{"not a URL", "endpoints: {sqs: localhost:9324}\n", `endpoints.sqs: "localhost:9324" is not an http:// or https:// URL`},
		{"no host", "endpoints: {sqs: \"http://\"}\n", "is not an http:// or https:// URL"},
	} {
		_, err := Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v; want one containing %q", tt.name, err, tt.want)
		}
	}
}
