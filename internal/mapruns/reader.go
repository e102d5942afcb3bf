package mapruns

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Input types of ReaderConfig.InputType.
const (
	InputJSON     = "JSON"
	InputJSONL    = "JSONL"
	InputCSV      = "CSV"
	InputManifest = "MANIFEST"
)

// CSV header locations of ReaderConfig.CSVHeaderLocation.
const (
	HeaderFirstRow = "FIRST_ROW"
	HeaderGiven    = "GIVEN"
)

// Item reader resources.
const (
	ResourceGetObject     = "arn:aws:states:::s3:getObject"
	ResourceListObjectsV2 = "arn:aws:states:::s3:listObjectsV2"
	ResourcePutObject     = "arn:aws:states:::s3:putObject"
)

// MaxItemsLimit is the largest MaxItems Step Functions accepts.
const MaxItemsLimit = 100_000_000

// ReaderConfig is an ItemReader's ReaderConfig, its values resolved.
type ReaderConfig struct {
	InputType         string   // JSON, JSONL, CSV, MANIFEST ("" with listObjectsV2)
	CSVHeaderLocation string   // FIRST_ROW (default) or GIVEN
	CSVHeaders        []string // with GIVEN
	CSVDelimiter      string   // COMMA (default), PIPE, SEMICOLON, SPACE, TAB
	MaxItems          int64    // 0: every item
}

// ReaderError is why items could not be read; the Map Run fails with
// States.ItemReaderFailed and Cause.
type ReaderError struct{ Cause string }

func (e *ReaderError) Error() string { return "States.ItemReaderFailed: " + e.Cause }

func readerErr(format string, a ...any) error {
	return &ReaderError{Cause: fmt.Sprintf(format, a...)}
}

// delimiters maps CSVDelimiter values to their characters.
var delimiters = map[string]rune{"": ',', "COMMA": ',', "PIPE": '|', "SEMICOLON": ';', "SPACE": ' ', "TAB": '\t'}

// CheckConfig reports what is wrong with a reader configuration, in words
// a user can act on ("" when nothing).
func CheckConfig(c ReaderConfig) string {
	switch c.InputType {
	case InputJSON, InputJSONL, InputManifest:
	case InputCSV:
		switch c.CSVHeaderLocation {
		case "", HeaderFirstRow:
			if len(c.CSVHeaders) > 0 {
				return "CSVHeaders must not be given with CSVHeaderLocation FIRST_ROW"
			}
		case HeaderGiven:
			if len(c.CSVHeaders) == 0 {
				return "CSVHeaderLocation GIVEN needs CSVHeaders"
			}
		default:
			return fmt.Sprintf("CSVHeaderLocation must be FIRST_ROW or GIVEN, not %q", c.CSVHeaderLocation)
		}
	default:
		return fmt.Sprintf("InputType must be JSON, JSONL, CSV or MANIFEST, not %q", c.InputType)
	}
	if _, ok := delimiters[c.CSVDelimiter]; !ok {
		return fmt.Sprintf("CSVDelimiter must be COMMA, PIPE, SEMICOLON, SPACE or TAB, not %q", c.CSVDelimiter)
	}
	return ""
}

// decode decodes one JSON value with numbers kept as json.Number.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// ReadItems returns the items of an object's content as c describes it
// (JSON, JSONL or CSV), at most c.MaxItems of them. A MANIFEST names
// other objects: use ParseManifest and ManifestItems.
func ReadItems(c ReaderConfig, data []byte) ([]any, error) {
	if c.MaxItems < 0 {
		return nil, readerErr("field MaxItems must be positive")
	}
	var items []any
	var err error
	switch c.InputType {
	case InputJSON:
		items, err = readJSON(data)
	case InputJSONL:
		items, err = readJSONL(data, c.MaxItems)
	case InputCSV:
		items, err = readCSV(c, data, nil)
	default:
		return nil, readerErr("InputType %q cannot be read from an object's content", c.InputType)
	}
	if err != nil {
		return nil, err
	}
	return Limit(items, c.MaxItems), nil
}

// Limit keeps the first max items (all when max is 0 or more than there
// are).
func Limit(items []any, max int64) []any {
	if max > 0 && int64(len(items)) > max {
		return items[:max]
	}
	return items
}

func readJSON(data []byte) ([]any, error) {
	v, err := decode(data)
	if err != nil {
		return nil, readerErr("The object is not valid JSON: %v", err)
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, readerErr("Attempting to map over non-iterable node.")
	}
	return arr, nil
}

func readJSONL(data []byte, max int64) ([]any, error) {
	var out []any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 256*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		v, err := decode(text)
		if err != nil {
			return nil, readerErr("Line %d of the JSONL object is not valid JSON: %v", line, err)
		}
		out = append(out, v)
		if max > 0 && int64(len(out)) >= max {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, readerErr("Reading the JSONL object: %v", err)
	}
	return out, nil
}

// readCSV reads rows as objects keyed by the headers (the first row, the
// given ones, or fixed ones when fixed is set). A row with fewer fields
// than headers gets "" for the missing ones; extra fields are dropped.
func readCSV(c ReaderConfig, data []byte, fixed []string) ([]any, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delimiters[c.CSVDelimiter]
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	headers := fixed
	if headers == nil {
		if c.CSVHeaderLocation == HeaderGiven {
			headers = c.CSVHeaders
		} else {
			first, err := r.Read()
			if err == io.EOF {
				return []any{}, nil
			}
			if err != nil {
				return nil, readerErr("The CSV object could not be read: %v", err)
			}
			headers = first
		}
	}
	seen := map[string]bool{}
	for _, h := range headers {
		if seen[h] {
			return nil, readerErr("CSV headers cannot contain duplicates.")
		}
		seen[h] = true
	}
	out := []any{}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readerErr("The CSV object could not be read: %v", err)
		}
		item := make(map[string]any, len(headers))
		for i, h := range headers {
			v := ""
			if i < len(row) {
				v = row[i]
			}
			item[h] = v
		}
		out = append(out, item)
		if c.MaxItems > 0 && int64(len(out)) >= c.MaxItems {
			break
		}
	}
	return out, nil
}

// Manifest is an Amazon S3 Inventory manifest.json, as far as a
// distributed Map reads it.
type Manifest struct {
	SourceBucket string `json:"sourceBucket"`
	FileFormat   string `json:"fileFormat"`
	FileSchema   string `json:"fileSchema"`
	Files        []struct {
		Key string `json:"key"`
	} `json:"files"`
}

// ParseManifest decodes an S3 Inventory manifest; only CSV inventories are
// read.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, readerErr("The manifest is not an S3 Inventory manifest.json: %v", err)
	}
	if m.FileFormat != "CSV" {
		return nil, readerErr("The S3 Inventory manifest has fileFormat %q; only CSV inventories can be read", m.FileFormat)
	}
	if m.FileSchema == "" {
		return nil, readerErr("The S3 Inventory manifest has no fileSchema")
	}
	return &m, nil
}

// ManifestItems reads the rows of one inventory file (gzip-compressed
// CSV, or plain CSV) as objects keyed by the manifest's fileSchema.
func (m *Manifest) ManifestItems(data []byte) ([]any, error) {
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, readerErr("The inventory file is not valid gzip: %v", err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, readerErr("The inventory file is not valid gzip: %v", err)
		}
	}
	var headers []string
	for f := range strings.SplitSeq(m.FileSchema, ",") {
		headers = append(headers, strings.TrimSpace(f))
	}
	return readCSV(ReaderConfig{}, data, headers)
}

// Object is one entry of an S3 listing.
type Object struct {
	Key          string
	Size         int64
	ETag         string // with its quotes, as S3 gives it
	LastModified time.Time
}

// ListingItems are the items of an s3:listObjectsV2 reader: one object per
// S3 object, with the fields Step Functions gives them.
func ListingItems(objs []Object, max int64) []any {
	out := make([]any, 0, len(objs))
	for _, o := range objs {
		out = append(out, map[string]any{
			"Etag":         o.ETag,
			"Key":          o.Key,
			"LastModified": o.LastModified.UTC().Format(time.RFC3339),
			"Size":         json.Number(fmt.Sprint(o.Size)),
			"StorageClass": "STANDARD",
		})
	}
	return Limit(out, max)
}
