package sigv4

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

var jsonBody = []byte(`{"cluster":"default","maxResults":10}`)

func ecsRequest(t testing.TB, base string, body []byte) *http.Request {
	req := newRequest(t, http.MethodPost, base+"/", body)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListTasks")
	return req
}

func TestHeaderForm(t *testing.T) {
	clock := &fixedClock{signingTime.Add(90 * time.Second)}
	srv := verifyServer(t, newTestVerifier(t, clock))
	for _, svc := range []string{"ecs", "logs", "states"} {
		t.Run(svc, func(t *testing.T) {
			req := ecsRequest(t, srv.URL, jsonBody)
			signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), svc, "eu-west-3", signingTime)
			a := send(t, req)
			wantOK(t, a)
			r := a.Result
			if r.AccessKeyID != testKeyID || r.KeyName != "test" || r.Region != "eu-west-3" || r.Service != svc ||
				!r.SigningTime.Equal(signingTime) || r.Presigned || r.UnsignedPayload {
				t.Fatalf("result %+v", r)
			}
		})
	}
}

func TestSeveralKeys(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	for _, c := range [][2]string{{testKeyID, testSecret}, {otherKeyID, otherSecre}} {
		req := ecsRequest(t, srv.URL, jsonBody)
		signWith(t, req, creds(c[0], c[1], ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
		a := send(t, req)
		wantOK(t, a)
		if a.Result.AccessKeyID != c[0] {
			t.Fatalf("signed by %s, result %+v", c[0], a.Result)
		}
	}
}

func TestSessionToken(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	cases := []struct {
		name, id, token string
		ok              bool
	}{
		{"configured token", tokenKeyID, tokenValue, true},
		{"wrong token", tokenKeyID, tokenValue + "x", false},
		{"token missing", tokenKeyID, "", false},
		{"token on a long-term key", testKeyID, "sometoken", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := ecsRequest(t, srv.URL, jsonBody)
			signWith(t, req, creds(c.id, testSecret, c.token), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
			a := send(t, req)
			if c.ok {
				wantOK(t, a)
				return
			}
			wantFault(t, a, TypeUnrecognizedClient)
			if a.Message != MessageInvalidToken {
				t.Fatalf("message %q", a.Message)
			}
		})
	}
}

func TestUnsignedPayload(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	req := ecsRequest(t, srv.URL, jsonBody)
	req.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	signWith(t, req, creds(testKeyID, testSecret, ""), UnsignedPayload, "ecs", "us-east-1", signingTime)
	// The body is not covered by the signature: another body of the same
	// length passes.
	other := bytes.Replace(jsonBody, []byte("default"), []byte("another"), 1)
	req.Body = io.NopCloser(bytes.NewReader(other))
	a := send(t, req)
	wantOK(t, a)
	if !a.Result.UnsignedPayload {
		t.Fatalf("result %+v", a.Result)
	}

	// A declared hash is not trusted: the body received is hashed.
	req = ecsRequest(t, srv.URL, jsonBody)
	req.Header.Set("X-Amz-Content-Sha256", hashOf(jsonBody))
	signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
	wantOK(t, send(t, req))
	req = ecsRequest(t, srv.URL, jsonBody)
	req.Header.Set("X-Amz-Content-Sha256", hashOf(jsonBody))
	signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
	req.Body = io.NopCloser(bytes.NewReader(other))
	wantFault(t, send(t, req), TypeInvalidSignature)
}

func TestQueryAndPathEncoding(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	cases := []string{
		"/?b=2&a=1&a=0",
		"/?name=" + url.QueryEscape("hello world/ä=&?+~*'()!") + "&empty=&flag",
		"/?x=a+b&y=%20%2B%7E&z=caf%C3%A9",
		"/?X-Amz-Meta=1&%E2%9C%93=%E2%9C%93",
		"/a%20path/with%20spaces/",
		"/%C3%BCn%C3%AFc%C3%B8d%C3%A9/%E6%97%A5%E6%9C%AC",
		"/encoded%2Fslash/and%25percent",
		"/a//b/./c/../d",
		"/path;with:colons@and,commas$!*'()?k=v",
	}
	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var body []byte
				if method == http.MethodPost {
					body = jsonBody
				}
				req := newRequest(t, method, srv.URL+c, body)
				signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(body), "ecs", "us-east-1", signingTime)
				wantOK(t, send(t, req))
			}
		})
	}
}

func TestHeaderCanonicalisation(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	req := ecsRequest(t, srv.URL, jsonBody)
	req.Header.Set("X-Spaced", "  a   b    c  ")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", " two  three ")
	req.Header.Set("X-Amz-Meta-Mixed", "Value")
	signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
	wantOK(t, send(t, req))
}

func TestTampering(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	sign := func() *http.Request {
		req := ecsRequest(t, srv.URL, jsonBody)
		signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
		return req
	}
	t.Run("body", func(t *testing.T) {
		req := sign()
		other := bytes.Replace(jsonBody, []byte("10"), []byte("99"), 1)
		req.Body = io.NopCloser(bytes.NewReader(other))
		a := send(t, req)
		wantFault(t, a, TypeInvalidSignature)
		if !strings.HasPrefix(a.Message, MessageSignatureMismatch) ||
			!strings.Contains(a.Message, "The Canonical String for this request should have been\n'POST\n/\n\n") ||
			!strings.Contains(a.Message, hashOf(other)+"'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261122T100000Z\n20261122/us-east-1/ecs/aws4_request\n") {
			t.Fatalf("message %q", a.Message)
		}
	})
	t.Run("signed header", func(t *testing.T) {
		req := sign()
		req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.StopTask")
		wantFault(t, send(t, req), TypeInvalidSignature)
	})
	t.Run("query", func(t *testing.T) {
		req := sign()
		req.URL.RawQuery = "added=1"
		wantFault(t, send(t, req), TypeInvalidSignature)
	})
	t.Run("path", func(t *testing.T) {
		req := sign()
		req.URL.Path = "/other"
		wantFault(t, send(t, req), TypeInvalidSignature)
	})
	t.Run("method", func(t *testing.T) {
		req := sign()
		req.Method = http.MethodPut
		wantFault(t, send(t, req), TypeInvalidSignature)
	})
	t.Run("signature", func(t *testing.T) {
		req := sign()
		h := req.Header.Get("Authorization")
		last := h[len(h)-1]
		repl := byte('0')
		if last == '0' {
			repl = '1'
		}
		req.Header.Set("Authorization", h[:len(h)-1]+string(repl))
		wantFault(t, send(t, req), TypeInvalidSignature)
	})
	t.Run("unsigned header is free", func(t *testing.T) {
		req := sign()
		req.Header.Set("User-Agent", "changed")
		req.Header.Set("X-Unsigned", "added")
		wantOK(t, send(t, req))
	})
}

func TestWrongSecretAndUnknownKey(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	req := ecsRequest(t, srv.URL, jsonBody)
	signWith(t, req, creds(testKeyID, "not-the-secret", ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
	wantFault(t, send(t, req), TypeInvalidSignature)

	req = ecsRequest(t, srv.URL, jsonBody)
	signWith(t, req, creds("AKIANOTCONFIGURED", testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
	a := send(t, req)
	wantFault(t, a, TypeUnrecognizedClient)
	if a.Message != "The security token included in the request is invalid." {
		t.Fatalf("message %q", a.Message)
	}
}

func TestMissingAuthentication(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	req := ecsRequest(t, srv.URL, jsonBody)
	req.Header.Set("X-Amz-Date", "20261122T100000Z")
	a := send(t, req)
	wantFault(t, a, TypeMissingAuthenticationToken)
	if a.Message != "Missing Authentication Token" {
		t.Fatalf("message %q", a.Message)
	}
	// An ordinary query string is not a presigned request.
	req = newRequest(t, http.MethodGet, srv.URL+"/?Action=List&X-Amz-Foo=1", nil)
	wantFault(t, send(t, req), TypeMissingAuthenticationToken)
}

func TestMalformedAuthorization(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	const date = "20261122T100000Z"
	const cred = "Credential=" + testKeyID + "/20261122/us-east-1/ecs/aws4_request"
	const sig = "Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cases := []struct {
		name, header, date, typ, message string
	}{
		{"nothing but a word", "allow", "", TypeIncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=allow"},
		{"no credential", "AWS4-HMAC-SHA256 SignedHeaders=host, " + sig, date, TypeIncompleteSignature,
			"Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host, " + sig},
		{"no signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host", date, TypeIncompleteSignature,
			"Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host"},
		{"no signed headers", "AWS4-HMAC-SHA256 " + cred + ", " + sig, date, TypeIncompleteSignature,
			"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 " + cred + ", " + sig},
		{"no date", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " + sig, "", TypeIncompleteSignature,
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " + sig},
		{"missing equal sign", "AWS4-HMAC-SHA256 Credential, SignedHeaders=host", date, TypeIncompleteSignature,
			"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '"},
		{"short credential", "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20261122/us-east-1, SignedHeaders=host, " + sig, date, TypeIncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + testKeyID + "/20261122/us-east-1'"},
		{"bad terminator", "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20261122/us-east-1/ecs/aws5_request, SignedHeaders=host, " + sig, date, TypeIncompleteSignature,
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{"other algorithm", "AWS4-HMAC-SHA512 " + cred + ", SignedHeaders=host, " + sig, date, TypeIncompleteSignature,
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
		{"host not signed", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, " + sig, date, TypeIncompleteSignature,
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"bad date", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " + sig, "2026-11-22T10:00:00Z", TypeIncompleteSignature,
			"Date must be in ISO-8601 'basic format'. Got '2026-11-22T10:00:00Z'."},
		{"scope date differs", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " + sig, "20261123T000100Z", TypeInvalidSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123', from '20261123T000100Z'."},
		{"empty region", "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20261122//ecs/aws4_request, SignedHeaders=host, " + sig, date, TypeInvalidSignature,
			"Credential should be scoped to a valid region. "},
		{"wrong service", "AWS4-HMAC-SHA256 Credential=" + testKeyID + "/20261122/us-east-1/s3/aws4_request, SignedHeaders=host, " + sig, date, TypeInvalidSignature,
			"Credential should be scoped to correct service: 'ecs', 'logs' or 'states'. "},
		{"wrong signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, " + sig, date, TypeInvalidSignature,
			MessageSignatureMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := ecsRequest(t, srv.URL, jsonBody)
			req.Header.Set("Authorization", c.header)
			if c.date != "" {
				req.Header.Set("X-Amz-Date", c.date)
			}
			a := send(t, req)
			wantFault(t, a, c.typ)
			if !strings.HasPrefix(a.Message, c.message) {
				t.Fatalf("message\n%q\nwant prefix\n%q", a.Message, c.message)
			}
		})
	}
}

func TestWrongServiceInScope(t *testing.T) {
	clock := &fixedClock{signingTime}
	srv := verifyServer(t, newTestVerifier(t, clock, func(o *Options) { o.Services = []string{"ecs"} }))
	req := ecsRequest(t, srv.URL, jsonBody)
	signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "logs", "us-east-1", signingTime)
	a := send(t, req)
	wantFault(t, a, TypeInvalidSignature)
	if a.Message != "Credential should be scoped to correct service: 'ecs'. " {
		t.Fatalf("message %q", a.Message)
	}
}

func TestClockSkew(t *testing.T) {
	clock := &fixedClock{}
	srv := verifyServer(t, newTestVerifier(t, clock))
	cases := []struct {
		offset  time.Duration // server clock minus signing time
		message string
	}{
		{0, ""},
		{5 * time.Minute, ""},
		{-5 * time.Minute, ""},
		{5*time.Minute + time.Second, "Signature expired: 20261122T100000Z is now earlier than 20261122T100001Z (20261122T100501Z - 5 min.)"},
		{time.Hour, "Signature expired: 20261122T100000Z is now earlier than 20261122T105500Z (20261122T110000Z - 5 min.)"},
		{-6 * time.Minute, "Signature not yet current: 20261122T100000Z is still later than 20261122T095900Z (20261122T095400Z + 5 min.)"},
	}
	for _, c := range cases {
		t.Run(c.offset.String(), func(t *testing.T) {
			clock.now = signingTime.Add(c.offset)
			req := ecsRequest(t, srv.URL, jsonBody)
			signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
			a := send(t, req)
			if c.message == "" {
				wantOK(t, a)
				return
			}
			wantFault(t, a, TypeInvalidSignature)
			if a.Message != c.message {
				t.Fatalf("message\n%q\nwant\n%q", a.Message, c.message)
			}
		})
	}
	t.Run("custom skew", func(t *testing.T) {
		clock := &fixedClock{signingTime.Add(20 * time.Minute)}
		srv := verifyServer(t, newTestVerifier(t, clock, func(o *Options) { o.MaxSkew = 15 * time.Minute }))
		req := ecsRequest(t, srv.URL, jsonBody)
		signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
		a := send(t, req)
		wantFault(t, a, TypeInvalidSignature)
		if want := "Signature expired: 20261122T100000Z is now earlier than 20261122T100500Z (20261122T102000Z - 15 min.)"; a.Message != want {
			t.Fatalf("message %q", a.Message)
		}
	})
}

func TestPresigned(t *testing.T) {
	clock := &fixedClock{signingTime.Add(time.Minute)}
	srv := verifyServer(t, newTestVerifier(t, clock))
	presign := func(t *testing.T, method, path string, body []byte, c string, expires int) *http.Request {
		req := newRequest(t, method, srv.URL+path, body)
		if expires > 0 {
			q := req.URL.Query()
			q.Set("X-Amz-Expires", fmt.Sprint(expires))
			req.URL.RawQuery = q.Encode()
		}
		id, token := testKeyID, ""
		if c == "token" {
			id, token = tokenKeyID, tokenValue
		}
		return presignWith(t, req, creds(id, testSecret, token), hashOf(body), "ecs", "ap-south-1", signingTime)
	}
	t.Run("get", func(t *testing.T) {
		a := send(t, presign(t, http.MethodGet, "/?Action=ListClusters&name=a%20b%2Fc", nil, "", 300))
		wantOK(t, a)
		if !a.Result.Presigned || a.Result.Region != "ap-south-1" {
			t.Fatalf("result %+v", a.Result)
		}
	})
	t.Run("post with body and headers", func(t *testing.T) {
		req := newRequest(t, http.MethodPost, srv.URL+"/sub%20path/", jsonBody)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		q := req.URL.Query()
		q.Set("X-Amz-Expires", "60")
		req.URL.RawQuery = q.Encode()
		out := presignWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "us-east-1", signingTime)
		wantOK(t, send(t, out))
	})
	t.Run("session token", func(t *testing.T) {
		wantOK(t, send(t, presign(t, http.MethodGet, "/", nil, "token", 300)))
	})
	t.Run("no expiry uses the skew window", func(t *testing.T) {
		wantOK(t, send(t, presign(t, http.MethodGet, "/", nil, "", 0)))
	})
	t.Run("expired", func(t *testing.T) {
		req := presign(t, http.MethodGet, "/", nil, "", 30)
		a := send(t, req)
		wantFault(t, a, TypeInvalidSignature)
		if want := "Signature expired: 20261122T100000Z is now earlier than 20261122T100030Z (20261122T100100Z - 30 sec.)"; a.Message != want {
			t.Fatalf("message %q", a.Message)
		}
	})
	t.Run("long expiry outlives the skew", func(t *testing.T) {
		old := clock.now
		defer func() { clock.now = old }()
		clock.now = signingTime.Add(6 * 24 * time.Hour)
		wantOK(t, send(t, presign(t, http.MethodGet, "/", nil, "", 7*24*3600)))
		clock.now = signingTime.Add(7*24*time.Hour + time.Second)
		wantFault(t, send(t, presign(t, http.MethodGet, "/", nil, "", 7*24*3600)), TypeInvalidSignature)
	})
	t.Run("expiry above a week", func(t *testing.T) {
		a := send(t, presign(t, http.MethodGet, "/", nil, "", 7*24*3600+1))
		wantFault(t, a, TypeIncompleteSignature)
	})
	t.Run("tampered query", func(t *testing.T) {
		req := presign(t, http.MethodGet, "/?Action=ListClusters", nil, "", 300)
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "ListClusters", "DeleteCluster", 1)
		wantFault(t, send(t, req), TypeInvalidSignature)
	})
	t.Run("tampered body", func(t *testing.T) {
		req := presign(t, http.MethodPost, "/", jsonBody, "", 300)
		req.Body = io.NopCloser(bytes.NewReader(bytes.ToUpper(jsonBody)))
		wantFault(t, send(t, req), TypeInvalidSignature)
	})
	t.Run("unknown key", func(t *testing.T) {
		req := newRequest(t, http.MethodGet, srv.URL+"/", nil)
		out := presignWith(t, req, creds("NOSUCHKEY", testSecret, ""), hashOf(nil), "ecs", "us-east-1", signingTime)
		wantFault(t, send(t, out), TypeUnrecognizedClient)
	})
	t.Run("missing parameters", func(t *testing.T) {
		req := newRequest(t, http.MethodGet, srv.URL+"/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261122T100000Z", nil)
		a := send(t, req)
		wantFault(t, a, TypeIncompleteSignature)
		want := "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
		if a.Message != want {
			t.Fatalf("message %q", a.Message)
		}
	})
}

// TestDateHeader signs with a Date header instead of X-Amz-Date, which the
// SDKs no longer do, with a reference signer written from the specification.
func TestDateHeader(t *testing.T) {
	srv := verifyServer(t, newTestVerifier(t, &fixedClock{signingTime}))
	req := ecsRequest(t, srv.URL, jsonBody)
	req.Header.Set("Date", signingTime.Format(http.TimeFormat))
	host := strings.TrimPrefix(srv.URL, "http://")
	canonical := "POST\n/\n\n" +
		"content-type:application/x-amz-json-1.1\n" +
		"date:" + signingTime.Format(http.TimeFormat) + "\n" +
		"host:" + host + "\n" +
		"x-amz-target:AmazonEC2ContainerServiceV20141113.ListTasks\n" +
		"\ncontent-type;date;host;x-amz-target\n" + hashOf(jsonBody)
	sts := "AWS4-HMAC-SHA256\n20261122T100000Z\n20261122/us-east-1/ecs/aws4_request\n" + hashOf([]byte(canonical))
	key := hmacSHA256(hmacSHA256(hmacSHA256(hmacSHA256([]byte("AWS4"+testSecret), "20261122"), "us-east-1"), "ecs"), "aws4_request")
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/20261122/us-east-1/ecs/aws4_request, SignedHeaders=content-type;date;host;x-amz-target, Signature=%x", testKeyID, hmacSHA256(key, sts)))
	wantOK(t, send(t, req))
}

// TestSuiteVector checks the get-vanilla case of AWS's SigV4 test suite.
func TestSuiteVector(t *testing.T) {
	creds, err := NewStaticCredentials(Key{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	v, err := NewVerifier(Options{Credentials: creds, Services: []string{"service"}, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.RequestURI = "/"
	req.Host = "example.amazonaws.com"
	req.Header.Set("X-Amz-Date", "20150830T123600Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	if _, err := v.Verify(req, nil); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentVerification(t *testing.T) {
	v := newTestVerifier(t, &fixedClock{signingTime})
	srv := verifyServer(t, v)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, secret := testKeyID, testSecret
			if i%2 == 1 {
				id, secret = otherKeyID, otherSecre
			}
			regions := []string{"us-east-1", "eu-west-1", "ap-northeast-1"}
			req := ecsRequest(t, srv.URL, jsonBody)
			signWith(t, req, creds(id, secret, ""), hashOf(jsonBody), "ecs", regions[i%3], signingTime)
			if a := send(t, req); a.Status != http.StatusOK {
				t.Errorf("refused: %s %s", a.Type, a.Message)
			}
		}()
	}
	wg.Wait()
	v.mu.Lock()
	n := len(v.keys)
	v.mu.Unlock()
	if n != 6 {
		t.Fatalf("%d cached signing keys, want 6", n)
	}
}

func TestObserve(t *testing.T) {
	var got []Result
	v := newTestVerifier(t, &fixedClock{signingTime}, func(o *Options) {
		o.Observe = func(_ *http.Request, r Result) { got = append(got, r) }
	})
	srv := verifyServer(t, v)
	req := ecsRequest(t, srv.URL, jsonBody)
	signWith(t, req, creds(testKeyID, testSecret, ""), hashOf(jsonBody), "ecs", "mars-north-1", signingTime)
	wantOK(t, send(t, req))
	if len(got) != 1 || got[0].Region != "mars-north-1" {
		t.Fatalf("observed %+v", got)
	}
}

func TestNewVerifierOptions(t *testing.T) {
	if _, err := NewVerifier(Options{}); err == nil {
		t.Fatal("no credentials accepted")
	}
	c := testCredentials(t)
	if _, err := NewVerifier(Options{Credentials: c, MaxSkew: -time.Second}); err == nil {
		t.Fatal("negative skew accepted")
	}
	if _, err := NewVerifier(Options{Credentials: c, Services: []string{"ecs", ""}}); err == nil {
		t.Fatal("empty service accepted")
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"":            "/",
		"/":           "/",
		"/a/b":        "/a/b",
		"/a//b/":      "/a/b/",
		"/a/./b/../c": "/a/c",
		"/../a":       "/a",
		"/a/..":       "/",
		"//":          "/",
	} {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}
