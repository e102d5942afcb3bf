package sfnapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	sm "github.com/ecsrun/ecsrun/internal/sfnmodel"
	"github.com/ecsrun/ecsrun/internal/wire"
)

// CallbackPath is where the task endpoint (169.254.170.2) serves the
// callback operations to containers:
// AWS_ENDPOINT_URL_SFN=http://169.254.170.2/stepfunctions.
const CallbackPath = "/stepfunctions"

// CallbackOperations are the operations served on the task endpoint: what
// a container needs to answer a task token or work as an activity worker.
var CallbackOperations = []string{"GetActivityTask", "SendTaskFailure", "SendTaskHeartbeat", "SendTaskSuccess"}

// NewCallbacks returns the handler of the Step Functions operations that
// containers reach on the task endpoint: CallbackOperations and nothing
// else. Signatures are not checked there (containers hold no keys of the
// engine; a task token is the capability that answers a task, as on Step
// Functions); every other operation is refused with AccessDeniedException
// naming the engine's own endpoint.
func NewCallbacks(tokens Tokens, acts Activities) http.Handler {
	full := New(nil, tokens, acts)
	svc := *full
	svc.Operations = map[string]wire.Operation{}
	svc.Handlers = map[string]awsjson.Handler{}
	for _, op := range CallbackOperations {
		svc.Operations[op] = sm.Operations[op]
		svc.Handlers[op] = full.Handlers[op]
	}
	srv := awsjson.NewServer(&svc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		prefix, op, _ := strings.Cut(target, ".")
		if prefix == TargetPrefix && !slices.Contains(CallbackOperations, op) {
			denied(w, fmt.Sprintf("%s is not served on the task endpoint, which serves only %s to containers; call the engine's endpoint (ecsrun serve --listen) for other operations",
				op, strings.Join(CallbackOperations, ", ")))
			return
		}
		srv.ServeHTTP(w, r)
	})
}

func denied(w http.ResponseWriter, msg string) {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{"AccessDeniedException", msg})
	w.Header().Set("Content-Type", "application/x-amz-json-"+JSONVersion)
	w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
	w.WriteHeader(http.StatusBadRequest)
	w.Write(b)
}
