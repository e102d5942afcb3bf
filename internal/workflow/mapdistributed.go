package workflow

import (
	"slices"

	"github.com/ecsrun/ecsrun/internal/mapruns"
)

// Processor modes and execution types of a Map state's ItemProcessor.
const (
	ModeInline      = "INLINE"
	ModeDistributed = "DISTRIBUTED"
	ExecStandard    = "STANDARD"
	ExecExpress     = "EXPRESS"
)

// DistributedMap is what a Map state in DISTRIBUTED mode adds to an
// inline one: where its items come from, how they are batched, and where
// its results go.
type DistributedMap struct {
	// ExecutionType of the child executions: STANDARD or EXPRESS.
	ExecutionType string
	// Definition is the ItemProcessor as JSON: the child executions'
	// state machine definition.
	Definition string
	Reader     *ItemReader   // nil: the items are the state input's (ItemsPath)
	Batcher    *ItemBatcher  // nil: one item per child execution
	Writer     *ResultWriter // nil: results are the state's result
}

// ItemReader is a Map state's ItemReader.
type ItemReader struct {
	Resource     string    // s3:getObject or s3:listObjectsV2
	Parameters   *Template // Bucket and Key (getObject), Bucket and Prefix (listObjectsV2)
	Config       mapruns.ReaderConfig
	MaxItemsPath *Path
	// Arguments (a JSONata state's Parameters) and a MaxItems expression.
	Arguments, MaxItemsExpr *jvalue
}

// ItemBatcher is a Map state's ItemBatcher.
type ItemBatcher struct {
	MaxItemsPerBatch          int64
	MaxItemsPerBatchPath      *Path
	MaxInputBytesPerBatch     int64
	MaxInputBytesPerBatchPath *Path
	BatchInput                *Template
	// A JSONata state's forms: expressions for the limits, BatchInput
	// with expressions.
	MaxItemsPerBatchExpr, MaxInputBytesPerBatchExpr, BatchInputJ *jvalue
}

// ResultWriter is a Map state's ResultWriter.
type ResultWriter struct {
	Resource   string    // s3:putObject, or "" with only WriterConfig
	Parameters *Template // Bucket and Prefix
	Arguments  *jvalue   // a JSONata state's Parameters
	// Transformation is NONE, COMPACT or FLATTEN ("" when not given);
	// OutputType is JSON or JSONL.
	Transformation, OutputType string
}

var (
	itemReaderFields   = []string{"Resource", "Parameters", "ReaderConfig"}
	readerConfigFields = []string{"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath"}
	itemBatcherFields  = []string{"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", "BatchInput"}
	resultWriterFields = []string{"Resource", "Parameters", "WriterConfig"}
	writerConfigFields = []string{"Transformation", "OutputType"}

	// A JSONata state's: Arguments for Parameters, no ...Path fields.
	itemReaderFieldsJ   = []string{"Resource", "Arguments", "ReaderConfig"}
	readerConfigFieldsJ = []string{"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems"}
	itemBatcherFieldsJ  = []string{"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}
	resultWriterFieldsJ = []string{"Resource", "Arguments", "WriterConfig"}
)

// fieldsFor picks a JSONPath state's fields or a JSONata state's.
func fieldsFor(jsonata bool, jsonPath, jsonataFields []string) []string {
	if jsonata {
		return jsonataFields
	}
	return jsonPath
}

// s3Arguments parses the Parameters of a JSONPath state's ItemReader or
// ResultWriter, or the Arguments of a JSONata state's; it reports whether
// the field is present.
func (p *parser) s3Arguments(obj map[string]any, jsonata bool, params **Template, args **jvalue, at string) bool {
	key := "Parameters"
	if jsonata {
		key = "Arguments"
	}
	v, ok := obj[key]
	switch {
	case !ok:
	case jsonata:
		*args = p.jvalue(v, at+"/"+key)
	default:
		*params = p.template(v, at+"/"+key)
	}
	return ok
}

// checkFields reports the fields of obj that allowed does not hold.
func (p *parser) checkFields(obj map[string]any, allowed []string, at string) {
	for _, k := range sortedKeys(obj) {
		if !slices.Contains(allowed, k) {
			p.probs.add(at+"/"+k, "field is not allowed here")
		}
	}
}

// distributedMap parses the distributed Map fields of a Map state: it is
// distributed when its ItemProcessor's ProcessorConfig says so. The fields
// only such a Map has are refused on an inline one.
func (p *parser) distributedMap(st *State, obj map[string]any, at string) {
	mode, execType := ModeInline, ""
	ip, _ := obj["ItemProcessor"].(map[string]any)
	if ip == nil {
		// The legacy Iterator may name its ProcessorConfig too.
		ip, _ = obj["Iterator"].(map[string]any)
	}
	if pc, ok := ip["ProcessorConfig"].(map[string]any); ok {
		if m, ok := pc["Mode"].(string); ok {
			mode = m
		}
		execType, _ = pc["ExecutionType"].(string)
		for _, k := range sortedKeys(pc) {
			if k != "Mode" && k != "ExecutionType" {
				p.probs.add(at+"/ItemProcessor/ProcessorConfig/"+k, "field is not allowed here")
			}
		}
	}
	if mode != ModeDistributed {
		for _, k := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
			if _, ok := obj[k]; ok {
				p.probs.add(at+"/"+k, "is only allowed in a distributed Map (ItemProcessor.ProcessorConfig.Mode \"DISTRIBUTED\")")
			}
		}
		if execType != "" {
			p.probs.add(at+"/ItemProcessor/ProcessorConfig/ExecutionType", "is only allowed with Mode \"DISTRIBUTED\"")
		}
		return
	}
	d := &DistributedMap{ExecutionType: execType}
	switch execType {
	case ExecStandard, ExecExpress:
	case "":
		p.probs.add(at+"/ItemProcessor/ProcessorConfig", "missing required field \"ExecutionType\" (STANDARD or EXPRESS) for Mode \"DISTRIBUTED\"")
	default:
		p.probs.add(at+"/ItemProcessor/ProcessorConfig/ExecutionType", "must be \"STANDARD\" or \"EXPRESS\"")
	}
	if ip != nil {
		def := make(map[string]any, len(ip))
		for k, v := range ip {
			if k != "ProcessorConfig" {
				def[k] = v
			}
		}
		if _, ok := def["QueryLanguage"]; !ok && st.JSONata {
			// The child executions run the query language they inherit.
			def["QueryLanguage"] = QueryLanguageJSONata
		}
		d.Definition = EncodeJSON(def)
	}
	if v, ok := obj["ItemReader"]; ok {
		d.Reader = p.itemReader(v, st.JSONata, at+"/ItemReader")
	}
	if v, ok := obj["ItemBatcher"]; ok {
		d.Batcher = p.itemBatcher(v, st.JSONata, at+"/ItemBatcher")
	}
	if v, ok := obj["ResultWriter"]; ok {
		d.Writer = p.resultWriter(v, st.JSONata, at+"/ResultWriter")
	}
	st.Distributed = d
}

func (p *parser) itemReader(v any, jsonata bool, at string) *ItemReader {
	obj, ok := v.(map[string]any)
	if !ok {
		p.probs.add(at, "must be an object")
		return nil
	}
	p.checkFields(obj, fieldsFor(jsonata, itemReaderFields, itemReaderFieldsJ), at)
	r := &ItemReader{Resource: p.str(obj, "Resource", at, true)}
	if r.Resource != "" && r.Resource != mapruns.ResourceGetObject && r.Resource != mapruns.ResourceListObjectsV2 {
		p.probs.add(at+"/Resource", "must be %q or %q", mapruns.ResourceGetObject, mapruns.ResourceListObjectsV2)
	}
	if !p.s3Arguments(obj, jsonata, &r.Parameters, &r.Arguments, at) {
		p.probs.add(at, "missing required field %q", fieldsFor(jsonata, []string{"Parameters"}, []string{"Arguments"})[0])
	}
	rc, hasRC := obj["ReaderConfig"].(map[string]any)
	if _, ok := obj["ReaderConfig"]; ok && !hasRC {
		p.probs.add(at+"/ReaderConfig", "must be an object")
	}
	if hasRC {
		p.checkFields(rc, fieldsFor(jsonata, readerConfigFields, readerConfigFieldsJ), at+"/ReaderConfig")
		c := &r.Config
		c.InputType = p.str(rc, "InputType", at+"/ReaderConfig", false)
		c.CSVHeaderLocation = p.str(rc, "CSVHeaderLocation", at+"/ReaderConfig", false)
		c.CSVDelimiter = p.str(rc, "CSVDelimiter", at+"/ReaderConfig", false)
		if hv, ok := rc["CSVHeaders"]; ok {
			arr, _ := hv.([]any)
			for _, h := range arr {
				s, ok := h.(string)
				if !ok {
					p.probs.add(at+"/ReaderConfig/CSVHeaders", "must be an array of strings")
					break
				}
				c.CSVHeaders = append(c.CSVHeaders, s)
			}
			if len(arr) == 0 {
				p.probs.add(at+"/ReaderConfig/CSVHeaders", "must be a non-empty array of strings")
			}
		}
		if _, ok := rc["MaxItems"]; ok {
			r.MaxItemsExpr = p.intOrExpr(rc, "MaxItems", jsonata, at+"/ReaderConfig", 0, mapruns.MaxItemsLimit, &c.MaxItems)
		}
		if _, ok := rc["MaxItemsPath"]; ok {
			r.MaxItemsPath = p.refPath(rc, "MaxItemsPath", at+"/ReaderConfig")
			if _, both := rc["MaxItems"]; both {
				p.probs.add(at+"/ReaderConfig", "must not have both \"MaxItems\" and \"MaxItemsPath\"")
			}
		}
	}
	switch r.Resource {
	case mapruns.ResourceGetObject:
		if r.Config.InputType == "" {
			p.probs.add(at+"/ReaderConfig", "missing required field \"InputType\" (JSON, JSONL, CSV or MANIFEST) for %s", r.Resource)
		} else if msg := mapruns.CheckConfig(r.Config); msg != "" {
			p.probs.add(at+"/ReaderConfig", "%s", msg)
		}
	case mapruns.ResourceListObjectsV2:
		if r.Config.InputType != "" {
			p.probs.add(at+"/ReaderConfig/InputType", "is not allowed with %s", r.Resource)
		}
	}
	return r
}

func (p *parser) itemBatcher(v any, jsonata bool, at string) *ItemBatcher {
	obj, ok := v.(map[string]any)
	if !ok {
		p.probs.add(at, "must be an object")
		return nil
	}
	p.checkFields(obj, fieldsFor(jsonata, itemBatcherFields, itemBatcherFieldsJ), at)
	b := &ItemBatcher{}
	if _, ok := obj["MaxItemsPerBatch"]; ok {
		b.MaxItemsPerBatchExpr = p.intOrExpr(obj, "MaxItemsPerBatch", jsonata, at, 1, 0, &b.MaxItemsPerBatch)
	}
	if _, ok := obj["MaxItemsPerBatchPath"]; ok {
		b.MaxItemsPerBatchPath = p.refPath(obj, "MaxItemsPerBatchPath", at)
	}
	if _, ok := obj["MaxInputBytesPerBatch"]; ok {
		b.MaxInputBytesPerBatchExpr = p.intOrExpr(obj, "MaxInputBytesPerBatch", jsonata, at, 1, mapruns.MaxInputBytesLimit, &b.MaxInputBytesPerBatch)
	}
	if _, ok := obj["MaxInputBytesPerBatchPath"]; ok {
		b.MaxInputBytesPerBatchPath = p.refPath(obj, "MaxInputBytesPerBatchPath", at)
	}
	if bi, ok := obj["BatchInput"]; ok {
		if jsonata {
			b.BatchInputJ = p.jvalue(bi, at+"/BatchInput")
		} else {
			b.BatchInput = p.template(bi, at+"/BatchInput")
		}
	}
	if b.MaxItemsPerBatch == 0 && b.MaxItemsPerBatchPath == nil && b.MaxInputBytesPerBatch == 0 && b.MaxInputBytesPerBatchPath == nil &&
		b.MaxItemsPerBatchExpr == nil && b.MaxInputBytesPerBatchExpr == nil {
		p.probs.add(at, "must have at least one of \"MaxItemsPerBatch\", \"MaxItemsPerBatchPath\", \"MaxInputBytesPerBatch\" and \"MaxInputBytesPerBatchPath\"")
	}
	return b
}

func (p *parser) resultWriter(v any, jsonata bool, at string) *ResultWriter {
	obj, ok := v.(map[string]any)
	if !ok {
		p.probs.add(at, "must be an object")
		return nil
	}
	p.checkFields(obj, fieldsFor(jsonata, resultWriterFields, resultWriterFieldsJ), at)
	w := &ResultWriter{Resource: p.str(obj, "Resource", at, false)}
	hasParams := p.s3Arguments(obj, jsonata, &w.Parameters, &w.Arguments, at)
	switch {
	case w.Resource != "" && w.Resource != mapruns.ResourcePutObject:
		p.probs.add(at+"/Resource", "must be %q", mapruns.ResourcePutObject)
	case w.Resource != "" && !hasParams:
		p.probs.add(at, "missing required field %q (Bucket and Prefix)", fieldsFor(jsonata, []string{"Parameters"}, []string{"Arguments"})[0])
	case w.Resource == "" && hasParams:
		p.probs.add(at, "missing required field \"Resource\" (%q)", mapruns.ResourcePutObject)
	}
	if wc, ok := obj["WriterConfig"].(map[string]any); ok {
		p.checkFields(wc, writerConfigFields, at+"/WriterConfig")
		w.Transformation = p.str(wc, "Transformation", at+"/WriterConfig", false)
		w.OutputType = p.str(wc, "OutputType", at+"/WriterConfig", false)
		if w.Transformation != "" && !slices.Contains([]string{"NONE", "COMPACT", "FLATTEN"}, w.Transformation) {
			p.probs.add(at+"/WriterConfig/Transformation", "must be NONE, COMPACT or FLATTEN")
		}
		if w.OutputType != "" && w.OutputType != "JSON" && w.OutputType != "JSONL" {
			p.probs.add(at+"/WriterConfig/OutputType", "must be JSON or JSONL")
		}
	} else if _, ok := obj["WriterConfig"]; ok {
		p.probs.add(at+"/WriterConfig", "must be an object")
	}
	if w.Resource == "" && w.Transformation == "" && w.OutputType == "" {
		p.probs.add(at, "must have \"Resource\" and %q, or \"WriterConfig\"", fieldsFor(jsonata, []string{"Parameters"}, []string{"Arguments"})[0])
	}
	return w
}

// intOrExpr parses an integer field of an ItemReader's ReaderConfig or an
// ItemBatcher: an integer literal (into *n) or, in a JSONata state, a
// "{% %}" expression, returned to be evaluated when the state runs.
func (p *parser) intOrExpr(obj map[string]any, key string, jsonata bool, at string, lo, hi int64, n *int64) *jvalue {
	if jsonata {
		return p.jsonataOrInt(obj, key, at, lo, hi, n)
	}
	*n = p.posInt(obj, key, at, lo, hi)
	return nil
}
