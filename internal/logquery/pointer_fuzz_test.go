package logquery

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// FuzzParsePointer: ParsePointer never panics, and what it accepts is a
// pointer it would make again the same way.
func FuzzParsePointer(f *testing.F) {
	e := logs.ScannedEvent{StoredEvent: logs.StoredEvent{ID: 7, Stream: "web/1", Timestamp: 1, IngestionTime: 2, Message: `{"a":1}`}, Group: "/app/x"}
	f.Add(Pointer(e))
	f.Add("")
	f.Add("not a pointer")
	f.Fuzz(func(t *testing.T, ptr string) {
		ref, ok := ParsePointer(ptr)
		if !ok {
			return
		}
		if ref.Group == "" || ref.ID <= 0 || len(ref.Digest) != 16 || ref.Digest != fmt.Sprintf("%016x", mustHex(t, ref.Digest)) {
			t.Fatalf("ParsePointer(%q) accepted %+v", ptr, ref)
		}
		again, ok := ParsePointer(encodeToken(ref.Group, strconv.FormatInt(ref.ID, 10), ref.Digest))
		if !ok || again != ref {
			t.Fatalf("ParsePointer(%q) = %+v; re-encoded it reads %+v %v", ptr, ref, again, ok)
		}
	})
}

func mustHex(t *testing.T, d string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(d, 16, 64)
	if err != nil {
		t.Fatalf("digest %q is not hex", d)
	}
	return n
}
