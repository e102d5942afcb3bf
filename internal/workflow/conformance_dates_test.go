package workflow

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// isoDate is the pattern the recordings' snapshot library (LocalStack's
// basic transformers) replaced by the word "date" wherever it occurs in a
// recorded value: an ISO-8601 date-time with a valid calendar date, a
// 'T', seconds, optional fractions, and a Z or numeric offset. A
// date-time without an offset ("2012-10-09T19:00:55") or with a space
// instead of 'T' is not matched, and the recordings keep such values.
var isoDate = regexp.MustCompile(`(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-][01]\d:?([0-5]\d)?)`)

// normaliseDates applies the recordings' date normalisation to a string.
func normaliseDates(s string) string {
	return isoDate.ReplaceAllString(s, "date")
}

// normaliseValue applies the date normalisation to every string in v,
// keys included, returning a copy.
func normaliseValue(v any) any {
	return mapStrings(v, normaliseDates)
}

// substitute applies a test's own snapshot replacements (real value to
// recorded placeholder) to every string in v, returning a copy.
func substitute(v any, repl map[string]string) any {
	if len(repl) == 0 {
		return v
	}
	return mapStrings(v, func(s string) string {
		for real, ph := range repl {
			s = strings.ReplaceAll(s, real, ph)
		}
		return s
	})
}

func mapStrings(v any, str func(string) string) any {
	switch x := v.(type) {
	case string:
		return str(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[str(k)] = mapStrings(e, str)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapStrings(e, str)
		}
		return out
	}
	return v
}

// choiceInput restores the timestamps of a choice operator case whose
// recorded input shows "date": it takes them, in order, from dates (the
// test code's values) starting at *next. The restored input normalised as
// the recording was must be the recorded input, so a wrong table fails
// the case instead of testing something else.
func choiceInput(recorded map[string]any, dates []string, next *int) (map[string]any, error) {
	in := make(map[string]any, len(recorded))
	for k, v := range recorded {
		in[k] = v
	}
	for _, k := range []string{"Variable", "Value"} {
		if in[k] != "date" {
			continue
		}
		if *next >= len(dates) {
			return nil, fmt.Errorf("the recording has more normalised timestamps than the test code's %d", len(dates))
		}
		in[k] = dates[*next]
		*next++
	}
	if got := normaliseValue(in); !jsonEqual(got, any(recorded)) {
		return nil, fmt.Errorf("restored input %s normalises to %s, not the recorded %s", EncodeJSON(in), EncodeJSON(got), EncodeJSON(recorded))
	}
	return in, nil
}

// timestampKey is the member names whose values the recordings replaced
// by "timestamp" when they are not an ISO-8601 date-time.
var timestampKey = regexp.MustCompile(`(?i)^.*timestamp.*$`)

// normaliseLikeRecording normalises a value as the recordings did: a
// test's own replacements (real value to placeholder), "timestamp" for a
// member naming a timestamp whose value is not an ISO-8601 date-time,
// and "date" for every ISO-8601 date-time.
func normaliseLikeRecording(v any, repl map[string]string) any {
	v = substitute(v, repl)
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				if timestampKey.MatchString(k) && !isoDate.MatchString(fmt.Sprint(e)) {
					if _, nested := e.(map[string]any); !nested {
						out[k] = "timestamp"
						continue
					}
				}
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		}
		return v
	}
	return normaliseValue(walk(v))
}

func TestNormaliseLikeRecording(t *testing.T) {
	tests := []struct {
		in, want any
	}{
		{"2012-10-09T19:00:55Z", "date"},
		{"2012-10-09T19:00:55+01:00", "date"},
		{"at 2016-03-05T21:29:29.243167252Z.", "at date."},
		{"2012-10-09T19:00:55", "2012-10-09T19:00:55"},               // no offset
		{"2023-02-24 12:15:56.832957", "2023-02-24 12:15:56.832957"}, // no 'T'
		{"2016-13-05T21:29:29Z", "2016-13-05T21:29:29Z"},             // no 13th month
		{map[string]any{"TimestampValue": "2016-12-05T21:29:29"}, map[string]any{"TimestampValue": "timestamp"}},
		{map[string]any{"TimestampValue": "2016-12-05T21:29:29Z"}, map[string]any{"TimestampValue": "date"}},
		{map[string]any{"Variable": "2016-12-05T21:29:29"}, map[string]any{"Variable": "2016-12-05T21:29:29"}},
	}
	for _, tt := range tests {
		if got := normaliseLikeRecording(tt.in, nil); !jsonEqual(got, tt.want) {
			t.Errorf("normaliseLikeRecording(%s) = %s, want %s", EncodeJSON(tt.in), EncodeJSON(got), EncodeJSON(tt.want))
		}
	}
	if _, err := choiceInput(map[string]any{"Variable": "date", "Value": "date"}, []string{choiceT0, "2012-10-09T19:00:55"}, new(int)); err == nil {
		t.Error("choiceInput accepted a timestamp the recording would not have normalised")
	}
}
