package flowgraph

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
)

// TestPalettes_contrast: in both themes a state's text reads on its box
// (WCAG AA, 4.5:1), the outline of a state that ran and the edges an
// execution took stand out from the canvas (3:1, WCAG's ratio for
// graphics), and the edges not taken, drawn faint on purpose, still show
// (2.5:1).
func TestPalettes_contrast(t *testing.T) {
	for _, tc := range []struct {
		theme string
		p     palette
	}{{"light", light}, {"dark", dark}} {
		t.Run(tc.theme, func(t *testing.T) {
			p := tc.p
			check := func(what, fg, bg string, least float64) {
				t.Helper()
				if c := contrast(fg, bg); c < least {
					t.Errorf("%s: %s on %s has contrast %.2f; want at least %.1f", what, fg, bg, c, least)
				}
			}
			for _, s := range statuses {
				fill, stroke := p.status[s][0], p.status[s][1]
				check(fmt.Sprintf("the name in a %q box", s), p.name, fill, 4.5)
				check(fmt.Sprintf("the type line in a %q box", s), p.typ, fill, 4.5)
				check(fmt.Sprintf("the detail in a %q box", s), p.detail, fill, 4.5)
				check(fmt.Sprintf("the outline of a %q box on the canvas", s), stroke, p.bg, 3)
			}
			for _, k := range []string{edgeTaken, edgeCatch, edgeFail} {
				check("a "+k+" edge", p.edgeColour(k), p.bg, 3)
				check("the label of a "+k+" edge", p.edgeColour(k), p.bg, 3)
			}
			check("an edge not taken", p.edge, p.bg, 2.5)
			check("the title", p.name, p.bg, 4.5)
			check("the legend", p.detail, p.bg, 4.5)
			check("a Start or End marker's name", p.detail, p.marker, 4.5)
			check("a Start or End marker's name, reached", p.detail, p.status[Succeeded][0], 4.5)
			check("a Start or End marker", p.markerLine, p.bg, 3)
		})
	}
}

// TestPalettes_distinct: in both themes no two statuses look alike: their
// outlines differ in colour (RGB distance), and so do the edges of each
// kind.
func TestPalettes_distinct(t *testing.T) {
	for _, tc := range []struct {
		theme string
		p     palette
	}{{"light", light}, {"dark", dark}} {
		for i, a := range statuses {
			for _, b := range statuses[i+1:] {
				if d := distance(tc.p.status[a][1], tc.p.status[b][1]); d < 60 {
					t.Errorf("%s: the outlines of %q (%s) and %q (%s) are %.0f apart; want at least 60", tc.theme, a, tc.p.status[a][1], b, tc.p.status[b][1], d)
				}
				if tc.p.status[a][0] == tc.p.status[b][0] {
					t.Errorf("%s: %q and %q have the same fill %s", tc.theme, a, b, tc.p.status[a][0])
				}
			}
		}
		kinds := []string{edgePlain, edgeTaken, edgeCatch, edgeFail}
		for i, a := range kinds {
			for _, b := range kinds[i+1:] {
				if d := distance(tc.p.edgeColour(a), tc.p.edgeColour(b)); d < 60 {
					t.Errorf("%s: %s and %s edges are %.0f apart; want at least 60", tc.theme, a, b, d)
				}
			}
		}
		// Dark is dark: the canvas and every box are dark, the text light.
		if tc.theme == "dark" {
			for _, c := range []string{tc.p.bg, tc.p.marker, tc.p.frame, tc.p.status[NotRun][0], tc.p.status[Succeeded][0], tc.p.status[Failed][0], tc.p.status[Caught][0], tc.p.status[Running][0], tc.p.status[Aborted][0]} {
				if luminance(c) > 0.05 {
					t.Errorf("dark: %s is not dark (luminance %.3f)", c, luminance(c))
				}
			}
		}
	}
}

func distance(a, b string) float64 {
	var r1, g1, b1, r2, g2, b2 int
	fmt.Sscanf(a, "#%02x%02x%02x", &r1, &g1, &b1)
	fmt.Sscanf(b, "#%02x%02x%02x", &r2, &g2, &b2)
	return math.Sqrt(float64((r1-r2)*(r1-r2) + (g1-g2)*(g1-g2) + (b1-b2)*(b1-b2)))
}

var fgClass = regexp.MustCompile(` class="fg-[^"]*"| fg-[a-z-]+`)

// TestThemedSVG_isSVG: without its classes and its <style>, ThemedSVG is
// SVG's picture byte for byte (the same shapes, the light colours as
// attributes), and SVG has no classes of the theme and no <style>.
func TestThemedSVG_isSVG(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			g := parse(t, tc.def)
			g.Color(tc.evs)
			plain, themed := g.SVG("x"), g.ThemedSVG("x")
			if strings.Contains(plain, "fg-") || strings.Contains(plain, "<style") {
				t.Errorf("SVG has classes of the theme or a <style>:\n%s", plain)
			}
			if !strings.Contains(themed, themeStyle()) {
				t.Errorf("ThemedSVG lacks its <style>")
			}
			stripped := fgClass.ReplaceAllString(strings.Replace(themed, themeStyle(), "", 1), "")
			if stripped != plain {
				t.Errorf("ThemedSVG without its classes and <style> is not SVG:\n%s\nwant:\n%s", stripped, plain)
			}
		})
	}
}

// TestThemedSVG_classes: every element ThemedSVG colours has a class
// the dark rules paint, the state boxes the class of their status.
func TestThemedSVG_classes(t *testing.T) {
	g := parse(t, retryCatch)
	g.Color(goldenCases[1].evs)
	svg := g.ThemedSVG("x")
	css := dark.css()
	el := regexp.MustCompile(`<(rect|path|text)\b[^>]*>`)
	cls := regexp.MustCompile(`class="([^"]*)"`)
	for _, m := range el.FindAllString(svg, -1) {
		if !strings.Contains(m, `fill="#`) && !strings.Contains(m, `stroke="#`) {
			continue
		}
		c := cls.FindStringSubmatch(m)
		if c == nil {
			t.Errorf("%s has colours but no class", m)
			continue
		}
		painted := false
		for _, name := range strings.Fields(c[1]) {
			if strings.Contains(css, "."+name+"{") {
				painted = true
			}
		}
		if !painted {
			t.Errorf("no dark rule paints %s", m)
		}
	}
	for name, want := range map[string]Status{"RunTask": Caught, "Recover": Succeeded, "Both": Failed, "Check": NotRun} {
		box := regexp.MustCompile(`<g><title>[A-Za-z]+ state ` + name + `[:<][^\n]*?<rect [^>]*class="([^"]*)"`).FindStringSubmatch(svg)
		if box == nil || box[1] != statusClass(want) {
			t.Errorf("the box of %s has class %v; want %q", name, box, statusClass(want))
		}
	}
	for _, want := range []string{"@media (prefers-color-scheme: dark)", ".fg-caught{fill:" + dark.status[Caught][0] + ";stroke:" + dark.status[Caught][1] + "}", ".fg-bg{fill:" + dark.bg + "}", ".fg-edge-catch{stroke:" + dark.catch + "}"} {
		if !strings.Contains(svg, want) {
			t.Errorf("ThemedSVG lacks %q", want)
		}
	}
}

// TestThemedSVGGolden: the themed picture keeps its classes and dark
// rules.
func TestThemedSVGGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			g := parse(t, tc.def)
			g.Color(tc.evs)
			golden(t, tc.name+".themed.svg", g.ThemedSVG(""))
		})
	}
}
