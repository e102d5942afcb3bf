package flowgraph

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// SVG renders the graph as a standalone SVG document. Its elements come
// in layers, bottom to top: the boxes of Parallel and Map states (with
// their nested graphs' frames), the edges, the other states and the
// Start and End markers, the edges' labels; so no container hides an
// edge or a label. The canvas is the bounding box of everything drawn,
// the title and the legend included. Its colours are fixed (presentation
// attributes), so a file of it looks the same in any viewer.
func (g *Graph) SVG(title string) string { return g.svg(title, false) }

// ThemedSVG is SVG with a class on every coloured element (fg-bg,
// fg-succeeded, fg-edge-taken, fg-name, ...) and a <style> element that
// repaints them in dark colours when the viewer prefers a dark colour
// scheme: for a page, such as the console's, that follows the browser's
// theme. Without the classes and the <style> it is SVG's picture.
func (g *Graph) ThemedSVG(title string) string { return g.svg(title, true) }

func (g *Graph) svg(title string, themed bool) string {
	l := computeLayout(g)
	c := &canvas{themed: themed}
	top := 0.0
	if title != "" {
		top = 28
		// Bold 14 px text, as wide as textWidth makes 12 px text, and a bit.
		c.cover(margin, 4, titleWidth(title), 20)
	}
	g.render(c, l, 0, top)
	h := l.h + top
	legend := g.coloured()
	var lg strings.Builder
	if legend {
		x := margin
		y := h + 16
		for _, s := range statuses {
			name := string(s)
			if s == NotRun {
				name = "not run"
			}
			col := light.status[s]
			fmt.Fprintf(&lg, `<rect x="%.1f" y="%.1f" width="12" height="12" rx="3" fill="%s" stroke="%s"%s/><text x="%.1f" y="%.1f" fill="%s"%s>%s</text>`+"\n",
				x, y-10, col[0], col[1], c.class(statusClass(s)), x+16, y, light.detail, c.class("fg-detail"), name)
			x += 16 + textWidth(name) + 18
		}
		c.cover(margin, y-10, x-18-margin, 14)
	}
	// The layout leaves a margin around the graph; only what pokes out
	// of it (a long label, a loop) moves the canvas's edges.
	x0, y0 := min(0, c.minX-margin), min(0, c.minY-4)
	w, ht := c.maxX+margin-x0, c.maxY+margin-y0
	if legend {
		ht = c.maxY + 10 - y0
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="%.0f %.0f %.0f %.0f" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		math.Ceil(w), math.Ceil(ht), math.Floor(x0), math.Floor(y0), math.Ceil(w), math.Ceil(ht))
	if themed {
		b.WriteString(themeStyle())
	}
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>` + "\n")
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="%s"%s/>`+"\n", math.Floor(x0), math.Floor(y0), math.Ceil(w), math.Ceil(ht), light.bg, c.class("fg-bg"))
	if title != "" {
		cls := "title"
		if themed {
			cls += " fg-name"
		}
		fmt.Fprintf(&b, `<text class=%q x="%.0f" y="20" font-size="14" font-weight="bold" fill="%s">%s</text>`+"\n", cls, margin, light.name, esc(title))
	}
	for i, name := range layerNames {
		fmt.Fprintf(&b, "<g class=%q>\n%s</g>\n", name, c.layers[i].String())
	}
	b.WriteString(lg.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// titleWidth is the room the title takes (bold 14 px).
func titleWidth(title string) float64 { return textWidth(title) * 14 / 12 * 1.08 }

// The layers of the picture, bottom to top.
const (
	layerContainers = iota
	layerEdges
	layerNodes
	layerLabels
)

var layerNames = [...]string{"containers", "edges", "nodes", "labels"}

// canvas collects the elements of each layer and the bounds of what they
// cover.
type canvas struct {
	layers                 [len(layerNames)]strings.Builder
	labels                 []box // placed labels (x, y: top left)
	any                    bool
	themed                 bool // classes on the coloured elements
	minX, minY, maxX, maxY float64
}

// placeLabel returns where a label's rectangle goes: where asked, or
// moved down below the labels placed before that it would cover.
func (c *canvas) placeLabel(x, y, w, h float64) (float64, float64) {
	for range 20 {
		moved := false
		for _, r := range c.labels {
			if x < r.x+r.w && r.x < x+w && y < r.y+r.h && r.y < y+h {
				y = r.y + r.h + 1
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	c.labels = append(c.labels, box{x: x, y: y, w: w, h: h})
	return x, y
}

// cover extends the bounds to a rectangle.
func (c *canvas) cover(x, y, w, h float64) {
	if !c.any {
		c.minX, c.minY, c.maxX, c.maxY, c.any = x, y, x+w, y+h, true
		return
	}
	c.minX, c.minY = min(c.minX, x), min(c.minY, y)
	c.maxX, c.maxY = max(c.maxX, x+w), max(c.maxY, y+h)
}

// class is a class attribute, on a themed canvas.
func (c *canvas) class(name string) string {
	if !c.themed {
		return ""
	}
	return ` class="` + name + `"`
}

func (c *canvas) printf(layer int, format string, args ...any) {
	fmt.Fprintf(&c.layers[layer], format, args...)
}

// coloured reports whether an execution coloured the graph.
func (g *Graph) coloured() bool {
	any := false
	g.walk(func(_ *Graph, n *Node) {
		if n.Status != NotRun {
			any = true
		}
	})
	return any
}

func esc(s string) string { return html.EscapeString(s) }

func (g *Graph) render(c *canvas, l *layout, ox, oy float64) {
	for _, e := range g.Edges {
		kind, width, dash := edgePlain, 1.2, ""
		if e.Kind == "catch" {
			dash = ` stroke-dasharray="5,4"`
		}
		if e.Taken {
			kind, width = edgeTaken, 2.4
			if e.Kind == "catch" {
				kind = edgeCatch
			}
			if from := g.ids[e.From]; from != nil && from.Type == "Fail" {
				kind = edgeFail // the way out of a Fail state
			}
		}
		colour := light.edgeColour(kind)
		d, pts, lx, ly := l.path(e, ox, oy)
		for _, p := range pts {
			c.cover(p.x-4, p.y-4, 8, 8) // (the arrow head)
		}
		c.printf(layerEdges, `<path d="%s" fill="none" stroke="%s" stroke-width="%.1f"%s marker-end="url(#arrow)"%s/>`+"\n", d, colour, width, dash, c.class("fg-edge-"+kind))
		if e.Label != "" {
			label := e.Label
			if len([]rune(label)) > 40 {
				label = string([]rune(label)[:39]) + "…"
			}
			// Beside the edge, to its right.
			w := textWidth(label)*0.85 + 6
			lx, ly = c.placeLabel(lx+4, ly-10, w, 14)
			lx, ly = lx-4, ly+10
			c.cover(lx+4, ly-10, w, 14)
			c.printf(layerLabels, `<rect x="%.1f" y="%.1f" width="%.1f" height="14" rx="3" fill="%s" opacity="0.9"%s/><text x="%.1f" y="%.1f" font-size="10" fill="%s"%s>%s</text>`+"\n",
				lx+4, ly-10, w, light.bg, c.class("fg-label-bg"), lx+7, ly, colour, c.class("fg-label-"+kind), esc(label))
		}
	}
	for _, n := range g.Nodes {
		bx := l.boxes[n.ID]
		x, y := ox+bx.x-bx.w/2, oy+bx.y-bx.h/2
		c.cover(x, y, bx.w, bx.h)
		col := light.status[n.Status]
		switch n.Type {
		case KindStart, KindEnd:
			fill, stroke, cls := light.marker, light.markerLine, "fg-marker"
			switch {
			case n.Type == KindEnd && n.Status != NotRun:
				fill, stroke, cls = col[0], col[1], statusClass(n.Status)
			case n.Status != NotRun || g.endTaken(n):
				fill, cls = light.status[Succeeded][0], "fg-marker-taken"
			}
			c.printf(layerNodes, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%.1f" fill="%s" stroke="%s"%s/><text x="%.1f" y="%.1f" text-anchor="middle" fill="%s"%s>%s</text>`+"\n",
				x, y, bx.w, bx.h, bx.h/2, fill, stroke, c.class(cls), ox+bx.x, oy+bx.y+4, light.detail, c.class("fg-detail"), esc(n.Name))
			continue
		}
		layer := layerNodes
		if len(n.Graphs) > 0 {
			layer = layerContainers
		}
		width := 1.5
		if n.Status != NotRun {
			width = 2.2
		}
		dash := ""
		if n.Type == "Choice" {
			dash = ` stroke-dasharray="6,3"`
		}
		c.printf(layer, `<g><title>%s</title>`, esc(n.title()))
		c.printf(layer, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="8" fill="%s" stroke="%s" stroke-width="%.1f"%s%s/>`,
			x, y, bx.w, bx.h, col[0], col[1], width, dash, c.class(statusClass(n.Status)))
		top := y + 15
		c.printf(layer, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="%s"%s>%s</text>`, ox+bx.x, top, light.typ, c.class("fg-type"), esc(n.typeLine()))
		c.printf(layer, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold" fill="%s"%s>%s</text>`, ox+bx.x, top+16, light.name, c.class("fg-name"), esc(n.Name))
		if n.Detail != "" {
			c.printf(layer, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="%s"%s>%s</text>`, ox+bx.x, top+30, light.detail, c.class("fg-detail"), esc(n.Detail))
		}
		c.printf(layer, "</g>\n")
		for i, sl := range l.subs[n.ID] {
			off := l.offs[n.ID][i]
			sx := x + (bx.w-subWidth(l.subs[n.ID]))/2 + off.x
			sy := y + headerH
			c.printf(layerContainers, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6" fill="%s" fill-opacity="0.6" stroke="%s" stroke-dasharray="3,3"%s/>`+"\n", sx, sy, sl.w, sl.h, light.frame, light.frameLine, c.class("fg-frame"))
			n.Graphs[i].render(c, sl, sx, sy)
		}
	}
}

// path is the SVG path of an edge: from the bottom of its source (the
// top, for an edge going up) through the slots of the layers it crosses
// to the top of its target (the bottom), as vertical cubic curves; and
// where its label goes.
func (l *layout) path(e *Edge, ox, oy float64) (string, []point, float64, float64) {
	from, to := l.boxes[e.From], l.boxes[e.To]
	if e.From == e.To {
		x, y := ox+from.x+from.w/2, oy+from.y
		return fmt.Sprintf("M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x, y-8, x+40, y-30, x+40, y+30, x+1, y+8),
			[]point{{x, y - 8}, {x + 40, y - 30}, {x + 40, y + 30}, {x + 1, y + 8}}, x + 30, y
	}
	var pts []point
	if l.back[e] {
		// Up the right-hand side of both ends, so it does not cover the
		// edge coming down.
		pts = append(pts, point{ox + from.x + from.w/4, oy + from.y - from.h/2})
		for _, p := range l.route[e] {
			pts = append(pts, point{ox + p.x, oy + p.y})
		}
		pts = append(pts, point{ox + to.x + to.w/4, oy + to.y + to.h/2 + 1})
	} else {
		pts = append(pts, point{ox + from.x, oy + from.y + from.h/2})
		for _, p := range l.route[e] {
			pts = append(pts, point{ox + p.x, oy + p.y})
		}
		pts = append(pts, point{ox + to.x, oy + to.y - to.h/2 - 1})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "M%.1f,%.1f", pts[0].x, pts[0].y)
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		if i%2 == 0 {
			// Through a slot: straight along the row.
			fmt.Fprintf(&b, " L%.1f,%.1f", q.x, q.y)
			continue
		}
		dy := (q.y - p.y) / 2
		fmt.Fprintf(&b, " C%.1f,%.1f %.1f,%.1f %.1f,%.1f", p.x, p.y+dy, q.x, q.y-dy, q.x, q.y)
	}
	// The label sits on the first piece of the edge.
	lx, ly := (pts[0].x+pts[1].x)/2, (pts[0].y+pts[1].y)/2
	if len(pts) > 2 {
		lx, ly = pts[1].x, (pts[1].y+pts[2].y)/2
	}
	return b.String(), pts, lx, ly
}

func subWidth(ls []*layout) float64 {
	w := 0.0
	for i, l := range ls {
		if i > 0 {
			w += gapX / 2
		}
		w += l.w
	}
	return w
}

// endTaken reports whether an execution reached the End marker n.
func (g *Graph) endTaken(n *Node) bool {
	for _, e := range g.Edges {
		if (e.To == n.ID || e.From == n.ID) && e.Taken {
			return true
		}
	}
	return false
}

func (n *Node) typeLine() string {
	s := n.Type
	switch {
	case n.Items > 0:
		s += fmt.Sprintf(" · %s", plural(n.Items, "item"))
	case n.Iterations > 0:
		// In a Map: each iteration enters the state once; attempts beyond
		// the visits are retries.
		s += fmt.Sprintf(" · %s", plural(n.Iterations, "iteration"))
		if r := n.Attempts - n.Visits; r > 0 {
			s += fmt.Sprintf(" · %s", plural(r, "retry"))
		}
	case n.Attempts > 1:
		s += fmt.Sprintf(" · %d attempts", n.Attempts)
	case n.Visits > 1:
		s += fmt.Sprintf(" · %d visits", n.Visits)
	}
	if n.Status != NotRun {
		s += " · " + string(n.Status)
	}
	return s
}

func (n *Node) title() string {
	s := n.Type + " state " + n.Name
	if n.Detail != "" {
		s += ": " + n.Detail
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
