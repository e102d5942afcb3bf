package console

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awsecs "github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/ecsrun/ecsrun/internal/sigv4"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

// Options configures a Console.
type Options struct {
	// ECS, Logs and SFN are the clients the console reads and acts
	// through.
	ECS  *awsecs.Client
	Logs *cloudwatchlogs.Client
	SFN  *sfn.Client
	// Credentials, when set, are the keys a user logs in with (the keys
	// serve verifies SigV4 signatures with); when nil the console is open,
	// as the API is without credentials.
	Credentials sigv4.Credentials
	// Trust, when set, is called with the context of every request the
	// console authenticates (serve marks its connection trusted).
	Trust func(context.Context)
	// Interval is how often a live page checks for changes (500ms when 0).
	Interval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	Log *slog.Logger
}

// Console serves the web console.
type Console struct {
	opts     Options
	mux      *http.ServeMux
	pages    map[string]*template.Template
	sessions *sessions
}

//go:embed web
var webFS embed.FS

// New returns a console.
func New(opts Options) *Console {
	if opts.Interval == 0 {
		opts.Interval = 500 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	c := &Console{opts: opts, mux: http.NewServeMux(), sessions: newSessions(opts.Now)}
	c.pages = parseTemplates()
	c.routes()
	return c
}

func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(webFS, "web/templates/layout.html"))
	names, err := fs.Glob(webFS, "web/templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "web/templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(base.Clone()).ParseFS(webFS, n))
	}
	return pages
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'")
	c.mux.ServeHTTP(w, r)
}

// Mount returns a handler that serves the console under Prefix (and
// redirects a GET of /console to it) and everything else with api.
func Mount(api http.Handler, c *Console) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/console":
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix, http.StatusFound)
				return
			}
			api.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, Prefix):
			c.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	})
}

func (c *Console) routes() {
	static, _ := fs.Sub(webFS, "web/static")
	files := http.StripPrefix(Prefix+"static/", http.FileServerFS(static))
	c.mux.Handle("GET "+Prefix+"static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		files.ServeHTTP(w, r)
	}))
	c.mux.HandleFunc("GET "+Prefix+"login", c.loginPage)
	c.mux.HandleFunc("POST "+Prefix+"login", c.login)
	c.mux.HandleFunc("POST "+Prefix+"logout", c.logout)
	c.mux.HandleFunc("GET "+Prefix+"{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"tasks", http.StatusFound)
	})
	page := func(pattern, tmpl string, load loader) {
		c.mux.Handle("GET "+Prefix+pattern, c.authed(c.page(tmpl, load)))
	}
	action := func(pattern string, act actor) {
		c.mux.Handle("POST "+Prefix+pattern, c.authed(c.action(act)))
	}
	page("tasks", "tasks", c.loadTasks)
	page("tasks/{cluster}/{task}", "task", c.loadTask)
	action("tasks/{cluster}/{task}/stop", c.stopTask)
	action("tasks/{cluster}/{task}/run-again", c.runAgain)
	page("clusters", "clusters", c.loadClusters)
	page("services", "services", c.loadServices)
	page("services/{cluster}/{service}", "service", c.loadService)
	action("services/{cluster}/{service}/scale", c.scaleService)
	action("services/{cluster}/{service}/redeploy", c.redeployService)
	page("taskdefs", "taskdefs", c.loadFamilies)
	page("taskdefs/{family}", "family", c.loadFamily)
	page("taskdefs/{family}/diff", "diff", c.loadDiff)
	page("taskdefs/{family}/{revision}", "taskdef", c.loadTaskDef)
	page("instances", "instances", c.loadInstances)
	page("workflows", "workflows", c.loadWorkflows)
	page("workflow", "workflow", c.loadWorkflow)
	page("execution", "execution", c.loadExecution)
	page("logs", "logs", c.loadLogGroups)
	page("logs/group", "loggroup", c.loadLogGroup)
	page("logs/stream", "logstream", c.loadLogStream)
}
