package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecsrun/ecsrun/internal/awsjson"
)

// DefaultMaxSkew is the clock skew AWS allows between a request's signing
// time and the server's clock.
const DefaultMaxSkew = 5 * time.Minute

// MaxPresignExpiry is the longest X-Amz-Expires a presigned request may
// carry (seven days, as in AWS).
const MaxPresignExpiry = 7 * 24 * time.Hour

// DefaultServices are the signing names accepted when Options.Services is
// empty: ECS, CloudWatch Logs and Step Functions.
func DefaultServices() []string { return []string{"ecs", "logs", "states"} }

// maxCachedKeys bounds the signing key cache; it is emptied when full.
const maxCachedKeys = 1024

// Options configures a Verifier.
type Options struct {
	// Credentials finds the secret of an access key id. Required.
	Credentials Credentials
	// Services lists the signing names (the service part of the credential
	// scope) accepted; DefaultServices when empty.
	Services []string
	// MaxSkew is the clock skew allowed in either direction;
	// DefaultMaxSkew when 0.
	MaxSkew time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Observe, when set, is called with every successfully verified request
	// and what its signature says (access key, region, service), for
	// logging. Every region is accepted; this is where it is reported.
	Observe func(r *http.Request, res Result)
}

// Result describes a verified request.
type Result struct {
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// KeyName says where that key was configured (Key.Name).
	KeyName string
	// Region and Service come from the credential scope.
	Region, Service string
	// SigningTime is the request's X-Amz-Date (or Date).
	SigningTime time.Time
	// Presigned is set for the query-string form.
	Presigned bool
	// UnsignedPayload is set when the body was not signed
	// (X-Amz-Content-Sha256: UNSIGNED-PAYLOAD).
	UnsignedPayload bool
}

// Verifier checks AWS Signature Version 4 on requests. It implements
// awsjson.Authenticator and is safe for concurrent use.
type Verifier struct {
	creds    Credentials
	services []string
	skew     time.Duration
	now      func() time.Time
	observe  func(*http.Request, Result)

	mu   sync.Mutex
	keys map[keyCacheKey][]byte
}

type keyCacheKey struct {
	secret                [sha256.Size]byte
	date, region, service string
}

var _ awsjson.Authenticator = (*Verifier)(nil)

// NewVerifier returns a verifier configured by opts.
func NewVerifier(opts Options) (*Verifier, error) {
	if opts.Credentials == nil {
		return nil, errors.New("sigv4: Options.Credentials is required")
	}
	if opts.MaxSkew < 0 {
		return nil, fmt.Errorf("sigv4: negative MaxSkew %v", opts.MaxSkew)
	}
	v := &Verifier{
		creds:    opts.Credentials,
		services: slices.Clone(opts.Services),
		skew:     opts.MaxSkew,
		now:      opts.Now,
		observe:  opts.Observe,
		keys:     map[keyCacheKey][]byte{},
	}
	if len(v.services) == 0 {
		v.services = DefaultServices()
	}
	for _, s := range v.services {
		if s == "" || strings.Contains(s, "/") {
			return nil, fmt.Errorf("sigv4: invalid signing name %q", s)
		}
	}
	if v.skew == 0 {
		v.skew = DefaultMaxSkew
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Authenticate implements awsjson.Authenticator: it returns nil for a
// correctly signed request, an *awsjson.Fault for a refused one and another
// error when the credentials source fails.
func (v *Verifier) Authenticate(r *http.Request, body []byte) error {
	_, err := v.Verify(r, body)
	return err
}

// Verify checks the signature of r, whose body has been read into body, and
// says what it was signed with. Refusals are *awsjson.Fault values.
func (v *Verifier) Verify(r *http.Request, body []byte) (Result, error) {
	var (
		res Result
		err error
	)
	if h := r.Header.Get("Authorization"); h != "" {
		res, err = v.verifyHeader(r, h, body)
	} else if q := r.URL.RawQuery; isPresigned(q) {
		res, err = v.verifyQuery(r, q, body)
	} else {
		return Result{}, missingToken()
	}
	if err != nil {
		return Result{}, err
	}
	if v.observe != nil {
		v.observe(r, res)
	}
	return res, nil
}

func isPresigned(rawQuery string) bool {
	if !strings.Contains(rawQuery, "X-Amz-") {
		return false
	}
	q := queryValues(rawQuery)
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"} {
		if _, ok := q[k]; ok {
			return true
		}
	}
	return false
}

// signed holds what both forms extract before the signature is checked.
type signed struct {
	scope         credentialScope
	amzDate       string // ISO 8601 basic, as in the string to sign
	at            time.Time
	signedHeaders string
	signature     string
	token         string
	payloadHash   string
	unsigned      bool
	presigned     bool
	expires       time.Duration // presigned only; 0 when absent
}

func (v *Verifier) verifyHeader(r *http.Request, header string, body []byte) (Result, error) {
	a, missing, f := parseAuthorization(header)
	if f != nil {
		return Result{}, f
	}
	amzDate := r.Header.Get("X-Amz-Date")
	httpDate := r.Header.Get("Date")
	if amzDate == "" && httpDate == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return Result{}, fault(TypeIncompleteSignature, "%s Authorization=%s", strings.Join(missing, " "), header)
	}
	if a.Algorithm != Algorithm {
		return Result{}, fault(TypeIncompleteSignature, "Unsupported AWS 'algorithm': '%s'. ecsrun verifies %s signatures only.", a.Algorithm, Algorithm)
	}
	s := signed{signedHeaders: a.SignedHeaders, signature: a.Signature, token: r.Header.Get("X-Amz-Security-Token")}
	if amzDate != "" {
		t, err := time.Parse(amzDateFormat, amzDate)
		if err != nil {
			return Result{}, fault(TypeIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)
		}
		s.at, s.amzDate = t, amzDate
	} else {
		t, err := http.ParseTime(httpDate)
		if err != nil {
			return Result{}, fault(TypeIncompleteSignature, "Date must be an HTTP date (RFC 7231), got '%s'", httpDate)
		}
		s.at, s.amzDate = t.UTC(), stamp(t)
	}
	scope, f := parseCredential(a.Credential)
	if f != nil {
		return Result{}, f
	}
	s.scope = scope
	s.payloadHash, s.unsigned = payloadHash(r.Header.Get("X-Amz-Content-Sha256"), body)
	return v.check(r, s, "")
}

func (v *Verifier) verifyQuery(r *http.Request, rawQuery string, body []byte) (Result, error) {
	q := queryValues(rawQuery)
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"} {
		if q[k] == "" {
			missing = append(missing, "AWS query-string parameters must include '"+k+"'.")
		}
	}
	if len(missing) > 0 {
		return Result{}, fault(TypeIncompleteSignature, "%s Re-examine the query-string parameters.", strings.Join(missing, " "))
	}
	if alg := q["X-Amz-Algorithm"]; alg != Algorithm {
		return Result{}, fault(TypeIncompleteSignature, "Unsupported AWS 'algorithm': '%s'. ecsrun verifies %s signatures only.", alg, Algorithm)
	}
	s := signed{
		signedHeaders: q["X-Amz-SignedHeaders"],
		signature:     q["X-Amz-Signature"],
		token:         q["X-Amz-Security-Token"],
		presigned:     true,
	}
	amzDate := q["X-Amz-Date"]
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return Result{}, fault(TypeIncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)
	}
	s.at, s.amzDate = t, amzDate
	if e, ok := q["X-Amz-Expires"]; ok {
		n, err := strconv.ParseInt(e, 10, 64)
		switch {
		case err != nil || n < 0:
			return Result{}, fault(TypeIncompleteSignature, "X-Amz-Expires should be a non-negative number of seconds, got '%s'", e)
		case time.Duration(n)*time.Second > MaxPresignExpiry:
			return Result{}, fault(TypeIncompleteSignature, "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than %d seconds", int64(MaxPresignExpiry/time.Second))
		}
		s.expires = time.Duration(n) * time.Second
		if s.expires == 0 {
			s.expires = -1 // present and zero: already expired
		}
	}
	scope, f := parseCredential(q["X-Amz-Credential"])
	if f != nil {
		return Result{}, f
	}
	s.scope = scope
	declared, ok := q["X-Amz-Content-Sha256"]
	if !ok {
		declared = r.Header.Get("X-Amz-Content-Sha256")
	}
	s.payloadHash, s.unsigned = payloadHash(declared, body)
	return v.check(r, s, "X-Amz-Signature")
}

// payloadHash is the hash the canonical request ends with: UNSIGNED-PAYLOAD
// when the client declares it, otherwise the SHA-256 of the body actually
// received (a declared hash that differs from it makes the signature fail).
func payloadHash(declared string, body []byte) (string, bool) {
	if declared == UnsignedPayload {
		return UnsignedPayload, true
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), false
}

// check runs the checks both forms share: credential scope, key, session
// token, clock and finally the signature itself.
func (v *Verifier) check(r *http.Request, s signed, skipQuery string) (Result, error) {
	sc := s.scope
	if sc.Date != s.amzDate[:min(8, len(s.amzDate))] {
		return Result{}, fault(TypeInvalidSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			sc.Date, s.amzDate[:min(8, len(s.amzDate))], s.amzDate)
	}
	if sc.Region == "" {
		return Result{}, faultMsg(TypeInvalidSignature, "Credential should be scoped to a valid region. ")
	}
	if !slices.Contains(v.services, sc.Service) {
		return Result{}, fault(TypeInvalidSignature, "Credential should be scoped to correct service: %s. ", quoteList(v.services))
	}
	headers := strings.Split(s.signedHeaders, ";")
	if !slices.Contains(headers, "host") && !slices.Contains(headers, ":authority") {
		return Result{}, faultMsg(TypeIncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	key, err := v.creds.Lookup(r.Context(), sc.AccessKeyID)
	if err != nil {
		var unknown *UnknownKeyError
		if errors.As(err, &unknown) {
			return Result{}, invalidToken()
		}
		return Result{}, fmt.Errorf("sigv4: looking up access key %q: %w", sc.AccessKeyID, err)
	}
	if !tokenMatches(key.SessionToken, s.token) {
		return Result{}, invalidToken()
	}
	now := v.now().UTC()
	if s.presigned && s.expires != 0 {
		if msg, bad := presignWindow(s.at, s.expires, now, v.skew); bad {
			return Result{}, faultMsg(TypeInvalidSignature, msg)
		}
	} else if msg, bad := skewMessage(s.at, now, v.skew); bad {
		return Result{}, faultMsg(TypeInvalidSignature, msg)
	}

	signingKey := v.signingKey(key.SecretAccessKey, sc.Date, sc.Region, sc.Service)
	query := canonicalQuery(r.URL.RawQuery, skipQuery)
	hdrs := canonicalHeaders(r, headers)
	var firstCanonical, firstSTS string
	for i, uri := range canonicalURIs(r) {
		canonical := canonicalRequest(r.Method, uri, query, hdrs, s.signedHeaders, s.payloadHash)
		sts := stringToSign(s.amzDate, sc.scope(), canonical)
		want := hex.EncodeToString(hmacSHA256(signingKey, sts))
		if subtle.ConstantTimeCompare([]byte(want), []byte(s.signature)) == 1 {
			return Result{
				AccessKeyID:     sc.AccessKeyID,
				KeyName:         key.Name,
				Region:          sc.Region,
				Service:         sc.Service,
				SigningTime:     s.at,
				Presigned:       s.presigned,
				UnsignedPayload: s.unsigned,
			}, nil
		}
		if i == 0 {
			firstCanonical, firstSTS = canonical, sts
		}
	}
	return Result{}, signatureMismatch(firstCanonical, firstSTS)
}

// presignWindow checks a presigned request: valid from its signing time
// (less the allowed skew) until signing time + X-Amz-Expires.
func presignWindow(at time.Time, expires time.Duration, now time.Time, skew time.Duration) (string, bool) {
	if at.After(now.Add(skew)) {
		return skewMessage(at, now, skew)
	}
	if expires < 0 {
		expires = 0
	}
	if now.After(at.Add(expires)) {
		return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
			stamp(at), stamp(now.Add(-expires)), stamp(now), span(expires)), true
	}
	return "", false
}

func tokenMatches(want, got string) bool {
	if want == "" {
		return got == ""
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// signingKey returns the derived key, from the cache when it holds it.
func (v *Verifier) signingKey(secret, date, region, service string) []byte {
	ck := keyCacheKey{sha256.Sum256([]byte(secret)), date, region, service}
	v.mu.Lock()
	k, ok := v.keys[ck]
	v.mu.Unlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, date, region, service)
	v.mu.Lock()
	if len(v.keys) >= maxCachedKeys {
		clear(v.keys)
	}
	v.keys[ck] = k
	v.mu.Unlock()
	return k
}

// quoteList renders 'a', 'b' or 'c'.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
