package sigv4_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	"github.com/ecsrun/ecsrun/internal/sigv4"
)

// botocoreScript signs requests with botocore (the signer of the AWS CLI and
// boto3), sends them and prints what came back, one JSON object per case.
const botocoreScript = `
import json, os, sys
import botocore.session
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.httpsession import URLLib3Session

api, raw = os.environ["API_URL"], os.environ["RAW_URL"]
out = {}
session = botocore.session.get_session()

def client(service, key, secret, token=None):
    return session.create_client(service, region_name="us-east-1", endpoint_url=api,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"total_max_attempts": 1}))

def call(name, fn):
    try:
        fn()
        out[name] = {"code": "OK"}
    except ClientError as e:
        out[name] = {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                     "message": e.response["Error"]["Message"]}

call("ecs ok", lambda: client("ecs", "ECSRUNCI", "ci-secret").list_clusters())
call("ecs token", lambda: client("ecs", "ECSRUNTEMP", "temp-secret", "temp-token").list_clusters())
call("logs ok", lambda: client("logs", "ECSRUNCI", "ci-secret").describe_log_groups())
call("ecs wrong secret", lambda: client("ecs", "ECSRUNCI", "wrong").list_clusters())
call("ecs unknown key", lambda: client("ecs", "NOSUCHKEY", "ci-secret").list_clusters())
call("ecs wrong token", lambda: client("ecs", "ECSRUNTEMP", "temp-secret", "other").list_clusters())

http = URLLib3Session()
def send(name, method, path, body=None, headers=None, presign=False, secret="ci-secret"):
    req = AWSRequest(method=method, url=raw + path, data=body, headers=headers or {})
    creds = Credentials("ECSRUNCI", secret)
    if presign:
        SigV4QueryAuth(creds, "ecs", "us-west-2", expires=120).add_auth(req)
    else:
        SigV4Auth(creds, "ecs", "us-west-2").add_auth(req)
    resp = http.send(req.prepare())
    out[name] = json.loads(resp.content)

send("raw post", "POST", "/", b'{"cluster":"default"}', {"Content-Type": "application/x-amz-json-1.1",
     "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListTasks", "X-Spaced": "  a   b  c "})
send("raw path and query", "GET", "/a%20path/%C3%BCn%C3%AFc%C3%B8d%C3%A9/x%2Fy?q=a%20b&sym=%2F%3D%26%2B&e=%C3%A9&empty=&b=2&b=1")
send("raw dot segments", "GET", "/a/./b/../c//d")
send("raw presigned", "GET", "/?Action=ListClusters&name=x%20y", presign=True)
send("raw wrong secret", "POST", "/", b"{}", {"Content-Type": "application/x-amz-json-1.1"}, secret="nope")
print(json.dumps(out))
`

func TestBotocoreCompatibility(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command(python, "-c", "import botocore").Run(); err != nil {
		t.Skip("botocore is not installed")
	}
	v := e2eVerifier(t)
	api := apiServer(t, v)
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		res, err := v.Verify(r, body)
		a := map[string]any{"code": "OK", "region": res.Region, "presigned": res.Presigned}
		var f *awsjson.Fault
		if errors.As(err, &f) {
			a = map[string]any{"code": f.Type, "message": f.Message}
		} else if err != nil {
			a = map[string]any{"code": "error", "message": err.Error()}
		}
		json.NewEncoder(w).Encode(a)
	}))
	defer raw.Close()

	home := t.TempDir()
	cmd := exec.Command(python, "-c", botocoreScript)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"API_URL=" + api.URL, "RAW_URL=" + raw.URL,
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	t.Logf("botocore: %s", stdout)
	var got map[string]struct {
		Code      string
		Status    int
		Message   string
		Region    string
		Presigned bool
	}
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	want := map[string]string{
		"ecs ok":             "OK",
		"ecs token":          "OK",
		"logs ok":            "OK",
		"ecs wrong secret":   sigv4.TypeInvalidSignature,
		"ecs unknown key":    sigv4.TypeUnrecognizedClient,
		"ecs wrong token":    sigv4.TypeUnrecognizedClient,
		"raw post":           "OK",
		"raw path and query": "OK",
		"raw dot segments":   "OK",
		"raw presigned":      "OK",
		"raw wrong secret":   sigv4.TypeInvalidSignature,
	}
	for name, code := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: no answer", name)
			continue
		}
		if g.Code != code {
			t.Errorf("%s: got %s (%s), want %s", name, g.Code, g.Message, code)
		}
		if g.Status != 0 && g.Status != sigv4.FaultStatus {
			t.Errorf("%s: HTTP %d", name, g.Status)
		}
	}
	if p := got["raw presigned"]; !p.Presigned || p.Region != "us-west-2" {
		t.Errorf("presigned answer %+v", p)
	}
}
