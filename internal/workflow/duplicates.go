package workflow

import (
	"bytes"
	"encoding/json"
	"strings"
)

// duplicateStates reports state names that appear twice in one States
// object, which decoding into a map would silently merge.
func duplicateStates(data []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	var probs []Problem
	type frame struct {
		obj  bool
		path string
		key  string // pending key in an object
		seen map[string]bool
		idx  int
	}
	var stack []*frame
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.obj {
			return f.path + "/" + f.key
		}
		return f.path + "/" + itoa(f.idx)
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.obj {
			f.key = ""
		} else {
			f.idx++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return probs
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{obj: t == '{', path: childPath(), seen: map[string]bool{}})
			case '}', ']':
				stack = stack[:len(stack)-1]
				afterValue()
			}
		case string:
			if len(stack) == 0 {
				continue // a top-level string: not a definition (Parse says so)
			}
			f := stack[len(stack)-1]
			if f.obj && f.key == "" {
				f.key = t
				if strings.HasSuffix(f.path, "/States") && f.seen[t] {
					probs = append(probs, Problem{Code: CodeDuplicateStateName, Path: f.path + "/" + t, Message: "duplicate state name"})
				}
				f.seen[t] = true
				continue
			}
			afterValue()
		default:
			afterValue()
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
