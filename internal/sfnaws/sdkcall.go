package sfnaws

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/middleware"
)

// The SDK clients are called generically: the operation is the client's
// method named after the action, and its input structure is filled from
// the PascalCase Parameters (Step Functions' member names are the SDK's
// field names).

var (
	ctxType      = reflect.TypeFor[context.Context]()
	errType      = reflect.TypeFor[error]()
	timeType     = reflect.TypeFor[time.Time]()
	metadataType = reflect.TypeFor[middleware.Metadata]()
)

// operation returns the client's method for action (describeClusters:
// DescribeClusters) when it is an SDK operation: func(ctx, *XInput,
// ...func(*Options)) (*XOutput, error).
func operation(client any, action string) (reflect.Value, bool) {
	if client == nil || action == "" {
		return reflect.Value{}, false
	}
	m := reflect.ValueOf(client).MethodByName(upperFirst(action))
	if !m.IsValid() {
		return reflect.Value{}, false
	}
	t := m.Type()
	if t.NumIn() != 3 || !t.IsVariadic() || t.In(0) != ctxType || t.NumOut() != 2 || t.Out(1) != errType {
		return reflect.Value{}, false
	}
	in, out := t.In(1), t.Out(0)
	if in.Kind() != reflect.Pointer || in.Elem().Kind() != reflect.Struct || out.Kind() != reflect.Pointer || out.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	return m, true
}

// operations lists a client's operations as resources spell them
// (camelCase), sorted.
func operations(client any) []string {
	if client == nil {
		return nil
	}
	t := reflect.TypeOf(client)
	var out []string
	for i := range t.NumMethod() {
		name := t.Method(i).Name
		if _, ok := operation(client, name); ok {
			out = append(out, strings.ToLower(name[:1])+name[1:])
		}
	}
	sort.Strings(out)
	return out
}

// call runs the operation with params decoded into its input. It returns
// the output structure (a pointer) and its result metadata.
func call(ctx context.Context, op reflect.Value, params any) (any, middleware.Metadata, error) {
	in, err := decode(params, op.Type().In(1), "")
	if err != nil {
		return nil, middleware.Metadata{}, err
	}
	res := op.Call([]reflect.Value{reflect.ValueOf(ctx), in})
	if e := res[1].Interface(); e != nil {
		return nil, middleware.Metadata{}, e.(error)
	}
	out := res[0]
	var md middleware.Metadata
	if f := out.Elem().FieldByName("ResultMetadata"); f.IsValid() && f.Type() == metadataType {
		md = f.Interface().(middleware.Metadata)
	}
	return out.Interface(), md, nil
}

// ParameterError is a Parameters value that does not fit the API's input.
type ParameterError struct {
	// Path names the member (/Entries/0/Detail).
	Path string
	Msg  string
}

func (e *ParameterError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

func paramErr(path, format string, a ...any) error {
	return &ParameterError{Path: path, Msg: fmt.Sprintf(format, a...)}
}

// decode converts a JSON value (map[string]any, []any, string,
// json.Number, bool, nil) into a value of type t.
func decode(v any, t reflect.Type, path string) (reflect.Value, error) {
	if t == attributeValueType {
		// A union the SDK cannot describe by reflection.
		return decodeAttributeValue(v, path)
	}
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if v == nil {
			return reflect.Zero(t), nil
		}
		x, err := decode(v, t.Elem(), path)
		if err != nil {
			return reflect.Value{}, err
		}
		p.Elem().Set(x)
		return p, nil
	}
	out := reflect.New(t).Elem()
	if v == nil {
		return out, nil
	}
	if t == timeType {
		tm, err := decodeTime(v, path)
		if err != nil {
			return reflect.Value{}, err
		}
		out.Set(reflect.ValueOf(tm))
		return out, nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return reflect.Value{}, paramErr(path, "expected an object, got %s", jsonKind(v))
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := t.FieldByName(k)
			if !ok || !f.IsExported() || len(f.Index) != 1 || f.Type == metadataType {
				return reflect.Value{}, paramErr(path, "the field %q is not supported (the API has %s)", k, strings.Join(fieldNames(t), ", "))
			}
			x, err := decode(obj[k], f.Type, path+"/"+k)
			if err != nil {
				return reflect.Value{}, err
			}
			out.FieldByIndex(f.Index).Set(x)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				return reflect.Value{}, paramErr(path, "expected a base64 string, got %s", jsonKind(v))
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return reflect.Value{}, paramErr(path, "invalid base64: %v", err)
			}
			out.SetBytes(b)
			return out, nil
		}
		list, ok := v.([]any)
		if !ok {
			return reflect.Value{}, paramErr(path, "expected an array, got %s", jsonKind(v))
		}
		out = reflect.MakeSlice(t, len(list), len(list))
		for i, x := range list {
			e, err := decode(x, t.Elem(), path+"/"+strconv.Itoa(i))
			if err != nil {
				return reflect.Value{}, err
			}
			out.Index(i).Set(e)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return reflect.Value{}, paramErr(path, "expected an object, got %s", jsonKind(v))
		}
		out = reflect.MakeMapWithSize(t, len(obj))
		for k, x := range obj {
			e, err := decode(x, t.Elem(), path+"/"+k)
			if err != nil {
				return reflect.Value{}, err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return reflect.Value{}, paramErr(path, "expected a string, got %s", jsonKind(v))
		}
		out.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return reflect.Value{}, paramErr(path, "expected a boolean, got %s", jsonKind(v))
		}
		out.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := number(v, path)
		if err != nil {
			return reflect.Value{}, err
		}
		i, err := n.Int64()
		if err != nil || out.OverflowInt(i) {
			return reflect.Value{}, paramErr(path, "expected an integer, got %s", n)
		}
		out.SetInt(i)
	case reflect.Float32, reflect.Float64:
		n, err := number(v, path)
		if err != nil {
			return reflect.Value{}, err
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) {
			return reflect.Value{}, paramErr(path, "expected a number, got %s", n)
		}
		out.SetFloat(f)
	default:
		return reflect.Value{}, paramErr(path, "values of this member (%s) cannot be given in Parameters", t)
	}
	return out, nil
}

func number(v any, path string) (json.Number, error) {
	switch n := v.(type) {
	case json.Number:
		return n, nil
	case float64:
		return json.Number(strconv.FormatFloat(n, 'g', -1, 64)), nil
	case int:
		return json.Number(strconv.Itoa(n)), nil
	}
	return "", paramErr(path, "expected a number, got %s", jsonKind(v))
}

// decodeTime accepts epoch seconds or an ISO 8601 timestamp.
func decodeTime(v any, path string) (time.Time, error) {
	if s, ok := v.(string); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, paramErr(path, "expected an ISO 8601 timestamp, got %q", s)
		}
		return t, nil
	}
	n, err := number(v, path)
	if err != nil {
		return time.Time{}, err
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, paramErr(path, "expected a timestamp, got %s", n)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.IsExported() && f.Type != metadataType {
			out = append(out, f.Name)
		}
	}
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number, float64, int:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// errParams reports whether err is a ParameterError.
func errParams(err error) (*ParameterError, bool) {
	var pe *ParameterError
	ok := errors.As(err, &pe)
	return pe, ok
}

// typeOf is the pointer type of T (the type of an operation's input).
func typeOf[T any]() reflect.Type { return reflect.TypeFor[*T]() }
