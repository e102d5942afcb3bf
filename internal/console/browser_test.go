package console

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/ecsrun/ecsrun/internal/runtime"
	"github.com/ecsrun/ecsrun/internal/runtime/docker"
	"github.com/ecsrun/ecsrun/internal/runtime/fake"
	"github.com/ecsrun/ecsrun/internal/testimage"
)

// The browser tests drive a real headless Chromium through the DevTools
// protocol. They skip when there is no Chromium, unless
// ECSRUN_REQUIRE_DOCKER=1 (CI), and write screenshots to $ECSRUN_ARTIFACTS
// (the test's temporary directory when unset).

// chromiumPath finds the browser: $ECSRUN_CHROMIUM, or Debian's chromium,
// or Google Chrome.
func chromiumPath() string {
	if p := os.Getenv("ECSRUN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless browser for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("ECSRUN_REQUIRE_DOCKER") == "1" {
			t.Fatal("no chromium on PATH (apt-get install chromium, or set ECSRUN_CHROMIUM) and ECSRUN_REQUIRE_DOCKER=1")
		}
		t.Skip("no chromium on PATH (apt-get install chromium, or set ECSRUN_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 860),
		chromedp.Flag("disable-gpu", true), chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// artifacts is where screenshots go.
func artifacts(t *testing.T) string {
	dir := os.Getenv("ECSRUN_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the browser's viewport as a PNG named for the test.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(artifacts(t), "console-"+name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s", p)
}

// waitFor waits until a JavaScript condition holds in the page.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		// A form's POST navigates: the poll starts again on the new page.
		if time.Now().Before(deadline) && (strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "context")) && ctx.Err() == nil {
			continue
		}
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText`))
		t.Fatalf("waiting for %s (%s): %v\nthe page says:\n%s", what, cond, err, html)
	}
}

// markPage marks the loaded page, so a later check sees it was not
// reloaded.
const markPage = `window.__notReloaded = true`

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
}

func TestBrowser_taskStopsLiveWithItsOutput(t *testing.T) {
	ctx := newBrowser(t)
	e := newTestEnv(t, false)
	e.rt.OnCommand("work", fake.RunsUntilStopped("starting work"))
	id := e.run(e.register("worker", "work"))
	task := e.waitTask(id, "RUNNING")
	do(t, ctx, chromedp.Navigate(e.srv.URL+"/console/tasks/default/"+id))
	waitFor(t, ctx, "the running task and its first line", `document.getElementById('last-status').textContent === 'RUNNING' && document.getElementById('logs').textContent.includes('starting work')`)
	eval(t, ctx, markPage)
	// The container prints and exits while the page is open.
	cs, err := e.rt.List(e.ctx(), map[string]string{"com.amazonaws.ecs.task-arn": aws.ToString(task.TaskArn)})
	if err != nil || len(cs) != 1 {
		t.Fatalf("the task's container: %v %v", cs, err)
	}
	if err := e.rt.Print(cs[0].ID, runtime.Stdout, "work done: 42 items"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rt.Exit(cs[0].ID, runtime.ExitStatus{ExitCode: 7}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "STOPPED with the exit code and the last line, without a reload",
		`window.__notReloaded && document.getElementById('last-status').textContent === 'STOPPED' &&
		 document.querySelector('tr[data-container="app"] .exit-code').textContent === '7' &&
		 document.getElementById('logs').textContent.includes('work done: 42 items')`)
	// The search box keeps only the lines that match, across updates.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#logsearch"), "42 items"))
	waitFor(t, ctx, "the search to hide the other line", `[...document.querySelectorAll('.logline')].filter(l => !l.hidden).length === 1 && document.getElementById('logcount').textContent.includes('1 of 2')`)
	screenshot(t, ctx, "task")
	// The task list shows it too, and the keyboard gets there.
	do(t, ctx, chromedp.Navigate(e.srv.URL+"/console/clusters"))
	do(t, ctx, chromedp.KeyEvent("t"))
	waitFor(t, ctx, "the tasks page after the key t", `location.pathname === '/console/tasks' && !!document.querySelector('tr[data-task="`+id+`"]')`)
}

// On Docker: a real container (Debian's busybox) traps SIGTERM, prints
// and exits 4; its page follows it to STOPPED without a reload.
func TestBrowser_dockerTaskStopsLive(t *testing.T) {
	image := testimage.Busybox(t)
	rt, err := docker.New(docker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	ctx := newBrowser(t)
	e := newTestEnvOn(t, rt, false)
	td := e.registerImage("trapper", image, "sh", "-c", "trap 'echo got TERM; exit 4' TERM; echo waiting for TERM; while true; do sleep 0.1; done")
	id := e.run(td)
	task := e.waitTask(id, "RUNNING")
	t.Cleanup(func() { // the containers this test ran
		cs, _ := rt.List(context.Background(), map[string]string{"com.amazonaws.ecs.task-arn": aws.ToString(task.TaskArn)})
		for _, c := range cs {
			rt.Remove(context.Background(), c.ID)
		}
	})
	do(t, ctx, chromedp.Navigate(e.srv.URL+"/console/tasks/default/"+id))
	waitFor(t, ctx, "the running container's first line", `document.getElementById('last-status').textContent === 'RUNNING' && document.getElementById('logs').textContent.includes('waiting for TERM')`)
	eval(t, ctx, markPage)
	if _, err := e.ecs.StopTask(e.ctx(), &awsecs.StopTaskInput{Task: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "STOPPED, exit code 4 and the last line, without a reload",
		`window.__notReloaded && document.getElementById('last-status').textContent === 'STOPPED' &&
		 document.querySelector('tr[data-container="app"] .exit-code').textContent === '4' &&
		 document.getElementById('logs').textContent.includes('got TERM')`)
	screenshot(t, ctx, "docker-task")
}

func TestBrowser_scaleAServiceFromItsPage(t *testing.T) {
	ctx := newBrowser(t)
	e := newTestEnv(t, false)
	e.rt.OnCommand("serve", fake.RunsUntilStopped("listening"))
	td := e.register("web", "serve")
	if _, err := e.ecs.CreateService(e.ctx(), &awsecs.CreateServiceInput{ServiceName: aws.String("web"), TaskDefinition: aws.String(td), DesiredCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(e.srv.URL+"/console/services/default/web"))
	waitFor(t, ctx, "one running task", `document.querySelectorAll('#service-tasks tr[data-status="RUNNING"]').length === 1 && document.getElementById('count-running').textContent === '1'`)
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#desired"), "3"), chromedp.Click(chromedp.CSS("#scale")))
	waitFor(t, ctx, "the service page again, desired 3", `location.pathname === '/console/services/default/web' && document.getElementById('count-desired') && document.getElementById('count-desired').textContent === '3'`)
	waitFor(t, ctx, "three running tasks", `document.querySelectorAll('#service-tasks tr[data-status="RUNNING"]').length === 3 && document.getElementById('count-running').textContent === '3'`)
	screenshot(t, ctx, "service")
	// Scaling down from the page: the stopped tasks show up as such, live.
	eval(t, ctx, markPage)
	if _, err := e.ecs.UpdateService(e.ctx(), &awsecs.UpdateServiceInput{Service: aws.String("web"), DesiredCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "two running tasks, without a reload", `window.__notReloaded && document.querySelectorAll('#service-tasks tr[data-status="RUNNING"]').length === 2 && document.getElementById('count-running').textContent === '2'`)
}

// retrying fails its ECS task twice (retried once a second), then gives up.
const retrying = `{"StartAt":"Prepare","States":{
 "Prepare":{"Type":"Pass","Next":"Flaky"},
 "Flaky":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{"TaskDefinition":"flaky"},
   "Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":1,"MaxAttempts":1}],
   "Catch":[{"ErrorEquals":["States.ALL"],"Next":"GiveUp"}],"End":true},
 "GiveUp":{"Type":"Fail","Error":"Flaky.GaveUp","Cause":"the task failed twice"}}}`

// the fill colours flowgraph gives a state's box.
const (
	fillRunning = "#e3eefc"
	fillFailed  = "#fde7e7"
	fillCaught  = "#fff1dc"
	// in dark mode (computed styles)
	darkFillSucceeded = "rgb(18, 38, 30)"
	darkFillFailed    = "rgb(45, 22, 25)"
	darkFillCaught    = "rgb(43, 29, 14)"
)

func TestBrowser_executionGraphColoursLive(t *testing.T) {
	ctx := newBrowser(t)
	e := newTestEnv(t, false)
	e.rt.OnCommand("flake", fake.Exits(1, "flaking").After(1500*time.Millisecond))
	e.register("flaky", "flake")
	sm, err := e.sfn.CreateStateMachine(e.ctx(), &sfn.CreateStateMachineInput{Name: aws.String("retrying"), Definition: aws.String(retrying), RoleArn: aws.String("arn:aws:iam::000000000000:role/test")})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := e.sfn.StartExecution(e.ctx(), &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("flaky-run")})
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(e.srv.URL+"/console/execution?arn="+aws.ToString(ex.ExecutionArn)))
	eval(t, ctx, markPage)
	fill := func(state string) string {
		return fmt.Sprintf(`(function(){ const g = [...document.querySelectorAll('#graph g > title')].map(t => t.parentNode).find(g => [...g.querySelectorAll('text')].some(x => x.textContent === %q)); return g ? g.querySelector('rect').getAttribute('fill') : ''; })()`, state)
	}
	flaky := fill("Flaky")
	waitFor(t, ctx, "Flaky running (first attempt)", flaky+` === '`+fillRunning+`'`)
	screenshot(t, ctx, "execution-running")
	waitFor(t, ctx, "Flaky failed while the execution retries", flaky+` === '`+fillFailed+`' && document.getElementById('execution-status').textContent === 'RUNNING'`)
	waitFor(t, ctx, "Flaky running again (the retry)", flaky+` === '`+fillRunning+`'`)
	waitFor(t, ctx, "the execution FAILED through the Catch, without a reload",
		`window.__notReloaded && document.getElementById('execution-status').textContent === 'FAILED' && `+flaky+` === '`+fillCaught+`' && `+fill("GiveUp")+` === '`+fillFailed+`'`)
	waitFor(t, ctx, "the two ECS tasks linked to their pages", `document.querySelectorAll('a.ecs-task').length === 2`)
	screenshot(t, ctx, "execution")
	// In dark mode (prefers-color-scheme) the page turns dark.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the dark background", `getComputedStyle(document.body).backgroundColor === 'rgb(13, 17, 23)'`)
	// The graph turns dark with the page: its canvas and every state's
	// box dark, the names light, the states in their dark colours.
	computedFill := func(state string) string {
		return fmt.Sprintf(`(function(){ const g = [...document.querySelectorAll('#graph g > title')].map(t => t.parentNode).find(g => [...g.querySelectorAll('text')].some(x => x.textContent === %q)); return g ? getComputedStyle(g.querySelector('rect')).fill : ''; })()`, state)
	}
	waitFor(t, ctx, "the graph in dark colours", `(function(){
	  const lum = c => { const m = c.match(/\d+/g); if (!m) return -1; const [r, g, b] = m.map(Number); return (0.2126*r + 0.7152*g + 0.0722*b) / 255; };
	  const bg = document.querySelector('#graph rect.fg-bg');
	  const boxes = [...document.querySelectorAll('#graph g > title')].map(t => t.parentNode.querySelector('rect'));
	  const names = [...document.querySelectorAll('#graph text.fg-name')];
	  return bg && lum(getComputedStyle(bg).fill) >= 0 && lum(getComputedStyle(bg).fill) < 0.15 &&
	    lum(getComputedStyle(document.getElementById('graph')).backgroundColor) < 0.15 &&
	    boxes.length === 3 && boxes.every(r => lum(getComputedStyle(r).fill) >= 0 && lum(getComputedStyle(r).fill) < 0.15) &&
	    names.length === 3 && names.every(x => lum(getComputedStyle(x).fill) > 0.7);
	})()`)
	waitFor(t, ctx, "Flaky caught and GiveUp failed, in the dark palette", computedFill("Flaky")+` === '`+darkFillCaught+`' && `+computedFill("GiveUp")+` === '`+darkFillFailed+`' && `+computedFill("Prepare")+` === '`+darkFillSucceeded+`'`)
	screenshot(t, ctx, "execution-dark")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a.ecs-task').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(href, "/console/tasks/default/") {
		t.Fatalf("task link %q %v", href, err)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("a.ecs-task")))
	waitFor(t, ctx, "the task page of the workflow's task", `document.getElementById('last-status') && document.getElementById('last-status').textContent === 'STOPPED' && document.getElementById('logs').textContent.includes('flaking')`)
}

func TestBrowser_login(t *testing.T) {
	ctx := newBrowser(t)
	e := newTestEnv(t, true)
	do(t, ctx, chromedp.Navigate(e.srv.URL+"/console/clusters"))
	waitFor(t, ctx, "the login page", `location.pathname === '/console/login' && !!document.querySelector('input[name=secretAccessKey]')`)
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("input[name=accessKeyId]"), testKey.AccessKeyID),
		chromedp.SetValue(chromedp.CSS("input[name=secretAccessKey]"), "not-the-secret"),
		chromedp.Click(chromedp.CSS("button[type=submit]")))
	waitFor(t, ctx, "the refusal", `!!document.querySelector('.problem') && document.querySelector('.problem').textContent.includes('not one ecsrun serve was configured with')`)
	screenshot(t, ctx, "login")
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("input[name=accessKeyId]"), testKey.AccessKeyID),
		chromedp.SetValue(chromedp.CSS("input[name=secretAccessKey]"), testKey.SecretAccessKey),
		chromedp.Click(chromedp.CSS("button[type=submit]")))
	waitFor(t, ctx, "the clusters page after login, live", `location.pathname === '/console/clusters' && !!document.querySelector('[data-cluster="default"]') && document.getElementById('live-state').textContent === 'live'`)
	// The session cookie is not readable by scripts.
	if c, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || strings.Contains(c, cookieName) {
		t.Errorf("document.cookie = %q (%v): the session cookie must be HttpOnly", c, err)
	}
	// Log out; a one-time login URL logs in again.
	do(t, ctx, chromedp.Click(chromedp.CSS("header form button")))
	waitFor(t, ctx, "the login page after logout", `location.pathname === '/console/login'`)
	do(t, ctx, chromedp.Navigate(e.con.LoginURL(e.srv.URL)))
	waitFor(t, ctx, "the tasks page after the one-time URL", `location.pathname === '/console/tasks' && document.querySelector('h1').textContent === 'Tasks'`)
}
