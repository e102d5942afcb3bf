package taskmeta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// fakeProtection keeps one protection state per task ARN, as the control
// plane would, and fails as told.
type fakeProtection struct {
	on      map[string]time.Time
	failure string // a failure reason to answer with
	err     error
	last    *ecsmodel.UpdateTaskProtectionRequest
}

func (f *fakeProtection) answer(arn string) ([]ecsmodel.ProtectedTask, []ecsmodel.Failure) {
	if f.failure != "" {
		return []ecsmodel.ProtectedTask{}, []ecsmodel.Failure{{Arn: arn, Reason: f.failure}}
	}
	p := ecsmodel.ProtectedTask{TaskArn: arn}
	if exp, ok := f.on[arn]; ok {
		p.ProtectionEnabled, p.ExpirationDate = true, wire.At(exp)
	}
	return []ecsmodel.ProtectedTask{p}, []ecsmodel.Failure{}
}

func (f *fakeProtection) GetTaskProtection(_ context.Context, in *ecsmodel.GetTaskProtectionRequest) (*ecsmodel.GetTaskProtectionResponse, error) {
	if f.err != nil {
		return nil, f.err
	}
	p, fl := f.answer(in.Tasks[0])
	return &ecsmodel.GetTaskProtectionResponse{ProtectedTasks: p, Failures: fl}, nil
}

func (f *fakeProtection) UpdateTaskProtection(_ context.Context, in *ecsmodel.UpdateTaskProtectionRequest) (*ecsmodel.UpdateTaskProtectionResponse, error) {
	f.last = in
	if f.err != nil {
		return nil, f.err
	}
	if in.ProtectionEnabled {
		f.on[in.Tasks[0]] = time.Date(2026, 1, 1, 0, int(*in.ExpiresInMinutes), 0, 0, time.UTC)
	} else {
		delete(f.on, in.Tasks[0])
	}
	p, fl := f.answer(in.Tasks[0])
	return &ecsmodel.UpdateTaskProtectionResponse{ProtectedTasks: p, Failures: fl}, nil
}

func protectionCall(s *Server, method, uri, body string) (int, map[string]json.RawMessage) {
	r := httptest.NewRequest(method, uri, strings.NewReader(body))
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	var doc map[string]json.RawMessage
	json.Unmarshal(w.Body.Bytes(), &doc)
	return w.Code, doc
}

func TestTaskProtectionEndpoint(t *testing.T) {
	src := &fakeProtection{on: map[string]time.Time{}}
	s := New(Options{Endpoint: linkLocal80, Key: []byte("0123456789abcdef0123456789abcdef"), Protection: src})
	env := s.Register(Task{ID: "aaaa", ARN: arnA, Cluster: "c1", Containers: []string{"app"}})
	uri := env["app"][EnvAgentURI]
	if !strings.HasPrefix(uri, "http://169.254.170.2/api/") || strings.TrimPrefix(uri, "http://169.254.170.2/api/") != strings.TrimPrefix(env["app"][EnvMetadataURI], "http://169.254.170.2/v3/") {
		t.Fatalf("ECS_AGENT_URI = %q (metadata %q); want /api/ and the container's v3 id", uri, env["app"][EnvMetadataURI])
	}
	state := uri + "/task-protection/v1/state"

	code, doc := protectionCall(s, http.MethodPut, state, `{"ProtectionEnabled":true,"ExpiresInMinutes":60}`)
	want := `{"ExpirationDate":"2026-01-01T01:00:00Z","ProtectionEnabled":true,"TaskArn":"` + arnA + `"}`
	if code != http.StatusOK || string(doc["protection"]) != want {
		t.Fatalf("PUT = %d %s; want 200 and protection %s", code, doc, want)
	}
	if src.last.Cluster != "c1" || src.last.Tasks[0] != arnA || !src.last.ProtectionEnabled {
		t.Errorf("UpdateTaskProtection request = %+v", src.last)
	}
	if code, doc = protectionCall(s, http.MethodGet, state, ""); code != http.StatusOK || string(doc["protection"]) != want {
		t.Errorf("GET = %d %s", code, doc)
	}
	if code, doc = protectionCall(s, http.MethodPut, state, `{"ProtectionEnabled":false}`); code != http.StatusOK ||
		string(doc["protection"]) != `{"ExpirationDate":null,"ProtectionEnabled":false,"TaskArn":"`+arnA+`"}` {
		t.Errorf("PUT off = %d %s", code, doc)
	}

	for _, tc := range []struct {
		name, method, uri, body string
		failure                 string
		err                     error
		code                    int
		key, contains           string
	}{
		{"no ProtectionEnabled", http.MethodPut, state, `{"ExpiresInMinutes":5}`, "", nil, 400, "error", "does not contain 'ProtectionEnabled' field"},
		{"an unknown field", http.MethodPut, state, `{"ProtectionEnabled":true,"Bogus":1}`, "", nil, 400, "error", "failed to decode request"},
		{"an unknown endpoint id", http.MethodGet, "http://169.254.170.2/api/nope/task-protection/v1/state", "", "", nil, 404, "error", "no task was found"},
		{"a failure", http.MethodGet, state, "", "TASK_NOT_VALID", nil, 409, "failure", `"Reason":"TASK_NOT_VALID"`},
		{"a missing task", http.MethodGet, state, "", "MISSING", nil, 404, "failure", `"Reason":"MISSING"`},
		{"a validation error", http.MethodPut, state, `{"ProtectionEnabled":true,"ExpiresInMinutes":9999}`, "",
			ecs.Errorf(ecs.ErrInvalidParameter, "expiresInMinutes must be between 1 and 2880"), 400, "error", `"Code":"InvalidParameterException"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src.failure, src.err = tc.failure, tc.err
			code, doc := protectionCall(s, tc.method, tc.uri, tc.body)
			if code != tc.code || !strings.Contains(string(doc[tc.key]), tc.contains) {
				t.Errorf("= %d %s; want %d and %s containing %q", code, doc, tc.code, tc.key, tc.contains)
			}
		})
	}

	// Without a protection source the endpoint is not there.
	bare := New(Options{Endpoint: linkLocal80, Key: []byte("0123456789abcdef0123456789abcdef")})
	benv := bare.Register(Task{ID: "aaaa", ARN: arnA, Cluster: "c1", Containers: []string{"app"}})
	if code, _ := protectionCall(bare, http.MethodGet, benv["app"][EnvAgentURI]+"/task-protection/v1/state", ""); code != http.StatusNotFound {
		t.Errorf("without a source: %d; want 404", code)
	}
}
