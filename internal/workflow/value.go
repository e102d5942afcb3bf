package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// JSON values inside the interpreter are the types encoding/json produces
// with UseNumber: map[string]any, []any, string, json.Number, bool and nil.

// DecodeJSON decodes data into an interpreter value (numbers as json.Number).
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// EncodeJSON renders v compactly the way Step Functions prints values.
func EncodeJSON(v any) string {
	var b strings.Builder
	encodeValue(&b, v)
	return b.String()
}

func encodeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(x.String())
	case float64:
		b.WriteString(formatFloat(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case string:
		writeString(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeValue(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			encodeValue(b, x[k])
		}
		b.WriteByte('}')
	default:
		enc, err := json.Marshal(x)
		if err != nil {
			b.WriteString("null")
			return
		}
		v2, err := DecodeJSON(enc)
		if err != nil {
			b.WriteString("null")
			return
		}
		encodeValue(b, v2)
	}
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// normalize converts arbitrary Go values (from task handlers) into
// interpreter values.
func normalize(v any) any {
	switch v.(type) {
	case nil, bool, string, json.Number:
		return v
	case map[string]any:
		m := v.(map[string]any)
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = normalize(e)
		}
		return out
	case []any:
		a := v.([]any)
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = normalize(e)
		}
		return out
	case json.RawMessage:
		d, err := DecodeJSON(v.(json.RawMessage))
		if err != nil {
			return nil
		}
		return d
	}
	d, err := DecodeJSON([]byte(EncodeJSON(v)))
	if err != nil {
		return nil
	}
	return d
}

// deepCopy returns a copy of v sharing no maps or slices.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// toFloat reports v as a float64 when it is a number.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// pathInteger is isInteger for the value a distributed Map's *Path field
// (MaxItemsPath, MaxItemsPerBatchPath, ToleratedFailureCountPath, ...)
// selects: AWS also takes a string holding an integer there (AWS's
// recordings assign "1" to a variable such a path names).
func pathInteger(v any) (int64, bool) {
	if s, ok := v.(string); ok {
		return isInteger(json.Number(strings.TrimSpace(s)))
	}
	return isInteger(v)
}

// pathNumber is toFloat for such a field: a string holding a number counts.
func pathNumber(v any) (float64, bool) {
	if s, ok := v.(string); ok {
		f, err := json.Number(strings.TrimSpace(s)).Float64()
		return f, err == nil
	}
	return toFloat(v)
}

// isInteger reports whether v is a JSON number with an integral value.
func isInteger(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, true
		}
		f, err := x.Float64()
		if err == nil && f == math.Trunc(f) && !strings.ContainsAny(x.String(), ".eE") {
			return int64(f), true
		}
		return 0, false
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	}
	return 0, false
}

// numberOf makes a json.Number from a float, printing integers without a
// fractional part.
func numberOf(f float64) json.Number {
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return json.Number(strconv.FormatInt(int64(f), 10))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// jsonEqual compares two interpreter values structurally, numbers by value.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	if fa, ok := toFloat(a); ok {
		fb, ok := toFloat(b)
		return ok && fa == fb
	}
	return a == b
}

// typeName names v's JSON type.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64, int, int64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func sortStrings(s []string) { sort.Strings(s) }

const jsonNumberZero = json.Number("0")

// writeString writes s as a JSON string without HTML escaping (<, > and &
// stay as they are, as Step Functions prints them).
func writeString(b *strings.Builder, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
