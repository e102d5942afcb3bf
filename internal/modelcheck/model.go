package modelcheck

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Model is a botocore service model (service-2.json), reduced to what
// checking needs.
type Model struct {
	// TargetPrefix is the service's X-Amz-Target prefix.
	TargetPrefix string
	// Operations maps operation names to their shapes.
	Operations map[string]Operation
	shapes     map[string]*shape
}

// Operation is one operation of a model.
type Operation struct {
	// Input and Output name the operation's shapes ("" when it has none).
	Input, Output string
	// Errors lists the error shapes the model says it answers.
	Errors []string
}

type ref struct {
	Shape string `json:"shape"`
}

type shape struct {
	Type            string         `json:"type"`
	Members         map[string]ref `json:"members"`
	Required        []string       `json:"required"`
	Member          *ref           `json:"member"`
	Key             *ref           `json:"key"`
	Value           *ref           `json:"value"`
	Enum            []string       `json:"enum"`
	TimestampFormat string         `json:"timestampFormat"`
	Exception       bool           `json:"exception"`
	Fault           bool           `json:"fault"`
	Document        bool           `json:"document"`
	Union           bool           `json:"union"`
}

// Load reads a service-2.json file.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("modelcheck: %w", err)
	}
	return Parse(b)
}

// Parse reads a service model from its JSON.
func Parse(b []byte) (*Model, error) {
	var raw struct {
		Metadata struct {
			TargetPrefix string `json:"targetPrefix"`
		} `json:"metadata"`
		Operations map[string]struct {
			Input  *ref  `json:"input"`
			Output *ref  `json:"output"`
			Errors []ref `json:"errors"`
		} `json:"operations"`
		Shapes map[string]*shape `json:"shapes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("modelcheck: parse model: %w", err)
	}
	m := &Model{TargetPrefix: raw.Metadata.TargetPrefix, Operations: map[string]Operation{}, shapes: raw.Shapes}
	for name, op := range raw.Operations {
		var o Operation
		if op.Input != nil {
			o.Input = op.Input.Shape
		}
		if op.Output != nil {
			o.Output = op.Output.Shape
		}
		for _, e := range op.Errors {
			o.Errors = append(o.Errors, e.Shape)
		}
		m.Operations[name] = o
	}
	for name, s := range m.shapes {
		for _, r := range s.refs() {
			if m.shapes[r] == nil {
				return nil, fmt.Errorf("modelcheck: shape %s refers to unknown shape %s", name, r)
			}
		}
	}
	return m, nil
}

func (s *shape) refs() []string {
	var out []string
	for _, r := range s.Members {
		out = append(out, r.Shape)
	}
	for _, r := range []*ref{s.Member, s.Key, s.Value} {
		if r != nil {
			out = append(out, r.Shape)
		}
	}
	return out
}

// IsError reports whether name is an error shape of the model, and whether
// it is a server fault (answered with HTTP 5xx).
func (m *Model) IsError(name string) (isError, fault bool) {
	s := m.shapes[name]
	if s == nil || !s.Exception {
		return false, false
	}
	return true, s.Fault
}

// CheckShape checks the JSON document doc against the named shape and
// returns one message per violation, each naming the member path.
func (m *Model) CheckShape(shapeName string, doc []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{"body is not JSON: " + err.Error()}
	}
	if dec.More() {
		return []string{"body has data after the JSON document"}
	}
	c := &walk{m: m}
	c.value("", shapeName, v)
	return c.errs
}

type walk struct {
	m    *Model
	errs []string
}

func (c *walk) fail(path, format string, args ...any) {
	if path == "" {
		path = "(top level)"
	}
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

func (c *walk) value(path, shapeName string, v any) {
	s := c.m.shapes[shapeName]
	if v == nil {
		c.fail(path, "null (%s): AWS leaves absent members out instead", shapeName)
		return
	}
	if s.Document {
		return
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			c.fail(path, "got %s; want an object (%s)", kind(v), shapeName)
			return
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			r, known := s.Members[k]
			if !known {
				c.fail(join(path, k), "member not in shape %s%s", shapeName, suggest(k, s.Members))
				continue
			}
			c.value(join(path, k), r.Shape, obj[k])
		}
		for _, req := range s.Required {
			if _, ok := obj[req]; !ok {
				c.fail(join(path, req), "required member of %s is missing", shapeName)
			}
		}
		if s.Union && len(obj) != 1 {
			c.fail(path, "union %s has %d members set; want exactly 1", shapeName, len(obj))
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			c.fail(path, "got %s; want a list (%s)", kind(v), shapeName)
			return
		}
		for i, e := range arr {
			c.value(fmt.Sprintf("%s[%d]", path, i), s.Member.Shape, e)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			c.fail(path, "got %s; want a map (%s)", kind(v), shapeName)
			return
		}
		for k, e := range obj {
			c.value(join(path, k), s.Value.Shape, e)
			if ks := c.m.shapes[s.Key.Shape]; len(ks.Enum) > 0 && !slices.Contains(ks.Enum, k) {
				c.fail(join(path, k), "map key %q is not a value of %s", k, s.Key.Shape)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			c.fail(path, "got %s; want a string (%s)", kind(v), shapeName)
			return
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			c.fail(path, "%q is not a value of %s %v", str, shapeName, s.Enum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.fail(path, "got %s; want a boolean (%s)", kind(v), shapeName)
		}
	case "integer", "long":
		n, ok := v.(json.Number)
		if !ok {
			c.fail(path, "got %s; want an integer (%s)", kind(v), shapeName)
			return
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			c.fail(path, "%s is not an integer (%s)", n, shapeName)
			return
		}
		if s.Type == "integer" && (i < math.MinInt32 || i > math.MaxInt32) {
			c.fail(path, "%d does not fit a 32-bit integer (%s)", i, shapeName)
		}
	case "double", "float":
		if _, ok := v.(json.Number); !ok {
			c.fail(path, "got %s; want a number (%s)", kind(v), shapeName)
		}
	case "timestamp":
		switch s.TimestampFormat {
		case "", "unixTimestamp":
			n, ok := v.(json.Number)
			if !ok {
				c.fail(path, "got %s; want epoch seconds as a JSON number (%s)", kind(v), shapeName)
				return
			}
			f, err := n.Float64()
			if err != nil || f < 0 || f > 1e11 {
				c.fail(path, "%s is not epoch seconds (%s)", n, shapeName)
			}
		default:
			if _, ok := v.(string); !ok {
				c.fail(path, "got %s; want a %s timestamp string (%s)", kind(v), s.TimestampFormat, shapeName)
			}
		}
	case "blob":
		str, ok := v.(string)
		if !ok {
			c.fail(path, "got %s; want base64 text (%s)", kind(v), shapeName)
			return
		}
		if _, err := base64.StdEncoding.DecodeString(str); err != nil {
			c.fail(path, "not base64 (%s): %v", shapeName, err)
		}
	default:
		c.fail(path, "shape %s has type %q, which modelcheck does not know", shapeName, s.Type)
	}
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// suggest names a member that differs from k only in case, the usual slip.
func suggest(k string, members map[string]ref) string {
	for m := range members {
		if strings.EqualFold(m, k) {
			return fmt.Sprintf(" (did you mean %q?)", m)
		}
	}
	return ""
}

// errorMember reports whether the error shape typ defines the member name
// (MalformedQueryException's queryCompileError, for example).
func (m *Model) errorMember(typ, name string) bool {
	if m == nil {
		return false
	}
	sh := m.shapes[typ]
	if sh == nil || !sh.Exception {
		return false
	}
	_, ok := sh.Members[name]
	return ok
}
