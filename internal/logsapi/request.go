package logsapi

import (
	"encoding/json"

	"github.com/ecsrun/ecsrun/internal/wire"
)

// request wraps a generated input shape and records which members the body
// carried. The generated shapes cannot tell an absent member from its zero
// value, which matters twice here: an absent limit (0) must not fail the
// model's "limit >= 1" check, and FilterLogEvents' startFromHead defaults to
// true when absent.
type request[T any, P interface {
	*T
	wire.Input
}] struct {
	v   T
	has map[string]bool
	// optional names int members the model bounds from 1 that the service
	// treats as optional: absent, they are validated as that value.
	optional map[string]func(*T)
}

// UnmarshalJSON decodes the shape and notes the members present.
func (r *request[T, P]) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &r.v); err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return err
	}
	r.has = make(map[string]bool, len(members))
	for k, v := range members {
		if string(v) != "null" {
			r.has[k] = true
		}
	}
	return nil
}

// Validate checks the shape against the model, with absent optional
// members set to a valid value first.
func (r *request[T, P]) Validate(prefix string, errs *wire.Violations) {
	v := r.v
	for name, fill := range r.optional {
		if !r.has[name] {
			fill(&v)
		}
	}
	P(&v).Validate(prefix, errs)
}

// newRequest returns a constructor of wrapped inputs for the operation
// table.
func newRequest[T any, P interface {
	*T
	wire.Input
}](optional map[string]func(*T)) func() wire.Input {
	return func() wire.Input { return &request[T, P]{optional: optional} }
}

// args unwraps a handler's input.
func args[T any, P interface {
	*T
	wire.Input
}](in wire.Input) (*T, map[string]bool) {
	r := in.(*request[T, P])
	return &r.v, r.has
}
