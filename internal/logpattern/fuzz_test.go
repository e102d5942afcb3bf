package logpattern

import "testing"

// FuzzParse checks that any pattern either parses or fails with a
// *SyntaxError, and that matching a parsed pattern never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"ERROR ?WARN -x", `{ $.a[0].b = "x*" && ($.c > 1 || $.d IS NULL) }`, "[ip, ..., status=4*, size>1000]", "%a[0-9]+%"} {
		f.Add(s, `{"a":[{"b":"xy"}],"c":2} 1 2 404 2000`)
	}
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		p, err := Parse(pattern)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Parse(%q) = %T %v; want *SyntaxError", pattern, err, err)
			}
			return
		}
		r := p.Test(msg)
		if r.Matched != p.Match(msg) {
			t.Fatalf("Test and Match disagree on %q / %q", pattern, msg)
		}
	})
}
