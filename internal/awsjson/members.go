package awsjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/ecsrun/ecsrun/internal/wire"
)

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
)

// checkMembers reports the first member of body that the input shape in
// does not define. Member names are case-sensitive, as on AWS (Go's decoder
// would otherwise accept "TaskDefinition" for "taskDefinition" silently).
// Shapes that decode themselves (json.Unmarshaler) are not looked into.
func checkMembers(body []byte, in any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil // the typed decode has reported it
	}
	return members("", v, reflect.TypeOf(in))
}

func members(path string, v any, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				return unknownMember(path, k, t, fields)
			}
			if err := members(wire.Join(path, k), obj[k], f.Type); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, e := range arr {
			if err := members(wire.Index(path, i), e, t.Elem()); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for k, e := range obj {
			if err := members(wire.Key(path, k), e, t.Elem()); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFields maps the JSON member names of a struct to its fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out[name] = f
	}
	return out
}

func unknownMember(path, k string, t reflect.Type, fields map[string]reflect.StructField) error {
	where := "the request"
	if path != "" {
		where = "'" + path + "'"
	}
	hint := ""
	for name := range fields {
		if strings.EqualFold(name, k) {
			hint = fmt.Sprintf(`; did you mean "%s"? Member names are case-sensitive`, name)
			break
		}
	}
	if hint == "" {
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		sort.Strings(names)
		switch {
		case len(names) > 12:
			hint = "; its members include " + strings.Join(names[:12], ", ") + ", ... (see the service model)"
		case len(names) > 0:
			hint = "; the members of " + t.Name() + " are " + strings.Join(names, ", ")
		}
	}
	return fmt.Errorf("unknown member %q in %s: %s does not define it%s", k, where, t.Name(), hint)
}
