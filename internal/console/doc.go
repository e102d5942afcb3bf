// Package console is the web console of `ecsrun serve`, mounted at
// /console/: server-rendered pages (html/template) of clusters, tasks,
// services, task definitions, container instances, workflows and logs,
// whose live part the server pushes again as server-sent events whenever
// it changes.
//
// The console is a client of the same APIs as every other client: it
// reads and acts through aws-sdk-go-v2 clients (in `ecsrun serve`, talking
// to the engine's handler in-process), so it never holds state of its
// own beyond its login sessions. Its assets (templates, CSS, JavaScript)
// are embedded: it works offline.
package console
