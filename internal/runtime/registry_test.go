package runtime

import (
	"errors"
	"slices"
	"testing"
)

func TestRegistry_AddGetDelete(t *testing.T) {
	var r Registry[string]
	if _, ok := r.Get("x"); ok {
		t.Fatal("an empty registry found x")
	}
	if err := r.Add("id1", "web", "first"); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("id2", "", "nameless"); err != nil {
		t.Fatal(err)
	}
	if err := r.Add("id3", "web", "second"); !errors.Is(err, ErrNameInUse) {
		t.Errorf("Add with a name in use = %v; want ErrNameInUse", err)
	}
	for _, key := range []string{"id1", "web"} {
		if c, ok := r.Get(key); !ok || c != "first" {
			t.Errorf("Get(%q) = %q, %v; want first", key, c, ok)
		}
	}
	if _, ok := r.Get(""); ok {
		t.Error(`Get("") found the nameless container`)
	}
	all := r.All()
	slices.Sort(all)
	if !slices.Equal(all, []string{"first", "nameless"}) {
		t.Errorf("All = %q", all)
	}
	if !r.Delete("id1", "web") || r.Delete("id1", "web") {
		t.Error("Delete did not report once that it removed id1")
	}
	if _, ok := r.Get("web"); ok {
		t.Error("the name outlived its container")
	}
	if err := r.Add("id4", "web", "third"); err != nil {
		t.Errorf("the name of a deleted container cannot be used again: %v", err)
	}
}

func TestHasLabels(t *testing.T) {
	labels := map[string]string{"a": "1", "b": "2"}
	tests := []struct {
		want map[string]string
		ok   bool
	}{
		{nil, true},
		{map[string]string{"a": "1"}, true},
		{map[string]string{"a": "", "b": "2"}, true},
		{map[string]string{"a": "2"}, false},
		{map[string]string{"c": ""}, false},
	}
	for _, tt := range tests {
		if got := HasLabels(labels, tt.want); got != tt.ok {
			t.Errorf("HasLabels(%v, %v) = %v; want %v", labels, tt.want, got, tt.ok)
		}
	}
}
