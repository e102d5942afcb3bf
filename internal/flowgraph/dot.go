package flowgraph

import (
	"fmt"
	"strconv"
	"strings"
)

// DOT renders the graph in the Graphviz language.
func (g *Graph) DOT(title string) string {
	var b strings.Builder
	b.WriteString("digraph workflow {\n")
	if title != "" {
		fmt.Fprintf(&b, "  label=%s;\n  labelloc=t;\n", strconv.Quote(title))
	}
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n")
	g.dot(&b, "  ")
	b.WriteString("}\n")
	return b.String()
}

func (g *Graph) dot(b *strings.Builder, indent string) {
	for _, n := range g.Nodes {
		c := colours[n.Status]
		switch n.Type {
		case KindStart, KindEnd:
			fmt.Fprintf(b, "%s%s [label=%s, shape=oval, fillcolor=%q];\n", indent, strconv.Quote(n.ID), strconv.Quote(n.Name), "#ffffff")
			continue
		}
		label := n.typeLine() + "\n" + n.Name
		if n.Detail != "" {
			label += "\n" + n.Detail
		}
		fmt.Fprintf(b, "%s%s [label=%s, fillcolor=%q, color=%q];\n", indent, strconv.Quote(n.ID), strconv.Quote(label), c[0], c[1])
		for i, sg := range n.Graphs {
			fmt.Fprintf(b, "%ssubgraph %s {\n%s  label=%s;\n%s  style=dashed;\n", indent, strconv.Quote(fmt.Sprintf("cluster_%s_%d", n.ID, i)), indent, strconv.Quote(fmt.Sprintf("%s branch %d", n.Name, i)), indent)
			sg.dot(b, indent+"  ")
			fmt.Fprintf(b, "%s}\n", indent)
		}
	}
	for _, e := range g.Edges {
		attrs := []string{}
		if e.Label != "" {
			attrs = append(attrs, "label="+strconv.Quote(e.Label))
		}
		if e.Kind == "catch" {
			attrs = append(attrs, "style=dashed")
		}
		if e.Taken {
			colour := light.taken
			if e.Kind == "catch" {
				colour = light.catch
			}
			attrs = append(attrs, "penwidth=2.5", "color="+strconv.Quote(colour))
		}
		fmt.Fprintf(b, "%s%s -> %s", indent, strconv.Quote(e.From), strconv.Quote(e.To))
		if len(attrs) > 0 {
			fmt.Fprintf(b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
}
