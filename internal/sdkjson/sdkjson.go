package sdkjson

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/smithy-go/middleware"
)

// Style chooses the member names and the timestamps.
type Style struct {
	// Key turns a Go field name into the member name.
	Key func(field string) string
	// Time renders a timestamp.
	Time func(t time.Time) any
}

// Pascal is how Step Functions shows service results: PascalCase members,
// timestamps as epoch milliseconds.
var Pascal = Style{
	Key:  func(f string) string { return f },
	Time: func(t time.Time) any { return json.Number(strconv.FormatInt(t.UnixMilli(), 10)) },
}

// Camel is the wire form of awsJson services as the AWS CLI prints it:
// camelCase members, RFC 3339 timestamps.
var Camel = Style{
	Key: func(f string) string {
		r, n := utf8.DecodeRuneInString(f)
		return string(unicode.ToLower(r)) + f[n:]
	},
	Time: func(t time.Time) any { return t.Format(time.RFC3339Nano) },
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	metadataType = reflect.TypeFor[middleware.Metadata]()
)

// Value converts x (an SDK value or pointer) into an interpreter-style JSON
// value (map[string]any, []any, string, json.Number, bool); an absent x
// gives an empty object.
func Value(x any, s Style) any {
	v, ok := s.value(reflect.ValueOf(x))
	if !ok {
		return map[string]any{}
	}
	return v
}

func (s Style) value(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return s.value(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return s.Time(v.Interface().(time.Time)), true
		}
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Type == metadataType {
				continue
			}
			if x, ok := s.value(v.Field(i)); ok {
				m[s.Key(f.Name)] = x
			}
		}
		return m, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 { // a blob: base64, as JSON
			b, _ := json.Marshal(v.Bytes())
			var str string
			json.Unmarshal(b, &str)
			return str, true
		}
		out := make([]any, 0, v.Len())
		for i := range v.Len() {
			x, _ := s.value(v.Index(i))
			out = append(out, x)
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			if x, ok := s.value(it.Value()); ok {
				m[it.Key().String()] = x
			}
		}
		return m, true
	case reflect.String:
		if v.Type().Name() != "string" && v.String() == "" {
			return nil, false // an enum the service did not send
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(v.Int(), 10)), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return json.Number(strconv.FormatUint(v.Uint(), 10)), true
	case reflect.Float32, reflect.Float64:
		return json.Number(strconv.FormatFloat(v.Float(), 'g', -1, 64)), true
	}
	return nil, false
}
