package ecs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// DecodeError is one problem found in a task definition or run request file,
// at a member path such as "containerDefinitions[0].image".
type DecodeError struct {
	Path    string // "" for the whole document
	Message string
}

// Error formats the error as "path: message".
func (e *DecodeError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// readOnlyTaskDefinitionMembers are the members of a described task
// definition that ECS sets itself; they are dropped from a file so the
// output of describe-task-definition can be registered again.
var readOnlyTaskDefinitionMembers = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
}

// maxDecodeErrors caps how many problems one decode reports.
const maxDecodeErrors = 20

// maxDepth caps the nesting of a decoded document.
const maxDepth = 100

// DecodeTaskDefinitionFile decodes a task definition file, JSON or YAML with
// the API's camelCase member names, into a RegisterTaskDefinition request.
// It accepts the request shape itself, a bare TaskDefinition, or the output
// of `aws ecs describe-task-definition` ({"taskDefinition": {...}, "tags":
// [...]}); the members ECS sets itself (taskDefinitionArn, revision, status,
// requiresAttributes, compatibilities, registeredAt, registeredBy,
// deregisteredAt, deleteRequestedAt) are dropped.
//
// Decoding is strict: an unknown member is an error naming its path, with a
// suggestion when a known member is spelled alike, and so is a value of the
// wrong type. As a convenience, an integer given where the model wants a
// string (YAML's `cpu: 256`, or an environment value 8080) is taken as that
// string. Errors are *DecodeError values, joined when there are several.
func DecodeTaskDefinitionFile(data []byte) (*ecsmodel.RegisterTaskDefinitionRequest, error) {
	root, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	if root.kind == kindArray {
		return nil, &DecodeError{Message: "expected an object, got a list; a list of container definitions needs a family: write {\"family\": \"...\", \"containerDefinitions\": [...]}"}
	}
	if root.kind != kindObject {
		return nil, &DecodeError{Message: "expected an object holding a task definition, got " + root.describe()}
	}
	if _, ok := root.obj["taskDefinition"]; ok {
		// describe-task-definition output.
		var errs []error
		for _, k := range root.keys {
			if k != "taskDefinition" && k != "tags" {
				errs = append(errs, unknownMember(k, k, []string{"taskDefinition", "tags"}))
			}
		}
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		inner := root.obj["taskDefinition"]
		if inner.kind != kindObject {
			return nil, &DecodeError{Path: "taskDefinition", Message: "expected an object, got " + inner.describe()}
		}
		if tags, ok := root.obj["tags"]; ok {
			if _, dup := inner.obj["tags"]; dup {
				return nil, &DecodeError{Path: "taskDefinition.tags", Message: "tags are given both here and at the top level; keep one"}
			}
			inner.set("tags", tags)
		}
		root = inner
	}
	for _, k := range readOnlyTaskDefinitionMembers {
		root.remove(k)
	}
	out := new(ecsmodel.RegisterTaskDefinitionRequest)
	if err := decodeStrict(root, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DecodeRunTaskRequestFile decodes a Run Task Request Definition file, JSON
// or YAML with the API's camelCase member names, into a RunTask request,
// with the same strictness as DecodeTaskDefinitionFile: unknown members and
// wrongly typed values are errors naming their path.
func DecodeRunTaskRequestFile(data []byte) (*ecsmodel.RunTaskRequest, error) {
	root, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	if root.kind != kindObject {
		return nil, &DecodeError{Message: "expected an object holding a RunTask request, got " + root.describe()}
	}
	out := new(ecsmodel.RunTaskRequest)
	if err := decodeStrict(root, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DecodeStrictFile decodes a JSON or YAML document into *target (a struct
// with json tags) with the same strictness as DecodeTaskDefinitionFile:
// unknown members (with a suggestion) and wrongly typed values are
// *DecodeError values naming their path. Embedded structs contribute their
// members, as encoding/json promotes them.
func DecodeStrictFile(data []byte, target any) error {
	root, err := parseDocument(data)
	if err != nil {
		return err
	}
	if root.kind != kindObject {
		return &DecodeError{Message: "expected an object, got " + root.describe()}
	}
	return decodeStrict(root, target)
}

// decodeStrict checks root against the type of *target and decodes it.
func decodeStrict(root *node, target any) error {
	c := &checker{}
	c.walk(root, reflect.TypeOf(target).Elem(), "")
	if len(c.errs) > 0 {
		return errors.Join(c.errs...)
	}
	b, err := json.Marshal(root.value())
	if err != nil {
		return &DecodeError{Message: err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return &DecodeError{Message: err.Error()}
	}
	return nil
}

// Document parsing: JSON directly, YAML through sigs.k8s.io/yaml.

type nodeKind byte

const (
	kindNull nodeKind = iota
	kindObject
	kindArray
	kindString
	kindNumber
	kindBool
)

// node is a parsed JSON value that keeps object member order.
type node struct {
	kind nodeKind
	keys []string
	obj  map[string]*node
	arr  []*node
	str  string // string value, or number text
	b    bool
}

func (n *node) set(k string, v *node) {
	if _, ok := n.obj[k]; !ok {
		n.keys = append(n.keys, k)
	}
	n.obj[k] = v
}

func (n *node) remove(k string) {
	if _, ok := n.obj[k]; !ok {
		return
	}
	delete(n.obj, k)
	n.keys = slices.DeleteFunc(n.keys, func(s string) bool { return s == k })
}

// value converts the node to encoding/json's generic form.
func (n *node) value() any {
	switch n.kind {
	case kindObject:
		m := make(map[string]any, len(n.obj))
		for k, v := range n.obj {
			m[k] = v.value()
		}
		return m
	case kindArray:
		a := make([]any, len(n.arr))
		for i, v := range n.arr {
			a[i] = v.value()
		}
		return a
	case kindString:
		return n.str
	case kindNumber:
		return json.Number(n.str)
	case kindBool:
		return n.b
	}
	return nil
}

// describe names the node's kind and, for scalars, its value.
func (n *node) describe() string {
	switch n.kind {
	case kindObject:
		return "an object"
	case kindArray:
		return "a list"
	case kindString:
		s := n.str
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return "string " + strconv.Quote(s)
	case kindNumber:
		return "number " + n.str
	case kindBool:
		return "boolean " + strconv.FormatBool(n.b)
	}
	return "null"
}

// parseDocument reads JSON, or YAML when the text does not start like JSON.
func parseDocument(data []byte) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &DecodeError{Message: "the file is empty"}
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		j, err := yaml.YAMLToJSONStrict(data)
		if err != nil {
			return nil, &DecodeError{Message: "invalid YAML: " + YAMLErrorMessage(data, err)}
		}
		data = j
	}
	n, err := parseJSON(data)
	if err != nil && looksLikeYAMLFlow(trimmed) {
		// A YAML flow mapping ({family: x, ...}).
		if j, yerr := yaml.YAMLToJSONStrict(data); yerr == nil {
			if n2, err2 := parseJSON(j); err2 == nil {
				return n2, nil
			}
		}
	}
	return n, err
}

// YAMLErrorMessage returns the message of a YAML parser error for data
// without the converter's prefix, saying so when a tab indents the line it
// names (YAML indents with spaces only; the parser may only say "found
// character that cannot start any token").
func YAMLErrorMessage(data []byte, err error) string {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	var n int
	if _, scanErr := fmt.Sscanf(strings.TrimPrefix(msg, "yaml: "), "line %d:", &n); scanErr != nil || n < 1 {
		return msg
	}
	lines := bytes.Split(data, []byte("\n"))
	if n > len(lines) {
		return msg
	}
	line := lines[n-1]
	indent := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
	if bytes.IndexByte(indent, '\t') < 0 {
		return msg
	}
	detail := strings.TrimPrefix(msg, fmt.Sprintf("yaml: line %d: ", n))
	return fmt.Sprintf("line %d: a tab indents the line, and YAML indents with spaces only; replace the tab with spaces (%s)", n, detail)
}

// looksLikeYAMLFlow reports whether text starting with '{' is a YAML flow
// mapping with unquoted keys rather than (possibly broken) JSON.
func looksLikeYAMLFlow(trimmed []byte) bool {
	if trimmed[0] != '{' {
		return false
	}
	rest := bytes.TrimSpace(trimmed[1:])
	return len(rest) > 0 && rest[0] != '"' && rest[0] != '}'
}

func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &parser{dec: dec, data: data}
	n, err := p.value(0, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &DecodeError{Message: fmt.Sprintf("invalid JSON at %s: unexpected data after the top-level value", p.position(dec.InputOffset()))}
	}
	return n, nil
}

type parser struct {
	dec  *json.Decoder
	data []byte
}

func (p *parser) position(off int64) string {
	if off > int64(len(p.data)) {
		off = int64(len(p.data))
	}
	before := p.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

func (p *parser) syntax(err error) error {
	if err == io.EOF {
		return &DecodeError{Message: "invalid JSON: unexpected end of input"}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &DecodeError{Message: fmt.Sprintf("invalid JSON at %s: %v", p.position(se.Offset), se)}
	}
	return &DecodeError{Message: fmt.Sprintf("invalid JSON at %s: %v", p.position(p.dec.InputOffset()), err)}
}

func (p *parser) value(depth int, path string) (*node, error) {
	if depth > maxDepth {
		return nil, &DecodeError{Path: path, Message: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: kindObject, obj: map[string]*node{}}
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err)
				}
				k, _ := kt.(string)
				sub := joinPath(path, k)
				if _, dup := n.obj[k]; dup {
					return nil, &DecodeError{Path: sub, Message: "member given more than once"}
				}
				v, err := p.value(depth+1, sub)
				if err != nil {
					return nil, err
				}
				n.set(k, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.syntax(err)
			}
			return n, nil
		case '[':
			n := &node{kind: kindArray}
			for p.dec.More() {
				v, err := p.value(depth+1, fmt.Sprintf("%s[%d]", path, len(n.arr)))
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.syntax(err)
			}
			return n, nil
		}
		return nil, p.syntax(fmt.Errorf("unexpected %q", rune(t)))
	case string:
		return &node{kind: kindString, str: t}, nil
	case json.Number:
		return &node{kind: kindNumber, str: string(t)}, nil
	case bool:
		return &node{kind: kindBool, b: t}, nil
	}
	return &node{kind: kindNull}, nil
}

func joinPath(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

// Strict checking of a node tree against an ecsmodel type, driven by the
// types' json tags.

type checker struct {
	errs []error
}

func (c *checker) fail(path, format string, args ...any) {
	if len(c.errs) < maxDecodeErrors {
		c.errs = append(c.errs, &DecodeError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
)

func (c *checker) walk(n *node, t reflect.Type, path string) {
	if len(c.errs) >= maxDecodeErrors {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.kind == kindNull {
		return // null leaves the member unset
	}
	if t == rawMessageType {
		return
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		// Custom decoders in the model are timestamps (wire.Time).
		if n.kind != kindNumber && n.kind != kindString {
			c.fail(path, "expected a timestamp (epoch seconds or RFC 3339 text), got %s", n.describe())
		}
		return
	}
	switch t.Kind() {
	case reflect.String:
		switch {
		case n.kind == kindString:
		case n.kind == kindNumber && isInteger(n.str):
			// Convenience: YAML `cpu: 256`, environment `value: 8080`.
			n.kind = kindString
		default:
			c.fail(path, "expected a string, got %s; put the value in quotes", n.describe())
		}
	case reflect.Bool:
		if n.kind != kindBool {
			c.fail(path, "expected true or false, got %s", n.describe())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.kind != kindNumber {
			c.fail(path, "expected an integer, got %s", n.describe())
			return
		}
		if _, err := strconv.ParseInt(n.str, 10, t.Bits()); err != nil {
			if isInteger(n.str) {
				c.fail(path, "the integer %s is out of range", n.str)
			} else {
				c.fail(path, "expected an integer, got %s", n.describe())
			}
		}
	case reflect.Float32, reflect.Float64:
		if n.kind != kindNumber {
			c.fail(path, "expected a number, got %s", n.describe())
		}
	case reflect.Slice:
		if n.kind != kindArray {
			c.fail(path, "expected a list, got %s", n.describe())
			return
		}
		for i, e := range n.arr {
			c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if n.kind != kindObject {
			c.fail(path, "expected an object (a map of names to values), got %s", n.describe())
			return
		}
		for _, k := range n.keys {
			c.walk(n.obj[k], t.Elem(), path+"["+strconv.Quote(k)+"]")
		}
	case reflect.Struct:
		if n.kind != kindObject {
			c.fail(path, "expected an object, got %s", n.describe())
			return
		}
		fields := structFields(t)
		for _, k := range n.keys {
			sub := joinPath(path, k)
			f, ok := fields.byName[k]
			if !ok {
				c.errs = append(c.errs, unknownMember(sub, k, fields.names))
				continue
			}
			c.walk(n.obj[k], f.typ, sub)
		}
	default:
		c.fail(path, "cannot decode into %s", t)
	}
}

func isInteger(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type fieldInfo struct {
	typ reflect.Type
}

type fieldSet struct {
	byName map[string]fieldInfo
	names  []string
}

var fieldCache sync.Map // reflect.Type -> *fieldSet

// structFields lists the JSON member names of a model struct from its json
// tags.
func structFields(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{byName: map[string]fieldInfo{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			inner := structFields(f.Type)
			for _, n := range inner.names {
				fs.byName[n] = inner.byName[n]
				fs.names = append(fs.names, n)
			}
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fs.byName[name] = fieldInfo{typ: f.Type}
		fs.names = append(fs.names, name)
	}
	actual, _ := fieldCache.LoadOrStore(t, fs)
	return actual.(*fieldSet)
}

// unknownMember reports an unknown key, suggesting the closest known name.
func unknownMember(path, key string, known []string) error {
	if s := Suggest(key, known); s != "" {
		return &DecodeError{Path: path, Message: fmt.Sprintf("unknown member; did you mean %q?", s)}
	}
	if len(known) <= 12 {
		return &DecodeError{Path: path, Message: "unknown member; known members: " + strings.Join(known, ", ")}
	}
	return &DecodeError{Path: path, Message: "unknown member"}
}

// Suggest returns the known name closest to key by edit distance (ignoring
// case), or "" when none is close: the "did you mean" of error messages.
func Suggest(key string, known []string) string {
	lk := strings.ToLower(key)
	best, bestDist := "", 1<<30
	for _, k := range known {
		d := editDistance(lk, strings.ToLower(k))
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	limit := max(1, min(len(key), len(best))/3)
	if best != "" && bestDist <= limit {
		return best
	}
	// A known name that contains the key or is contained in it ("env" ->
	// "environment") is a fair guess too.
	if len(lk) >= 3 {
		for _, k := range known {
			lkk := strings.ToLower(k)
			if strings.HasPrefix(lkk, lk) || strings.HasPrefix(lk, lkk) && len(lkk) >= 4 {
				return k
			}
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 256 || len(b) > 256 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ExpandEnv expands ${VAR} and ${VAR:-default} in data (for --expand-env):
// ${VAR:-default} uses default when VAR is unset or empty, ${VAR-default}
// only when it is unset, and ${VAR} with VAR unset is an error naming the
// variable and its line. $${ writes a literal ${. Any other $ is left alone,
// so $VAR and $1 pass through unchanged.
func ExpandEnv(data []byte, lookup func(string) (string, bool)) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(data))
	var errs []error
	lineAt := func(i int) int { return bytes.Count(data[:i], []byte("\n")) + 1 }
	for i := 0; i < len(data); {
		c := data[i]
		if c != '$' {
			out.WriteByte(c)
			i++
			continue
		}
		if bytes.HasPrefix(data[i:], []byte("$${")) {
			out.WriteString("${")
			i += 3
			continue
		}
		if !bytes.HasPrefix(data[i:], []byte("${")) {
			out.WriteByte('$')
			i++
			continue
		}
		end := bytes.IndexByte(data[i+2:], '}')
		if end < 0 {
			errs = append(errs, fmt.Errorf("line %d: unterminated ${; close it with } or write $${ for a literal ${", lineAt(i)))
			out.Write(data[i:])
			break
		}
		expr := string(data[i+2 : i+2+end])
		next := i + 2 + end + 1
		name, rest := splitVarName(expr)
		if name == "" || (rest != "" && !strings.HasPrefix(rest, "-") && !strings.HasPrefix(rest, ":-")) {
			errs = append(errs, fmt.Errorf("line %d: invalid variable reference ${%s}; use ${NAME}, ${NAME:-default}, or write $${ for a literal ${", lineAt(i), expr))
			i = next
			continue
		}
		val, set := lookup(name)
		switch {
		case strings.HasPrefix(rest, ":-"):
			if !set || val == "" {
				val = rest[2:]
			}
		case strings.HasPrefix(rest, "-"):
			if !set {
				val = rest[1:]
			}
		case !set:
			errs = append(errs, fmt.Errorf("line %d: environment variable %s is not set; set it, give a default with ${%s:-default}, or write $${%s} for a literal", lineAt(i), name, name, name))
		}
		out.WriteString(val)
		i = next
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out.Bytes(), nil
}

// EnvReferences returns the names of the variables data refers to as
// ${VAR} (or ${VAR:-default}, ${VAR-default}) in order of first use, each
// once: what ExpandEnv would expand. $${ (a literal) is not a reference.
func EnvReferences(data []byte) []string {
	var names []string
	seen := map[string]bool{}
	for i := 0; i < len(data); i++ {
		if bytes.HasPrefix(data[i:], []byte("$${")) {
			i += 2
			continue
		}
		if !bytes.HasPrefix(data[i:], []byte("${")) {
			continue
		}
		end := bytes.IndexByte(data[i+2:], '}')
		if end < 0 {
			break
		}
		name, rest := splitVarName(string(data[i+2 : i+2+end]))
		if name != "" && (rest == "" || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, ":-")) && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
		i += 2 + end
	}
	return names
}

// splitVarName splits "NAME:-x" into "NAME" and ":-x"; the name is
// [A-Za-z_][A-Za-z0-9_]*.
func splitVarName(s string) (name, rest string) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			i++
			continue
		}
		break
	}
	return s[:i], s[i:]
}
