package protection

import (
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
)

// Bounds of expiresInMinutes, and the period when a request names none.
const (
	DefaultMinutes = 120
	MinMinutes     = 1
	MaxMinutes     = 2880
)

// State is a task's protection: on until ExpiresAt.
type State struct {
	Enabled   bool      `json:"enabled"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Active: protection is on at now (set and not expired).
func Active(s *State, now time.Time) bool {
	return s != nil && s.Enabled && now.Before(s.ExpiresAt)
}

// Update returns the state an UpdateTaskProtection request sets at now:
// enabled for minutes (nil: DefaultMinutes) from now, or off. Enabling
// again always restarts the period, as on ECS.
func Update(enabled bool, minutes *int32, now time.Time) (*State, error) {
	if !enabled {
		if minutes != nil {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "expiresInMinutes can only be set when protectionEnabled is true.")
		}
		return nil, nil
	}
	m := int32(DefaultMinutes)
	if minutes != nil {
		m = *minutes
	}
	if m < MinMinutes || m > MaxMinutes {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "expiresInMinutes must be between %d and %d (48 hours); got %d.", MinMinutes, MaxMinutes, m)
	}
	return &State{Enabled: true, ExpiresAt: now.Add(time.Duration(m) * time.Minute)}, nil
}

// View is what GetTaskProtection reports of a state at now: whether
// protection is on, and when it expires (zero when it is off; an expired
// protection is off).
func View(s *State, now time.Time) (bool, time.Time) {
	if !Active(s, now) {
		return false, time.Time{}
	}
	return true, s.ExpiresAt
}
