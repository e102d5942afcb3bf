package taskmeta

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// The ECS agent's task scale-in protection endpoint: a container reads
// and sets its own task's protection at
// ${ECS_AGENT_URI}/task-protection/v1/state (GET, and PUT with
// {"ProtectionEnabled": bool, "ExpiresInMinutes": n}); the agent answers
// {"protection": {...}}, {"failure": {...}} or {"error": {...}}, as
// GetTaskProtection and UpdateTaskProtection for the task answer.

// EnvAgentURI is the variable with the URL of the agent API of a
// container (its task protection endpoint is below it).
const EnvAgentURI = "ECS_AGENT_URI"

const protectionPath = "/task-protection/v1/state"

// ProtectionSource gets and sets tasks' scale-in protection (the control
// plane's GetTaskProtection and UpdateTaskProtection).
type ProtectionSource interface {
	GetTaskProtection(context.Context, *ecsmodel.GetTaskProtectionRequest) (*ecsmodel.GetTaskProtectionResponse, error)
	UpdateTaskProtection(context.Context, *ecsmodel.UpdateTaskProtectionRequest) (*ecsmodel.UpdateTaskProtectionResponse, error)
}

// protectionDoc is the agent's answer.
type protectionDoc struct {
	Protection *protectedTaskDoc `json:"protection,omitempty"`
	Failure    *failureDoc       `json:"failure,omitempty"`
	Error      *protectionError  `json:"error,omitempty"`
}

type protectedTaskDoc struct {
	ExpirationDate    *time.Time
	ProtectionEnabled bool
	TaskArn           string
}

type failureDoc struct {
	Arn, Detail, Reason *string
}

type protectionError struct {
	Arn     string `json:"Arn,omitempty"`
	Code    string
	Message string
}

// protectionRequest is what a container PUTs.
type protectionRequest struct {
	ProtectionEnabled *bool
	ExpiresInMinutes  *int32
}

func (s *Server) serveProtection(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ref, ok := s.containers[r.PathValue("id")]
	src := s.protection
	s.mu.Unlock()
	if !ok || src == nil {
		writeJSON(w, http.StatusNotFound, protectionDoc{Error: &protectionError{Code: string(ecs.ErrResourceNotFound), Message: "Invalid request: no task was found"}})
		return
	}
	t := ref.e.task
	var protected []ecsmodel.ProtectedTask
	var failures []ecsmodel.Failure
	var err error
	if r.Method == http.MethodPut {
		var req protectionRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if derr := dec.Decode(&req); derr != nil {
			writeJSON(w, http.StatusBadRequest, protectionDoc{Error: &protectionError{Code: string(ecs.ErrInvalidParameter), Message: "UpdateTaskProtection: failed to decode request"}})
			return
		}
		if req.ProtectionEnabled == nil {
			writeJSON(w, http.StatusBadRequest, protectionDoc{Error: &protectionError{Arn: t.ARN, Code: string(ecs.ErrInvalidParameter), Message: "Invalid request: does not contain 'ProtectionEnabled' field"}})
			return
		}
		var out *ecsmodel.UpdateTaskProtectionResponse
		out, err = src.UpdateTaskProtection(r.Context(), &ecsmodel.UpdateTaskProtectionRequest{Cluster: t.Cluster, Tasks: []string{t.ARN},
			ProtectionEnabled: *req.ProtectionEnabled, ExpiresInMinutes: req.ExpiresInMinutes})
		if err == nil {
			protected, failures = out.ProtectedTasks, out.Failures
		}
	} else {
		var out *ecsmodel.GetTaskProtectionResponse
		out, err = src.GetTaskProtection(r.Context(), &ecsmodel.GetTaskProtectionRequest{Cluster: t.Cluster, Tasks: []string{t.ARN}})
		if err == nil {
			protected, failures = out.ProtectedTasks, out.Failures
		}
	}
	switch {
	case err != nil:
		code, status := string(ecs.ErrServer), http.StatusInternalServerError
		var e *ecs.Error
		if errors.As(err, &e) && e.Kind != ecs.ErrServer {
			code, status = string(e.Kind), http.StatusBadRequest
		}
		writeJSON(w, status, protectionDoc{Error: &protectionError{Arn: t.ARN, Code: code, Message: err.Error()}})
	case len(failures) > 0:
		f := failures[0]
		status := http.StatusConflict
		if f.Reason == "MISSING" {
			status = http.StatusNotFound
		}
		doc := &failureDoc{Arn: &f.Arn, Reason: &f.Reason}
		if f.Detail != "" {
			doc.Detail = &f.Detail
		}
		writeJSON(w, status, protectionDoc{Failure: doc})
	case len(protected) == 1:
		p := protected[0]
		doc := &protectedTaskDoc{ProtectionEnabled: p.ProtectionEnabled, TaskArn: p.TaskArn}
		if p.ExpirationDate != nil {
			at := p.ExpirationDate.Time.UTC()
			doc.ExpirationDate = &at
		}
		writeJSON(w, http.StatusOK, protectionDoc{Protection: doc})
	default:
		writeJSON(w, http.StatusInternalServerError, protectionDoc{Error: &protectionError{Arn: t.ARN, Code: string(ecs.ErrServer), Message: "expect 1 protectedTask in response"}})
	}
}
