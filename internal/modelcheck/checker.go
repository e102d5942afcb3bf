package modelcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/ecsrun/ecsrun/internal/awsjson"
)

// protocolError reports whether typ is an error type any operation of an
// AWS JSON service may answer besides those the model lists for it: the
// protocol's own (decoding, routing, size) and SigV4's.
func protocolError(typ string) bool {
	switch typ {
	case "SerializationException", "UnknownOperationException", "RequestEntityTooLargeException", "InternalFailure",
		"MissingAuthenticationTokenException", "IncompleteSignatureException", "UnrecognizedClientException", "InvalidSignatureException":
		return true
	}
	return false
}

// Checker checks answers against models (by target prefix) and records the
// violations and which operations it has seen. It is safe for concurrent
// use.
type Checker struct {
	models map[string]*Model

	mu         sync.Mutex
	violations []string
	seen       map[string]Counts
}

// Counts is how many answers of one operation were checked, by outcome.
type Counts struct {
	// OK counts success answers, Errors error answers.
	OK, Errors int
}

// NewChecker returns a Checker for the given models.
func NewChecker(models ...*Model) *Checker {
	c := &Checker{models: map[string]*Model{}, seen: map[string]Counts{}}
	for _, m := range models {
		c.models[m.TargetPrefix] = m
	}
	return c
}

// Check checks one answer and records what is wrong with it.
func (c *Checker) Check(a awsjson.Answer) {
	name := a.Operation
	if a.Service != nil {
		name = a.Service.TargetPrefix + "." + a.Operation
	}
	errs := c.check(a)
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.seen[name]
	if a.Status == http.StatusOK {
		n.OK++
	} else {
		n.Errors++
	}
	c.seen[name] = n
	for _, e := range errs {
		c.violations = append(c.violations, fmt.Sprintf("%s answer %d %s: %s", name, a.Status, clip(a.Body), e))
	}
}

// Violations returns every violation recorded so far.
func (c *Checker) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.violations)
}

// Seen returns, per operation ("prefix.Operation"), how many answers were
// checked.
func (c *Checker) Seen() map[string]Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.seen)
}

func (c *Checker) check(a awsjson.Answer) []string {
	var errs []string
	if a.Header.Get(awsjson.RequestIDHeader) == "" {
		errs = append(errs, "no x-amzn-RequestId header")
	}
	var m *Model
	var op Operation
	opKnown := false
	if a.Service != nil {
		m = c.models[a.Service.TargetPrefix]
		if m == nil {
			return append(errs, "no model loaded for target prefix "+a.Service.TargetPrefix)
		}
		op, opKnown = m.Operations[a.Operation]
		if want := "application/x-amz-json-" + a.Service.JSONVersion; a.Header.Get("Content-Type") != want {
			errs = append(errs, fmt.Sprintf("Content-Type %q; want %q", a.Header.Get("Content-Type"), want))
		}
	}
	if a.Status == http.StatusOK {
		switch {
		case !opKnown:
			errs = append(errs, "success answer to an operation the model does not define")
		case op.Output == "":
			if string(bytes.TrimSpace(a.Body)) != "{}" {
				errs = append(errs, "the operation has no output shape; want {}")
			}
		default:
			errs = append(errs, m.CheckShape(op.Output, a.Body)...)
		}
		return errs
	}
	return append(errs, c.checkError(a, m, op, opKnown)...)
}

func (c *Checker) checkError(a awsjson.Answer, m *Model, op Operation, opKnown bool) []string {
	var errs []string
	var body map[string]any
	if err := json.Unmarshal(a.Body, &body); err != nil {
		return append(errs, "error body is not a JSON object: "+err.Error())
	}
	typ, _ := body["__type"].(string)
	if _, ok := body["message"].(string); !ok {
		errs = append(errs, "error body has no string message")
	}
	for k := range body {
		if k != "__type" && k != "message" && !m.errorMember(typ, k) {
			errs = append(errs, fmt.Sprintf("error body has member %q; want only __type, message and the members of the error shape", k))
		}
	}
	if typ == "" {
		return append(errs, "error body has no __type")
	}
	if h := a.Header.Get("X-Amzn-Errortype"); h != typ {
		errs = append(errs, fmt.Sprintf("X-Amzn-ErrorType %q differs from __type %q", h, typ))
	}
	isModelError, fault := false, false
	if m != nil {
		isModelError, fault = m.IsError(typ)
	}
	protocol := protocolError(typ)
	// An operation of the model that ecsrun does not implement answers the
	// service's own "not implemented" type, which need not be a model shape.
	unimplemented := a.Service != nil && a.Service.Handlers[a.Operation] == nil && typ == a.Service.UnimplementedType
	switch {
	case !isModelError && !protocol && !unimplemented:
		errs = append(errs, fmt.Sprintf("error type %s is neither an error shape of the model nor a protocol error", typ))
	case opKnown && !protocol && !slices.Contains(op.Errors, typ) && typ != a.Service.UnimplementedType && typ != a.Service.ValidationType:
		errs = append(errs, fmt.Sprintf("the model does not list %s among %s's errors %v", typ, a.Operation, op.Errors))
	}
	serverSide := fault || typ == "InternalFailure"
	switch {
	case serverSide && a.Status < 500:
		errs = append(errs, fmt.Sprintf("server fault %s answered with status %d; want 5xx", typ, a.Status))
	case !serverSide && (a.Status < 400 || a.Status >= 500):
		errs = append(errs, fmt.Sprintf("client error %s answered with status %d; want 4xx", typ, a.Status))
	}
	return errs
}

func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}
