package workflow

import "strings"

// The recorded distributed Map cases read S3 objects the test code put
// there, and some change the template before creating the state machine;
// neither is in the recording. distributedFixtures restates those inputs
// (facts of LocalStack's tests/aws/services/stepfunctions/v2/scenarios/
// test_base_scenarios.py, unless noted): the objects, by key, in the bucket the
// execution input names, and the template edits.
type distributedFixture struct {
	objects map[string]string
	// edit changes the Map state as the test did.
	edit func(mapState map[string]any)
}

const (
	csvHeaderRows = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"
	csvMaxItems   = "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n"
	jsonVerdicts  = `[{"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"}, {"verdict": "false", "statement_date": "6/7/2022", "statement_source": "television"}, {"verdict": "mostly-true", "statement_date": "5/18/2016", "statement_source": "news"}]`
)

// readerConfigField sets a field of the ItemReader's ReaderConfig.
func readerConfigField(field, value string) func(map[string]any) {
	return func(st map[string]any) {
		v, _ := DecodeJSON([]byte(value))
		st["ItemReader"].(map[string]any)["ReaderConfig"].(map[string]any)[field] = v
	}
}

// itemsPath sets the Map state's ItemsPath.
func itemsPath(p string) func(map[string]any) {
	return func(st map[string]any) { st["ItemsPath"] = p }
}

// distributedTemplates are the templates of recorded tests whose names
// do not lead to them.
var distributedTemplates = map[string]string{
	"test_map_item_reader_csv_max_items_paths":   "map_item_reader_base_csv_max_items_path",
	"test_map_state_config_inline_item_selector": "map_state_config_distributed_item_selector",
}

var distributedFixtures = map[string]distributedFixture{
	// assign/test_assign_reference_variables.py: the verdicts and a fourth.
	"test_reference_in_map_state_max_items_path": {objects: map[string]string{
		"file.json": strings.TrimSuffix(jsonVerdicts, "]") + `, {"verdict": "false", "statement_date": "5/18/2024", "statement_source": "x"}]`,
	}},
	"test_map_item_reader_base_list_objects_v2": {objects: map[string]string{
		"file_0.txt": "0HelloWorld!", "file_1.txt": "1HelloWorld!", "file_2.txt": "2HelloWorld!",
	}},
	"test_map_item_reader_base_csv_headers_first_line": {objects: map[string]string{"file.csv": "Col1,Col2,Col3\n" + csvHeaderRows}},
	"test_map_item_reader_base_csv_headers_decl": {
		objects: map[string]string{"file.csv": csvHeaderRows},
		edit:    readerConfigField("CSVHeaders", `["H1","H2","H3"]`),
	},
	"test_map_item_reader_csv_headers_decl_duplicate_headers": {
		objects: map[string]string{"file.csv": csvHeaderRows},
		edit:    readerConfigField("CSVHeaders", `["H1","H1","H3"]`),
	},
	"test_map_item_reader_csv_headers_decl_extra_fields": {
		objects: map[string]string{"file.csv": csvHeaderRows},
		edit:    readerConfigField("CSVHeaders", `["H1"]`),
	},
	"test_map_item_reader_csv_headers_first_row_typed_headers": {objects: map[string]string{
		"file.csv": "0,True,{}\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n",
	}},
	"test_map_item_reader_csv_first_row_extra_fields": {objects: map[string]string{
		"file.csv": "H1,\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n",
	}},
	"test_map_item_reader_csv_max_items[0]":                  {objects: map[string]string{"file.csv": csvMaxItems}, edit: readerConfigField("MaxItems", "0")},
	"test_map_item_reader_csv_max_items[2]":                  {objects: map[string]string{"file.csv": csvMaxItems}, edit: readerConfigField("MaxItems", "2")},
	"test_map_item_reader_csv_max_items[100000000]":          {objects: map[string]string{"file.csv": csvMaxItems}, edit: readerConfigField("MaxItems", "100000000")},
	"test_map_item_reader_csv_max_items_paths":               {objects: map[string]string{"file.csv": csvMaxItems}},
	"test_map_item_reader_base_json":                         {objects: map[string]string{"file.json": jsonVerdicts}},
	"test_map_item_reader_base_json_max_items_jsonata":       {objects: map[string]string{"file.json": jsonVerdicts}},
	"test_map_item_batching_base_json_max_per_batch_jsonata": {objects: map[string]string{"file.json": jsonVerdicts}},
	"test_map_item_reader_json_no_json_list_object":          {objects: map[string]string{"file.json": `{"Hello": "world"}`}},
	"test_map_item_reader_base_json_max_items": {objects: map[string]string{
		"file.json": `[{"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"}, {"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"}, {"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"}]`,
	}},
	"test_map_item_reader_base_json_with_items_path[VALID_ITEMS_PATH_FROM_PREVIOUS]": {
		objects: map[string]string{"file.json": `[["from-bucket-item-0"]]`}, edit: itemsPath("$.from_previous"),
	},
	"test_map_item_reader_base_json_with_items_path[VALID_ITEMS_PATH_FROM_ITEM_READER]": {
		objects: map[string]string{"file.json": `[["from-bucket-item-0"]]`}, edit: itemsPath("$[0]"),
	},
	"test_map_item_reader_base_json_with_items_path[INVALID_ITEMS_PATH]": {
		objects: map[string]string{"file.json": `[["from-bucket-item-0"]]`}, edit: itemsPath("$.no_such_path_in_bucket_result"),
	},
}

// distributedSetup prepares a recorded distributed Map case: the
// definition as the test changed it and an in-memory Map runner holding
// the objects it put in the input's bucket.
func distributedSetup(test, def string, input any) (string, *MemoryMapRunner) {
	runner := NewMemoryMapRunner()
	f, ok := distributedFixtures[test]
	if !ok {
		f = distributedFixtures[bracketParam.ReplaceAllString(test, "")]
	}
	if f.edit != nil {
		if v, err := DecodeJSON([]byte(def)); err == nil {
			for _, st := range v.(map[string]any)["States"].(map[string]any) {
				if m, _ := st.(map[string]any); m["Type"] == TypeMap {
					f.edit(m)
				}
			}
			def = EncodeJSON(v)
		}
	}
	bucket := "bucket-name"
	if m, ok := input.(map[string]any); ok {
		if b, ok := m["Bucket"].(string); ok {
			bucket = b
		}
	}
	for k, v := range f.objects {
		runner.Put(bucket, k, []byte(v))
	}
	return def, runner
}
