package awsjson

import (
	"fmt"
	"unicode/utf8"
)

// checkStrings reports the first string (member name or value) of the JSON
// text body that is not valid UTF-8: a byte sequence that is not UTF-8, or
// a \u escape of a lone UTF-16 surrogate. AWS refuses such a request with a
// SerializationException; Go's decoder would quietly put U+FFFD in its
// place. Bytes outside strings are left to the decoder.
func checkStrings(body []byte) error {
	in := false
	for i := 0; i < len(body); i++ {
		b := body[i]
		if !in {
			in = b == '"'
			continue
		}
		switch {
		case b == '"':
			in = false
		case b == '\\':
			if i+1 < len(body) && body[i+1] == 'u' {
				r, ok := hex4(body, i+2)
				if !ok {
					return nil // malformed; the decoder says where
				}
				switch {
				case r >= 0xD800 && r < 0xDC00:
					lo, ok := -1, i+7 < len(body) && body[i+6] == '\\' && body[i+7] == 'u'
					if ok {
						lo, ok = hex4(body, i+8)
					}
					if !ok || lo < 0xDC00 || lo >= 0xE000 {
						return fmt.Errorf("invalid UTF-8 at byte %d: the escape \\u%04X is half of a UTF-16 surrogate pair, without its other half; strings must be valid Unicode", i, r)
					}
					i += 11
				case r >= 0xDC00 && r < 0xE000:
					return fmt.Errorf("invalid UTF-8 at byte %d: the escape \\u%04X is half of a UTF-16 surrogate pair, without its other half; strings must be valid Unicode", i, r)
				default:
					i += 5
				}
			} else {
				i++ // the escaped character
			}
		case b >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size == 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d (0x%02X) in a string; the request body must be UTF-8", i, b)
			}
			i += size - 1
		}
	}
	return nil
}

// hex4 decodes the four hex digits at body[i:i+4].
func hex4(body []byte, i int) (int, bool) {
	if i+4 > len(body) {
		return 0, false
	}
	r := 0
	for _, c := range body[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
