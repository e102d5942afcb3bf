package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ecsrun/ecsrun/internal/awsjson"
)

// Algorithm is the only signing algorithm the verifier accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// UnsignedPayload is the payload hash a client sends in X-Amz-Content-Sha256
// when it does not sign the body.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// scopeTerminator ends every credential scope.
const scopeTerminator = "aws4_request"

// authorization is a parsed "Authorization: AWS4-HMAC-SHA256 ..." header.
type authorization struct {
	Algorithm     string
	Credential    string
	SignedHeaders string
	Signature     string
}

// parseAuthorization splits an Authorization header into its parts. missing
// lists the absent parameters in the sentence form AWS uses; a non-nil fault
// means the header cannot be read at all.
func parseAuthorization(header string) (a authorization, missing []string, f *awsjson.Fault) {
	header = strings.TrimSpace(header)
	alg, rest, _ := strings.Cut(header, " ")
	a.Algorithm = alg
	var have [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			sum := sha256.Sum256([]byte(header))
			return a, nil, fault(TypeIncompleteSignature,
				"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '%s'.",
				base64.StdEncoding.EncodeToString(sum[:]))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "Credential":
			if !have[0] {
				a.Credential, have[0] = v, true
			}
		case "SignedHeaders":
			if !have[1] {
				a.SignedHeaders, have[1] = v, true
			}
		case "Signature":
			if !have[2] {
				a.Signature, have[2] = v, true
			}
		}
	}
	if a.Credential == "" {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if a.Signature == "" {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if a.SignedHeaders == "" {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	return a, missing, nil
}

// String renders the header as the SDKs write it.
func (a authorization) String() string {
	return a.Algorithm + " Credential=" + a.Credential + ", SignedHeaders=" + a.SignedHeaders + ", Signature=" + a.Signature
}

// credentialScope is the parsed Credential value
// AKID/20261122/us-east-1/ecs/aws4_request.
type credentialScope struct {
	AccessKeyID string
	Date        string
	Region      string
	Service     string
	Terminator  string
}

func parseCredential(c string) (credentialScope, *awsjson.Fault) {
	parts := strings.Split(c, "/")
	if len(parts) != 5 {
		return credentialScope{}, fault(TypeIncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", c)
	}
	s := credentialScope{parts[0], parts[1], parts[2], parts[3], parts[4]}
	if s.Terminator != scopeTerminator {
		return s, fault(TypeIncompleteSignature,
			"Credential should be scoped with a valid terminator: '%s', not '%s'.", scopeTerminator, s.Terminator)
	}
	if s.AccessKeyID == "" {
		return s, fault(TypeIncompleteSignature, "Credential must have a non-empty access key id, got '%s'", c)
	}
	return s, nil
}

// scope is the credential scope as the string to sign carries it.
func (s credentialScope) scope() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + s.Terminator
}

// canonicalURIs returns the canonical path as AWS services other than S3
// compute it: the request's path as sent (still percent-encoded), with dot
// segments and repeated slashes removed, URI-encoded once more. When the
// request's path is not already normal, a second candidate encodes the path
// as sent without normalising it: aws-sdk-go-v2 signs it that way.
func canonicalURIs(r *http.Request) []string {
	raw := requestPath(r)
	norm := normalizePath(raw)
	first := uriEncode(norm, true)
	if norm == raw || raw == "" {
		return []string{first}
	}
	return []string{first, uriEncode(raw, true)}
}

// requestPath is the path of the request-target as the client sent it.
func requestPath(r *http.Request) string {
	if ru := r.RequestURI; strings.HasPrefix(ru, "/") {
		p, _, _ := strings.Cut(ru, "?")
		return p
	}
	if r.URL == nil {
		return "/"
	}
	if r.URL.Opaque != "" {
		return r.URL.Opaque
	}
	return r.URL.EscapedPath()
}

// normalizePath removes "." and ".." segments (RFC 3986 section 5.2.4) and
// empty segments, keeping a leading and a trailing slash, as botocore does.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if p[len(p)-1] == '/' && len(out) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// uriEncode percent-encodes every byte but the unreserved characters
// (A-Z a-z 0-9 - _ . ~) and, when keepSlash is set, '/', with upper-case hex
// digits, as the SigV4 specification requires.
func uriEncode(s string, keepSlash bool) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
	return b.String()
}

// canonicalQuery builds the canonical query string from the raw query: each
// name and value decoded and encoded again with uriEncode, sorted by name
// then value. skip names a parameter left out (X-Amz-Signature for
// presigned requests).
func canonicalQuery(rawQuery, skip string) string {
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if skip != "" && k == skip {
			continue
		}
		pairs = append(pairs, pair{uriEncode(k, false), uriEncode(v, false)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// queryUnescape decodes a query component as Go's url package does ('+' is a
// space); a malformed escape is kept as sent.
func queryUnescape(s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// queryValues parses the raw query like queryUnescape does, keeping the
// first value of each name.
func queryValues(rawQuery string) map[string]string {
	m := map[string]string{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k = queryUnescape(k)
		if _, dup := m[k]; !dup {
			m[k] = queryUnescape(v)
		}
	}
	return m
}

// canonicalHeaders renders the signed headers, in the order the client
// listed them: the name, a colon, the values trimmed with inner runs of
// spaces collapsed and joined with commas, and a newline. Headers Go's server
// moves out of r.Header (Host, Content-Length, Transfer-Encoding) are read
// from where it puts them.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		values := headerValues(r, name)
		for i, v := range values {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(collapseSpaces(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host", ":authority":
		return []string{r.Host}
	}
	vs := r.Header.Values(name)
	if len(vs) > 0 {
		return vs
	}
	switch name {
	case "content-length":
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return nil
}

// collapseSpaces trims surrounding white space and turns every run of
// spaces inside the value into one.
func collapseSpaces(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// canonicalRequest joins the six parts of the canonical request.
func canonicalRequest(method, uri, query, headers, signedHeaders, payloadHash string) string {
	return method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + signedHeaders + "\n" + payloadHash
}

// stringToSign builds the string to sign from the ISO 8601 basic signing
// time, the credential scope and the canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// deriveSigningKey computes the signing key of a secret for one day, region
// and service.
func deriveSigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}
