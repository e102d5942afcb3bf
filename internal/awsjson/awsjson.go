package awsjson

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/wire"
)

// DefaultMaxBody is the largest request body accepted unless the server says
// otherwise.
const DefaultMaxBody = 4 << 20

// Handler runs one operation. in is the decoded, model-validated input (a
// pointer to the operation's input shape); the result is marshalled as the
// output shape.
type Handler func(ctx context.Context, in wire.Input) (any, error)

// Fault describes an error as the wire shows it.
type Fault struct {
	// Type is the error shape name, for example "ClientException".
	Type string
	// Status is the HTTP status code (400 for client errors, 500 for faults).
	Status int
	// Message is the human message.
	Message string
	// Members are the error shape's other members (for example
	// MalformedQueryException's queryCompileError), sent beside message.
	Members map[string]any
}

// Error makes a Fault an error, so handlers can return one directly.
func (f *Fault) Error() string { return f.Type + ": " + f.Message }

// Errorf returns a client Fault (HTTP 400) of the given type.
func Errorf(typ, format string, args ...any) *Fault {
	return &Fault{Type: typ, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

// Service is one AWS JSON service.
type Service struct {
	// TargetPrefix is the part of X-Amz-Target before the dot.
	TargetPrefix string
	// JSONVersion is "1.0" or "1.1".
	JSONVersion string
	// Name is the service's name for people ("Amazon ECS"), in the answer
	// to requests for services the server does not serve.
	Name string
	// SigningName is the service part of a SigV4 credential scope ("ecs");
	// a signed request for another signing name is meant for a service the
	// server does not serve.
	SigningName string
	// Operations is the model's operation table.
	Operations map[string]wire.Operation
	// Handlers holds the implemented operations by name.
	Handlers map[string]Handler
	// ValidationType is the error type for model constraint violations
	// (InvalidParameterException for ECS and CloudWatch Logs).
	ValidationType string
	// UnimplementedType is the error type for operations of the model that
	// have no handler.
	UnimplementedType string
	// Refusals holds the model's operations that ecsrun refuses on purpose,
	// by name, each with the reason a user reads: why only AWS can do it and
	// what to use locally instead. They are answered with UnimplementedType.
	Refusals map[string]string
	// Classify maps a handler's error to its wire form; nil or a false ok
	// means an internal error (500 ServerException-like, see InternalType).
	Classify func(error) (Fault, bool)
	// InternalType is the error type of unexpected failures ("ServerException").
	InternalType string
}

// Authenticator checks a request before it is served. A returned *Fault is
// written as is; any other error is an internal failure.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) error
}

// Server routes requests to services by target prefix.
type Server struct {
	services map[string]*Service
	order    []*Service // as given to NewServer
	// MaxBody caps request bodies (DefaultMaxBody when 0).
	MaxBody int64
	// Auth, when set, checks every request.
	Auth Authenticator
	// Log receives a line per internal error; nil discards.
	Log *slog.Logger
	// Inspect, when set, sees every answer just before it is written. Tests
	// set it to check answers against the service model.
	Inspect func(Answer)
	// mounts are other handlers, by path prefix (see Mount).
	mounts map[string]http.Handler
}

// Mount serves the requests whose path starts with prefix with h instead
// (for example the exec sessions' stream URLs, which the API's answers
// point at). Call it before serving.
func (s *Server) Mount(prefix string, h http.Handler) {
	if s.mounts == nil {
		s.mounts = map[string]http.Handler{}
	}
	s.mounts[prefix] = h
}

// Answer is one answer of the server, as Inspect sees it.
type Answer struct {
	// Service is the service the target named; nil when none matched.
	Service *Service
	// Operation is the operation part of the target ("" when absent).
	Operation string
	// Status is the HTTP status code.
	Status int
	// Header holds the answer's headers.
	Header http.Header
	// Body is the answer's body.
	Body []byte
}

// NewServer returns a server for the given services.
func NewServer(services ...*Service) *Server {
	s := &Server{services: map[string]*Service{}}
	for _, svc := range services {
		s.services[svc.TargetPrefix] = svc
	}
	s.order = services
	return s
}

var _ http.Handler = (*Server)(nil)

// Services returns the services the server routes to, by target prefix.
func (s *Server) Services() []*Service {
	out := make([]*Service, 0, len(s.services))
	for _, svc := range s.services {
		out = append(out, svc)
	}
	slices.SortFunc(out, func(a, b *Service) int { return strings.Compare(a.TargetPrefix, b.TargetPrefix) })
	return out
}

// RequestIDHeader is the header carrying each answer's request id.
const RequestIDHeader = "X-Amzn-Requestid"

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for prefix, h := range s.mounts {
		if strings.HasPrefix(r.URL.Path, prefix) {
			h.ServeHTTP(w, r)
			return
		}
	}
	reqID := newRequestID()
	w.Header().Set(RequestIDHeader, reqID)
	target := r.Header.Get("X-Amz-Target")
	prefix, op, _ := strings.Cut(target, ".")
	svc := s.services[prefix]
	ctype := "application/x-amz-json-1.1"
	if svc != nil {
		ctype = "application/x-amz-json-" + svc.JSONVersion
	}
	write := func(status int, body []byte) {
		w.Header().Set("Content-Type", ctype)
		if s.Inspect != nil {
			s.Inspect(Answer{Service: svc, Operation: op, Status: status, Header: w.Header().Clone(), Body: body})
		}
		w.WriteHeader(status)
		w.Write(body)
	}
	fail := func(f Fault) { writeFault(w, write, f) }
	defer func() {
		if p := recover(); p != nil {
			s.logf("panic serving %s: %v", target, p)
			typ := "ServerException"
			if svc != nil && svc.InternalType != "" {
				typ = svc.InternalType
			}
			fail(Fault{Type: typ, Status: http.StatusInternalServerError, Message: "internal error; request id " + reqID})
		}
	}()
	max := s.MaxBody
	if max == 0 {
		max = DefaultMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		fail(Fault{Type: "SerializationException", Status: http.StatusBadRequest, Message: "cannot read request body: " + err.Error()})
		return
	}
	if int64(len(body)) > max {
		fail(Fault{Type: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("request body exceeds %d bytes", max)})
		return
	}
	// A request for another service is answered in its protocol, before
	// authentication: its SDK signs for its own service, which would fail,
	// and could not read a JSON answer.
	if fr, ok := s.foreign(r, body); ok {
		if fr.proto == protoJSON {
			fail(Fault{Type: "UnknownOperationException", Status: http.StatusBadRequest, Message: s.foreignMessage(fr)})
		} else {
			s.writeForeign(w, fr, reqID)
		}
		return
	}
	if r.Method != http.MethodPost {
		fail(Fault{Type: "UnknownOperationException", Status: http.StatusBadRequest, Message: "only POST is supported by the AWS JSON protocol"})
		return
	}
	if s.Auth != nil {
		if err := s.Auth.Authenticate(r, body); err != nil {
			var f *Fault
			if errors.As(err, &f) {
				fail(*f)
				return
			}
			s.logf("authentication: %v", err)
			fail(Fault{Type: "InternalFailure", Status: http.StatusInternalServerError, Message: "authentication failed unexpectedly"})
			return
		}
	}
	if svc == nil || op == "" {
		if target == "" {
			fail(Fault{Type: "UnknownOperationException", Status: http.StatusBadRequest, Message: "missing X-Amz-Target header"})
		} else {
			fail(Fault{Type: "UnknownOperationException", Status: http.StatusBadRequest, Message: fmt.Sprintf("unknown operation %q", target)})
		}
		return
	}
	spec, known := svc.Operations[op]
	if !known {
		fail(Fault{Type: "UnknownOperationException", Status: http.StatusBadRequest, Message: fmt.Sprintf("unknown operation %q", target)})
		return
	}
	h := svc.Handlers[op]
	if reason, refused := svc.Refusals[op]; h == nil && refused {
		fail(Fault{Type: svc.UnimplementedType, Status: http.StatusBadRequest, Message: fmt.Sprintf("ecsrun does not run %s locally: %s", op, reason)})
		return
	}
	if h == nil {
		fail(Fault{Type: svc.UnimplementedType, Status: http.StatusBadRequest, Message: fmt.Sprintf("ecsrun does not implement %s yet", op)})
		return
	}
	var in wire.Input
	if spec.NewInput != nil {
		in = spec.NewInput()
		if err := Decode(body, in); err != nil {
			fail(Fault{Type: "SerializationException", Status: http.StatusBadRequest, Message: err.Error()})
			return
		}
		var v wire.Violations
		in.Validate("", &v)
		if v.Len() > 0 {
			fail(Fault{Type: svc.ValidationType, Status: http.StatusBadRequest, Message: v.Error()})
			return
		}
	}
	hctx := context.WithValue(context.WithValue(r.Context(), headerKey{}, r.Header), baseURLKey{}, baseURL(r))
	out, err := h(hctx, in)
	if err != nil {
		var f *Fault
		if errors.As(err, &f) {
			fail(*f)
			return
		}
		if svc.Classify != nil {
			if f, ok := svc.Classify(err); ok {
				fail(f)
				return
			}
		}
		s.logf("%s: %v", target, err)
		typ := svc.InternalType
		if typ == "" {
			typ = "ServerException"
		}
		fail(Fault{Type: typ, Status: http.StatusInternalServerError, Message: err.Error()})
		return
	}
	if out == nil || (reflect.ValueOf(out).Kind() == reflect.Pointer && reflect.ValueOf(out).IsNil()) {
		out = struct{}{}
	}
	b, err := json.Marshal(out)
	if err != nil {
		s.logf("%s: encode answer: %v", target, err)
		fail(Fault{Type: "ServerException", Status: http.StatusInternalServerError, Message: "cannot encode the answer"})
		return
	}
	write(http.StatusOK, b)
}

type headerKey struct{}

// Header returns the HTTP headers of the request a handler serves (nil
// outside a handler), for operations that honour ecsrun-specific headers.
func Header(ctx context.Context) http.Header {
	h, _ := ctx.Value(headerKey{}).(http.Header)
	return h
}

type baseURLKey struct{}

// baseURL returns the scheme and host a request was sent to.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" { // a request handed to the handler in-process
		host = r.URL.Host
	}
	return scheme + "://" + host
}

// BaseURL returns the scheme and host ("http://127.0.0.1:4566") the
// request a handler serves was sent to ("" outside a handler), for answers
// that point clients back at the server.
func BaseURL(ctx context.Context) string {
	u, _ := ctx.Value(baseURLKey{}).(string)
	return u
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Error(fmt.Sprintf(format, args...))
	}
}

func writeFault(w http.ResponseWriter, write func(int, []byte), f Fault) {
	if f.Status == 0 {
		f.Status = http.StatusBadRequest
	}
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{f.Type, f.Message})
	if len(f.Members) > 0 {
		body := map[string]any{}
		for k, v := range f.Members {
			body[k] = v
		}
		body["__type"], body["message"] = f.Type, f.Message
		b, _ = json.Marshal(body)
	}
	w.Header().Set("X-Amzn-Errortype", f.Type)
	write(f.Status, b)
}

// Decode reads a JSON request body into in. An empty body is an empty object.
// Errors say where the body is malformed, which member has the wrong type,
// which member the shape does not define, or where a string is not valid
// UTF-8 (which Go's decoder would otherwise replace with U+FFFD).
func Decode(body []byte, in any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil
	}
	if trimmed[0] != '{' {
		return errors.New("request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(in); err != nil {
		return describeDecodeError(err)
	}
	if err := checkStrings(body); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("request body has data after the JSON object")
	}
	return checkMembers(trimmed, in)
}

func describeDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("value at '%s' has the wrong type: got a JSON %s, want %s", field, te.Value, goKind(te.Type))
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("malformed JSON: the body ends too early")
	}
	return fmt.Errorf("malformed request: %v", err)
}

func goKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int32:
		return "an integer from -2147483648 to 2147483647"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Map:
		return "a map"
	case reflect.Struct:
		if t.Name() == "Time" {
			return "a timestamp"
		}
		return "a structure"
	}
	return t.String()
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
