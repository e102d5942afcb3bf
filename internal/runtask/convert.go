package runtask

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// convert copies a wire shape (camelCase JSON members, as in ecsmodel) into
// the aws-sdk-go-v2 input struct of the same shape. It walks both values by
// reflection, matching each SDK field to the wire member of the same name
// (case-insensitively), so every member the model defines is carried over
// without a hand-written field list.
func convert(src, dst any) error {
	b, err := json.Marshal(src)
	if err != nil {
		return err
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return err
	}
	return fill(reflect.ValueOf(dst).Elem(), generic, "")
}

var timeType = reflect.TypeOf(time.Time{})

func fill(v reflect.Value, data any, path string) error {
	if data == nil {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return fill(v.Elem(), data, path)
	case reflect.Struct:
		if v.Type() == timeType {
			f, ok := data.(float64)
			if !ok {
				return fmt.Errorf("%s: want a timestamp", path)
			}
			v.Set(reflect.ValueOf(time.UnixMilli(int64(f * 1000))))
			return nil
		}
		m, ok := data.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object", path)
		}
		byName := map[string]any{}
		for k, val := range m {
			byName[strings.ToLower(k)] = val
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() || !unicode.IsUpper(rune(sf.Name[0])) {
				continue
			}
			val, ok := byName[strings.ToLower(sf.Name)]
			if !ok {
				continue
			}
			if err := fill(v.Field(i), val, path+"."+sf.Name); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		arr, ok := data.([]any)
		if !ok {
			return fmt.Errorf("%s: want a list", path)
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, el := range arr {
			if err := fill(s.Index(i), el, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		m, ok := data.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want a map", path)
		}
		mv := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, val := range m {
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := fill(ev, val, path+"."+k); err != nil {
				return err
			}
			mv.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(mv)
		return nil
	case reflect.String:
		s, ok := data.(string)
		if !ok {
			return fmt.Errorf("%s: want a string", path)
		}
		v.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := data.(bool)
		if !ok {
			return fmt.Errorf("%s: want a boolean", path)
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f, ok := data.(float64)
		if !ok {
			return fmt.Errorf("%s: want a number", path)
		}
		v.SetInt(int64(f))
		return nil
	case reflect.Float32, reflect.Float64:
		f, ok := data.(float64)
		if !ok {
			return fmt.Errorf("%s: want a number", path)
		}
		v.SetFloat(f)
		return nil
	case reflect.Interface:
		return nil // document types: not used by the inputs the step sends
	}
	return fmt.Errorf("%s: cannot convert into %s", path, v.Type())
}
