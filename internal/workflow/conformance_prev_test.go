package workflow

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ecsrun/ecsrun/internal/sfnmodel"
)

// comparePrevious compares the previousEventId links of a recorded
// history with the interpreter's ("" when they agree). A sequential
// history must link the same event numbers; one with Parallel or Map
// branches, whose events interleave in no fixed order, must have the
// same links between event types (each event's type and the type of the
// event it names).
func comparePrevious(recorded []any, got []sfnmodel.HistoryEvent, concurrent bool) string {
	var wantTypes, gotTypes []string
	var wantPrev, gotPrev []int64
	for _, e := range recorded {
		em, _ := e.(map[string]any)
		typ, _ := em["type"].(string)
		if a, ok := eventAliases[typ]; ok {
			typ = a
		}
		p, _ := isInteger(em["previousEventId"])
		wantTypes, wantPrev = append(wantTypes, typ), append(wantPrev, p)
	}
	for _, e := range got {
		var p int64
		if e.PreviousEventId != nil {
			p = *e.PreviousEventId
		}
		gotTypes, gotPrev = append(gotTypes, string(e.Type)), append(gotPrev, p)
	}
	if !concurrent {
		for i := range wantPrev {
			if i < len(gotPrev) && gotPrev[i] != wantPrev[i] {
				return fmt.Sprintf("event %d (%s): previousEventId %d, want %d", i+1, wantTypes[i], gotPrev[i], wantPrev[i])
			}
		}
		return ""
	}
	links := func(types []string, prev []int64) []string {
		out := make([]string, len(types))
		for i, t := range types {
			from := "-"
			if p := prev[i]; p > 0 && int(p) <= len(types) {
				from = types[p-1]
			}
			out[i] = t + "<-" + from
		}
		sort.Strings(out)
		return out
	}
	w, g := links(wantTypes, wantPrev), links(gotTypes, gotPrev)
	if strings.Join(w, ",") != strings.Join(g, ",") {
		return fmt.Sprintf("previousEventId links (type<-previous type)\n got  %v\n want %v", g, w)
	}
	return ""
}
