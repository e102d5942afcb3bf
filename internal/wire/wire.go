package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Time is a timestamp carried on the wire as epoch seconds (a JSON number,
// fractional to the millisecond), as awsJson services send them.
type Time struct{ time.Time }

// At returns a pointer to t as a wire Time, or nil for the zero time.
func At(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	return &Time{t}
}

// MarshalJSON writes t as epoch seconds with millisecond precision.
func (t Time) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
}

// UnmarshalJSON reads epoch seconds (number or numeric string) or an RFC 3339
// string.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		if f, err := strconv.ParseFloat(str, 64); err == nil {
			t.Time = fromEpoch(f)
			return nil
		}
		p, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return fmt.Errorf("timestamp %q is neither epoch seconds nor RFC 3339", str)
		}
		t.Time = p
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not a number", s)
	}
	t.Time = fromEpoch(f)
	return nil
}

func fromEpoch(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC()
}

// Input is a request shape: it can check itself against the model.
type Input interface {
	Validate(prefix string, errs *Violations)
}

// Operation describes one operation of a service model.
type Operation struct {
	Name      string
	NewInput  func() Input
	NewOutput func() any
	Errors    []string
}

// Violations collects constraint violations in the wording AWS services use
// ("Value 'x' at 'a.b' failed to satisfy constraint: ...").
type Violations struct {
	list []string
}

// Len reports how many violations were found.
func (v *Violations) Len() int { return len(v.list) }

// List returns the violation messages in the order found.
func (v *Violations) List() []string { return v.list }

// Error summarises the violations in AWS's wording; "" when there are none.
func (v *Violations) Error() string {
	switch len(v.list) {
	case 0:
		return ""
	case 1:
		return "1 validation error detected: " + v.list[0]
	}
	return fmt.Sprintf("%d validation errors detected: %s", len(v.list), strings.Join(v.list, "; "))
}

// Add records a free-form violation at path.
func (v *Violations) Add(path, msg string) {
	v.list = append(v.list, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, msg))
}

// Missing records a required member that is absent.
func (v *Violations) Missing(path string) {
	v.list = append(v.list, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", path))
}

// Enum records a value outside an enumeration.
func (v *Violations) Enum(path, got string, values []string) {
	v.list = append(v.list, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", clip(got), path, strings.Join(values, ", ")))
}

// MinLen records a string shorter than allowed.
func (v *Violations) MinLen(path, got string, n int) {
	v.list = append(v.list, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", clip(got), path, n))
}

// MaxLen records a string longer than allowed.
func (v *Violations) MaxLen(path, got string, n int) {
	v.list = append(v.list, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", clip(got), path, n))
}

// Pattern records a string that does not match the model's pattern.
func (v *Violations) Pattern(path, got, pattern string) {
	v.list = append(v.list, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", clip(got), path, pattern))
}

// Min records a number below its range.
func (v *Violations) Min(path string, got, min float64) {
	v.list = append(v.list, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %s", num(got), path, num(min)))
}

// Max records a number above its range.
func (v *Violations) Max(path string, got, max float64) {
	v.list = append(v.list, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have value less than or equal to %s", num(got), path, num(max)))
}

// MinItems records a list or map with too few entries.
func (v *Violations) MinItems(path string, n int) {
	v.list = append(v.list, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", path, n))
}

// MaxItems records a list or map with too many entries.
func (v *Violations) MaxItems(path string, n int) {
	v.list = append(v.list, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", path, n))
}

// clip is where long values used to be cut; AWS quotes the whole offending
// value in its validation messages, so it returns s unchanged.
func clip(s string) string { return s }

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Join appends a member name to a path.
func Join(prefix, member string) string {
	if prefix == "" {
		return member
	}
	return prefix + "." + member
}

// Index appends a 1-based list position to a path, as AWS messages do.
func Index(prefix string, i int) string { return fmt.Sprintf("%s.%d.member", prefix, i+1) }

// Key appends a map key to a path.
func Key(prefix, k string) string { return prefix + "." + k }

// CompilePattern compiles a model pattern anchored at both ends; it returns
// nil for a pattern RE2 cannot compile, which then goes unchecked.
func CompilePattern(p string) *regexp.Regexp {
	re, err := regexp.Compile("^(?:" + p + ")$")
	if err != nil {
		return nil
	}
	return re
}

// Pattern is a model pattern compiled at its first use: the generated
// models hold hundreds, and compiling them all when the program starts
// cost every command (a run-task included) a few milliseconds.
type Pattern struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

// NewPattern returns the pattern p, compiled (as CompilePattern does) when
// it first matches.
func NewPattern(p string) *Pattern { return &Pattern{src: p} }

// MatchString reports whether s matches the whole pattern; true when RE2
// cannot compile the pattern (it goes unchecked).
func (p *Pattern) MatchString(s string) bool {
	p.once.Do(func() { p.re = CompilePattern(p.src) })
	return p.re == nil || p.re.MatchString(s)
}
