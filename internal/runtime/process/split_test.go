package process

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestLineScanner_Lines(t *testing.T) {
	max := MaxLineBytes
	a := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name  string
		input string
		want  []string
	}{
		{"lines and a last one without a newline", "one\ntwo\nno-end", []string{"one", "two", "no-end"}},
		{"empty lines", "\n\n", []string{"", ""}},
		{"CRLF keeps its CR, as with awslogs", "dos\r\n\r\n", []string{"dos\r", "\r"}},
		{"a line of exactly MaxLineBytes stays whole", a(max) + "\n", []string{a(max)}},
		{"one byte more is cut", a(max+1) + "\nnext\n", []string{a(max), "a", "next"}},
		{"twice MaxLineBytes gives two lines and no empty third", a(2*max) + "\n", []string{a(max), a(max)}},
		{"a long last line without a newline", a(max + 5), []string{a(max), a(5)}},
		{"a UTF-8 character is not split", a(max-1) + "éb\n", []string{a(max - 1), "éb"}},
	}
	for _, c := range cases {
		sc := lineScanner(strings.NewReader(c.input))
		var got []string
		for sc.Scan() {
			got = append(got, sc.Text())
		}
		if err := sc.Err(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: lines = %v; want %v", c.name, short(got), short(c.want))
		}
	}
}

func short(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l
		if len(l) > 20 {
			out[i] = fmt.Sprintf("%.10q...(%d bytes)", l, len(l))
		}
	}
	return out
}
