package executions

import (
	"errors"
	"strings"
	"testing"
)

const smArn = "arn:aws:states:us-east-1:000000000000:stateMachine:flow"

func TestParseQualified(t *testing.T) {
	tests := []struct {
		arn     string
		want    qualified
		errKind error
	}{
		{smArn, qualified{base: smArn, name: "flow"}, nil},
		{smArn + ":3", qualified{base: smArn, name: "flow", version: 3}, nil},
		{smArn + ":PROD", qualified{base: smArn, name: "flow", alias: "PROD"}, nil},
		{smArn + ":v2", qualified{base: smArn, name: "flow", alias: "v2"}, nil},
		{smArn + ":0", qualified{}, ErrInvalidArn},
		{smArn + ":1:2", qualified{}, ErrInvalidArn},
		{smArn + ":", qualified{}, ErrInvalidArn},
		{"arn:aws:states:us-east-1:000000000000:execution:flow:x", qualified{}, ErrInvalidArn},
		{"flow", qualified{}, ErrInvalidArn},
	}
	for _, tt := range tests {
		got, err := parseQualified(tt.arn)
		if tt.errKind != nil {
			if !errors.Is(err, tt.errKind) {
				t.Errorf("parseQualified(%q) error %v; want %v", tt.arn, err, tt.errKind)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseQualified(%q) = %+v, %v; want %+v", tt.arn, got, err, tt.want)
		}
	}
}

func TestCheckRoutes(t *testing.T) {
	v1, v2 := smArn+":1", smArn+":2"
	other := "arn:aws:states:us-east-1:000000000000:stateMachine:other:1"
	tests := []struct {
		name   string
		routes []Route
		msg    string // "" when valid
	}{
		{"one version", []Route{{v1, 100}}, ""},
		{"two versions", []Route{{v1, 70}, {v2, 30}}, ""},
		{"a zero weight", []Route{{v1, 0}, {v2, 100}}, ""},
		{"none", nil, "An alias routes executions to one or two versions; received 0: []"},
		{"three", []Route{{v1, 50}, {v2, 30}, {smArn + ":3", 20}}, "An alias routes executions to one or two versions; received 3"},
		{"the same version twice", []Route{{v1, 50}, {v1, 50}}, "Routing configuration must contain distinct state machine version ARNs. Received: [" + v1 + ", " + v1 + "]"},
		{"a state machine ARN", []Route{{smArn, 70}, {v2, 30}}, "Routing configuration must contain state machine version ARNs. Received: [" + smArn + ", " + v2 + "]"},
		{"an alias ARN", []Route{{smArn + ":PROD", 100}}, "Routing configuration must contain state machine version ARNs. Received: [" + smArn + ":PROD]"},
		{"two state machines", []Route{{v1, 50}, {other, 50}}, "Routing configuration must contain versions of one state machine"},
		{"weights under 100", []Route{{v1, 70}, {v2, 29}}, "Sum of routing configuration weights must equal 100. Received: [70, 29]"},
		{"weights over 100", []Route{{v1, 70}, {v2, 31}}, "Sum of routing configuration weights must equal 100. Received: [70, 31]"},
		{"one version under 100", []Route{{v1, 99}}, "Sum of routing configuration weights must equal 100. Received: [99]"},
		{"a weight out of range", []Route{{v1, 101}}, "Value '101' at 'routingConfiguration.1.member.weight'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qs, err := checkRoutes(tt.routes)
			if tt.msg == "" {
				if err != nil || len(qs) != len(tt.routes) || qs[0].base != smArn {
					t.Errorf("checkRoutes = %+v, %v; want valid", qs, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != ErrValidation || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("checkRoutes error %v; want ValidationException containing %q", err, tt.msg)
			}
		})
	}
}

func TestPickRoute(t *testing.T) {
	two := []Route{{"a", 70}, {"b", 30}}
	tests := []struct {
		routes []Route
		n      int
		want   string
	}{
		{two, 0, "a"}, {two, 69, "a"}, {two, 70, "b"}, {two, 99, "b"},
		{[]Route{{"a", 100}}, 99, "a"},
		{[]Route{{"a", 0}, {"b", 100}}, 0, "b"},
		{[]Route{{"a", 100}, {"b", 0}}, 99, "a"},
	}
	for _, tt := range tests {
		if got := pickRoute(tt.routes, tt.n).VersionArn; got != tt.want {
			t.Errorf("pickRoute(%v, %d) = %s; want %s", tt.routes, tt.n, got, tt.want)
		}
	}
}

func TestCheckAliasName(t *testing.T) {
	for _, name := range []string{"PROD", "v2", "live-1", "a.b_c", "1a", "_", strings.Repeat("x", 80)} {
		if err := checkAliasName(name); err != nil {
			t.Errorf("checkAliasName(%q) = %v; want valid", name, err)
		}
	}
	for _, name := range []string{"", "123", "INVALID ALIAS", "!INVALID", "ALIAS@", "a:b"} {
		if err := checkAliasName(name); !errors.Is(err, ErrValidation) {
			t.Errorf("checkAliasName(%q) = %v; want ValidationException", name, err)
		}
	}
}
