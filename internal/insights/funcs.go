package insights

import (
	"fmt"
	"math"
	"net"
	"strings"
	"time"
)

type function struct {
	min, max int // max -1: any number
	fn       func(args []Value) Value
}

func (f function) arity() string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d argument(s)", f.min)
	case f.min == f.max:
		return fmt.Sprintf("%d argument(s)", f.min)
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

func num1(f func(float64) float64) func([]Value) Value {
	return func(a []Value) Value {
		x, ok := number(a[0])
		if !ok {
			return nil
		}
		return f(x)
	}
}

func str1(f func(string) Value) func([]Value) Value {
	return func(a []Value) Value {
		if a[0] == nil {
			return nil
		}
		return f(text(a[0]))
	}
}

var functions map[string]function

func init() {
	functions = map[string]function{
		// ispresent and the bin/date functions are evaluated with the
		// record; their entries here give their arity.
		"ispresent": {1, 1, nil},
		"bin":       {1, 1, nil},
		"datefloor": {2, 2, nil},
		"dateceil":  {2, 2, nil},
		"isempty":   {1, 1, func(a []Value) Value { return a[0] == nil || text(a[0]) == "" }},
		"isblank":   {1, 1, func(a []Value) Value { return a[0] == nil || strings.TrimSpace(text(a[0])) == "" }},
		"strlen":    {1, 1, str1(func(s string) Value { return float64(len([]rune(s))) })},
		"toupper":   {1, 1, str1(func(s string) Value { return strings.ToUpper(s) })},
		"tolower":   {1, 1, str1(func(s string) Value { return strings.ToLower(s) })},
		"trim":      {1, 2, trimFn(strings.Trim, strings.TrimSpace)},
		"ltrim":     {1, 2, trimFn(strings.TrimLeft, func(s string) string { return strings.TrimLeft(s, " \t\r\n") })},
		"rtrim":     {1, 2, trimFn(strings.TrimRight, func(s string) string { return strings.TrimRight(s, " \t\r\n") })},
		"concat": {1, -1, func(a []Value) Value {
			var b strings.Builder
			for _, v := range a {
				b.WriteString(text(v))
			}
			return b.String()
		}},
		"substr": {2, 3, func(a []Value) Value {
			if a[0] == nil {
				return nil
			}
			r := []rune(text(a[0]))
			start, ok := number(a[1])
			if !ok {
				return nil
			}
			s := max(0, min(len(r), int(start)))
			e := len(r)
			if len(a) == 3 {
				n, ok := number(a[2])
				if !ok {
					return nil
				}
				e = max(s, min(len(r), s+int(n)))
			}
			return string(r[s:e])
		}},
		"replace": {3, 3, func(a []Value) Value {
			if a[0] == nil {
				return nil
			}
			return strings.ReplaceAll(text(a[0]), text(a[1]), text(a[2]))
		}},
		"strcontains": {2, 2, func(a []Value) Value {
			if a[0] == nil {
				return nil
			}
			if strings.Contains(text(a[0]), text(a[1])) {
				return float64(1)
			}
			return float64(0)
		}},
		"abs":   {1, 1, num1(math.Abs)},
		"ceil":  {1, 1, num1(math.Ceil)},
		"floor": {1, 1, num1(math.Floor)},
		"sqrt":  {1, 1, num1(math.Sqrt)},
		"log":   {1, 1, num1(math.Log)},
		"round": {1, 2, func(a []Value) Value {
			x, ok := number(a[0])
			if !ok {
				return nil
			}
			if len(a) == 2 {
				d, ok := number(a[1])
				if !ok {
					return nil
				}
				p := math.Pow(10, math.Trunc(d))
				return math.Round(x*p) / p
			}
			return math.Round(x)
		}},
		"greatest": {1, -1, extreme(1)},
		"least":    {1, -1, extreme(-1)},
		"coalesce": {1, -1, func(a []Value) Value {
			for _, v := range a {
				if v != nil {
					return v
				}
			}
			return nil
		}},
		"frommillis": {1, 1, func(a []Value) Value {
			x, ok := number(a[0])
			if !ok {
				return nil
			}
			return Time(int64(x))
		}},
		"tomillis": {1, 1, func(a []Value) Value {
			switch x := a[0].(type) {
			case Time:
				return float64(x)
			case string:
				if t, err := time.Parse(TimeLayout, x); err == nil {
					return float64(t.UnixMilli())
				}
			}
			x, ok := number(a[0])
			if !ok {
				return nil
			}
			return x
		}},
		"isvalidip": {1, 1, str1(func(s string) Value { return net.ParseIP(s) != nil })},
		"isvalidipv4": {1, 1, str1(func(s string) Value {
			ip := net.ParseIP(s)
			return ip != nil && ip.To4() != nil && !strings.Contains(s, ":")
		})},
		"isvalidipv6": {1, 1, str1(func(s string) Value { return net.ParseIP(s) != nil && strings.Contains(s, ":") })},
	}
}

func trimFn(cut func(string, string) string, space func(string) string) func([]Value) Value {
	return func(a []Value) Value {
		if a[0] == nil {
			return nil
		}
		if len(a) == 2 {
			return cut(text(a[0]), text(a[1]))
		}
		return space(text(a[0]))
	}
}

func extreme(sign int) func([]Value) Value {
	return func(a []Value) Value {
		var best Value
		for _, v := range a {
			if v == nil {
				continue
			}
			if best == nil {
				best = v
				continue
			}
			if c, ok := compare(v, best); ok && c*sign > 0 {
				best = v
			}
		}
		return best
	}
}
