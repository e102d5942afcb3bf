package logstransform

import (
	"fmt"
	"strings"
	"time"
)

// dateConv is a compiled dateTimeConverter.
type dateConv struct {
	layouts  []string // Go layouts of matchPatterns
	patterns []string
	target   string
	src, dst *time.Location
}

// DefaultTargetFormat is dateTimeConverter's targetFormat when none is
// given.
const DefaultTargetFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"

func compileDate(s *spec) (*dateConv, error) {
	d := &dateConv{patterns: s.MatchPatterns}
	for _, p := range s.MatchPatterns {
		l, err := javaLayout(p)
		if err != nil {
			return nil, err
		}
		d.layouts = append(d.layouts, l)
	}
	t, err := javaLayout(or(s.TargetFormat, DefaultTargetFormat))
	if err != nil {
		return nil, err
	}
	d.target = t
	if d.src, err = location(s.SourceTimezone); err != nil {
		return nil, err
	}
	if d.dst, err = location(s.TargetTimezone); err != nil {
		return nil, err
	}
	if l := s.Locale; l != "" && !strings.HasPrefix(strings.ToLower(l), "en") && !strings.EqualFold(l, "ROOT") {
		return nil, fmt.Errorf("locale %q: ecsrun reads English month and day names only (locale ROOT or en)", l)
	}
	return d, nil
}

func location(name string) (*time.Location, error) {
	if name == "" || name == "UTC" || name == "Z" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

func (d *dateConv) convert(v string) (string, error) {
	for _, l := range d.layouts {
		t, err := time.ParseInLocation(l, v, d.src)
		if err == nil {
			return t.In(d.dst).Format(d.target), nil
		}
	}
	return "", fail("dateTimeConverter: %q matches none of the patterns %q", v, d.patterns)
}

// javaTokens maps the letters of Java's DateTimeFormatter patterns, by
// run length, to Go layout elements.
var javaTokens = map[string]string{
	"yyyy": "2006", "yy": "06", "uuuu": "2006",
	"MMMM": "January", "MMM": "Jan", "MM": "01", "M": "1",
	"dd": "02", "d": "2",
	"EEEE": "Monday", "EEE": "Mon",
	"HH": "15", "hh": "03", "h": "3",
	"mm": "04", "m": "4",
	"ss": "05", "s": "5",
	"S": "0", "SS": "00", "SSS": "000", "SSSSSS": "000000", "SSSSSSSSS": "000000000",
	"a":   "PM",
	"XXX": "Z07:00", "XX": "Z0700", "X": "Z07",
	"xxx": "-07:00", "xx": "-0700", "Z": "-0700", "ZZZZZ": "-07:00",
	"z": "MST",
}

// javaLayout converts a Java DateTimeFormatter pattern (the form
// CloudWatch Logs takes) into a Go time layout.
func javaLayout(p string) (string, error) {
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == '\'':
			j := i + 1
			if j < len(rs) && rs[j] == '\'' {
				b.WriteRune('\'')
				i += 2
				continue
			}
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == len(rs) {
				return "", fmt.Errorf("pattern %q has an unclosed quote", p)
			}
			b.WriteString(string(rs[i+1 : j]))
			i = j + 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(rs) && rs[j] == c {
				j++
			}
			run := string(rs[i:j])
			tok, ok := javaTokens[run]
			if !ok {
				return "", fmt.Errorf("pattern %q: %q is not a date or time field ecsrun knows", p, run)
			}
			// Fractions follow a '.' or ',' in Go layouts.
			b.WriteString(tok)
			i = j
		default:
			b.WriteRune(c)
			i++
		}
	}
	return b.String(), nil
}
