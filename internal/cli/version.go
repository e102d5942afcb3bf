package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Version, when set at build time with
// -ldflags "-X github.com/ecsrun/ecsrun/internal/cli.Version=...",
// replaces the module version of the build information.
var Version string

func newVersion(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the ecsrun version and the commit it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bi, _ := debug.ReadBuildInfo()
			fmt.Fprintln(e.stdout, versionLine(Version, bi))
			return nil
		},
	}
}

// versionLine describes the build: the version (set at build time, else
// the module's: a release tag, a pseudo-version, or "devel" for a build
// of a checkout the go command did not stamp), the VCS commit and whether
// the tree had changes, and the Go version.
func versionLine(set string, bi *debug.BuildInfo) string {
	if bi == nil {
		return "ecsrun " + orDefault(set, "devel") + " (no build information)"
	}
	version := set
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
	var parts []string
	if rev != "" {
		c := "commit " + rev[:min(12, len(rev))]
		if modified {
			c += " with uncommitted changes"
		}
		if when != "" {
			c += " of " + when
		}
		parts = append(parts, c)
	} else {
		parts = append(parts, "no VCS information")
	}
	if bi.GoVersion != "" {
		parts = append(parts, bi.GoVersion)
	}
	return "ecsrun " + version + " (" + strings.Join(parts, ", ") + ")"
}
