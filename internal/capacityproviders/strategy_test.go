package capacityproviders

import (
	"strings"
	"testing"
)

func TestDistribute(t *testing.T) {
	for _, tc := range []struct {
		name     string
		items    []Item
		existing map[string]int
		n        int
		want     string
	}{
		{"one provider", []Item{{"A", 0, 1}}, nil, 3, "A A A"},
		{"single provider weight 0 still used", []Item{{"A", 0, 0}}, nil, 2, "A A"},
		{"base first then weights", []Item{{"A", 2, 1}, {"B", 0, 1}}, nil, 6, "A A A B A B"},
		{"weights 1:3", []Item{{"A", 0, 1}, {"B", 0, 3}}, nil, 8, "B B A B B B A B"},
		{"weight 0 gets only its base", []Item{{"A", 1, 0}, {"B", 0, 1}}, nil, 4, "A B B B"},
		{"base already met by the service's tasks", []Item{{"A", 2, 1}, {"B", 0, 1}}, map[string]int{"A": 2}, 2, "A B"},
		{"existing beyond base count toward weights", []Item{{"A", 1, 1}, {"B", 0, 1}}, map[string]int{"A": 3, "B": 1}, 2, "B A"},
		{"AWS docs example: base 1 on A, weights 1 and 4", []Item{{"A", 1, 1}, {"B", 0, 4}}, nil, 6, "A B B B A B"},
		{"zero tasks", []Item{{"A", 0, 1}}, nil, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(Distribute(tc.items, tc.existing, tc.n), " ")
			if got != tc.want {
				t.Errorf("Distribute = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestCheckStrategy(t *testing.T) {
	lookup := func(name string) (bool, bool) {
		switch name {
		case "FARGATE", "FARGATE_SPOT":
			return true, true
		case "asg1", "asg2":
			return true, false
		}
		return false, false
	}
	all := []string{"FARGATE", "FARGATE_SPOT", "asg1", "asg2"}
	for _, tc := range []struct {
		name       string
		items      []Item
		associated []string
		want       string
	}{
		{"ok fargate", []Item{{"FARGATE", 1, 1}, {"FARGATE_SPOT", 0, 4}}, all, ""},
		{"ok asg", []Item{{"asg1", 0, 1}, {"asg2", 2, 0}}, all, ""},
		{"two bases", []Item{{"asg1", 1, 1}, {"asg2", 1, 1}}, all, "Only one capacity provider"},
		{"mix", []Item{{"FARGATE", 0, 1}, {"asg1", 0, 1}}, all, "cannot contain a mix"},
		{"not associated", []Item{{"asg1", 0, 1}}, []string{"FARGATE"}, "not associated with the cluster"},
		{"unknown", []Item{{"nope", 0, 1}}, all, "not in an ACTIVE state"},
		{"weight too big", []Item{{"asg1", 0, 1001}}, all, "between 0 and 1000"},
		{"all zero weights", []Item{{"asg1", 0, 0}, {"asg2", 0, 0}}, all, "weight greater than zero"},
		{"duplicate", []Item{{"asg1", 0, 1}, {"asg1", 0, 1}}, all, "more than once"},
		{"single zero weight ok", []Item{{"asg1", 0, 0}}, all, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckStrategy(tc.items, lookup, tc.associated)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err = %v; want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v; want one containing %q", err, tc.want)
			}
		})
	}
}

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{"web": true, "my_cp-1": true, "ecs-x": false, "AWSfoo": false, "Fargate2": false, "a b": false, "": false, strings.Repeat("a", 256): false} {
		if err := ValidName(name); (err == nil) != ok {
			t.Errorf("ValidName(%q) = %v; want ok=%v", name, err, ok)
		}
	}
}
