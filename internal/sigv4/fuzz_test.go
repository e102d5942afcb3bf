package sigv4

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/awsjson"
)

// FuzzParseAuthorization feeds arbitrary Authorization headers to the parser
// and to the whole verifier: neither may panic, a parsed header must survive
// a round trip, and every refusal must be an authentication fault.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
		"AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/ecs/aws4_request,SignedHeaders=host,Signature=",
		"allow",
		"AWS4-HMAC-SHA256 Credential, SignedHeaders=host",
		"AWS4-HMAC-SHA256 Credential=a/b/c, SignedHeaders=, Signature=x",
		"",
	} {
		f.Add(s)
	}
	v, err := NewVerifier(Options{Credentials: testCredentials(f), Now: func() time.Time { return signingTime }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string) {
		a, missing, flt := parseAuthorization(header)
		if flt == nil && len(missing) == 0 {
			for _, p := range []string{a.Credential, a.SignedHeaders, a.Signature} {
				if p == "" || strings.Contains(p, ",") {
					t.Fatalf("parsed %q into %+v", header, a)
				}
			}
			if strings.TrimSpace(a.Algorithm) == a.Algorithm && !strings.ContainsAny(a.Algorithm, " \t\r\n") {
				b, m2, f2 := parseAuthorization(a.String())
				if f2 != nil || len(m2) > 0 || b != a {
					t.Fatalf("round trip of %q: %+v became %+v (%v %v)", header, a, b, m2, f2)
				}
			}
			_, _ = parseCredential(a.Credential)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/", nil)
		req.RequestURI = "/"
		req.Header["Authorization"] = []string{header}
		req.Header.Set("X-Amz-Date", "20261122T100000Z")
		_, err := v.Verify(req, nil)
		if err == nil {
			t.Fatalf("%q verified", header)
		}
		var f *awsjson.Fault
		if !errors.As(err, &f) || f.Status != FaultStatus {
			t.Fatalf("%q: %v is not an authentication fault", header, err)
		}
	})
}
