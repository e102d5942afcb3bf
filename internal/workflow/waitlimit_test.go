package workflow

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestWaitTimestampTooFarAhead(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.at","End":true}}}`
	tests := []struct {
		name    string
		ahead   time.Duration
		wantErr bool
	}{
		{"past", -time.Hour, false},
		{"24855 days", 24855 * 24 * time.Hour, false},
		{"at the limit", maxWaitDelay, false},
		{"a second over", maxWaitDelay + time.Second, true},
		{"24856 days", 24856 * 24 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm, err := Parse([]byte(def), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			clock := NewFakeClock(start)
			clock.SetAutoAdvance(true)
			in := map[string]any{"at": start.Add(tt.ahead).Format(time.RFC3339)}
			r := RunValue(context.Background(), sm, in, Options{Clock: clock})
			if tt.wantErr {
				if r.Status != StatusFailed || r.Error == nil || r.Error.Name != ErrRuntime || !strings.HasSuffix(r.Error.Cause, "Wait state delay is too long.") {
					t.Fatalf("got %s %v, want States.Runtime: Wait state delay is too long.", r.Status, r.Error)
				}
				return
			}
			if r.Status != StatusSucceeded {
				t.Fatalf("got %s %v, want SUCCEEDED", r.Status, r.Error)
			}
		})
	}
}
