package flowgraph

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// Layout constants, in SVG user units (pixels).
const (
	charWidth  = 7.2 // of the 12px sans-serif text
	nodeHeight = 46.0
	markerSize = 30.0 // Start and End
	padX       = 14.0
	gapX       = 30.0
	gapY       = 46.0
	margin     = 20.0
	headerH    = 46.0 // the title of a Parallel or Map box
	dummyW     = 14.0 // the slot of an edge passing a layer
)

// box is a node's place: its centre and size.
type box struct {
	x, y, w, h float64
}

// layout is where everything of a graph goes, relative to the graph's
// top-left corner.
type layout struct {
	w, h  float64
	boxes map[string]box
	subs  map[string][]*layout // nested graphs of a node
	offs  map[string][]point   // their offsets inside the node
	// route is, for each edge, the points it passes between its ends:
	// the top and bottom of its slot in each layer it crosses (bottom and
	// top for an edge going up), from its source to its target.
	route map[*Edge][]point
	// back marks the edges that go up (they close a cycle).
	back map[*Edge]bool
}

type point struct{ x, y float64 }

func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * charWidth }

// size is a node's box size; nested graphs are laid out first.
func (l *layout) size(n *Node) (float64, float64) {
	switch n.Type {
	case KindStart, KindEnd:
		return textWidth(n.Name) + 2*padX, markerSize
	}
	w := max(textWidth(n.Name), textWidth(n.Detail), textWidth(n.typeLine())*0.85) + 2*padX
	h := nodeHeight
	if n.Detail != "" {
		h += 14
	}
	if len(n.Graphs) == 0 {
		return max(w, 90), h
	}
	var subW, subH float64
	for i, sg := range n.Graphs {
		sl := computeLayout(sg)
		l.subs[n.ID] = append(l.subs[n.ID], sl)
		if i > 0 {
			subW += gapX / 2
		}
		l.offs[n.ID] = append(l.offs[n.ID], point{subW, 0})
		subW += sl.w
		subH = max(subH, sl.h)
	}
	return max(w, subW+2*padX), headerH + subH + padX
}

// link is an edge of the layered graph: a piece of an Edge between
// adjacent layers, pointing down.
type link struct{ from, to string }

func computeLayout(g *Graph) *layout {
	l := &layout{boxes: map[string]box{}, subs: map[string][]*layout{}, offs: map[string][]point{}, route: map[*Edge][]point{}, back: map[*Edge]bool{}}
	out := map[string][]*Edge{}
	for _, e := range g.Edges {
		out[e.From] = append(out[e.From], e)
	}
	// Back edges close a cycle in a depth-first search from Start (then
	// from any node not reached); they are laid out reversed.
	state := map[string]int{} // 1 on the stack, 2 done
	var order []string
	var dfs func(id string)
	dfs = func(id string) {
		state[id] = 1
		order = append(order, id)
		for _, e := range out[id] {
			switch state[e.To] {
			case 0:
				dfs(e.To)
			case 1:
				l.back[e] = true
			}
		}
		state[id] = 2
	}
	dfs(g.start.ID)
	for _, n := range g.Nodes {
		if state[n.ID] == 0 {
			dfs(n.ID)
		}
	}
	down := func(e *Edge) (string, string) {
		if l.back[e] {
			return e.To, e.From
		}
		return e.From, e.To
	}
	// Layers: the longest path from the top (the edges, reversed where
	// they go back, form a DAG).
	layer := map[string]int{}
	for changed := true; changed; {
		changed = false
		for _, e := range g.Edges {
			from, to := down(e)
			if from != to && layer[to] < layer[from]+1 {
				layer[to] = layer[from] + 1
				changed = true
			}
		}
	}
	last := 0
	for _, n := range g.Nodes {
		if n != g.end {
			last = max(last, layer[n.ID])
		}
	}
	layer[g.end.ID] = max(layer[g.end.ID], last+1)

	// Edges crossing layers get a slot (a dummy node) in each.
	var links []link
	slots := map[*Edge][]string{}
	width := map[string]float64{}
	for i, e := range g.Edges {
		from, to := down(e)
		if from == to {
			continue
		}
		prev := from
		for k := layer[from] + 1; k < layer[to]; k++ {
			id := fmt.Sprintf("#slot/%d/%d", i, k)
			layer[id] = k
			width[id] = dummyW
			slots[e] = append(slots[e], id)
			links = append(links, link{prev, id})
			prev = id
		}
		links = append(links, link{prev, to})
	}
	var rows [][]string
	pos := map[string]int{}
	for i, id := range order {
		pos[id] = i
	}
	add := func(id string) {
		k := layer[id]
		for len(rows) <= k {
			rows = append(rows, nil)
		}
		rows[k] = append(rows[k], id)
	}
	for _, n := range g.Nodes {
		add(n.ID)
	}
	for _, e := range g.Edges {
		for _, id := range slots[e] {
			pos[id] = pos[e.From]
			add(id)
		}
	}
	for _, r := range rows {
		sort.SliceStable(r, func(i, j int) bool { return pos[r[i]] < pos[r[j]] })
	}
	// Order each layer by the barycentre of its neighbours above, then
	// below, a few times.
	above, below := map[string][]string{}, map[string][]string{}
	for _, k := range links {
		below[k.from] = append(below[k.from], k.to)
		above[k.to] = append(above[k.to], k.from)
	}
	for sweep := 0; sweep < 6; sweep++ {
		idx := map[string]float64{}
		for _, r := range rows {
			for i, id := range r {
				idx[id] = float64(i) - float64(len(r)-1)/2
			}
		}
		nb := above
		if sweep%2 == 1 {
			nb = below
		}
		for _, r := range rows {
			bary := map[string]float64{}
			for _, id := range r {
				if len(nb[id]) == 0 {
					bary[id] = idx[id]
					continue
				}
				var sum float64
				for _, o := range nb[id] {
					sum += idx[o]
				}
				bary[id] = sum / float64(len(nb[id]))
			}
			sort.SliceStable(r, func(i, j int) bool { return bary[r[i]] < bary[r[j]] })
		}
	}
	// Sizes and placement: rows top to bottom, each centred.
	height := map[string]float64{}
	for _, n := range g.Nodes {
		width[n.ID], height[n.ID] = l.size(n)
	}
	var widths []float64
	maxW := 0.0
	for _, r := range rows {
		w := 0.0
		for i, id := range r {
			if i > 0 {
				w += gapX
			}
			w += width[id]
		}
		widths = append(widths, w)
		maxW = max(maxW, w)
	}
	y := margin
	for k, r := range rows {
		rowH := 0.0
		for _, id := range r {
			rowH = max(rowH, height[id])
		}
		x := margin + (maxW-widths[k])/2
		for _, id := range r {
			h := height[id]
			if _, isNode := g.ids[id]; !isNode {
				h = rowH // an edge's slot runs the height of the row
			}
			l.boxes[id] = box{x: x + width[id]/2, y: y + rowH/2, w: width[id], h: h}
			x += width[id] + gapX
		}
		y += rowH + gapY
	}
	l.w = maxW + 2*margin
	l.h = y - gapY + margin
	for _, e := range g.Edges {
		var pts []point
		for _, id := range slots[e] {
			b := l.boxes[id]
			pts = append(pts, point{b.x, b.y - b.h/2}, point{b.x, b.y + b.h/2})
		}
		if l.back[e] {
			for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
				pts[i], pts[j] = pts[j], pts[i]
			}
		}
		l.route[e] = pts
	}
	return l
}
