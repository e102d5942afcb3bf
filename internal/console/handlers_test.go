package console

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/ecsrun/ecsrun/internal/engine"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/serveconfig"
)

// browser is an HTTP client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string, http.Header) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

func TestPages_showWhatTheAPIsSay(t *testing.T) {
	e := newTestEnv(t, false)
	e.rt.OnCommand("greet", fake.Exits(3, "hello from the task", "second line"))
	td := e.register("greeter", "greet")
	id := e.run(td)
	e.waitTask(id, "STOPPED")
	e.register("greeter", "greet", "again")
	c := browser(t)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/console/tasks", []string{id, "greeter:1", "STOPPED", "console-test"}},
		{"/console/tasks?family=greeter&status=STOPPED", []string{id}},
		{"/console/tasks/default/" + id, []string{"Task <span class=\"mono\">" + id, "hello from the task", "second line", `<td class="exit-code">3</td>`, "Essential container in task exited", "PROVISIONING (created)", "STOPPED</li>"[0:7]}},
		{"/console/clusters", []string{`data-cluster="default"`, "ACTIVE"}},
		{"/console/instances", []string{"CPU:", "MEMORY:"}},
		{"/console/taskdefs", []string{"greeter"}},
		{"/console/taskdefs/greeter", []string{"greeter:2", "greeter:1"}},
		{"/console/taskdefs/greeter/1", []string{`&#34;family&#34;: &#34;greeter&#34;`, `&#34;containerDefinitions&#34;`}},
		{"/console/taskdefs/greeter/diff?a=1&b=2", []string{`<div class="add">&#43;         &#34;again&#34;</div>`}},
		{"/console/logs", []string{"/ecsrun/tasks"}},
		{"/console/logs/group?name=%2Fecsrun%2Ftasks&q=hello", []string{"1 matching events", "hello from the task"}},
		{"/console/logs/stream?group=%2Fecsrun%2Ftasks&stream=greeter%2Fapp%2F" + id, []string{"second line"}},
		{"/console/workflows", []string{"No state machines"}},
		{"/console/services", []string{"No services"}},
	} {
		code, body, _ := get(t, c, e.srv.URL+tc.path)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d\n%s", tc.path, code, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: no %q in\n%s", tc.path, w, body)
			}
		}
	}
	// The filters leave other tasks out.
	if _, body, _ := get(t, c, e.srv.URL+"/console/tasks?status=RUNNING"); strings.Contains(body, id) {
		t.Errorf("the RUNNING filter lists the stopped task %s", id)
	}
	// Errors are pages that say what is wrong.
	for path, want := range map[string]string{
		"/console/tasks/default/0123456789abcdef0123456789abcdef": "is not in cluster default",
		"/console/taskdefs/nosuch/1":                              "ClientException",
		"/console/execution":                                      "give its ARN",
	} {
		code, body, _ := get(t, c, e.srv.URL+path)
		if code < 400 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want an error page saying %q:\n%s", path, code, want, body)
		}
	}
}

func TestActions_needTheCSRFTokenAndGoThroughTheAPI(t *testing.T) {
	e := newTestEnv(t, false)
	e.rt.OnCommand("serve", fake.RunsUntilStopped("up"))
	td := e.register("server", "serve")
	id := e.run(td)
	e.waitTask(id, "RUNNING")
	c := browser(t)
	page := e.srv.URL + "/console/tasks/default/" + id
	_, body, _ := get(t, c, page)
	tok := csrfOf(t, body)
	// Without the token (another site's form): refused, the task runs on.
	if code, _, _ := post(t, c, page+"/stop", url.Values{}); code != http.StatusForbidden {
		t.Errorf("stop without a CSRF token: %d, want 403", code)
	}
	if code, _, _ := post(t, browser(t), page+"/stop", url.Values{"csrf": {tok}}); code != http.StatusForbidden {
		t.Errorf("stop from a browser without the session: %d, want 403", code)
	}
	e.waitTask(id, "RUNNING")
	// Run again: a new task of the same definition, and its page.
	code, _, h := post(t, c, page+"/run-again", url.Values{"csrf": {tok}})
	if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/console/tasks/default/") || strings.HasSuffix(h.Get("Location"), id) {
		t.Fatalf("run again: %d to %q", code, h.Get("Location"))
	}
	again := shortArn(h.Get("Location"))
	if tk := e.waitTask(again, "RUNNING"); aws.ToString(tk.StartedBy) != "ecsrun-console" || aws.ToString(tk.TaskDefinitionArn) != td {
		t.Errorf("run again started %+v", tk)
	}
	// Stop.
	if code, _, h := post(t, c, page+"/stop", url.Values{"csrf": {tok}}); code != http.StatusSeeOther || h.Get("Location") != "/console/tasks/default/"+id {
		t.Fatalf("stop: %d to %q", code, h.Get("Location"))
	}
	if tk := e.waitTask(id, "STOPPED"); aws.ToString(tk.StoppedReason) != "Stopped from the ecsrun console" {
		t.Errorf("stopped reason %q", aws.ToString(tk.StoppedReason))
	}
	// A service: scale it and force a new deployment.
	_, err := e.ecs.CreateService(e.ctx(), &awsecs.CreateServiceInput{ServiceName: aws.String("web"), TaskDefinition: aws.String(td), DesiredCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	spage := e.srv.URL + "/console/services/default/web"
	if code, body, _ := get(t, c, spage); code != 200 || !strings.Contains(body, "Circuit breaker") {
		t.Fatalf("service page: %d\n%s", code, body)
	}
	if code, body, _ := post(t, c, spage+"/scale", url.Values{"csrf": {tok}, "desiredCount": {"-1"}}); code != http.StatusBadRequest || !strings.Contains(body, "whole number") {
		t.Errorf("scale to -1: %d\n%s", code, body)
	}
	if code, _, _ := post(t, c, spage+"/scale", url.Values{"csrf": {tok}, "desiredCount": {"3"}}); code != http.StatusSeeOther {
		t.Errorf("scale to 3: %d", code)
	}
	before, err := e.ecs.DescribeServices(e.ctx(), &awsecs.DescribeServicesInput{Services: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := post(t, c, spage+"/redeploy", url.Values{"csrf": {tok}}); code != http.StatusSeeOther {
		t.Errorf("redeploy: %d", code)
	}
	out, err := e.ecs.DescribeServices(e.ctx(), &awsecs.DescribeServicesInput{Services: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.Services[0]; s.DesiredCount != 3 || aws.ToString(s.Deployments[0].Id) == aws.ToString(before.Services[0].Deployments[0].Id) {
		t.Errorf("after scale and redeploy: desired %d, deployments %+v (before %+v)", s.DesiredCount, s.Deployments, before.Services[0].Deployments)
	}
}

func TestLive_pushesThePartThatChanged(t *testing.T) {
	e := newTestEnv(t, false)
	e.rt.OnCommand("serve", fake.RunsUntilStopped("up"))
	td := e.register("server", "serve")
	id := e.run(td)
	e.waitTask(id, "RUNNING")
	c := browser(t)
	get(t, c, e.srv.URL+"/console/tasks") // the session cookie
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/console/tasks/default/"+id, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<22)
		var b strings.Builder
		for sc.Scan() {
			line := sc.Text()
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				b.WriteString(d + "\n")
			} else if line == "" && b.Len() > 0 {
				events <- b.String()
				b.Reset()
			}
		}
		close(events)
	}()
	first := <-events
	if !strings.Contains(first, `id="last-status">RUNNING`) || strings.Contains(first, "<html") {
		t.Fatalf("first event is not the live part of a running task:\n%s", first)
	}
	if _, err := e.ecs.StopTask(e.ctx(), &awsecs.StopTaskInput{Task: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if strings.Contains(ev, `id="last-status">STOPPED`) {
			return
		}
	}
	t.Fatal("the stream ended before the task was STOPPED")
}

func TestLogin(t *testing.T) {
	e := newTestEnv(t, true)
	c := browser(t)
	// A page without a session goes to the login page; a stream or a form
	// gets 401.
	code, _, h := get(t, c, e.srv.URL+"/console/services?cluster=default")
	if code != http.StatusSeeOther || h.Get("Location") != "/console/login?next=%2Fconsole%2Fservices%3Fcluster%3Ddefault" {
		t.Fatalf("page without a session: %d to %q", code, h.Get("Location"))
	}
	if code, _, _ := post(t, c, e.srv.URL+"/console/tasks/default/x/stop", url.Values{}); code != http.StatusUnauthorized {
		t.Errorf("action without a session: %d", code)
	}
	if code, body, _ := get(t, c, e.srv.URL+"/console/login"); code != 200 || !strings.Contains(body, "Secret access key") {
		t.Fatalf("login page: %d", code)
	}
	// The API itself still wants signatures.
	if resp, err := http.Post(e.srv.URL+"/", "application/x-amz-json-1.1", strings.NewReader("{}")); err != nil || resp.StatusCode < 400 {
		t.Errorf("unsigned API request: %v %v", resp, err)
	}
	for _, bad := range []url.Values{
		{"accessKeyId": {testKey.AccessKeyID}, "secretAccessKey": {"wrong"}},
		{"accessKeyId": {"AKIDOTHER"}, "secretAccessKey": {testKey.SecretAccessKey}},
		{"accessKeyId": {""}, "secretAccessKey": {""}},
	} {
		code, body, h := post(t, c, e.srv.URL+"/console/login", bad)
		if code != http.StatusUnauthorized || !strings.Contains(body, "not one ecsrun serve was configured with") || h.Get("Set-Cookie") != "" {
			t.Errorf("login with %v: %d %q", bad, code, h.Get("Set-Cookie"))
		}
	}
	code, _, h = post(t, c, e.srv.URL+"/console/login", url.Values{"accessKeyId": {testKey.AccessKeyID}, "secretAccessKey": {testKey.SecretAccessKey}, "next": {"/console/services?cluster=default"}})
	if code != http.StatusSeeOther || h.Get("Location") != "/console/services?cluster=default" {
		t.Fatalf("login: %d to %q", code, h.Get("Location"))
	}
	ck := h.Get("Set-Cookie")
	for _, w := range []string{"HttpOnly", "SameSite=Strict", "Path=/console/", cookieName + "="} {
		if !strings.Contains(ck, w) {
			t.Errorf("session cookie %q lacks %s", ck, w)
		}
	}
	code, body, _ := get(t, c, e.srv.URL+"/console/services?cluster=default")
	if code != 200 || !strings.Contains(body, "Log out") || !strings.Contains(body, testKey.AccessKeyID) {
		t.Fatalf("page after login: %d\n%s", code, body)
	}
	// Log out ends the session.
	if code, _, _ := post(t, c, e.srv.URL+"/console/logout", url.Values{"csrf": {csrfOf(t, body)}}); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	if code, _, _ := get(t, c, e.srv.URL+"/console/tasks"); code != http.StatusSeeOther {
		t.Errorf("page after logout: %d", code)
	}
	// A one-time login URL logs in once; a redirect never leaves the console.
	u := e.con.LoginURL(e.srv.URL)
	c2 := browser(t)
	if code, _, h := get(t, c2, u+"&next=https://evil.example/"); code != http.StatusSeeOther || h.Get("Location") != "/console/tasks" {
		t.Fatalf("one-time URL: %d to %q", code, h.Get("Location"))
	}
	if code, _, _ := get(t, c2, e.srv.URL+"/console/tasks"); code != 200 {
		t.Errorf("page after the one-time URL: %d", code)
	}
	if code, body, _ := get(t, browser(t), u); code != http.StatusUnauthorized || !strings.Contains(body, "used already") {
		t.Errorf("one-time URL used twice: %d", code)
	}
}

func TestMount_leavesTheAPIAlone(t *testing.T) {
	e := newTestEnv(t, false)
	c := browser(t)
	if code, _, h := get(t, c, e.srv.URL+"/console"); code != http.StatusFound || h.Get("Location") != "/console/" {
		t.Errorf("GET /console: %d to %q", code, h.Get("Location"))
	}
	if code, _, h := get(t, c, e.srv.URL+"/console/"); code != http.StatusFound || h.Get("Location") != "/console/tasks" {
		t.Errorf("GET /console/: %d to %q", code, h.Get("Location"))
	}
	// The API answers at / as before: an SDK call works through the mount.
	cfg := e.ecs.Options()
	cfg.BaseEndpoint = aws.String(e.srv.URL)
	cfg.HTTPClient = http.DefaultClient
	if _, err := awsecs.New(cfg).ListClusters(e.ctx(), &awsecs.ListClustersInput{}); err != nil {
		t.Errorf("ListClusters through the mount: %v", err)
	}
	// Assets are embedded, with their types.
	for path, ct := range map[string]string{"/console/static/console.css": "text/css", "/console/static/console.js": "javascript"} {
		if code, body, h := get(t, c, e.srv.URL+path); code != 200 || !strings.Contains(h.Get("Content-Type"), ct) || len(body) < 100 {
			t.Errorf("GET %s: %d %q", path, code, h.Get("Content-Type"))
		}
	}
	if _, _, h := get(t, c, e.srv.URL+"/console/tasks"); !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("security headers %v", h)
	}
}

// Instances declared in three zones: the page groups them by zone, with
// their CPU and memory in use and the tasks spread over them.
func TestInstances_groupedByZone(t *testing.T) {
	cfg, err := serveconfig.Parse([]byte(`
clusters: [{name: demo}]
instances:
  - {name: web, cluster: demo, count: 3, cpu: 1024, memory: 2GB, zones: [us-east-1a, us-east-1b, us-east-1c]}
`))
	if err != nil {
		t.Fatal(err)
	}
	rt := fake.New()
	rt.OnCommand("serve", fake.RunsUntilStopped())
	e := newTestEnvWith(t, engine.Options{Runtime: rt, Config: cfg, NoHostInstance: true}, false)
	td := e.register("web", "serve")
	out, err := e.ecs.RunTask(e.ctx(), &awsecs.RunTaskInput{Cluster: aws.String("demo"), TaskDefinition: aws.String(td), Count: aws.Int32(3),
		PlacementStrategy: []types.PlacementStrategy{{Type: types.PlacementStrategyTypeSpread, Field: aws.String("attribute:ecs.availability-zone")}}})
	if err != nil || len(out.Tasks) != 3 {
		t.Fatalf("RunTask: %v %+v", err, out)
	}
	code, body, _ := get(t, browser(t), e.srv.URL+"/console/instances?cluster=demo")
	if code != 200 {
		t.Fatalf("instances: %d\n%s", code, body)
	}
	zones := regexp.MustCompile(`<h2>(us-east-1[abc])</h2>`).FindAllStringSubmatch(body, -1)
	if len(zones) != 3 || zones[0][1] != "us-east-1a" || zones[2][1] != "us-east-1c" {
		t.Errorf("zones %q", zones)
	}
	// 64 MiB of 2048 in use on each: one task per zone.
	if n := strings.Count(body, "MEMORY: 1984 of 2048 free"); n != 3 {
		t.Errorf("%d instances with one task's memory in use, want 3:\n%s", n, body)
	}
	for _, tk := range out.Tasks {
		if id := shortArn(aws.ToString(tk.TaskArn)); !strings.Contains(body, `href="/console/tasks/demo/`+id+`"`) {
			t.Errorf("task %s is not on the page", id)
		}
	}
}

// TestExecution_graphFollowsTheTheme: the graph on an execution's page
// (and in the live part the page receives) is flowgraph's themed SVG:
// classes for the states' statuses and the dark rules, so it turns dark
// with the page; the state machine's page too.
func TestExecution_graphFollowsTheTheme(t *testing.T) {
	e := newTestEnv(t, false)
	sm, err := e.sfn.CreateStateMachine(e.ctx(), &sfn.CreateStateMachineInput{Name: aws.String("pass"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"},"Q":{"Type":"Fail","Error":"E"}}}`),
		RoleArn:    aws.String("arn:aws:iam::000000000000:role/test")})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.sfn.StartExecution(e.ctx(), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("once")})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		d, err := e.sfn.DescribeExecution(e.ctx(), &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == sfntypes.ExecutionStatusFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the execution is %s; want FAILED", d.Status)
		}
		time.Sleep(50 * time.Millisecond) // polling the API for the condition, with a deadline
	}
	graph := regexp.MustCompile(`(?s)<div class="graph" id="graph">(.*?)</svg>`)
	box := func(page, state string) string {
		m := regexp.MustCompile(`<title>[A-Za-z]+ state ` + state + `(?:: [^<]*)?</title><rect [^>]*class="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			return ""
		}
		return m[1]
	}
	check := func(what, page string) {
		t.Helper()
		m := graph.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s has no graph:\n%s", what, page)
		}
		g := m[1]
		for _, want := range []string{`<style>@media (prefers-color-scheme: dark){`, `.fg-succeeded{fill:`, `class="fg-bg"`, `class="fg-name"`, `class="fg-edge-taken"`} {
			if !strings.Contains(g, want) {
				t.Errorf("the graph of %s lacks %q", what, want)
			}
		}
		if got := box(g, "P"); got != "fg-succeeded" {
			t.Errorf("%s: the box of P has class %q; want fg-succeeded", what, got)
		}
		if got := box(g, "Q"); got != "fg-failed" {
			t.Errorf("%s: the box of Q has class %q; want fg-failed", what, got)
		}
	}
	c := browser(t)
	u := e.srv.URL + "/console/execution?arn=" + url.QueryEscape(aws.ToString(ex.ExecutionArn))
	code, page, _ := get(t, c, u)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, code, page)
	}
	check("the execution's page", page)
	// The live part, which replaces the graph as the execution goes on.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<22)
	var b strings.Builder
	for sc.Scan() {
		line := sc.Text()
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			b.WriteString(d + "\n")
		} else if line == "" && b.Len() > 0 {
			break
		}
	}
	check("the live part of the execution's page", b.String())
	// The state machine's page draws the graph uncoloured, themed too.
	_, page, _ = get(t, c, e.srv.URL+"/console/workflow?arn="+url.QueryEscape(aws.ToString(sm.StateMachineArn)))
	if !strings.Contains(page, `<style>@media (prefers-color-scheme: dark){`) || box(page, "P") != "fg-notrun" {
		t.Errorf("the state machine's graph is not themed:\n%s", page)
	}
}
