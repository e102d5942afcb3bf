package lazyrecords

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
)

type rec struct {
	N int `json:"n"`
}

// newCounting returns a Set of recs decoded from JSON, the number of
// decodes it did, and the ids it could not decode.
func newCounting() (*Set[rec, string], *int, *[]string) {
	decodes := 0
	var bad []string
	s := New[rec, string](func(raw []byte) (*rec, error) {
		decodes++
		var r rec
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, err
		}
		return &r, nil
	}, func(id string, err error) { bad = append(bad, id) })
	return s, &decodes, &bad
}

func ids[V any](seq func(func(string, V) bool)) []string {
	var out []string
	for id := range seq {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func TestSet_DecodesARecordWhenItIsFirstAskedFor(t *testing.T) {
	s, decodes, _ := newCounting()
	s.Put("a", &rec{1})
	s.PutEncoded("b", []byte(`{"n":2}`), "meta-b")
	s.PutEncoded("c", []byte(`{"n":3}`), "meta-c")
	if s.Len() != 3 || *decodes != 0 {
		t.Fatalf("after three puts: Len %d, decodes %d; want 3 and 0", s.Len(), *decodes)
	}
	if got := ids(s.Decoded()); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Decoded = %v; want [a]", got)
	}
	metas := maps.Collect(s.Encoded())
	if want := map[string]string{"b": "meta-b", "c": "meta-c"}; !maps.Equal(metas, want) {
		t.Errorf("Encoded = %v; want %v", metas, want)
	}
	if r := s.Get("b"); r == nil || r.N != 2 || *decodes != 1 {
		t.Fatalf("Get(b) = %v after %d decodes; want n 2 after 1", r, *decodes)
	}
	if r := s.Get("b"); r == nil || r.N != 2 || *decodes != 1 {
		t.Errorf("Get(b) again = %v after %d decodes; want n 2, not decoded again", r, *decodes)
	}
	if got := ids(s.Decoded()); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Decoded after Get(b) = %v; want [a b]", got)
	}
	if r := s.Get("missing"); r != nil {
		t.Errorf("Get(missing) = %v; want nil", r)
	}
	if got := ids(s.All()); !slices.Equal(got, []string{"a", "b", "c"}) || *decodes != 2 {
		t.Errorf("All = %v after %d decodes; want [a b c] after 2", got, *decodes)
	}
	if s.Len() != 3 {
		t.Errorf("Len after decoding all = %d; want 3", s.Len())
	}
}

func TestSet_PutReplacesEitherForm(t *testing.T) {
	s, decodes, _ := newCounting()
	s.PutEncoded("a", []byte(`{"n":1}`), "old")
	s.Put("a", &rec{10})
	if r := s.Get("a"); r.N != 10 || *decodes != 0 || s.Len() != 1 {
		t.Errorf("Put over an encoded record: Get = %v, decodes %d, Len %d; want n 10, 0, 1", r, *decodes, s.Len())
	}
	s.PutEncoded("a", []byte(`{"n":20}`), "new")
	if r := s.Get("a"); r.N != 20 || s.Len() != 1 {
		t.Errorf("PutEncoded over a decoded record: Get = %v, Len %d; want n 20, 1", r, s.Len())
	}
}

func TestSet_DeleteEitherForm(t *testing.T) {
	s, _, _ := newCounting()
	s.Put("a", &rec{1})
	s.PutEncoded("b", []byte(`{"n":2}`), "")
	s.PutEncoded("c", []byte(`{"n":3}`), "")
	// Deleting while iterating, as an expiry does.
	for id := range s.Encoded() {
		if id == "b" {
			s.Delete(id)
		}
	}
	s.Delete("a")
	if got := ids(s.All()); !slices.Equal(got, []string{"c"}) || s.Len() != 1 {
		t.Errorf("after deleting a and b: All = %v, Len %d; want [c], 1", got, s.Len())
	}
}

func TestSet_DecodeWhereDecodesOnlyTheMatches(t *testing.T) {
	s, decodes, _ := newCounting()
	for id, tok := range map[string]string{"a": "tok1", "b": "tok2", "c": "tok1", "d": ""} {
		s.PutEncoded(id, []byte(`{"n":1}`), tok)
	}
	s.DecodeWhere(func(_ string, tok string) bool { return tok == "tok1" })
	if got := ids(s.Decoded()); !slices.Equal(got, []string{"a", "c"}) || *decodes != 2 {
		t.Errorf("DecodeWhere(tok1): Decoded = %v after %d decodes; want [a c] after 2", got, *decodes)
	}
	if got := ids(s.Encoded()); !slices.Equal(got, []string{"b", "d"}) {
		t.Errorf("still encoded = %v; want [b d]", got)
	}
}

func TestSet_ARecordThatCannotBeDecodedIsDroppedAndReported(t *testing.T) {
	s, _, bad := newCounting()
	s.PutEncoded("good", []byte(`{"n":1}`), "")
	s.PutEncoded("bad", []byte(`{"n":`), "")
	if r := s.Get("bad"); r != nil {
		t.Errorf("Get(bad) = %v; want nil", r)
	}
	if !slices.Equal(*bad, []string{"bad"}) {
		t.Errorf("reported = %v; want [bad]", *bad)
	}
	if got := ids(s.All()); !slices.Equal(got, []string{"good"}) || s.Len() != 1 {
		t.Errorf("All = %v, Len %d; want [good], 1", got, s.Len())
	}
	if len(*bad) != 1 {
		t.Errorf("the bad record was reported %d times; want once", len(*bad))
	}
}

func TestSet_StopsWhenTheLoopBreaks(t *testing.T) {
	s, _, _ := newCounting()
	for _, id := range []string{"a", "b", "c"} {
		s.Put(id, &rec{})
		s.PutEncoded(id+"2", []byte(`{}`), "")
	}
	n := 0
	for range s.Decoded() {
		n++
		break
	}
	for range s.Encoded() {
		n++
		break
	}
	if n != 2 {
		t.Errorf("iterations after break = %d; want 2", n)
	}
}
