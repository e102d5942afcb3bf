package logstransform

import (
	"fmt"
	"regexp"
)

// grokPatterns are the grok patterns ecsrun knows, written for RE2 (no
// look-around or atomic groups): the common ones of the standard grok
// library that CloudWatch Logs supports.
var grokPatterns = map[string]string{
	"USERNAME":          `[a-zA-Z0-9._-]+`,
	"USER":              `%{USERNAME}`,
	"EMAILLOCALPART":    `[a-zA-Z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_{|}~-]+)*`,
	"EMAILADDRESS":      `%{EMAILLOCALPART}@%{HOSTNAME}`,
	"INT":               `[+-]?[0-9]+`,
	"BASE10NUM":         `[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)`,
	"NUMBER":            `%{BASE10NUM}`,
	"BASE16NUM":         `(?:0[xX])?[0-9A-Fa-f]+`,
	"POSINT":            `[1-9][0-9]*`,
	"NONNEGINT":         `[0-9]+`,
	"WORD":              `\b\w+\b`,
	"NOTSPACE":          `\S+`,
	"SPACE":             `\s*`,
	"DATA":              `.*?`,
	"GREEDYDATA":        `.*`,
	"QUOTEDSTRING":      `"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`(?:[^`\\\\]|\\\\.)*`",
	"QS":                `%{QUOTEDSTRING}`,
	"UUID":              `[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}`,
	"MAC":               `(?:[A-Fa-f0-9]{2}[:-]){5}[A-Fa-f0-9]{2}|(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4}`,
	"IPV4":              `(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])`,
	"IPV6":              `(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[0-9A-Za-z]+)?`,
	"IP":                `%{IPV6}|%{IPV4}`,
	"HOSTNAME":          `\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?\b`,
	"IPORHOST":          `%{IP}|%{HOSTNAME}`,
	"HOSTPORT":          `%{IPORHOST}:%{POSINT}`,
	"UNIXPATH":          `(?:/[\w_%!$@:.,+~-]*)+`,
	"WINPATH":           `(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+`,
	"PATH":              `%{UNIXPATH}|%{WINPATH}`,
	"URIPROTO":          `[A-Za-z][A-Za-z0-9+\-.]*`,
	"URIHOST":           `%{IPORHOST}(?::%{POSINT})?`,
	"URIPATH":           `(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+`,
	"URIPARAM":          `\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*`,
	"URIPATHPARAM":      `%{URIPATH}(?:%{URIPARAM})?`,
	"URI":               `%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?`,
	"MONTH":             `\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\b`,
	"MONTHNUM":          `0?[1-9]|1[0-2]`,
	"MONTHNUM2":         `0[1-9]|1[0-2]`,
	"MONTHDAY":          `(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9]`,
	"DAY":               `(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)`,
	"YEAR":              `(?:\d\d){1,2}`,
	"HOUR":              `2[0123]|[01]?[0-9]`,
	"MINUTE":            `[0-5][0-9]`,
	"SECOND":            `(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?`,
	"TIME":              `%{HOUR}:%{MINUTE}(?::%{SECOND})?`,
	"DATE_US":           `%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}`,
	"DATE_EU":           `%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}`,
	"ISO8601_TIMEZONE":  `Z|[+-]%{HOUR}(?::?%{MINUTE})`,
	"ISO8601_SECOND":    `%{SECOND}`,
	"TIMESTAMP_ISO8601": `%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?`,
	"DATE":              `%{DATE_US}|%{DATE_EU}`,
	"DATESTAMP":         `%{DATE}[- ]%{TIME}`,
	"TZ":                `[A-Z]{3}`,
	"HTTPDATE":          `%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}`,
	"SYSLOGTIMESTAMP":   `%{MONTH} +%{MONTHDAY} %{TIME}`,
	"LOGLEVEL":          `[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?`,
	"HTTPDUSER":         `%{EMAILADDRESS}|%{USER}`,
	"COMMONAPACHELOG":   `%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \[%{HTTPDATE:timestamp}\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" %{NUMBER:response} (?:%{NUMBER:bytes}|-)`,
}

// grokField is a named capture: the regexp group and the event field.
type grokField struct{ group, field string }

var (
	grokRef   = regexp.MustCompile(`%\{(\w+)(?::([\w.@\[\]-]+))?(?::(\w+))?\}`)
	namedOnig = regexp.MustCompile(`\(\?<([A-Za-z_][\w.]*)>`)
)

// compileGrok expands a grok match expression into a regular expression
// (anchored nowhere, as grok matches anywhere in the value).
func compileGrok(match string) (*regexp.Regexp, []grokField, error) {
	var fields []grokField
	n := 0
	var expand func(s string, depth int) (string, error)
	expand = func(s string, depth int) (string, error) {
		if depth > 10 {
			return "", fmt.Errorf("grok patterns nest too deeply in %q", match)
		}
		var err error
		out := grokRef.ReplaceAllStringFunc(s, func(ref string) string {
			if err != nil {
				return ""
			}
			m := grokRef.FindStringSubmatch(ref)
			def, ok := grokPatterns[m[1]]
			if !ok {
				err = fmt.Errorf("unknown grok pattern %%{%s}", m[1])
				return ""
			}
			if m[3] != "" {
				err = fmt.Errorf("%%{%s:%s:%s}: grok type conversions are not supported here; convert the field with a typeConverter processor", m[1], m[2], m[3])
				return ""
			}
			inner, e := expand(def, depth+1)
			if e != nil {
				err = e
				return ""
			}
			if m[2] == "" {
				return "(?:" + inner + ")"
			}
			n++
			g := fmt.Sprintf("g%d", n)
			fields = append(fields, grokField{group: g, field: m[2]})
			return "(?P<" + g + ">" + inner + ")"
		})
		return out, err
	}
	// Oniguruma-style named groups (?<name>...) become captures too.
	src := namedOnig.ReplaceAllStringFunc(match, func(s string) string {
		name := namedOnig.FindStringSubmatch(s)[1]
		n++
		g := fmt.Sprintf("g%d", n)
		fields = append(fields, grokField{group: g, field: name})
		return "(?P<" + g + ">"
	})
	expanded, err := expand(src, 0)
	if err != nil {
		return nil, nil, err
	}
	re, err := regexp.Compile(expanded)
	if err != nil {
		return nil, nil, fmt.Errorf("match %q is not a valid grok expression: %v", match, err)
	}
	return re, fields, nil
}
