package workflow

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

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

// mapRunLinkChange is when AWS changed the event a distributed Map's
// MapStateExited follows from MapRunSucceeded to MapRunStarted: every
// recording up to 19 August 2024 shows the first, every one from 13
// November 2024 on (the latest of October 2025) the second, for the same
// kinds of machine.
var mapRunLinkChange = time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)

// todaysLinks returns the events of a history recorded at recordedDate
// ("02-01-2006, 15:04:05", the snapshot's recorded-date) with the links
// AWS has changed since as AWS links them today: a MapStateExited that
// follows MapRunSucceeded follows its MapRunStarted. Only the
// previousEventId of those events changes (in a copy).
func todaysLinks(events []any, recordedDate string) []any {
	at, err := time.Parse("02-01-2006, 15:04:05", recordedDate)
	if err != nil || !at.Before(mapRunLinkChange) {
		return events
	}
	byID := map[int64]map[string]any{}
	for _, e := range events {
		if em, ok := e.(map[string]any); ok {
			if id, ok := isInteger(em["id"]); ok {
				byID[id] = em
			}
		}
	}
	out := make([]any, len(events))
	for i, e := range events {
		out[i] = e
		em, _ := e.(map[string]any)
		if em == nil || em["type"] != "MapStateExited" {
			continue
		}
		p, _ := isInteger(em["previousEventId"])
		if prev := byID[p]; prev != nil && prev["type"] == "MapRunSucceeded" {
			c := maps.Clone(em)
			c["previousEventId"] = prev["previousEventId"]
			out[i] = c
		}
	}
	return out
}
