package insights

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Value is a field's value: nil (absent), string, float64, bool or Time.
type Value = any

// Time is a timestamp in milliseconds since the epoch (@timestamp,
// @ingestionTime, bin()); it prints as Logs Insights prints times.
type Time int64

// TimeLayout is how results show timestamps (UTC).
const TimeLayout = "2006-01-02 15:04:05.000"

// Format returns v as GetQueryResults shows it.
func Format(v Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case Time:
		return time.UnixMilli(int64(x)).UTC().Format(TimeLayout)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// number converts v to a number, as Logs Insights does in arithmetic and
// comparisons.
func number(v Value) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case Time:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func truthy(v Value) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	}
	return true
}

// compare orders a and b: numerically when both are numbers, else as
// text. ok is false when either is absent.
func compare(a, b Value) (int, bool) {
	if a == nil || b == nil {
		return 0, false
	}
	_, as := a.(string)
	_, bs := b.(string)
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok && !(as && bs) {
			switch {
			case fa < fb:
				return -1, true
			case fa > fb:
				return 1, true
			}
			return 0, true
		}
	}
	sa, sb := text(a), text(b)
	if as && bs {
		// Two numeric strings still compare as numbers (JSON numbers and
		// parsed values are text).
		if fa, err := strconv.ParseFloat(sa, 64); err == nil {
			if fb, err := strconv.ParseFloat(sb, 64); err == nil {
				switch {
				case fa < fb:
					return -1, true
				case fa > fb:
					return 1, true
				}
				return 0, true
			}
		}
	}
	return strings.Compare(sa, sb), true
}

// text is v as a string for string functions and text comparisons.
func text(v Value) string { return Format(v) }
