package engine

import (
	"encoding/json"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsrun/ecsrun/internal/natredirect"
	"github.com/ecsrun/ecsrun/internal/taskmeta"
)

// requireRedirect skips unless the engine redirects 169.254.170.2:80 to
// its endpoints: not root, no nftables, or (past 20 seconds of reopening the
// engine) another engine or process on this host owns that port. As root
// with nftables, an engine that does not redirect for another reason fails
// the test.
func requireRedirect(t *testing.T, h *harness, logs *syncBuffer) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("redirecting 169.254.170.2:80 needs root")
	}
	if _, err := natredirect.Read(taskmeta.RedirectTable); err != nil {
		t.Skipf("no nftables here: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ep := h.eng.TaskEndpoint()
		switch {
		case ep.Redirected:
			return
		case ep.Mode != taskmeta.ModeLinkLocal:
			t.Fatalf("the task endpoint fell back to loopback as root: %s", ep.Fallback)
		case !ep.Elsewhere:
			t.Fatalf("as root, 169.254.170.2:80 is not redirected: %s", ep.NoRedirect)
		case time.Now().After(deadline):
			t.Skipf("169.254.170.2:80 belongs to another engine or process on this host: %s", ep.NoRedirect)
		}
		h.close()
		time.Sleep(200 * time.Millisecond)
		h.openLogged(logs)
	}
}

// redirectRules returns the rules of the engine's redirect table, checking
// that each sends 169.254.170.2:80 to the engine's port and names its state
// directory.
func (h *harness) redirectRules() []natredirect.Rule {
	h.t.Helper()
	rules, err := natredirect.Read(taskmeta.RedirectTable)
	if err != nil {
		h.t.Fatal(err)
	}
	if h.eng == nil {
		return rules
	}
	ep := h.eng.TaskEndpoint()
	for _, r := range rules {
		if r.From.String() != taskmeta.LinkLocalIP+":80" || int(r.To.Port()) != ep.Port || r.To.Addr().String() != taskmeta.LinkLocalIP || !strings.Contains(r.Comment, h.dir) {
			h.t.Errorf("rule %+v; want %s:80 to the engine's port %d, naming %s", r, taskmeta.LinkLocalIP, ep.Port, h.dir)
		}
	}
	return rules
}

// checkCredentials checks a credentials document of role A or B.
func checkCredentials(t *testing.T, doc, key string) {
	t.Helper()
	var creds struct{ RoleArn, AccessKeyId, SecretAccessKey, Token, Expiration string }
	if err := json.Unmarshal([]byte(doc), &creds); err != nil || creds.AccessKeyId != key {
		t.Errorf("credentials %q (%v); want %s's", doc, err, key)
	}
}

// metadataFromHost GETs a metadata URI from this process (the host's
// network, as a host-network container) and decodes the task document.
func metadataFromHost(t *testing.T, uri string) taskmeta.TaskResponse {
	t.Helper()
	body := getUntilAnswer(t, uri+"/task")
	var meta taskmeta.TaskResponse
	if err := json.Unmarshal([]byte(body), &meta); err != nil {
		t.Fatalf("GET %s/task from the host = %q; want the task metadata (%v)", uri, body, err)
	}
	return meta
}

func TestEngine_BridgeTaskOnHostPort80WithTaskEndpoints(t *testing.T) {
	h, image, logs := newResourcesHarness(t)
	requireRedirect(t, h, logs)
	if n := len(h.redirectRules()); n != 2 {
		t.Fatalf("%d redirect rules; want one for containers (prerouting) and one for the host (output)", n)
	}

	// web publishes container port 8080 on host port 80; client, on the
	// bridge, reads its metadata and credentials at 169.254.170.2:80.
	web := container("web", image, true, "serve", ":8080", "web-on-80", "--", "forever")
	web.PortMappings = []types.PortMapping{{ContainerPort: aws.Int32(8080), HostPort: aws.Int32(80)}}
	client := container("client", image, false,
		"fetchenv", "ECS_CONTAINER_METADATA_URI_V4", "/task", "--", "out", "", "--",
		"awscreds", "--", "out", "", "--", "forever")
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("hostport80"), TaskRoleArn: aws.String(roleA), ContainerDefinitions: []types.ContainerDefinition{web, client},
	}, nil)
	task := h.waitRunning(arn)
	if got := getUntilAnswer(t, "http://127.0.0.1:80/"); got != "web-on-80" {
		t.Errorf("host port 80 answers %q; want the task's web-on-80", got)
	}
	env := h.containerEnv(task, "client")
	if uri := env[taskmeta.EnvMetadataURIV4]; !strings.HasPrefix(uri, "http://"+taskmeta.LinkLocalIP+"/v4/") || env[taskmeta.EnvCredentialsRelative] == "" || env[taskmeta.EnvCredentialsFull] != "" {
		t.Errorf("client environment %v; want metadata at http://169.254.170.2/v4/... and the relative credentials URI", env)
	}
	lines := h.waitLines("hostport80", "client", arn, 2)
	var meta taskmeta.TaskResponse
	if err := json.Unmarshal([]byte(lines[0]), &meta); err != nil || meta.TaskARN != arn {
		t.Errorf("task metadata from the client = %q (%v); want task %s", lines[0], err, arn)
	}
	// The endpoint checked the client's source address: DNAT kept it.
	checkCredentials(t, lines[1], "AKIDTASKA")
	// From the host, 169.254.170.2:80 is the endpoints too, although
	// Docker's own rules send host port 80 to web.
	if meta := metadataFromHost(t, env[taskmeta.EnvMetadataURIV4]); meta.TaskARN != arn {
		t.Errorf("task metadata from the host = %+v; want task %s", meta, arn)
	}

	// A restart while web holds host port 80 redirects again, with one set
	// of rules; closing removed them.
	h.close()
	if rules := h.redirectRules(); len(rules) != 0 {
		t.Errorf("rules after Close: %+v; want none", rules)
	}
	h.openLogged(logs)
	requireRedirect(t, h, logs)
	if n := len(h.redirectRules()); n != 2 {
		t.Errorf("%d redirect rules after a restart; want 2", n)
	}
	if meta := metadataFromHost(t, env[taskmeta.EnvMetadataURIV4]); meta.TaskARN != arn {
		t.Errorf("task metadata from the host after a restart = %+v; want task %s", meta, arn)
	}

	// An engine killed with its rules in place: the next one replaces them.
	h.close()
	stale := natredirect.Redirect{
		Table:   taskmeta.RedirectTable,
		From:    netip.MustParseAddrPort(taskmeta.LinkLocalIP + ":80"),
		To:      netip.MustParseAddrPort(taskmeta.LinkLocalIP + ":1"),
		Comment: "left by a killed engine",
	}
	t.Cleanup(func() {
		if rules, _ := natredirect.Read(taskmeta.RedirectTable); len(rules) > 0 && rules[0].Comment == stale.Comment {
			natredirect.Remove(taskmeta.RedirectTable)
		}
	})
	if err := natredirect.Install(stale); err != nil {
		t.Fatal(err)
	}
	h.openLogged(logs)
	requireRedirect(t, h, logs)
	if n := len(h.redirectRules()); n != 2 {
		t.Errorf("%d redirect rules after a start over a killed engine's; want 2", n)
	}

	// A new bridge task reaches its credentials through the new rules.
	arnB := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("hostport80-b"), TaskRoleArn: aws.String(roleB),
		ContainerDefinitions: []types.ContainerDefinition{container("app", image, true, "awscreds")},
	}, nil)
	taskB := h.waitStopped(arnB)
	if got := exitCode(taskB, "app"); got == nil || *got != 0 {
		t.Errorf("B's exit code %v; want 0", got)
	}
	checkCredentials(t, h.waitLines("hostport80-b", "app", arnB, 1)[0], "AKIDTASKB")
	h.stopTask(arn)
}

func TestEngine_HostNetworkTaskOnPort80WithTaskEndpoints(t *testing.T) {
	h, image, logs := newResourcesHarness(t)
	requireRedirect(t, h, logs)
	web := container("web", image, true, "serve", ":80", "host-web", "--", "forever")
	client := container("client", image, false,
		"fetchenv", "ECS_CONTAINER_METADATA_URI_V4", "/task", "--", "out", "", "--",
		"awscreds", "--", "out", "", "--", "forever")
	arn := h.runDef(&awsecs.RegisterTaskDefinitionInput{
		Family: aws.String("hostnet80"), TaskRoleArn: aws.String(roleA), NetworkMode: types.NetworkModeHost,
		ContainerDefinitions: []types.ContainerDefinition{web, client},
	}, nil)
	task := h.waitRunning(arn)
	if got := getUntilAnswer(t, "http://127.0.0.1:80/"); got != "host-web" {
		t.Errorf("port 80 answers %q; want the task's host-web", got)
	}
	env := h.containerEnv(task, "client")
	if env[taskmeta.EnvCredentialsRelative] == "" || !strings.HasPrefix(env[taskmeta.EnvMetadataURIV4], "http://"+taskmeta.LinkLocalIP+"/v4/") {
		t.Errorf("client environment %v; want metadata at http://169.254.170.2/v4/... and the relative credentials URI", env)
	}
	lines := h.waitLines("hostnet80", "client", arn, 2)
	var meta taskmeta.TaskResponse
	if err := json.Unmarshal([]byte(lines[0]), &meta); err != nil || meta.TaskARN != arn {
		t.Errorf("task metadata from the client = %q (%v); want task %s", lines[0], err, arn)
	}
	checkCredentials(t, lines[1], "AKIDTASKA")
	h.stopTask(arn)
	h.close()
	if rules := h.redirectRules(); len(rules) != 0 {
		t.Errorf("rules after Close: %+v; want none", rules)
	}
}
