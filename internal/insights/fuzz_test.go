package insights

import (
	"errors"
	"testing"
)

// FuzzParse checks that any query either parses or fails with a
// *SyntaxError whose offsets lie in the query, and that running a parsed
// query never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"fields @timestamp, @message | sort @timestamp desc | limit 20",
		`filter level = "ERROR" and latency > 100 or path like /\/a/ | stats count(*) as n, avg(latency) by bin(5m), path`,
		`parse @message "* GET * *" as ip, path, status | filter status in [200, 404] | display ip`,
		`parse @message /(?<user>\w+) did/ | dedup user | fields concat(user, "!") as u`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := Parse(q)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %T %v", q, err, err)
			}
			if se.Start < 0 || se.End < se.Start || se.End > len(q) {
				t.Fatalf("Parse(%q): offsets [%d,%d] outside the query", q, se.Start, se.End)
			}
			return
		}
		r := p.Start(Options{})
		for _, e := range events() {
			r.Add(e)
		}
		r.Result()
	})
}
