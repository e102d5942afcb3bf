package docscheck

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Page is what a Markdown page holds that the checks look at.
type Page struct {
	// Anchors are the fragment identifiers the page defines: one per
	// heading, as GitHub derives them, and explicit <a name|id="...">.
	Anchors map[string]bool
	// Links are the link targets of the page, outside code.
	Links []Link
	// Blocks are the page's runnable shell blocks, in order.
	Blocks []Block
}

// Link is one link of a page.
type Link struct {
	Target string // as written: path, path#anchor, #anchor or a URL
	Line   int    // 1-based
}

// Block is one runnable fenced block.
type Block struct {
	Line int // 1-based line of the opening fence
	Code string
}

// RunnableInfo is the info string that marks a fenced block as runnable.
const RunnableInfo = "sh runnable"

var (
	headingRE = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$`)
	fenceRE   = regexp.MustCompile("^ {0,3}(```+|~~~+)[ \t]*(.*)$")
	// A link or an image: [text](target "title") or ![alt](target).
	linkRE     = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	htmlAnchor = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	codeSpanRE = regexp.MustCompile("`+[^`]*`+")
)

// Parse reads a Markdown page.
func Parse(text string) Page {
	p := Page{Anchors: map[string]bool{}}
	seen := map[string]int{}
	lines := strings.Split(text, "\n")
	var fence string // the open fence's marker, "" outside a fence
	var block *Block
	var code []string
	for i, line := range lines {
		n := i + 1
		if fence != "" {
			if m := fenceRE.FindStringSubmatch(line); m != nil && strings.HasPrefix(m[1], fence) && strings.TrimSpace(m[2]) == "" {
				if block != nil {
					block.Code = strings.Join(code, "\n") + "\n"
					p.Blocks = append(p.Blocks, *block)
				}
				fence, block, code = "", nil, nil
				continue
			}
			if block != nil {
				code = append(code, line)
			}
			continue
		}
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			fence = m[1]
			if strings.Join(strings.Fields(m[2]), " ") == RunnableInfo {
				block = &Block{Line: n}
			}
			continue
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			p.Anchors[m[1]] = true
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			slug := Slug(m[2])
			if k := seen[slug]; k > 0 {
				p.Anchors[fmt.Sprintf("%s-%d", slug, k)] = true
			} else {
				p.Anchors[slug] = true
			}
			seen[slug]++
		}
		for _, m := range linkRE.FindAllStringSubmatchIndex(line, -1) {
			if inCodeSpan(line, m[0]) {
				continue
			}
			p.Links = append(p.Links, Link{Target: line[m[4]:m[5]], Line: n})
		}
	}
	return p
}

// inCodeSpan reports whether offset at of line is inside a code span.
func inCodeSpan(line string, at int) bool {
	for _, s := range codeSpanRE.FindAllStringIndex(line, -1) {
		if at >= s[0] && at < s[1] {
			return true
		}
	}
	return false
}

var (
	linkTextRE = regexp.MustCompile(`!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)`)
	tagRE      = regexp.MustCompile(`<[^>]+>`)
)

// Slug is the anchor GitHub gives a heading's text: the rendered text,
// lower-cased, without the characters that are not letters, digits,
// spaces, hyphens or underscores, and with each space a hyphen (so
// "`ecsrun serve`: the local ECS" is "ecsrun-serve-the-local-ecs").
func Slug(heading string) string {
	s := linkTextRE.ReplaceAllString(heading, "$1")
	s = tagRE.ReplaceAllString(s, "")
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
