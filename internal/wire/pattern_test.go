package wire

import "testing"

func TestPattern_MatchesTheWholeValue(t *testing.T) {
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{`[\.\-_/#A-Za-z0-9]+`, "/ecs/app", true},
		{`[\.\-_/#A-Za-z0-9]+`, "/ecs/app name", false}, // anchored: a space anywhere fails
		{`[\.\-_/#A-Za-z0-9]+`, "", false},
		{`^\d{12}$`, "123456789012", true},
		{`^\d{12}$`, "1234567890123", false},
		{`(?!x)y`, "anything", true}, // RE2 cannot compile it: unchecked, as CompilePattern's nil
	}
	for _, tt := range tests {
		p := NewPattern(tt.pattern)
		for range 2 { // compiled at the first call, reused at the second
			if got := p.MatchString(tt.value); got != tt.want {
				t.Errorf("NewPattern(%q).MatchString(%q) = %v; want %v", tt.pattern, tt.value, got, tt.want)
			}
		}
	}
}
