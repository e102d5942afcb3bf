package workflow

import (
	"os"
	"testing"
)

func TestDbgTemplate(t *testing.T) {
	root := conformanceRoot(t)
	idx := loadTemplates(t, root)
	p := root + "/templates/base/statemachines/wait_timestamp_path.json5"
	t.Logf("states %v start %q timeout %v", idx.states[p], idx.start[p], idx.timeout[p])
	data, _ := os.ReadFile(p)
	_, err := DecodeJSON(JSON5ToJSON(data))
	t.Logf("err %v", err)
}
