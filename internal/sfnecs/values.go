package sfnecs

import (
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/aws/smithy-go/middleware"
)

var (
	timeType     = reflect.TypeFor[time.Time]()
	metadataType = reflect.TypeFor[middleware.Metadata]()
)

// statesValue converts an aws-sdk-go-v2 value into the JSON value Step
// Functions shows for it: structure members under their PascalCase names,
// absent members (nil pointers, nil slices, empty enums) left out, lists
// and maps the service sent kept even when empty, timestamps as epoch
// milliseconds. The result is an interpreter value (map[string]any, []any,
// string, json.Number, bool). ok is false for an absent value.
func statesValue(v reflect.Value) (out any, ok bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, false
		}
		return statesValue(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return statesValue(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return json.Number(strconv.FormatInt(v.Interface().(time.Time).UnixMilli(), 10)), true
		}
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Type == metadataType {
				continue
			}
			if x, ok := statesValue(v.Field(i)); ok {
				m[f.Name] = x
			}
		}
		return m, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 { // blob
			b, _ := json.Marshal(v.Bytes())
			var s string
			json.Unmarshal(b, &s)
			return s, true
		}
		out := make([]any, 0, v.Len())
		for i := range v.Len() {
			x, ok := statesValue(v.Index(i))
			if !ok {
				x = nil
			}
			out = append(out, x)
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			if x, ok := statesValue(it.Value()); ok {
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

// toStates converts an SDK value (usually a pointer to an output or a
// type) to its Step Functions JSON value.
func toStates(x any) any {
	v, ok := statesValue(reflect.ValueOf(x))
	if !ok {
		return map[string]any{}
	}
	return v
}

func valueOf(x any) reflect.Value { return reflect.ValueOf(x) }

func numberOf(n int) json.Number { return json.Number(strconv.Itoa(n)) }
