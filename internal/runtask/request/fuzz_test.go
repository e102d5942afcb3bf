package request

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseCommand checks that any text either fails with an error or
// yields words that, written back as a JSON array, parse to the same words.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{`python manage.py "migrate --no-input"`, `["sh", "-c", "exit 3"]`, `a\ b 'c d' "e\"f"`, `"`, `\`, `[`, ` `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := ParseCommand(s)
		if err != nil {
			return
		}
		if len(words) == 0 {
			t.Fatalf("ParseCommand(%q) returned no words and no error", s)
		}
		b, _ := json.Marshal(words)
		again, err := ParseCommand(string(b))
		if err != nil || strings.Join(again, "\x00") != strings.Join(words, "\x00") {
			t.Fatalf("round trip of %q: %q -> %s -> %q, %v", s, words, b, again, err)
		}
	})
}

// FuzzParseEnv checks that a parsed variable always has a name, and that
// the value is everything after the first '='.
func FuzzParseEnv(f *testing.F) {
	for _, s := range []string{"K=V", "app:K=a=b", "=x", ":K=v", "K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseEnv(s)
		if err != nil {
			return
		}
		if v.Name == "" || !strings.HasSuffix(s, "="+v.Value) {
			t.Fatalf("ParseEnv(%q) = %+v", s, v)
		}
	})
}
