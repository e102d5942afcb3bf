package docscheck

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Pages returns the pages the checks cover, relative to root and in
// slash form: README.md and every .md file under docs/.
func Pages(root string) ([]string, error) {
	pages := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			pages = append(pages, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(pages[1:])
	return pages, err
}

// BrokenLinks checks every relative link of the pages: the file or
// directory it names exists (relative to the page), and its #anchor, if
// any, is an anchor of the Markdown page it names (or of the page itself).
// It returns one line per broken link: page:line: target: why.
func BrokenLinks(root string, pages []string) ([]string, error) {
	parsed := map[string]Page{}
	load := func(p string) (Page, error) {
		if pg, ok := parsed[p]; ok {
			return pg, nil
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return Page{}, err
		}
		pg := Parse(string(b))
		parsed[p] = pg
		return pg, nil
	}
	var broken []string
	for _, p := range pages {
		pg, err := load(p)
		if err != nil {
			return nil, err
		}
		for _, l := range pg.Links {
			if why := checkLink(root, p, l.Target, load); why != "" {
				broken = append(broken, fmt.Sprintf("%s:%d: %s: %s", p, l.Line, l.Target, why))
			}
		}
	}
	return broken, nil
}

func checkLink(root, page, target string, load func(string) (Page, error)) string {
	if target == "" {
		return "empty link"
	}
	u, err := url.Parse(target)
	if err != nil {
		return "not a URL: " + err.Error()
	}
	if u.Scheme != "" || u.Host != "" {
		return "" // external: not checked
	}
	if strings.HasPrefix(u.Path, "/") {
		return "absolute path: links must be relative to the page"
	}
	dest := page
	if u.Path != "" {
		dest = path.Clean(path.Join(path.Dir(page), u.Path))
		if dest == ".." || strings.HasPrefix(dest, "../") {
			return "outside the repository"
		}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest))); err != nil {
			return "no such file or directory " + dest
		}
	}
	if u.Fragment == "" {
		return ""
	}
	if !strings.HasSuffix(dest, ".md") {
		return "an #anchor on a file that is not Markdown"
	}
	pg, err := load(dest)
	if err != nil {
		return err.Error()
	}
	if !pg.Anchors[u.Fragment] {
		return fmt.Sprintf("no heading with anchor #%s in %s", u.Fragment, dest)
	}
	return ""
}
