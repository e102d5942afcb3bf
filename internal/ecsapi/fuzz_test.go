package ecsapi_test

import (
	"encoding/json"
	"testing"

	"github.com/ecsrun/ecsrun/internal/modelcheck"
)

// FuzzServeHTTP sends arbitrary targets and bodies through the server that
// `ecsrun serve` mounts (ECS and CloudWatch Logs): it never panics, never
// answers 5xx, always answers in the protocol's form (checked against the
// models when they are present), and keeps serving. Seeds (one per
// implemented operation and the usual mistakes) are in
// testdata/fuzz/FuzzServeHTTP.
func FuzzServeHTTP(f *testing.F) {
	srv := newAPI(f)
	check := modelcheck.ForTest(f)
	if check != nil {
		srv.Inspect = check.Check
	}
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		before := 0
		if check != nil {
			before = len(check.Violations())
		}
		a := call(srv, "POST", target, body)
		if a.status >= 500 {
			t.Fatalf("%s %q: answered %d %s %q", target, body, a.status, a.errType, a.message)
		}
		if !json.Valid(a.body) {
			t.Fatalf("%s %q: the answer is not JSON: %q", target, body, a.body)
		}
		if a.status != 200 && (a.errType == "" || a.message == "") {
			t.Fatalf("%s %q: error answer %d without __type or message: %s", target, body, a.status, a.body)
		}
		if check != nil {
			if v := check.Violations(); len(v) > before {
				t.Fatalf("%s %q: the answer breaks the model: %s", target, body, v[before])
			}
		}
		if up := call(srv, "POST", ecsTarget+"ListClusters", []byte(`{"maxResults":1}`)); up.status != 200 {
			t.Fatalf("after %s %q the server no longer answers ListClusters: %d %s", target, body, up.status, up.body)
		}
	})
}
