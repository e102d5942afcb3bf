package logstransform

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrInvalid marks a configuration CloudWatch Logs would refuse.
var ErrInvalid = errors.New("invalid transformer")

// ErrUnsupported marks a processor ecsrun does not run.
var ErrUnsupported = errors.New("unsupported processor")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// entry is the union of the fields of the processors' entries.
type entry struct {
	Key               string `json:"key"`
	Value             string `json:"value"`
	Source            string `json:"source"`
	Target            string `json:"target"`
	RenameTo          string `json:"renameTo"`
	Delimiter         string `json:"delimiter"`
	From              string `json:"from"`
	To                string `json:"to"`
	Type              string `json:"type"`
	OverwriteIfExists bool   `json:"overwriteIfExists"`
}

// spec is the union of the processors' fields.
type spec struct {
	Source            string   `json:"source"`
	Destination       string   `json:"destination"`
	Match             string   `json:"match"`
	QuoteCharacter    string   `json:"quoteCharacter"`
	Delimiter         string   `json:"delimiter"`
	Columns           []string `json:"columns"`
	FieldDelimiter    string   `json:"fieldDelimiter"`
	KeyValueDelimiter string   `json:"keyValueDelimiter"`
	KeyPrefix         string   `json:"keyPrefix"`
	NonMatchValue     string   `json:"nonMatchValue"`
	OverwriteIfExists bool     `json:"overwriteIfExists"`
	Entries           []entry  `json:"entries"`
	WithKeys          []string `json:"withKeys"`
	Key               string   `json:"key"`
	ValueKey          string   `json:"valueKey"`
	Target            string   `json:"target"`
	Flatten           bool     `json:"flatten"`
	FlattenedElement  string   `json:"flattenedElement"`
	TargetFormat      string   `json:"targetFormat"`
	MatchPatterns     []string `json:"matchPatterns"`
	SourceTimezone    string   `json:"sourceTimezone"`
	TargetTimezone    string   `json:"targetTimezone"`
	Locale            string   `json:"locale"`
}

// parsers may come first; vended parsers must.
var (
	parsers = map[string]bool{"parseJSON": true, "grok": true, "csv": true, "parseKeyValue": true}
	vended  = map[string]bool{"parseCloudfront": true, "parseRoute53": true, "parsePostgres": true, "parseVPC": true, "parseWAF": true, "parseToOCSF": true}
	mutates = map[string]bool{"addKeys": true, "copyValue": true, "dateTimeConverter": true, "deleteKeys": true, "listToMap": true,
		"lowerCaseString": true, "moveKeys": true, "renameKeys": true, "splitString": true, "substituteString": true,
		"trimString": true, "typeConverter": true, "upperCaseString": true}
)

// step is one compiled processor.
type step struct {
	name string
	s    spec
	re   *regexp.Regexp   // grok
	subs []*regexp.Regexp // substituteString, by entry
	grok []grokField      // grok's named captures
	date *dateConv
}

// Transformer is a compiled configuration.
type Transformer struct {
	steps []step
}

// Compile checks a transformer configuration: the JSON list of processors
// (each an object with exactly one processor member), 1 to 20 of them, the
// first a parser, vended-log parsers only first.
func Compile(config []byte) (*Transformer, error) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(config, &list); err != nil {
		return nil, invalid("transformerConfig must be a list of processors: %v", err)
	}
	if len(list) == 0 || len(list) > 20 {
		return nil, invalid("a transformer has 1 to 20 processors; this one has %d", len(list))
	}
	t := &Transformer{}
	for i, p := range list {
		var names []string
		for k, v := range p {
			if string(v) != "null" {
				names = append(names, k)
			}
		}
		if len(names) != 1 {
			return nil, invalid("processor %d must set exactly one processor type; it sets %d (%s)", i+1, len(names), strings.Join(names, ", "))
		}
		name := names[0]
		switch {
		case i == 0 && !parsers[name] && !vended[name]:
			return nil, invalid("the first processor must be a parser (parseJSON, grok, csv, parseKeyValue or a vended-log parser such as parseVPC); processor 1 is %s", name)
		case i > 0 && vended[name]:
			return nil, invalid("%s parses AWS vended logs and must be the first processor; it is processor %d", name, i+1)
		case !parsers[name] && !vended[name] && !mutates[name]:
			return nil, invalid("processor %d: unknown processor type %q", i+1, name)
		}
		st := step{name: name}
		if err := json.Unmarshal(p[name], &st.s); err != nil {
			return nil, invalid("processor %d (%s): %v", i+1, name, err)
		}
		if err := st.compile(); err != nil {
			return nil, invalid("processor %d (%s): %v", i+1, name, err)
		}
		t.steps = append(t.steps, st)
	}
	return t, nil
}

func (st *step) compile() error {
	s := &st.s
	switch st.name {
	case "grok":
		if s.Match == "" {
			return errors.New("match is required")
		}
		re, fields, err := compileGrok(s.Match)
		if err != nil {
			return err
		}
		st.re, st.grok = re, fields
	case "csv":
		if len([]rune(s.QuoteCharacter)) > 1 {
			return fmt.Errorf("quoteCharacter %q must be one character", s.QuoteCharacter)
		}
		if n := len([]rune(s.Delimiter)); n > 1 && s.Delimiter != `\t` {
			return fmt.Errorf("delimiter %q must be one character (or \\t)", s.Delimiter)
		}
	case "substituteString":
		for _, e := range s.Entries {
			re, err := regexp.Compile(e.From)
			if err != nil {
				return fmt.Errorf("from %q is not a regular expression: %v", e.From, err)
			}
			st.subs = append(st.subs, re)
		}
	case "typeConverter":
		for _, e := range s.Entries {
			switch e.Type {
			case "boolean", "integer", "double", "string":
			default:
				return fmt.Errorf("type %q of key %q must be boolean, integer, double or string", e.Type, e.Key)
			}
		}
	case "listToMap":
		if s.Source == "" || s.Key == "" {
			return errors.New("source and key are required")
		}
		if s.Flatten && s.FlattenedElement != "first" && s.FlattenedElement != "last" {
			return errors.New("flattenedElement (first or last) is required when flatten is true")
		}
	case "dateTimeConverter":
		if s.Source == "" || s.Target == "" || len(s.MatchPatterns) == 0 {
			return errors.New("source, target and matchPatterns are required")
		}
		d, err := compileDate(s)
		if err != nil {
			return err
		}
		st.date = d
	case "addKeys", "copyValue", "moveKeys", "renameKeys", "splitString":
		if len(s.Entries) == 0 {
			return errors.New("entries is required")
		}
	case "deleteKeys", "lowerCaseString", "upperCaseString", "trimString":
		if len(s.WithKeys) == 0 {
			return errors.New("withKeys is required")
		}
	}
	return nil
}
