package protection

import (
	"errors"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

func i32(v int32) *int32 { return &v }

func TestUpdate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		enabled bool
		minutes *int32
		want    *State
		err     bool
	}{
		{"default period", true, nil, &State{true, now.Add(120 * time.Minute)}, false},
		{"one minute", true, i32(1), &State{true, now.Add(time.Minute)}, false},
		{"48 hours", true, i32(2880), &State{true, now.Add(48 * time.Hour)}, false},
		{"zero", true, i32(0), nil, true},
		{"too long", true, i32(2881), nil, true},
		{"off", false, nil, nil, false},
		{"off with a period", false, i32(5), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Update(tc.enabled, tc.minutes, now)
			if tc.err {
				if !errors.Is(err, ecs.ErrInvalidParameter) {
					t.Fatalf("err = %v, want InvalidParameterException", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Fatalf("state = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestActiveAndView(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &State{Enabled: true, ExpiresAt: now.Add(time.Minute)}
	for _, tc := range []struct {
		name string
		s    *State
		at   time.Time
		want bool
	}{
		{"none", nil, now, false},
		{"before expiry", s, now, true},
		{"at expiry", s, now.Add(time.Minute), false},
		{"after expiry", s, now.Add(time.Hour), false},
		{"disabled", &State{ExpiresAt: now.Add(time.Hour)}, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Active(tc.s, tc.at); got != tc.want {
				t.Fatalf("Active = %v, want %v", got, tc.want)
			}
			on, exp := View(tc.s, tc.at)
			if on != tc.want || on && !exp.Equal(tc.s.ExpiresAt) || !on && !exp.IsZero() {
				t.Fatalf("View = %v %v", on, exp)
			}
		})
	}
}
