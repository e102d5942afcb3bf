package logstransform

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Meta is what copyValue may copy into an event besides its fields.
type Meta struct {
	LogGroupName, LogStreamName, AccountID, Region string
}

// errSkip ends a transformation: the event stays as it was.
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func fail(format string, args ...any) error { return &failure{fmt.Sprintf(format, args...)} }

// IsEventFailure reports an error that concerns one event (a processor
// could not transform it) rather than the configuration.
func IsEventFailure(err error) bool {
	var f *failure
	return errors.As(err, &f)
}

// Transform applies the transformer to one message and returns the
// resulting event as JSON. An error of IsEventFailure means the event is
// kept as it was (CloudWatch Logs ingests it untransformed); ErrUnsupported
// names a processor ecsrun does not run.
func (t *Transformer) Transform(msg string, meta Meta) (string, error) {
	ev := map[string]any{}
	for _, st := range t.steps {
		if err := st.apply(ev, msg, meta); err != nil {
			return "", err
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return "", fail("the event cannot be written as JSON: %v", err)
	}
	return string(b), nil
}

// source returns the string a parser reads: the message, or the field at
// path.
func source(ev map[string]any, msg, path string) (string, error) {
	if path == "" || path == "@message" {
		return msg, nil
	}
	v, ok := get(ev, path)
	if !ok {
		return "", fail("source %q is not in the event", path)
	}
	s, ok := v.(string)
	if !ok {
		return "", fail("source %q is not a string", path)
	}
	return s, nil
}

// get returns the value at a dotted path.
func get(ev map[string]any, path string) (any, bool) {
	if v, ok := ev[path]; ok {
		return v, true
	}
	cur := any(ev)
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// set stores v at a dotted path, creating the objects on the way; with
// overwrite false an existing value stays (and set reports false).
func set(ev map[string]any, path string, v any, overwrite bool) bool {
	parts := strings.Split(path, ".")
	m := ev
	for _, part := range parts[:len(parts)-1] {
		next, ok := m[part].(map[string]any)
		if !ok {
			if _, exists := m[part]; exists && !overwrite {
				return false
			}
			next = map[string]any{}
			m[part] = next
		}
		m = next
	}
	last := parts[len(parts)-1]
	if _, exists := m[last]; exists && !overwrite {
		return false
	}
	m[last] = v
	return true
}

// del removes the value at a dotted path.
func del(ev map[string]any, path string) (any, bool) {
	if v, ok := ev[path]; ok {
		delete(ev, path)
		return v, true
	}
	parts := strings.Split(path, ".")
	m := ev
	for _, part := range parts[:len(parts)-1] {
		next, ok := m[part].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	v, ok := m[parts[len(parts)-1]]
	delete(m, parts[len(parts)-1])
	return v, ok
}

// place puts parsed fields at the root or under destination.
func place(ev map[string]any, dest string, fields map[string]any, overwrite bool) {
	if dest == "" {
		for k, v := range fields {
			set(ev, k, v, overwrite)
		}
		return
	}
	set(ev, dest, fields, true)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (st *step) apply(ev map[string]any, msg string, meta Meta) error {
	s := &st.s
	switch st.name {
	case "parseJSON":
		src, err := source(ev, msg, s.Source)
		if err != nil {
			return err
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(src), &fields); err != nil {
			return fail("parseJSON: %q is not a JSON object", src)
		}
		place(ev, s.Destination, fields, true)
	case "grok":
		src, err := source(ev, msg, s.Source)
		if err != nil {
			return err
		}
		m := st.re.FindStringSubmatchIndex(src)
		if m == nil {
			return fail("grok: the pattern does not match %q", src)
		}
		for i, name := range st.re.SubexpNames() {
			if 2*i+1 >= len(m) || m[2*i] < 0 {
				continue // an optional group that did not take part
			}
			for _, f := range st.grok {
				if f.group == name {
					set(ev, f.field, src[m[2*i]:m[2*i+1]], true)
				}
			}
		}
	case "csv":
		src, err := source(ev, msg, s.Source)
		if err != nil {
			return err
		}
		delim, quote := ',', '"'
		if d := s.Delimiter; d == `\t` {
			delim = '\t'
		} else if d != "" {
			delim = []rune(d)[0]
		}
		if q := s.QuoteCharacter; q != "" {
			quote = []rune(q)[0]
		}
		rec := splitCSV(src, delim, quote)
		fields := map[string]any{}
		for i, v := range rec {
			name := fmt.Sprintf("column_%d", i+1)
			if i < len(s.Columns) {
				name = s.Columns[i]
			}
			fields[name] = v
		}
		place(ev, s.Destination, fields, true)
	case "parseKeyValue":
		src, err := source(ev, msg, s.Source)
		if err != nil {
			return err
		}
		fields := map[string]any{}
		for _, pair := range strings.Split(src, or(s.FieldDelimiter, "&")) {
			if pair == "" {
				continue
			}
			k, v, ok := strings.Cut(pair, or(s.KeyValueDelimiter, "="))
			if !ok {
				if s.NonMatchValue == "" {
					continue
				}
				v = s.NonMatchValue
			}
			fields[s.KeyPrefix+k] = v
		}
		if s.Destination == "" {
			for k, v := range fields {
				set(ev, k, v, s.OverwriteIfExists)
			}
		} else {
			set(ev, s.Destination, fields, s.OverwriteIfExists)
		}
	case "addKeys":
		for _, e := range s.Entries {
			set(ev, e.Key, e.Value, e.OverwriteIfExists)
		}
	case "deleteKeys":
		for _, k := range s.WithKeys {
			del(ev, k)
		}
	case "copyValue":
		for _, e := range s.Entries {
			v, ok := metaValue(e.Source, meta)
			if !ok {
				v, ok = get(ev, e.Source)
			}
			if ok {
				set(ev, e.Target, clone(v), e.OverwriteIfExists)
			}
		}
	case "moveKeys":
		for _, e := range s.Entries {
			if v, ok := get(ev, e.Source); ok {
				if _, exists := get(ev, e.Target); exists && !e.OverwriteIfExists {
					continue
				}
				del(ev, e.Source)
				set(ev, e.Target, v, true)
			}
		}
	case "renameKeys":
		for _, e := range s.Entries {
			if v, ok := get(ev, e.Key); ok {
				if _, exists := get(ev, e.RenameTo); exists && !e.OverwriteIfExists {
					continue
				}
				del(ev, e.Key)
				set(ev, e.RenameTo, v, true)
			}
		}
	case "lowerCaseString", "upperCaseString", "trimString":
		f := map[string]func(string) string{"lowerCaseString": strings.ToLower, "upperCaseString": strings.ToUpper, "trimString": strings.TrimSpace}[st.name]
		for _, k := range s.WithKeys {
			if v, ok := get(ev, k); ok {
				if str, ok := v.(string); ok {
					set(ev, k, f(str), true)
				}
			}
		}
	case "splitString":
		for _, e := range s.Entries {
			if v, ok := get(ev, e.Source); ok {
				if str, ok := v.(string); ok {
					parts := strings.Split(str, e.Delimiter)
					list := make([]any, len(parts))
					for i, p := range parts {
						list[i] = p
					}
					set(ev, e.Source, list, true)
				}
			}
		}
	case "substituteString":
		for i, e := range s.Entries {
			if v, ok := get(ev, e.Source); ok {
				if str, ok := v.(string); ok {
					set(ev, e.Source, st.subs[i].ReplaceAllString(str, e.To), true)
				}
			}
		}
	case "typeConverter":
		for _, e := range s.Entries {
			v, ok := get(ev, e.Key)
			if !ok {
				continue
			}
			c, err := convert(v, e.Type)
			if err != nil {
				return fail("typeConverter: %s: %v", e.Key, err)
			}
			set(ev, e.Key, c, true)
		}
	case "listToMap":
		return listToMap(ev, s)
	case "dateTimeConverter":
		v, ok := get(ev, s.Source)
		if !ok {
			return nil
		}
		str, ok := v.(string)
		if !ok {
			return fail("dateTimeConverter: %s is not a string", s.Source)
		}
		out, err := st.date.convert(str)
		if err != nil {
			return err
		}
		set(ev, s.Target, out, true)
	default:
		return fmt.Errorf("%w: %s parses a format of AWS vended logs, which ecsrun does not run; parse such lines with grok, csv, parseKeyValue or parseJSON", ErrUnsupported, st.name)
	}
	return nil
}

func metaValue(key string, m Meta) (any, bool) {
	switch key {
	case "@logGroupName":
		return m.LogGroupName, m.LogGroupName != ""
	case "@logGroupStream":
		return m.LogStreamName, m.LogStreamName != ""
	case "@accountId":
		return m.AccountID, m.AccountID != ""
	case "@regionName":
		return m.Region, m.Region != ""
	}
	return nil, false
}

// clone deep-copies JSON values, so a copy does not alias its source.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = clone(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = clone(x)
		}
		return out
	}
	return v
}

func convert(v any, typ string) (any, error) {
	str := ""
	switch x := v.(type) {
	case string:
		str = x
	case float64:
		str = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		str = strconv.FormatBool(x)
	default:
		return nil, fmt.Errorf("a %T cannot be converted", v)
	}
	switch typ {
	case "string":
		return str, nil
	case "boolean":
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(str)))
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean", str)
		}
		return b, nil
	case "integer":
		if n, err := strconv.ParseInt(strings.TrimSpace(str), 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(str), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not an integer", str)
		}
		return int64(f), nil
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(str), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", str)
		}
		return f, nil
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

func listToMap(ev map[string]any, s *spec) error {
	v, ok := get(ev, s.Source)
	if !ok {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return fail("listToMap: %s is not a list", s.Source)
	}
	out := map[string]any{}
	for _, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return fail("listToMap: %s holds a %T, not an object", s.Source, item)
		}
		kv, ok := obj[s.Key]
		if !ok {
			continue
		}
		key := fmt.Sprint(kv)
		var val any = obj
		if s.ValueKey != "" {
			if val, ok = obj[s.ValueKey]; !ok {
				continue
			}
		}
		if s.Flatten {
			if _, seen := out[key]; !seen || s.FlattenedElement == "last" {
				out[key] = clone(val)
			}
			continue
		}
		prev, _ := out[key].([]any)
		out[key] = append(prev, clone(val))
	}
	if s.Target != "" {
		set(ev, s.Target, out, true)
		return nil
	}
	for k, v := range out {
		set(ev, k, v, true)
	}
	return nil
}

// splitCSV splits one CSV record: fields separated by delim, a field that
// starts with quote runs to the closing quote (a doubled quote inside is
// one quote character).
func splitCSV(src string, delim, quote rune) []string {
	var out []string
	var b strings.Builder
	rs := []rune(src)
	for i := 0; i <= len(rs); {
		b.Reset()
		if i < len(rs) && rs[i] == quote {
			i++
			for i < len(rs) {
				if rs[i] == quote {
					if i+1 < len(rs) && rs[i+1] == quote {
						b.WriteRune(quote)
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteRune(rs[i])
				i++
			}
			for i < len(rs) && rs[i] != delim {
				b.WriteRune(rs[i])
				i++
			}
		} else {
			for i < len(rs) && rs[i] != delim {
				b.WriteRune(rs[i])
				i++
			}
		}
		out = append(out, b.String())
		i++ // past the delimiter (or the end)
	}
	return out
}
