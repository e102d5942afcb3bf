package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/ecsrun/ecsrun/internal/awsjson"
)

const (
	testKeyID  = "ECSRUNTESTKEY"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	otherKeyID = "ECSRUNOTHERKEY"
	otherSecre = "another/secret+value"
	tokenKeyID = "ECSRUNTOKENKEY"
	tokenValue = "FwoGZXIvYXdzEBYaDOsession//token=="
)

// signingTime is the fixed clock of most tests.
var signingTime = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func testCredentials(t testing.TB) *StaticCredentials {
	t.Helper()
	c, err := NewStaticCredentials(
		Key{Name: "test", AccessKeyID: testKeyID, SecretAccessKey: testSecret},
		Key{Name: "other", AccessKeyID: otherKeyID, SecretAccessKey: otherSecre},
		Key{Name: "token", AccessKeyID: tokenKeyID, SecretAccessKey: testSecret, SessionToken: tokenValue},
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixedClock returns a clock reading now, changeable by the test.
type fixedClock struct{ now time.Time }

func (c *fixedClock) Now() time.Time { return c.now }

func newTestVerifier(t testing.TB, clock *fixedClock, opts ...func(*Options)) *Verifier {
	t.Helper()
	o := Options{Credentials: testCredentials(t), Now: clock.Now}
	for _, fn := range opts {
		fn(&o)
	}
	v, err := NewVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// answer is what the verifying test server reports.
type answer struct {
	Status  int
	Type    string
	Message string
	Result  Result
}

// verifyServer serves every request by verifying it and reporting the
// outcome as JSON, so tests exercise requests as Go's server parses them.
func verifyServer(t testing.TB, v *Verifier) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		res, err := v.Verify(r, body)
		a := answer{Status: http.StatusOK, Result: res}
		if err != nil {
			var f *awsjson.Fault
			if !errors.As(err, &f) {
				http.Error(w, "not a fault: "+err.Error(), http.StatusInternalServerError)
				return
			}
			a = answer{Status: f.Status, Type: f.Type, Message: f.Message}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.Status)
		json.NewEncoder(w).Encode(a)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func send(t testing.TB, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("status %d, body %q: %v", resp.StatusCode, b, err)
	}
	if a.Status != resp.StatusCode {
		t.Fatalf("status %d but answer says %d", resp.StatusCode, a.Status)
	}
	return a
}

func newRequest(t testing.TB, method, url string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func creds(id, secret, token string) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}
}

// signWith signs req in the header form with aws-sdk-go-v2's signer.
func signWith(t testing.TB, req *http.Request, c aws.Credentials, payloadHash, service, region string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, payloadHash, service, region, at); err != nil {
		t.Fatal(err)
	}
}

// presignWith presigns req with aws-sdk-go-v2's signer and returns a request
// for the signed URL carrying the signed headers.
func presignWith(t testing.TB, req *http.Request, c aws.Credentials, payloadHash, service, region string, at time.Time) *http.Request {
	t.Helper()
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, payloadHash, service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader
	if req.GetBody != nil {
		rc, _ := req.GetBody()
		b, _ := io.ReadAll(rc)
		body = bytes.NewReader(b)
	}
	out, err := http.NewRequest(req.Method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		if k == "Host" {
			continue
		}
		out.Header[k] = vs
	}
	return out
}

func wantOK(t testing.TB, a answer) {
	t.Helper()
	if a.Status != http.StatusOK {
		t.Fatalf("refused: %d %s: %s", a.Status, a.Type, a.Message)
	}
}

func wantFault(t testing.TB, a answer, typ string) {
	t.Helper()
	if a.Status == http.StatusOK {
		t.Fatalf("accepted, want %s", typ)
	}
	if a.Type != typ || a.Status != FaultStatus {
		t.Fatalf("got %d %s (%s), want %d %s", a.Status, a.Type, a.Message, FaultStatus, typ)
	}
}
