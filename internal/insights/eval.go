package insights

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Event is a stored log event as a query sees it.
type Event struct {
	Timestamp     int64 // milliseconds
	IngestionTime int64
	Message       string
	Stream        string
	Group         string
	// Ptr is the event's @ptr (an opaque pointer GetLogRecord reads).
	Ptr string
}

// Options configure a run.
type Options struct {
	// Account prefixes @log ("<account>:<group>").
	Account string
	// Limit is StartQuery's limit: the rows returned when the query has no
	// limit command (DefaultLimit when 0).
	Limit int
}

// Field is one field of a result row.
type Field struct {
	Name, Value string
}

// Stats are a query's statistics.
type Stats struct {
	RecordsMatched float64
	RecordsScanned float64
	BytesScanned   float64
}

// Result is what a finished query returns.
type Result struct {
	Rows  [][]Field
	Stats Stats
}

// record is one row flowing through the pipeline.
type record struct {
	vals  map[string]Value
	names []string // field names in the order they were set
	ts    int64
	ptr   string
}

func (r *record) get(name string) Value { return r.vals[name] }

func (r *record) set(name string, v Value) {
	if _, ok := r.vals[name]; !ok {
		r.names = append(r.names, name)
	}
	r.vals[name] = v
}

// Run is one execution of a query: Add every event in the time range
// (newest first), then Result.
type Run struct {
	q       *Query
	opts    Options
	stream  []command // the leading commands that see one record at a time
	rest    []command
	recs    []*record
	capped  int // when > 0, keep only this many records (no later command needs more)
	stats   Stats
	display []string
	fields  []string
	statsed bool
}

// Start begins a run of q.
func (q *Query) Start(opts Options) *Run {
	r := &Run{q: q, opts: opts}
	i := 0
	for ; i < len(q.cmds); i++ {
		switch q.cmds[i].(type) {
		case *statsCmd, *sortCmd, *limitCmd, *dedupCmd:
			goto split
		}
	}
split:
	r.stream, r.rest = q.cmds[:i], q.cmds[i:]
	if len(r.rest) == 0 {
		r.capped = r.limit()
	}
	return r
}

func (r *Run) limit() int {
	if r.opts.Limit > 0 {
		return min(r.opts.Limit, MaxLimit)
	}
	return DefaultLimit
}

// Add feeds one event to the run.
func (r *Run) Add(e Event) {
	r.stats.RecordsScanned++
	r.stats.BytesScanned += float64(len(e.Message))
	rec := newRecord(e, r.opts.Account)
	for _, c := range r.stream {
		if !r.apply1(c, rec) {
			return
		}
	}
	r.stats.RecordsMatched++
	if r.capped > 0 && len(r.recs) >= r.capped {
		return
	}
	r.recs = append(r.recs, rec)
}

func newRecord(e Event, account string) *record {
	rec := &record{vals: map[string]Value{}, ts: e.Timestamp, ptr: e.Ptr}
	rec.set("@timestamp", Time(e.Timestamp))
	rec.set("@message", e.Message)
	rec.set("@logStream", e.Stream)
	if account != "" {
		rec.set("@log", account+":"+e.Group)
	} else {
		rec.set("@log", e.Group)
	}
	rec.set("@ingestionTime", Time(e.IngestionTime))
	for _, kv := range DiscoverFields(e.Message) {
		if _, ok := rec.vals[kv.name]; !ok {
			rec.set(kv.name, kv.v)
		}
	}
	return rec
}

type kv struct {
	name string
	v    Value
}

// DiscoverFields returns the fields Logs Insights discovers in a message:
// the members of a JSON object, nested ones flattened with dots
// ("a.b", "list.0").
func DiscoverFields(msg string) []kv {
	t := strings.TrimSpace(msg)
	if t == "" || t[0] != '{' {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(t))
	d.UseNumber()
	var doc map[string]any
	if err := d.Decode(&doc); err != nil {
		return nil
	}
	var out []kv
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(join(prefix, k), x[k])
			}
		case []any:
			for i, e := range x {
				walk(join(prefix, strconv.Itoa(i)), e)
			}
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				out = append(out, kv{prefix, x.String()})
			} else {
				out = append(out, kv{prefix, f})
			}
		case string:
			out = append(out, kv{prefix, x})
		case bool:
			out = append(out, kv{prefix, x})
		}
	}
	walk("", doc)
	return out
}

// FieldNames returns the names of the fields a message has: the built-in
// ones and those DiscoverFields finds.
func FieldNames(msg string) []string {
	names := []string{"@timestamp", "@message", "@logStream", "@log", "@ingestionTime"}
	for _, f := range DiscoverFields(msg) {
		names = append(names, f.name)
	}
	return names
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// apply1 applies a record-at-a-time command; false drops the record.
func (r *Run) apply1(c command, rec *record) bool {
	switch c := c.(type) {
	case *fieldsCmd:
		for _, it := range c.items {
			rec.set(it.name, eval(it.expr, rec))
		}
		r.noteFields(c)
	case *displayCmd:
		r.display = c.names
	case *filterCmd:
		return truthy(eval(c.cond, rec))
	case *parseCmd:
		v := eval(c.src, rec)
		if v == nil {
			return true
		}
		m := c.re.FindStringSubmatch(text(v))
		if m == nil {
			return true
		}
		for i, n := range c.names {
			if n != "" {
				rec.set(n, m[i+1])
			}
		}
	}
	return true
}

func (r *Run) noteFields(c *fieldsCmd) {
	for _, it := range c.items {
		found := false
		for _, f := range r.fields {
			if f == it.name {
				found = true
				break
			}
		}
		if !found {
			r.fields = append(r.fields, it.name)
		}
	}
}

// Result finishes the run.
func (r *Run) Result() Result {
	recs := r.recs
	for _, c := range r.rest {
		switch c := c.(type) {
		case *statsCmd:
			recs = r.aggregate(c, recs)
		case *sortCmd:
			sort.SliceStable(recs, func(i, j int) bool {
				for _, k := range c.keys {
					a, b := sortValue(k, recs[i]), sortValue(k, recs[j])
					if a == nil || b == nil {
						if (a == nil) != (b == nil) {
							return b == nil // absent values sort last
						}
						continue
					}
					cmp := naturalCompare(a, b)
					if cmp == 0 {
						continue
					}
					return (cmp < 0) != k.desc
				}
				return false
			})
		case *limitCmd:
			if len(recs) > c.n {
				recs = recs[:c.n]
			}
		case *dedupCmd:
			seen := map[string]bool{}
			out := recs[:0:0]
		recLoop:
			for _, rec := range recs {
				var key strings.Builder
				for _, e := range c.exprs {
					v := eval(e, rec)
					if v == nil {
						out = append(out, rec)
						continue recLoop
					}
					key.WriteString(Format(v))
					key.WriteByte(0)
				}
				if !seen[key.String()] {
					seen[key.String()] = true
					out = append(out, rec)
				}
			}
			recs = out
		default:
			kept := recs[:0:0]
			for _, rec := range recs {
				if r.apply1(c, rec) {
					kept = append(kept, rec)
				}
			}
			recs = kept
		}
	}
	if !r.q.HasLimit() && len(recs) > r.limit() {
		recs = recs[:r.limit()]
	}
	res := Result{Stats: r.stats, Rows: make([][]Field, 0, len(recs))}
	for _, rec := range recs {
		cols := r.display
		if cols == nil && len(r.fields) > 0 {
			cols = r.fields
		}
		if cols == nil {
			cols = rec.names
		}
		row := make([]Field, 0, len(cols)+1)
		for _, n := range cols {
			if v := rec.get(n); v != nil {
				row = append(row, Field{n, Format(v)})
			}
		}
		if !r.statsed && rec.ptr != "" {
			row = append(row, Field{"@ptr", rec.ptr})
		}
		res.Rows = append(res.Rows, row)
	}
	return res
}

// group is one group of a stats command.
type group struct {
	by   []Value
	aggs []*aggState
}

type aggState struct {
	n, sum, sumsq float64
	best          Value
	bestTS        int64
	distinct      map[string]bool
	nums          []float64
}

func (r *Run) aggregate(c *statsCmd, recs []*record) []*record {
	r.statsed = true
	r.fields, r.display = nil, nil
	var order []string
	groups := map[string]*group{}
	for _, rec := range recs {
		by := make([]Value, len(c.by))
		var key strings.Builder
		for i, b := range c.by {
			by[i] = eval(b.expr, rec)
			key.WriteString(Format(by[i]))
			key.WriteByte(0)
		}
		g := groups[key.String()]
		if g == nil {
			g = &group{by: by, aggs: make([]*aggState, len(c.aggs))}
			for i := range g.aggs {
				g.aggs[i] = &aggState{distinct: map[string]bool{}}
			}
			groups[key.String()] = g
			order = append(order, key.String())
		}
		for i, a := range c.aggs {
			g.aggs[i].add(a, rec)
		}
	}
	out := make([]*record, 0, len(groups))
	for _, k := range order {
		g := groups[k]
		rec := &record{vals: map[string]Value{}}
		for i, b := range c.by {
			rec.set(b.name, g.by[i])
		}
		for i, a := range c.aggs {
			rec.set(a.name, g.aggs[i].result(a))
		}
		out = append(out, rec)
	}
	return out
}

func (s *aggState) add(a aggItem, rec *record) {
	var v Value = true
	if len(a.args) > 0 {
		v = eval(a.args[0], rec)
	}
	if v == nil {
		return
	}
	switch a.fn {
	case "count":
		s.n++
	case "count_distinct":
		s.distinct[Format(v)] = true
	case "sum", "avg", "stddev", "pct":
		f, ok := number(v)
		if !ok {
			return
		}
		s.n++
		s.sum += f
		s.sumsq += f * f
		if a.fn == "pct" {
			s.nums = append(s.nums, f)
		}
	case "min", "max", "sortsfirst", "sortslast":
		if s.best == nil {
			s.best = v
			return
		}
		c, ok := compare(v, s.best)
		if ok && (c < 0) == (a.fn == "min" || a.fn == "sortsfirst") && c != 0 {
			s.best = v
		}
	case "earliest", "latest":
		if s.best == nil || (a.fn == "earliest") == (rec.ts < s.bestTS) && rec.ts != s.bestTS {
			s.best, s.bestTS = v, rec.ts
		}
	}
}

func (s *aggState) result(a aggItem) Value {
	switch a.fn {
	case "count":
		return s.n
	case "count_distinct":
		return float64(len(s.distinct))
	case "sum":
		if s.n == 0 {
			return nil
		}
		return s.sum
	case "avg":
		if s.n == 0 {
			return nil
		}
		return s.sum / s.n
	case "stddev":
		if s.n < 2 {
			if s.n == 1 {
				return float64(0)
			}
			return nil
		}
		mean := s.sum / s.n
		return math.Sqrt(math.Max(0, (s.sumsq-s.n*mean*mean)/(s.n-1)))
	case "pct":
		if len(s.nums) == 0 {
			return nil
		}
		p := 50.0
		if len(a.args) == 2 {
			if lit, ok := a.args[1].(literal); ok {
				p, _ = number(lit.v)
			}
		}
		sort.Float64s(s.nums)
		i := int(math.Ceil(p/100*float64(len(s.nums)))) - 1
		return s.nums[max(0, min(len(s.nums)-1, i))]
	}
	return s.best
}

// eval evaluates an expression against a record.
func eval(e expr, rec *record) Value {
	switch e := e.(type) {
	case fieldRef:
		return rec.get(e.name)
	case literal:
		return e.v
	case durLit:
		return float64(e.ms)
	case regexLit:
		return e.re.String()
	case unaryOp:
		v := eval(e.x, rec)
		if e.op == "not" {
			return !truthy(v)
		}
		f, ok := number(v)
		if !ok {
			return nil
		}
		return -f
	case inList:
		v := eval(e.x, rec)
		if v == nil {
			return false
		}
		for _, x := range e.list {
			if c, ok := compare(v, eval(x, rec)); ok && c == 0 {
				return !e.not
			}
		}
		return e.not
	case binaryOp:
		switch e.op {
		case "and":
			return truthy(eval(e.l, rec)) && truthy(eval(e.r, rec))
		case "or":
			return truthy(eval(e.l, rec)) || truthy(eval(e.r, rec))
		case "like":
			l := eval(e.l, rec)
			if l == nil {
				return false
			}
			if re, ok := e.r.(regexLit); ok {
				return re.re.MatchString(text(l))
			}
			return strings.Contains(text(l), text(eval(e.r, rec)))
		case "=", "!=", "<", "<=", ">", ">=":
			c, ok := compare(eval(e.l, rec), eval(e.r, rec))
			if !ok {
				return false
			}
			switch e.op {
			case "=":
				return c == 0
			case "!=":
				return c != 0
			case "<":
				return c < 0
			case "<=":
				return c <= 0
			case ">":
				return c > 0
			}
			return c >= 0
		}
		a, ok1 := number(eval(e.l, rec))
		b, ok2 := number(eval(e.r, rec))
		if !ok1 || !ok2 {
			return nil
		}
		switch e.op {
		case "+":
			return a + b
		case "-":
			return a - b
		case "*":
			return a * b
		case "/":
			if b == 0 {
				return nil
			}
			return a / b
		case "%":
			if b == 0 {
				return nil
			}
			return math.Mod(a, b)
		case "^":
			return math.Pow(a, b)
		}
	case call:
		return evalCall(e, rec)
	}
	return nil
}

func evalCall(c call, rec *record) Value {
	switch c.fn {
	case "ispresent":
		return eval(c.args[0], rec) != nil
	case "bin":
		d, ok := number(eval(c.args[0], rec))
		if !ok || d <= 0 {
			return nil
		}
		ts, _ := rec.get("@timestamp").(Time)
		return Time(floorDiv(int64(ts), int64(d)) * int64(d))
	case "datefloor", "dateceil":
		t, ok := number(eval(c.args[0], rec))
		d, ok2 := number(eval(c.args[1], rec))
		if !ok || !ok2 || d <= 0 {
			return nil
		}
		f := floorDiv(int64(t), int64(d)) * int64(d)
		if c.fn == "dateceil" && f < int64(t) {
			f += int64(d)
		}
		return Time(f)
	}
	args := make([]Value, len(c.args))
	for i, a := range c.args {
		args[i] = eval(a, rec)
	}
	return functions[c.fn].fn(args)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// sortValue is a sort key's value: the column named as the key is written
// (sort bin(5m) after stats ... by bin(5m)), else the expression's value.
func sortValue(k sortKey, rec *record) Value {
	if v, ok := rec.vals[k.name]; ok {
		return v
	}
	return eval(k.expr, rec)
}

// naturalCompare orders values as Logs Insights' sort does: every value
// that is not a number before every number, numbers by value, and other
// values chunk by chunk, runs of digits by length then value and the rest
// by Unicode order.
func naturalCompare(a, b Value) int {
	fa, na := sortNumber(a)
	fb, nb := sortNumber(b)
	switch {
	case na && nb:
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return strings.Compare(text(a), text(b)) // 01 before 1
	case na:
		return 1
	case nb:
		return -1
	}
	x, y := text(a), text(b)
	for x != "" && y != "" {
		cx, restX := chunk(x)
		cy, restY := chunk(y)
		dx, dy := isDigit(cx[0]), isDigit(cy[0])
		switch {
		case dx && dy:
			tx, ty := strings.TrimLeft(cx, "0"), strings.TrimLeft(cy, "0")
			if len(tx) != len(ty) {
				if len(tx) < len(ty) {
					return -1
				}
				return 1
			}
			if c := strings.Compare(tx, ty); c != 0 {
				return c
			}
		default:
			if c := strings.Compare(cx, cy); c != 0 {
				return c
			}
		}
		x, y = restX, restY
	}
	return strings.Compare(x, y)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// chunk splits off the leading run of digits or of non-digits.
func chunk(s string) (string, string) {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i], s[i:]
}

// sortNumber reports whether v is a number value (only digits, with sign
// and decimal point) and its value.
func sortNumber(v Value) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case Time:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil && strings.Trim(x, "+-.0123456789") == ""
	}
	return 0, false
}

// LogRecord returns the fields of e as GetLogRecord shows them: the fields
// a query's record of e has (the built-in ones and those DiscoverFields
// finds in the message), each formatted as GetQueryResults formats it,
// except @timestamp and @ingestionTime, which GetLogRecord gives in
// milliseconds since the epoch. account prefixes @log as Options.Account does;
// @ptr is not a field of the record.
func LogRecord(e Event, account string) map[string]string {
	rec := newRecord(e, account)
	out := make(map[string]string, len(rec.names))
	for _, n := range rec.names {
		v := rec.get(n)
		if t, ok := v.(Time); ok && (n == "@timestamp" || n == "@ingestionTime") {
			out[n] = strconv.FormatInt(int64(t), 10)
			continue
		}
		if v != nil {
			out[n] = Format(v)
		}
	}
	return out
}
