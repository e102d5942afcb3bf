package docscheck

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSlug(t *testing.T) {
	for _, c := range []struct{ heading, want string }{
		{"Quickstart", "quickstart"},
		{"`ecsrun serve`: the local ECS for the AWS CLI, boto3 and the SDKs", "ecsrun-serve-the-local-ecs-for-the-aws-cli-boto3-and-the-sdks"},
		{"Task metadata, task roles, secrets and environment files", "task-metadata-task-roles-secrets-and-environment-files"},
		{"Container dependencies (dependsOn)", "container-dependencies-dependson"},
		{"Restarts: nothing is lost", "restarts-nothing-is-lost"},
		{"Project file: `ecsrun.yaml`", "project-file-ecsrunyaml"},
		{"The [link](x.md) text", "the-link-text"},
		{"snake_case and dash-es", "snake_case-and-dash-es"},
		{"Ünïcode café", "ünïcode-café"},
		{"a  b", "a--b"},
	} {
		if got := Slug(c.heading); got != c.want {
			t.Errorf("Slug(%q) = %q; want %q", c.heading, got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	page := strings.Join([]string{
		"# Title",
		"See [a](a.md#x) and ![img](p.svg) and `[not](a link)`.",
		"## Title",
		"```sh runnable",
		"echo one",
		"# a comment, not a heading",
		"[not](a link)",
		"```",
		"```sh",
		"echo not runnable",
		"```",
		"````markdown",
		"```sh runnable",
		"nested: not a block of this page",
		"```",
		"````",
		`<a name="explicit"></a>`,
		"## Title ##",
		"~~~ sh   runnable",
		"echo two",
		"~~~",
	}, "\n")
	p := Parse(page)
	wantAnchors := map[string]bool{"title": true, "title-1": true, "title-2": true, "explicit": true}
	if !reflect.DeepEqual(p.Anchors, wantAnchors) {
		t.Errorf("anchors %v; want %v", p.Anchors, wantAnchors)
	}
	wantLinks := []Link{{"a.md#x", 2}, {"p.svg", 2}}
	if !reflect.DeepEqual(p.Links, wantLinks) {
		t.Errorf("links %v; want %v", p.Links, wantLinks)
	}
	wantBlocks := []Block{{4, "echo one\n# a comment, not a heading\n[not](a link)\n"}, {19, "echo two\n"}}
	if !reflect.DeepEqual(p.Blocks, wantBlocks) {
		t.Errorf("blocks %+v; want %+v", p.Blocks, wantBlocks)
	}
}

func TestBrokenLinks_FindsEachKind(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "# Top\n[ok](docs/a.md#second-part) [ok](#top) [ok](https://example.com/x#y) [ok](docs/)\n"+
		"[bad](docs/missing.md)\n[bad](docs/a.md#nope)\n[bad](#nope)\n[bad](/abs.md)\n[bad](../out.md)\n[bad](go.mod#x)\n")
	write("go.mod", "module x\n")
	write("docs/a.md", "# A\n## Second part\n[ok](../README.md#top)\n[bad](../README.md#a)\n")
	pages, err := Pages(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"README.md", "docs/a.md"}; !reflect.DeepEqual(pages, want) {
		t.Fatalf("pages %v; want %v", pages, want)
	}
	broken, err := BrokenLinks(root, pages)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"README.md:3: docs/missing.md: no such file or directory docs/missing.md",
		"README.md:4: docs/a.md#nope: no heading with anchor #nope in docs/a.md",
		"README.md:5: #nope: no heading with anchor #nope in README.md",
		"README.md:6: /abs.md: absolute path: links must be relative to the page",
		"README.md:7: ../out.md: outside the repository",
		"README.md:8: go.mod#x: an #anchor on a file that is not Markdown",
		"docs/a.md:4: ../README.md#a: no heading with anchor #a in README.md",
	}
	if !reflect.DeepEqual(broken, want) {
		t.Errorf("broken:\n%s\nwant:\n%s", strings.Join(broken, "\n"), strings.Join(want, "\n"))
	}
}

// repoRoot is the repository root: the directory of go.mod above here.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// TestLinks checks every relative link and #anchor of README.md and
// docs/**/*.md.
func TestLinks(t *testing.T) {
	root := repoRoot(t)
	pages, err := Pages(root)
	if err != nil {
		t.Fatal(err)
	}
	broken, err := BrokenLinks(root, pages)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range broken {
		t.Error(b)
	}
}

func TestRunner_NamesTheFailingBlock(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	bin := t.TempDir()
	r := Runner{Root: t.TempDir(), BinDir: bin, Timeout: time.Minute}
	blocks := []Block{
		{Line: 3, Code: "x=1\necho \"state $XDG_STATE_HOME\"\n"},
		{Line: 9, Code: "echo \"x is $x\"\nfalse\necho never\n"},
		{Line: 20, Code: "echo not reached\n"},
	}
	err := r.RunPage(context.Background(), "docs/p.md", blocks)
	if err == nil {
		t.Fatal("a failing block passed")
	}
	msg := err.Error()
	for _, want := range []string{"docs/p.md: runnable block 2 of 3 (line 9) failed", "x is 1", "state ", "--- the block:\necho \"x is $x\"\nfalse\n"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if out := msg[strings.Index(msg, "--- the output"):]; strings.Contains(out, "never") || strings.Contains(out, "not reached") {
		t.Errorf("blocks after the failure ran:\n%s", msg)
	}
	// Unset variables fail (bash -u), and the binary directory is first.
	if err := r.RunPage(context.Background(), "p", []Block{{Line: 1, Code: "echo $nope\n"}}); err == nil {
		t.Error("an unset variable passed")
	}
	if err := r.RunPage(context.Background(), "p", []Block{{Line: 1, Code: "case \"$PATH\" in " + bin + ":*) ;; *) exit 1;; esac\n"}}); err != nil {
		t.Errorf("BinDir is not first on PATH: %v", err)
	}
}

// TestRunnableBlocks runs every page's runnable blocks. It needs Docker
// and builds ecsrun and the example image, so it runs only when
// ECSRUN_DOCS_RUN=1 (.ci/run sets it); ECSRUN_DOCS_ONLY narrows it to a
// comma-separated list of pages.
func TestRunnableBlocks(t *testing.T) {
	if os.Getenv("ECSRUN_DOCS_RUN") != "1" {
		t.Skip("set ECSRUN_DOCS_RUN=1 to run the pages' runnable blocks (.ci/run does)")
	}
	root := repoRoot(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "ecsrun"), "./cmd/ecsrun")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	hello := exec.Command(filepath.Join(root, "examples", "hello", "build.sh"))
	if out, err := hello.CombinedOutput(); err != nil {
		t.Fatalf("examples/hello/build.sh: %v\n%s", err, out)
	}
	pages, err := Pages(root)
	if err != nil {
		t.Fatal(err)
	}
	r := Runner{Root: root, BinDir: bin, Timeout: 5 * time.Minute}
	// ECSRUN_DOCS_ONLY=docs/a.md,docs/b.md runs only those pages (while
	// writing them).
	only := map[string]bool{}
	for _, p := range strings.Split(os.Getenv("ECSRUN_DOCS_ONLY"), ",") {
		if p != "" {
			only[p] = true
		}
	}
	ran := 0
	for _, p := range pages {
		if len(only) > 0 && !only[p] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		blocks := Parse(string(b)).Blocks
		if len(blocks) == 0 {
			continue
		}
		start := time.Now()
		if err := r.RunPage(context.Background(), p, blocks); err != nil {
			t.Error(err)
			continue
		}
		ran += len(blocks)
		t.Logf("%s: %d runnable blocks passed in %s", p, len(blocks), time.Since(start).Round(time.Millisecond))
	}
	if ran == 0 {
		t.Error("no page has a runnable block")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("# h\n[a](b.md#c)\n```sh runnable\necho\n```\n")
	f.Add("````\n```sh runnable\n````\n## x ##\n<a id=\"y\">")
	f.Fuzz(func(t *testing.T, s string) {
		p := Parse(s)
		lines := strings.Count(s, "\n") + 1
		for _, l := range p.Links {
			if l.Line < 1 || l.Line > lines {
				t.Fatalf("link line %d outside 1..%d", l.Line, lines)
			}
		}
		for _, b := range p.Blocks {
			if b.Line < 1 || b.Line > lines || !strings.HasSuffix(b.Code, "\n") {
				t.Fatalf("bad block %+v", b)
			}
		}
	})
}
