package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version, Commit and Date, when set at build time with
//
//	-ldflags "-X github.com/ecsrun/ecsrun/internal/cli.Version=v1.2.3
//	          -X github.com/ecsrun/ecsrun/internal/cli.Commit=0123abcd...
//	          -X github.com/ecsrun/ecsrun/internal/cli.Date=2026-12-07T05:00:00Z"
//
// (as release/build.sh does), replace the module version, the VCS commit
// and the commit time of the build information; Date is then the build
// date.
var Version, Commit, Date string

func newVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the ecsrun version and the commit it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bi, _ := debug.ReadBuildInfo()
			fmt.Fprintln(e.stdout, versionLine(stamp{Version, Commit, Date}, bi))
			return nil
		},
	}
}

// stamp is what a release build sets with -ldflags -X.
type stamp struct{ version, commit, date string }

// versionLine describes the build: the version (set at build time, else
// the module's: a release tag for `go install ...@v1.2.3`, a
// pseudo-version, or "devel" for a build of a checkout), the commit and
// whether the tree had changes, the commit time (or, set at build time,
// the build date), and the Go version.
func versionLine(set stamp, bi *debug.BuildInfo) string {
	if bi == nil {
		bi = &debug.BuildInfo{}
		if set.commit == "" {
			return "ecsrun " + orDefault(set.version, "devel") + " (no build information)"
		}
	}
	version := set.version
	if version == "" {
		version = bi.Main.Version
	}
	if version == "" || version == "(devel)" {
		version = "devel"
	}
	var rev, when string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if set.commit != "" {
		// release/build.sh writes a modified tree's commit as ID-dirty.
		rev, modified = strings.CutSuffix(set.commit, "-dirty")
	}
	var parts []string
	if rev != "" {
		c := "commit " + rev[:min(12, len(rev))]
		if modified {
			c += " with uncommitted changes"
		}
		if set.date == "" && when != "" {
			c += " of " + when
		}
		parts = append(parts, c)
	} else {
		parts = append(parts, "no VCS information")
	}
	if set.date != "" {
		parts = append(parts, "built "+set.date)
	}
	if bi.GoVersion != "" {
		parts = append(parts, bi.GoVersion)
	}
	return "ecsrun " + version + " (" + strings.Join(parts, ", ") + ")"
}
