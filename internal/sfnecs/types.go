package sfnecs

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/ecsrun/ecsrun/internal/workflow"
)

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// StaticTypeProblem says why v, a value written in a definition (not a
// path: a field ending in ".$" is only known at run time), cannot be a
// request member of the model type t, or returns "" when it can: a
// string for a string or an enumeration, an integer in range for an
// integer, a number, a boolean, a list for a list and an object for a
// structure or a map. Null, and types that decode themselves, take
// anything. Task Parameters are checked with it when a state machine is
// created, as AWS checks them, so that "Count": "two" is a definition
// error rather than a failure at run time.
func StaticTypeProblem(field string, v any, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return ""
	}
	want := ""
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			want = "a string"
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			want = "a boolean"
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := integer(v)
		if !ok {
			want = "an integer"
		} else if lo, hi := intRange(t.Bits()); n < lo || n > hi {
			return fmt.Sprintf("The value for the field '%s' must be an integer from %d to %d, got %d", field, lo, hi, n)
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := workflow.Number(v); !ok {
			want = "a number"
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if _, ok := v.(string); !ok {
				want = "a string (base64-encoded binary)"
			}
		} else if _, ok := v.([]any); !ok {
			want = "a list"
		}
	case reflect.Struct, reflect.Map:
		if _, ok := v.(map[string]any); !ok {
			want = "an object"
		}
	}
	if want == "" {
		return ""
	}
	b, _ := json.Marshal(v)
	return fmt.Sprintf("The value for the field '%s' must be %s, got %s", field, want, b)
}

func intRange(bits int) (int64, int64) {
	if bits >= 64 {
		return math.MinInt64, math.MaxInt64
	}
	return -1 << (bits - 1), 1<<(bits-1) - 1
}

func integer(v any) (int64, bool) {
	if n, ok := v.(json.Number); ok {
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err == nil {
			return i, true
		}
	}
	f, ok := workflow.Number(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}
