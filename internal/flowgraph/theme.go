package flowgraph

import (
	"fmt"
	"math"
	"strings"
)

// palette is the colours of a picture: of each status (box fill, box
// stroke), of the edges and of the text.
type palette struct {
	status             map[Status][2]string
	bg                 string // the canvas, and the edge labels' backing
	edge, taken, catch string // edges: not taken, taken, taken to a Catch
	name, typ, detail  string // text: a state's name (and the title), its type line, its detail (and the legend)
	marker, markerLine string // the Start and End markers
	frame, frameLine   string // the frames of nested graphs
}

// light is the palette of the standalone SVG: fixed colours, drawn as
// presentation attributes, so the file looks the same in any viewer.
var light = palette{
	status: map[Status][2]string{
		NotRun:    {"#ffffff", "#8a8f98"},
		Succeeded: {"#e3f5e1", "#2e7d32"},
		Failed:    {"#fde7e7", "#c62828"},
		Caught:    {"#fff1dc", "#c96f00"},
		Running:   {"#e3eefc", "#1565c0"},
		Aborted:   {"#eeeeee", "#616161"},
	},
	bg:   "#fafafa",
	edge: "#9aa0a6", taken: "#2e7d32", catch: "#c96f00",
	name: "#202124", typ: "#5f6368", detail: "#3c4043",
	marker: "#ffffff", markerLine: "#5f6368",
	frame: "#ffffff", frameLine: "#dadce0",
}

// dark is the palette ThemedSVG switches to when the viewer prefers a
// dark colour scheme (the console's dark mode: its colours are GitHub's
// dark ones, which the console's own stylesheet uses).
var dark = palette{
	status: map[Status][2]string{
		NotRun:    {"#0d1117", "#8b949e"},
		Succeeded: {"#12261e", "#3fb950"},
		Failed:    {"#2d1619", "#f85149"},
		Caught:    {"#2b1d0e", "#d29922"},
		Running:   {"#121d2f", "#58a6ff"},
		Aborted:   {"#262c36", "#c9d1d9"},
	},
	bg:   "#161b22",
	edge: "#7d8590", taken: "#3fb950", catch: "#d29922",
	name: "#e6edf3", typ: "#9198a1", detail: "#c9d1d9",
	marker: "#0d1117", markerLine: "#9198a1",
	frame: "#0d1117", frameLine: "#30363d",
}

// colours of a status in the standalone SVG: fill, stroke.
var colours = light.status

// statusClass is the class of a status's boxes.
func statusClass(s Status) string {
	if s == NotRun {
		return "fg-notrun"
	}
	return "fg-" + string(s)
}

// The kinds of edges, for their classes (fg-edge-KIND on the path,
// fg-label-KIND on its label's text).
const (
	edgePlain = "plain"
	edgeTaken = "taken"
	edgeCatch = "catch"
	edgeFail  = "fail"
)

// edgeColour is the colour of an edge of a kind.
func (p palette) edgeColour(kind string) string {
	switch kind {
	case edgeTaken:
		return p.taken
	case edgeCatch:
		return p.catch
	case edgeFail:
		return p.status[Failed][1]
	}
	return p.edge
}

// css is the rules that paint the classes ThemedSVG gives its elements
// in a palette. CSS properties win over presentation attributes, so
// these rules repaint what the attributes drew.
func (p palette) css() string {
	var b strings.Builder
	rule := func(sel, decl string, args ...any) {
		fmt.Fprintf(&b, "%s{%s}\n", sel, fmt.Sprintf(decl, args...))
	}
	rule(".fg-bg", "fill:%s", p.bg)
	rule(".fg-label-bg", "fill:%s", p.bg)
	rule(".fg-name", "fill:%s", p.name)
	rule(".fg-type", "fill:%s", p.typ)
	rule(".fg-detail", "fill:%s", p.detail)
	rule(".fg-marker", "fill:%s;stroke:%s", p.marker, p.markerLine)
	rule(".fg-marker-taken", "fill:%s;stroke:%s", p.status[Succeeded][0], p.markerLine)
	rule(".fg-frame", "fill:%s;stroke:%s", p.frame, p.frameLine)
	for _, k := range []string{edgePlain, edgeTaken, edgeCatch, edgeFail} {
		rule(".fg-edge-"+k, "stroke:%s", p.edgeColour(k))
		rule(".fg-label-"+k, "fill:%s", p.edgeColour(k))
	}
	for _, s := range statuses {
		c := p.status[s]
		rule("."+statusClass(s), "fill:%s;stroke:%s", c[0], c[1])
	}
	return b.String()
}

// statuses in the legend's order.
var statuses = []Status{Succeeded, Caught, Failed, Running, Aborted, NotRun}

// themeStyle is the <style> element of ThemedSVG: the dark palette when
// the viewer prefers a dark colour scheme. (The light one is the
// presentation attributes.)
func themeStyle() string {
	return "<style>@media (prefers-color-scheme: dark){\n" + dark.css() + "}</style>\n"
}

// luminance is the relative luminance of a colour #rrggbb (WCAG 2).
func luminance(hex string) float64 {
	var r, g, b int
	fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b)
	lin := func(v int) float64 {
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the contrast ratio of two colours (WCAG 2: 1 to 21).
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}
