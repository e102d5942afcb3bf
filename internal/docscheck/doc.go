// Package docscheck reads the project's Markdown pages (README.md and
// docs/**/*.md) the way GitHub renders them: their headings and the
// anchors GitHub derives from them, their relative links, and their
// runnable shell blocks (fenced blocks opened with "```sh runnable").
//
// Its tests check that every relative link and #anchor of every page
// resolves, and, when ECSRUN_DOCS_RUN=1 (as .ci/run sets it), run every
// page's runnable blocks: all the blocks of a page in order in one
// `bash -euo pipefail` process from the repository root, with a freshly
// built ecsrun first on PATH, XDG_STATE_HOME set to a fresh temporary
// directory and the example image ecsrun-example/hello:latest built.
//
// It is written here rather than taken from a Markdown library because
// it needs only these three things, and GitHub's anchor rules, which the
// Go Markdown libraries do not reproduce exactly (goldmark's auto heading
// IDs differ on punctuation and duplicates).
package docscheck
