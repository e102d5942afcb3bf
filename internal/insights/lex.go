package insights

import (
	"fmt"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tString
	tRegex
	tOp // punctuation and operators
)

type token struct {
	kind       tokKind
	text       string // identifier, number text, string/regex contents, operator
	start, end int    // byte offsets in the query
}

// SyntaxError is a query Logs Insights cannot compile. Start and End are
// the character offsets of the offending text; Line and Col (1-based) say
// where it starts.
type SyntaxError struct {
	Msg        string
	Start, End int
	Line, Col  int
}

// Error returns the reason and where it is, as Logs Insights words it.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at line %d and position %d", e.Msg, e.Line, e.Col)
}

func newSyntaxError(src string, start, end int, format string, args ...any) *SyntaxError {
	if start > len(src) {
		start = len(src)
	}
	if end < start {
		end = start
	}
	line := 1 + strings.Count(src[:start], "\n")
	col := start - strings.LastIndex(src[:start], "\n")
	return &SyntaxError{Msg: fmt.Sprintf(format, args...), Start: start, End: end, Line: line, Col: col}
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '@' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || '0' <= c && c <= '9' || c == '.'
}

// lex splits a query into tokens. A '/' starts a regular expression where
// an operand is expected, and divides elsewhere.
func lex(src string) ([]token, error) {
	var toks []token
	operand := func() bool {
		if len(toks) == 0 {
			return false
		}
		t := toks[len(toks)-1]
		switch t.kind {
		case tIdent:
			if len(toks) > 1 && toks[len(toks)-2].kind == tIdent && strings.EqualFold(toks[len(toks)-2].text, "parse") {
				return false // parse <field> /regex/
			}
			switch strings.ToLower(t.text) {
			case "like", "and", "or", "not", "in", "filter", "parse", "by", "as":
				return false
			}
			return true
		case tNumber, tString, tRegex:
			return true
		case tOp:
			return t.text == ")" || t.text == "]"
		}
		return false
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], i, j})
			i = j
		case c == '`':
			end := strings.IndexByte(src[i+1:], '`')
			if end < 0 {
				return nil, newSyntaxError(src, i, len(src), "unterminated backquoted field name")
			}
			toks = append(toks, token{tIdent, src[i+1 : i+1+end], i, i + end + 2})
			i += end + 2
		case '0' <= c && c <= '9' || c == '.' && i+1 < len(src) && '0' <= src[i+1] && src[i+1] <= '9':
			j := i
			for j < len(src) && ('0' <= src[j] && src[j] <= '9' || src[j] == '.') {
				j++
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') && j+1 < len(src) && ('0' <= src[j+1] && src[j+1] <= '9' || src[j+1] == '-' || src[j+1] == '+') {
				j += 2
				for j < len(src) && '0' <= src[j] && src[j] <= '9' {
					j++
				}
			}
			// A unit suffix makes a duration (5m, 1h, 30s, 100ms).
			for j < len(src) && ('a' <= src[j] && src[j] <= 'z' || 'A' <= src[j] && src[j] <= 'Z') {
				j++
			}
			toks = append(toks, token{tNumber, src[i:j], i, j})
			i = j
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
					switch src[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					default:
						if src[j] != c && src[j] != '\\' {
							b.WriteByte('\\')
						}
						b.WriteByte(src[j])
					}
					continue
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, newSyntaxError(src, i, len(src), "unterminated string literal")
			}
			toks = append(toks, token{tString, b.String(), i, j + 1})
			i = j + 1
		case c == '/' && !operand():
			j := i + 1
			for ; j < len(src) && src[j] != '/'; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
			}
			if j >= len(src) {
				return nil, newSyntaxError(src, i, len(src), "unterminated regular expression")
			}
			end := j + 1
			// Flags: /.../i.
			re := src[i+1 : j]
			for end < len(src) && src[end] == 'i' {
				re = "(?i)" + re
				end++
			}
			toks = append(toks, token{tRegex, re, i, end})
			i = end
		default:
			for _, op := range []string{"!=", "<=", ">=", "=~", "==", "||", "&&", "|", "=", "<", ">", "(", ")", "[", "]", ",", "+", "-", "*", "/", "%", "^", "!"} {
				if strings.HasPrefix(src[i:], op) {
					toks = append(toks, token{tOp, op, i, i + len(op)})
					i += len(op)
					goto next
				}
			}
			return nil, newSyntaxError(src, i, i+1, "unexpected symbol found %c", c)
		next:
		}
	}
	toks = append(toks, token{tEOF, "", len(src), len(src)})
	return toks, nil
}
