package runtimetest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Registry is an image registry on loopback that has no images and asks
// for HTTP basic authentication: it records the credentials each request
// came with, so a test sees what a runtime's pull sent the registry. The
// Docker engine pulls from a loopback registry over plain HTTP.
type Registry struct {
	// Host is the registry's host:port, to prefix image names with.
	Host string

	mu    sync.Mutex
	users []string
}

// NewRegistry starts a Registry that stops when the test ends.
func NewRegistry(t *testing.T) *Registry {
	t.Helper()
	reg := &Registry{}
	srv := httptest.NewServer(http.HandlerFunc(reg.serve))
	t.Cleanup(srv.Close)
	reg.Host = strings.TrimPrefix(srv.URL, "http://")
	return reg
}

func (reg *Registry) serve(w http.ResponseWriter, req *http.Request) {
	user, pass, ok := req.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="ecsrun-test"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
		return
	}
	reg.mu.Lock()
	reg.users = append(reg.users, user+":"+pass)
	reg.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if req.URL.Path == "/v2/" {
		w.Write([]byte(`{}`))
		return
	}
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
}

// Credentials returns the "user:password" of each authenticated request,
// in order.
func (reg *Registry) Credentials() []string {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return append([]string(nil), reg.users...)
}
