package workflow

// Number reports v, a JSON value as DecodeJSON (json.Number) or
// encoding/json (float64) gives it, as a float64 when it is a number.
func Number(v any) (float64, bool) { return toFloat(v) }
