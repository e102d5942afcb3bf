package workflow

import (
	"encoding/json"
	"strings"
)

// JSON5ToJSON converts the JSON5 subset used by hand-written definitions
// to JSON: it removes // and /* */ comments and trailing commas, quotes
// bare object keys and turns single-quoted strings into JSON strings.
func JSON5ToJSON(src []byte) []byte {
	s := string(src)
	var out strings.Builder
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < n && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			out.WriteString(s[i:min(j+1, n)])
			i = j
		case c == '\'':
			var sb strings.Builder
			j := i + 1
			for j < n && s[j] != '\'' {
				if s[j] == '\\' && j+1 < n {
					if s[j+1] == '\'' {
						sb.WriteByte('\'')
					} else {
						sb.WriteByte(s[j])
						sb.WriteByte(s[j+1])
					}
					j += 2
					continue
				}
				sb.WriteByte(s[j])
				j++
			}
			enc, _ := json.Marshal(sb.String())
			// keep escapes the author wrote as they were
			out.WriteString(strings.ReplaceAll(string(enc), `\\`, `\`))
			i = j
		case c == '/' && i+1 < n && s[i+1] == '/':
			for i < n && s[i] != '\n' {
				i++
			}
			out.WriteByte('\n')
		case c == '/' && i+1 < n && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = n
			} else {
				i = i + 2 + end + 1
			}
		case c == ',':
			j := i + 1
			for j < n {
				if s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' {
					j++
					continue
				}
				if s[j] == '/' && j+1 < n && s[j+1] == '/' {
					for j < n && s[j] != '\n' {
						j++
					}
					continue
				}
				if s[j] == '/' && j+1 < n && s[j+1] == '*' {
					end := strings.Index(s[j+2:], "*/")
					if end < 0 {
						j = n
					} else {
						j = j + 2 + end + 2
					}
					continue
				}
				break
			}
			if j < n && (s[j] == '}' || s[j] == ']') {
				continue // trailing comma
			}
			out.WriteByte(c)
		case isBareKeyStart(c) && precededByObjectStart(out.String()):
			j := i
			for j < n && (isBareKeyStart(s[j]) || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			k := j
			for k < n && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			if k < n && s[k] == ':' {
				out.WriteString(`"` + s[i:j] + `"`)
				i = j - 1
				continue
			}
			out.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	return []byte(out.String())
}

func isBareKeyStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func precededByObjectStart(s string) bool {
	s = strings.TrimRight(s, " \t\r\n")
	return strings.HasSuffix(s, "{") || strings.HasSuffix(s, ",")
}
