package opstable

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	s := Service{Title: "Svc", Operations: []string{"B", "A", "C", "D"},
		Implemented: map[string]bool{"A": true}, Refusals: map[string]string{"B": "needs AWS | really"}}
	for op, want := range map[string]Status{"A": Implemented, "B": Refused, "C": Missing, "D": Missing} {
		if got, _ := s.StatusOf(op); got != want {
			t.Errorf("StatusOf(%s) = %v, want %v", op, got, want)
		}
	}
	page := Render([]Service{s})
	for _, want := range []string{
		"## Svc\n\n4 operations: 1 implemented, 1 refused, 2 not implemented yet.\n",
		"| A | implemented |\n| B | refused: needs AWS \\| really |\n| C | not implemented yet |\n| D | not implemented yet |\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
}
