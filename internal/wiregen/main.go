// Command wiregen generates Go wire shapes and validators from a botocore
// service model (service-2.json). It is run by `go generate` in the model
// packages (internal/ecsmodel, internal/logsmodel, internal/sfnmodel); the
// model itself is read from ../shared at generation time and never copied into
// the repository.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"sort"
	"strings"
	"unicode"
)

type member struct {
	Shape string `json:"shape"`
	Box   bool   `json:"box"`
}

type shape struct {
	Type      string            `json:"type"`
	Members   map[string]member `json:"members"`
	Required  []string          `json:"required"`
	Member    *member           `json:"member"`
	Key       *member           `json:"key"`
	Value     *member           `json:"value"`
	Enum      []string          `json:"enum"`
	Min       *float64          `json:"min"`
	Max       *float64          `json:"max"`
	Pattern   string            `json:"pattern"`
	Box       bool              `json:"box"`
	Exception bool              `json:"exception"`
	Fault     bool              `json:"fault"`
	Sensitive bool              `json:"sensitive"`
	Document  bool              `json:"document"`
	Event     bool              `json:"event"`
	Stream    bool              `json:"eventstream"`
	Union     bool              `json:"union"`
	order     []string
}

type operation struct {
	Name   string   `json:"name"`
	Input  *member  `json:"input"`
	Output *member  `json:"output"`
	Errors []member `json:"errors"`
}

type model struct {
	Metadata struct {
		TargetPrefix string `json:"targetPrefix"`
		JSONVersion  string `json:"jsonVersion"`
		ServiceID    string `json:"serviceId"`
		SigningName  string `json:"signingName"`
	} `json:"metadata"`
	Operations map[string]operation `json:"operations"`
	Shapes     map[string]*shape    `json:"shapes"`
}

func main() {
	in := flag.String("model", "", "path to service-2.json")
	pkg := flag.String("pkg", "", "Go package name")
	out := flag.String("out", "zz_generated.go", "output file")
	timeFmt := flag.String("timestamps", "epoch-seconds", "timestamp wire format")
	flag.Parse()
	if *in == "" || *pkg == "" {
		fmt.Fprintln(os.Stderr, "usage: wiregen -model service-2.json -pkg name [-out file]")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wiregen:", err)
		os.Exit(1)
	}
	var m model
	if err := json.Unmarshal(raw, &m); err != nil {
		fmt.Fprintln(os.Stderr, "wiregen:", err)
		os.Exit(1)
	}
	if err := memberOrder(raw, &m); err != nil {
		fmt.Fprintln(os.Stderr, "wiregen:", err)
		os.Exit(1)
	}
	g := &gen{m: &m, pkg: *pkg, timeFmt: *timeFmt}
	src, err := g.run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wiregen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "wiregen:", err)
		os.Exit(1)
	}
}

// memberOrder recovers the order in which the model lists each structure's
// members, so that generated JSON keeps the model's order.
func memberOrder(raw []byte, m *model) error {
	var top struct {
		Shapes map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return err
	}
	for name, r := range top.Shapes {
		var s struct {
			Members json.RawMessage `json:"members"`
		}
		if err := json.Unmarshal(r, &s); err != nil {
			return err
		}
		if len(s.Members) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(s.Members))
		if _, err := dec.Token(); err != nil {
			return err
		}
		depth := 0
		for dec.More() || depth > 0 {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			switch t := tok.(type) {
			case json.Delim:
				if t == '{' || t == '[' {
					depth++
				} else {
					depth--
				}
			case string:
				if depth == 0 {
					m.Shapes[name].order = append(m.Shapes[name].order, t)
				}
			}
		}
	}
	return nil
}

type gen struct {
	m       *model
	pkg     string
	timeFmt string
	buf     bytes.Buffer
	enums   map[string]bool
	inputs  map[string]bool
	// boxConvention is true for models (ECS) that mark optional numbers
	// and booleans with Boxed* shapes: there a non-boxed primitive is
	// always on the wire. In the other models (Logs, Step Functions) a
	// non-boxed primitive is optional unless the structure requires it.
	boxConvention bool
}

// usesBoxConvention reports whether the model declares Boxed* primitive
// shapes (ECS's BoxedInteger, BoxedBoolean, ...).
func usesBoxConvention(m *model) bool {
	for name, s := range m.Shapes {
		if strings.HasPrefix(name, "Boxed") && s.Box {
			return true
		}
	}
	return false
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.buf, format, args...) }

func exported(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func (g *gen) run() ([]byte, error) {
	g.enums = map[string]bool{}
	g.inputs = map[string]bool{}
	g.boxConvention = usesBoxConvention(g.m)
	for _, op := range g.m.Operations {
		if op.Input != nil {
			g.markInput(op.Input.Shape)
		}
	}
	g.p("// Code generated by wiregen from the botocore model; DO NOT EDIT.\n\n")
	g.p("package %s\n\n", g.pkg)
	g.p("import (\n\"encoding/json\"\n\n\"github.com/ecsrun/ecsrun/internal/wire\"\n)\n\n")
	g.p("var _ = json.RawMessage(nil)\n\n")
	g.p("// TargetPrefix is the X-Amz-Target prefix of the service.\nconst TargetPrefix = %q\n\n", g.m.Metadata.TargetPrefix)
	g.p("// JSONVersion is the awsJson protocol version of the service.\nconst JSONVersion = %q\n\n", g.m.Metadata.JSONVersion)
	g.p("// SigningName is the SigV4 signing name of the service.\nconst SigningName = %q\n\n", g.m.Metadata.SigningName)

	names := make([]string, 0, len(g.m.Shapes))
	for n := range g.m.Shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	// Every enumeration is known before any structure is generated: a
	// required member's zero test depends on it, whatever the shapes' order.
	for _, n := range names {
		if s := g.m.Shapes[n]; s.Type == "string" && len(s.Enum) > 0 {
			g.enums[n] = true
		}
	}
	var patterns []string
	for _, n := range names {
		s := g.m.Shapes[n]
		switch s.Type {
		case "structure":
			if err := g.structure(n, s); err != nil {
				return nil, err
			}
		case "string":
			if len(s.Enum) > 0 {
				g.enum(n, s)
			}
			if s.Pattern != "" && g.inputs[n] {
				patterns = append(patterns, n)
			}
		}
	}
	for _, n := range patterns {
		g.p("var pattern%s = wire.NewPattern(%q)\n", n, g.m.Shapes[n].Pattern)
	}
	g.operations()
	return format.Source(g.buf.Bytes())
}

func (g *gen) markInput(name string) {
	if g.inputs[name] {
		return
	}
	g.inputs[name] = true
	s := g.m.Shapes[name]
	switch s.Type {
	case "structure":
		for _, mb := range s.Members {
			g.markInput(mb.Shape)
		}
	case "list":
		g.markInput(s.Member.Shape)
	case "map":
		g.markInput(s.Key.Shape)
		g.markInput(s.Value.Shape)
	}
}

// goType returns the Go type of a member and whether it is a non-boxed
// primitive (always present on the wire, so never omitted). required tells
// whether the enclosing structure requires the member: in models without
// the box convention, optional primitives are pointers so that an absent
// member is not mistaken for its zero value.
func (g *gen) goType(ref member, required bool) (string, bool) {
	s := g.m.Shapes[ref.Shape]
	boxed := s.Box || ref.Box || (!g.boxConvention && !required)
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			return ref.Shape, false
		}
		return "string", false
	case "integer":
		if boxed {
			return "*int32", false
		}
		return "int32", true
	case "long":
		if boxed {
			return "*int64", false
		}
		return "int64", true
	case "double", "float":
		if boxed {
			return "*float64", false
		}
		return "float64", true
	case "boolean":
		if boxed {
			return "*bool", false
		}
		return "bool", true
	case "timestamp":
		return "*wire.Time", false
	case "blob":
		return "[]byte", false
	case "list":
		t, _ := g.elemType(*s.Member)
		return "[]" + t, false
	case "map":
		t, _ := g.elemType(*s.Value)
		return "map[string]" + t, false
	case "structure":
		if s.Document {
			return "json.RawMessage", false
		}
		if s.Stream || s.Union || s.Event {
			return "json.RawMessage", false
		}
		return "*" + ref.Shape, false
	}
	return "json.RawMessage", false
}

// elemType is the Go type of a list or map element: values, not pointers, for
// structures and scalars.
func (g *gen) elemType(ref member) (string, bool) {
	s := g.m.Shapes[ref.Shape]
	if s.Type == "structure" && !s.Document && !s.Stream && !s.Union && !s.Event {
		return ref.Shape, false
	}
	t, prim := g.goType(ref, true)
	return strings.TrimPrefix(t, "*"), prim
}

func (g *gen) structure(name string, s *shape) error {
	if s.Document || s.Stream || s.Union || s.Event {
		return nil
	}
	if s.Exception {
		g.p("// %s is the %q error shape of the service.\n", name, name)
	} else {
		g.p("// %s is the %q wire shape of the service model.\n", name, name)
	}
	g.p("type %s struct {\n", name)
	req := requiredSet(s)
	for _, mn := range s.order {
		mb := s.Members[mn]
		t, prim := g.goType(mb, req[mn])
		tag := mn + ",omitzero"
		if prim {
			tag = mn
		}
		g.p("%s %s `json:%q`\n", exported(mn), t, tag)
	}
	g.p("}\n\n")
	if g.inputs[name] {
		g.validator(name, s)
	}
	return nil
}

func (g *gen) validator(name string, s *shape) {
	g.p("// Validate checks v against the model's constraints, reporting each\n// violation under the member path prefix.\n")
	g.p("func (v *%s) Validate(prefix string, errs *wire.Violations) {\n", name)
	g.p("if v == nil { return }\n")
	req := requiredSet(s)
	for _, mn := range s.order {
		mb := s.Members[mn]
		f := "v." + exported(mn)
		path := fmt.Sprintf("wire.Join(prefix, %q)", mn)
		t, prim := g.goType(mb, req[mn])
		if req[mn] && !prim && !g.emptyString(mb.Shape) {
			g.p("if %s { errs.Missing(%s) }\n", g.zeroTest(f, t), path)
		}
		g.valueChecks(f, t, mb.Shape, path, 0)
	}
	g.p("}\n\n")
}

func requiredSet(s *shape) map[string]bool {
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	return req
}

func (g *gen) zeroTest(f, t string) string {
	switch {
	case t == "string" || g.enumType(t):
		return f + ` == ""`
	case strings.HasPrefix(t, "[]") || strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "*") || t == "json.RawMessage":
		return f + " == nil"
	}
	return "false"
}

func (g *gen) enumType(t string) bool { return g.enums[t] }

// emptyString reports a string shape whose model allows "" (min 0): a
// required member of it may be empty (CloudWatch Logs' filterPattern "" means
// every event), so "" cannot stand for "absent" there.
func (g *gen) emptyString(shapeName string) bool {
	s := g.m.Shapes[shapeName]
	return s.Type == "string" && len(s.Enum) == 0 && s.Min != nil && *s.Min == 0
}

// valueChecks emits range, length, enum and pattern checks for the value f of
// the given shape, recursing into lists, maps and structures.
func (g *gen) valueChecks(f, t, shapeName, path string, depth int) {
	s := g.m.Shapes[shapeName]
	ptr := strings.HasPrefix(t, "*")
	val := f
	if ptr {
		val = "*" + f
	}
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			g.p("if %s != \"\" && !%s.Valid() { errs.Enum(%s, string(%s), %s.Values()) }\n", f, f, path, f, f)
		}
		if s.Min != nil && *s.Min > 0 {
			g.p("if %s != \"\" && len(%s) < %d { errs.MinLen(%s, string(%s), %d) }\n", f, f, int(*s.Min), path, f, int(*s.Min))
		}
		if s.Max != nil {
			g.p("if len(%s) > %d { errs.MaxLen(%s, string(%s), %d) }\n", f, int(*s.Max), path, f, int(*s.Max))
		}
		if s.Pattern != "" && g.inputs[shapeName] {
			g.p("if %s != \"\" && !pattern%s.MatchString(string(%s)) { errs.Pattern(%s, string(%s), %q) }\n", f, shapeName, f, path, f, s.Pattern)
		}
	case "integer", "long", "double", "float":
		cond := "true"
		if ptr {
			cond = f + " != nil"
		}
		if s.Min != nil {
			g.p("if %s && float64(%s) < %v { errs.Min(%s, float64(%s), %v) }\n", cond, val, *s.Min, path, val, *s.Min)
		}
		if s.Max != nil {
			g.p("if %s && float64(%s) > %v { errs.Max(%s, float64(%s), %v) }\n", cond, val, *s.Max, path, val, *s.Max)
		}
	case "list":
		if s.Min != nil && *s.Min > 0 {
			g.p("if %s != nil && len(%s) < %d { errs.MinItems(%s, %d) }\n", f, f, int(*s.Min), path, int(*s.Min))
		}
		if s.Max != nil {
			g.p("if len(%s) > %d { errs.MaxItems(%s, %d) }\n", f, int(*s.Max), path, int(*s.Max))
		}
		et, _ := g.elemType(*s.Member)
		if g.needsChecks(s.Member.Shape, map[string]bool{}) {
			iv := fmt.Sprintf("i%d", depth)
			g.p("for %s := range %s {\n", iv, f)
			g.valueChecks(fmt.Sprintf("%s[%s]", f, iv), et, s.Member.Shape, fmt.Sprintf("wire.Index(%s, %s)", path, iv), depth+1)
			g.p("}\n")
		}
	case "map":
		if s.Min != nil && *s.Min > 0 {
			g.p("if %s != nil && len(%s) < %d { errs.MinItems(%s, %d) }\n", f, f, int(*s.Min), path, int(*s.Min))
		}
		if s.Max != nil {
			g.p("if len(%s) > %d { errs.MaxItems(%s, %d) }\n", f, int(*s.Max), path, int(*s.Max))
		}
		vt, _ := g.elemType(*s.Value)
		kc := g.needsChecks(s.Key.Shape, map[string]bool{})
		vc := g.needsChecks(s.Value.Shape, map[string]bool{})
		if kc || vc {
			kv := fmt.Sprintf("k%d", depth)
			g.p("for %s := range %s {\n", kv, f)
			if kc {
				g.valueChecks(kv, "string", s.Key.Shape, fmt.Sprintf("wire.Key(%s, %s)", path, kv), depth+1)
			}
			if vc {
				if strings.HasPrefix(vt, "map") || strings.HasPrefix(vt, "[]") || g.m.Shapes[s.Value.Shape].Type == "structure" {
					g.p("mv%d := %s[%s]\n", depth, f, kv)
					g.valueChecks(fmt.Sprintf("mv%d", depth), vt, s.Value.Shape, fmt.Sprintf("wire.Key(%s, %s)", path, kv), depth+1)
				} else {
					g.valueChecks(fmt.Sprintf("%s[%s]", f, kv), vt, s.Value.Shape, fmt.Sprintf("wire.Key(%s, %s)", path, kv), depth+1)
				}
			}
			g.p("}\n")
		}
	case "structure":
		if s.Document || s.Stream || s.Union || s.Event {
			return
		}
		if ptr {
			g.p("%s.Validate(%s, errs)\n", f, path)
		} else {
			g.p("(&%s).Validate(%s, errs)\n", f, path)
		}
	}
}

func (g *gen) needsChecks(name string, seen map[string]bool) bool {
	if seen[name] {
		return false
	}
	seen[name] = true
	s := g.m.Shapes[name]
	switch s.Type {
	case "structure":
		return !(s.Document || s.Stream || s.Union || s.Event)
	case "string":
		return len(s.Enum) > 0 || s.Min != nil || s.Max != nil || s.Pattern != ""
	case "integer", "long", "double", "float":
		return s.Min != nil || s.Max != nil
	case "list":
		return s.Min != nil || s.Max != nil || g.needsChecks(s.Member.Shape, seen)
	case "map":
		return s.Min != nil || s.Max != nil || g.needsChecks(s.Key.Shape, seen) || g.needsChecks(s.Value.Shape, seen)
	}
	return false
}

func (g *gen) enum(name string, s *shape) {
	g.enums[name] = true
	g.p("// %s is the %q enumeration of the service model.\ntype %s string\n\n", name, name, name)
	g.p("// Values of %s.\nconst (\n", name)
	used := map[string]bool{}
	for _, v := range s.Enum {
		c := name + constName(v)
		for used[c] {
			c += "X"
		}
		used[c] = true
		g.p("%s %s = %q\n", c, name, v)
	}
	g.p(")\n\n")
	g.p("// Values lists every value of %s in model order.\nfunc (%s) Values() []string {\nreturn []string{", name, name)
	for _, v := range s.Enum {
		g.p("%q,", v)
	}
	g.p("}\n}\n\n")
	g.p("// Valid reports whether e is one of the model's values.\nfunc (e %s) Valid() bool {\nswitch e {\ncase ", name)
	for i, v := range s.Enum {
		if i > 0 {
			g.p(", ")
		}
		g.p("%q", v)
	}
	g.p(":\nreturn true\n}\nreturn false\n}\n\n")
}

func constName(v string) string {
	var b strings.Builder
	up := true
	for _, r := range v {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}

func (g *gen) operations() {
	names := make([]string, 0, len(g.m.Operations))
	for n := range g.m.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	g.p("// Operations describes every operation of the service model by name.\n")
	g.p("var Operations = map[string]wire.Operation{\n")
	for _, n := range names {
		op := g.m.Operations[n]
		in, out := "nil", "nil"
		if op.Input != nil {
			in = fmt.Sprintf("func() wire.Input { return new(%s) }", op.Input.Shape)
		}
		if op.Output != nil {
			out = fmt.Sprintf("func() any { return new(%s) }", op.Output.Shape)
		}
		var errs []string
		for _, e := range op.Errors {
			errs = append(errs, fmt.Sprintf("%q", e.Shape))
		}
		g.p("%q: {Name: %q, NewInput: %s, NewOutput: %s, Errors: []string{%s}},\n", n, n, in, out, strings.Join(errs, ", "))
	}
	g.p("}\n\n")
	g.p("// ErrorShapes lists the names of the model's error shapes, with true for\n// server faults.\nvar ErrorShapes = map[string]bool{\n")
	var errNames []string
	for n, s := range g.m.Shapes {
		if s.Exception {
			errNames = append(errNames, n)
		}
	}
	sort.Strings(errNames)
	for _, n := range errNames {
		g.p("%q: %v,\n", n, g.m.Shapes[n].Fault)
	}
	g.p("}\n")
}
