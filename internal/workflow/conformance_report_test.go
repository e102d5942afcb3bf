package workflow

import "strings"

// Features of issue 13 that other parts bring; a recorded case that uses
// one and fails is listed under it in the known failures.
const (
	featureJSONata        = "JSONata"
	featureVariables      = "variables"
	featureDistributedMap = "distributed Map"
)

// featureOf names the issue-13 features (JSONata, variables, distributed
// Map) a recorded case uses, from its definition and its events; "" when
// it uses none.
func featureOf(def string, events []any) string {
	var out []string
	has := func(key string) bool {
		for _, e := range events {
			em, _ := e.(map[string]any)
			if typ, _ := em["type"].(string); strings.HasPrefix(typ, key) {
				return true
			}
			if d, ok := em["stateExitedEventDetails"].(map[string]any); ok && key == "assignedVariables" {
				if _, ok := d["assignedVariables"]; ok {
					return true
				}
			}
		}
		return false
	}
	if strings.Contains(def, `"JSONata"`) || strings.Contains(def, "{%") {
		out = append(out, featureJSONata)
	}
	if strings.Contains(def, `"Assign"`) || has("assignedVariables") {
		out = append(out, featureVariables)
	}
	if strings.Contains(def, `"DISTRIBUTED"`) || strings.Contains(def, `"ItemReader"`) || has("MapRun") {
		out = append(out, featureDistributedMap)
	}
	return strings.Join(out, ", ")
}
